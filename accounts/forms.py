from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from etime.core import scopes


class ApiTokenForm(forms.Form):
    name = forms.CharField(max_length=100, initial=_("My token"), label=_("Name"))
    scopes = forms.MultipleChoiceField(widget=forms.CheckboxSelectMultiple, initial=["read:all"], label=_("Scopes"))
    expires_in_days = forms.IntegerField(
        min_value=1,
        max_value=3650,
        required=False,
        initial=90,
        label=_("Expires in (days)"),
        help_text=_("Leave empty for a token that never expires."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        scope_field = self.fields["scopes"]
        assert isinstance(scope_field, forms.MultipleChoiceField)  # noqa: S101
        scope_field.choices = [(s, s) for s in scopes.all_scopes()]

    def expires_at(self) -> Any:
        days = self.cleaned_data.get("expires_in_days")
        return timezone.now() + timedelta(days=days) if days else None


class LanguageForm(forms.Form):
    language = forms.ChoiceField(
        label=_("Language"),
        required=False,
        choices=[("", _("As my browser says"))] + [(code, name) for code, name in settings.LANGUAGES],
    )


class KioskPinForm(forms.Form):
    """The person's own PIN for the kiosk at the door (accounts.kiosk_pin)."""

    pin = forms.CharField(
        label=_("New kiosk PIN"),
        min_length=4,
        max_length=8,
        strip=True,
        widget=forms.PasswordInput(attrs={"inputmode": "numeric", "autocomplete": "new-password", "pattern": "[0-9]*"}),
        help_text=_("4 to 8 digits. With your badge number it clocks you in and out at a kiosk."),
    )
    pin_again = forms.CharField(
        label=_("The PIN again"),
        max_length=8,
        strip=True,
        widget=forms.PasswordInput(attrs={"inputmode": "numeric", "autocomplete": "new-password", "pattern": "[0-9]*"}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        pin = data.get("pin", "")
        if pin and not pin.isdigit():
            self.add_error("pin", _("Digits only."))
        elif pin and data.get("pin_again") != pin:
            self.add_error("pin_again", _("The two PINs differ."))
        return data


class InboxDecisionForm(forms.Form):
    ids = forms.TypedMultipleChoiceField(coerce=str, choices=(), label=_("Requests"))
    decision = forms.ChoiceField(choices=[("approve", _("Approve")), ("reject", _("Reject")), ("return", _("Return"))])
    comment = forms.CharField(required=False, max_length=500, label=_("Comment"))

    def __init__(self, *args: Any, pending_ids: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        ids_field = self.fields["ids"]
        assert isinstance(ids_field, forms.MultipleChoiceField)  # noqa: S101
        ids_field.choices = [(pk, pk) for pk in pending_ids]
        ids_field.error_messages["invalid_choice"] = _(
            "One of the requests is no longer waiting for you; reload the inbox."
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("decision") == "return" and not (data.get("comment") or "").strip():
            self.add_error("comment", _("Say what to change when returning a request."))
        # Rejecting several requests at once cannot be undone: the requester is told why.
        if data.get("decision") == "reject" and not (data.get("comment") or "").strip():
            self.add_error("comment", _("Say why when rejecting requests."))
        return data


class ApprovalDecisionForm(forms.Form):
    """One request, decided from its own page (accounts.views.inbox_detail)."""

    decision = forms.ChoiceField(choices=[("approve", _("Approve")), ("reject", _("Reject")), ("return", _("Return"))])
    comment = forms.CharField(
        required=False, max_length=500, label=_("Comment"), widget=forms.Textarea(attrs={"rows": 2})
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("decision") == "return" and not (data.get("comment") or "").strip():
            self.add_error("comment", _("Say what to change when returning a request."))
        return data
