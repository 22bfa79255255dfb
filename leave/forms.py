from __future__ import annotations

from typing import Any

from django import forms

from accounts.models import Department
from leave.models import FeedKind, LeaveType


class LeaveRequestForm(forms.Form):
    leave_type = forms.ModelChoiceField(queryset=LeaveType.objects.filter(active=True), empty_label=None)
    start_date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    start_half = forms.BooleanField(required=False, label="Start at midday")
    end_date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    end_half = forms.BooleanField(required=False, label="End at midday")
    reason = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    attachment = forms.FileField(required=False)


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", "Approve"), ("reject", "Reject"), ("return", "Return")])
    comment = forms.CharField(required=False, max_length=500)


class FeedForm(forms.Form):
    kind = forms.ChoiceField(choices=FeedKind.choices)
    department = forms.ModelChoiceField(queryset=Department.objects.all(), required=False, empty_label="Everyone I may see")
    name = forms.CharField(required=False, max_length=100)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("kind") == FeedKind.EMPLOYEE:
            data["department"] = None
        return data
