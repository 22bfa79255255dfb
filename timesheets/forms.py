"""Forms of the time-tracking pages: the timer and a time entry.

Times are wall-clock times in the employee's zone; the form turns them into aware
datetimes. Business rules (membership, locks, overlap) stay in the services: the views
put a refused write's field errors back on the form.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Employee
from etime.core.widgets import IsoDateInput, IsoTimeInput
from timesheets import selectors
from timesheets.models import Project, Task


class ProjectChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Project) -> str:
        return f"{obj.client.name} · {obj.name}"


class TaskChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Task) -> str:
        return f"{obj.project.name} · {obj.name}"


class TaskSelect(forms.Select):
    """Each option names its project (``data-project``), so a small script can offer only
    the chosen project's tasks; without the script every task is listed and the server
    checks the pair."""

    def create_option(self, name: str, value: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
        option = super().create_option(name, value, *args, **kwargs)
        instance = getattr(value, "instance", None)
        if instance is not None:
            option["attrs"]["data-project"] = str(instance.project_id)
        return option


class _PickerForm(forms.Form):
    project = ProjectChoiceField(queryset=Project.objects.none(), label=_("Project"))
    task = TaskChoiceField(
        queryset=Task.objects.none(),
        required=False,
        label=_("Task"),
        empty_label=_("(no task)"),
        widget=TaskSelect(attrs={"data-task-picker": ""}),
    )
    description = forms.CharField(
        required=False,
        max_length=10_000,
        label=_("Description"),
        widget=forms.TextInput(attrs={"placeholder": _("What are you working on?")}),
    )

    def __init__(self, *args: Any, employee: Employee, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.employee = employee
        project_field: Any = self.fields["project"]
        task_field: Any = self.fields["task"]
        project_field.queryset = selectors.project_list_loggable(employee=employee)
        task_field.queryset = selectors.task_list_loggable(employee=employee)
        project_field.widget.attrs["data-project-picker"] = ""

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        project, task = data.get("project"), data.get("task")
        if project is not None and task is not None and task.project_id != project.pk:
            self.add_error("task", _("This task belongs to another project."))
        return data


class TimerForm(_PickerForm):
    """Start the timer: project, optional task, description."""


class EntryForm(_PickerForm):
    """One finished entry: a day, a start and an end time (an end before the start means
    the next day), in the employee's zone."""

    date = forms.DateField(label=_("Day"), widget=IsoDateInput())
    start = forms.TimeField(label=_("From"), widget=IsoTimeInput())
    end = forms.TimeField(
        label=_("To"),
        widget=IsoTimeInput(),
        help_text=_("An end before the start means the next day."),
    )
    field_order = ["date", "start", "end", "project", "task", "description"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if start is not None and end is not None and start == end:
            self.add_error("end", _("The end must differ from the start."))
        return data

    def times(self) -> tuple[datetime, datetime]:
        """The entry's start and end as aware datetimes in the employee's zone."""
        tz = ZoneInfo(self.employee.effective_time_zone)
        day: date = self.cleaned_data["date"]
        start_time: time = self.cleaned_data["start"]
        end_time: time = self.cleaned_data["end"]
        start = datetime.combine(day, start_time, tzinfo=tz)
        end_day = day + timedelta(days=1) if end_time < start_time else day
        return start, datetime.combine(end_day, end_time, tzinfo=tz)
