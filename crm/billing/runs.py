"""Billing runs: set-based (INSERT ... SELECT), idempotent, prorated, taxed; gapless numbering.

A run on date D bills every subscription whose billing day is D's day (1-28):
- a prepaid plan for the period starting that day, [D, D + 1 month);
- a postpaid plan for the period that just ended, [D - 1 month, D).
A subscription is billed once per period: a `billing_items` row (UNIQUE (subscription_id,
period_start)) is claimed with INSERT ... ON CONFLICT DO NOTHING before any invoice is made, so a
second run (or a second worker running the same run at once) creates nothing new.
Partial periods are prorated by days of service: a start or an end (cancellation) inside the
period, and a plan change inside it (`subscription_plan_changes`: each plan for its own days).
Suspended subscriptions are billed or skipped by the setting `billing.bill_suspended`.
Suspended days (the suspension history, crm.lifecycle) follow `billing.suspended_days`:
- `bill` (the default): they are billed like any other day;
- `credit`: a day of a suspension period held only at the customer's request or by an admin is
  not billed: the line is prorated over the days left, like a partial period, and says so. A
  period during which non-payment or fraud held at any time (`billable`) is billed in full (the
  history does not split a period by reason). A period still open counts up to the run's day
  (exclusive): a postpaid period is credited to its end, a prepaid one (billed in advance) gets
  no credit for a suspension still running. A line with no day left to bill is not written (a
  subscription suspended for the whole period gets no invoice; its period is still claimed).
Lines carry their plan's tax rate (percent) and tax amount; every amount is rounded by the one
rule (money.sql_cents), and an invoice's total is the sum of its lines, so a run's total is too.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select, text, update
from sqlalchemy.orm import Session

from core.audit import audit
from core.system_settings import get_setting
from crm.billing.models import BillingRun, InvoiceCounter
from crm.billing.money import ZERO, sql_cents
from crm.models import BillingMode, Invoice, InvoiceKind, InvoiceStatus

MAX_BILLING_DAY = 28


def add_months(day: date, months: int) -> date:
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def period_for(run_on: date, mode: BillingMode) -> tuple[date, date]:
    """The period (first and last day) a run on `run_on` bills for plans of `mode`."""
    if mode == BillingMode.PREPAID:
        return run_on, add_months(run_on, 1) - timedelta(days=1)
    return add_months(run_on, -1), run_on - timedelta(days=1)


def due_days(session: Session) -> int:
    return int(get_setting(session, "billing.due_days", 14))


SUSPENDED_DAYS_POLICIES = ("bill", "credit")


def suspended_days_policy(session: Session) -> str:
    """`billing.suspended_days`: bill suspended days (`bill`) or credit the customer's and admins' (`credit`)."""
    value = get_setting(session, "billing.suspended_days", "bill")
    if value not in SUSPENDED_DAYS_POLICIES:
        raise ValueError(f"setting billing.suspended_days is {value!r}: it must be 'bill' or 'credit'")
    return str(value)


@dataclass
class RunResult:
    run_id: int | None
    run_on: date
    billing_day: int | None
    invoices_created: int = 0
    lines_created: int = 0
    total: Decimal = ZERO
    lines_total: Decimal = ZERO
    issued: bool = True
    preview: bool = False
    invoices: list[dict[str, Any]] = field(default_factory=list)


_BILLABLE = """
    SELECT s.id, :pstart, :pend, :run_id
    FROM subscriptions s JOIN service_plans p ON p.id = s.plan_id
    WHERE p.billing_mode = :mode
      AND s.started_on IS NOT NULL AND s.started_on <= :pend
      AND coalesce(s.billing_day, least(extract(day FROM s.started_on)::int, 28)) = :day
      AND (s.ended_on IS NULL OR s.ended_on >= :pstart)
      AND (s.status = 'active'
           OR (s.status = 'cancelled' AND s.ended_on IS NOT NULL)
           OR (s.status = 'suspended' AND :bill_suspended))
"""

_LINES = f"""
CREATE TEMP TABLE _bill_lines ON COMMIT DROP AS
WITH changes AS (
    SELECT c.id, c.subscription_id AS sid, c.from_plan_id, c.to_plan_id, c.effective_on
    FROM subscription_plan_changes c JOIN _bill_claimed cl ON cl.sid = c.subscription_id
    WHERE c.effective_on > :pstart AND c.effective_on <= :pend
), first_change AS (
    SELECT DISTINCT ON (sid) sid, from_plan_id FROM changes ORDER BY sid, effective_on, id
), bounds AS (
    SELECT cl.sid, CAST(:pstart AS date) AS seg_start, coalesce(fc.from_plan_id, cl.plan_id) AS plan_id
    FROM _bill_claimed cl LEFT JOIN first_change fc ON fc.sid = cl.sid
    UNION ALL
    SELECT * FROM (SELECT DISTINCT ON (sid, effective_on) sid, effective_on, to_plan_id
                   FROM changes ORDER BY sid, effective_on, id DESC) AS last_change_of_day
), segs AS (
    SELECT sid, plan_id, seg_start,
           coalesce(lead(seg_start) OVER (PARTITION BY sid ORDER BY seg_start) - 1, CAST(:pend AS date)) AS seg_end
    FROM bounds
), clipped AS (
    SELECT g.sid, cl.customer_id, g.plan_id,
           greatest(g.seg_start, cl.started_on) AS d_from,
           least(g.seg_end, coalesce(cl.ended_on, CAST(:pend AS date))) AS d_to
    FROM segs g JOIN _bill_claimed cl ON cl.sid = g.sid
), credited AS (
    -- policy `credit`: the segment's days in a suspension period that is not billable, unless a
    -- billable period also covers the day; an open period runs up to the run's day (exclusive)
    SELECT c.sid, c.plan_id, c.d_from, c.d_to, count(DISTINCT d.day) AS days,
           bool_or('customer_request' = ANY(sp.reasons)) AS by_customer, bool_or('admin' = ANY(sp.reasons)) AS by_admin
    FROM clipped c
    JOIN subscription_suspension_periods sp
      ON :credit AND sp.subscription_id = c.sid AND NOT sp.billable
     AND sp.started_on <= c.d_to AND coalesce(sp.ended_on, CAST(:run_on AS date)) > c.d_from
    CROSS JOIN LATERAL generate_series(greatest(sp.started_on, c.d_from),
                                       least(coalesce(sp.ended_on, CAST(:run_on AS date)) - 1, c.d_to),
                                       interval '1 day') AS d(day)
    WHERE NOT EXISTS (SELECT 1 FROM subscription_suspension_periods b
                      WHERE b.subscription_id = c.sid AND b.billable AND b.started_on <= d.day
                        AND coalesce(b.ended_on, CAST(:run_on AS date)) > d.day)
    GROUP BY c.sid, c.plan_id, c.d_from, c.d_to
), priced AS (
    SELECT c.sid, c.customer_id, c.plan_id, p.name AS plan_name, p.currency, c.d_from, c.d_to,
           (c.d_to - c.d_from + 1) - coalesce(cr.days, 0) AS days,
           coalesce(cr.days, 0) AS suspended_days,
           CASE WHEN cr.by_customer AND cr.by_admin THEN 'at the customer''s request or by an admin'
                WHEN cr.by_admin THEN 'by an admin' ELSE 'at the customer''s request' END AS suspended_why,
           {sql_cents("p.price * ((c.d_to - c.d_from + 1) - coalesce(cr.days, 0)) / :pdays")} AS amount,
           coalesce(tr.rate, 0) AS tax_rate
    FROM clipped c JOIN service_plans p ON p.id = c.plan_id LEFT JOIN tax_rates tr ON tr.id = p.tax_rate_id
    LEFT JOIN credited cr ON cr.sid = c.sid AND cr.plan_id = c.plan_id AND cr.d_from = c.d_from AND cr.d_to = c.d_to
    WHERE c.d_to >= c.d_from AND (c.d_to - c.d_from + 1) - coalesce(cr.days, 0) > 0
)
SELECT priced.*, {sql_cents("amount * tax_rate / 100")} AS tax_amount FROM priced
"""

_CLAIMED = [
    """CREATE TEMP TABLE _bill_claimed ON COMMIT DROP AS
       SELECT b.subscription_id AS sid, s.customer_id, s.plan_id, s.started_on, s.ended_on
       FROM billing_items b JOIN subscriptions s ON s.id = b.subscription_id
       WHERE b.billing_run_id = :run_id AND b.period_start = :pstart""",
    "ANALYZE _bill_claimed",
]

_INVOICES = [
    "ANALYZE _bill_lines",
    """CREATE TEMP TABLE _bill_invoices ON COMMIT DROP AS
       SELECT nextval(pg_get_serial_sequence('invoices', 'id')) AS id, customer_id, currency,
              sum(amount) AS subtotal, sum(tax_amount) AS tax_total, sum(amount) + sum(tax_amount) AS total
       FROM _bill_lines GROUP BY customer_id, currency""",
    "ANALYZE _bill_invoices",
    """INSERT INTO invoices (id, customer_id, kind, status, currency, period_start, period_end, billing_run_id,
                             subtotal, tax_total, total)
       SELECT id, customer_id, 'invoice', 'draft', currency, :pstart, :pend, :run_id, subtotal, tax_total, total
       FROM _bill_invoices ORDER BY id""",
    """INSERT INTO invoice_lines (invoice_id, subscription_id, plan_id, description, quantity, unit_price, amount,
                                  tax_rate, tax_amount, period_start, period_end)
       SELECT inv.id, l.sid, l.plan_id,
              left(l.plan_name || ', ' || l.d_from || ' to ' || l.d_to
                   || CASE WHEN l.suspended_days > 0
                           THEN ' (' || l.days || ' of ' || :pdays || ' days, ' || l.suspended_days
                                || CASE WHEN l.suspended_days = 1 THEN ' day' ELSE ' days' END
                                || ' suspended ' || l.suspended_why || ')'
                           WHEN l.days < :pdays THEN ' (' || l.days || '/' || :pdays || ' days)' ELSE '' END, 300),
              1, l.amount, l.amount, l.tax_rate, l.tax_amount, l.d_from, l.d_to
       FROM _bill_lines l JOIN _bill_invoices inv ON inv.customer_id = l.customer_id AND inv.currency = l.currency
       ORDER BY inv.id, l.d_from""",
    """UPDATE billing_items b SET invoice_id = inv.id
       FROM (SELECT DISTINCT sid, customer_id, currency FROM _bill_lines) l
       JOIN _bill_invoices inv ON inv.customer_id = l.customer_id AND inv.currency = l.currency
       WHERE b.subscription_id = l.sid AND b.period_start = :pstart""",
]


def run_billing(session: Session, run_on: date, actor: str, *, issue: bool = True,
                preview: bool = False) -> RunResult:
    """Bill every subscription due on `run_on`. `preview`: the same run, rolled back (nothing written)."""
    if preview:
        savepoint = session.begin_nested()
        try:
            result = _run(session, run_on, actor, issue=issue, sample=True)
        finally:
            savepoint.rollback()
        result.run_id, result.preview = None, True
        return result
    return _run(session, run_on, actor, issue=issue, sample=False)


def _run(session: Session, run_on: date, actor: str, *, issue: bool, sample: bool) -> RunResult:
    if run_on.day > MAX_BILLING_DAY:
        return RunResult(None, run_on, None, issued=issue)
    bill_suspended = bool(get_setting(session, "billing.bill_suspended", True))
    credit = suspended_days_policy(session) == "credit"
    run = BillingRun(run_on=run_on, billing_day=run_on.day, actor=actor, issued=issue)
    session.add(run)
    session.flush()
    conn = session.connection()
    for mode in (BillingMode.PREPAID, BillingMode.POSTPAID):
        pstart, pend = period_for(run_on, mode)
        params = {"pstart": pstart, "pend": pend, "pdays": (pend - pstart).days + 1, "run_id": run.id,
                  "mode": mode.value, "day": run_on.day, "bill_suspended": bill_suspended,
                  "credit": credit, "run_on": run_on}
        claimed = conn.execute(text(
            "INSERT INTO billing_items (subscription_id, period_start, period_end, billing_run_id)"
            + _BILLABLE + " ON CONFLICT (subscription_id, period_start) DO NOTHING"), params).rowcount
        if not claimed:
            continue
        conn.execute(text("DROP TABLE IF EXISTS _bill_claimed, _bill_lines, _bill_invoices"))
        for statement in _CLAIMED:
            conn.execute(text(statement), params)
        conn.execute(text(_LINES), params)
        for statement in _INVOICES:
            conn.execute(text(statement), params)
        conn.execute(text("DROP TABLE _bill_claimed, _bill_lines, _bill_invoices"))
    counts = conn.execute(text(
        "SELECT count(DISTINCT i.id), count(il.id), coalesce(sum(il.amount + il.tax_amount), 0) "
        "FROM invoices i JOIN invoice_lines il ON il.invoice_id = i.id WHERE i.billing_run_id = :r"),
        {"r": run.id}).one()
    run.invoices_created, run.lines_created = int(counts[0]), int(counts[1])
    run.total = session.scalar(select(func.coalesce(func.sum(Invoice.total), 0))
                               .where(Invoice.billing_run_id == run.id)) or ZERO
    if issue and run.invoices_created:
        issue_invoices(session, run_on, run_id=run.id)
        from crm.billing.payments import apply_credit_for_run

        apply_credit_for_run(session, run.id)
    run.finished_at = func.now()
    audit(session, actor, "billing_run", "billing_run", run.id, None,
          {"run_on": run_on, "invoices": run.invoices_created, "lines": run.lines_created, "total": run.total,
           "issued": issue})
    session.flush()
    result = RunResult(run.id, run_on, run_on.day, run.invoices_created, run.lines_created,
                       Decimal(run.total), Decimal(counts[2]), issue)
    if sample:
        rows = conn.execute(text(
            "SELECT i.id, i.customer_id, i.number, i.period_start, i.period_end, i.total FROM invoices i "
            "WHERE i.billing_run_id = :r ORDER BY i.id LIMIT 100"), {"r": run.id}).mappings()
        result.invoices = [dict(row) for row in rows]
    return result


def issue_invoices(session: Session, issued_on: date, *, run_id: int | None = None,
                   invoice_ids: list[int] | None = None) -> int:
    """Issue drafts: number them without gaps for `issued_on`'s year (the year's counter row is
    locked FOR UPDATE until commit, so concurrent issuers queue), date them and set their due date."""
    conn = session.connection()
    where = "status = 'draft' AND number IS NULL AND " + (
        "billing_run_id = :run_id" if run_id is not None else "id = ANY(:ids)")
    params: dict[str, Any] = {"run_id": run_id, "ids": invoice_ids or []}
    year = issued_on.year
    conn.execute(text("INSERT INTO invoice_counters (year, last_number) VALUES (:y, 0) "
                      "ON CONFLICT (year) DO NOTHING"), {"y": year})
    last = session.execute(select(InvoiceCounter.last_number).where(InvoiceCounter.year == year)
                           .with_for_update()).scalar_one()
    issued = conn.execute(text(f"""
        WITH numbered AS (SELECT id, row_number() OVER (ORDER BY id) AS rn FROM invoices WHERE {where})
        UPDATE invoices i SET number = :y || '-' || lpad((:last + n.rn)::text, 6, '0'),
               status = CASE WHEN i.total <= 0 AND i.kind = 'invoice' THEN 'paid' ELSE 'issued' END,
               issued_on = :on, due_on = :on + :due, updated_at = now()
        FROM numbered n WHERE i.id = n.id"""),
        {**params, "y": str(year), "last": last, "on": issued_on, "due": due_days(session)}).rowcount
    if issued:
        session.execute(update(InvoiceCounter).where(InvoiceCounter.year == year)
                        .values(last_number=InvoiceCounter.last_number + issued))
    session.expire_all()
    return int(issued)


def draft_kind_ok(invoice: Invoice) -> bool:
    return invoice.kind in (InvoiceKind.INVOICE, InvoiceKind.CREDIT_NOTE) and invoice.status == InvoiceStatus.DRAFT
