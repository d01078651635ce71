"""The suspension policy of billing runs (`billing.suspended_days`): `bill` bills suspended days
as any other; `credit` leaves out the days of a suspension held only at the customer's request
or by an admin (prorated by the one rounding rule), while a period during which non-payment or
fraud held is billed in full."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.db import session_scope
from core.models import Setting
from crm import lifecycle
from crm.billing.models import BillingItem, SubscriptionPlanChange
from crm.billing.money import prorate, tax_of
from crm.billing.runs import run_billing
from crm.billing.tests.helpers import customer, plan, subscription, tax_rate
from crm.models import BillingMode, Invoice, InvoiceLine, Subscription

RUN_ON = date(2026, 5, 5)  # postpaid: April 5 - May 4 (30 days); prepaid: May 5 - June 4 (31 days)
PRICE = Decimal("19.99")


def set_policy(db_url: str, value: object) -> None:
    with session_scope(db_url) as s:
        setting = s.get(Setting, "billing.suspended_days")
        assert setting is not None
        setting.value = value


def suspended(s: Session, sub: Subscription, spans: list[tuple[str, date, date | None]]) -> None:
    """Add and lift reasons through the lifecycle, in date order (None: never lifted)."""
    events = [(on, 0, "suspend", reason) for reason, on, _ in spans]
    events += [(off, 1, "lift", reason) for reason, _, off in spans if off is not None]
    for on, _, action, reason in sorted(events):
        getattr(lifecycle, action)(s, sub.id, reason, actor="tester", on=on)


def lines_by_sub(s: Session) -> dict[int, list[InvoiceLine]]:
    lines: dict[int, list[InvoiceLine]] = {}
    for line in s.scalars(select(InvoiceLine).order_by(InvoiceLine.period_start)):
        assert line.subscription_id is not None
        lines.setdefault(line.subscription_id, []).append(line)
    return lines


def scenario(db_url: str) -> dict[str, int]:
    """One subscription per case, all postpaid at 19.99 with 21% tax, billed on the 5th."""
    with session_scope(db_url) as s:
        pl = plan(s, "Fibre", str(PRICE), tax=tax_rate(s))
        subs = {name: subscription(s, customer(s, name), pl, date(2025, 6, 5)) for name in
                ("plain", "customer", "non_payment", "fraud_overlap", "customer_admin", "open")}
        suspended(s, subs["customer"], [("customer_request", date(2026, 4, 10), date(2026, 4, 20))])
        suspended(s, subs["non_payment"], [("non_payment", date(2026, 4, 10), date(2026, 4, 20))])
        # One period (April 10 - 20) during which fraud held for two days: billed in full.
        suspended(s, subs["fraud_overlap"], [("customer_request", date(2026, 4, 10), date(2026, 4, 20)),
                                             ("fraud", date(2026, 4, 12), date(2026, 4, 14))])
        # The customer's request April 8 - 15, an admin's April 12 - 18: one period, 10 days credited.
        suspended(s, subs["customer_admin"], [("customer_request", date(2026, 4, 8), date(2026, 4, 15)),
                                              ("admin", date(2026, 4, 12), date(2026, 4, 18))])
        # Still suspended at the run: credited from April 25 to the period's end (10 days).
        suspended(s, subs["open"], [("customer_request", date(2026, 4, 25), None)])
        return {name: sub.id for name, sub in subs.items()}


def test_the_setting_is_seeded_to_bill(db_url: str) -> None:
    with session_scope(db_url) as s:
        setting = s.get(Setting, "billing.suspended_days")
        assert setting is not None and setting.value == "bill"


def test_bill_changes_nothing(db_url: str) -> None:
    ids = scenario(db_url)
    with session_scope(db_url) as s:
        result = run_billing(s, RUN_ON, "tester")
    assert result.invoices_created == result.lines_created == len(ids)
    with session_scope(db_url) as s:
        lines = lines_by_sub(s)
        for sid in ids.values():
            [line] = lines[sid]
            assert (line.amount, line.tax_amount) == (PRICE, Decimal("4.20"))
            assert "suspended" not in line.description and "days" not in line.description
        assert result.total == result.lines_total == Decimal("24.19") * len(ids)


def test_credit_leaves_out_the_customers_and_admins_suspended_days(db_url: str) -> None:
    ids = scenario(db_url)
    set_policy(db_url, "credit")
    with session_scope(db_url) as s:
        result = run_billing(s, RUN_ON, "tester")
    assert result.invoices_created == result.lines_created == len(ids)
    twenty = prorate(PRICE, 20, 30)
    assert twenty == Decimal("13.33")  # 13.3266... rounded half up
    with session_scope(db_url) as s:
        lines = {name: lines_by_sub(s)[sid] for name, sid in ids.items()}
        for name in ("plain", "non_payment", "fraud_overlap"):
            [line] = lines[name]
            assert line.amount == PRICE, name
            assert "suspended" not in line.description
        for name, why in (("customer", "at the customer's request"),
                          ("customer_admin", "at the customer's request or by an admin"),
                          ("open", "at the customer's request")):
            [line] = lines[name]
            assert (line.amount, line.tax_amount) == (twenty, tax_of(twenty, Decimal("21"))), name
            assert (line.period_start, line.period_end) == (date(2026, 4, 5), date(2026, 5, 4))
            assert line.description == f"Fibre, 2026-04-05 to 2026-05-04 (20 of 30 days, 10 days suspended {why})"
        # The run's total is the sum of its lines, to the cent.
        all_lines = [li for group in lines.values() for li in group]
        assert result.total == result.lines_total == sum((li.amount + li.tax_amount for li in all_lines), Decimal(0))
        assert result.total == sum(i.total for i in s.scalars(select(Invoice)))

    with session_scope(db_url) as s:
        again = run_billing(s, RUN_ON, "tester")
    assert (again.invoices_created, again.lines_created, again.total) == (0, 0, Decimal("0"))
    with session_scope(db_url) as s:
        assert s.scalar(select(func.count()).select_from(Invoice)) == len(ids)
        assert s.scalar(select(func.count()).select_from(InvoiceLine)) == len(ids)
        assert s.scalar(select(func.count()).select_from(BillingItem)) == len(ids)


def test_credit_per_plan_across_a_plan_change(db_url: str) -> None:
    with session_scope(db_url) as s:
        small, big = plan(s, "Small", "30.00"), plan(s, "Big", "60.00")
        sub = subscription(s, customer(s), big, date(2025, 6, 5))
        s.add(SubscriptionPlanChange(subscription_id=sub.id, from_plan_id=small.id, to_plan_id=big.id,
                                     effective_on=date(2026, 4, 20)))  # Small April 5 - 19, Big April 20 - May 4
        suspended(s, sub, [("admin", date(2026, 4, 15), date(2026, 4, 26))])  # 5 days of Small, 6 of Big
    set_policy(db_url, "credit")
    with session_scope(db_url) as s:
        result = run_billing(s, RUN_ON, "tester")
        rows = [(li.plan_id, li.amount, li.description) for li in lines_by_sub(s)[sub.id]]
    assert rows == [
        (small.id, Decimal("10.00"), "Small, 2026-04-05 to 2026-04-19 (10 of 30 days, 5 days suspended by an admin)"),
        (big.id, Decimal("18.00"), "Big, 2026-04-20 to 2026-05-04 (9 of 30 days, 6 days suspended by an admin)"),
    ]
    assert result.total == Decimal("28.00")


def test_credit_a_whole_period_suspended_bills_nothing_once(db_url: str) -> None:
    with session_scope(db_url) as s:
        pl = plan(s)
        away = subscription(s, customer(s, "A"), pl, date(2025, 6, 5))
        one_day = subscription(s, customer(s, "B"), pl, date(2025, 6, 5))
        suspended(s, away, [("customer_request", date(2026, 3, 1), date(2026, 5, 10))])
        suspended(s, one_day, [("customer_request", date(2026, 4, 30), date(2026, 5, 1))])
        ids = away.id, one_day.id
    set_policy(db_url, "credit")
    for _ in range(2):
        with session_scope(db_url) as s:
            run_billing(s, RUN_ON, "tester")
    with session_scope(db_url) as s:
        lines = lines_by_sub(s)
        assert ids[0] not in lines  # no day to bill: no line, no invoice
        [line] = lines[ids[1]]
        assert line.amount == Decimal("29.00") and line.description.endswith("(29 of 30 days, 1 day suspended "
                                                                             "at the customer's request)")
        claimed = s.scalars(select(BillingItem).order_by(BillingItem.subscription_id)).all()
        assert [(b.subscription_id, b.invoice_id is None) for b in claimed] == [(ids[0], True), (ids[1], False)]


def test_credit_a_prepaid_period_is_billed_in_advance(db_url: str) -> None:
    with session_scope(db_url) as s:
        pre = plan(s, "Pre", "31.00", BillingMode.PREPAID)
        sub = subscription(s, customer(s), pre, date(2025, 6, 5))
        suspended(s, sub, [("customer_request", date(2026, 4, 25), None)])  # still open at the run
    set_policy(db_url, "credit")
    with session_scope(db_url) as s:
        result = run_billing(s, RUN_ON, "tester")
    assert result.lines_created == 1 and result.total == Decimal("31.00")  # May 5 - June 4: nothing known yet


def test_an_unknown_policy_is_refused(db_url: str) -> None:
    set_policy(db_url, "maybe")
    with session_scope(db_url) as s, pytest.raises(ValueError, match="billing.suspended_days"):
        run_billing(s, RUN_ON, "tester")
