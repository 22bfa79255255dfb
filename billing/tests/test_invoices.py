"""Drafts, lines, VAT, issue and numbering, credit notes, payments (services)."""

from __future__ import annotations

import threading
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection

from billing import services
from billing.errors import (
    CurrencyMismatch,
    InvoiceAlreadyIssued,
    InvoiceEmpty,
    InvoiceHasPayments,
    InvoiceStale,
    PaymentExceedsOpen,
)
from billing.models import Invoice, InvoiceStatus, LineKind, NumberSequence, PaymentStatus
from billing.tests.conftest import MARCH
from timesheets.models import Client, EntryStatus, Project, TimeEntry

pytestmark = pytest.mark.django_db


def draft(client: Any, period: tuple[date, date] = MARCH, actor: Any = None) -> Invoice:
    return services.invoice_create_draft(client=client, period_start=period[0], period_end=period[1], actor=actor)


@pytest.mark.embedded
def test_mid_month_rate_change_yields_two_lines_for_the_same_task(
    people: Any, catalog: Any, rate: Any, billed: Any
) -> None:
    rate("task", catalog.design, "100.00")
    rate("task", catalog.design, "120.00", effective_from=date(2026, 3, 16))
    billed(date(2026, 3, 10), 120, task=catalog.design)
    billed(date(2026, 3, 11), 60, task=catalog.design)
    billed(date(2026, 3, 20), 90, task=catalog.design)

    invoice = draft(catalog.acme, actor=people.admin)

    lines = list(invoice.lines.filter(kind=LineKind.TIME))
    assert [
        (line.task_id, line.quantity, line.unit_price, line.rate_effective_date, line.amount) for line in lines
    ] == [
        (catalog.design.pk, Decimal("3.00"), Decimal("100.00"), date(2026, 1, 1), Decimal("300.00")),
        (catalog.design.pk, Decimal("1.50"), Decimal("120.00"), date(2026, 3, 16), Decimal("180.00")),
    ]
    assert "rate from 03/16/2026" in lines[1].description  # the invoice's language: the default, English
    assert invoice.subtotal == Decimal("480.00")
    assert invoice.vat_rate == Decimal("8.10")
    assert invoice.vat_amount == Decimal("38.88")
    assert invoice.total == Decimal("518.88")


def test_hours_are_rounded_to_the_printed_precision_before_pricing(
    people: Any, catalog: Any, rate: Any, billed: Any
) -> None:
    rate("project", catalog.website, "97.50")
    billed(date(2026, 3, 3), 25)
    billed(date(2026, 3, 4), 25)  # 50 min = 0.8333 h: printed 0.83

    line = draft(catalog.acme).lines.get()

    assert line.quantity == Decimal("0.83")
    assert line.amount == Decimal("80.93")  # 0.83 × 97.50 = 80.925 -> 80.93, not 81.25 from 50/60 h
    assert line.entry_count == 2 and line.seconds == 3000


def test_vat_is_taken_on_the_total_not_summed_per_line(people: Any, catalog: Any, rate: Any, billed: Any) -> None:
    catalog.acme.vat_rate = Decimal("7.70")
    catalog.acme.save()
    rate("project", catalog.website, "10.00")
    billed(date(2026, 3, 3), 60)
    invoice = draft(catalog.acme)
    for n in range(3):
        services.invoice_line_add(
            invoice=invoice,
            actor=people.admin,
            description=f"Stamp {n}",
            quantity=Decimal(1),
            unit_price=Decimal("0.10"),
        )
    invoice.refresh_from_db()

    per_line = sum(services.vat_breakdown([(line.amount, line.vat_rate)])[0].vat for line in invoice.lines.all())
    assert per_line == Decimal("0.80")  # 0.77 + 3 × 0.01
    assert invoice.subtotal == Decimal("10.30")
    assert invoice.vat_amount == Decimal("0.79")  # 10.30 × 7.7 % = 0.7931
    assert invoice.total == Decimal("11.09")


def test_vat_once_per_rate_when_lines_carry_several_rates() -> None:
    groups = services.vat_breakdown(
        [
            (Decimal("0.10"), Decimal("8.1")),
            (Decimal("0.10"), Decimal("8.1")),
            (Decimal("0.10"), Decimal("2.6")),
            (Decimal("5.00"), Decimal("0")),
        ]
    )
    assert [(g.rate, g.net, g.vat) for g in groups] == [
        (Decimal("0"), Decimal("5.00"), Decimal("0.00")),
        (Decimal("2.6"), Decimal("0.10"), Decimal("0.00")),
        (Decimal("8.1"), Decimal("0.20"), Decimal("0.02")),
    ]


def test_exempt_client_has_no_vat(people: Any, catalog: Any, rate: Any, billed: Any) -> None:
    consulting = Project.objects.create(client=catalog.globex, name="Consulting")
    rate("project", consulting, "150.00")
    billed(date(2026, 3, 5), 90, project=consulting)

    invoice = draft(catalog.globex)

    assert invoice.currency == "EUR" and invoice.vat_rate == 0
    assert (invoice.subtotal, invoice.vat_amount, invoice.total) == (
        Decimal("225.00"),
        Decimal("0.00"),
        Decimal("225.00"),
    )


def test_time_at_a_rate_in_another_currency_is_refused(people: Any, catalog: Any, rate: Any, billed: Any) -> None:
    rate("employee", people.amir, "80.00", currency="EUR")  # Acme bills CHF
    billed(date(2026, 3, 3), 60, employee=people.amir)

    with pytest.raises(CurrencyMismatch) as caught:
        draft(catalog.acme)

    assert caught.value.code == "invoice_currency_mismatch"
    assert caught.value.details == {"client_currency": "CHF", "currencies": ["EUR"]}
    assert not Invoice.objects.exists()


def test_nothing_billable_is_refused(catalog: Any) -> None:
    with pytest.raises(InvoiceEmpty):
        draft(catalog.acme)
    assert not Invoice.objects.exists()


def test_only_approved_billable_uninvoiced_entries_in_the_period_are_drafted(
    people: Any, catalog: Any, rate: Any, billed: Any, entry: Any
) -> None:
    from billing.tests.conftest import at

    rate("project", catalog.website, "100.00")
    billed(date(2026, 3, 3), 60)
    billed(date(2026, 4, 1), 60)  # outside the period
    entry(at(date(2026, 3, 4), "08:00"), at(date(2026, 3, 4), "09:00"))  # draft, not approved
    entry(at(date(2026, 3, 5), "08:00"), at(date(2026, 3, 5), "09:00"), billable=False)

    assert draft(catalog.acme).lines.get().quantity == Decimal("1.00")


@pytest.mark.embedded
def test_issue_numbers_the_invoice_and_marks_entries_invoiced(
    people: Any, catalog: Any, rate: Any, billed: Any
) -> None:
    rate("project", catalog.website, "100.00")
    first = billed(date(2026, 3, 3), 60)
    invoice = draft(catalog.acme)

    issued = services.invoice_issue(invoice=invoice, actor=people.admin, issue_date=date(2026, 4, 2), render_pdf=False)

    assert issued.status == InvoiceStatus.ISSUED
    assert issued.number == "INV-2026-0001"
    assert issued.due_date == date(2026, 5, 2)
    assert issued.buyer["name"] == "Acme AG" and issued.seller["name"]
    first.refresh_from_db()
    assert (first.status, first.invoice_id) == (EntryStatus.INVOICED, issued.pk)
    # Invoiced entries are not drafted again.
    with pytest.raises(InvoiceEmpty):
        draft(catalog.acme)


def test_number_format_is_configurable(settings: Any, people: Any, catalog: Any, rate: Any, billed: Any) -> None:
    settings.ETIME_INVOICE_NUMBER_FORMAT = "R{year}/{seq:05}"
    rate("project", catalog.website, "100.00")
    billed(date(2026, 3, 3), 60)
    issued = services.invoice_issue(
        invoice=draft(catalog.acme), actor=people.admin, issue_date=date(2026, 4, 2), render_pdf=False
    )
    assert issued.number == "R2026/00001"


@pytest.mark.embedded
def test_an_issued_invoice_refuses_every_edit(people: Any, catalog: Any, rate: Any, billed: Any) -> None:
    rate("project", catalog.website, "100.00")
    billed(date(2026, 3, 3), 60)
    invoice = services.invoice_issue(invoice=draft(catalog.acme), actor=people.admin, render_pdf=False)
    line = invoice.lines.get()

    attempts = [
        lambda: services.invoice_update(invoice=invoice, actor=people.admin, notes="changed"),
        lambda: services.invoice_regenerate(invoice=invoice, actor=people.admin),
        lambda: services.invoice_delete_draft(invoice=invoice, actor=people.admin),
        lambda: services.invoice_line_add(
            invoice=invoice, actor=people.admin, description="x", quantity=Decimal(1), unit_price=Decimal(1)
        ),
        lambda: services.invoice_line_update(line=line, actor=people.admin, description="y"),
        lambda: services.invoice_line_delete(line=line, actor=people.admin),
        lambda: services.invoice_issue(invoice=invoice, actor=people.admin, render_pdf=False),
    ]
    for attempt in attempts:
        with pytest.raises(InvoiceAlreadyIssued):
            attempt()
    invoice.refresh_from_db()
    assert invoice.notes == "" and invoice.lines.count() == 1


@pytest.mark.embedded
def test_a_draft_that_no_longer_matches_the_period_must_be_regenerated(
    people: Any, catalog: Any, rate: Any, billed: Any
) -> None:
    rate("project", catalog.website, "100.00")
    billed(date(2026, 3, 3), 60)
    invoice = draft(catalog.acme)
    services.invoice_line_add(
        invoice=invoice, actor=people.admin, description="Travel", quantity=Decimal(1), unit_price=Decimal("50")
    )
    late = billed(date(2026, 3, 4), 30)

    with pytest.raises(InvoiceStale):
        services.invoice_issue(invoice=invoice, actor=people.admin, render_pdf=False)
    late.refresh_from_db()
    assert late.status == EntryStatus.APPROVED

    services.invoice_regenerate(invoice=invoice, actor=people.admin)
    invoice.refresh_from_db()
    assert [line.kind for line in invoice.lines.all()] == ["time", "extra"]  # the extra line stays
    assert invoice.subtotal == Decimal("200.00")
    services.invoice_issue(invoice=invoice, actor=people.admin, render_pdf=False)
    assert TimeEntry.objects.filter(invoice_id=invoice.pk, status=EntryStatus.INVOICED).count() == 2


def test_deleting_a_draft_leaves_its_entries_billable(people: Any, catalog: Any, rate: Any, billed: Any) -> None:
    rate("project", catalog.website, "100.00")
    e = billed(date(2026, 3, 3), 60)
    services.invoice_delete_draft(invoice=draft(catalog.acme), actor=people.admin)

    e.refresh_from_db()
    assert (e.status, e.invoice_id) == (EntryStatus.APPROVED, None)
    assert draft(catalog.acme).lines.get().entry_count == 1


def test_discounts_lower_the_base_before_vat(people: Any, catalog: Any, rate: Any, billed: Any) -> None:
    rate("project", catalog.website, "100.00")
    billed(date(2026, 3, 3), 600)
    invoice = draft(catalog.acme)
    services.invoice_discount_add(invoice=invoice, actor=people.admin, percent=Decimal("10"))
    services.invoice_discount_add(invoice=invoice, actor=people.admin, amount=Decimal("50"), description="Goodwill")
    invoice.refresh_from_db()

    assert [line.amount for line in invoice.lines.all()] == [Decimal("1000.00"), Decimal("-100.00"), Decimal("-50.00")]
    assert invoice.subtotal == Decimal("850.00")
    assert invoice.vat_amount == Decimal("68.85")


def test_a_credit_note_reverses_an_invoice_in_its_own_series(people: Any, catalog: Any, rate: Any, billed: Any) -> None:
    rate("project", catalog.website, "100.00")
    e = billed(date(2026, 3, 3), 60)
    invoice = services.invoice_issue(
        invoice=draft(catalog.acme), actor=people.admin, render_pdf=False, issue_date=date(2026, 4, 1)
    )

    note = services.invoice_credit_note(
        invoice=invoice, actor=people.admin, issue_date=date(2026, 4, 3), render_pdf=False
    )

    assert note.number == "CN-2026-0001" and note.credits == invoice
    assert (note.subtotal, note.vat_amount, note.total) == (Decimal("-100.00"), Decimal("-8.10"), Decimal("-108.10"))
    invoice.refresh_from_db()
    assert invoice.payment_status == PaymentStatus.CREDITED and invoice.open_amount == 0
    e.refresh_from_db()
    assert e.status == EntryStatus.APPROVED  # billable again for the corrected invoice
    corrected = services.invoice_issue(
        invoice=draft(catalog.acme), actor=people.admin, render_pdf=False, issue_date=date(2026, 4, 3)
    )
    assert corrected.number == "INV-2026-0002"


def test_void_keeps_the_number_and_refuses_paid_invoices(people: Any, catalog: Any, rate: Any, billed: Any) -> None:
    rate("project", catalog.website, "100.00")
    billed(date(2026, 3, 3), 60)
    billed(date(2026, 3, 10), 60, task=catalog.design)
    first = services.invoice_issue(
        invoice=draft(catalog.acme, (date(2026, 3, 1), date(2026, 3, 7))), actor=people.admin, render_pdf=False
    )
    second = services.invoice_issue(
        invoice=draft(catalog.acme, (date(2026, 3, 8), date(2026, 3, 14))), actor=people.admin, render_pdf=False
    )
    services.payment_record(invoice=second, actor=people.admin, amount=Decimal("10"), day=date(2026, 4, 1))

    voided = services.invoice_void(invoice=first, actor=people.admin)
    assert voided.status == InvoiceStatus.VOID and voided.number.endswith("0001")
    assert TimeEntry.objects.filter(status=EntryStatus.APPROVED, invoice_id__isnull=True).count() == 1
    with pytest.raises(InvoiceHasPayments):
        services.invoice_void(invoice=second, actor=people.admin)


def test_partial_payments_then_paid_and_overpayment_refused(people: Any, catalog: Any, rate: Any, billed: Any) -> None:
    rate("project", catalog.website, "100.00")
    billed(date(2026, 3, 3), 60)
    invoice = services.invoice_issue(invoice=draft(catalog.acme), actor=people.admin, render_pdf=False)

    services.payment_record(invoice=invoice, actor=people.admin, amount=Decimal("50"), day=date(2026, 4, 1))
    invoice.refresh_from_db()
    assert invoice.payment_status == PaymentStatus.PARTIALLY_PAID and invoice.open_amount == Decimal("58.10")
    with pytest.raises(PaymentExceedsOpen):
        services.payment_record(invoice=invoice, actor=people.admin, amount=Decimal("58.11"), day=date(2026, 4, 2))
    services.payment_record(invoice=invoice, actor=people.admin, amount=Decimal("58.10"), day=date(2026, 4, 2))
    invoice.refresh_from_db()
    assert invoice.payment_status == PaymentStatus.PAID and invoice.open_amount == 0


def test_overdue_invoices_are_flagged_and_reminded_once(
    settings: Any,
    mailoutbox: Any,
    people: Any,
    catalog: Any,
    rate: Any,
    billed: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    from etime.ops.models import Notification, NotificationKind

    settings.ETIME_BILLING_REMINDER_EMAIL = "finance@example.com"
    rate("project", catalog.website, "100.00")
    billed(date(2026, 3, 3), 60)
    invoice = services.invoice_issue(
        invoice=draft(catalog.acme), actor=people.admin, render_pdf=False, issue_date=date(2026, 4, 1)
    )

    with django_capture_on_commit_callbacks(execute=True):
        assert services.overdue_reminders_send(today=date(2026, 5, 1)) == 0  # due 1 May: not yet overdue
        assert services.overdue_reminders_send(today=date(2026, 5, 2)) == 1
        assert services.overdue_reminders_send(today=date(2026, 5, 2)) == 0
    invoice.refresh_from_db()
    assert invoice.payment_status == PaymentStatus.OVERDUE
    assert len(mailoutbox) == 1 and invoice.number in mailoutbox[0].subject
    assert mailoutbox[0].to == ["finance@example.com"]
    record = Notification.objects.get()  # the mailbox has no login: recorded without a user
    assert (record.kind, record.user, record.recipient, record.status) == (
        NotificationKind.INVOICE_OVERDUE,
        None,
        "finance@example.com",
        Notification.Status.SENT,
    )


def test_overdue_reminders_reach_the_finance_group_except_who_switched_them_off(
    settings: Any,
    mailoutbox: Any,
    people: Any,
    catalog: Any,
    rate: Any,
    billed: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    from django.contrib.auth.models import Group

    from billing.selectors import FINANCE_GROUP
    from etime.ops.models import Notification, NotificationKind
    from etime.ops.notifications import preferences_set

    settings.ETIME_BILLING_REMINDER_EMAIL = "finance@example.com"
    finance = Group.objects.create(name=FINANCE_GROUP)
    for member in (people.mona.user, people.dave.user):
        member.groups.add(finance)
    preferences_set(user=people.dave.user, enabled=set(NotificationKind.values) - {NotificationKind.INVOICE_OVERDUE})
    rate("project", catalog.website, "100.00")
    billed(date(2026, 3, 3), 60)
    invoice = services.invoice_issue(
        invoice=draft(catalog.acme), actor=people.admin, render_pdf=False, issue_date=date(2026, 4, 1)
    )

    with django_capture_on_commit_callbacks(execute=True):
        assert services.overdue_reminders_send(today=date(2026, 5, 2)) == 1
    assert sorted(m.to[0] for m in mailoutbox) == ["finance@example.com", "mona@example.com"]
    assert all(invoice.number in m.subject for m in mailoutbox)
    skipped = Notification.objects.get(user=people.dave.user)
    assert (skipped.kind, skipped.status, skipped.reason) == (
        NotificationKind.INVOICE_OVERDUE,
        Notification.Status.SKIPPED,
        "switched off by the user",
    )


def test_a_contact_address_that_is_a_users_own_follows_that_users_preference(
    settings: Any,
    mailoutbox: Any,
    people: Any,
    catalog: Any,
    rate: Any,
    billed: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    from etime.ops.models import Notification
    from etime.ops.notifications import preferences_set

    settings.ETIME_BILLING_REMINDER_EMAIL = "Olivia@example.com"
    preferences_set(user=people.admin, enabled=set())
    rate("project", catalog.website, "100.00")
    billed(date(2026, 3, 3), 60)
    services.invoice_issue(
        invoice=draft(catalog.acme), actor=people.admin, render_pdf=False, issue_date=date(2026, 4, 1)
    )

    with django_capture_on_commit_callbacks(execute=True):
        assert services.overdue_reminders_send(today=date(2026, 5, 2)) == 0
    assert mailoutbox == []
    assert Notification.objects.get().status == Notification.Status.SKIPPED


@pytest.mark.django_db(transaction=True)
def test_thirty_concurrent_issues_take_thirty_consecutive_numbers(
    people: Any, catalog: Any, rate: Any, billed: Any
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("row locks under real concurrency need PostgreSQL")
    rate("project", catalog.website, "100.00")
    drafts = []
    for day in range(1, 31):
        billed(date(2026, 3, day), 30)
        drafts.append(draft(catalog.acme, (date(2026, 3, day), date(2026, 3, day))))
    barrier = threading.Barrier(len(drafts))
    errors: list[BaseException] = []

    def issue(invoice: Invoice) -> None:
        from django.db import connection as own

        try:
            barrier.wait(timeout=30)
            services.invoice_issue(invoice=invoice, actor=people.admin, issue_date=date(2026, 4, 1), render_pdf=False)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            own.close()

    threads = [threading.Thread(target=issue, args=(d,)) for d in drafts]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)

    assert errors == []
    numbers = sorted(Invoice.objects.values_list("number", flat=True))
    assert numbers == [f"INV-2026-{n:04}" for n in range(1, 31)]
    assert NumberSequence.objects.get(series="invoice", year=2026).last == 30
    assert Client.objects.count() == 2


def test_the_reminder_task_sends_through_celery(
    settings: Any,
    mailoutbox: Any,
    people: Any,
    catalog: Any,
    rate: Any,
    billed: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    import time_machine

    from billing import tasks

    settings.ETIME_COMPANY_EMAIL = "billing@example.com"
    rate("project", catalog.website, "100.00")
    billed(date(2026, 3, 3), 60)
    services.invoice_issue(
        invoice=draft(catalog.acme), actor=people.admin, render_pdf=False, issue_date=date(2026, 4, 1)
    )
    with time_machine.travel(date(2026, 6, 1)), django_capture_on_commit_callbacks(execute=True):
        assert tasks.send_overdue_reminders.apply().get() == 1
    assert mailoutbox[0].to == ["billing@example.com"] and "INV-2026-0001" in mailoutbox[0].subject


def test_time_lines_cannot_be_dropped_from_a_draft_but_extra_lines_can(
    people: Any, catalog: Any, rate: Any, billed: Any
) -> None:
    from etime.core.errors import ValidationFailed

    rate("project", catalog.website, "100.00")
    billed(date(2026, 3, 3), 60)
    invoice = draft(catalog.acme)
    extra = services.invoice_line_add(
        invoice=invoice, actor=people.admin, description="Setup fee", quantity=Decimal(1), unit_price=Decimal("40")
    )
    with pytest.raises(ValidationFailed):
        services.invoice_line_delete(line=invoice.lines.get(kind=LineKind.TIME), actor=people.admin)
    services.invoice_line_delete(line=extra, actor=people.admin)
    invoice.refresh_from_db()
    assert invoice.subtotal == Decimal("100.00") and invoice.lines.count() == 1


def test_the_overdue_reminder_reads_in_each_recipients_language_and_formats(
    settings: Any,
    mailoutbox: Any,
    people: Any,
    catalog: Any,
    rate: Any,
    billed: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    from django.contrib.auth.models import Group

    from billing.selectors import FINANCE_GROUP

    settings.ETIME_BILLING_REMINDER_EMAIL = ""
    settings.ETIME_COMPANY_EMAIL = ""
    finance = Group.objects.create(name=FINANCE_GROUP)
    for member, language in ((people.mona.user, "de"), (people.dave.user, "en")):
        member.groups.add(finance)
        member.language = language
        member.save(update_fields=["language"])
    rate("project", catalog.website, "1000.00")
    billed(date(2026, 3, 3), 60)  # 1'000.00 + 8.1 % VAT = 1'081.00 CHF
    services.invoice_issue(
        invoice=draft(catalog.acme), actor=people.admin, render_pdf=False, issue_date=date(2026, 4, 1)
    )

    with django_capture_on_commit_callbacks(execute=True):
        assert services.overdue_reminders_send(today=date(2026, 5, 2)) == 1

    mails = {m.to[0]: m for m in mailoutbox}
    german, english = mails["mona@example.com"], mails["dave@example.com"]
    assert "Überfällig: Rechnung INV-2026-0001" in german.subject
    assert "am 01.05.2026 fällig" in german.body and "Total 1'081.00 CHF" in german.body
    assert "due on 05/01/2026" in english.body and "Total 1,081.00 CHF" in english.body
