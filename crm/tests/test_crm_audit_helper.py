"""core.audit: the shared change-log helper (used by the CRM and the OMS)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import select

from core.audit import audit
from core.db import session_scope
from core.models import AuditLog
from crm.models import InvoiceStatus


def test_audit_row_is_written_with_json_safe_snapshots(db_url: str) -> None:
    with session_scope(db_url) as session:
        before = {"total": Decimal("10.50"), "status": InvoiceStatus.DRAFT, "due_on": date(2024, 3, 1)}
        after = {**before, "status": InvoiceStatus.ISSUED, "tags": ("a", "b")}
        audit(session, "maria", "update", "invoice", 7, before, after, message="issued", request_id="r1")

    with session_scope(db_url) as session:
        row = session.scalars(select(AuditLog)).one()
    assert (row.actor, row.action, row.object_type, row.object_id) == ("maria", "update", "invoice", "7")
    assert row.before == {"total": "10.50", "status": "draft", "due_on": "2024-03-01"}
    assert row.after == {"total": "10.50", "status": "issued", "due_on": "2024-03-01", "tags": ["a", "b"]}
    assert (row.message, row.request_id) == ("issued", "r1")


def test_audit_row_rolls_back_with_the_change(db_url: str) -> None:
    try:
        with session_scope(db_url) as session:
            audit(session, "api", "create", "customer", None, None, {"code": "C1"})
            raise RuntimeError("the change failed")
    except RuntimeError:
        pass
    with session_scope(db_url) as session:
        assert session.scalars(select(AuditLog)).all() == []
