"""Back office for attendance. Writes go through services; punches and computed days are
read-only facts; the roster and the monthly register are admin views of their own."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from import_export.admin import ExportMixin

from accounts.models import Department
from attendance import engine, reports, selectors, services
from attendance.models import (
    AttendanceDay,
    DayStatus,
    ManualDayStatus,
    PeriodLock,
    Punch,
    PunchDirectionRule,
    Regularisation,
    RequestStatus,
    Schedule,
    ScheduleAssignment,
    Shift,
    ShiftOverride,
    ShiftSwapRequest,
)
from attendance.resources import AttendanceDayResource
from etime.core import approvals, formatting
from etime.core.adminkit import (
    ImportExportPermissions,
    OperatePermission,
    dry_run,
    elapsed_minutes,
    require_permissions,
    rows_in_reach,
)
from etime.core.errors import DomainError, ValidationFailed
from etime.core.params import date_param, month_param, uuid_param
from etime.core.types import Actor

OFF_CODES = {"-", "off", "OFF", "—"}
ROSTER_DAYS = 14


def _report_domain_error(modeladmin: admin.ModelAdmin, request: HttpRequest, exc: DomainError) -> None:
    modeladmin.message_user(request, f"{exc.message} ({exc.code})", messages.ERROR)


# --- Shifts and schedules ---------------------------------------------------------------------------


@admin.register(Shift)
class ShiftAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "code",
        "start_time",
        "end_time",
        "unpaid_break_minutes",
        "break_after_minutes",
        "late_grace_minutes",
        "early_exit_grace_minutes",
        "overtime_after_minutes",
        "holiday_work",
    )
    search_fields = ("name", "code")

    def save_model(self, request: HttpRequest, obj: Shift, form: Any, change: bool) -> None:
        services.shift_save(shift=obj, actor=request.user)

    def delete_model(self, request: HttpRequest, obj: Shift) -> None:
        services.shift_delete(shift=obj, actor=request.user)


class ScheduleForm(forms.ModelForm):
    pattern = forms.CharField(
        label=_("Pattern"),
        help_text=_(
            "Shift codes of the cycle days from the anchor date, separated by spaces; '-' for off; "
            "several shifts on one day joined by '+'. E.g. a 7-day office week: D D D D D - -, "
            "or with a split shift on Saturdays: D D D D D M+E -"
        ),
        widget=forms.TextInput(attrs={"size": 80}),
    )

    class Meta:
        model = Schedule
        fields = ("name", "cycle_length", "anchor_date", "description")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["pattern"] = _pattern(self.instance, self.instance.days.select_related("shift"))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        tokens = (cleaned.get("pattern") or "").replace(",", " ").split()
        shifts = {s.code: s for s in Shift.objects.all()}
        unknown = [c for t in tokens if t not in OFF_CODES for c in t.split("+") if c not in shifts]
        if unknown:
            raise ValidationError({"pattern": _("Unknown shift codes: %(codes)s.") % {"codes": ", ".join(unknown)}})
        length = cleaned.get("cycle_length")
        if length and len(tokens) != length:
            raise ValidationError(
                {
                    "pattern": _("Give %(length)d codes, one per cycle day (got %(got)d).")
                    % {"length": length, "got": len(tokens)}
                }
            )
        days: list[Any] = []
        for index, token in enumerate(tokens):
            if token in OFF_CODES:
                days.append(None)
                continue
            planned = [shifts[c] for c in token.split("+")]
            pair = engine.overlapping([selectors.shift_rule(s) for s in planned])
            if pair is not None or len({s.pk for s in planned}) != len(planned):
                raise ValidationError(
                    {
                        "pattern": _("Cycle day %(day)d: the shifts %(codes)s overlap or repeat.")
                        % {"day": index + 1, "codes": token}
                    }
                )
            days.append(planned)
        cleaned["days"] = days
        return cleaned


def _pattern(schedule: Schedule, rows: Any) -> str:
    """The cycle as shift codes: '-' for off, 'M+E' for a day with two shifts."""
    codes: dict[int, list[str]] = {}
    for d in sorted(rows, key=lambda r: (r.day_index, r.position)):
        if d.shift:
            codes.setdefault(d.day_index, []).append(d.shift.code)
    return " ".join("+".join(codes.get(i, [])) or "-" for i in range(schedule.cycle_length))


def _part_status(part: dict[str, Any]) -> str:
    return str(DayStatus(part["status"]).label) if part.get("status") else gettext("not yet")


@admin.register(Schedule)
class ScheduleAdmin(admin.ModelAdmin):
    form = ScheduleForm
    list_display = ("name", "cycle_length", "anchor_date", "pattern")
    search_fields = ("name",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Schedule]:
        return super().get_queryset(request).prefetch_related("days__shift")

    @admin.display(description=_("Pattern"))
    def pattern(self, obj: Schedule) -> str:
        return _pattern(obj, obj.days.all())

    def save_model(self, request: HttpRequest, obj: Schedule, form: Any, change: bool) -> None:
        services.schedule_save(schedule=obj, days=form.cleaned_data["days"], actor=request.user)

    def delete_model(self, request: HttpRequest, obj: Schedule) -> None:
        services.schedule_delete(schedule=obj, actor=request.user)


class _ServiceCheckedForm(forms.ModelForm):
    """Runs the rules the service enforces (overlap, locks) as form errors, so the admin
    shows them next to the fields instead of failing on save."""

    def check_with_service(self) -> None:  # overridden
        return None

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not self.errors:
            try:
                self.check_with_service()
            except DomainError as exc:
                raise ValidationError(f"{exc.message} ({exc.code})") from None
        return cleaned


class AssignmentForm(_ServiceCheckedForm):
    class Meta:
        model = ScheduleAssignment
        fields = ("employee", "schedule", "start_date", "end_date", "additional")

    def check_with_service(self) -> None:

        data = self.cleaned_data
        candidate = ScheduleAssignment(
            pk=self.instance.pk,
            employee=data["employee"],
            schedule=data["schedule"],
            start_date=data["start_date"],
            end_date=data.get("end_date"),
            additional=data.get("additional", False),
        )
        candidate._state.adding = self.instance._state.adding
        # The same checks as the save, no write.
        with dry_run():
            services.assignment_save(assignment=candidate, actor=None)


@admin.register(ScheduleAssignment)
class ScheduleAssignmentAdmin(admin.ModelAdmin):
    form = AssignmentForm
    list_display = ("employee", "schedule", "start_date", "end_date", "additional")
    list_filter = ("schedule", "additional", "employee__department")
    search_fields = ("employee__code", "employee__first_name", "employee__last_name")
    autocomplete_fields = ("employee",)
    list_select_related = ("employee", "schedule")
    change_list_template = "admin/attendance/scheduleassignment/change_list.html"

    def save_model(self, request: HttpRequest, obj: ScheduleAssignment, form: Any, change: bool) -> None:
        services.assignment_save(assignment=obj, actor=request.user)

    def delete_model(self, request: HttpRequest, obj: ScheduleAssignment) -> None:
        services.assignment_delete(assignment=obj, actor=request.user)

    def get_urls(self) -> list[Any]:
        return [
            path("roster/", self.admin_site.admin_view(self.roster_view), name="attendance_roster"),
            *super().get_urls(),
        ]

    def roster_view(self, request: HttpRequest) -> HttpResponse:
        """Who works which shift on which day: employees × 14 days from ?start."""
        require_permissions(request, "attendance.view_scheduleassignment")
        today = timezone.localdate()
        start = date_param(request, "start") or today - timedelta(days=today.weekday())
        department = str(uuid_param(request, "department") or "")
        employees = selectors.employees_visible(user=request.user).select_related("department").order_by("code")
        if department:
            employees = employees.filter(department_id=department)
        people = list(employees[:500])
        days = selectors.date_range(start, start + timedelta(days=ROSTER_DAYS - 1))
        plans = selectors.roster(employee_ids=[p.pk for p in people], date_from=days[0], date_to=days[-1])
        overridden = set(
            ShiftOverride.objects.filter(employee__in=people, date__gte=days[0], date__lte=days[-1]).values_list(
                "employee_id", "date"
            )
        )
        colors = dict(Shift.objects.values_list("id", "color"))
        rows = []
        for person in people:
            cells = []
            for day in days:
                # A day with several shifts shows their codes in planned order ("E+L").
                rules = engine.shifts_of(plans.get(person.pk, {}).get(day))
                cells.append(
                    {
                        "code": "+".join(r.code for r in rules),
                        "color": colors.get(rules[0].id, "") if rules else "",
                        "override": (person.pk, day) in overridden,
                    }
                )
            rows.append({"employee": person, "cells": cells})
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Roster from %(day)s") % {"day": formatting.weekday_label(start)},
            "days": days,
            "rows": rows,
            "start": start,
            "previous": start - timedelta(days=7),
            "next": start + timedelta(days=7),
            "departments": Department.objects.order_by("name"),
            "department": department,
            "shifts": Shift.objects.order_by("code"),
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/attendance/roster.html", context)


class OverrideForm(_ServiceCheckedForm):
    class Meta:
        model = ShiftOverride
        fields = ("employee", "date", "shift", "adds", "reason")

    def check_with_service(self) -> None:

        data = self.cleaned_data
        if data.get("date"):
            services.ensure_unlocked(data["date"])
        if self.instance.pk and self.instance.date:
            services.ensure_unlocked(ShiftOverride.objects.get(pk=self.instance.pk).date)
        if data.get("adds") and not data.get("shift"):
            raise ValidationFailed(gettext("An additional shift needs a shift."))
        if data.get("employee") and data.get("date") and data.get("shift"):
            # The overlap check on the plan with this override, nothing written.
            with dry_run():
                adding = self.instance._state.adding
                obj = (
                    ShiftOverride(employee=data["employee"])
                    if adding
                    else ShiftOverride.objects.get(pk=self.instance.pk)
                )
                if adding:
                    # As override_set: the new row replaces the date's (replacing or same added) override.
                    stale = ShiftOverride.objects.filter(
                        employee=data["employee"], date=data["date"], adds=data.get("adds", False)
                    )
                    (stale.filter(shift=data["shift"]) if data.get("adds") else stale).delete()
                obj.date, obj.shift, obj.adds = data["date"], data["shift"], data.get("adds", False)
                obj.save()
                services.ensure_no_overlap(data["employee"].pk, data["date"], data["date"])


@admin.register(ShiftOverride)
class ShiftOverrideAdmin(admin.ModelAdmin):
    form = OverrideForm
    list_display = ("employee", "date", "shift", "adds", "reason", "swap")
    list_filter = ("shift", "adds", ("date", admin.DateFieldListFilter))
    search_fields = ("employee__code", "employee__first_name", "employee__last_name", "reason")
    autocomplete_fields = ("employee",)
    date_hierarchy = "date"
    list_select_related = ("employee", "shift")
    readonly_fields = ("swap",)

    def save_model(self, request: HttpRequest, obj: ShiftOverride, form: Any, change: bool) -> None:
        if change:
            changes = {name: getattr(obj, name) for name in ("date", "shift", "adds", "reason")}
            saved = services.override_update(
                override=ShiftOverride.objects.get(pk=obj.pk), actor=request.user, **changes
            )
        else:
            saved = services.override_set(
                employee=obj.employee,
                day=obj.date,
                shift=obj.shift,
                reason=obj.reason,
                actor=request.user,
                adds=obj.adds,
            )
        obj.pk = saved.pk
        obj._state.adding = False

    def delete_model(self, request: HttpRequest, obj: ShiftOverride) -> None:
        services.override_delete(override=obj, actor=request.user)


# --- Requests ------------------------------------------------------------------------------------------


class _DecideActions(OperatePermission):
    """Admin actions that decide pending requests through the core approval mechanism."""

    def people_of(self, obj: Any) -> tuple[Any, ...]:
        return (obj.employee,)

    def _decide(self, request: HttpRequest, queryset: QuerySet[Any], decision: str) -> None:
        done = 0
        for obj in rows_in_reach(self, request, queryset.filter(status=RequestStatus.PENDING), self.people_of):
            approval = approvals.request_for(obj)
            if approval is None:
                continue
            try:
                approvals.decide(request=approval, actor=request.user, decision=decision)
                done += 1
            except DomainError as exc:
                _report_domain_error(self, request, exc)  # type: ignore[arg-type]
        text = (
            ngettext("%(count)d request approved.", "%(count)d requests approved.", done)
            if decision == "approve"
            else ngettext("%(count)d request rejected.", "%(count)d requests rejected.", done)
        )
        self.message_user(request, text % {"count": done}, messages.SUCCESS)  # type: ignore[attr-defined]

    @admin.action(permissions=["operate"], description=_("Approve selected pending requests"))
    def approve_selected(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        self._decide(request, queryset, "approve")

    @admin.action(permissions=["operate"], description=_("Reject selected pending requests"))
    def reject_selected(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        self._decide(request, queryset, "reject")


@admin.register(ShiftSwapRequest)
class ShiftSwapRequestAdmin(_DecideActions, admin.ModelAdmin):
    actions = ["approve_selected", "reject_selected"]
    list_display = ("date", "requester", "requester_shift", "counterpart", "counterpart_shift", "status", "created_at")
    list_filter = ("status",)
    search_fields = ("requester__code", "counterpart__code", "requester__last_name", "counterpart__last_name")
    list_select_related = ("requester", "counterpart", "requester_shift", "counterpart_shift")
    date_hierarchy = "date"

    def people_of(self, obj: ShiftSwapRequest) -> tuple[Any, ...]:
        # Either side's manager decides a level (plans.swap_levels); the engine checks whose turn it is.
        return (obj.requester, obj.counterpart)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # requested in self-service or the API (the approval needs a requester)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Regularisation)
class RegularisationAdmin(_DecideActions, admin.ModelAdmin):
    actions = ["approve_selected", "reject_selected"]
    list_display = ("date", "employee", "kind", "reason", "status", "created_at", "decided_at")
    list_filter = ("status", "kind")
    search_fields = ("employee__code", "employee__last_name", "reason")
    list_select_related = ("employee",)
    date_hierarchy = "date"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(PeriodLock)
class PeriodLockAdmin(admin.ModelAdmin):
    list_display = ("date_from", "date_to", "note", "locked_by", "locked_at")
    fields = ("date_from", "date_to", "note")

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: PeriodLock, form: Any, change: bool) -> None:
        lock = services.period_lock_create(
            date_from=obj.date_from, date_to=obj.date_to, note=obj.note, actor=request.user
        )
        obj.pk = lock.pk
        obj._state.adding = False

    def delete_model(self, request: HttpRequest, obj: PeriodLock) -> None:
        services.period_lock_delete(lock=obj, actor=request.user)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[PeriodLock]) -> None:
        for lock in queryset:
            services.period_lock_delete(lock=lock, actor=request.user)


@admin.register(PunchDirectionRule)
class PunchDirectionRuleAdmin(admin.ModelAdmin):
    """Per location or per device (the id of a devices.Device): how punches pair into in/out."""

    list_display = ("__str__", "location", "device_id", "mode")
    list_filter = ("mode",)

    def save_model(self, request: HttpRequest, obj: PunchDirectionRule, form: Any, change: bool) -> None:
        services.direction_rule_save(rule=obj, actor=request.user)

    def delete_model(self, request: HttpRequest, obj: PunchDirectionRule) -> None:
        services.direction_rule_delete(rule=obj, actor=request.user)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[PunchDirectionRule]) -> None:
        for rule in queryset:
            services.direction_rule_delete(rule=rule, actor=request.user)


# --- Facts and results ------------------------------------------------------------------------------


@admin.register(Punch)
class PunchAdmin(admin.ModelAdmin):
    """Punches are facts: read-only here. Corrections are regularisations."""

    list_display = (
        "timestamp",
        "employee",
        "direction",
        "source",
        "offline",
        "device_id",
        "device_user_id",
        "geofence",
        "geofence_flagged",
        "position_link",
        "voided",
    )
    list_filter = (
        "source",
        "direction",
        "geofence",
        "geofence_flagged",
        ("offline_drift_seconds", admin.EmptyFieldListFilter),
    )
    search_fields = ("employee__code", "employee__last_name", "device_user_id")
    list_select_related = ("employee", "void")
    date_hierarchy = "timestamp"

    @admin.display(boolean=True, description=_("Voided"))
    def voided(self, obj: Punch) -> bool:
        return hasattr(obj, "void")

    @admin.display(description=_("Position"))
    def position_link(self, obj: Punch) -> str:
        """The stored position as text (no map tiles: the CSP allows no third-party origin)."""
        if obj.latitude is None or obj.longitude is None:
            return "–"
        distance = f", {obj.geofence_distance_m:.0f} m" if obj.geofence_distance_m is not None else ""
        return f"{obj.latitude:.5f}, {obj.longitude:.5f} (±{obj.accuracy_m or 0:.0f} m{distance})"

    @admin.display(description=_("Offline"), ordering="offline_drift_seconds")
    def offline(self, obj: Punch) -> str:
        if obj.offline_drift_seconds is None:
            return ""
        return gettext("queued offline, clock off by %(seconds)+d s") % {"seconds": obj.offline_drift_seconds}

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(AttendanceDay)
class AttendanceDayAdmin(ImportExportPermissions, OperatePermission, ExportMixin, admin.ModelAdmin):
    resource_classes = [AttendanceDayResource]
    list_display = (
        "date",
        "employee",
        "shifts",
        "status",
        "first_in",
        "last_out",
        "worked",
        "late",
        "early_exit",
        "overtime",
        "is_final",
        "manual",
        "waiting_for_devices",
    )
    list_filter = (
        "status",
        "is_final",
        "is_off_day",
        "is_manual",
        "employee__department",
        ("date", admin.DateFieldListFilter),
    )
    search_fields = ("employee__code", "employee__first_name", "employee__last_name")
    list_select_related = ("employee", "shift")
    date_hierarchy = "date"
    actions = ["recompute_selected", "clear_manual_status"]
    change_list_template = "admin/attendance/attendanceday/change_list.html"

    @admin.display(description=_("Shift"), ordering="shift__code")
    def shifts(self, obj: AttendanceDay) -> str:
        """The shift, or on a day with several each shift's code, status and worked time."""
        if not obj.parts:
            return str(obj.shift) if obj.shift else "—"
        return format_html_join(
            mark_safe("<br>"),  # noqa: S308  (a literal)
            "{}: {} {}",
            (
                (p["code"], _part_status(p), elapsed_minutes(p["worked_minutes"]) if p["worked_minutes"] else "")
                for p in obj.parts
            ),
        )

    @admin.display(description=_("Worked"), ordering="worked_minutes")
    def worked(self, obj: AttendanceDay) -> str | None:
        return elapsed_minutes(obj.worked_minutes)

    @admin.display(description=_("Late"), ordering="late_minutes")
    def late(self, obj: AttendanceDay) -> str | None:
        return elapsed_minutes(obj.late_minutes) if obj.late_minutes else None

    @admin.display(description=_("Early exit"), ordering="early_exit_minutes")
    def early_exit(self, obj: AttendanceDay) -> str | None:
        return elapsed_minutes(obj.early_exit_minutes) if obj.early_exit_minutes else None

    @admin.display(description=_("Overtime"), ordering="overtime_minutes")
    def overtime(self, obj: AttendanceDay) -> str | None:
        return elapsed_minutes(obj.overtime_minutes) if obj.overtime_minutes else None

    @admin.display(description=_("Manual"), ordering="is_manual")
    def manual(self, obj: AttendanceDay) -> str:
        return gettext("manual: %(reason)s") % {"reason": obj.manual_reason} if obj.is_manual else "—"

    @admin.display(description=_("Waiting for"))
    def waiting_for_devices(self, obj: AttendanceDay) -> str:
        if obj.is_final or not obj.waiting_for:
            return "—"
        return format_html_join(
            ", ",
            "{} (last sync {})",
            ((d.get("name") or d.get("device_id"), d.get("last_sync_at") or "never") for d in obj.waiting_for),
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(permissions=["operate"], description=_("Recompute the selected days now"))
    def recompute_selected(self, request: HttpRequest, queryset: QuerySet[AttendanceDay]) -> None:
        by_employee: dict[Any, list[date]] = {}
        for day in rows_in_reach(self, request, queryset.select_related("employee"), lambda d: (d.employee,)):
            by_employee.setdefault(day.employee_id, []).append(day.date)
        written = 0
        for employee_id, days in by_employee.items():
            written += services.recompute(employee_ids=[employee_id], date_from=min(days), date_to=max(days)).written
        self.message_user(
            request,
            ngettext("Recomputed %(count)d day.", "Recomputed %(count)d days.", written) % {"count": written},
            messages.SUCCESS,
        )

    @admin.action(permissions=["operate"], description=_("Clear the manual status of the selected days"))
    def clear_manual_status(self, request: HttpRequest, queryset: QuerySet[AttendanceDay]) -> None:
        cleared = 0
        days = queryset.filter(is_manual=True).select_related("employee")
        for day in rows_in_reach(self, request, days, lambda d: (d.employee,)):
            try:
                services.day_status_clear(employee=day.employee, day=day.date, actor=request.user)
                cleared += 1
            except DomainError as exc:
                _report_domain_error(self, request, exc)
        self.message_user(
            request,
            ngettext(
                "Cleared the manual status of %(count)d day.", "Cleared the manual status of %(count)d days.", cleared
            )
            % {"count": cleared},
            messages.SUCCESS,
        )

    def get_urls(self) -> list[Any]:
        return [
            path("register/", self.admin_site.admin_view(self.register_view), name="attendance_register"),
            *super().get_urls(),
        ]

    def register_view(self, request: HttpRequest) -> HttpResponse:
        """The monthly register with CSV/XLSX/PDF downloads."""
        require_permissions(request, "attendance.view_attendanceday")
        month = month_param(request, "month") or timezone.localdate().replace(day=1)
        department = str(uuid_param(request, "department") or "")
        employees = selectors.employees_visible(user=request.user)
        if department:
            employees = employees.filter(department_id=department)
        register = reports.monthly_register(employees=employees, month=month)
        file_format = request.GET.get("format", "")
        if file_format in ("csv", "xlsx", "pdf"):
            return reports.register_response(register, file_format)
        previous = (month - timedelta(days=1)).replace(day=1)
        following = (month + timedelta(days=32)).replace(day=1)
        context = {
            **self.admin_site.each_context(request),
            "title": register.title,
            "register": register,
            "legend": reports.LEGEND,
            "month": month.strftime("%Y-%m"),
            "previous": previous.strftime("%Y-%m"),
            "next": following.strftime("%Y-%m"),
            "departments": Department.objects.order_by("name"),
            "department": department,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/attendance/register.html", context)


class ManualDayStatusForm(_ServiceCheckedForm):
    class Meta:
        model = ManualDayStatus
        fields = ("employee", "date", "status", "reason")

    actor: Actor = None  # the signed-in admin (ManualDayStatusAdmin.get_form)

    def check_with_service(self) -> None:
        from etime.core.access import MESSAGES, ActingNotAllowed, Action, may

        employee = self.cleaned_data.get("employee")
        if employee is not None and not may(self.actor, employee, Action.MANAGE):
            raise ActingNotAllowed(MESSAGES[Action.MANAGE])
        if self.cleaned_data.get("date"):
            services.ensure_unlocked(self.cleaned_data["date"])


@admin.register(ManualDayStatus)
class ManualDayStatusAdmin(admin.ModelAdmin):
    """Day statuses set by hand: saved and deleted through the service (audited, the day
    recomputed at once); the recompute keeps them until they are deleted."""

    form = ManualDayStatusForm
    list_display = ("date", "employee", "status", "reason", "set_by", "set_at")
    list_filter = ("status", ("date", admin.DateFieldListFilter))
    search_fields = ("employee__code", "employee__first_name", "employee__last_name", "reason")
    autocomplete_fields = ("employee",)
    date_hierarchy = "date"
    list_select_related = ("employee", "set_by")

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        form = super().get_form(request, obj, change=change, **kwargs)
        return type(form.__name__, (form,), {"actor": request.user})

    def save_model(self, request: HttpRequest, obj: ManualDayStatus, form: Any, change: bool) -> None:
        if change:
            old = ManualDayStatus.objects.get(pk=obj.pk)
            if (old.employee_id, old.date) != (obj.employee_id, obj.date):
                services.day_status_clear(employee=old.employee, day=old.date, actor=request.user)
        services.day_status_set(
            employee=obj.employee, day=obj.date, status=obj.status, reason=obj.reason, actor=request.user
        )
        saved = ManualDayStatus.objects.get(employee=obj.employee, date=obj.date)
        obj.pk = saved.pk
        obj._state.adding = False

    def delete_model(self, request: HttpRequest, obj: ManualDayStatus) -> None:
        services.day_status_clear(employee=obj.employee, day=obj.date, actor=request.user)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[ManualDayStatus]) -> None:
        for obj in queryset.select_related("employee"):
            services.day_status_clear(employee=obj.employee, day=obj.date, actor=request.user)
