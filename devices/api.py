"""/api/v1/devices/ (admins): time clocks, syncing them now, their sync runs.

Punches are attendance's resource (`/api/v1/punches/`, attendance.api): devices write
them through attendance.services.punches_ingest and filter them there by `device_id`.
"""

from __future__ import annotations

from typing import Any, cast

import django_filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from accounts.models import Location
from attendance.views import client_ip
from devices import crypto, selectors, services
from devices.models import ClientDevice, Device, SyncRun, SyncStatus, SyncTrigger
from etime.core import access
from etime.core.api.fields import AwareDateTimeField
from etime.core.api.permissions import IsAdminRole, TokenScopePermission
from etime.core.api.viewsets import EtimeGenericViewSet, EtimeModelViewSet
from etime.core.errors import DomainError

# What the device reports and the sync records: shown in the API, never written through it.
_REPORTED = [
    "firmware",
    "platform",
    "mac",
    "reported_name",
    "user_count",
    "record_count",
    "record_capacity",
    "status",
    "last_error_code",
    "last_error",
    "last_sync_at",
    "last_success_at",
    "last_contact_at",
    "next_sync_at",
    "consecutive_failures",
    "clock_drift_seconds",
    "clock_checked_at",
    "created_at",
    "updated_at",
]


class DeviceSerializer(serializers.ModelSerializer[Device]):
    comm_key = serializers.IntegerField(
        write_only=True,
        required=False,
        allow_null=True,
        min_value=0,
        max_value=crypto.MAX_COMM_KEY,
        help_text="The device's communication password (0 or null: none). Write-only; stored encrypted.",
    )
    has_comm_key = serializers.BooleanField(read_only=True)
    location = serializers.PrimaryKeyRelatedField(queryset=Location.objects.all(), allow_null=True, required=False)

    class Meta:
        model = Device
        fields = [
            "id",
            "name",
            "vendor",
            "model",
            "protocol",
            "host",
            "port",
            "transport",
            "comm_key",
            "has_comm_key",
            "time_zone",
            "location",
            "poll_interval_seconds",
            "timeout_seconds",
            "enabled",
            "correct_clock",
            "clock_drift_threshold_seconds",
            "clear_log_after_sync",
            "purchase_date",
            "warranty_end",
            "serial_number",
            "push_networks",
            "push_photos",
            *_REPORTED,
        ]
        read_only_fields = ["id", *_REPORTED]
        # Uniqueness is checked by the service and the database in one transaction.
        validators: list[Any] = []
        extra_kwargs: dict[str, Any] = {
            "name": {"validators": []},
            "serial_number": {
                "help_text": "Read from the device (ZK); entered for ADMS push devices, which it identifies."
            },
        }


class SyncRunSerializer(serializers.ModelSerializer[SyncRun]):
    duration_seconds = serializers.FloatField(read_only=True, allow_null=True)

    class Meta:
        model = SyncRun
        fields = [
            "id",
            "device",
            "trigger",
            "status",
            "started_at",
            "finished_at",
            "duration_seconds",
            "fetched",
            "already_synced",
            "created",
            "duplicates",
            "unmapped",
            "error_code",
            "error",
            "clock_drift_seconds",
            "clock_corrected",
            "log_cleared",
            "notes",
            "worker",
            "requested_by",
        ]
        read_only_fields = fields


class DeviceFilter(django_filters.FilterSet):
    class Meta:
        model = Device
        fields = ["protocol", "transport", "status", "enabled", "location", "serial_number"]


class SyncRunFilter(django_filters.FilterSet):
    started_at = django_filters.IsoDateTimeFromToRangeFilter()

    class Meta:
        model = SyncRun
        fields = ["status", "trigger"]


class DeviceViewSet(EtimeModelViewSet):
    """Time clocks (admins only). `comm_key` is write-only; `has_comm_key` tells whether one is set."""

    serializer_class = DeviceSerializer
    filterset_class = DeviceFilter
    permission_classes = [IsAuthenticated, TokenScopePermission, IsAdminRole]
    scope_area = "devices"
    cursor_ordering = ("name",)

    def get_queryset(self) -> Any:
        if self.action == "sync_runs":  # the runs are what that action lists and filters
            return selectors.sync_run_list(user=self.request.user)
        return selectors.device_list(user=self.request.user)

    def get_serializer_class(self) -> Any:
        if self.action in ("sync", "sync_runs"):
            return SyncRunSerializer
        return DeviceSerializer

    def perform_create(self, serializer: serializers.BaseSerializer[Any]) -> None:
        data = dict(serializer.validated_data)
        comm_key = data.pop("comm_key", None)
        serializer.instance = services.device_create(actor=self.request.user, comm_key=comm_key, **data)

    def perform_update(self, serializer: serializers.BaseSerializer[Any]) -> None:
        data = dict(serializer.validated_data)
        kwargs: dict[str, Any] = {}
        if "comm_key" in data:
            kwargs["comm_key"] = data.pop("comm_key")
        device = cast(Device, serializer.instance)
        serializer.instance = services.device_update(device=device, actor=self.request.user, **kwargs, **data)

    def perform_destroy(self, instance: Device) -> None:
        services.device_delete(device=instance, actor=self.request.user)

    @extend_schema(
        request=None,
        responses={
            200: SyncRunSerializer,
            409: OpenApiResponse(description="`device_sync_in_progress`, `device_disabled`, `device_not_pollable`"),
            502: OpenApiResponse(
                description="The sync failed: `device_unreachable`, `device_auth_failed`, ... "
                "(`details.sync_run` is the run)"
            ),
            504: OpenApiResponse(description="`device_timeout` (`details.sync_run` is the run)"),
        },
    )
    @action(detail=True, methods=["post"], filterset_class=None)
    def sync(self, request: Request, pk: Any = None) -> Response:
        """Sync the device now and return the sync run. A failed sync answers with the device's
        error code and the run in `details.sync_run`; a sync already running elsewhere, 409."""
        device = self.get_object()
        run = services.device_sync(device=device, trigger=SyncTrigger.API, actor=request.user)
        body = SyncRunSerializer(run).data
        if run.status == SyncStatus.SKIPPED:
            raise _RunError(run.error_code, run.error, 409, body)
        if run.status == SyncStatus.FAILED:
            status = 504 if run.error_code == "device_timeout" else 502
            if run.error_code == "device_comm_key_unreadable":
                status = 409
            raise _RunError(run.error_code, run.error, status, body)
        return Response(body)

    @extend_schema(
        responses=SyncRunSerializer(many=True),
        parameters=[OpenApiParameter("id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="The device's id.")],
    )
    @action(
        detail=True,
        methods=["get"],
        url_path="sync-runs",
        filterset_class=SyncRunFilter,
        cursor_ordering=("-started_at",),
    )
    def sync_runs(self, request: Request, pk: Any = None) -> Response:
        """The device's sync runs, newest first; filter by `status`, `trigger`, `started_at_after/_before`."""
        # The device is looked up unfiltered (the filters are the runs').
        device = selectors.device_get(user=request.user, device_id=pk)
        if device is None:
            raise NotFound()
        runs = self.filter_queryset(selectors.sync_run_list(user=request.user, device=device))
        page = self.paginator.paginate_queryset(runs, request, view=self) if self.paginator else None
        serializer = SyncRunSerializer(page if page is not None else runs, many=True)
        if page is not None:
            return self.get_paginated_response(serializer.data)
        return Response(serializer.data)


class _RunError(DomainError):
    def __init__(self, code: str, message: str, status: int, run: Any) -> None:
        super().__init__(message, details={"sync_run": run})
        self.code = code or "device_error"
        self.status = status


# --- Client devices: installed apps (later kiosks) and their offline queue ---------------------


class ClientDeviceSerializer(serializers.ModelSerializer[ClientDevice]):
    # A plain string in the schema: another "kind" enum would collide in drf-spectacular's names.
    kind = serializers.CharField(read_only=True, help_text="`app` (a person's installed app) or `kiosk`.")

    class Meta:
        model = ClientDevice
        fields = ["id", "kind", "name", "owner", "location", "prefix", "created_at", "last_contact_at", "revoked_at"]
        read_only_fields = ["id", "kind", "owner", "location", "prefix", "created_at", "last_contact_at", "revoked_at"]
        extra_kwargs: dict[str, Any] = {
            "name": {"required": False, "help_text": "How the device is shown to you and your admins."}
        }


class ClientDeviceCreatedSerializer(ClientDeviceSerializer):
    credential = serializers.CharField(
        read_only=True,
        help_text="Shown once: the device keeps it and sends it as `Authorization: Device <credential>`.",
    )
    server_now = serializers.DateTimeField(read_only=True)

    class Meta(ClientDeviceSerializer.Meta):
        fields = [*ClientDeviceSerializer.Meta.fields, "credential", "server_now"]
        read_only_fields = fields


class ClientDeviceViewSet(
    mixins.CreateModelMixin, mixins.RetrieveModelMixin, mixins.ListModelMixin, EtimeGenericViewSet
):
    """Client devices: a person's installed apps (their own; administrators see all).

    `POST` registers the calling person's installed app and returns its `credential` once;
    `POST .../revoke/` revokes one (its owner or an administrator)."""

    serializer_class = ClientDeviceSerializer
    permission_classes = [IsAuthenticated, TokenScopePermission]
    scope_area = "client_devices"
    cursor_ordering = ("-created_at", "id")

    def get_queryset(self) -> Any:
        return selectors.client_device_list(user=self.request.user)

    @extend_schema(request=ClientDeviceSerializer, responses={201: ClientDeviceCreatedSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = ClientDeviceSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        owner = access.own_person(request.user)
        if owner is None:
            raise NotFound()
        device, credential = services.client_device_register(
            owner=owner,
            actor=request.user,
            name=serializer.validated_data.get("name", ""),
            user_agent=request.headers.get("User-Agent", ""),
        )
        body = {**ClientDeviceSerializer(device).data, "credential": credential, "server_now": device.last_contact_at}
        return Response(body, status=201)

    @extend_schema(request=None, responses={200: ClientDeviceSerializer})
    @action(detail=True, methods=["post"])
    def revoke(self, request: Request, pk: Any = None) -> Response:
        """Revoke the device's credential: it can no longer send what it queued offline."""
        device = services.client_device_revoke(device=self.get_object(), actor=request.user)
        return Response(ClientDeviceSerializer(device).data)


class _DeviceCredentialView(APIView):
    """Authorized by the device credential alone (``Authorization: Device <credential>``),
    not by a session or token: Background Sync sends the queue without a page, perhaps after
    the session ended, and the browser sends it without cookies (so no CSRF token either).
    The usual authentication still runs, so an expired bearer token answers as everywhere."""

    permission_classes = [AllowAny]

    def device(self, request: Request) -> ClientDevice:
        return services.client_device_authenticate(
            header=request.headers.get("Authorization", ""), address=client_ip(request)
        )


class ClientContactView(_DeviceCredentialView):
    @extend_schema(
        request=None,
        responses={
            200: OpenApiResponse(description='`{"server_now": ...}`'),
            401: OpenApiResponse(description="`device_credential_invalid`"),
            403: OpenApiResponse(description="`device_credential_revoked`"),
        },
    )
    def post(self, request: Request) -> Response:
        """The device is online: its later offline punches must be recorded after now. Send it
        once the queue is empty, never before sending what was queued."""
        device = self.device(request)
        return Response({"server_now": services.client_device_contact(device=device), "device": str(device.pk)})


class OfflineActionSerializer(serializers.Serializer[Any]):
    key = serializers.UUIDField(help_text="The idempotency key the device generated when it queued the action.")
    action = serializers.CharField(
        help_text="`punch`, `timer_start` or `timer_stop` (an installed app); `kiosk_punch` (a kiosk)."
    )
    recorded_at = AwareDateTimeField(help_text="When the action was made, by the device's clock.")
    device_now = AwareDateTimeField(help_text="The device's clock now, as it sends this.")
    # The metaclass moves declared fields off the class, so "data" does not hide Serializer.data.
    data = serializers.DictField(  # type: ignore[assignment]
        required=False,
        default=dict,
        help_text='`punch`: `{"direction": "in"|"out"}`; `timer_start`: `{"project", "task", '
        '"description"}`; `timer_stop`: `{}`; `kiosk_punch`: `{"badge", "pin"}` (the PIN typed '
        "offline, checked now).",
    )


class OfflineActionView(_DeviceCredentialView):
    @extend_schema(
        request=OfflineActionSerializer,
        responses={
            201: OpenApiResponse(description='Applied: `{"key", "action", "replayed": false, "result"}`'),
            200: OpenApiResponse(description="This key was applied before: the stored result, `replayed`: true"),
            401: OpenApiResponse(description="`device_credential_invalid`"),
            403: OpenApiResponse(
                description="`device_credential_revoked`, `offline_drift_too_large`, "
                "`offline_time_before_contact`, `offline_time_in_future`, "
                "`offline_time_too_old`, `punch_source_not_allowed`, `kiosk_only`, "
                "`kiosk_pin_invalid`, `kiosk_pin_locked`"
            ),
            409: OpenApiResponse(description="`offline_key_reused`, `period_locked`, `timer_already_running`, ..."),
        },
    )
    def post(self, request: Request) -> Response:
        """Send one action a device queued offline. Applied once per `key`; sending it again
        answers 200 with the stored result (`replayed`: true)."""
        device = self.device(request)
        serializer = OfflineActionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if data["action"] == "kiosk_punch":
            # A kiosk's punch: the person identifies with the badge and the PIN typed offline.
            punch = KioskPunchSerializer(data=data["data"])
            punch.is_valid(raise_exception=True)
            replayed, result = services.kiosk_offline_punch(
                device=device,
                key=data["key"],
                badge=badge_number(punch.validated_data["badge"]),
                pin=punch.validated_data["pin"],
                recorded_at=data["recorded_at"],
                device_now=data["device_now"],
                address=client_ip(request),
            )
            body = {"key": str(data["key"]), "action": data["action"], "replayed": replayed, "result": result}
            return Response(body, status=200 if replayed else 201)
        replayed, result = services.offline_submit(
            device=device,
            key=data["key"],
            action=data["action"],
            data=data["data"],
            recorded_at=data["recorded_at"],
            device_now=data["device_now"],
            address=client_ip(request),
        )
        body = {"key": str(data["key"]), "action": data["action"], "replayed": replayed, "result": result}
        return Response(body, status=200 if replayed else 201)


# --- Kiosks: pairing and punching by badge + PIN ------------------------------------------------


class KioskPairSerializer(serializers.Serializer[Any]):
    code = serializers.CharField(max_length=20, help_text="The pairing code the admin shows (e.g. `ABCD-EFGH`).")


class KioskPunchSerializer(serializers.Serializer[Any]):
    badge = serializers.CharField(
        max_length=80, help_text="The badge number, or the badge's QR payload `etime:badge:<number>`."
    )
    pin = serializers.CharField(max_length=16, trim_whitespace=True, help_text="The person's kiosk PIN.")
    photo = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=800_000,
        help_text="Optional: a JPEG the kiosk's camera took at the punch, base64 (a `data:image/jpeg;base64,` "
        "prefix is allowed). Kept only when the kiosk has *photo at punch* on; `kiosk_photo_invalid` when it is "
        "not a JPEG or larger than ETIME_KIOSK_PHOTO_MAX_BYTES.",
    )


def photo_bytes(text: str) -> bytes | None:
    """The photo field's bytes (base64, with or without a data URL prefix); not base64 is refused."""
    import base64
    import binascii

    from devices.services.kiosks import KioskPhotoInvalid

    text = (text or "").strip()
    if not text:
        return None
    if text.startswith("data:"):
        text = text.partition(",")[2]
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise KioskPhotoInvalid() from None


def badge_number(text: str) -> str:
    """A typed badge number, or the number inside a scanned badge's QR payload."""
    from accounts.badges import PAYLOAD_PREFIX, parse_badge_payload

    text = (text or "").strip()
    if text.startswith(PAYLOAD_PREFIX):
        return parse_badge_payload(text) or ""
    return text


class KioskPairView(APIView):
    # The code is the only proof. The usual authentication still runs (the kiosk page sends no
    # cookies), so an expired bearer token answers token_expired here as everywhere.
    permission_classes = [AllowAny]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "kiosk_pair"

    @extend_schema(
        request=KioskPairSerializer,
        responses={
            201: OpenApiResponse(description='`{"credential", "device", "name", "location", "server_now", "photos"}`'),
            403: OpenApiResponse(description="`kiosk_pairing_code_invalid`, `kiosk_pairing_code_expired`"),
        },
    )
    def post(self, request: Request) -> Response:
        """Pair a kiosk: trade the one-time code an administrator read off the admin for the
        kiosk's device credential (shown once; send it as `Authorization: Device <credential>`)."""
        serializer = KioskPairSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        device, credential = services.kiosk_pair(
            code=serializer.validated_data["code"],
            user_agent=request.headers.get("User-Agent", ""),
            address=client_ip(request),
        )
        body = {
            "credential": credential,
            "device": str(device.pk),
            "name": device.name,
            "location": device.location.name if device.location else "",
            "server_now": device.last_contact_at,
            "photos": device.take_photos,
        }
        return Response(body, status=201)


class KioskPunchView(_DeviceCredentialView):
    @extend_schema(
        request=KioskPunchSerializer,
        responses={
            201: OpenApiResponse(
                description='`{"name", "direction", "time", "message", "language", "photo", "photos", ...}`'
            ),
            400: OpenApiResponse(description="`kiosk_photo_invalid`"),
            401: OpenApiResponse(description="`device_credential_invalid`"),
            403: OpenApiResponse(
                description="`device_credential_revoked`, `kiosk_only`, `kiosk_pin_invalid`, "
                "`kiosk_pin_locked`, `punch_source_not_allowed`"
            ),
        },
    )
    def post(self, request: Request) -> Response:
        """A person clocks in or out at the kiosk with badge number (or QR payload) and PIN.
        The direction toggles (first punch of the day in, then out, ...)."""
        device = self.device(request)
        serializer = KioskPunchSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        result = services.kiosk_punch(
            device=device,
            badge=badge_number(data["badge"]),
            pin=data["pin"],
            address=client_ip(request),
            photo=photo_bytes(data.get("photo", "")),
        )
        return Response(result, status=201)
