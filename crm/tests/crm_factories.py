"""Create CRM objects through the API, failing loudly if the API refuses."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from core.db import session_scope
from core.models import AuditLog


def post(client: TestClient, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = client.post(path, json=body)
    assert response.status_code == 201, response.text
    return response.json()


def make_customer(client: TestClient, code: str = "C0001", **fields: Any) -> dict[str, Any]:
    return post(client, "/crm/customers", {"code": code, "name": f"Customer {code}", **fields})


def make_plan(client: TestClient, name: str = "Fibre 100", **fields: Any) -> dict[str, Any]:
    body = {"name": name, "download_kbps": 100_000, "upload_kbps": 50_000, "price": "29.90", **fields}
    return post(client, "/crm/service-plans", body)


def make_subscription(client: TestClient, customer_id: int, plan_id: int, **fields: Any) -> dict[str, Any]:
    return post(client, "/crm/subscriptions", {"customer_id": customer_id, "plan_id": plan_id, **fields})


def make_invoice(
    client: TestClient, customer_id: int, lines: list[dict[str, Any]], **fields: Any
) -> dict[str, Any]:
    return post(client, "/crm/invoices", {"customer_id": customer_id, "lines": lines, **fields})


def audit_rows(db_url: str, object_type: str) -> list[AuditLog]:
    with session_scope(db_url) as session:
        stmt = select(AuditLog).where(AuditLog.object_type == object_type).order_by(AuditLog.id)
        return list(session.scalars(stmt))
