"""Back office for leave. Writes go through leave's services (audited); the ledger is
read-only here as everywhere: corrections are new entries (bulk allocation/adjustment)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import tablib
from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from accounts import holidays as holiday_calendars
from accounts.models import Department, Employee, Holiday, HolidayCalendar, HolidaySource, Location
from accounts.selectors import employed_between
from etime.core.access import Action, is_admin, own_person
from etime.core.adminkit import OperatePermission, require_permissions, rows_in_reach
from etime.core.errors import DomainError
from etime.core.params import year_param
from leave import selectors, services
from leave.models import (
    CalendarFeed,
    EntryKind,
    LeavePolicy,
    LeavePolicyAssignment,
    LeaveRequest,
    LeaveType,
    LedgerEntry,
    RequestStatus,
)


@admin.register(LeaveType)
class LeaveTypeAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "code",
        "paid",
        "allow_half_days",
        "counts_non_working_days",
        "allow_negative",
        "max_consecutive_days",
        "min_notice_days",
        "attachment_required_after_days",
        "active",
    )
    list_filter = ("active", "paid")
    search_fields = ("name", "code")

    def save_model(self, request: HttpRequest, obj: LeaveType, form: Any, change: bool) -> None:
        services.leave_type_save(leave_type=obj, actor=request.user)

    def delete_model(self, request: HttpRequest, obj: LeaveType) -> None:
        services.leave_type_delete(leave_type=obj, actor=request.user)


class AssignmentInline(admin.TabularInline):
    model = LeavePolicyAssignment
    extra = 1
    fields = ("employee", "department", "location")
    autocomplete_fields = ("employee", "department", "location")


@admin.register(LeavePolicy)
class LeavePolicyAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "leave_type",
        "yearly_days",
        "grant",
        "prorate",
        "carry_forward_max_days",
        "carry_forward_expires_after_months",
    )
    list_filter = ("leave_type", "grant")
    search_fields = ("name",)
    inlines = [AssignmentInline]

    def save_model(self, request: HttpRequest, obj: LeavePolicy, form: Any, change: bool) -> None:
        services.leave_policy_save(policy=obj, actor=request.user)

    def delete_model(self, request: HttpRequest, obj: LeavePolicy) -> None:
        services.leave_policy_delete(policy=obj, actor=request.user)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        instances = formset.save(commit=False)
        for removed in formset.deleted_objects:
            services.leave_policy_unassign(assignment=removed, actor=request.user)
        for assignment in instances:
            if assignment.pk and not assignment._state.adding:
                services.leave_policy_unassign(
                    assignment=LeavePolicyAssignment.objects.get(pk=assignment.pk), actor=request.user
                )
            try:
                services.leave_policy_assign(
                    policy=form.instance,
                    employee=assignment.employee,
                    department=assignment.department,
                    location=assignment.location,
                    actor=request.user,
                )
            except DomainError as exc:
                messages.error(request, exc.message)


@admin.register(LeaveRequest)
class LeaveRequestAdmin(OperatePermission, admin.ModelAdmin):
    list_display = ("employee", "leave_type", "start_date", "end_date", "days", "status", "created_at")
    list_filter = ("status", "leave_type", "year", "employee__department")
    search_fields = ("employee__code", "employee__first_name", "employee__last_name", "reason")
    list_select_related = ("employee", "leave_type")
    date_hierarchy = "start_date"
    actions = ["withdraw"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # employees ask on their page or through the API, so every rule applies

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(permissions=["operate"], description=_("Withdraw selected approved leave (gives the days back)"))
    def withdraw(self, request: HttpRequest, queryset: QuerySet[LeaveRequest]) -> None:
        done = 0
        approved = queryset.filter(status=RequestStatus.APPROVED).select_related("employee")
        for leave_request in rows_in_reach(self, request, approved, lambda r: (r.employee,)):
            try:
                services.leave_request_withdraw(
                    request=leave_request, actor=request.user, comment=gettext("withdrawn in admin")
                )
                done += 1
            except DomainError as exc:
                messages.error(request, f"{leave_request}: {exc.message}")
        self.message_user(
            request,
            ngettext("%(count)d request withdrawn.", "%(count)d requests withdrawn.", done) % {"count": done},
            messages.SUCCESS,
        )


class BulkAllocationForm(forms.Form):
    leave_type = forms.ModelChoiceField(queryset=LeaveType.objects.all(), label=_("Leave type"))
    year = forms.IntegerField(min_value=2000, max_value=2100, label=_("Year"))
    days = forms.DecimalField(
        max_digits=7, decimal_places=2, label=_("Days"), help_text=_("Negative takes days back (an adjustment)")
    )
    kind = forms.ChoiceField(
        choices=[(EntryKind.ALLOCATION, _("Allocation")), (EntryKind.ADJUSTMENT, _("Adjustment"))], label=_("Kind")
    )
    note = forms.CharField(max_length=255, required=False, label=_("Note"))
    employees = forms.ModelMultipleChoiceField(
        queryset=Employee.objects.all(),
        required=False,
        label=_("Employees"),
        help_text=_("Empty: everyone employed that year who matches below"),
    )
    department = forms.ModelChoiceField(queryset=Department.objects.all(), required=False, label=_("Department"))
    location = forms.ModelChoiceField(queryset=Location.objects.all(), required=False, label=_("Location"))

    def targets(self) -> QuerySet[Employee]:
        data = self.cleaned_data
        employees = Employee.objects.all()
        if data.get("employees"):
            employees = employees.filter(pk__in=[e.pk for e in data["employees"]])
        else:
            year = data["year"]
            employees = employees.filter(employed_between(date(year, 1, 1), date(year, 12, 31)))
        if data.get("department"):
            employees = employees.filter(department=data["department"])
        if data.get("location"):
            employees = employees.filter(location=data["location"])
        return employees


@admin.register(LedgerEntry)
class LedgerEntryAdmin(admin.ModelAdmin):
    list_display = (
        "employee",
        "leave_type",
        "year",
        "kind",
        "days",
        "effective_date",
        "note",
        "created_at",
        "created_by",
    )
    list_filter = ("kind", "leave_type", "year")
    search_fields = ("employee__code", "employee__first_name", "employee__last_name", "note")
    list_select_related = ("employee", "leave_type", "created_by")
    date_hierarchy = "effective_date"
    change_list_template = "leave/admin/ledger_change_list.html"

    # Immutable: nobody adds a raw entry, changes or deletes one here.
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_urls(self) -> list[Any]:
        return [
            path("bulk/", self.admin_site.admin_view(self.bulk_view), name="leave_ledgerentry_bulk"),
            path("balances/", self.admin_site.admin_view(self.balances_view), name="leave_ledgerentry_balances"),
            *super().get_urls(),
        ]

    def _require_admin(self, request: HttpRequest) -> None:
        if not is_admin(request.user):
            raise PermissionDenied

    def bulk_view(self, request: HttpRequest) -> HttpResponse:
        """Allocate or adjust days for many employees at once: one transaction, one audited
        ledger entry per employee."""
        self._require_admin(request)
        require_permissions(request, "leave.add_ledgerentry")
        form = BulkAllocationForm(request.POST or None, initial={"year": timezone.localdate().year})
        if request.method == "POST" and form.is_valid():
            employees = list(form.targets())
            try:
                entries = services.allocations_bulk(
                    employees=employees,
                    leave_type=form.cleaned_data["leave_type"],
                    year=form.cleaned_data["year"],
                    days=form.cleaned_data["days"],
                    kind=form.cleaned_data["kind"],
                    note=form.cleaned_data["note"],
                    actor=request.user,
                )
            except DomainError as exc:
                messages.error(request, gettext("Nothing was posted: %(reason)s") % {"reason": exc.message})
            else:
                messages.success(
                    request,
                    ngettext("%(count)d ledger entry posted.", "%(count)d ledger entries posted.", len(entries))
                    % {"count": len(entries)},
                )
                return redirect(reverse("admin:leave_ledgerentry_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Bulk allocation or adjustment"),
            "form": form,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "leave/admin/bulk_allocation.html", context)

    def balances_view(self, request: HttpRequest) -> HttpResponse:
        """Balances of every employee and active leave type for a year, as CSV or XLSX."""
        self._require_admin(request)
        require_permissions(request, "leave.view_ledgerentry")
        year = year_param(request, "year") or timezone.localdate().year
        file_format = request.GET.get("file_format", "csv")
        if file_format not in ("csv", "xlsx"):
            file_format = "csv"
        return balances_report(year=year, file_format=file_format)


def balances_report(*, year: int, file_format: str) -> HttpResponse:
    types = list(LeaveType.objects.filter(active=True).order_by("code"))
    employees = Employee.objects.select_related("department").order_by("code")
    sums = selectors.balances(employees=None, year=year)
    zero = selectors.Balance(Decimal("0.00"), Decimal("0.00"))
    data = tablib.Dataset(
        headers=["employee_code", "employee", "department", "year", "leave_type", "balance", "pending", "available"]
    )
    for employee in employees.iterator(chunk_size=2000):
        for leave_type in types:
            b = sums.get((employee.pk, leave_type.pk), zero)
            data.append(
                [
                    employee.code,
                    employee.full_name,
                    employee.department.name if employee.department else "",
                    year,
                    leave_type.code,
                    b.balance,
                    b.pending,
                    b.available,
                ]
            )
    if file_format == "xlsx":
        body: Any = data.export("xlsx")
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        body = data.export("csv")
        content_type = "text/csv"
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="leave-balances-{year}.{file_format}"'
    return response


class CompanyDayForm(forms.ModelForm):
    class Meta:
        model = Holiday
        fields = ("calendar", "date", "name")


@admin.register(Holiday)
class HolidayAdmin(admin.ModelAdmin):
    """Public holidays come from the `holidays` package and are read-only; company days are
    added here (on one calendar, or on none for every location)."""

    form = CompanyDayForm
    list_display = ("date", "name", "calendar", "source")
    list_filter = ("source", "calendar")
    search_fields = ("name",)
    date_hierarchy = "date"

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is None or obj.source == HolidaySource.COMPANY

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is None or obj.source == HolidaySource.COMPANY

    def save_model(self, request: HttpRequest, obj: Holiday, form: Any, change: bool) -> None:
        if change:
            holiday_calendars.company_day_delete(holiday=Holiday.objects.get(pk=obj.pk), actor=request.user)
        saved = holiday_calendars.company_day_add(
            calendar=obj.calendar, day=obj.date, name=obj.name, actor=request.user
        )
        obj.pk = saved.pk
        obj._state.adding = False

    def delete_model(self, request: HttpRequest, obj: Holiday) -> None:
        holiday_calendars.company_day_delete(holiday=obj, actor=request.user)


@admin.register(HolidayCalendar)
class HolidayCalendarAdmin(admin.ModelAdmin):
    list_display = ("name", "country", "subdivision", "generated_years")
    search_fields = ("name", "country", "subdivision")
    readonly_fields = ("generated_years",)
    actions = ["generate_years"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        # A calendar's region is its identity: its generated days belong to it.
        return ("country", "subdivision", "generated_years") if obj is not None else ("generated_years",)

    def save_model(self, request: HttpRequest, obj: HolidayCalendar, form: Any, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        saved = holiday_calendars.calendar_for_region(obj.country, obj.subdivision)
        obj.pk = saved.pk
        obj._state.adding = False

    @admin.action(permissions=["change"], description=_("Generate this year and the next"))
    def generate_years(self, request: HttpRequest, queryset: QuerySet[HolidayCalendar]) -> None:
        year = timezone.localdate().year
        holiday_calendars.ensure_years(list(queryset), [year, year + 1])
        self.message_user(request, gettext("Generated."), messages.SUCCESS)


@admin.register(CalendarFeed)
class CalendarFeedAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "owner",
        "kind",
        "employee",
        "department",
        "prefix",
        "created_at",
        "last_fetched_at",
        "revoked_at",
    )
    list_filter = ("kind", ("revoked_at", admin.EmptyFieldListFilter))
    search_fields = ("name", "owner__username", "prefix")
    actions = ["revoke"]
    readonly_fields = (
        "owner",
        "name",
        "kind",
        "employee",
        "department",
        "prefix",
        "key_hash",
        "created_at",
        "last_fetched_at",
        "revoked_at",
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # created by their owner, who sees the secret URL once

    @admin.action(permissions=["change"], description=_("Revoke selected feeds"))
    def revoke(self, request: HttpRequest, queryset: QuerySet[CalendarFeed]) -> None:
        # A feed is its owner's: they revoke it on their page, an admin here (access ACT_AS).
        for feed in rows_in_reach(
            self, request, queryset.select_related("owner"), lambda f: (own_person(f.owner),), Action.ACT_AS
        ):
            services.calendar_feed_revoke(feed=feed, actor=request.user)
        self.message_user(request, gettext("Revoked."), messages.SUCCESS)
