"""Back office for billing. Every write goes through the services (rules, audit);
finance exports through the same import-export resources as the API."""

from __future__ import annotations

import copy
import io
import zipfile
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from import_export.admin import ExportMixin

from billing import resources, selectors, services
from billing.models import (
    ClientBilling,
    Expense,
    ExpenseCategory,
    Invoice,
    InvoiceKind,
    InvoiceLine,
    InvoiceStatus,
    MileageRate,
    NumberSequence,
    Payment,
    PaymentStatus,
    PerDiemRate,
    SellerContact,
    Vendor,
)
from etime.core.adminkit import ImportExportPermissions, dry_run, require_permissions
from etime.core.errors import DomainError


def last_month(today: date) -> tuple[date, date]:
    end = today.replace(day=1) - timedelta(days=1)
    return end.replace(day=1), end


class _BillingAdmin(admin.ModelAdmin):
    """Billing pages for admins and the finance group."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return selectors.may_use_billing(request.user) and super().has_module_permission(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return selectors.may_use_billing(request.user) and super().has_view_permission(request, obj)

    # The add, change and delete pages (and the actions that need them) answer only for
    # billing users too: a permission granted to someone outside finance opens nothing.
    def has_add_permission(self, request: HttpRequest) -> bool:
        return selectors.may_use_billing(request.user) and super().has_add_permission(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return selectors.may_use_billing(request.user) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return selectors.may_use_billing(request.user) and super().has_delete_permission(request, obj)


class InvoiceLineInline(admin.TabularInline):
    model = InvoiceLine
    extra = 0
    fields = ("position", "kind", "description", "quantity", "unit", "unit_price", "amount", "vat_rate", "vat_category")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class PaymentInline(admin.TabularInline):
    model = Payment
    extra = 0
    fields = ("date", "amount", "method", "reference")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class InvoiceForm(forms.ModelForm):
    class Meta:
        model = Invoice
        fields = ["client", "period_start", "period_end", "notes", "payment_terms_days"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.instance._state.adding and all(cleaned.get(k) for k in ("client", "period_start", "period_end")):
            # Build the draft once and roll it back, so "nothing to invoice" or a currency
            # mismatch shows on the form instead of after it.
            try:
                with dry_run():
                    services.invoice_create_draft(
                        client=cleaned["client"],
                        period_start=cleaned["period_start"],
                        period_end=cleaned["period_end"],
                        actor=None,
                    )
            except DomainError as exc:
                raise forms.ValidationError(exc.message) from None
        return cleaned


@admin.register(Invoice)
class InvoiceAdmin(ImportExportPermissions, ExportMixin, _BillingAdmin):
    resource_classes = [resources.InvoiceResource]
    change_list_template = "admin/billing/invoice/change_list.html"
    form = InvoiceForm
    list_display = (
        "__str__",
        "kind",
        "status",
        "client",
        "period_start",
        "period_end",
        "issue_date",
        "due_date",
        "total",
        "currency",
        "payment_status",
    )
    list_filter = ("status", "kind", "payment_status", "currency", "client")
    search_fields = ("number", "client__name")
    date_hierarchy = "issue_date"
    inlines = [InvoiceLineInline, PaymentInline]
    list_select_related = ("client",)
    actions = ["create_drafts_last_month", "regenerate_selected", "issue_selected", "download_pdfs"]
    change_form_template = "admin/billing/invoice/change_form.html"

    # What the services compute or the issue fixes: shown, never typed.
    derived = (
        "number",
        "status",
        "kind",
        "currency",
        "vat_rate",
        "issue_date",
        "due_date",
        "subtotal",
        "vat_amount",
        "total",
        "amount_paid",
        "payment_status",
        "credits",
    )

    def get_readonly_fields(self, request: HttpRequest, obj: Invoice | None = None) -> Any:
        if obj is None:
            return ()
        if obj.status != InvoiceStatus.DRAFT:
            return ("client", "period_start", "period_end", "notes", "payment_terms_days", *self.derived)
        return ("client", "period_start", "period_end", *self.derived)

    def get_fields(self, request: HttpRequest, obj: Invoice | None = None) -> Any:
        if obj is None:
            return ["client", "period_start", "period_end"]
        return ["client", "period_start", "period_end", "notes", "payment_terms_days", *self.derived]

    def save_model(self, request: HttpRequest, obj: Invoice, form: Any, change: bool) -> None:
        if change:
            services.invoice_update(
                invoice=obj, actor=request.user, notes=obj.notes, payment_terms_days=obj.payment_terms_days
            )
            return
        made = services.invoice_create_draft(
            client=obj.client, period_start=obj.period_start, period_end=obj.period_end, actor=request.user
        )
        obj.pk, obj._state.adding = made.pk, False

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        return None

    def has_change_permission(self, request: HttpRequest, obj: Invoice | None = None) -> bool:
        if obj is not None and obj.status != InvoiceStatus.DRAFT:
            return False  # issued documents are view-only; corrections are credit notes
        return super().has_change_permission(request, obj)

    def delete_model(self, request: HttpRequest, obj: Invoice) -> None:
        try:
            services.invoice_delete_draft(invoice=obj, actor=request.user)
        except DomainError as exc:
            self.message_user(request, f"{obj}: {exc.message}", messages.ERROR)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Invoice]) -> None:
        for invoice in queryset:
            self.delete_model(request, invoice)

    def get_inlines(self, request: HttpRequest, obj: Invoice | None = None) -> Any:
        return self.inlines if obj is not None else []

    def get_urls(self) -> list[Any]:
        from django.urls import path

        extra = [
            path(
                "drafts-last-month/",
                self.admin_site.admin_view(self.drafts_last_month_view),
                name="billing_invoice_drafts_last_month",
            ),
            path("<uuid:pk>/pdf/", self.admin_site.admin_view(self.pdf_view), name="billing_invoice_pdf"),
            path("<uuid:pk>/cii/", self.admin_site.admin_view(self.cii_view), name="billing_invoice_cii"),
            path(
                "<uuid:pk>/do/<slug:operation>/",
                self.admin_site.admin_view(self.operation_view),
                name="billing_invoice_operation",
            ),
        ]
        return extra + super().get_urls()

    # --- The change page's buttons: each one service call, as the API's actions are ---

    def _invoice(self, request: HttpRequest, pk: Any) -> Invoice:
        from django.core.exceptions import PermissionDenied
        from django.http import Http404

        if not self.has_view_permission(request):
            raise PermissionDenied
        invoice = selectors.invoice_list_visible(user=request.user).filter(pk=pk).first()
        if invoice is None:
            raise Http404("No such invoice.")
        return invoice

    def pdf_view(self, request: HttpRequest, pk: Any) -> HttpResponse:
        from billing import pdf

        data, name = pdf.invoice_pdf_bytes(invoice=self._invoice(request, pk))
        response = HttpResponse(data, content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="{name}"'
        return response

    def cii_view(self, request: HttpRequest, pk: Any) -> HttpResponse:
        from billing import issued

        data, name = issued.document(self._invoice(request, pk), "cii")  # as stored at issue
        response = HttpResponse(data, content_type="application/xml")
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response

    OPERATIONS: dict[str, tuple[str, Any]] = {  # operation -> (permission, what the message says)
        "regenerate": ("billing.change_invoice", _("%(invoice)s: regenerated.")),
        "issue": ("billing.change_invoice", _("%(invoice)s: issued.")),
        "credit-note": ("billing.add_invoice", _("%(invoice)s: credited by credit note %(note)s.")),
    }

    def operation_view(self, request: HttpRequest, pk: Any, operation: str) -> HttpResponse:
        """POST only: regenerate or issue a draft, or credit an issued invoice."""
        from django.core.exceptions import PermissionDenied
        from django.http import Http404
        from django.shortcuts import redirect

        if operation not in self.OPERATIONS:
            raise Http404("No such operation.")
        permission, done = self.OPERATIONS[operation]
        invoice = self._invoice(request, pk)
        if request.method != "POST":
            raise PermissionDenied
        require_permissions(request, permission)
        target = invoice
        try:
            if operation == "regenerate":
                target = services.invoice_regenerate(invoice=invoice, actor=request.user)
            elif operation == "issue":
                target = services.invoice_issue(invoice=invoice, actor=request.user)
            else:
                target = services.invoice_credit_note(invoice=invoice, actor=request.user)
        except DomainError as exc:
            self.message_user(request, f"{invoice}: {exc.message}", messages.ERROR)
        else:
            shown = invoice if operation != "issue" else target
            self.message_user(request, str(done) % {"invoice": shown, "note": target.number}, messages.SUCCESS)
        return redirect("admin:billing_invoice_change", target.pk)

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> Any:
        from billing.completeness import company_checklist  # issue #17: what the company's setup lacks

        return super().changelist_view(request, {**(extra_context or {}), "setup_checklist": company_checklist()})

    def render_change_form(
        self,
        request: HttpRequest,
        context: dict[str, Any],
        add: bool = False,
        change: bool = False,
        form_url: str = "",
        obj: Invoice | None = None,
    ) -> Any:
        if obj is not None and obj.status == InvoiceStatus.DRAFT:
            from billing.completeness import invoice_missing

            context["missing"] = invoice_missing(obj)
        if obj is not None:
            user = request.user
            context["buttons"] = {
                "regenerate": obj.status == InvoiceStatus.DRAFT and user.has_perm("billing.change_invoice"),
                "issue": obj.status == InvoiceStatus.DRAFT and user.has_perm("billing.change_invoice"),
                "credit_note": obj.kind == InvoiceKind.INVOICE
                and obj.status == InvoiceStatus.ISSUED
                and obj.payment_status != PaymentStatus.CREDITED
                and user.has_perm("billing.add_invoice"),
                "payment": obj.kind == InvoiceKind.INVOICE
                and obj.status == InvoiceStatus.ISSUED
                and obj.open_amount > 0
                and user.has_perm("billing.add_payment"),
            }
            context["payment_query"] = urlencode(
                {"invoice": obj.pk, "amount": obj.open_amount, "date": timezone.localdate().isoformat()}
            )
        return super().render_change_form(request, context, add=add, change=change, form_url=form_url, obj=obj)

    def drafts_last_month_view(self, request: HttpRequest) -> HttpResponse:
        """The changelist button: an action needs selected rows, and there may be none yet."""
        from django.shortcuts import redirect

        if request.method == "POST" and self.has_add_permission(request):
            self.create_drafts_last_month(request, Invoice.objects.none())
        return redirect("admin:billing_invoice_changelist")

    @admin.action(permissions=["add"], description=_("Create drafts for all clients for last month"))
    def create_drafts_last_month(self, request: HttpRequest, queryset: QuerySet[Invoice]) -> None:
        start, end = last_month(timezone.localdate())
        run = services.drafts_for_all_clients(period_start=start, period_end=end, actor=request.user)
        period = Invoice(period_start=start, period_end=end).period_label
        parts = [ngettext("%(count)d new draft", "%(count)d new drafts", len(run.made)) % {"count": len(run.made)}]
        if run.regenerated:
            parts.append(gettext("regenerated %(drafts)s") % {"drafts": ", ".join(str(d) for d in run.regenerated)})
        if run.empty:
            parts.append(
                ngettext(
                    "nothing to bill for %(count)d client", "nothing to bill for %(count)d clients", len(run.empty)
                )
                % {"count": len(run.empty)}
            )
        self.message_user(
            request, gettext("%(period)s: %(parts)s.") % {"period": period, "parts": "; ".join(parts)}, messages.SUCCESS
        )
        for client, reason in run.skipped:
            self.message_user(request, f"{client.name}: {reason}", messages.WARNING)

    def _each_invoice(self, request: HttpRequest, queryset: QuerySet[Invoice], service: Any, done: Any) -> None:
        """Runs one billing service per selected invoice, oldest first; a refusal is reported
        against its invoice and does not stop the others."""
        count = 0
        for invoice in queryset.order_by("created_at"):
            try:
                service(invoice=invoice, actor=request.user)
                count += 1
            except DomainError as exc:
                self.message_user(request, f"{invoice}: {exc.message}", messages.ERROR)
        self.message_user(request, done(count) % {"count": count}, messages.SUCCESS)

    @admin.action(permissions=["change"], description=_("Regenerate the selected drafts"))
    def regenerate_selected(self, request: HttpRequest, queryset: QuerySet[Invoice]) -> None:
        self._each_invoice(
            request,
            queryset,
            services.invoice_regenerate,
            lambda n: ngettext("%(count)d draft regenerated.", "%(count)d drafts regenerated.", n),
        )

    @admin.action(permissions=["change"], description=_("Issue the selected drafts"))
    def issue_selected(self, request: HttpRequest, queryset: QuerySet[Invoice]) -> None:
        self._each_invoice(
            request,
            queryset,
            services.invoice_issue,
            lambda n: ngettext("%(count)d invoice issued.", "%(count)d invoices issued.", n),
        )

    @admin.action(permissions=["view"], description=_("Download PDFs (zip)"))
    def download_pdfs(self, request: HttpRequest, queryset: QuerySet[Invoice]) -> HttpResponse:
        from billing import pdf

        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for invoice in queryset.order_by("number"):
                data, name = pdf.invoice_pdf_bytes(invoice=invoice)
                archive.writestr(name, data)
        response = HttpResponse(buffer.getvalue(), content_type="application/zip")
        response["Content-Disposition"] = 'attachment; filename="invoices.zip"'
        return response


@admin.register(InvoiceLine)
class InvoiceLineAdmin(ImportExportPermissions, ExportMixin, _BillingAdmin):
    resource_classes = [resources.InvoiceLineResource]
    list_display = ("invoice", "position", "kind", "description", "quantity", "unit_price", "amount", "vat_rate")
    list_select_related = ("invoice__client",)
    list_filter = ("kind",)
    search_fields = ("invoice__number", "description")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Payment)
class PaymentAdmin(ImportExportPermissions, ExportMixin, _BillingAdmin):
    resource_classes = [resources.PaymentResource]
    list_display = ("invoice", "date", "amount", "method", "reference")
    list_select_related = ("invoice__client",)
    list_filter = ("method",)
    search_fields = ("invoice__number", "reference")
    autocomplete_fields = ("invoice",)
    fields = ("invoice", "date", "amount", "method", "reference")

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Payment, form: Any, change: bool) -> None:
        try:
            made = services.payment_record(
                invoice=obj.invoice,
                actor=request.user,
                amount=obj.amount,
                day=obj.date,
                method=obj.method,
                reference=obj.reference,
            )
            obj.pk = made.pk
        except DomainError as exc:
            self.message_user(request, exc.message, messages.ERROR)

    def delete_model(self, request: HttpRequest, obj: Payment) -> None:
        services.payment_delete(payment=obj, actor=request.user)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Payment]) -> None:
        for payment in queryset:
            services.payment_delete(payment=payment, actor=request.user)


class ExpenseForm(forms.ModelForm):
    """Saves through ``services.expense_save`` once on a rolled-back trial, so what the
    service refuses (no mileage or per-diem rate on the date, a missing route) shows on the
    form with what was typed, instead of "added successfully" for an expense never stored."""

    class Meta:
        model = Expense
        fields = [
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
        ]

    def _post_clean(self) -> None:
        super()._post_clean()  # type: ignore[misc]  # ModelForm.full_clean's model-validation step, not in the stubs
        if self.errors:
            return
        trial = copy.copy(self.instance)
        try:
            with dry_run():
                services.expense_save(expense=trial, actor=None)
        except DomainError as exc:
            details = exc.details if isinstance(exc.details, dict) else {}
            placed = False
            for name, problems in details.items():
                if name in self.fields and isinstance(problems, list):
                    for problem in problems:
                        self.add_error(name, str(problem))
                    placed = True
            if not placed:
                self.add_error(None, exc.message)


@admin.register(Expense)
class ExpenseAdmin(ImportExportPermissions, ExportMixin, _BillingAdmin):
    form = ExpenseForm
    resource_classes = [resources.ExpenseResource]
    list_display = ("date", "vendor", "category", "description", "amount", "currency", "billable", "project", "status")
    list_filter = ("status", "billable", "currency", "category", "vendor")
    search_fields = ("description", "notes", "vendor__name")
    date_hierarchy = "date"
    readonly_fields = ("receipt", "invoice")
    exclude = ("created_by",)

    def save_model(self, request: HttpRequest, obj: Expense, form: Any, change: bool) -> None:
        try:
            services.expense_save(expense=obj, actor=request.user)
        except DomainError as exc:
            self.message_user(request, exc.message, messages.ERROR)

    def delete_model(self, request: HttpRequest, obj: Expense) -> None:
        try:
            services.expense_delete(expense=obj, actor=request.user)
        except DomainError as exc:
            self.message_user(request, f"{obj}: {exc.message}", messages.ERROR)


@admin.register(Vendor)
class VendorAdmin(_BillingAdmin):
    list_display = ("name", "active")
    search_fields = ("name",)

    def save_model(self, request: HttpRequest, obj: Vendor, form: Any, change: bool) -> None:
        services.catalog_save(obj=obj, actor=request.user)


@admin.register(ExpenseCategory)
class ExpenseCategoryAdmin(_BillingAdmin):
    list_display = ("name", "kind", "active")
    list_filter = ("kind", "active")
    search_fields = ("name",)

    def save_model(self, request: HttpRequest, obj: ExpenseCategory, form: Any, change: bool) -> None:
        services.catalog_save(obj=obj, actor=request.user)


@admin.register(MileageRate)
class MileageRateAdmin(_BillingAdmin):
    list_display = ("vehicle", "rate_per_km", "currency", "valid_from")
    list_filter = ("vehicle", "currency")
    date_hierarchy = "valid_from"

    def save_model(self, request: HttpRequest, obj: MileageRate, form: Any, change: bool) -> None:
        services.catalog_save(obj=obj, actor=request.user)


@admin.register(PerDiemRate)
class PerDiemRateAdmin(_BillingAdmin):
    list_display = ("country", "full_day", "partial_day", "currency", "valid_from")
    list_filter = ("country", "currency")
    search_fields = ("country",)
    date_hierarchy = "valid_from"

    def save_model(self, request: HttpRequest, obj: PerDiemRate, form: Any, change: bool) -> None:
        services.catalog_save(obj=obj, actor=request.user)


@admin.register(NumberSequence)
class NumberSequenceAdmin(_BillingAdmin):
    """Read-only: numbers are taken by issuing, never typed."""

    list_display = ("series", "year", "last")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ClientBilling)
class ClientBillingAdmin(_BillingAdmin):
    """A client's e-invoicing details (EN 16931 buyer fields, format, VAT category at 0 %)."""

    list_display = ("client", "document_format", "vat_category", "vat_id", "buyer_reference")
    list_filter = ("document_format", "vat_category")
    search_fields = ("client__name", "vat_id", "buyer_reference")
    autocomplete_fields = ("client",)
    fieldsets = (
        (None, {"fields": ("client", "document_format", "email")}),
        (_("Buyer"), {"fields": ("vat_id", "buyer_reference")}),
        (_("Address"), {"fields": ("street", "postcode", "city", "country")}),
        (_("VAT at 0 %"), {"fields": ("vat_category", "vat_exemption_reason", "vat_exemption_code")}),
    )

    def save_model(self, request: HttpRequest, obj: ClientBilling, form: Any, change: bool) -> None:
        services.einvoice_details_save(obj=obj, actor=request.user)


@admin.register(SellerContact)
class SellerContactAdmin(_BillingAdmin):
    """The company's e-invoicing contact (BG-6) and structured address: one row."""

    list_display = ("contact_name", "contact_phone", "contact_email", "postcode", "city")
    fields = ("contact_name", "contact_phone", "contact_email", "street", "postcode", "city")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return not SellerContact.objects.exists() and super().has_add_permission(request)

    def save_model(self, request: HttpRequest, obj: SellerContact, form: Any, change: bool) -> None:
        services.einvoice_details_save(obj=obj, actor=request.user)
