from __future__ import annotations

from django.urls import path

from billing.api import (
    BillingReportView,
    ExpenseCategoryViewSet,
    ExpenseViewSet,
    InvoiceLineViewSet,
    InvoiceViewSet,
    MileageRateViewSet,
    PaymentViewSet,
    PerDiemRateViewSet,
    VendorViewSet,
)

routes = [
    ("invoices", InvoiceViewSet, "invoice"),
    ("invoice-lines", InvoiceLineViewSet, "invoice-line"),
    ("payments", PaymentViewSet, "payment"),
    ("expenses", ExpenseViewSet, "expense"),
    ("expense-vendors", VendorViewSet, "expense-vendor"),
    ("expense-categories", ExpenseCategoryViewSet, "expense-category"),
    ("mileage-rates", MileageRateViewSet, "mileage-rate"),
    ("per-diem-rates", PerDiemRateViewSet, "per-diem-rate"),
]

urlpatterns = [
    path("reports/billing/", BillingReportView.as_view(), name="api-report-billing"),
]
