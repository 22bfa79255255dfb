"""Invoices, their lines, number sequences, expenses with receipts, and payments.

Business rules live in ``services.py``. Money is ``Decimal(14, 2)`` with the currency
beside it (the invoice's currency covers its lines and payments). An issued invoice is
a snapshot: buyer and seller are copied onto it at issue and nothing changes afterwards
except its payment state.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import dateformat
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from timesheets.models import validate_currency


class InvoiceKind(models.TextChoices):
    INVOICE = "invoice", _("Invoice")
    CREDIT_NOTE = "credit_note", _("Credit note")


class InvoiceStatus(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("document state", "Draft")
    ISSUED = "issued", _("Issued")
    VOID = "void", pgettext_lazy("invoice state", "Void")


class PaymentStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("payment state", "Open")
    PARTIALLY_PAID = "partially_paid", _("Partially paid")
    PAID = "paid", _("Paid")
    OVERDUE = "overdue", _("Overdue")
    CREDITED = "credited", _("Credited")


class NumberSequence(models.Model):
    """The last number used per series and year. Issue locks the row (SELECT ... FOR
    UPDATE) while it takes the next number, so concurrent issues queue here and a number
    is never shared or skipped; the lock is held until the invoice row commits."""

    id = models.BigAutoField(primary_key=True)
    series = models.CharField(max_length=16, verbose_name=_("series"))
    year = models.PositiveIntegerField(verbose_name=_("year"))
    last = models.PositiveIntegerField(default=0, verbose_name=_("last"))

    class Meta:
        verbose_name = _("number sequence")
        verbose_name_plural = _("number sequences")
        constraints = [models.UniqueConstraint(fields=["series", "year"], name="numbersequence_unique_series_year")]

    def __str__(self) -> str:
        return f"{self.series} {self.year}: {self.last}"


class Invoice(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False, verbose_name=_("ID"))
    kind = models.CharField(
        max_length=12, choices=InvoiceKind.choices, default=InvoiceKind.INVOICE, verbose_name=_("kind")
    )
    status = models.CharField(
        max_length=8, choices=InvoiceStatus.choices, default=InvoiceStatus.DRAFT, verbose_name=_("status")
    )
    client = models.ForeignKey(
        "timesheets.Client", on_delete=models.PROTECT, related_name="invoices", verbose_name=_("client")
    )
    period_start = models.DateField(verbose_name=_("period start"))
    period_end = models.DateField(verbose_name=_("period end"))
    currency = models.CharField(max_length=3, validators=[validate_currency], verbose_name=_("currency"))
    vat_rate = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        default=0,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text=_("Percent, the client's rate when the draft was built; stored so later changes never alter it."),
        verbose_name=_("VAT rate"),
    )
    number = models.CharField(max_length=40, blank=True, help_text=_("Assigned at issue"), verbose_name=_("number"))
    sequence_year = models.PositiveIntegerField(null=True, blank=True, verbose_name=_("sequence year"))
    sequence_number = models.PositiveIntegerField(null=True, blank=True, verbose_name=_("sequence number"))
    issue_date = models.DateField(null=True, blank=True, verbose_name=_("issue date"))
    due_date = models.DateField(null=True, blank=True, verbose_name=_("due date"))
    payment_terms_days = models.PositiveSmallIntegerField(default=30, verbose_name=_("payment terms (days)"))
    subtotal = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0.00"), verbose_name=_("subtotal"))
    vat_amount = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0.00"), verbose_name=_("VAT"))
    total = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0.00"), verbose_name=_("total"))
    amount_paid = models.DecimalField(
        max_digits=14, decimal_places=2, default=Decimal("0.00"), verbose_name=_("amount paid")
    )
    payment_status = models.CharField(
        max_length=16, choices=PaymentStatus.choices, default=PaymentStatus.OPEN, verbose_name=_("payment status")
    )
    credits = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="credit_notes",
        help_text=_("For a credit note: the invoice it reverses"),
        verbose_name=_("credits"),
    )
    notes = models.TextField(blank=True, help_text=_("Printed under the lines"), verbose_name=_("notes"))
    seller = models.JSONField(
        default=dict, blank=True, help_text=_("Company details copied at issue"), verbose_name=_("seller")
    )
    buyer = models.JSONField(
        default=dict, blank=True, help_text=_("Client details copied at issue"), verbose_name=_("buyer")
    )
    pdf = models.FileField(upload_to="invoices/%Y/", blank=True, verbose_name=_("PDF"))
    reminder_sent_at = models.DateTimeField(null=True, blank=True, verbose_name=_("reminder sent at"))
    issued_at = models.DateTimeField(null=True, blank=True, verbose_name=_("issued at"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("created by"),
    )
    # The issued documents, frozen (billing/issued.py): ``pdf`` above and the CII XML, each
    # written once in the issue transaction with its SHA-256 and served as stored.
    pdf_sha256 = models.CharField(max_length=64, blank=True, help_text="SHA-256 of the stored PDF")
    cii = models.FileField(upload_to="invoices/%Y/", blank=True, help_text="The EN 16931 CII XML as issued")
    cii_sha256 = models.CharField(max_length=64, blank=True, help_text="SHA-256 of the stored CII XML")

    class Meta:
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")
        ordering = ["-created_at"]
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")
        constraints = [
            models.UniqueConstraint(fields=["number"], condition=~Q(number=""), name="invoice_unique_number"),
            models.UniqueConstraint(
                fields=["kind", "sequence_year", "sequence_number"],
                condition=Q(sequence_number__isnull=False),
                name="invoice_unique_sequence",
            ),
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")), name="invoice_period_ordered"
            ),
            models.CheckConstraint(condition=Q(status="draft") | ~Q(number=""), name="invoice_issued_has_number"),
        ]
        indexes = [models.Index(fields=["client", "status"], name="invoice_client_status")]

    def __str__(self) -> str:
        if self.number:
            return self.number
        return gettext("Draft: %(client)s, %(period)s") % {"client": self.client.name, "period": self.period_label}

    @property
    def period_label(self) -> str:
        """``March 2026`` for a calendar month, else ``03/01/2026–03/15/2026`` (in the active
        language's formats)."""
        start, end = self.period_start, self.period_end
        if start.day == 1 and (end + timedelta(days=1)).day == 1 and (start.year, start.month) == (end.year, end.month):
            return dateformat.format(start, "F Y")  # the month's name in the active language
        from etime.core.formatting import date_local

        return f"{date_local(start)}–{date_local(end)}"

    @property
    def open_amount(self) -> Decimal:
        if self.payment_status == PaymentStatus.CREDITED or self.status == InvoiceStatus.VOID:
            return Decimal("0.00")
        return self.total - self.amount_paid


class VatCategory(models.TextChoices):
    """EN 16931 VAT category codes (UNTDID 5305, BT-118/BT-151)."""

    STANDARD = "S", _("Standard rate")
    ZERO = "Z", _("Zero rated goods")
    EXEMPT = "E", _("Exempt from VAT")
    REVERSE_CHARGE = "AE", _("Reverse charge")
    INTRA_COMMUNITY = "K", _("Intra-community supply")
    EXPORT = "G", _("Export outside the EU")
    OUTSIDE_SCOPE = "O", _("Outside the scope of VAT")


class DocumentFormat(models.TextChoices):
    """What an invoice of a client is sent as (``billing.documents`` has one renderer each)."""

    AUTO = "", _("By currency (CHF: QR-bill, EUR: Factur-X, others: PDF)")
    PDF = "pdf", _("PDF")
    QR_BILL = "qr_bill", _("PDF with Swiss QR-bill")
    FACTUR_X = "factur_x", _("Factur-X / ZUGFeRD PDF/A-3 (EN 16931)")
    XRECHNUNG = "xrechnung", _("XRechnung 3.0 (CII XML)")


class ClientBilling(models.Model):
    """A client's e-invoicing details: what EN 16931 needs of the buyer beyond name and
    printed address. Copied into ``Invoice.buyer`` at issue."""

    client = models.OneToOneField(
        "timesheets.Client",
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="billing_profile",
        verbose_name=_("client"),
    )
    vat_id = models.CharField(
        _("VAT number"), max_length=40, blank=True, help_text=_("Buyer VAT identifier (BT-48), e.g. DE123456789")
    )
    buyer_reference = models.CharField(
        _("buyer reference"),
        max_length=100,
        blank=True,
        help_text=_("BT-10: the reference the buyer asks for (for German public buyers: the Leitweg-ID)"),
    )
    street = models.CharField(_("street"), max_length=140, blank=True)
    postcode = models.CharField(_("postcode"), max_length=20, blank=True)
    city = models.CharField(_("city"), max_length=70, blank=True)
    country = models.CharField(
        _("country"), max_length=2, blank=True, help_text=_("ISO 3166-1 alpha-2; empty: the client's country")
    )
    email = models.EmailField(
        _("invoice e-mail"), blank=True, help_text=_("Where invoices go; the buyer's electronic address (BT-49)")
    )
    document_format = models.CharField(
        _("invoice format"), max_length=12, choices=DocumentFormat.choices, default=DocumentFormat.AUTO, blank=True
    )
    vat_category = models.CharField(
        _("VAT category at 0 %"),
        max_length=2,
        choices=VatCategory.choices,
        default=VatCategory.EXEMPT,
        help_text=_("The category of this client's lines without VAT (lines with a rate are standard rated)"),
    )
    vat_exemption_reason = models.CharField(
        _("VAT exemption reason"),
        max_length=300,
        blank=True,
        help_text=_("BT-120, printed with the VAT group at 0 %; empty: the category's standard wording"),
    )
    vat_exemption_code = models.CharField(
        _("VAT exemption reason code"), max_length=30, blank=True, help_text=_("BT-121 (VATEX), e.g. VATEX-EU-132")
    )

    class Meta:
        verbose_name = _("client e-invoicing details")
        verbose_name_plural = _("client e-invoicing details")

    def __str__(self) -> str:
        return str(self.client)


class SellerContact(models.Model):
    """The company's e-invoicing contact (BG-6) and structured address: one row (pk 1),
    beside the company settings, read by ``billing.company.company_details``."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1, editable=False)
    contact_name = models.CharField(_("contact name"), max_length=100, blank=True, help_text=_("BT-41"))
    contact_phone = models.CharField(_("contact telephone"), max_length=40, blank=True, help_text=_("BT-42"))
    contact_email = models.EmailField(
        _("contact e-mail"), blank=True, help_text=_("BT-43; also the seller's electronic address (BT-34)")
    )
    street = models.CharField(
        _("street"), max_length=140, blank=True, help_text=_("Empty: the first line of the company address")
    )
    postcode = models.CharField(_("postcode"), max_length=20, blank=True)
    city = models.CharField(_("city"), max_length=70, blank=True)

    class Meta:
        verbose_name = _("seller e-invoicing contact")
        verbose_name_plural = _("seller e-invoicing contact")

    def __str__(self) -> str:
        return self.contact_name or "seller contact"


class LineKind(models.TextChoices):
    TIME = "time", _("Time")
    EXPENSE = "expense", _("Expense")
    EXTRA = "extra", _("Extra")
    DISCOUNT = "discount", _("Discount")


class InvoiceLine(models.Model):
    """One printed line: ``quantity × unit_price = amount`` exactly, as printed.

    Time lines group entries by (project, task, rate, rate effective date); their hours
    are rounded to the printed two decimals before pricing.
    """

    id = models.BigAutoField(primary_key=True)
    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines", verbose_name=_("invoice"))
    position = models.PositiveIntegerField(default=0, verbose_name=_("position"))
    kind = models.CharField(max_length=8, choices=LineKind.choices, verbose_name=_("kind"))
    description = models.CharField(max_length=500, verbose_name=_("description"))
    project = models.ForeignKey(
        "timesheets.Project",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("project"),
    )
    task = models.ForeignKey(
        "timesheets.Task", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("task")
    )
    expense = models.ForeignKey(
        "Expense", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("expense")
    )
    rate_effective_date = models.DateField(null=True, blank=True, verbose_name=_("rate effective date"))
    seconds = models.BigIntegerField(
        default=0, help_text=_("Time lines: the billed seconds of the grouped entries"), verbose_name=_("seconds")
    )
    entry_count = models.PositiveIntegerField(default=0, verbose_name=_("entry count"))
    quantity = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("1.00"), verbose_name=_("quantity"))
    unit = models.CharField(max_length=8, default="h", verbose_name=_("unit"))
    unit_price = models.DecimalField(max_digits=14, decimal_places=2, verbose_name=_("unit price"))
    amount = models.DecimalField(max_digits=14, decimal_places=2, verbose_name=_("amount"))
    vat_rate = models.DecimalField(max_digits=5, decimal_places=2, default=0, verbose_name=_("VAT rate"))
    vat_category = models.CharField(
        max_length=2,
        choices=VatCategory.choices,
        blank=True,
        default="",
        db_default="",
        help_text=_("Empty: S with a rate, else the client's category at 0 %"),
        verbose_name=_("VAT category"),
    )

    class Meta:
        verbose_name = _("invoice line")
        verbose_name_plural = _("invoice lines")
        ordering = ["invoice", "position", "id"]
        verbose_name = _("invoice line")
        verbose_name_plural = _("invoice lines")

    def __str__(self) -> str:
        return self.description

    def clean(self) -> None:
        """A rate means standard rated; every other category is at 0 % (EN 16931)."""
        category, rate = self.vat_category or "", Decimal(self.vat_rate or 0)
        if rate > 0 and category not in ("", VatCategory.STANDARD):
            raise ValidationError(
                {
                    "vat_category": _("A line with a VAT rate is standard rated (S); %(category)s is for 0 %%.")
                    % {"category": category}
                }
            )
        if rate == 0 and category == VatCategory.STANDARD:
            raise ValidationError({"vat_category": _("Standard rated (S) needs a VAT rate above 0 %.")})


class Vendor(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False, verbose_name=_("ID"))
    name = models.CharField(max_length=200, unique=True, verbose_name=_("name"))
    active = models.BooleanField(default=True, verbose_name=_("active"))

    class Meta:
        verbose_name = _("vendor")
        verbose_name_plural = _("vendors")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ExpenseKind(models.TextChoices):
    AMOUNT = "amount", _("Amount as paid (receipt)")
    MILEAGE = "mileage", _("Mileage (distance × the rate of the vehicle type)")
    PER_DIEM = "per_diem", _("Per-diem allowance (days × the country's daily rate)")


class VehicleType(models.TextChoices):
    CAR = "car", _("Car")
    MOTORCYCLE = "motorcycle", _("Motorcycle")
    VAN = "van", _("Van")
    BICYCLE = "bicycle", _("Bicycle")


class ExpenseCategory(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False, verbose_name=_("ID"))
    name = models.CharField(max_length=100, unique=True, verbose_name=_("name"))
    kind = models.CharField(
        max_length=10,
        choices=ExpenseKind.choices,
        default=ExpenseKind.AMOUNT,
        help_text=_("Mileage and per-diem expenses are computed from the company's rates, never typed."),
        verbose_name=_("kind"),
    )
    active = models.BooleanField(default=True, verbose_name=_("active"))

    class Meta:
        verbose_name = _("expense category")
        ordering = ["name"]
        verbose_name_plural = _("expense categories")

    def __str__(self) -> str:
        return self.name


class MileageRate(models.Model):
    """The company's rate per kilometre for a vehicle type, from a date on (the rate valid
    on an expense's date applies)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False, verbose_name=_("ID"))
    vehicle = models.CharField(max_length=12, choices=VehicleType.choices, verbose_name=_("vehicle type"))
    rate_per_km = models.DecimalField(
        max_digits=8, decimal_places=4, validators=[MinValueValidator(Decimal("0.0001"))], verbose_name=_("rate per km")
    )
    currency = models.CharField(max_length=3, validators=[validate_currency], verbose_name=_("currency"))
    valid_from = models.DateField(verbose_name=_("valid from"))

    class Meta:
        verbose_name = _("mileage rate")
        verbose_name_plural = _("mileage rates")
        ordering = ["vehicle", "-valid_from"]
        constraints = [models.UniqueConstraint(fields=["vehicle", "valid_from"], name="mileage_rate_once_per_date")]

    def __str__(self) -> str:
        return gettext("%(vehicle)s: %(rate)s %(currency)s per km") % {
            "vehicle": self.get_vehicle_display(),
            "rate": self.rate_per_km,
            "currency": self.currency,
        }


class PerDiemRate(models.Model):
    """The daily allowance for work in a country: a full day, and a partial day (travel
    days), from a date on."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False, verbose_name=_("ID"))
    country = models.CharField(max_length=2, help_text=_("ISO 3166 code, e.g. CH, DE"), verbose_name=_("country"))
    full_day = models.DecimalField(
        max_digits=10, decimal_places=2, validators=[MinValueValidator(Decimal("0"))], verbose_name=_("full day")
    )
    partial_day = models.DecimalField(
        max_digits=10, decimal_places=2, validators=[MinValueValidator(Decimal("0"))], verbose_name=_("partial day")
    )
    currency = models.CharField(max_length=3, validators=[validate_currency], verbose_name=_("currency"))
    valid_from = models.DateField(verbose_name=_("valid from"))

    class Meta:
        verbose_name = _("per-diem rate")
        verbose_name_plural = _("per-diem rates")
        ordering = ["country", "-valid_from"]
        constraints = [models.UniqueConstraint(fields=["country", "valid_from"], name="per_diem_rate_once_per_date")]

    def __str__(self) -> str:
        return gettext("%(country)s: %(full)s %(currency)s a full day, %(partial)s a partial day") % {
            "country": self.country,
            "full": self.full_day,
            "partial": self.partial_day,
            "currency": self.currency,
        }


class Receipt(models.Model):
    """A receipt file stored once under ``receipts/ab/cd/<sha256>``: the same bytes
    uploaded twice are one row and one file."""

    sha256 = models.CharField(max_length=64, primary_key=True, verbose_name=_("sha256"))
    size = models.PositiveIntegerField(verbose_name=_("size"))
    content_type = models.CharField(max_length=100, blank=True, verbose_name=_("content type"))
    original_name = models.CharField(max_length=255, blank=True, verbose_name=_("original name"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("receipt")
        verbose_name_plural = _("receipts")

    def __str__(self) -> str:
        return self.original_name or self.sha256

    @property
    def path(self) -> str:
        return f"receipts/{self.sha256[:2]}/{self.sha256[2:4]}/{self.sha256}"


class ExpenseStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    INVOICED = "invoiced", _("Invoiced")


class Expense(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False, verbose_name=_("ID"))
    date = models.DateField(verbose_name=_("date"))
    vendor = models.ForeignKey(
        Vendor, null=True, blank=True, on_delete=models.PROTECT, related_name="expenses", verbose_name=_("vendor")
    )
    category = models.ForeignKey(
        ExpenseCategory,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="expenses",
        verbose_name=_("category"),
    )
    description = models.CharField(max_length=300, blank=True, verbose_name=_("description"))
    amount = models.DecimalField(
        max_digits=14,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01"))],
        blank=True,
        help_text=_("Computed for mileage and per-diem categories."),
        verbose_name=_("amount"),
    )
    currency = models.CharField(
        max_length=3,
        validators=[validate_currency],
        blank=True,
        help_text=_("Taken from the rate for mileage and per-diem categories."),
        verbose_name=_("currency"),
    )
    billable = models.BooleanField(default=False, verbose_name=_("billable"))
    project = models.ForeignKey(
        "timesheets.Project",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="expenses",
        verbose_name=_("project"),
    )
    employee = models.ForeignKey(
        "accounts.Employee",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="expenses",
        verbose_name=_("employee"),
    )
    notes = models.TextField(blank=True, verbose_name=_("notes"))
    # Mileage (category kind "mileage"): the amount is distance × the vehicle type's rate.
    vehicle = models.CharField(max_length=12, choices=VehicleType.choices, blank=True, verbose_name=_("vehicle type"))
    distance_km = models.DecimalField(
        max_digits=9,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.01"))],
        verbose_name=_("distance (km)"),
    )
    route_from = models.CharField(max_length=200, blank=True, verbose_name=_("from"))
    route_to = models.CharField(max_length=200, blank=True, verbose_name=_("to"))
    # Per diem (category kind "per_diem"): full days × full rate + partial days × partial rate.
    per_diem_country = models.CharField(max_length=2, blank=True, verbose_name=_("per-diem country"))
    full_days = models.PositiveSmallIntegerField(null=True, blank=True, verbose_name=_("full days"))
    partial_days = models.PositiveSmallIntegerField(null=True, blank=True, verbose_name=_("partial days"))
    status = models.CharField(
        max_length=10, choices=ExpenseStatus.choices, default=ExpenseStatus.APPROVED, verbose_name=_("status")
    )
    receipt = models.ForeignKey(
        Receipt, null=True, blank=True, on_delete=models.PROTECT, related_name="expenses", verbose_name=_("receipt")
    )
    invoice = models.ForeignKey(
        Invoice, null=True, blank=True, on_delete=models.SET_NULL, related_name="expenses", verbose_name=_("invoice")
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("created by"),
    )

    class Meta:
        verbose_name = _("expense")
        verbose_name_plural = _("expenses")
        ordering = ["-date", "-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="expense_amount_positive"),
            models.CheckConstraint(
                condition=~Q(billable=True) | Q(project__isnull=False), name="expense_billable_has_project"
            ),
        ]
        indexes = [models.Index(fields=["project", "date"], name="expense_project_date")]

    def __str__(self) -> str:
        return f"{self.date} {self.amount} {self.currency}"


class PaymentMethod(models.TextChoices):
    BANK_TRANSFER = "bank_transfer", _("Bank transfer")
    CARD = "card", _("Card")
    CASH = "cash", _("Cash")
    OTHER = "other", _("Other")


class Payment(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False, verbose_name=_("ID"))
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="payments", verbose_name=_("invoice"))
    date = models.DateField(verbose_name=_("date"))
    amount = models.DecimalField(max_digits=14, decimal_places=2, verbose_name=_("amount"))
    method = models.CharField(
        max_length=16, choices=PaymentMethod.choices, default=PaymentMethod.BANK_TRANSFER, verbose_name=_("method")
    )
    reference = models.CharField(max_length=140, blank=True, verbose_name=_("reference"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("created by"),
    )

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["-date", "-created_at"]
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive")]

    def __str__(self) -> str:
        return f"{self.date} {self.amount}"
