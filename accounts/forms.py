from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import forms
from django.utils import timezone

from etime.core import scopes


class ApiTokenForm(forms.Form):
    name = forms.CharField(max_length=100, initial="My token")
    scopes = forms.MultipleChoiceField(widget=forms.CheckboxSelectMultiple, initial=["read:all"])
    expires_in_days = forms.IntegerField(
        min_value=1, max_value=3650, required=False, initial=90, help_text="Leave empty for a token that never expires."
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        scope_field = self.fields["scopes"]
        assert isinstance(scope_field, forms.MultipleChoiceField)  # noqa: S101
        scope_field.choices = [(s, s) for s in scopes.all_scopes()]

    def expires_at(self) -> Any:
        days = self.cleaned_data.get("expires_in_days")
        return timezone.now() + timedelta(days=days) if days else None
