"""Dunning: overdue detection, reminders (the notification outbox), automatic suspension for
non-payment after a grace period and restoration once settled.

Settings: `billing.due_days` (an invoice's due date), `dunning.auto_suspend` (bool),
`dunning.grace_days` (days after the due date), `dunning.skip_weekends` (no suspension on
Saturdays and Sundays), `dunning.holidays` (ISO dates with no suspension). Suspension and its
lifting are the lifecycle's (crm.lifecycle.suspend / lift with reason "non_payment"), which act
on the network; here is only when. Everything takes `today` so it runs on a frozen clock."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from core.audit import audit
from core.system_settings import get_setting
from crm.billing.models import DunningSuspension
from crm.billing.notifications import queue_email
from crm.models import Customer, Invoice, Subscription, SubscriptionStatus

REASON = "non_payment"


def dunning_settings(session: Session) -> dict[str, Any]:
    return {
        "auto_suspend": bool(get_setting(session, "dunning.auto_suspend", False)),
        "grace_days": int(get_setting(session, "dunning.grace_days", 7)),
        "skip_weekends": bool(get_setting(session, "dunning.skip_weekends", True)),
        "holidays": {date.fromisoformat(d) for d in get_setting(session, "dunning.holidays", []) or []},
    }


def may_suspend_on(day: date, settings: dict[str, Any]) -> bool:
    if settings["skip_weekends"] and day.weekday() >= 5:
        return False
    return day not in settings["holidays"]


_OVERDUE = """
SELECT id FROM invoices
WHERE kind = 'invoice' AND status = 'issued' AND due_on < :cutoff AND total - amount_paid - amount_credited > 0
"""


def run_dunning(session: Session, today: date, actor: str = "dunning") -> dict[str, Any]:
    settings = dunning_settings(session)
    reminded = _remind(session, today)
    suspended = _suspend(session, today, settings, actor) if settings["auto_suspend"] else []
    lifted = _restore(session, today, actor, None)
    result = {"today": today, "reminders": reminded, "suspended": suspended, "lifted": lifted,
              "suspension_day": settings["auto_suspend"] and may_suspend_on(today, settings)}
    audit(session, actor, "dunning_run", "dunning", today.isoformat(), None, result)
    return result


def _remind(session: Session, today: date) -> int:
    ids = session.execute(text(_OVERDUE + " AND reminded_on IS NULL ORDER BY id FOR UPDATE SKIP LOCKED"),
                          {"cutoff": today}).scalars().all()
    count = 0
    for invoice in session.scalars(select(Invoice).where(Invoice.id.in_(ids)).order_by(Invoice.id)):
        customer = session.get(Customer, invoice.customer_id)
        open_amount = invoice.total - invoice.amount_paid - invoice.amount_credited
        if customer is not None and customer.email:
            queue_email(session, customer.email, f"Payment reminder: invoice {invoice.number}",
                        f"Dear {customer.name},\n\ninvoice {invoice.number} of {invoice.issued_on} was due on "
                        f"{invoice.due_on}; {open_amount} {invoice.currency} is still open.\n"
                        "Please pay it to keep your service running.\n",
                        customer_id=customer.id, invoice_id=invoice.id)
        invoice.reminded_on = today
        count += 1
    session.flush()
    return count


def _suspend(session: Session, today: date, settings: dict[str, Any], actor: str) -> list[int]:
    if not may_suspend_on(today, settings):
        return []
    from crm import lifecycle

    cutoff = today - timedelta(days=settings["grace_days"])
    rows = session.execute(text(f"""
        SELECT DISTINCT ON (s.id) s.id AS sid, s.customer_id, i.id AS invoice_id
        FROM ({_OVERDUE.replace(':cutoff', ':cutoff_')}) o
        JOIN invoices i ON i.id = o.id
        JOIN subscriptions s ON s.customer_id = i.customer_id AND s.status IN ('active', 'suspended')
        WHERE i.due_on <= :cutoff
          AND NOT EXISTS (SELECT 1 FROM dunning_suspensions d WHERE d.subscription_id = s.id AND d.lifted_on IS NULL)
        ORDER BY s.id, i.due_on"""), {"cutoff_": today, "cutoff": cutoff}).mappings().all()
    done = []
    for row in rows:
        lifecycle.suspend(session, row["sid"], reason=REASON, actor=actor, on=today)
        session.add(DunningSuspension(customer_id=row["customer_id"], subscription_id=row["sid"],
                                      invoice_id=row["invoice_id"], suspended_on=today))
        done.append(row["sid"])
    session.flush()
    return done


def _restore(session: Session, today: date, actor: str, customer_id: int | None) -> list[int]:
    """Lift non-payment suspensions of customers with no overdue open invoice left."""
    from crm import lifecycle

    query = select(DunningSuspension).where(DunningSuspension.lifted_on.is_(None))
    if customer_id is not None:
        query = query.where(DunningSuspension.customer_id == customer_id)
    done = []
    for held in session.scalars(query.order_by(DunningSuspension.id).with_for_update(skip_locked=True)).all():
        overdue = session.execute(text(_OVERDUE + " AND customer_id = :c LIMIT 1"),
                                  {"cutoff": today, "c": held.customer_id}).first()
        if overdue is not None:
            continue
        subscription = session.get(Subscription, held.subscription_id)
        if subscription is not None and subscription.status != SubscriptionStatus.CANCELLED:
            lifecycle.lift(session, held.subscription_id, reason=REASON, actor=actor, on=today)
        held.lifted_on = today
        done.append(held.subscription_id)
    session.flush()
    return done


def restore_if_settled(session: Session, customer_id: int, today: date, actor: str) -> list[int]:
    return _restore(session, today, actor, customer_id)
