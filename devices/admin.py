"""Back office for time clocks. Saves and actions go through devices.services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.http import urlencode
from django.utils.safestring import SafeString
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from accounts.models import Employee
from devices import crypto, services
from devices.models import (
    AdmsCommand,
    ClientDevice,
    ClientKind,
    ClientSubmission,
    Device,
    DeviceStatus,
    KioskPhoto,
    Protocol,
    PunchPhoto,
    PushKnock,
    SyncRun,
    SyncStatus,
    SyncTrigger,
)
from etime.core import formatting
from etime.core.access import is_admin
from etime.core.adminkit import elapsed
from etime.core.errors import DomainError

RECENT_RUNS = 10


class DeviceAdminForm(forms.ModelForm):
    comm_key = forms.IntegerField(
        label=_("Comm key"),
        required=False,
        min_value=0,
        max_value=crypto.MAX_COMM_KEY,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("The device's communication password. Leave blank to keep the current one."),
    )
    clear_comm_key = forms.BooleanField(
        required=False, label=_("Clear comm key"), help_text=_("Remove the comm key (the device has none).")
    )

    class Meta:
        model = Device
        fields = list(services.DEVICE_FIELDS)


class PushEmployeesForm(forms.Form):
    employees = forms.ModelMultipleChoiceField(
        queryset=Employee.objects.filter(device_user_id__isnull=False).order_by("code"),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 20}),
        help_text=_("Employees with a device user id. Leave empty and tick 'all' to push everyone."),
    )
    everyone = forms.BooleanField(required=False, label=_("All employees with a device user id"))


@admin.register(Device)
class DeviceAdmin(admin.ModelAdmin):
    form = DeviceAdminForm
    list_display = (
        "name",
        "protocol",
        "address",
        "status_badge",
        "last_success_at",
        "next_sync_at",
        "alert",
        "enabled",
        "push_trust",
    )
    list_filter = ("status", "protocol", "enabled", "location", "transport")
    search_fields = ("name", "host", "serial_number", "model")
    list_select_related = ("location",)
    actions = ["sync_now", "read_info", "set_time", "push_employees", "pull_users"]
    readonly_fields = (
        "has_comm_key",
        "status",
        "last_error_code",
        "last_error",
        "last_sync_at",
        "last_success_at",
        "last_contact_at",
        "next_sync_at",
        "failing_since",
        "consecutive_failures",
        "alerted_at",
        "clock_drift_seconds",
        "clock_checked_at",
        "firmware",
        "platform",
        "mac",
        "reported_name",
        "user_count",
        "record_count",
        "record_capacity",
        "watermark_position",
        "created_at",
        "updated_at",
        "recent_sync_runs",
        "push_trust",
        "push_version",
    )
    fieldsets = (
        (None, {"fields": ("name", "vendor", "model", "location", "enabled")}),
        (
            _("Connection"),
            {
                "fields": (
                    "protocol",
                    "host",
                    "port",
                    "transport",
                    "comm_key",
                    "clear_comm_key",
                    "has_comm_key",
                    "timeout_seconds",
                    "serial_number",
                    "push_networks",
                    "push_trust",
                    "push_photos",
                )
            },
        ),
        (
            _("Sync"),
            {
                "fields": (
                    "poll_interval_seconds",
                    "time_zone",
                    "correct_clock",
                    "clock_drift_threshold_seconds",
                    "clear_log_after_sync",
                )
            },
        ),
        (
            _("Status"),
            {
                "fields": (
                    "status",
                    "last_error_code",
                    "last_error",
                    "last_sync_at",
                    "last_success_at",
                    "last_contact_at",
                    "next_sync_at",
                    "failing_since",
                    "consecutive_failures",
                    "alerted_at",
                    "clock_drift_seconds",
                    "clock_checked_at",
                    "watermark_position",
                )
            },
        ),
        (
            _("Read from the device"),
            {
                "fields": (
                    "firmware",
                    "platform",
                    "mac",
                    "reported_name",
                    "user_count",
                    "record_count",
                    "record_capacity",
                    "push_version",
                )
            },
        ),
        (_("Asset"), {"fields": ("purchase_date", "warranty_end", "created_at", "updated_at")}),
        (_("Sync runs"), {"fields": ("recent_sync_runs",)}),
    )

    @admin.display(description=_("Address"))
    def address(self, obj: Device) -> str:
        if obj.protocol == "adms":
            return _("push, serial number %(serial)s") % {"serial": obj.serial_number}
        return f"{obj.transport}://{obj.host}:{obj.port}"

    @admin.display(description=_("Pushes from"))
    def push_trust(self, obj: Device) -> SafeString | str:
        """Where an ADMS call for this clock is accepted from; a warning when from anywhere."""
        if obj.protocol != Protocol.ADMS:
            return "-"
        try:
            networks = obj.push_network_list()
        except ValueError:
            return "-"
        if obj.push_from_anywhere:
            return format_html(
                '<strong class="errornote" data-testid="push-open">{}</strong>',
                _(
                    "Any address: whoever knows the serial number can push punches as this clock. "
                    "Set the networks it may push from (or its location's)."
                ),
            )
        source = _("own") if obj.push_networks.strip() else _("location's")
        return f"{', '.join(str(n) for n in networks)} ({source})"

    @admin.display(description=_("Status"), ordering="status")
    def status_badge(self, obj: Device) -> str:
        text = obj.get_status_display()
        return f"{text} ({obj.last_error_code})" if obj.last_error_code and obj.status != DeviceStatus.ONLINE else text

    @admin.display(description=_("Offline alert"), boolean=True)
    def alert(self, obj: Device) -> bool:
        return obj.alerted_at is not None

    @admin.display(description=_("Comm key set"), boolean=True)
    def has_comm_key(self, obj: Device) -> bool:
        return obj.has_comm_key

    @admin.display(description=_("Recent sync runs"))
    def recent_sync_runs(self, obj: Device) -> SafeString | str:
        if obj.pk is None:
            return "-"
        runs = list(obj.sync_runs.order_by("-started_at")[:RECENT_RUNS])
        if not runs:
            return str(_("None yet."))
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (
                    f"{r.started_at:%Y-%m-%d %H:%M:%S}",
                    r.get_trigger_display(),
                    r.get_status_display(),
                    r.fetched,
                    r.created,
                    r.duplicates,
                    r.error_code or "",
                )
                for r in runs
            ),
        )
        more = reverse("admin:devices_syncrun_changelist") + f"?device__id__exact={obj.pk}"
        heads = format_html_join(
            "",
            "<th>{}</th>",
            (
                (h,)
                for h in (
                    _("Started"),
                    _("Trigger"),
                    _("Status"),
                    _("Fetched"),
                    _("Created"),
                    _("Duplicates"),
                    _("Error"),
                )
            ),
        )
        return format_html(
            "<table><thead><tr>{}</tr></thead><tbody>{}</tbody></table><p><a href='{}'>{}</a></p>",
            heads,
            rows,
            more,
            _("All sync runs"),
        )

    # --- saving through the services -------------------------------------------------------
    def save_model(self, request: HttpRequest, obj: Device, form: Any, change: bool) -> None:
        fields = {name: form.cleaned_data[name] for name in services.DEVICE_FIELDS if name in form.cleaned_data}
        key: Any = form.cleaned_data.get("comm_key")
        clear = form.cleaned_data.get("clear_comm_key")
        if change:
            kwargs: dict[str, Any] = {"comm_key": 0} if clear else ({"comm_key": key} if key is not None else {})
            saved = services.device_update(device=obj, actor=request.user, **kwargs, **fields)
        else:
            saved = services.device_create(actor=request.user, comm_key=None if clear else key, **fields)
        obj.pk = saved.pk
        obj.comm_key_encrypted = saved.comm_key_encrypted

    def delete_model(self, request: HttpRequest, obj: Device) -> None:
        services.device_delete(device=obj, actor=request.user)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Device]) -> None:
        for device in queryset:
            try:
                services.device_delete(device=device, actor=request.user)
            except DomainError as exc:
                self.message_user(request, f"{device}: {exc.message}", messages.ERROR)

    # --- actions -------------------------------------------------------------------------------
    def _each(self, request: HttpRequest, queryset: QuerySet[Device], fn: Any) -> None:
        for device in queryset:
            try:
                text = fn(device)
            except DomainError as exc:
                self.message_user(request, f"{device}: {exc.code}: {exc.message}", messages.ERROR)
            else:
                self.message_user(request, f"{device}: {text}", messages.SUCCESS)

    @admin.action(permissions=["change"], description=_("Sync now"))
    def sync_now(self, request: HttpRequest, queryset: QuerySet[Device]) -> None:
        for device in queryset:
            try:
                run = services.device_sync(device=device, trigger=SyncTrigger.ADMIN, actor=request.user)
            except DomainError as exc:
                self.message_user(request, f"{device}: {exc.message}", messages.ERROR)
                continue
            if run.status == SyncStatus.SUCCEEDED:
                text = gettext(
                    "%(device)s: read %(fetched)d records, %(created)d new punches, %(duplicates)d already stored."
                )
                self.message_user(
                    request,
                    text
                    % {"device": device, "fetched": run.fetched, "created": run.created, "duplicates": run.duplicates},
                    messages.SUCCESS,
                )
            else:
                text = gettext("%(device)s: sync %(status)s: %(code)s %(error)s") % {
                    "device": device,
                    "status": run.get_status_display().lower(),
                    "code": run.error_code,
                    "error": run.error,
                }
                self.message_user(request, text, messages.ERROR)

    @admin.action(permissions=["change"], description=_("Read device info"))
    def read_info(self, request: HttpRequest, queryset: QuerySet[Device]) -> None:
        def read(device: Device) -> str:
            info = services.device_read_info(device=device, actor=request.user)
            return gettext(
                "serial %(serial)s, %(name)s, firmware %(firmware)s, platform %(platform)s, "
                "%(users)d users, %(records)d records"
            ) % {
                "serial": info.serial,
                "name": info.device_name,
                "firmware": info.firmware,
                "platform": info.platform,
                "users": info.user_count,
                "records": info.record_count,
            }

        self._each(request, queryset, read)

    @admin.action(permissions=["change"], description=_("Set device time to now (in the device's zone)"))
    def set_time(self, request: HttpRequest, queryset: QuerySet[Device]) -> None:
        self._each(
            request,
            queryset,
            lambda d: (
                gettext("clock set to %(time)s")
                % {"time": formatting.datetime_local(services.device_set_time(device=d, actor=request.user))}
            ),
        )

    @admin.action(permissions=["change"], description=_("Pull users from the device and map them to employees"))
    def pull_users(self, request: HttpRequest, queryset: QuerySet[Device]) -> None:
        def pull(device: Device) -> str:
            result = services.device_pull_users(device=device, actor=request.user)
            text = gettext("%(users)d users: %(matched)d matched employees") % {
                "users": len(result.users),
                "matched": len(result.matched),
            }
            if result.mapped:
                text += gettext(", %(count)d newly mapped by card (%(names)s)") % {
                    "count": len(result.mapped),
                    "names": ", ".join(sorted(result.mapped.values())),
                }
            if result.unmatched:
                text += gettext(", no employee for user ids %(ids)s") % {"ids": ", ".join(result.unmatched[:20])}
            return text

        self._each(request, queryset, pull)

    @admin.action(permissions=["change"], description=_("Push employees to the device…"))
    def push_employees(self, request: HttpRequest, queryset: QuerySet[Device]) -> HttpResponse | None:
        if "apply" in request.POST:
            form = PushEmployeesForm(request.POST)
            if form.is_valid():
                if form.cleaned_data["everyone"]:
                    employees = list(PushEmployeesForm.base_fields["employees"].queryset)  # type: ignore[attr-defined]
                else:
                    employees = list(form.cleaned_data["employees"])
                if not employees:
                    self.message_user(request, gettext("No employees chosen; nothing pushed."), messages.WARNING)
                    return None

                def push(device: Device) -> str:
                    result = services.device_push_employees(device=device, employees=employees, actor=request.user)
                    text = ngettext("pushed %(count)d employee", "pushed %(count)d employees", len(result.pushed)) % {
                        "count": len(result.pushed)
                    }
                    if result.skipped:
                        text += gettext(", skipped %(count)d without a device user id") % {"count": len(result.skipped)}
                    if result.failed:
                        text += gettext(", failed: %(failed)s") % {"failed": result.failed}
                    return text

                self._each(request, queryset, push)
                return None
        else:
            form = PushEmployeesForm()
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Push employees to time clocks"),
            "devices": queryset,
            "form": form,
            "opts": self.model._meta,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/devices/device/push_employees.html", context)


@admin.register(SyncRun)
class SyncRunAdmin(admin.ModelAdmin):
    list_display = (
        "started_at",
        "device",
        "trigger",
        "status",
        "fetched",
        "created",
        "duplicates",
        "unmapped",
        "error_code",
        "duration",
    )
    list_filter = ("status", "trigger", "device")
    search_fields = ("device__name", "error_code", "error")
    list_select_related = ("device",)
    date_hierarchy = "started_at"

    @admin.display(description=_("Took"))
    def duration(self, obj: SyncRun) -> str | None:
        return elapsed(obj.duration_seconds)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(AdmsCommand)
class AdmsCommandAdmin(admin.ModelAdmin):
    """Commands for push devices; queued here, handed out on the device's next heartbeat."""

    list_display = (
        "id",
        "device",
        "command",
        "status",
        "carries_secret",
        "created_at",
        "sent_at",
        "completed_at",
        "return_code",
    )
    list_filter = ("status", "device")
    search_fields = ("command", "device__name")
    fields = (
        "device",
        "command",
        "status",
        "carries_secret",
        "created_at",
        "sent_at",
        "completed_at",
        "return_code",
        "result",
    )

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        done = ("status", "carries_secret", "created_at", "sent_at", "completed_at", "return_code", "result")
        return done if obj is None else ("device", "command", *done)

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "device":
            kwargs["queryset"] = Device.objects.filter(protocol="adms")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request: HttpRequest, obj: AdmsCommand, form: Any, change: bool) -> None:
        if change:
            return
        queued = services.adms_command_queue(device=obj.device, command=obj.command, actor=request.user)
        obj.pk = queued.pk

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is None and super().has_change_permission(request, obj)


@admin.register(PushKnock)
class PushKnockAdmin(admin.ModelAdmin):
    """ADMS calls with a serial no enabled push clock has: adopt a new clock from here."""

    list_display = ("serial_number", "last_address", "calls", "first_seen_at", "last_seen_at", "register")
    search_fields = ("serial_number", "last_address")
    readonly_fields = (
        "serial_number",
        "last_address",
        "calls",
        "first_seen_at",
        "last_seen_at",
        "reported_at",
        "register",
    )

    @admin.display(description=_("Register"))
    def register(self, obj: PushKnock) -> SafeString | str:
        if Device.objects.filter(serial_number=obj.serial_number).exists():
            return str(_("registered"))
        query = {"protocol": Protocol.ADMS, "serial_number": obj.serial_number}
        if obj.last_address:
            query["push_networks"] = obj.last_address
        return format_html(
            '<a href="{}?{}">{}</a>', reverse("admin:devices_device_add"), urlencode(query), _("Register this clock")
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class _PhotoAdmin(admin.ModelAdmin):
    """A read-only list of photos taken at punches, whose images this admin serves (to those
    who may view them, never from a public media URL) under ``<pk>/image/``."""

    image_url_name = ""  # the admin URL name of a photo's image

    @admin.display(description=_("employee"))
    def employee(self, obj: Any) -> str:
        return str(obj.punch.employee) if obj.punch is not None and obj.punch.employee is not None else "—"

    @admin.display(description=_("photo"))
    def photo(self, obj: Any) -> SafeString:
        url = reverse(f"admin:{self.image_url_name}", args=[obj.pk])
        return format_html('<img src="{}" alt="{}" width="240">', url, obj)

    def get_urls(self) -> list[URLPattern]:
        image = path("<int:pk>/image/", self.admin_site.admin_view(self.image_view), name=self.image_url_name)
        return [image, *super().get_urls()]

    def image_view(self, request: HttpRequest, pk: int) -> FileResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        photo = get_object_or_404(self.model, pk=pk)
        try:
            handle = photo.image.open("rb")
        except (FileNotFoundError, ValueError):
            raise Http404 from None
        response = FileResponse(handle, content_type="image/jpeg")
        response["Cache-Control"] = "private, no-store"
        return response

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(PunchPhoto)
class PunchPhotoAdmin(_PhotoAdmin):
    """Photos push clocks took at punches (kept only for clocks with *keep punch photos* on).
    Read-only; deleting one removes the image. The image is served by this admin, to those
    who may view the photos, never from a public media URL."""

    list_display = ("taken_at", "device", "device_user_id", "employee", "size")
    list_filter = ("device",)
    search_fields = ("device_user_id", "device__name")
    list_select_related = ("device", "punch__employee")
    fields = ("device", "device_user_id", "taken_at", "employee", "size", "received_at", "photo")
    readonly_fields = fields
    image_url_name = "devices_punchphoto_image"


class KioskAddForm(forms.ModelForm):
    """Adding a client device here registers a kiosk (a person's app registers itself)."""

    class Meta:
        model = ClientDevice
        fields = ["name", "location"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["location"].required = True
        self.fields["location"].help_text = _(
            "Where the kiosk stands; its punches count as that location's time clock."
        )


@admin.register(ClientDevice)
class ClientDeviceAdmin(admin.ModelAdmin):
    """Installed apps and kiosks holding a device credential: see and revoke them. A person
    registers their app from it; an administrator adds a kiosk here and reads its one-time
    pairing code off the page that follows (shown once, valid ETIME_KIOSK_PAIRING_MINUTES).
    The credential itself is never shown."""

    list_display = (
        "name",
        "kind",
        "owner",
        "location",
        "prefix",
        "paired_at",
        "created_at",
        "last_contact_at",
        "revoked_at",
        "take_photos",
    )
    list_filter = ("kind", ("revoked_at", admin.EmptyFieldListFilter))
    search_fields = ("name", "prefix", "owner__code", "owner__last_name")
    list_select_related = ("owner", "location")
    readonly_fields = (
        "kind",
        "name",
        "owner",
        "location",
        "prefix",
        "user_agent",
        "created_at",
        "created_by",
        "paired_at",
        "pairing_code_expires_at",
        "last_contact_at",
        "revoked_at",
        "revoked_by",
        "take_photos",
    )
    exclude = ("key_hash", "pairing_code_hash")
    actions = ["revoke", "pairing_code", "photos_on", "photos_off"]

    @admin.action(permissions=["manage"], description=_("Take a photo at each punch on the selected kiosks"))
    def photos_on(self, request: HttpRequest, queryset: QuerySet[ClientDevice]) -> None:
        self._photos(request, queryset, on=True)

    @admin.action(permissions=["manage"], description=_("Stop taking photos at punches on the selected kiosks"))
    def photos_off(self, request: HttpRequest, queryset: QuerySet[ClientDevice]) -> None:
        self._photos(request, queryset, on=False)

    def _photos(self, request: HttpRequest, queryset: QuerySet[ClientDevice], *, on: bool) -> None:
        count = 0
        for device in queryset.filter(kind=ClientKind.KIOSK):
            services.kiosk_photos_set(device=device, on=on, actor=request.user)
            count += 1
        self.message_user(
            request, ngettext("%(count)d kiosk changed.", "%(count)d kiosks changed.", count) % {"count": count}
        )

    @admin.action(permissions=["manage"], description=_("Revoke the selected devices' credentials"))
    def revoke(self, request: HttpRequest, queryset: QuerySet[ClientDevice]) -> None:
        count = 0
        for device in queryset.filter(revoked_at__isnull=True):
            services.client_device_revoke(device=device, actor=request.user)
            count += 1
        self.message_user(
            request, ngettext("%(count)d device revoked.", "%(count)d devices revoked.", count) % {"count": count}
        )

    @admin.action(
        permissions=["manage"],
        description=_("New pairing code for the selected kiosks (replaces their credential once used)"),
    )
    def pairing_code(self, request: HttpRequest, queryset: QuerySet[ClientDevice]) -> None:
        for device in queryset.filter(kind=ClientKind.KIOSK):
            code = services.kiosk_pairing_code(device=device, actor=request.user)
            self._show_code(request, device, code)

    def _show_code(self, request: HttpRequest, device: ClientDevice, code: str) -> None:
        self.message_user(
            request,
            format_html(
                gettext(
                    "Pairing code for kiosk {name}: {code} — open /kiosk/ on the tablet and enter it within "
                    "{minutes} minutes. It is shown only now."
                ),
                name=device.name,
                code=format_html('<strong data-testid="pairing-code">{}</strong>', code),
                minutes=settings.ETIME_KIOSK_PAIRING_MINUTES,
            ),
            messages.WARNING,
        )

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        if obj is None:
            kwargs["form"] = KioskAddForm
            kwargs["fields"] = ["name", "location"]
        return super().get_form(request, obj, change=change, **kwargs)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return () if obj is None else self.readonly_fields

    def get_exclude(self, request: HttpRequest, obj: Any = None) -> Any:
        return None if obj is None else self.exclude

    def save_model(self, request: HttpRequest, obj: ClientDevice, form: Any, change: bool) -> None:
        if change:
            return
        assert obj.location is not None  # noqa: S101  (the add form requires it)
        device, code = services.kiosk_create(name=obj.name, location=obj.location, actor=request.user)
        obj.pk = device.pk
        obj.__dict__.update({k: v for k, v in device.__dict__.items() if not k.startswith("_")})
        self._show_code(request, device, code)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return is_admin(request.user) and super().has_add_permission(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_manage_permission(self, request: HttpRequest) -> bool:
        """Revoking a credential and issuing a pairing code: admins (the rows are read-only)."""
        return is_admin(request.user)


@admin.register(KioskPhoto)
class KioskPhotoAdmin(_PhotoAdmin):
    """Photos kiosks took at punches (kiosks with *photo at punch* on), deleted after
    ETIME_KIOSK_PHOTO_DAYS. Read-only; served by this admin to those who may view them,
    never from a public media URL."""

    list_display = ("taken_at", "kiosk", "employee", "size")
    list_filter = ("kiosk",)
    search_fields = ("kiosk__name", "punch__employee__last_name", "punch__employee__code")
    list_select_related = ("kiosk", "punch__employee")
    fields = ("kiosk", "taken_at", "employee", "punch", "size", "photo")
    readonly_fields = fields
    image_url_name = "devices_kioskphoto_image"


@admin.register(ClientSubmission)
class ClientSubmissionAdmin(admin.ModelAdmin):
    """What client devices sent after queueing it offline, with the answer each got."""

    list_display = ("created_at", "device", "action", "recorded_at", "key")
    list_filter = ("action",)
    search_fields = ("key", "device__name", "device__owner__last_name")
    list_select_related = ("device",)
    readonly_fields = ("device", "key", "action", "recorded_at", "result", "created_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
