from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Department
from etime.core.widgets import IsoDateInput
from leave.models import FeedKind, LeaveType


class LeaveRequestForm(forms.Form):
    leave_type = forms.ModelChoiceField(
        queryset=LeaveType.objects.filter(active=True), empty_label=None, label=_("Leave type")
    )
    start_date = forms.DateField(widget=IsoDateInput(), label=_("Start date"))
    start_half = forms.BooleanField(required=False, label=_("Start at midday"))
    end_date = forms.DateField(widget=IsoDateInput(), label=_("End date"))
    end_half = forms.BooleanField(required=False, label=_("End at midday"))
    reason = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}), label=_("Reason"))
    attachment = forms.FileField(required=False, label=_("Attachment"))


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
