"""Importing time entries from CSV: etime's own export, Toggl and Clockify detailed reports.

The file is read by django-import-export (``resources.TimeEntryImportResource``); this
module recognises the column layout, turns each row into an entry's fields and creates
it through ``services.time_entry_create``, so imported time obeys every rule typed-in
time does (visibility, membership, locks, overlap, rates, audit). Each row ends as:

- created;
- skipped: the employee already has an entry with the same start and end, or one
  imported with the same external id (importing a file twice changes nothing);
- failed: with the reason (unknown project, overlap, locked week, bad time, ...).

Toggl and Clockify write local wall-clock times without an offset; they are read in
the employee's time zone. Clockify writes dates as the exporting user set them:
MM/DD/YYYY unless some day in the file is above 12 (then DD/MM/YYYY).
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from django.conf import settings
from django.db import connections, transaction
from django.db.models import Q
from django.utils import translation
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from accounts.models import Employee, User
from accounts.selectors import employee_for_user, employee_list_visible
from etime.core.errors import DomainError, ValidationFailed
from etime.core.zones import employee_zone
from etime.ops.jobs import Progress, job_claim, job_create
from etime.ops.models import Job
from etime.ops.notifications import language_of
from timesheets import selectors, services
from timesheets.models import EntrySource, Project, Task, TimeEntry
from timesheets.resources import TimeEntryImportResource

NATIVE, TOGGL, CLOCKIFY = "etime", "toggl", "clockify"
MAX_ROWS = 20_000

# The columns of Toggl's and Clockify's detailed CSV reports (told apart by their duration column).
_TOGGL_COLUMNS: dict[str, tuple[str, ...]] = {
    "employee_email": ("email",),
    "client": ("client",),
    "project": ("project",),
    "task": ("task",),
    "description": ("description",),
    "billable": ("billable",),
    "start_date": ("start date",),
    "start_time": ("start time",),
    "end_date": ("end date",),
    "end_time": ("end time",),
    "external_id": ("id",),
}
# Canonical field -> the column names (lower case) that carry it, per layout.
_COLUMNS: dict[str, dict[str, tuple[str, ...]]] = {
    NATIVE: {
        "employee_code": ("employee_code",),
        "employee_email": ("employee_email", "email"),
        "client": ("client",),
        "project": ("project",),
        "task": ("task",),
        "description": ("description",),
        "billable": ("billable",),
        "start": ("start",),
        "end": ("end",),
        "external_id": ("external_id",),
        "id": ("id",),
    },
    TOGGL: _TOGGL_COLUMNS,
    CLOCKIFY: _TOGGL_COLUMNS,  # its detailed report names the same columns
}
_TIME_FORMATS = ("%H:%M:%S", "%H:%M", "%I:%M:%S %p", "%I:%M %p")
_TRUE = {"yes", "true", "1", "y", "billable"}
_FALSE = {"no", "false", "0", "n", "non-billable", "not billable"}


class ImportFormatError(ValueError):
    """The file is not one of the layouts etime reads."""


# What ``detect_layout`` recognises, as people read it: the layout and its columns
# (required first, then the optional ones). Shown on the admin's import page.
LAYOUT_COLUMNS: dict[Any, list[str]] = {
    _("etime export"): [
        "start",
        "end",
        "project",
        "employee_code or employee_email",
        "(optional) client",
        "task",
        "description",
        "billable",
        "external_id",
        "id",
    ],
    _("Toggl detailed report"): [
        "Start date",
        "Start time",
        "End date",
        "End time",
        "Project",
        "(optional) Email",
        "Client",
        "Task",
        "Description",
        "Billable",
        "Id",
    ],
    _("Clockify detailed report"): [
        "Start Date",
        "Start Time",
        "End Date",
        "End Time",
        "Project",
        "Duration (h)",
        "(optional) Email",
        "Client",
        "Task",
        "Description",
        "Billable",
        "Id",
    ],
}


def detect_layout(headers: list[str]) -> str:
    names = {(h or "").strip().lower() for h in headers}
    if {"start date", "start time", "end date", "end time", "project"} <= names:
        return CLOCKIFY if names & {"duration (h)", "duration (decimal)"} else TOGGL
    if {"start", "end", "project"} <= names and names & {"employee_code", "employee_email"}:
        return NATIVE
    raise ImportFormatError(
        gettext(
            "Unrecognised columns. Expected etime's export (start, end, project, employee_code), or a Toggl or "
            "Clockify detailed report (Start date, Start time, End date, End time, Project)."
        )
    )


def _parse_time(text: str) -> time:
    cleaned = text.strip().upper()
    for fmt in _TIME_FORMATS:
        try:
            return datetime.strptime(cleaned, fmt).time()  # noqa: DTZ007  (a wall-clock time, zoned later)
        except ValueError:
            continue
    raise ValueError(gettext("%(text)r is not a time of day") % {"text": text})


def _parse_date(text: str, *, day_first: bool) -> date:
    cleaned = text.strip()
    if "-" in cleaned and len(cleaned.split("-")[0]) == 4:
        return date.fromisoformat(cleaned)
    for separator in ("/", ".", "-"):
        if separator in cleaned:
            a, b, c = (int(part) for part in cleaned.split(separator))
            if separator == "." or day_first:
                return date(c, b, a)
            return date(c, a, b)
    raise ValueError(gettext("%(text)r is not a date") % {"text": text})


def _day_first(rows: list[dict[str, str]]) -> bool:
    """Slash dates are month first (Clockify's default) unless a first part exceeds 12."""
    for row in rows:
        for name in ("start_date", "end_date"):
            text = (row.get(name) or "").strip()
            if "/" in text:
                first = text.split("/")[0]
                if first.isdigit() and int(first) > 12:
                    return True
    return False


def _parse_billable(text: str | None) -> bool | None:
    value = (text or "").strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    return None


@dataclass
class RowOutcome:
    row: int
    status: str  # created, skipped, failed
    message: str = ""
    entry: str | None = None
    instance: TimeEntry | None = None


@dataclass
class EntryImporter:
    """Imports the rows of one file for ``user``; ``employee`` books every row to them."""

    user: Any
    headers: list[str]
    employee: Employee | None = None
    layout: str = ""
    day_first: bool = False
    outcomes: list[RowOutcome] = field(default_factory=list)
    _cache: dict[tuple[str, str], Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.layout = detect_layout(self.headers)
        lower = [(h or "").strip().lower() for h in self.headers]
        self._index = {}
        for name, candidates in _COLUMNS[self.layout].items():
            for candidate in candidates:
                if candidate in lower:
                    self._index[name] = lower.index(candidate)
                    break

    def canonical(self, values: list[Any]) -> dict[str, str]:
        return {
            name: str(values[i] if values[i] is not None else "").strip()
            for name, i in self._index.items()
            if i < len(values)
        }

    def prepare(self, rows: list[list[Any]]) -> None:
        self.day_first = _day_first([self.canonical(list(r)) for r in rows])

    # --- lookups (cached per file) ---

    def _lookup(self, kind: str, key: str, finder: Any) -> Any:
        cache_key = (kind, key)
        if cache_key not in self._cache:
            self._cache[cache_key] = finder()
        return self._cache[cache_key]

    def _employee(self, row: dict[str, str]) -> Employee:
        if self.employee is not None:
            return self.employee
        code, email = row.get("employee_code", ""), row.get("employee_email", "").lower()
        if not code and not email:
            own = employee_for_user(self.user)
            if own is None:
                raise ValueError(gettext("The row names no employee and your login has none."))
            return own
        visible = employee_list_visible(user=self.user).select_related("location", "user")

        def find() -> Employee | None:
            if code:
                return visible.filter(code=code).first()
            return visible.filter(Q(email__iexact=email) | Q(user__email__iexact=email)).first()

        found = self._lookup("employee", code or email, find)
        if found is None:
            raise ValueError(gettext("No employee %(who)s that you may book time for.") % {"who": code or email})
        return found

    def _project(self, row: dict[str, str]) -> Project:
        name, client = row.get("project", ""), row.get("client", "")
        if not name:
            raise ValueError(gettext("The row has no project."))

        def find() -> list[Project]:
            projects = selectors.project_list_visible(user=self.user).select_related("client").filter(name__iexact=name)
            if client:
                projects = projects.filter(client__name__iexact=client)
            return list(projects[:2])

        found = self._lookup("project", f"{client}\0{name}", find)
        if not found:
            if client:
                raise ValueError(
                    gettext("No project %(name)r of client %(client)r.") % {"name": name, "client": client}
                )
            raise ValueError(gettext("No project %(name)r.") % {"name": name})
        if len(found) > 1:
            raise ValueError(
                gettext("Several clients have a project %(name)r; add the client column.") % {"name": name}
            )
        return found[0]

    def _task(self, project: Project, name: str) -> Task | None:
        if not name:
            return None
        task = self._lookup("task", f"{project.pk}\0{name}", lambda: project.tasks.filter(name__iexact=name).first())
        if task is None:
            raise ValueError(
                gettext("No task %(task)r in project %(project)r.") % {"task": name, "project": project.name}
            )
        return task

    def _times(self, row: dict[str, str], employee: Employee) -> tuple[datetime, datetime]:
        if self.layout == NATIVE:
            start, end = parse_datetime(row.get("start", "")), parse_datetime(row.get("end", ""))
            if start is None or end is None:
                raise ValueError(gettext("Start and end must be ISO 8601 times."))
            zone = employee_zone(employee)
            return (start if start.tzinfo else start.replace(tzinfo=zone)), (
                end if end.tzinfo else end.replace(tzinfo=zone)
            )
        zone = employee_zone(employee)
        start_day = _parse_date(row.get("start_date", ""), day_first=self.day_first)
        end_day = _parse_date(row.get("end_date", "") or row.get("start_date", ""), day_first=self.day_first)
        start = datetime.combine(start_day, _parse_time(row.get("start_time", "")), tzinfo=zone)
        end = datetime.combine(end_day, _parse_time(row.get("end_time", "")), tzinfo=zone)
        return start, end

    # --- one row ---

    def import_row(self, values: list[Any], number: int) -> RowOutcome:
        row = self.canonical(values)
        try:
            employee = self._employee(row)
            project = self._project(row)
            task = self._task(project, row.get("task", ""))
            start, end = self._times(row, employee)
        except (ValueError, TypeError) as exc:
            return self._done(RowOutcome(number, "failed", str(exc)))
        external_id = row.get("external_id") or row.get("id", "")
        existing = TimeEntry.objects.filter(employee=employee)
        duplicate = existing.filter(start=start, end=end).first() or (
            existing.filter(external_id=external_id).first() if external_id else None
        )
        if duplicate is not None:
            return self._done(RowOutcome(number, "skipped", gettext("Already there."), str(duplicate.pk), duplicate))
        try:
            entry = services.time_entry_create(
                employee=employee,
                project=project,
                task=task,
                start=start,
                end=end,
                description=row.get("description", ""),
                billable=_parse_billable(row.get("billable")),
                source=EntrySource.IMPORT,
                external_id=external_id[:128],
                actor=self.user,
            )
        except DomainError as exc:
            message = str(exc.message)
            conflicts = exc.details.get("conflicts") if isinstance(exc.details, dict) else None
            if conflicts:
                message = ngettext(
                    "Overlaps %(count)d entry of %(name)s.", "Overlaps %(count)d entries of %(name)s.", len(conflicts)
                ) % {"count": len(conflicts), "name": employee.full_name}
            elif isinstance(exc.details, dict) and exc.details:
                first = next(iter(exc.details.values()))
                if isinstance(first, list) and first:
                    message = str(first[0])
            return self._done(RowOutcome(number, "failed", message))
        return self._done(RowOutcome(number, "created", "", str(entry.pk), entry))

    def _done(self, outcome: RowOutcome) -> RowOutcome:
        self.outcomes.append(outcome)
        return outcome


def read_dataset(content: bytes) -> Any:
    from import_export.formats.base_formats import CSV

    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    return CSV().create_dataset(text)


def read_import_file(content: bytes) -> Any:
    """The file's rows (a tablib Dataset). Raises ``ValidationFailed`` for a file that
    cannot be read, is in no known layout or is too long."""
    try:
        dataset = read_dataset(content)
        detect_layout(list(dataset.headers or []))
    except ImportFormatError as exc:
        raise ValidationFailed(str(exc), details={"file": [str(exc)]}) from None
    except Exception:  # tablib raises several kinds on garbage
        raise ValidationFailed(
            gettext("The file is not a readable CSV file."), details={"file": [gettext("Not a CSV file.")]}
        ) from None
    if len(dataset) > MAX_ROWS:
        message = gettext("At most %(max)d rows per import; split the file.") % {"max": MAX_ROWS}
        raise ValidationFailed(message, details={"file": [message]})
    return dataset


class _ReportingImportResource(TimeEntryImportResource):
    """The import resource, telling ``on_row`` what each row became as it goes."""

    def __init__(self, *, on_row: Callable[[RowOutcome], None], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.on_row = on_row

    def import_row(self, row: Any, instance_loader: Any, **kwargs: Any) -> Any:
        result = super().import_row(row, instance_loader, **kwargs)
        self.on_row(self.importer.outcomes[-1])
        return result


def import_time_entries(
    *,
    content: bytes,
    user: User | Any,
    employee: Employee | None = None,
    dry_run: bool = False,
    dataset: Any = None,
    on_row: Callable[[RowOutcome], None] | None = None,
) -> dict[str, Any]:
    """Import a CSV file's entries for ``user``; a report of what each row became.

    ``dry_run`` runs every rule and rolls everything back. Raises ``ValidationFailed``
    for a file that cannot be read or is too long. ``dataset``: the file already read by
    ``read_import_file``; ``on_row`` is called with each row's outcome as it is known.
    """
    if dataset is None:
        dataset = read_import_file(content)
    layout = detect_layout(list(dataset.headers or []))
    resource = (
        TimeEntryImportResource(user=user, employee=employee)
        if on_row is None
        else _ReportingImportResource(on_row=on_row, user=user, employee=employee)
    )
    resource.import_data(dataset, dry_run=dry_run, use_transactions=True, user=user)
    outcomes = resource.importer.outcomes if resource.importer else []
    counts = {status: sum(1 for o in outcomes if o.status == status) for status in ("created", "skipped", "failed")}
    return {
        "layout": layout,
        "dry_run": dry_run,
        **counts,
        "rows": [{"row": o.row, "status": o.status, "message": o.message, "entry": o.entry} for o in outcomes],
    }


# --- Large files: in a Celery task, followed as a Job ------------------------------------------

JOB_KIND = "time_entry_import"
MAX_JOB_ERRORS = 1000  # Progress.error keeps this many; the result lists every row


def import_time_entries_queue(
    *, content: bytes, user: User | Any, employee: Employee | None = None, dry_run: bool = False, rows: int
) -> Job:
    """Queue the import of a file already read by ``read_import_file`` (``rows`` rows) as a
    Job its starter polls at ``/api/v1/jobs/{id}/``; the task runs ``import_job_run``."""
    from timesheets.tasks import import_entries

    with transaction.atomic():
        job = job_create(kind=JOB_KIND, actor=user, total=rows)
        import_entries.delay(
            job_id=str(job.pk),
            content=base64.b64encode(content).decode("ascii"),
            employee_id=str(employee.pk) if employee is not None else None,
            dry_run=dry_run,
        )
    return job


class _ProgressThread:
    """Reports rows to a Job from a thread of its own, so on a database connection of its
    own: the import runs in one transaction (as the synchronous path does), and progress
    written on that transaction's connection would reach the pollers only at the end."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.failed = 0
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="import-progress")

    def row(self, outcome: RowOutcome) -> None:
        if outcome.status == "failed":
            self.failed += 1
            if self.failed <= MAX_JOB_ERRORS:
                self._pool.submit(
                    self.progress.error,
                    gettext("Row %(row)d: %(message)s") % {"row": outcome.row, "message": outcome.message},
                )
        self._pool.submit(self.progress.advance)

    def close(self) -> None:
        self._pool.submit(connections.close_all)
        self._pool.shutdown(wait=True)


def import_job_run(
    *, job_id: str, content: bytes, employee_id: str | None = None, dry_run: bool = False
) -> dict[str, Any] | None:
    """Run a queued import for the Job's starter: total, per-row progress, an error per
    failed row, and the report ``import_time_entries`` returns as the Job's result.

    Claims the Job first (Celery may deliver twice): None when another run has it. A
    ``running`` Job whose updates stopped for longer than a task may run lost its worker
    and is taken over (its transaction was rolled back with the connection)."""
    limit = settings.ETIME_QUEUE_TIME_LIMITS[settings.ETIME_TASK_QUEUE["timesheets.import_entries"]]
    job = job_claim(job_id=job_id, kind=JOB_KIND, stale_after_seconds=limit)
    if job is None:
        return None
    # The report is read by whoever started the import: in their language (a worker has no request).
    with translation.override(language_of(job.started_by)), Progress(job) as progress:
        user = job.started_by
        if user is None or not user.is_active:
            raise ValueError(gettext("The user who started the import no longer has access."))
        employee = None
        if employee_id:
            employee = employee_list_visible(user=user).filter(pk=employee_id).first()
            if employee is None:
                raise ValueError(gettext("The employee to book the rows to is no longer visible to you."))
        dataset = read_import_file(content)
        progress.total(len(dataset))
        reporter = _ProgressThread(progress)
        try:
            report = import_time_entries(
                content=content, user=user, employee=employee, dry_run=dry_run, dataset=dataset, on_row=reporter.row
            )
        finally:
            reporter.close()
        progress.result(report)
        counts = gettext("%(created)d created, %(skipped)d skipped, %(failed)d failed") % {
            key: report[key] for key in ("created", "skipped", "failed")
        }
        progress.message(gettext("Dry run: %(counts)s") % {"counts": counts} if dry_run else counts)
    return {key: report[key] for key in ("layout", "dry_run", "created", "skipped", "failed")}
