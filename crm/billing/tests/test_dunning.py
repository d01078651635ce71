"""Dunning on a frozen clock: reminders, suspension after the grace period, the weekend switch,
holidays, restoration by a payment; and e-mail through a real SMTP server on loopback."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from core.db import session_scope
from core.models import Setting
from crm.billing.dunning import run_dunning
from crm.billing.models import Notification, NotificationStatus
from crm.billing.notifications import send_pending, set_smtp_settings, smtp_config
from crm.billing.payments import create_payment
from crm.billing.runs import run_billing
from crm.billing.tests.helpers import customer, plan, subscription
from crm.models import Invoice, PaymentMethod, Subscription, SubscriptionStatus

RUN_ON = date(2026, 3, 5)  # invoices due 2026-03-19 (a Thursday)
DUE = date(2026, 3, 19)


def _setup(db_url: str, **settings: object) -> tuple[int, int]:
    with session_scope(db_url) as s:
        for key, value in settings.items():
            s.get(Setting, "dunning." + key).value = value  # type: ignore[union-attr]
        cust = customer(s, email="ana@example.net")
        sub = subscription(s, cust, plan(s, price="50.00"), date(2025, 6, 5))
        ids = cust.id, sub.id
    with session_scope(db_url) as s:
        run_billing(s, RUN_ON, "tester")
    return ids


def _status(db_url: str, sub_id: int) -> SubscriptionStatus:
    with session_scope(db_url) as s:
        sub = s.get(Subscription, sub_id)
        assert sub is not None
        return sub.status


def test_reminder_once_when_overdue_and_suspension_after_grace_then_lifted_by_payment(db_url: str) -> None:
    cust, sub = _setup(db_url, auto_suspend=True, grace_days=3, skip_weekends=False)
    with session_scope(db_url) as s:
        assert run_dunning(s, DUE)["reminders"] == 0  # due today: not overdue yet
    with session_scope(db_url) as s:
        assert run_dunning(s, DUE + timedelta(days=1))["reminders"] == 1
    with session_scope(db_url) as s:
        assert run_dunning(s, DUE + timedelta(days=2))["reminders"] == 0  # once
        mail = s.scalars(select(Notification)).one()
        assert mail.to_address == "ana@example.net" and "2026-000001" in mail.subject
        assert mail.status == NotificationStatus.PENDING
    with session_scope(db_url) as s:
        assert run_dunning(s, DUE + timedelta(days=2))["suspended"] == []  # within grace
    with session_scope(db_url) as s:
        assert run_dunning(s, DUE + timedelta(days=3))["suspended"] == [sub]
    assert _status(db_url, sub) == SubscriptionStatus.SUSPENDED
    with session_scope(db_url) as s:
        assert run_dunning(s, DUE + timedelta(days=4))["suspended"] == []  # already held
    with session_scope(db_url) as s:
        create_payment(s, customer_id=cust, amount=Decimal("20"), method=PaymentMethod.CASH, actor="t",
                       today=DUE + timedelta(days=5))
    assert _status(db_url, sub) == SubscriptionStatus.SUSPENDED  # partly paid: still held
    with session_scope(db_url) as s:
        create_payment(s, customer_id=cust, amount=Decimal("30"), method=PaymentMethod.CASH, actor="t",
                       today=DUE + timedelta(days=5))
    assert _status(db_url, sub) == SubscriptionStatus.ACTIVE


@pytest.mark.parametrize("skip_weekends", [True, False])
def test_the_weekend_switch(db_url: str, skip_weekends: bool) -> None:
    _, sub = _setup(db_url, auto_suspend=True, grace_days=2, skip_weekends=skip_weekends)
    saturday = DUE + timedelta(days=2)
    assert saturday.weekday() == 5
    with session_scope(db_url) as s:
        suspended = run_dunning(s, saturday)["suspended"]
    assert suspended == ([] if skip_weekends else [sub])
    with session_scope(db_url) as s:
        run_dunning(s, saturday + timedelta(days=1))  # Sunday
    assert _status(db_url, sub) == (SubscriptionStatus.ACTIVE if skip_weekends else SubscriptionStatus.SUSPENDED)
    with session_scope(db_url) as s:
        run_dunning(s, saturday + timedelta(days=2))  # Monday
    assert _status(db_url, sub) == SubscriptionStatus.SUSPENDED


def test_holidays_and_the_auto_suspend_switch(db_url: str) -> None:
    monday = date(2026, 3, 23)
    _, sub = _setup(db_url, auto_suspend=True, grace_days=1, holidays=[monday.isoformat()])
    with session_scope(db_url) as s:
        assert run_dunning(s, monday)["suspended"] == []
    with session_scope(db_url) as s:
        s.get(Setting, "dunning.auto_suspend").value = False  # type: ignore[union-attr]
    with session_scope(db_url) as s:
        assert run_dunning(s, monday + timedelta(days=1))["suspended"] == []
    with session_scope(db_url) as s:
        s.get(Setting, "dunning.auto_suspend").value = True  # type: ignore[union-attr]
    with session_scope(db_url) as s:
        assert run_dunning(s, monday + timedelta(days=1))["suspended"] == [sub]


class _Smtp(asyncio.Protocol):
    """The smallest SMTP server that accepts mail (EHLO/HELO, MAIL, RCPT, DATA, QUIT)."""

    def __init__(self, inbox: list[str]) -> None:
        self.inbox, self.buffer, self.data = inbox, b"", None  # type: ignore[var-annotated]

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport
        transport.write(b"220 loopback ESMTP\r\n")  # type: ignore[attr-defined]

    def data_received(self, chunk: bytes) -> None:
        self.buffer += chunk
        while b"\r\n" in self.buffer:
            line, self.buffer = self.buffer.split(b"\r\n", 1)
            self._line(line)

    def _line(self, line: bytes) -> None:
        write = self.transport.write  # type: ignore[attr-defined]
        if self.data is not None:
            if line == b".":
                self.inbox.append(b"\r\n".join(self.data).decode())
                self.data = None
                write(b"250 queued\r\n")
            else:
                self.data.append(line[1:] if line.startswith(b"..") else line)
            return
        verb = line[:4].upper()
        if verb == b"EHLO":
            write(b"250-loopback\r\n250 8BITMIME\r\n")
        elif verb == b"DATA":
            self.data = []
            write(b"354 go ahead\r\n")
        elif verb == b"QUIT":
            write(b"221 bye\r\n")
            self.transport.close()
        else:
            write(b"250 ok\r\n")


@pytest.fixture
def smtp_server() -> Iterator[tuple[int, list[str]]]:
    inbox: list[str] = []
    loop = asyncio.new_event_loop()
    server = loop.run_until_complete(loop.create_server(lambda: _Smtp(inbox), "127.0.0.1", 0))
    port = server.sockets[0].getsockname()[1]
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    yield port, inbox
    loop.call_soon_threadsafe(server.close)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(5)


def test_reminders_are_sent_through_the_smtp_server(db_url: str, smtp_server: tuple[int, list[str]]) -> None:
    port, inbox = smtp_server
    _setup(db_url)
    with session_scope(db_url) as s:
        run_dunning(s, DUE + timedelta(days=1))
        assert send_pending(s) == {"sent": 0, "failed": 0, "waiting": 0}  # no server set: rows wait
    with session_scope(db_url) as s:
        set_smtp_settings(s, {"host": "127.0.0.1", "port": port, "from": "billing@isp.example",
                              "starttls": False, "password": "s3cret"})
    with session_scope(db_url) as s:
        stored = s.get(Setting, "smtp.password")
        assert stored is not None and "s3cret" not in str(stored.value)
        assert smtp_config(s)["password"] == "s3cret"
        s.get(Setting, "smtp.password").value = None  # type: ignore[union-attr]  # the server has no AUTH
    with session_scope(db_url) as s:
        assert send_pending(s)["sent"] == 1
    with session_scope(db_url) as s:
        row = s.scalars(select(Notification)).one()
        assert row.status == NotificationStatus.SENT and row.attempts == 1
        invoice_number = s.scalars(select(Invoice.number)).one()
    assert len(inbox) == 1 and "To: ana@example.net" in inbox[0] and invoice_number in inbox[0]


def test_a_failed_send_is_counted_and_kept(db_url: str) -> None:
    _setup(db_url)
    with session_scope(db_url) as s:
        run_dunning(s, DUE + timedelta(days=1))
        set_smtp_settings(s, {"host": "127.0.0.1", "port": 9, "starttls": False})  # nothing listens
    with session_scope(db_url) as s:
        assert send_pending(s)["failed"] == 1
    with session_scope(db_url) as s:
        row = s.scalars(select(Notification)).one()
        assert row.status == NotificationStatus.PENDING and row.attempts == 1 and row.error
