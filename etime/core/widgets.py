"""Date and time inputs for every self-service form.

A browser's ``<input type="date">`` accepts only ISO ``2026-11-30`` as its value and
shows it in the reader's own way; ``type="time"`` only ``23:30``. Django's DateInput
renders the active language's format instead (``30.11.2026`` in German), which the
browser rejects: the field shows empty and saving answers "This field is required". These
widgets always write ISO, whatever the language; the fields still parse ISO (Django adds
the ISO formats to every language's input formats).
"""

from __future__ import annotations

from typing import Any

from django import forms


class IsoDateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class IsoTimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%H:%M")
