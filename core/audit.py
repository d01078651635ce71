"""Change logging shared by every domain: one `audit_log` row per create/update/delete."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from core.models import AuditLog

Snapshot = dict[str, Any] | None


def audit(
    session: Session,
    actor: str,
    action: str,
    obj_type: str,
    obj_id: object,
    before: Snapshot,
    after: Snapshot,
    *,
    message: str = "",
    request_id: str | None = None,
) -> AuditLog:
    """Add an audit row to the caller's transaction, so it commits or rolls back with the change.

    Snapshots must already be free of secrets; values are made JSON-safe here."""
    row = AuditLog(
        actor=actor,
        action=action,
        object_type=obj_type,
        object_id=None if obj_id is None else str(obj_id),
        before=json_safe(before),
        after=json_safe(after),
        message=message,
        request_id=request_id,
    )
    session.add(row)
    return row


def json_safe(value: Any) -> Any:
    """Convert the values ORM rows hold (Decimal, dates, enums) to JSON types."""
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [json_safe(v) for v in value]
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value
