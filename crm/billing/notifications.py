"""The notification outbox and its e-mail sender.

Rows are written in the transaction that causes them (a dunning reminder); the worker sends
pending ones through the SMTP server set in the settings rows `smtp.host`, `smtp.port`,
`smtp.username`, `smtp.password` (stored encrypted, core.crypto), `smtp.from`, `smtp.starttls`.
Without `smtp.host` nothing is sent and the rows wait. A failure counts an attempt and keeps
the error; after MAX_ATTEMPTS the row is `failed`."""

from __future__ import annotations

import contextlib
import smtplib
from datetime import UTC, datetime
from email.message import EmailMessage
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.crypto import decrypt, encrypt
from core.models import Setting
from core.system_settings import get_settings_map
from crm.billing.models import Notification, NotificationStatus

MAX_ATTEMPTS = 5
SMTP_KEYS = ("smtp.host", "smtp.port", "smtp.username", "smtp.password", "smtp.from", "smtp.starttls")


def queue_email(session: Session, to: str, subject: str, body: str, *, customer_id: int | None = None,
                invoice_id: int | None = None) -> Notification:
    row = Notification(channel="email", to_address=to, subject=subject, body=body, customer_id=customer_id,
                       invoice_id=invoice_id, status=NotificationStatus.PENDING, attempts=0)
    session.add(row)
    return row


def smtp_config(session: Session) -> dict[str, Any]:
    values = get_settings_map(session, "smtp.")
    password = values.get("smtp.password")
    return {
        "host": values.get("smtp.host"),
        "port": int(values.get("smtp.port") or 587),
        "username": values.get("smtp.username"),
        "password": decrypt(password) if password else None,
        "from": values.get("smtp.from") or "billing@localhost",
        "starttls": bool(values.get("smtp.starttls", False)),
    }


def set_smtp_settings(session: Session, changes: dict[str, Any]) -> None:
    """Write smtp.* rows; the password is encrypted on the way (None clears it)."""
    for key, value in changes.items():
        full = key if key.startswith("smtp.") else f"smtp.{key}"
        if full not in SMTP_KEYS:
            raise KeyError(full)
        if full == "smtp.password" and value is not None:
            value = encrypt(str(value))
        row = session.get(Setting, full)
        if row is None:
            session.add(Setting(key=full, value=value, description=""))
        else:
            row.value = value


def send_pending(session: Session, limit: int = 200, now: datetime | None = None) -> dict[str, int]:
    """Send pending e-mails (rows locked SKIP LOCKED: two workers never send one twice)."""
    config = smtp_config(session)
    if not config["host"]:
        return {"sent": 0, "failed": 0, "waiting": 0}
    rows = session.scalars(select(Notification).where(Notification.status == NotificationStatus.PENDING)
                           .order_by(Notification.id).limit(limit).with_for_update(skip_locked=True)).all()
    sent = failed = 0
    client: smtplib.SMTP | None = None
    try:
        for row in rows:
            row.attempts += 1
            try:
                if client is None:
                    client = smtplib.SMTP(config["host"], config["port"], timeout=15)
                    if config["starttls"]:
                        client.starttls()
                    if config["username"]:
                        client.login(config["username"], config["password"] or "")
                message = EmailMessage()
                message["From"], message["To"], message["Subject"] = config["from"], row.to_address, row.subject
                message.set_content(row.body)
                client.send_message(message)
            except (OSError, smtplib.SMTPException) as exc:
                row.error = f"{type(exc).__name__}: {exc}"[:2000]
                if row.attempts >= MAX_ATTEMPTS:
                    row.status = NotificationStatus.FAILED
                failed += 1
                client = None
                continue
            row.status, row.error, row.sent_at = NotificationStatus.SENT, None, now or datetime.now(UTC)
            sent += 1
    finally:
        if client is not None:
            with contextlib.suppress(OSError, smtplib.SMTPException):
                client.quit()
    session.flush()
    return {"sent": sent, "failed": failed, "waiting": len(rows) - sent}
