"""Back office for time tracking. Every write goes through the services (rules, audit)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from import_export.admin import ImportExportMixin
from import_export.forms import ImportForm

from etime.core.adminkit import ImportExportPermissions, elapsed, rows_in_reach
from etime.core.errors import DomainError
from etime.core.types import Actor
from timesheets import imports, resources, services
from timesheets.models import (
    Client,
    Project,
    ProjectBudgetAlert,
    Rate,
    ReminderLog,
    Task,
    TimeEntry,
    TimeEntryDeletion,
    Timesheet,
    TimesheetStatus,
)


def _form_errors(form: forms.BaseForm, exc: DomainError) -> None:
    details = exc.details if isinstance(exc.details, dict) else {}
    placed = False
    for name, messages_ in details.items():
        if name in form.fields and isinstance(messages_, list):
            for message in messages_:
                form.add_error(name, str(message))
            placed = True
    if not placed:
        form.add_error(None, exc.message)


class _ServiceAdmin(admin.ModelAdmin):
    noun = ""

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        services.delete_with_audit(obj=obj, actor=request.user, noun=self.noun)

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        for obj in queryset:
            try:
                services.delete_with_audit(obj=obj, actor=request.user, noun=self.noun)
            except DomainError as exc:
                self.message_user(request, f"{obj}: {exc.message}", messages.ERROR)


@admin.register(Client)
class ClientAdmin(ImportExportPermissions, ImportExportMixin, _ServiceAdmin):
    resource_classes = [resources.ClientResource]
    list_display = ("name", "currency", "vat_rate", "country", "payment_terms_days", "active")
    list_filter = ("active", "currency", "country")
    search_fields = ("name",)
    readonly_fields = ("created_at", "updated_at")
    noun = "client"

    def save_model(self, request: HttpRequest, obj: Client, form: Any, change: bool) -> None:
        services.client_save(client=obj, actor=request.user)


class TaskInline(admin.TabularInline):
    model = Task
    extra = 0
    fields = ("name", "billable", "active")
    show_change_link = True

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Project)
class ProjectAdmin(ImportExportPermissions, ImportExportMixin, _ServiceAdmin):
    resource_classes = [resources.ProjectResource]
    list_display = ("name", "client", "status", "billable", "budget_hours", "budget_amount", "rounding_minutes")
    list_filter = ("status", "billable", "client")
    search_fields = ("name", "client__name")
    list_select_related = ("client",)
    filter_horizontal = ("members", "managers")
    autocomplete_fields = ("client",)
    readonly_fields = ("created_at", "updated_at")
    inlines = [TaskInline]
    noun = "project"

    def save_model(self, request: HttpRequest, obj: Project, form: Any, change: bool) -> None:
        services.project_save(
            project=obj,
            members=form.cleaned_data.get("members"),
            managers=form.cleaned_data.get("managers"),
            actor=request.user,
        )

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        # Members and managers were set by the service (audited); only the task inlines remain.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        for task in formset.save(commit=False):
            services.task_save(task=task, actor=request.user)


@admin.register(Task)
class TaskAdmin(_ServiceAdmin):
    list_display = ("name", "project", "billable", "active")
    list_filter = ("active", "billable", "project__client")
    search_fields = ("name", "project__name")
    list_select_related = ("project",)
    autocomplete_fields = ("project",)
    noun = "task"

    def save_model(self, request: HttpRequest, obj: Task, form: Any, change: bool) -> None:
        services.task_save(task=obj, actor=request.user)


class RateAddForm(forms.ModelForm):
    class Meta:
        model = Rate
        fields = ("kind", "level", "task", "project", "client", "employee", "amount", "currency", "effective_from")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["currency"].required = False
        self.fields["currency"].help_text = _("Empty: the client's currency (required for employee rates).")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        level = data.get("level")
        if level and not self.errors:
            target = data.get(level)
            try:
                data["currency"] = services.rate_build(
                    level=level,
                    target_id=target.pk if target else None,
                    amount=data["amount"],
                    effective_from=data["effective_from"],
                    currency=data.get("currency"),
                    kind=data["kind"],
                ).currency
            except DomainError as exc:
                details = dict(exc.details) if isinstance(exc.details, dict) else {}
                if "target" in details:
                    details[level] = details.pop("target")
                _form_errors(self, DomainError(exc.message, details=details))
        return data


@admin.register(Rate)
class RateAdmin(admin.ModelAdmin):
    """Rates are a history: added (through the service), never edited."""

    form = RateAddForm
    list_display = ("level", "kind", "task", "project", "client", "employee", "amount", "currency", "effective_from")
    list_filter = ("kind", "level", "currency")
    search_fields = ("task__name", "project__name", "client__name", "employee__last_name", "employee__code")
    list_select_related = ("task", "project", "client", "employee")
    autocomplete_fields = ("task", "project", "client", "employee")
    date_hierarchy = "effective_from"

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return [f.name for f in Rate._meta.fields] if obj is not None else ()

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # A stored rate opens as a view page (no save button; a POST is refused).
        return obj is None and super().has_change_permission(request, obj)

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        if obj is not None:
            kwargs["form"] = forms.ModelForm  # the add form's currency default needs its fields
        return super().get_form(request, obj, change=change, **kwargs)

    def save_model(self, request: HttpRequest, obj: Rate, form: Any, change: bool) -> None:
        if change:
            return
        saved = services.rate_create(
            level=obj.level,
            target_id=getattr(obj, f"{obj.level}_id"),
            amount=obj.amount,
            currency=obj.currency,
            effective_from=obj.effective_from,
            kind=obj.kind,
            actor=request.user,
        )
        obj.pk = saved.pk
        obj._state.adding = False

    def delete_model(self, request: HttpRequest, obj: Rate) -> None:
        services.rate_delete(rate=obj, actor=request.user)

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        for rate in queryset:
            services.rate_delete(rate=rate, actor=request.user)


class TimeEntryAdminForm(forms.ModelForm):
    """Saving the form runs the service: refusals (overlap, locks, rules) show as form
    errors, and a resolution can be chosen to merge or replace overlapping entries (same
    project, task and billability only: ``overlap_needs_choice``) or keep one side and
    trim the other."""

    resolution = forms.ChoiceField(
        choices=[
            ("", _("Refuse overlaps")),
            ("merge", _("Merge with overlapping entries")),
            ("replace", _("Replace overlapping entries")),
            ("keep_mine", _("Keep this entry, trim the overlapping ones")),
            ("keep_theirs", _("Keep the overlapping entries, trim this one")),
        ],
        required=False,
        label=_("Resolution"),
    )

    class Meta:
        model = TimeEntry
        fields = ("employee", "project", "task", "start", "end", "description", "billable")

    saved: TimeEntry | None = None

    def _post_clean(self) -> None:
        # After Django's own model validation, so its checks run on the form's values first.
        super()._post_clean()  # type: ignore[misc]
        if self.errors:
            return
        data = self.cleaned_data
        resolution = data.get("resolution") or None
        try:
            if self.instance._state.adding:
                self.saved = services.time_entry_create(
                    employee=data["employee"],
                    project=data["project"],
                    task=data.get("task"),
                    start=data["start"],
                    end=data.get("end"),
                    description=data.get("description", ""),
                    billable=data.get("billable"),
                    resolution=resolution,
                    actor=self.actor,
                )
            else:
                changes = {name: data.get(name) for name in services.ENTRY_FIELDS if name in self.changed_data}
                self.saved = services.time_entry_update(
                    entry=self.instance, resolution=resolution, actor=self.actor, **changes
                )
        except DomainError as exc:
            _form_errors(self, exc)

    actor: Actor = None


class TimeEntryImportForm(ImportForm):
    """The admin's import upload, read as the API reads it (``imports.read_import_file``:
    UTF-8 or Windows-1252 CSV in a known layout), so a file etime cannot read is a form
    error saying why instead of a failed page."""

    def __init__(self, formats: list[Any], resources: list[Any], **kwargs: Any) -> None:
        super().__init__(formats, resources, **kwargs)
        self.formats = formats

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        upload, chosen = data.get("import_file"), data.get("format")
        if upload is None or chosen in (None, ""):
            return data
        content = b"".join(upload.chunks())
        upload.seek(0)
        input_format = self.formats[int(str(chosen))]()
        try:
            if b"\x00" in content and not input_format.is_binary():
                raise DomainError(
                    "The file holds NUL bytes: it is binary or UTF-16 text, not a CSV text file. "
                    'Save it as "CSV UTF-8" and upload it again.'
                )
            if input_format.get_title().lower() == "csv":
                dataset = imports.read_import_file(content)
                try:
                    content.decode("utf-8-sig")
                except UnicodeDecodeError:  # read as Windows-1252: hand the importer UTF-8
                    data["import_file"] = SimpleUploadedFile(upload.name, dataset.export("csv").encode())
            else:
                try:
                    raw = content if input_format.is_binary() else content.decode("utf-8-sig")
                    dataset = input_format.create_dataset(raw)
                except Exception:  # noqa: BLE001  (each format's parser raises its own kinds on garbage)
                    raise DomainError(f"The file is not a readable {input_format.get_title()} file.") from None
                imports.detect_layout(list(dataset.headers or []))
        except imports.ImportFormatError as exc:
            self.add_error("import_file", str(exc))
        except DomainError as exc:
            self.add_error("import_file", exc.message)
        return data


@admin.register(TimeEntry)
class TimeEntryAdmin(ImportExportPermissions, ImportExportMixin, admin.ModelAdmin):
    import_form_class = TimeEntryImportForm
    import_template_name = "admin/timesheets/timeentry/import.html"
    form = TimeEntryAdminForm
    list_display = (
        "start",
        "end",
        "employee",
        "project",
        "task",
        "duration",
        "billable",
        "status",
        "rate_applied",
        "rate_currency",
        "rate_source",
        "auto_stopped",
    )
    list_filter = ("status", "billable", "source", "auto_stopped", "rate_source", "project__client", "project")
    search_fields = ("description", "employee__code", "employee__last_name", "project__name", "external_id")
    list_select_related = ("employee", "project", "task")
    autocomplete_fields = ("employee", "project", "task")
    date_hierarchy = "date"
    readonly_fields = (
        "date",
        "duration",
        "rounded",
        "status",
        "rate_applied",
        "rate_currency",
        "rate_effective_date",
        "rate_source",
        "cost_rate_applied",
        "cost_rate_currency",
        "invoice_id",
        "source",
        "auto_stopped",
        "external_id",
        "created_at",
        "updated_at",
        "created_by",
    )
    actions = ["approve_entries"]

    @admin.display(description=_("Duration"), ordering="duration_seconds")
    def duration(self, obj: TimeEntry) -> str:
        # A readonly field shows None as "None" (Django formats only changelist cells as empty).
        return elapsed(obj.duration_seconds) or self.get_empty_value_display()

    @admin.display(description=_("Rounded (billed)"))
    def rounded(self, obj: TimeEntry) -> str:
        return elapsed(obj.rounded_seconds) or self.get_empty_value_display()

    def get_import_resource_classes(self, request: HttpRequest) -> list[Any]:
        return [resources.TimeEntryImportResource]

    def get_export_resource_classes(self, request: HttpRequest) -> list[Any]:
        return [resources.TimeEntryResource]

    def get_import_resource_kwargs(self, request: HttpRequest, **kwargs: Any) -> dict[str, Any]:
        return {"user": request.user}

    def import_action(self, request: HttpRequest, **kwargs: Any) -> Any:
        response = super().import_action(request, **kwargs)
        if isinstance(response, TemplateResponse) and response.context_data is not None:
            # The resource reads columns by layout, not model fields: list the layouts' columns.
            response.context_data["fields_list"] = list(imports.LAYOUT_COLUMNS.items())
        return response

    def get_export_resource_kwargs(self, request: HttpRequest, **kwargs: Any) -> dict[str, Any]:
        return {}

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        form = super().get_form(request, obj, change=change, **kwargs)
        form.actor = request.user  # type: ignore[attr-defined]
        return form

    def save_model(self, request: HttpRequest, obj: TimeEntry, form: Any, change: bool) -> None:
        saved = form.saved
        if saved is not None:
            obj.pk = saved.pk
            obj._state.adding = False

    def delete_model(self, request: HttpRequest, obj: TimeEntry) -> None:
        services.time_entry_delete(entry=obj, actor=request.user)

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        for entry in queryset:
            try:
                services.time_entry_delete(entry=entry, actor=request.user)
            except DomainError as exc:
                self.message_user(request, f"{entry}: {exc.message}", messages.ERROR)

    @admin.action(permissions=["change"], description=_("Approve selected entries"))
    def approve_entries(self, request: HttpRequest, queryset: Any) -> None:
        entries = rows_in_reach(self, request, queryset.select_related("employee"), lambda e: (e.employee,))
        if not entries:
            return
        try:
            approved = services.time_entries_approve(entries=entries, actor=request.user)
        except DomainError as exc:
            self.message_user(request, exc.message, messages.ERROR)
            return
        count = len(approved)
        text = ngettext("%(count)d entry approved.", "%(count)d entries approved.", count) % {"count": count}
        self.message_user(request, text, messages.SUCCESS)


@admin.register(Timesheet)
class TimesheetAdmin(admin.ModelAdmin):
    list_display = ("employee", "week_start", "status", "submitted_at", "decided_at", "decided_by")
    list_filter = ("status",)
    search_fields = ("employee__code", "employee__last_name", "employee__first_name")
    list_select_related = ("employee", "decided_by")
    date_hierarchy = "week_start"
    readonly_fields = [f.name for f in Timesheet._meta.fields]
    actions = ["approve_timesheets"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(permissions=["change"], description=_("Approve selected submitted timesheets"))
    def approve_timesheets(self, request: HttpRequest, queryset: Any) -> None:
        done = 0
        submitted = queryset.filter(status=TimesheetStatus.SUBMITTED).select_related("employee")
        for timesheet in rows_in_reach(self, request, submitted, lambda t: (t.employee,)):
            try:
                services.timesheet_approve(timesheet=timesheet, actor=request.user)
                done += 1
            except DomainError as exc:
                self.message_user(request, f"{timesheet}: {exc.message}", messages.ERROR)
        text = ngettext("%(count)d timesheet approved.", "%(count)d timesheets approved.", done) % {"count": done}
        self.message_user(request, text, messages.SUCCESS)


class _ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(TimeEntryDeletion)
class TimeEntryDeletionAdmin(_ReadOnlyAdmin):
    list_display = ("deleted_at", "entry_id", "employee_id", "reason")
    list_filter = ("reason",)
    search_fields = ("entry_id", "employee_id")


@admin.register(ReminderLog)
class ReminderLogAdmin(_ReadOnlyAdmin):
    list_display = ("day", "kind", "employee", "sent_at")
    list_filter = ("kind",)
    search_fields = ("employee__code", "employee__last_name")
    list_select_related = ("employee",)


@admin.register(ProjectBudgetAlert)
class ProjectBudgetAlertAdmin(_ReadOnlyAdmin):
    list_display = ("reached_at", "project", "measure", "threshold")
    list_filter = ("measure", "threshold")
    search_fields = ("project__name", "project__client__name")
    list_select_related = ("project",)
