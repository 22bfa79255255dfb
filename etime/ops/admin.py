from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_celery_beat.admin import PeriodicTaskAdmin
from django_celery_beat.models import PeriodicTask

from etime.core.access import is_admin
from etime.core.adminkit import elapsed, require_permissions, size, with_action_permissions
from etime.ops.company import EDITABLE, company_settings_update, invalidate
from etime.ops.models import BackupRecord, CompanySettings, InAppNotification, Job, Notification, ReportSubscription


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class RestoreForm(forms.Form):
    confirm = forms.CharField(label=_("Type RESTORE to replace the current database and media"))
    logical = forms.BooleanField(required=False, label=_("Restore from the logical format (another database engine)"))

    def clean_confirm(self) -> str:
        value: str = self.cleaned_data["confirm"]
        if value.strip() != "RESTORE":
            raise forms.ValidationError(gettext("Type RESTORE in capitals to confirm; nothing was changed."))
        return value


def _restorable(record: BackupRecord) -> bool:
    return bool(record.name) and record.state == BackupRecord.State.OK and record.kind != BackupRecord.Kind.RESTORE


@admin.register(BackupRecord)
class BackupRecordAdmin(_ReadOnly):
    list_display = (
        "started_at",
        "kind",
        "state",
        "verified",
        "encrypted",
        "size_readable",
        "took",
        "name",
        "restore_link",
    )
    list_filter = ("kind", "state", "verified")
    readonly_fields = [f.name if f.name != "size" else "size_readable" for f in BackupRecord._meta.fields] + ["took"]

    @admin.display(description=_("Size"), ordering="size")
    def size_readable(self, obj: BackupRecord) -> str | None:
        return size(obj.size)

    @admin.display(description=_("Took"))
    def took(self, obj: BackupRecord) -> str | None:
        return elapsed((obj.finished_at - obj.started_at).total_seconds()) if obj.finished_at else None

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> Any:
        may_back_up = request.user.has_perm("ops.add_backuprecord")
        return super().changelist_view(request, {**(extra_context or {}), "may_back_up": may_back_up})

    change_list_template = "ops/admin/backuprecord_changelist.html"

    def get_urls(self) -> list[Any]:
        from django.urls import path

        return [
            path("back-up-now/", self.admin_site.admin_view(self.back_up_now), name="ops_backup_now"),
            path("<uuid:pk>/restore/", self.admin_site.admin_view(self.restore_view), name="ops_backup_restore"),
            *super().get_urls(),
        ]

    @admin.display(description=_("Restore"))
    def restore_link(self, obj: BackupRecord) -> Any:
        from django.utils.html import format_html

        if not _restorable(obj):
            return ""
        return format_html('<a href="{}">{}</a>', reverse("admin:ops_backup_restore", args=[obj.pk]), _("Restore…"))

    def restore_view(self, request: HttpRequest, pk: Any) -> Any:
        """Restore an archive: a page that says what will happen, asks the admin to type
        RESTORE, then queues the restore as a Job (verify, restore point, database, media,
        migrations) and sends the admin to follow it."""
        from django.core.exceptions import PermissionDenied
        from django.http import Http404
        from django.template.response import TemplateResponse

        from etime.ops.jobs import job_create
        from etime.ops.tasks import restore_archive

        user = request.user
        # A restore replaces everything (and first writes a restore point): an administrator
        # who may add and change backup records.
        require_permissions(request, "ops.add_backuprecord", "ops.change_backuprecord")
        if not (user.is_superuser or is_admin(user)):
            raise PermissionDenied
        record = BackupRecord.objects.filter(pk=pk).first()
        if record is None or not _restorable(record):
            raise Http404("No restorable archive with that id.")
        form = RestoreForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            job = job_create(kind="restore", actor=request.user, total=5)
            restore_archive.delay(job_id=str(job.pk), name=record.name, logical=form.cleaned_data["logical"])
            messages.warning(
                request,
                gettext(
                    "Restore of %(name)s queued (job %(job)s). If your session is newer than the archive, "
                    "you will be asked to sign in again."
                )
                % {"name": record.name, "job": job.pk},
            )
            return HttpResponseRedirect(reverse("admin:ops_job_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Restore %(name)s") % {"name": record.name},
            "record": record,
            "form": form,
            "rows": sum((record.summary.get("rows") or {}).values()),
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "ops/admin/restore_confirm.html", context)

    def back_up_now(self, request: HttpRequest) -> HttpResponseRedirect:
        """POST only: queue a backup as a Job and show where to follow it."""
        from django.core.exceptions import PermissionDenied

        from etime.ops.jobs import job_create
        from etime.ops.tasks import backup

        require_permissions(request, "ops.add_backuprecord")  # viewing the list is not enough
        if request.method != "POST":
            raise PermissionDenied
        job = job_create(kind="backup", actor=request.user)
        backup.delay(job_id=str(job.pk))
        messages.info(request, gettext("Backup queued; follow it under Jobs (%(job)s).") % {"job": job.pk})
        return HttpResponseRedirect(reverse("admin:ops_job_changelist"))


@admin.register(Job)
class JobAdmin(_ReadOnly):
    list_display = ("created_at", "kind", "state", "done", "total", "took", "message", "started_by")
    list_filter = ("kind", "state")
    readonly_fields = [*[f.name for f in Job._meta.fields], "took"]

    @admin.display(description=_("Took"))
    def took(self, obj: Job) -> str | None:
        return elapsed((obj.finished_at - obj.created_at).total_seconds()) if obj.finished_at else None

    change_list_template = "ops/admin/job_changelist.html"

    def get_urls(self) -> list[Any]:
        from django.urls import path

        return [
            path("warranties/", self.admin_site.admin_view(self.warranties_view), name="ops_warranties"),
            *super().get_urls(),
        ]

    def warranties_view(self, request: HttpRequest) -> Any:
        from django.core.exceptions import PermissionDenied
        from django.template.response import TemplateResponse

        from etime.ops.warranties import expiring

        if not self.has_view_permission(request):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Warranties expiring within 90 days"),
            "items": expiring(within_days=90),
        }
        return TemplateResponse(request, "ops/admin/warranties.html", context)


@admin.register(CompanySettings)
class CompanySettingsAdmin(admin.ModelAdmin):
    fields = ["company_name", "address", "logo", *[f for f in EDITABLE if f not in ("company_name", "address")]]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> Any:
        CompanySettings.objects.get_or_create(pk=1)
        return HttpResponseRedirect(reverse("admin:ops_companysettings_change", args=[1]))

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        company_settings_update(actor=request.user, **{name: getattr(obj, name) for name in EDITABLE})
        if "logo" in form.changed_data:
            CompanySettings.objects.filter(pk=1).update(logo=obj.logo.name if obj.logo else "")
            if obj.logo and not obj.logo._committed:
                obj.logo.save(obj.logo.name, obj.logo.file, save=True)
            invalidate()


@admin.register(Notification)
class NotificationAdmin(_ReadOnly):
    list_display = ("created_at", "kind", "recipient", "subject", "status", "reason")
    list_filter = ("kind", "status")
    search_fields = ("recipient", "subject")
    readonly_fields = [f.name for f in Notification._meta.fields]


@admin.register(InAppNotification)
class InAppNotificationAdmin(_ReadOnly):
    list_display = ("created_at", "kind", "user", "subject", "read_at")
    list_filter = ("kind", ("read_at", admin.EmptyFieldListFilter))
    search_fields = ("subject", "user__email")
    list_select_related = ("user",)
    readonly_fields = [f.name for f in InAppNotification._meta.fields]


class ReportSubscriptionForm(forms.ModelForm):
    class Meta:
        model = ReportSubscription
        fields = ["name", "report", "schedule", "format", "recipients", "extra_emails", "active"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from etime.ops.reports import report_kinds

        super().__init__(*args, **kwargs)
        self.fields["report"] = forms.ChoiceField(
            choices=[(k, r.title) for k, r in sorted(report_kinds().items())], label=_("Report")
        )

    def clean(self) -> dict[str, Any]:
        from etime.ops.reports import report_kinds

        data = super().clean() or {}
        kind = report_kinds().get(data.get("report", ""))
        if kind and data.get("format") not in kind.formats:
            self.add_error(
                "format",
                gettext("%(title)s comes as %(formats)s.") % {"title": kind.title, "formats": ", ".join(kind.formats)},
            )
        return data


@admin.register(ReportSubscription)
class ReportSubscriptionAdmin(admin.ModelAdmin):
    form = ReportSubscriptionForm
    list_display = ("name", "report", "schedule", "format", "active", "last_period_end", "last_sent_at")
    list_filter = ("report", "schedule", "active")
    filter_horizontal = ("recipients",)


# django-celery-beat's actions (enable, disable, toggle, run now) change the schedule or
# start work: they need the change permission, not merely the view one.
admin.site.unregister(PeriodicTask)
admin.site.register(
    PeriodicTask,
    with_action_permissions(
        PeriodicTaskAdmin, {name: ["change"] for name in ("enable_tasks", "disable_tasks", "toggle_tasks", "run_tasks")}
    ),
)
