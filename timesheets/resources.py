"""django-import-export resources: the finance export of entries, imports of entries,
clients and projects, and report downloads. Shared by admin and API.

Exports are spreadsheet-safe: text cells starting with ``= + - @`` get a leading
apostrophe so a spreadsheet shows them instead of running them as formulas.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

import tablib
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpResponse
from import_export import fields, resources, widgets
from import_export.formats.base_formats import CSV, XLSX
from import_export.results import RowResult
from rest_framework.exceptions import ValidationError as ApiValidationError

from etime.core.api.fields import iso_datetime
from etime.core.errors import ValidationFailed
from etime.core.types import Actor
from timesheets import money, services
from timesheets.models import Client, Project, TimeEntry

FORMATS = {"csv": CSV, "xlsx": XLSX}
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _safe(text: str | None) -> str:
    text = text or ""
    return "'" + text if text.startswith(_FORMULA_START) else text


def _format(file_format: str) -> Any:
    fmt_class = FORMATS.get(file_format)
    if fmt_class is None:
        raise ApiValidationError({"file_format": [f"Choose one of {', '.join(FORMATS)}."]})
    return fmt_class()


def _file_response(content: Any, fmt: Any, stem: str) -> HttpResponse:
    response = HttpResponse(content, content_type=fmt.get_content_type())
    response["Content-Disposition"] = f'attachment; filename="{stem}.{fmt.get_extension()}"'
    return response


# --- Time entries: export --------------------------------------------------------------------

EXPORT_COLUMNS = (
    "id",
    "date",
    "start",
    "end",
    "employee_code",
    "employee_name",
    "client",
    "project",
    "task",
    "description",
    "duration_seconds",
    "hours",
    "billed_hours",
    "billable",
    "status",
    "rate_applied",
    "rate_currency",
    "rate_effective_date",
    "rate_source",
    "amount",
    "invoice",
    "external_id",
)
_VALUES = (
    "id",
    "date",
    "start",
    "end",
    "employee__code",
    "employee__first_name",
    "employee__last_name",
    "project__client__name",
    "project__name",
    "task__name",
    "description",
    "duration_seconds",
    "rounded_seconds",
    "billable",
    "status",
    "rate_applied",
    "rate_currency",
    "rate_effective_date",
    "rate_source",
    "invoice_id",
    "external_id",
)


def _amount(billable: bool, rounded: int | None, rate: Any) -> str:
    if rounded is None:
        return ""
    return str(money.amount_for(rounded, rate)) if billable else "0.00"


class TimeEntryResource(resources.ModelResource):
    """The finance export of time entries (one row per entry, oldest first).

    ``export`` reads plain tuples (``export_rows``) instead of model instances: the
    per-field machinery of ``ModelResource`` made a 100,000-row export ~10× slower than
    writing the same rows with the csv module (bench time_entries). The ``dehydrate_*``
    methods define the same columns for the generic path, and a test keeps both equal.
    """

    employee_code = fields.Field(column_name="employee_code")
    employee_name = fields.Field(column_name="employee_name")
    client = fields.Field(column_name="client")
    hours = fields.Field(column_name="hours")
    billed_hours = fields.Field(column_name="billed_hours")
    amount = fields.Field(column_name="amount")
    invoice = fields.Field(column_name="invoice")

    class Meta:
        model = TimeEntry
        fields = EXPORT_COLUMNS
        export_order = EXPORT_COLUMNS

    # The generic (per-instance) definitions of each column.
    def dehydrate_id(self, e: TimeEntry) -> str:
        return str(e.id)

    def dehydrate_date(self, e: TimeEntry) -> str:
        return e.date.isoformat()

    def dehydrate_start(self, e: TimeEntry) -> str:
        return iso_datetime(e.start) or ""

    def dehydrate_end(self, e: TimeEntry) -> str:
        return iso_datetime(e.end) or ""

    def dehydrate_employee_code(self, e: TimeEntry) -> str:
        return e.employee.code

    def dehydrate_employee_name(self, e: TimeEntry) -> str:
        return _safe(f"{e.employee.first_name} {e.employee.last_name}".strip())

    def dehydrate_client(self, e: TimeEntry) -> str:
        return _safe(e.project.client.name)

    def dehydrate_project(self, e: TimeEntry) -> str:
        return _safe(e.project.name)

    def dehydrate_task(self, e: TimeEntry) -> str:
        return _safe(e.task.name if e.task else "")

    def dehydrate_description(self, e: TimeEntry) -> str:
        return _safe(e.description)

    def dehydrate_duration_seconds(self, e: TimeEntry) -> str:
        return "" if e.duration_seconds is None else str(e.duration_seconds)

    def dehydrate_hours(self, e: TimeEntry) -> str:
        return "" if e.duration_seconds is None else str(money.hours(e.duration_seconds))

    def dehydrate_billed_hours(self, e: TimeEntry) -> str:
        return "" if e.rounded_seconds is None else str(money.hours(e.rounded_seconds))

    def dehydrate_billable(self, e: TimeEntry) -> str:
        return "yes" if e.billable else "no"

    def dehydrate_status(self, e: TimeEntry) -> str:
        return e.status

    def dehydrate_rate_applied(self, e: TimeEntry) -> str:
        return str(e.rate_applied)

    def dehydrate_rate_currency(self, e: TimeEntry) -> str:
        return e.rate_currency

    def dehydrate_rate_effective_date(self, e: TimeEntry) -> str:
        return e.rate_effective_date.isoformat() if e.rate_effective_date else ""

    def dehydrate_rate_source(self, e: TimeEntry) -> str:
        return e.rate_source

    def dehydrate_amount(self, e: TimeEntry) -> str:
        return _amount(e.billable, e.rounded_seconds, e.rate_applied)

    def dehydrate_invoice(self, e: TimeEntry) -> str:
        return str(e.invoice_id) if e.invoice_id else ""

    def dehydrate_external_id(self, e: TimeEntry) -> str:
        return _safe(e.external_id)

    # The fast path.
    def export_rows(self, queryset: QuerySet[TimeEntry]) -> Iterator[list[str]]:
        hours, amount = money.hours, _amount
        rows = queryset.order_by("sort_key").values_list(*_VALUES).iterator(chunk_size=5000)
        for (
            pk,
            day,
            start,
            end,
            code,
            first,
            last,
            client,
            project,
            task,
            description,
            duration,
            rounded,
            billable,
            status,
            rate,
            currency,
            rate_day,
            rate_source,
            invoice,
            external_id,
        ) in rows:
            yield [
                str(pk),
                day.isoformat(),
                iso_datetime(start) or "",
                iso_datetime(end) or "",
                code,
                _safe(f"{first} {last}".strip()),
                _safe(client),
                _safe(project),
                _safe(task),
                _safe(description),
                "" if duration is None else str(duration),
                "" if duration is None else str(hours(duration)),
                "" if rounded is None else str(hours(rounded)),
                "yes" if billable else "no",
                status,
                str(rate),
                currency,
                rate_day.isoformat() if rate_day else "",
                rate_source,
                amount(billable, rounded, rate),
                str(invoice) if invoice else "",
                _safe(external_id),
            ]

    def export(self, queryset: Any = None, **kwargs: Any) -> tablib.Dataset:
        selected = kwargs.get("export_fields")
        if (
            queryset is None
            or not isinstance(queryset, QuerySet)
            or (selected and list(selected) != list(EXPORT_COLUMNS))
        ):
            return super().export(queryset, **kwargs)
        dataset = tablib.Dataset(headers=list(EXPORT_COLUMNS))
        for row in self.export_rows(queryset):
            dataset.append(row)
        return dataset

    def generic_export(self, queryset: QuerySet[TimeEntry]) -> tablib.Dataset:
        """ModelResource's own, per-instance export: the reference ``export_rows`` must equal."""
        return super().export(queryset.select_related("employee", "project__client", "task").order_by("sort_key"))


def export_entries(queryset: QuerySet[TimeEntry], file_format: str) -> HttpResponse:
    fmt = _format(file_format)
    resource = TimeEntryResource()
    if isinstance(fmt, CSV):
        # The same bytes tablib's CSV writer makes of resource.export(), without
        # building the Dataset first.
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(EXPORT_COLUMNS)
        writer.writerows(resource.export_rows(queryset))
        return _file_response(buffer.getvalue(), fmt, "time-entries")
    return _file_response(fmt.export_data(resource.export(queryset)), fmt, "time-entries")


# --- Time entries: import ----------------------------------------------------------------------


class TimeEntryImportResource(resources.ModelResource):
    """Imports entries row by row through ``timesheets.imports`` (and so through the
    services). Used by the admin's Import page and ``POST /time-entries/import/``."""

    class Meta:
        model = TimeEntry
        fields: tuple[str, ...] = ()
        skip_diff = True
        report_skipped = True
        use_transactions = True

    def __init__(self, user: Any = None, employee: Any = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.user = user
        self.employee = employee
        self.importer: Any = None

    def before_import(self, dataset: tablib.Dataset, **kwargs: Any) -> None:
        from timesheets.imports import EntryImporter

        self.importer = EntryImporter(
            user=kwargs.get("user") or self.user, headers=list(dataset.headers or []), employee=self.employee
        )
        self.importer.prepare([list(row) for row in dataset])

    def import_row(self, row: Any, instance_loader: Any, **kwargs: Any) -> RowResult:
        result = self.get_row_result_class()()
        if self.importer is None:
            # before_import refused the file (unknown columns); that error is the result's.
            result.import_type = RowResult.IMPORT_TYPE_SKIP
            return result
        outcome = self.importer.import_row(list(row.values()), kwargs.get("row_number", 0))
        if outcome.status == "created":
            result.import_type = RowResult.IMPORT_TYPE_NEW
        elif outcome.status == "skipped":
            result.import_type = RowResult.IMPORT_TYPE_SKIP
        else:
            result.import_type = RowResult.IMPORT_TYPE_INVALID
            result.validation_error = ValidationError({"__all__": [outcome.message]})
        result.object_id = outcome.entry
        # A skipped row says why (the admin's preview shows it beside "Skipped").
        shown = [outcome.message if outcome.status == "skipped" else "", str(outcome.instance or "")]
        result.object_repr = " – ".join(part for part in shown if part) or outcome.message
        result.instance = outcome.instance
        return result


# --- Clients and projects: import and export through the services ------------------------------------


class _ServiceSavedResource(resources.ModelResource):
    """Rows are saved by the app's service (validation, audit), never by ``instance.save``."""

    def service_save(self, instance: Any, actor: Actor) -> None:
        raise NotImplementedError

    def save_instance(self, instance: Any, is_create: bool, row: Any, **kwargs: Any) -> None:
        if not self._is_using_transactions(kwargs) and self._is_dry_run(kwargs):
            return
        try:
            self.service_save(instance, kwargs.get("user"))
        except ValidationFailed as exc:
            raise ValidationError(exc.details or exc.message) from None


class ClientResource(_ServiceSavedResource):
    class Meta:
        model = Client
        fields = ("id", "name", "currency", "vat_rate", "country", "billing_address", "payment_terms_days", "active")
        export_order = fields
        skip_unchanged = True

    def service_save(self, instance: Client, actor: Actor) -> None:
        services.client_save(client=instance, actor=actor)


class ProjectResource(_ServiceSavedResource):
    client = fields.Field(attribute="client", column_name="client", widget=widgets.ForeignKeyWidget(Client, "name"))

    class Meta:
        model = Project
        fields = (
            "id",
            "client",
            "name",
            "description",
            "billable",
            "budget_hours",
            "budget_amount",
            "status",
            "rounding_minutes",
            "rounding_mode",
        )
        export_order = fields
        skip_unchanged = True

    def service_save(self, instance: Project, actor: Actor) -> None:
        services.project_save(project=instance, actor=actor)


# --- Reports -------------------------------------------------------------------------------------


def _flatten(rows: list[dict[str, Any]]) -> tablib.Dataset:
    """One column per currency for each money list (``amount_CHF``, ``cost_EUR``...)."""
    money_keys = [key for key in ("amounts", "costs", "margins") if any(key in row for row in rows)]
    currencies = sorted({m["currency"] for row in rows for key in money_keys for m in row.get(key, [])})
    scalar = [key for key in (rows[0] if rows else {}) if key not in ("amounts", "costs", "margins")]
    singular = {"amounts": "amount", "costs": "cost", "margins": "margin"}
    headers = scalar + [f"{singular[key]}_{currency}" for key in money_keys for currency in currencies]
    dataset = tablib.Dataset(headers=headers)
    for row in rows:
        values = [
            _safe(str(row[key])) if isinstance(row[key], str) else ("" if row[key] is None else row[key])
            for key in scalar
        ]
        for key in money_keys:
            by_currency = {m["currency"]: m["amount"] for m in row.get(key, [])}
            values += [by_currency.get(currency, "") for currency in currencies]
        dataset.append(values)
    return dataset


def report_response(rows: list[dict[str, Any]], file_format: str, stem: str) -> HttpResponse:
    fmt = _format(file_format)
    return _file_response(fmt.export_data(_flatten(rows)), fmt, stem)
