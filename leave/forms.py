from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Department
from etime.core.widgets import IsoDateInput
from leave.models import FeedKind, LeaveType

DAY_PART_FULL, DAY_PART_MORNING, DAY_PART_AFTERNOON = "full", "morning", "afternoon"


class LeaveRequestForm(forms.Form):
    """The leave form. A one-day request is a ``day_part`` (full day, morning or afternoon);
    a request of several days may start or end at midday (the two checkboxes). Both map
    onto the service's ``start_half``/``end_half``: a morning ends at midday (``end_half``),
    an afternoon starts at midday (``start_half``); so a morning is 0.5 day, never 0."""

    leave_type = forms.ModelChoiceField(
        queryset=LeaveType.objects.filter(active=True), empty_label=None, label=_("Leave type")
    )
    start_date = forms.DateField(widget=IsoDateInput(), label=_("Start date"))
    end_date = forms.DateField(widget=IsoDateInput(), label=_("End date"))
    day_part = forms.ChoiceField(
        required=False,
        initial=DAY_PART_FULL,
        widget=forms.RadioSelect,
        label=_("One-day request"),
        choices=[
            (DAY_PART_FULL, _("Full day")),
            (DAY_PART_MORNING, _("Morning")),
            (DAY_PART_AFTERNOON, _("Afternoon")),
        ],
    )
    start_half = forms.BooleanField(required=False, label=_("Start at midday (first day afternoon only)"))
    end_half = forms.BooleanField(required=False, label=_("End at midday (last day morning only)"))
    reason = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}), label=_("Reason"))
    attachment = forms.FileField(required=False, label=_("Attachment"))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        part = data.pop("day_part", "") or ""
        start, end = data.get("start_date"), data.get("end_date")
        # One day: the day part decides (the checkboxes, shown for longer requests, are
        # ignored); a form sent without one keeps its checkboxes (the service refuses both).
        if start is not None and start == end and part:
            data["start_half"] = part == DAY_PART_AFTERNOON
            data["end_half"] = part == DAY_PART_MORNING
        return data


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", _("Approve")), ("reject", _("Reject")), ("return", _("Return"))])
    comment = forms.CharField(required=False, max_length=500)


class FeedForm(forms.Form):
    kind = forms.ChoiceField(choices=FeedKind.choices, label=_("Kind"))
    department = forms.ModelChoiceField(
        queryset=Department.objects.all(), required=False, empty_label=_("Everyone I may see"), label=_("Department")
    )
    name = forms.CharField(required=False, max_length=100, label=_("Name"))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("kind") == FeedKind.EMPLOYEE:
            data["department"] = None
        return data
