"""The billing routes end to end through the application, and the invoice's HTML (escaped)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from fastapi.testclient import TestClient

from core.db import session_scope
from crm.billing.api import router as billing_router
from crm.billing.tests.helpers import customer, plan, subscription
from tests.fixtures import api_client


def _with_billing(client: TestClient) -> TestClient:
    """api.app wires crm.billing.api.router in ROUTERS; add it when this tree does not yet."""
    app = client.app
    if not any(getattr(r, "path", "") == "/crm/billing/runs" for r in app.routes):  # type: ignore[attr-defined]
        app.include_router(billing_router)  # type: ignore[attr-defined]
    return client


@pytest.fixture
def client(db_url: str) -> Iterator[TestClient]:
    with api_client(db_url) as test_client:
        yield _with_billing(test_client)


def test_preview_run_pay_refund_statement_and_html(db_url: str, client: TestClient) -> None:
    with session_scope(db_url) as s:
        cust = customer(s, name="Ana <script>alert(1)</script> & Co", email="ana@example.net")
        subscription(s, cust, plan(s, "Fibre <b>100</b>", "30.00"), date(2025, 6, 5))
        cust_id = cust.id
    vat = client.post("/crm/tax-rates", json={"name": "VAT", "rate": "21"})
    assert vat.status_code == 201, vat.text
    preview = client.post("/crm/billing/runs/preview", json={"run_on": "2026-03-05"})
    assert preview.status_code == 200, preview.text
    assert preview.json()["invoices_created"] == 1 and preview.json()["run_id"] is None
    assert client.get("/crm/invoices").json()["count"] == 0
    run = client.post("/crm/billing/runs", json={"run_on": "2026-03-05"})
    assert run.status_code == 201 and run.json()["total"] == "30.00"
    assert client.post("/crm/billing/runs", json={"run_on": "2026-03-05"}).json()["invoices_created"] == 0
    invoice = client.get("/crm/invoices").json()["results"][0]
    assert invoice["number"] == "2026-000001" and invoice["status"] == "issued"

    paid = client.post("/crm/payments", json={"customer_id": cust_id, "amount": "45.00", "method": "card",
                                              "allocations": [{"invoice_id": invoice["id"], "amount": "30.00"}]})
    assert paid.status_code == 201, paid.text
    assert paid.json()["unallocated"] == "15.00"
    assert client.get(f"/crm/invoices/{invoice['id']}").json()["status"] == "paid"
    refund = client.post(f"/crm/payments/{paid.json()['id']}/refunds", json={"amount": "15.00"})
    assert refund.status_code == 201, refund.text
    assert client.post(f"/crm/payments/{paid.json()['id']}/refunds", json={"amount": "0.01"}).status_code == 409
    assert client.get(f"/crm/customers/{cust_id}/balance").json()["balance"] == "0.00"
    statement = client.get(f"/crm/customers/{cust_id}/statement").json()
    assert [line["balance"] for line in statement["lines"]][-1] == "0.00"

    html = client.get(f"/crm/invoices/{invoice['id']}/html")
    assert html.status_code == 200 and html.headers["content-type"].startswith("text/html")
    assert "2026-000001" in html.text and "30.00" in html.text
    assert "&lt;script&gt;" in html.text and "<script>" not in html.text
    assert "Fibre &lt;b&gt;100&lt;/b&gt;" in html.text

    note = client.post(f"/crm/invoices/{invoice['id']}/credit-note", json={"reason": "outage"})
    assert note.status_code == 201 and note.json()["total"] == "-30.00"
    assert client.get(f"/crm/invoices/{note.json()['id']}/html").text.count("Credit note") >= 1
    dunning = client.post("/crm/billing/dunning/run", json={"today": "2026-04-01"})
    assert dunning.status_code == 200, dunning.text
    assert client.get("/crm/notifications").json()["count"] == 0
    assert client.get("/crm/billing/runs").json()["count"] == 2


def test_a_manual_draft_is_numbered_at_issue_and_void_keeps_the_number(client: TestClient) -> None:
    cust = client.post("/crm/customers", json={"code": "C1", "name": "Bruno"}).json()
    draft = client.post("/crm/invoices", json={"customer_id": cust["id"], "lines": [
        {"description": "Install", "quantity": "2.5", "unit_price": "3.99"}]})
    assert draft.status_code == 201, draft.text
    assert draft.json()["number"] is None and draft.json()["total"] == "9.98"
    issued = client.post(f"/crm/invoices/{draft.json()['id']}/issue", json={"issued_on": "2026-05-02"})
    assert issued.status_code == 200 and issued.json()["number"] == "2026-000001"
    assert client.post(f"/crm/invoices/{draft.json()['id']}/issue").status_code == 409
    voided = client.post(f"/crm/invoices/{draft.json()['id']}/void")
    assert voided.json()["status"] == "void" and voided.json()["number"] == "2026-000001"
    assert client.delete(f"/crm/invoices/{draft.json()['id']}").status_code == 409
