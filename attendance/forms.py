from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.models import Employee
from attendance.models import DayStatus, PunchDirection, RegularisationKind
from etime.core.widgets import IsoDateInput, IsoTimeInput


class CorrectionForm(forms.Form):
    date = forms.DateField(widget=IsoDateInput(), label=_("Date"))
    kind = forms.ChoiceField(choices=RegularisationKind.choices, initial=RegularisationKind.PUNCH, label=_("Kind"))
    first_in = forms.TimeField(required=False, label=pgettext_lazy("punch direction", "In"), widget=IsoTimeInput())
    last_out = forms.TimeField(
        required=False,
        label=pgettext_lazy("punch direction", "Out"),
        widget=IsoTimeInput(),
        help_text=_("An out before the in is the next morning (night shift)."),
    )
    reason = forms.CharField(max_length=500, widget=forms.Textarea(attrs={"rows": 3}), label=_("Reason"))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not cleaned.get("first_in") and not cleaned.get("last_out"):
            raise forms.ValidationError(_("Give the in time, the out time, or both."))
        if cleaned.get("kind") == RegularisationKind.DAY and not (cleaned.get("first_in") and cleaned.get("last_out")):
            raise forms.ValidationError(_("Correcting the whole day needs both the in and the out time."))
        return cleaned

    def items(self, tz: ZoneInfo) -> list[dict[str, Any]]:
        day: date = self.cleaned_data["date"]
        first: time | None = self.cleaned_data.get("first_in")
        last: time | None = self.cleaned_data.get("last_out")
        items = []
        if first:
            items.append({"timestamp": datetime.combine(day, first, tzinfo=tz), "direction": PunchDirection.IN})
        if last:
            out_day = day + timedelta(days=1) if first and last <= first else day
            items.append({"timestamp": datetime.combine(out_day, last, tzinfo=tz), "direction": PunchDirection.OUT})
        return items


class NameChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.full_name)


class SwapForm(forms.Form):
    date = forms.DateField(widget=IsoDateInput(), label=_("Date"))
    counterpart = NameChoiceField(queryset=Employee.objects.none(), label=_("Swap with"))
    reason = forms.CharField(
        max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2}), label=_("Reason")
    )

    def __init__(self, *args: Any, partners: QuerySet[Employee], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["counterpart"]
        assert isinstance(field, forms.ModelChoiceField)  # noqa: S101
        field.queryset = partners


class ManualStatusForm(forms.Form):
    """A manager sets a team member's day status by hand (attendance.services.day_status_set)."""

    date = forms.DateField(widget=IsoDateInput(), label=_("Date"))
    status = forms.ChoiceField(
        choices=[(s, label) for s, label in DayStatus.choices if s != DayStatus.MISSING_PUNCH], label=_("Status")
    )
    reason = forms.CharField(max_length=500, label=_("Reason"), help_text=_("e.g. a business trip without punches"))
