"""REST API for billing: thin translations between HTTP and the services/selectors.

Every endpoint is for administrators and the ``finance`` group (``BillingAccess``);
tokens need ``read:billing`` / ``write:billing`` (or ``read:all`` / ``write:all``).
"""

from __future__ import annotations

import base64
import hashlib
from decimal import Decimal
from typing import Any, cast

import django_filters
from django.conf import settings
from django.db.models import QuerySet
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    inline_serializer,
)
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from billing import issued, resources, selectors, services
from billing.models import (
    Expense,
    ExpenseCategory,
    ExpenseKind,
    ExpenseStatus,
    Invoice,
    InvoiceKind,
    InvoiceLine,
    InvoiceStatus,
    LineKind,
    MileageRate,
    Payment,
    PaymentMethod,
    PaymentStatus,
    PerDiemRate,
    VehicleType,
    Vendor,
)
from etime.core.api.fields import year_param
from etime.core.api.permissions import TokenScopePermission
from etime.core.api.schema import FILE_RESPONSES, NamedChoiceField
from etime.core.api.viewsets import EtimeAPIView, EtimeGenericViewSet, EtimeModelViewSet
from etime.core.errors import ValidationFailed
from timesheets.models import Client, Project

SCOPE = "billing"
FILE_FORMAT = OpenApiParameter("file_format", str, enum=["csv", "xlsx"], default="csv")


class BillingAccess(BasePermission):
    message = _("Billing is for administrators and the finance group only.")

    def has_permission(self, request: Request, view: Any) -> bool:
        return selectors.may_use_billing(request.user)


PERMISSIONS = [IsAuthenticated, TokenScopePermission, BillingAccess]


# --- Invoices ----------------------------------------------------------------------------------


class InvoiceLineSerializer(serializers.ModelSerializer[InvoiceLine]):
    kind = NamedChoiceField(
        choices=LineKind.choices,
        required=False,
        enum_name="InvoiceLineKindEnum",
        help_text="Only extra and discount lines can be added by hand.",
    )
    invoice = serializers.PrimaryKeyRelatedField(queryset=Invoice.objects.all())
    vat_rate = serializers.DecimalField(
        max_digits=5, decimal_places=2, required=False, help_text="Defaults to the invoice's VAT rate."
    )

    class Meta:
        model = InvoiceLine
        fields = [
            "id",
            "invoice",
            "position",
            "kind",
            "description",
            "project",
            "task",
            "expense",
            "rate_effective_date",
            "entry_count",
            "quantity",
            "unit",
            "unit_price",
            "amount",
            "vat_rate",
            "vat_category",
        ]
        read_only_fields = [
            "id",
            "position",
            "project",
            "task",
            "expense",
            "rate_effective_date",
            "entry_count",
            "amount",
        ]


class VatGroupSerializer(serializers.Serializer[Any]):
    category = serializers.CharField(help_text="EN 16931 VAT category: S, Z, E, AE, K, G or O.")
    rate = serializers.DecimalField(max_digits=5, decimal_places=2)
    net = serializers.DecimalField(max_digits=14, decimal_places=2)
    vat = serializers.DecimalField(max_digits=14, decimal_places=2)
    exemption_reason = serializers.CharField(help_text="BT-120: why no VAT is charged (empty for S and Z).")
    exemption_reason_code = serializers.CharField(help_text="BT-121: VATEX code, where the category has one.")


class CreditNoteRefSerializer(serializers.Serializer[Any]):
    id = serializers.UUIDField()
    number = serializers.CharField()


class InvoiceSerializer(serializers.ModelSerializer[Invoice]):
    client = serializers.PrimaryKeyRelatedField(queryset=Client.objects.all())
    client_name = serializers.CharField(source="client.name", read_only=True)
    kind = NamedChoiceField(choices=InvoiceKind.choices, read_only=True, enum_name="InvoiceKindEnum")
    status = NamedChoiceField(choices=InvoiceStatus.choices, read_only=True, enum_name="InvoiceStatusEnum")
    payment_status = NamedChoiceField(
        choices=PaymentStatus.choices, read_only=True, enum_name="InvoicePaymentStatusEnum"
    )
    open_amount = serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True)
    vat_breakdown = serializers.SerializerMethodField(
        help_text="VAT once per category and rate on the sum of its nets; 0 % groups with their exemption reason."
    )
    lines = InvoiceLineSerializer(many=True, read_only=True)
    amount_credited = serializers.SerializerMethodField(
        help_text="What the credit notes reversing this invoice credit (positive); the issued document is unchanged."
    )
    credit_notes = serializers.SerializerMethodField(
        help_text="The credit notes reversing this invoice: id and number."
    )

    class Meta:
        model = Invoice
        fields = [
            "id",
            "kind",
            "status",
            "number",
            "client",
            "client_name",
            "period_start",
            "period_end",
            "currency",
            "vat_rate",
            "issue_date",
            "due_date",
            "payment_terms_days",
            "subtotal",
            "vat_amount",
            "total",
            "vat_breakdown",
            "amount_paid",
            "open_amount",
            "payment_status",
            "amount_credited",
            "credit_notes",
            "credits",
            "notes",
            "lines",
            "pdf_sha256",
            "cii_sha256",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "id",
            "number",
            "currency",
            "vat_rate",
            "issue_date",
            "due_date",
            "subtotal",
            "vat_amount",
            "total",
            "amount_paid",
            "credits",
            "pdf_sha256",
            "cii_sha256",
            "created_at",
            "updated_at",
        ]
        extra_kwargs: dict[str, Any] = {"payment_terms_days": {"required": False}, "notes": {"required": False}}

    @extend_schema_field(VatGroupSerializer(many=True))
    def get_vat_breakdown(self, obj: Invoice) -> list[dict[str, str]]:
        from billing.documents.parties import buyer_of
        from billing.documents.vat import vat_summary

        groups = vat_summary(obj.lines.all(), buyer_of(obj))
        return [
            {
                "category": g.category,
                "rate": f"{g.rate:.2f}",
                "net": f"{g.net:.2f}",
                "vat": f"{g.vat:.2f}",
                "exemption_reason": g.reason,
                "exemption_reason_code": g.reason_code,
            }
            for g in groups
        ]

    @extend_schema_field(serializers.DecimalField(max_digits=14, decimal_places=2))
    def get_amount_credited(self, obj: Invoice) -> str:
        notes = [note for note in obj.credit_notes.all() if note.status == InvoiceStatus.ISSUED]
        return f"{-sum((note.total for note in notes), Decimal(0)):.2f}"

    @extend_schema_field(CreditNoteRefSerializer(many=True))
    def get_credit_notes(self, obj: Invoice) -> list[dict[str, str]]:
        return [{"id": str(note.pk), "number": note.number} for note in obj.credit_notes.all()]


class InvoiceFilter(django_filters.FilterSet):
    issue_date = django_filters.DateFromToRangeFilter()

    class Meta:
        model = Invoice
        fields = ["client", "status", "kind", "payment_status", "currency"]


class IssueSerializer(serializers.Serializer[Any]):
    issue_date = serializers.DateField(required=False, help_text="Defaults to today; the number's year is its year.")


class DiscountSerializer(serializers.Serializer[Any]):
    description = serializers.CharField(required=False, default="Discount", max_length=200)
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, required=False)
    percent = serializers.DecimalField(max_digits=5, decimal_places=2, required=False)


ISSUED_409 = OpenApiResponse(description="invoice_already_issued")
DOCUMENT_500 = OpenApiResponse(description="invoice_document_corrupted: the stored bytes no longer match their SHA-256")


class InvoiceViewSet(EtimeModelViewSet):
    """Invoices and credit notes. ``POST`` with client, period_start and period_end builds
    a draft from the period's billable, approved, uninvoiced time and expenses."""

    serializer_class = InvoiceSerializer
    filterset_class = InvoiceFilter
    permission_classes = PERMISSIONS
    scope_area = SCOPE
    cursor_ordering = ("-created_at", "id")
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self) -> QuerySet[Invoice]:
        return selectors.invoice_list_visible(user=self.request.user).prefetch_related("lines", "credit_notes")

    @extend_schema(
        responses={
            201: InvoiceSerializer,
            409: OpenApiResponse(description="invoice_empty, invoice_currency_mismatch, invoice_draft_overlaps"),
        }
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        invoice = services.invoice_create_draft(
            client=data["client"], period_start=data["period_start"], period_end=data["period_end"], actor=request.user
        )
        return Response(self._data(invoice), status=status.HTTP_201_CREATED)

    def _data(self, invoice: Invoice) -> dict[str, Any]:
        return dict(InvoiceSerializer(self.get_queryset().get(pk=invoice.pk)).data)

    @extend_schema(responses={200: InvoiceSerializer, 409: ISSUED_409})
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        invoice = self.get_object()
        serializer = self.get_serializer(invoice, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        changes = {k: v for k, v in serializer.validated_data.items() if k in ("notes", "payment_terms_days")}
        refused = set(serializer.validated_data) - set(changes)
        if refused:
            name = sorted(refused)[0]
            raise ValidationFailed(f"The input is invalid: {name} cannot be changed.", details={name: ["Read-only."]})
        invoice = services.invoice_update(invoice=invoice, actor=request.user, **changes)
        return Response(self._data(invoice))

    @extend_schema(responses={204: None, 409: ISSUED_409})
    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        services.invoice_delete_draft(invoice=self.get_object(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        request=IssueSerializer,
        responses={
            200: InvoiceSerializer,
            409: OpenApiResponse(description="invoice_already_issued, invoice_draft_stale, invoice_empty"),
        },
    )
    @action(detail=True, methods=["post"])
    def issue(self, request: Request, pk: str | None = None) -> Response:
        """Number the draft (gapless per year) and mark its time and expenses invoiced."""
        params = IssueSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        invoice = services.invoice_issue(
            invoice=self.get_object(), actor=request.user, issue_date=params.validated_data.get("issue_date")
        )
        return Response(self._data(invoice))

    @extend_schema(request=None, responses={200: InvoiceSerializer, 409: ISSUED_409})
    @action(detail=True, methods=["post"])
    def regenerate(self, request: Request, pk: str | None = None) -> Response:
        """Rebuild a draft's time and expense lines from the period as it is now."""
        return Response(self._data(services.invoice_regenerate(invoice=self.get_object(), actor=request.user)))

    @extend_schema(request=DiscountSerializer, responses={200: InvoiceSerializer, 409: ISSUED_409})
    @action(detail=True, methods=["post"])
    def discount(self, request: Request, pk: str | None = None) -> Response:
        """Add a fixed (``amount``) or percentage (``percent``) discount to a draft."""
        params = DiscountSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        invoice = self.get_object()
        services.invoice_discount_add(
            invoice=invoice,
            actor=request.user,
            description=data["description"],
            amount=data.get("amount"),
            percent=data.get("percent"),
        )
        return Response(self._data(invoice))

    @extend_schema(
        request=None,
        responses={
            200: InvoiceSerializer,
            409: OpenApiResponse(description="invoice_not_issued, invoice_has_payments, invoice_already_credited"),
        },
    )
    @action(detail=True, methods=["post"])
    def void(self, request: Request, pk: str | None = None) -> Response:
        """Void an issued, unpaid invoice (it keeps its number); its time is billable again."""
        return Response(self._data(services.invoice_void(invoice=self.get_object(), actor=request.user)))

    @extend_schema(
        request=IssueSerializer,
        responses={
            201: InvoiceSerializer,
            409: OpenApiResponse(description="invoice_not_issued, invoice_already_credited"),
        },
    )
    @action(detail=True, methods=["post"], url_path="credit-note")
    def credit_note(self, request: Request, pk: str | None = None) -> Response:
        """Issue a credit note reversing the invoice in full (its own number series)."""
        params = IssueSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        note = services.invoice_credit_note(
            invoice=self.get_object(), actor=request.user, issue_date=params.validated_data.get("issue_date")
        )
        return Response(self._data(note), status=status.HTTP_201_CREATED)

    def _document(self, kind: issued.Kind, content_type: str, disposition: str) -> HttpResponse:
        invoice = self.get_object()
        data, name = issued.document(invoice, kind)
        response = HttpResponse(data, content_type=content_type)
        response["Content-Disposition"] = f'{disposition}; filename="{name}"'
        if invoice.status != InvoiceStatus.DRAFT:
            # RFC 9530; the bytes were just checked against the SHA-256 stored at issue.
            response["Repr-Digest"] = f"sha-256=:{base64.b64encode(hashlib.sha256(data).digest()).decode()}:"
        return response

    @extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY, 500: DOCUMENT_500})
    @action(detail=True, methods=["get"])
    def pdf(self, request: Request, pk: str | None = None) -> HttpResponse:
        """The invoice as PDF: once issued, the document stored at issue, byte for byte
        (Factur-X PDF/A-3 for EUR, with a Swiss QR-bill for CHF); drafts render a preview
        marked DRAFT. Payments and credits never change it: see ``amount_paid``,
        ``amount_credited`` and ``credit_notes``."""
        return self._document("pdf", "application/pdf", "inline")

    @extend_schema(responses={(200, "application/xml"): OpenApiTypes.BINARY, 500: DOCUMENT_500})
    @action(detail=True, methods=["get"])
    def cii(self, request: Request, pk: str | None = None) -> HttpResponse:
        """The invoice as EN 16931 UN/CEFACT CII XML (Factur-X profile), for e-invoicing
        portals: once issued, the XML stored at issue (the same the EUR PDF embeds)."""
        return self._document("cii", "application/xml", "attachment")

    @extend_schema(parameters=[FILE_FORMAT], responses=FILE_RESPONSES)
    @action(detail=False, methods=["get"], pagination_class=None)
    def export(self, request: Request) -> HttpResponse:
        """The invoices, filtered like the list, as CSV or XLSX."""
        queryset = self.filter_queryset(selectors.invoice_list_visible(user=request.user)).order_by("created_at")
        return resources.export("invoices", queryset, request.query_params.get("file_format", "csv"))

    @extend_schema(parameters=[FILE_FORMAT, OpenApiParameter("year", int)], responses=FILE_RESPONSES)
    @action(detail=False, methods=["get"], pagination_class=None, filter_backends=[])
    def register(self, request: Request) -> HttpResponse:
        """The invoice register: every issued or void invoice and credit note with number,
        dates, net, VAT, total, paid and open."""
        year = year_param(request.query_params.get("year"))
        invoices = selectors.invoice_register(user=request.user, year=year)
        return resources.register_export(invoices, request.query_params.get("file_format", "csv"))

    @extend_schema(parameters=[OpenApiParameter("year", int)], responses={(200, "text/csv"): OpenApiTypes.BINARY})
    @action(detail=False, methods=["get"], pagination_class=None, filter_backends=[])
    def journal(self, request: Request) -> HttpResponse:
        """A generic accounting journal CSV (receivables, revenue, VAT, bank)."""
        year = year_param(request.query_params.get("year"))
        invoices = selectors.invoice_register(user=request.user, year=year).filter(status=InvoiceStatus.ISSUED)
        payments = selectors.payment_list_visible(user=request.user).order_by("date")
        if year:
            payments = payments.filter(date__year=year)
        response = HttpResponse(
            resources.journal_csv(invoices, payments, dict(settings.ETIME_BILLING_ACCOUNTS)), content_type="text/csv"
        )
        response["Content-Disposition"] = 'attachment; filename="journal.csv"'
        return response


class InvoiceLineFilter(django_filters.FilterSet):
    class Meta:
        model = InvoiceLine
        fields = ["invoice", "kind", "project", "task"]


class InvoiceLineViewSet(EtimeModelViewSet):
    """Invoice lines. Drafts take extra and discount lines by hand; time and expense
    lines accept a new description only. Issued invoices refuse with 409."""

    serializer_class = InvoiceLineSerializer
    filterset_class = InvoiceLineFilter
    permission_classes = PERMISSIONS
    scope_area = SCOPE
    cursor_ordering = ("id",)
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self) -> QuerySet[InvoiceLine]:
        return selectors.invoice_line_list_visible(user=self.request.user)

    def perform_create(self, serializer: serializers.BaseSerializer[Any]) -> None:
        data = dict(serializer.validated_data)
        serializer.instance = services.invoice_line_add(
            invoice=data["invoice"],
            actor=self.request.user,
            description=data["description"],
            quantity=data.get("quantity", 1),
            unit_price=data["unit_price"],
            unit=data.get("unit", "pc"),
            vat_rate=data.get("vat_rate"),
            kind=data.get("kind", LineKind.EXTRA),
            vat_category=data.get("vat_category", ""),
        )

    def perform_update(self, serializer: serializers.BaseSerializer[Any]) -> None:
        changes = {k: v for k, v in serializer.validated_data.items() if k != "invoice"}
        line = cast(InvoiceLine, serializer.instance)
        serializer.instance = services.invoice_line_update(line=line, actor=self.request.user, **changes)

    def perform_destroy(self, instance: InvoiceLine) -> None:
        services.invoice_line_delete(line=instance, actor=self.request.user)


# --- Payments ----------------------------------------------------------------------------------


class PaymentSerializer(serializers.ModelSerializer[Payment]):
    invoice = serializers.PrimaryKeyRelatedField(queryset=Invoice.objects.all())
    method = NamedChoiceField(choices=PaymentMethod.choices, required=False, enum_name="PaymentMethodEnum")
    currency = serializers.CharField(source="invoice.currency", read_only=True)

    class Meta:
        model = Payment
        fields = ["id", "invoice", "date", "amount", "currency", "method", "reference", "created_at"]
        read_only_fields = ["id", "created_at"]


class PaymentViewSet(
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.ListModelMixin,
    mixins.DestroyModelMixin,
    EtimeGenericViewSet,
):
    """Payments against issued invoices (partial payments welcome, never above the open amount)."""

    serializer_class = PaymentSerializer
    filterset_fields = ["invoice", "method"]
    permission_classes = PERMISSIONS
    scope_area = SCOPE
    cursor_ordering = ("-created_at", "id")

    def get_queryset(self) -> QuerySet[Payment]:
        return selectors.payment_list_visible(user=self.request.user)

    def perform_create(self, serializer: serializers.BaseSerializer[Any]) -> None:
        data = dict(serializer.validated_data)
        serializer.instance = services.payment_record(
            invoice=data["invoice"],
            actor=self.request.user,
            amount=data["amount"],
            day=data["date"],
            method=data.get("method", PaymentMethod.BANK_TRANSFER),
            reference=data.get("reference", ""),
        )

    def perform_destroy(self, instance: Payment) -> None:
        services.payment_delete(payment=instance, actor=self.request.user)

    @extend_schema(parameters=[FILE_FORMAT], responses=FILE_RESPONSES)
    @action(detail=False, methods=["get"], pagination_class=None)
    def export(self, request: Request) -> HttpResponse:
        queryset = self.filter_queryset(self.get_queryset()).order_by("date", "created_at")
        return resources.export("payments", queryset, request.query_params.get("file_format", "csv"))


# --- Expenses ----------------------------------------------------------------------------------


class ExpenseSerializer(serializers.ModelSerializer[Expense]):
    receipt = serializers.FileField(write_only=True, required=False, help_text="The receipt (multipart upload).")
    receipt_sha256 = serializers.CharField(source="receipt_id", read_only=True, allow_null=True)
    status = NamedChoiceField(choices=ExpenseStatus.choices, required=False, enum_name="ExpenseStatusEnum")
    vendor = serializers.PrimaryKeyRelatedField(queryset=Vendor.objects.all(), required=False, allow_null=True)
    category = serializers.PrimaryKeyRelatedField(
        queryset=ExpenseCategory.objects.all(), required=False, allow_null=True
    )
    project = serializers.PrimaryKeyRelatedField(queryset=Project.objects.all(), required=False, allow_null=True)
    amount = serializers.DecimalField(
        max_digits=14,
        decimal_places=2,
        min_value=Decimal("0.01"),
        required=False,
        allow_null=True,
        help_text="Required for plain expenses; computed (and ignored when sent) for mileage and per-diem categories.",
    )
    currency = serializers.CharField(
        max_length=3,
        required=False,
        allow_blank=True,
        help_text="Required for plain expenses; the rate's currency for mileage and per-diem categories.",
    )

    class Meta:
        model = Expense
        fields = [
            "id",
            "date",
            "vendor",
            "category",
            "description",
            "amount",
            "currency",
            "billable",
            "project",
            "employee",
            "notes",
            "vehicle",
            "distance_km",
            "route_from",
            "route_to",
            "per_diem_country",
            "full_days",
            "partial_days",
            "status",
            "receipt",
            "receipt_sha256",
            "invoice",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "invoice", "created_at", "updated_at"]


class ExpenseFilter(django_filters.FilterSet):
    date = django_filters.DateFromToRangeFilter()

    class Meta:
        model = Expense
        fields = ["vendor", "category", "project", "billable", "status", "currency", "invoice"]


class ExpenseViewSet(EtimeModelViewSet):
    """Expenses with their receipts (multipart ``receipt``), stored content-addressed and
    deduplicated; ``GET .../receipt/`` returns the file after checking its hash."""

    serializer_class = ExpenseSerializer
    filterset_class = ExpenseFilter
    permission_classes = PERMISSIONS
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    scope_area = SCOPE
    cursor_ordering = ("-created_at", "id")
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self) -> QuerySet[Expense]:
        return selectors.expense_list_visible(user=self.request.user)

    def _save(self, instance: Expense, serializer: serializers.BaseSerializer[Any]) -> None:
        data = dict(serializer.validated_data)
        upload = data.pop("receipt", None)
        for name, value in data.items():
            setattr(instance, name, value)
        serializer.instance = services.expense_save(
            expense=instance,
            actor=self.request.user,
            receipt_file=upload,
            receipt_name=getattr(upload, "name", ""),
            receipt_type=getattr(upload, "content_type", "") or "",
        )

    def perform_create(self, serializer: serializers.BaseSerializer[Any]) -> None:
        self._save(Expense(), serializer)

    def perform_update(self, serializer: serializers.BaseSerializer[Any]) -> None:
        self._save(cast(Expense, serializer.instance), serializer)

    def perform_destroy(self, instance: Expense) -> None:
        services.expense_delete(expense=instance, actor=self.request.user)

    @extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY, 404: None})
    @action(detail=True, methods=["get"])
    def receipt(self, request: Request, pk: str | None = None) -> HttpResponse:
        expense = self.get_object()
        if expense.receipt is None:
            from etime.core.errors import NotFound

            raise NotFound("This expense has no receipt.")
        data = services.receipt_read(expense.receipt)
        response = HttpResponse(data, content_type=expense.receipt.content_type or "application/octet-stream")
        response["Content-Disposition"] = (
            f'attachment; filename="{expense.receipt.original_name or expense.receipt.sha256}"'
        )
        return response

    @extend_schema(parameters=[FILE_FORMAT], responses=FILE_RESPONSES)
    @action(detail=False, methods=["get"], pagination_class=None)
    def export(self, request: Request) -> HttpResponse:
        queryset = self.filter_queryset(self.get_queryset()).order_by("date", "created_at")
        return resources.export("expenses", queryset, request.query_params.get("file_format", "csv"))


class VendorSerializer(serializers.ModelSerializer[Vendor]):
    class Meta:
        model = Vendor
        fields = ["id", "name", "active"]
        read_only_fields = ["id"]


class ExpenseCategorySerializer(serializers.ModelSerializer[ExpenseCategory]):
    kind = NamedChoiceField(choices=ExpenseKind.choices, required=False, enum_name="ExpenseKindEnum")

    class Meta:
        model = ExpenseCategory
        fields = ["id", "name", "kind", "active"]
        read_only_fields = ["id"]


class MileageRateSerializer(serializers.ModelSerializer[MileageRate]):
    vehicle = NamedChoiceField(choices=VehicleType.choices, enum_name="VehicleTypeEnum")

    class Meta:
        model = MileageRate
        fields = ["id", "vehicle", "rate_per_km", "currency", "valid_from"]
        read_only_fields = ["id"]
        validators: list[Any] = []  # the service's full_clean reports a duplicate date with the envelope


class PerDiemRateSerializer(serializers.ModelSerializer[PerDiemRate]):
    class Meta:
        model = PerDiemRate
        fields = ["id", "country", "full_day", "partial_day", "currency", "valid_from"]
        read_only_fields = ["id"]
        validators: list[Any] = []


class _CatalogViewSet(EtimeModelViewSet):
    permission_classes = PERMISSIONS
    scope_area = SCOPE
    cursor_ordering = ("name",)
    filterset_fields = ["active"]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def perform_create(self, serializer: serializers.BaseSerializer[Any]) -> None:
        model: Any = self.get_queryset().model
        serializer.instance = services.catalog_save(obj=model(**serializer.validated_data), actor=self.request.user)

    def perform_update(self, serializer: serializers.BaseSerializer[Any]) -> None:
        obj: Any = serializer.instance
        for name, value in serializer.validated_data.items():
            setattr(obj, name, value)
        serializer.instance = services.catalog_save(obj=obj, actor=self.request.user)

    def perform_destroy(self, instance: Any) -> None:
        services.catalog_delete(obj=instance, actor=self.request.user)


class VendorViewSet(_CatalogViewSet):
    """Expense vendors."""

    serializer_class = VendorSerializer

    def get_queryset(self) -> QuerySet[Vendor]:
        return Vendor.objects.all() if selectors.may_use_billing(self.request.user) else Vendor.objects.none()


class MileageRateViewSet(_CatalogViewSet):
    """The company's mileage rates per vehicle type, each valid from a date."""

    serializer_class = MileageRateSerializer
    cursor_ordering = ("id",)
    filterset_fields = ["vehicle"]

    def get_queryset(self) -> QuerySet[MileageRate]:
        return MileageRate.objects.all() if selectors.may_use_billing(self.request.user) else MileageRate.objects.none()


class PerDiemRateViewSet(_CatalogViewSet):
    """Per-diem allowances per country (full and partial day), each valid from a date."""

    serializer_class = PerDiemRateSerializer
    cursor_ordering = ("id",)
    filterset_fields = ["country"]

    def get_queryset(self) -> QuerySet[PerDiemRate]:
        return PerDiemRate.objects.all() if selectors.may_use_billing(self.request.user) else PerDiemRate.objects.none()


class ExpenseCategoryViewSet(_CatalogViewSet):
    """Expense categories."""

    serializer_class = ExpenseCategorySerializer

    def get_queryset(self) -> QuerySet[ExpenseCategory]:
        return (
            ExpenseCategory.objects.all()
            if selectors.may_use_billing(self.request.user)
            else ExpenseCategory.objects.none()
        )


# --- Reports -------------------------------------------------------------------------------------


class BillingReportParams(serializers.Serializer[Any]):
    date_after = serializers.DateField(required=False)
    date_before = serializers.DateField(required=False)
    currency = serializers.CharField(required=False, max_length=3)


_ROW: dict[str, Any] = {
    "amount": serializers.CharField(),
    "count": serializers.IntegerField(),
    "currency": serializers.CharField(),
}


class BillingReportView(EtimeAPIView):
    """For finance: invoiced, paid, open and overdue per currency, and spending analytics
    (expenses by month, vendor, category and the top projects, per currency)."""

    permission_classes = PERMISSIONS
    scope_area = SCOPE
    serializer_class = BillingReportParams

    @extend_schema(
        parameters=[BillingReportParams],
        responses={
            200: inline_serializer(
                "BillingReport",
                {
                    "receivables": inline_serializer(
                        "BillingReceivables",
                        {
                            "currency": serializers.CharField(),
                            "count": serializers.IntegerField(),
                            "invoiced": serializers.CharField(),
                            "paid": serializers.CharField(),
                            "open": serializers.CharField(),
                            "overdue": serializers.CharField(),
                        },
                        many=True,
                    ),
                    "spending": inline_serializer(
                        "BillingSpending",
                        {
                            "by_month": inline_serializer(
                                "SpendingMonth", {"month": serializers.CharField(), **_ROW}, many=True
                            ),
                            "by_vendor": inline_serializer(
                                "SpendingVendor",
                                {"vendor__name": serializers.CharField(allow_null=True), **_ROW},
                                many=True,
                            ),
                            "by_category": inline_serializer(
                                "SpendingCategory",
                                {"category__name": serializers.CharField(allow_null=True), **_ROW},
                                many=True,
                            ),
                            "top_projects": inline_serializer(
                                "SpendingProject",
                                {"project__name": serializers.CharField(allow_null=True), **_ROW},
                                many=True,
                            ),
                        },
                    ),
                },
            )
        },
    )
    def get(self, request: Request) -> Response:
        params = BillingReportParams(data=request.query_params)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        filters = selectors.SpendingFilters(
            date_from=data.get("date_after"),
            date_to=data.get("date_before"),
            currency=(data.get("currency") or "").upper() or None,
        )
        return Response(
            {
                "receivables": selectors.billing_summary(user=request.user, today=timezone.localdate()),
                "spending": selectors.spending_analytics(user=request.user, filters=filters),
            }
        )
