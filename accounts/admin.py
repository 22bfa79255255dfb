"""Back office for people and access. Writes that carry business rules go through services."""

from __future__ import annotations

from typing import Any

from axes.admin import AccessAttemptAdmin
from axes.models import AccessAttempt
from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth.admin import GroupAdmin as DjangoGroupAdmin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group, Permission
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from import_export.admin import ExportMixin

from accounts import services, twofactor
from accounts.models import ApiToken, Department, Employee, Location, User
from accounts.resources import EmployeeResource
from etime.core import scopes
from etime.core.access import Action, own_person
from etime.core.adminkit import ImportExportPermissions, rows_in_reach, with_action_permissions

# django-otp's device models are managed on the profile and by the "reset" action, never
# through permissions: their rows stay out of the permission pickers (their names are also
# untranslated: "Otp_Totp | TOTP device").
OTP_APP_LABELS = ("otp_totp", "otp_static")


def assignable_permissions(queryset: QuerySet[Permission]) -> QuerySet[Permission]:
    return queryset.exclude(content_type__app_label__in=OTP_APP_LABELS)


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ("username", "email", "first_name", "last_name", "role", "is_active", "last_login")
    list_filter = (
        "role",
        "is_active",
        "is_staff",
        "is_superuser",
        "password_change_required",
        "password_login_disabled",
    )
    search_fields = ("username", "email", "first_name", "last_name")
    fieldsets = (
        *(DjangoUserAdmin.fieldsets or ()),
        ("etime", {"fields": ("role", "language", "password_change_required", "password_login_disabled")}),
    )
    readonly_fields = ("password_change_required", "last_login", "date_joined")
    actions = ["reset_two_factor"]

    def formfield_for_manytomany(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        if db_field.name == "user_permissions" and field is not None and field.queryset is not None:
            field.queryset = assignable_permissions(field.queryset)
        return field

    def lookup_allowed(self, lookup: str, value: str, request: HttpRequest | None = None) -> bool:
        # Django's UserAdmin refuses every lookup starting with "password" (so nobody can
        # probe hashes through the URL); these flags are not hashes, and the list filters by them.
        if lookup in (
            "password_change_required",
            "password_change_required__exact",
            "password_login_disabled",
            "password_login_disabled__exact",
        ):
            return True
        return super().lookup_allowed(lookup, value, request)

    @admin.action(permissions=["change"], description=_("Reset two-factor authentication"))
    def reset_two_factor(self, request: HttpRequest, queryset: Any) -> None:
        # For a person who lost their phone and their recovery codes (docs/USER_MANUAL.md).
        # Not one's own: that needs a current code, on the profile.
        done = sum(1 for user in queryset.exclude(pk=request.user.pk) if twofactor.reset(user=user, actor=request.user))
        self.message_user(
            request,
            ngettext(
                "Two-factor authentication reset for %(count)d person.",
                "Two-factor authentication reset for %(count)d people.",
                done,
            )
            % {"count": done},
        )


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "parent")
    search_fields = ("name", "code")
    list_filter = ("parent",)
    actions = ["print_badges"]

    def save_model(self, request: HttpRequest, obj: Department, form: Any, change: bool) -> None:
        services.department_save(department=obj, actor=request.user)

    @admin.action(permissions=["change"], description=_("Print badge QR codes (one PDF per department)"))
    def print_badges(self, request: HttpRequest, queryset: Any) -> Any:
        """The current people of the selected departments (those still employed today)."""
        from django.db.models import Q
        from django.utils import timezone

        today = timezone.localdate()
        people = (
            Employee.objects.filter(department__in=queryset)
            .filter(Q(end_date__isnull=True) | Q(end_date__gte=today))
            .select_related("department")
        )
        return _print_badges(self, request, people)


@admin.register(Location)
class LocationAdmin(admin.ModelAdmin):
    list_display = ("name", "time_zone", "country", "subdivision", "geofence_policy")
    search_fields = ("name",)
    list_filter = ("country", "time_zone", "geofence_policy")
    fieldsets = (
        (None, {"fields": ("name", "time_zone", "country", "subdivision", "address")}),
        (_("Punch policy"), {"fields": ("punch_from_devices", "punch_from_web", "punch_from_api", "allowed_networks")}),
        (
            _("Geofence"),
            {
                "fields": ("geofence_policy", "geofence_latitude", "geofence_longitude", "geofence_radius_m"),
                "description": format_lazy(
                    _(
                        "Clocking in and out in the browser or the app can ask for the phone's position. Inside "
                        "means within the radius plus the position's reported accuracy; a position less precise "
                        "than {max} m counts as unknown. The position is stored only with the punch."
                    ),
                    max=settings.ETIME_GEOFENCE_MAX_ACCURACY_M,
                ),
            },
        ),
    )

    def save_model(self, request: HttpRequest, obj: Location, form: Any, change: bool) -> None:
        services.location_save(location=obj, actor=request.user)


class EmployeeAdminForm(forms.ModelForm):
    """The employee form plus a write-only kiosk PIN (hashed by accounts.kiosk_pin)."""

    new_kiosk_pin = forms.CharField(
        label=_("New kiosk PIN"),
        required=False,
        min_length=4,
        max_length=8,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password", "inputmode": "numeric"}),
        help_text=_(
            "4 to 8 digits, for the kiosk at the door with the badge number. Leave empty to keep the current "
            "one; setting one also lifts a lockout."
        ),
    )

    class Meta:
        model = Employee
        fields = ["device_user_id", "card_number", "kiosk_pin_locked_until"]  # the admin's fieldsets add the rest

    def clean_new_kiosk_pin(self) -> str:
        pin = self.cleaned_data.get("new_kiosk_pin", "")
        if pin and not pin.isdigit():
            raise forms.ValidationError(_("Digits only."))
        return str(pin)


@admin.register(Employee)
class EmployeeAdmin(ImportExportPermissions, ExportMixin, admin.ModelAdmin):
    resource_classes = [EmployeeResource]
    list_display = (
        "code",
        "last_name",
        "first_name",
        "email",
        "department",
        "manager",
        "location",
        "hire_date",
        "end_date",
    )
    list_filter = ("department", "location", ("end_date", admin.EmptyFieldListFilter))
    search_fields = ("code", "first_name", "last_name", "email", "device_user_id", "card_number")
    list_select_related = ("department", "manager", "location")
    autocomplete_fields = ("manager", "department", "location")
    raw_id_fields = ("user",)
    readonly_fields = ("created_at", "updated_at")
    date_hierarchy = "hire_date"
    actions = ["send_invitation", "print_badges"]
    fieldsets = (
        (None, {"fields": ("code", "first_name", "last_name", "email", "user")}),
        (_("Organisation"), {"fields": ("department", "manager", "location", "time_zone")}),
        (_("Employment"), {"fields": ("hire_date", "end_date")}),
        (_("Time clocks"), {"fields": ("device_user_id", "card_number", "new_kiosk_pin", "kiosk_pin_locked_until")}),
        (_("History"), {"fields": ("created_at", "updated_at")}),
    )

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        kwargs["form"] = EmployeeAdminForm
        return super().get_form(request, obj, change=change, **kwargs)

    def save_model(self, request: HttpRequest, obj: Employee, form: Any, change: bool) -> None:
        from accounts.kiosk_pin import kiosk_pin_set

        fields = {name: getattr(obj, name) for name in services.EMPLOYEE_FIELDS}
        if change:
            saved = services.employee_update(employee=obj, actor=request.user, **fields)
        else:
            saved = services.employee_create(actor=request.user, **fields)
        obj.pk, obj.user_id = saved.pk, saved.user_id
        if form.cleaned_data.get("new_kiosk_pin"):  # also clears a lockout
            kiosk_pin_set(employee=saved, pin=form.cleaned_data["new_kiosk_pin"], actor=request.user)

    def delete_model(self, request: HttpRequest, obj: Employee) -> None:
        services.employee_delete(employee=obj, actor=request.user)

    @admin.action(permissions=["change"], description=_("Send the set-password invitation"))
    def send_invitation(self, request: HttpRequest, queryset: Any) -> None:
        from django.db import transaction

        sent = 0
        with transaction.atomic():
            for employee in rows_in_reach(self, request, queryset.select_related("user"), lambda e: (e,)):
                if employee.user_id and employee.user.email:
                    services.employee_invite(employee=employee, actor=request.user)
                    sent += 1
        self.message_user(
            request,
            ngettext("%(count)d invitation queued.", "%(count)d invitations queued.", sent) % {"count": sent},
            messages.SUCCESS,
        )

    @admin.action(permissions=["change"], description=_("Print badge QR codes (one PDF per department)"))
    def print_badges(self, request: HttpRequest, queryset: Any) -> Any:
        return _print_badges(self, request, queryset.select_related("department"))


def _print_badges(modeladmin: Any, request: HttpRequest, people: Any) -> Any:
    """The badges of the people in the user's reach: one department's PDF, or a ZIP of one
    PDF per department (accounts.badges). Audited per sheet: who printed whose badges."""
    from accounts.badges import badge_sheets, badges_response
    from etime.core import audit

    in_reach = rows_in_reach(modeladmin, request, people, lambda e: (e,), Action.MANAGE)
    if not in_reach:
        modeladmin.message_user(request, _("Nobody selected is in your reach: no badges printed."), messages.WARNING)
        return None
    sheets = badge_sheets(in_reach)
    for sheet in sheets:
        audit.record(
            actor=request.user,
            action="badges.printed",
            object_type="accounts.department",
            after={"department": sheet.department, "badges": sheet.badges, "without_badge_number": sheet.missing},
        )
    missing = sum(sheet.missing for sheet in sheets)
    if missing:
        modeladmin.message_user(
            request,
            ngettext(
                "%(count)d person has no badge number (device user id): their badge shows no code.",
                "%(count)d people have no badge number (device user id): their badges show no code.",
                missing,
            )
            % {"count": missing},
            messages.WARNING,
        )
    return badges_response(sheets)


class ApiTokenAddForm(forms.ModelForm):
    scopes = forms.MultipleChoiceField(widget=forms.CheckboxSelectMultiple, label=_("Scopes"))

    class Meta:
        model = ApiToken
        fields = ("user", "name", "scopes", "expires_at")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        scope_field = self.fields["scopes"]
        assert isinstance(scope_field, forms.MultipleChoiceField)  # noqa: S101
        scope_field.choices = [(s, s) for s in scopes.all_scopes()]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("name", "user", "prefix", "scopes", "created_at", "expires_at", "last_used_at", "revoked_at")
    list_filter = (("revoked_at", admin.EmptyFieldListFilter), ("expires_at", admin.EmptyFieldListFilter))
    search_fields = ("name", "prefix", "user__username")
    raw_id_fields = ("user",)
    actions = ["revoke"]

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        if obj is None:
            kwargs["form"] = ApiTokenAddForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return ()
        return ("user", "name", "prefix", "scopes", "created_at", "expires_at", "last_used_at", "revoked_at")

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return ("user", "name", "scopes", "expires_at")
        return ("user", "name", "prefix", "scopes", "created_at", "expires_at", "last_used_at", "revoked_at")

    def save_model(self, request: HttpRequest, obj: ApiToken, form: Any, change: bool) -> None:
        if change:
            return  # tokens are immutable; revoke and create a new one instead
        token, raw = services.api_token_create(
            user=form.cleaned_data["user"],
            name=form.cleaned_data["name"],
            scopes_requested=form.cleaned_data["scopes"],
            expires_at=form.cleaned_data.get("expires_at"),
            actor=request.user,
        )
        obj.pk = token.pk
        obj._state.adding = False
        self.message_user(
            request,
            _("Token created. Copy it now, it will not be shown again: %(token)s") % {"token": raw},
            messages.WARNING,
        )

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(permissions=["change"], description=_("Revoke selected tokens"))
    def revoke(self, request: HttpRequest, queryset: Any) -> None:
        # A token is its owner's: they revoke it on their profile, an admin here (access ACT_AS).
        for token in rows_in_reach(
            self, request, queryset.select_related("user"), lambda t: (own_person(t.user),), Action.ACT_AS
        ):
            services.api_token_revoke(token=token, actor=request.user)
        self.message_user(request, _("Revoked."), messages.SUCCESS)


class _AccessAttemptAdmin(AccessAttemptAdmin):
    def cleanup_expired_attempts(self, request: HttpRequest, queryset: Any) -> None:
        # axes computes "expired" from request.axes_attempt_time, which only its login
        # middleware sets; its own admin action met a request without it (500). None means now.
        if not hasattr(request, "axes_attempt_time"):
            request.axes_attempt_time = None  # type: ignore[attr-defined]
        super().cleanup_expired_attempts(request, queryset)

    cleanup_expired_attempts.short_description = AccessAttemptAdmin.cleanup_expired_attempts.short_description  # type: ignore[attr-defined]


# django-axes' "clean up expired attempts" deletes rows: it needs the delete permission.
if admin.site.is_registered(AccessAttempt):
    admin.site.unregister(AccessAttempt)
    admin.site.register(
        AccessAttempt, with_action_permissions(_AccessAttemptAdmin, {"cleanup_expired_attempts": ["delete"]})
    )

# django-otp's own device admins (secrets, throttling counters; untranslated strings) stay
# out of the back office: a person manages their devices on the profile, an admin resets
# them with the User action above.
for _otp_model in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(_otp_model):
        admin.site.unregister(_otp_model)


class GroupAdmin(DjangoGroupAdmin):
    def formfield_for_manytomany(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        if db_field.name == "permissions" and field is not None and field.queryset is not None:
            field.queryset = assignable_permissions(field.queryset)
        return field


if admin.site.is_registered(Group):
    admin.site.unregister(Group)
admin.site.register(Group, GroupAdmin)
