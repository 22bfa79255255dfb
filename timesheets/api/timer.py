"""The caller's timer: state, start, stop, continue a past entry, and the short-timer preference."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from etime.core.api.viewsets import EtimeAPIView
from etime.core.errors import NotFound as DomainNotFound
from timesheets import selectors, services
from timesheets.api._common import RESOLUTION_CHOICES, RESOLUTION_HELP, _own_employee, _resolution, _validation
from timesheets.api.entries import TimeEntrySerializer
from timesheets.models import ShortTimer, TimeEntry
from timesheets.representations import time_entry_data


class TimerStartSerializer(serializers.Serializer[Any]):
    project = serializers.UUIDField()
    task = serializers.UUIDField(required=False, allow_null=True)
    description = serializers.CharField(required=False, allow_blank=True, max_length=10_000)
    billable = serializers.BooleanField(required=False, allow_null=True)
    resolution = serializers.ChoiceField(choices=RESOLUTION_CHOICES, required=False, help_text=RESOLUTION_HELP)


class TimerStateSerializer(serializers.Serializer[Any]):
    running = serializers.BooleanField()
    entry = TimeEntrySerializer(allow_null=True)


class TimerView(EtimeAPIView):
    """The caller's running timer, if any."""

    scope_area = "time_entries"
    serializer_class = TimerStateSerializer

    def get(self, request: Request) -> Response:
        entry = selectors.running_timer(employee_id=_own_employee(request).pk)
        return Response({"running": entry is not None, "entry": time_entry_data(entry) if entry else None})


class TimerStartView(EtimeAPIView):
    """Start the caller's timer now (409 timer_already_running if one runs)."""

    scope_area = "time_entries"
    serializer_class = TimerStartSerializer

    @extend_schema(request=TimerStartSerializer, responses={201: TimeEntrySerializer})
    def post(self, request: Request) -> Response:
        serializer = TimerStartSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        employee = _own_employee(request)
        project = (
            selectors.project_list_visible(user=request.user)
            .select_related("client")
            .filter(pk=data["project"])
            .first()
        )
        if project is None:
            raise _validation("project", "No project with this id.")
        task = None
        if data.get("task"):
            task = selectors.task_list_visible(user=request.user).filter(pk=data["task"]).first()
            if task is None:
                raise _validation("task", "No task with this id.")
        entry = services.timer_start(
            employee=employee,
            project=project,
            task=task,
            description=data.get("description", ""),
            billable=data.get("billable"),
            resolution=_resolution(request, data),
            actor=request.user,
        )
        return Response(time_entry_data(entry), status=status.HTTP_201_CREATED)


class TimerStopView(EtimeAPIView):
    """Stop the caller's running timer now (409 timer_not_running if none). A timer that ran
    under a minute is kept as one minute, or discarded (204) when the caller chose so."""

    scope_area = "time_entries"
    serializer_class = TimeEntrySerializer

    @extend_schema(
        request=None,
        responses={
            200: TimeEntrySerializer,
            204: OpenApiResponse(
                description="Discarded: the timer ran under a minute and the caller's preference discards such timers."
            ),
        },
    )
    def post(self, request: Request) -> Response:
        entry = services.timer_stop(employee=_own_employee(request), actor=request.user)
        if entry is None:
            return Response(status=status.HTTP_204_NO_CONTENT)
        return Response(time_entry_data(entry))


class TimerContinueSerializer(serializers.Serializer[Any]):
    entry = serializers.UUIDField(help_text="One of the caller's own entries")
    resolution = serializers.ChoiceField(choices=RESOLUTION_CHOICES, required=False, help_text=RESOLUTION_HELP)


class TimerContinueView(EtimeAPIView):
    """Start the caller's timer now on a past entry's project, task, description and
    billability; a running timer is stopped first (404 for an entry not theirs)."""

    scope_area = "time_entries"
    serializer_class = TimerContinueSerializer

    @extend_schema(request=TimerContinueSerializer, responses={201: TimeEntrySerializer})
    def post(self, request: Request) -> Response:
        serializer = TimerContinueSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        employee = _own_employee(request)
        source = (
            TimeEntry.objects.select_related("project__client", "task")
            .filter(pk=data["entry"], employee=employee)
            .first()
        )
        if source is None:
            raise DomainNotFound()
        entry = services.timer_continue(
            employee=employee, entry=source, resolution=_resolution(request, data), actor=request.user
        )
        return Response(time_entry_data(entry), status=status.HTTP_201_CREATED)


class TimerPreferenceSerializer(serializers.Serializer[Any]):
    short_timers = serializers.ChoiceField(
        choices=ShortTimer.choices, help_text="A timer stopped within its first minute: keep (as one minute) or discard"
    )


class TimerPreferenceView(EtimeAPIView):
    """The caller's timer preferences (GET, PUT)."""

    scope_area = "time_entries"
    serializer_class = TimerPreferenceSerializer

    def get(self, request: Request) -> Response:
        return Response({"short_timers": selectors.short_timers_of(employee_id=_own_employee(request).pk)})

    @extend_schema(request=TimerPreferenceSerializer, responses={200: TimerPreferenceSerializer})
    def put(self, request: Request) -> Response:
        serializer = TimerPreferenceSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        preference = services.timer_preference_set(
            employee=_own_employee(request), short_timers=serializer.validated_data["short_timers"], actor=request.user
        )
        return Response({"short_timers": preference.short_timers})
