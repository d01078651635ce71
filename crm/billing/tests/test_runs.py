"""Billing runs: idempotency, proration (start, stop, plan change, suspension policy), taxes,
rounding, preview, gapless numbering under concurrency, credit notes."""

from __future__ import annotations

import threading
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select

from core.checks import validate_schema
from core.db import session_scope
from core.models import Setting
from crm.billing.models import BillingItem, SubscriptionPlanChange
from crm.billing.payments import credit_note, void
from crm.billing.runs import issue_invoices, period_for, run_billing
from crm.billing.tests.helpers import customer, plan, subscription, tax_rate
from crm.models import BillingMode, Invoice, InvoiceKind, InvoiceLine, InvoiceStatus, SubscriptionStatus

RUN_ON = date(2026, 3, 5)  # postpaid plans: February 5 - March 4 (28 days); prepaid: March 5 - April 4 (31)


def lines_of(session, invoice_id):  # type: ignore[no-untyped-def]
    return session.scalars(select(InvoiceLine).where(InvoiceLine.invoice_id == invoice_id)
                           .order_by(InvoiceLine.id)).all()


def test_the_migration_matches_the_models(db_url: str) -> None:
    result = validate_schema(db_url)
    assert result.ok, result.one_line()


def test_periods() -> None:
    assert period_for(RUN_ON, BillingMode.PREPAID) == (date(2026, 3, 5), date(2026, 4, 4))
    assert period_for(RUN_ON, BillingMode.POSTPAID) == (date(2026, 2, 5), date(2026, 3, 4))


def test_a_run_bills_once_full_and_prorated_periods_with_taxes(db_url: str) -> None:
    with session_scope(db_url) as s:
        vat = tax_rate(s, rate="21")
        post = plan(s, "Post 30", "30.00", tax=vat)
        pre = plan(s, "Pre 31", "31.00", BillingMode.PREPAID)
        full = subscription(s, customer(s, "A"), post, date(2025, 12, 5))
        mid = subscription(s, customer(s, "B"), post, date(2026, 2, 19), billing_day=5)  # 14 of 28 days
        ended = subscription(s, customer(s, "C"), post, date(2025, 1, 5), status=SubscriptionStatus.CANCELLED,
                             ended_on=date(2026, 2, 11))  # 7 of 28 days
        prepaid = subscription(s, customer(s, "D"), pre, date(2026, 3, 5))
        subscription(s, customer(s, "E"), post, date(2026, 3, 6))  # day 6: not today
        subscription(s, customer(s, "F"), post, date(2026, 1, 5), status=SubscriptionStatus.PENDING)
        ids = full.id, mid.id, ended.id, prepaid.id
    with session_scope(db_url) as s:
        result = run_billing(s, RUN_ON, "tester")
    assert result.invoices_created == 4 and result.lines_created == 4
    with session_scope(db_url) as s:
        by_sub = {li.subscription_id: li for li in s.scalars(select(InvoiceLine))}
        assert set(by_sub) == set(ids)
        assert by_sub[ids[0]].amount == Decimal("30.00") and by_sub[ids[0]].tax_amount == Decimal("6.30")
        assert by_sub[ids[1]].amount == Decimal("15.00") and by_sub[ids[1]].tax_amount == Decimal("3.15")
        assert by_sub[ids[2]].amount == Decimal("7.50") and by_sub[ids[2]].tax_amount == Decimal("1.58")  # 1.575 up
        assert by_sub[ids[3]].amount == Decimal("31.00") and by_sub[ids[3]].tax_amount == Decimal("0.00")
        assert by_sub[ids[3]].period_start == date(2026, 3, 5) and by_sub[ids[3]].period_end == date(2026, 4, 4)
        invoices = s.scalars(select(Invoice).order_by(Invoice.id)).all()
        assert [i.number for i in invoices] == ["2026-000001", "2026-000002", "2026-000003", "2026-000004"]
        assert all(i.status == InvoiceStatus.ISSUED and i.due_on == date(2026, 3, 19) for i in invoices)
        assert result.total == result.lines_total == sum(i.total for i in invoices) == Decimal("94.53")
    with session_scope(db_url) as s:
        again = run_billing(s, RUN_ON, "tester")
    assert again.invoices_created == 0 and again.total == Decimal("0")
    with session_scope(db_url) as s:
        assert s.scalar(select(func.count()).select_from(Invoice)) == 4
        assert s.scalar(select(func.count()).select_from(BillingItem)) == 4


def test_rounding_run_total_is_the_sum_of_lines_to_the_cent(db_url: str) -> None:
    with session_scope(db_url) as s:
        vat = tax_rate(s, rate="7.25")
        odd = plan(s, "Odd", "19.99", tax=vat)
        for n in range(40):
            subscription(s, customer(s, f"R{n}"), odd, date(2026, 2, 5 + n % 23), billing_day=5)
    with session_scope(db_url) as s:
        result = run_billing(s, RUN_ON, "tester")
        lines = s.scalars(select(InvoiceLine)).all()
        assert result.total == sum((li.amount + li.tax_amount for li in lines), Decimal(0))
        for li in lines:
            assert li.amount == li.amount.quantize(Decimal("0.01"))
        for inv in s.scalars(select(Invoice)):
            assert inv.total == sum(li.amount + li.tax_amount for li in lines_of(s, inv.id))


def test_a_plan_change_mid_period_bills_both_plans_parts(db_url: str) -> None:
    with session_scope(db_url) as s:
        small, big = plan(s, "Small", "28.00"), plan(s, "Big", "56.00")
        sub = subscription(s, customer(s), big, date(2025, 6, 5))
        s.add(SubscriptionPlanChange(subscription_id=sub.id, from_plan_id=small.id, to_plan_id=big.id,
                                     effective_on=date(2026, 2, 26)))  # 21 days small, 7 days big
    with session_scope(db_url) as s:
        run_billing(s, RUN_ON, "tester")
        amounts = sorted((li.plan_id, li.amount) for li in s.scalars(select(InvoiceLine)))
        assert amounts == [(small.id, Decimal("21.00")), (big.id, Decimal("14.00"))]
        assert s.scalar(select(Invoice.total)) == Decimal("35.00")


def test_the_suspension_policy_bills_or_skips_suspended_subscriptions(db_url: str) -> None:
    with session_scope(db_url) as s:
        pl = plan(s)
        subscription(s, customer(s, "A"), pl, date(2025, 6, 5), status=SubscriptionStatus.SUSPENDED)
        s.get(Setting, "billing.bill_suspended").value = False  # type: ignore[union-attr]
    with session_scope(db_url) as s:
        assert run_billing(s, RUN_ON, "tester").invoices_created == 0
    with session_scope(db_url) as s:
        s.get(Setting, "billing.bill_suspended").value = True  # type: ignore[union-attr]
    with session_scope(db_url) as s:
        assert run_billing(s, RUN_ON, "tester").invoices_created == 1


def test_preview_writes_nothing(db_url: str) -> None:
    with session_scope(db_url) as s:
        subscription(s, customer(s), plan(s), date(2025, 6, 5))
    with session_scope(db_url) as s:
        preview = run_billing(s, RUN_ON, "tester", preview=True)
    assert preview.preview and preview.invoices_created == 1 and preview.total == Decimal("30.00")
    assert preview.invoices[0]["total"] == Decimal("30.00")
    with session_scope(db_url) as s:
        assert s.scalar(select(func.count()).select_from(Invoice)) == 0
        assert s.scalar(select(func.count()).select_from(BillingItem)) == 0
        assert run_billing(s, RUN_ON, "tester").invoices_created == 1


def test_two_runs_at_once_bill_once_and_numbers_have_no_gaps(db_url: str) -> None:
    with session_scope(db_url) as s:
        pl = plan(s)
        for n in range(60):
            subscription(s, customer(s, f"N{n}"), pl, date(2025, 6, 5))
        drafts = []
        for n in range(20):
            inv = Invoice(customer_id=customer(s, f"D{n}").id, total=Decimal("1.00"), status=InvoiceStatus.DRAFT)
            s.add(inv)
            s.flush()
            drafts.append(inv.id)
    errors: list[BaseException] = []

    def work(fn) -> None:  # type: ignore[no-untyped-def]
        try:
            with session_scope(db_url) as s:
                fn(s)
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    jobs = [lambda s: run_billing(s, RUN_ON, "w1"), lambda s: run_billing(s, RUN_ON, "w2")]
    jobs += [lambda s, i=i: issue_invoices(s, RUN_ON, invoice_ids=[i]) for i in drafts]
    threads = [threading.Thread(target=work, args=(job,)) for job in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    with session_scope(db_url) as s:
        numbers = sorted(int(n.split("-")[1]) for n in s.scalars(select(Invoice.number)))
        assert numbers == list(range(1, 81))
        assert s.scalar(select(func.count()).select_from(InvoiceLine)) == 60


def test_a_credit_note_negates_the_invoice_and_settles_it(db_url: str) -> None:
    with session_scope(db_url) as s:
        vat = tax_rate(s, rate="10")
        subscription(s, customer(s), plan(s, tax=vat), date(2025, 6, 5))
    with session_scope(db_url) as s:
        run_billing(s, RUN_ON, "tester")
        original = s.scalars(select(Invoice)).one()
        note = credit_note(s, original.id, "tester", reason="outage", issued_on=RUN_ON)
        assert note.kind == InvoiceKind.CREDIT_NOTE and note.credit_of_id == original.id
        assert note.total == Decimal("-33.00") and note.number == "2026-000002"
        assert [li.amount for li in note.lines] == [Decimal("-30.00")]
        s.refresh(original)
        assert original.status == InvoiceStatus.PAID and original.amount_credited == Decimal("33.00")


def test_a_voided_invoice_frees_its_period_for_the_next_run(db_url: str) -> None:
    with session_scope(db_url) as s:
        sub = subscription(s, customer(s, "V"), plan(s, "Post 30", "30.00"), date(2025, 12, 5))
        other = subscription(s, customer(s, "W"), plan(s, "Post 20", "20.00"), date(2025, 12, 5))
        sub_id, other_id = sub.id, other.id
    with session_scope(db_url) as s:
        assert run_billing(s, RUN_ON, "tester").invoices_created == 2
    with session_scope(db_url) as s:
        wrong = s.scalars(select(InvoiceLine.invoice_id).where(InvoiceLine.subscription_id == sub_id)).one()
        void(s, wrong, "tester")
    with session_scope(db_url) as s:
        again = run_billing(s, RUN_ON, "tester")
    assert again.invoices_created == 1 and again.total == Decimal("30.00")
    with session_scope(db_url) as s:
        billed = s.scalars(select(InvoiceLine.subscription_id).join(Invoice, Invoice.id == InvoiceLine.invoice_id)
                           .where(Invoice.status != InvoiceStatus.VOID)).all()
        assert sorted(billed) == sorted([sub_id, other_id])
        numbers = s.scalars(select(Invoice.number).order_by(Invoice.id)).all()
        assert numbers == ["2026-000001", "2026-000002", "2026-000003"]  # the void keeps its number
