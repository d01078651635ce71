"""Invoices (lines, totals, issue/void) and payments (settling invoices)."""

from __future__ import annotations

from datetime import date

from fastapi.testclient import TestClient

from crm.tests.crm_factories import (
    audit_rows,
    make_customer,
    make_invoice,
    make_plan,
    make_subscription,
    post,
)

MONTHLY = {"description": "Fibre 100, March", "unit_price": "29.90"}
ROUTER = {"description": "Router rental", "quantity": "3", "unit_price": "1.333"}


def test_invoice_total_is_computed_from_lines(client: TestClient) -> None:
    customer = make_customer(client)
    invoice = make_invoice(
        client, customer["id"], [MONTHLY, {"description": "Router", "quantity": "2.5", "unit_price": "3.99"}]
    )
    assert invoice["number"] == f"INV-{invoice['id']:06d}"
    assert invoice["status"] == "draft"
    assert [line["amount"] for line in invoice["lines"]] == ["29.90", "9.98"]  # 2.5 x 3.99 = 9.975, half up
    assert invoice["total"] == "39.88"
    assert invoice["amount_paid"] == "0.00"

    with_discount = client.post(
        f"/crm/invoices/{invoice['id']}/lines", json={"description": "Discount", "unit_price": "-5.00"}
    )
    assert with_discount.status_code == 201
    assert with_discount.json()["total"] == "34.88"

    discount_id = with_discount.json()["lines"][-1]["id"]
    without = client.delete(f"/crm/invoices/{invoice['id']}/lines/{discount_id}")
    assert without.json()["total"] == "39.88"
    assert client.delete(f"/crm/invoices/{invoice['id']}/lines/{discount_id}").status_code == 404

    replaced = client.patch(f"/crm/invoices/{invoice['id']}", json={"lines": [MONTHLY, MONTHLY]})
    assert replaced.json()["total"] == "59.80"
    assert len(replaced.json()["lines"]) == 2
    assert (
        client.post("/crm/invoices", json={"customer_id": customer["id"], "lines": [ROUTER]}).status_code
        == 422
    )


def test_invoice_number_is_unique_and_lines_must_match_the_customer(client: TestClient) -> None:
    ana, bruno = make_customer(client, "C0001"), make_customer(client, "C0002")
    make_invoice(client, ana["id"], [MONTHLY], number="2024-0001")
    duplicate = client.post("/crm/invoices", json={"customer_id": bruno["id"], "number": "2024-0001"})
    assert duplicate.status_code == 409
    assert "number" in duplicate.json()["detail"]

    bruno_sub = make_subscription(client, bruno["id"], make_plan(client)["id"])
    wrong_line = {**MONTHLY, "subscription_id": bruno_sub["id"]}
    mismatch = client.post("/crm/invoices", json={"customer_id": ana["id"], "lines": [wrong_line]})
    assert mismatch.status_code == 422
    assert f"customer {bruno['id']}" in mismatch.json()["detail"]
    assert make_invoice(client, bruno["id"], [wrong_line])["lines"][0]["subscription_id"] == bruno_sub["id"]


def test_issue_and_void_rules(client: TestClient) -> None:
    customer = make_customer(client)
    empty = make_invoice(client, customer["id"], [])
    assert client.post(f"/crm/invoices/{empty['id']}/issue").status_code == 409

    invoice = make_invoice(client, customer["id"], [MONTHLY])
    url = f"/crm/invoices/{invoice['id']}"
    backwards = client.post(f"{url}/issue", json={"issued_on": "2024-03-10", "due_on": "2024-03-01"})
    assert backwards.status_code == 422

    issued = client.post(f"{url}/issue", json={"due_on": "2099-12-31"})
    assert issued.status_code == 200, issued.text
    assert issued.json()["status"] == "issued"
    assert issued.json()["issued_on"] == date.today().isoformat()
    assert issued.json()["due_on"] == "2099-12-31"

    assert client.patch(url, json={"due_on": None}).status_code == 409
    assert client.post(f"{url}/lines", json=MONTHLY).status_code == 409
    assert client.post(f"{url}/issue").status_code == 409
    deleting = client.delete(url)
    assert deleting.status_code == 409
    assert "void" in deleting.json()["detail"]

    voided = client.post(f"{url}/void")
    assert voided.json()["status"] == "void"
    assert client.post(f"{url}/void").status_code == 409
    assert client.delete(f"/crm/invoices/{empty['id']}").status_code == 204
    assert client.post("/crm/invoices/999/issue").status_code == 404


def test_payments_mark_the_invoice_paid_when_covered(client: TestClient, db_url: str) -> None:
    customer = make_customer(client)
    invoice = make_invoice(
        client, customer["id"], [MONTHLY, {"description": "Install", "unit_price": "20.10"}]
    )
    url = f"/crm/invoices/{invoice['id']}"
    early = client.post("/crm/payments", json={"invoice_id": invoice["id"], "amount": "10", "method": "cash"})
    assert early.status_code == 409
    assert "draft" in early.json()["detail"]
    client.post(f"{url}/issue")

    first = post(client, "/crm/payments", {"invoice_id": invoice["id"], "amount": "30.00", "method": "cash"})
    assert first["customer_id"] == customer["id"]
    assert first["currency"] == "USD"
    partly = client.get(url).json()
    assert (partly["status"], partly["amount_paid"]) == ("issued", "30.00")

    second = post(
        client,
        "/crm/payments",
        {"customer_id": customer["id"], "invoice_id": invoice["id"], "amount": "20.00", "method": "card"},
    )
    paid = client.get(url).json()
    assert (paid["status"], paid["amount_paid"]) == ("paid", "50.00")
    assert client.post(f"{url}/void").status_code == 409
    more = client.post("/crm/payments", json={"invoice_id": invoice["id"], "amount": "1", "method": "cash"})
    assert more.status_code == 409

    assert client.delete(f"/crm/payments/{second['id']}").status_code == 204
    reopened = client.get(url).json()
    assert (reopened["status"], reopened["amount_paid"]) == ("issued", "30.00")

    messages = [r.message for r in audit_rows(db_url, "invoice") if r.action == "update"]
    assert messages == [
        "issued",
        "paid: payments 50.00 cover total 50.00",
        "reopened: payments 30.00 no longer cover total 50.00",
    ]


def test_payment_validation(client: TestClient) -> None:
    ana, bruno = make_customer(client, "C0001"), make_customer(client, "C0002")
    invoice = make_invoice(client, ana["id"], [MONTHLY], currency="EUR")
    client.post(f"/crm/invoices/{invoice['id']}/issue")
    base = {"invoice_id": invoice["id"], "amount": "5.00", "method": "cash"}

    assert client.post("/crm/payments", json={**base, "amount": "0"}).status_code == 422
    assert client.post("/crm/payments", json={**base, "method": "cheque"}).status_code == 422
    assert client.post("/crm/payments", json={**base, "currency": "USD"}).status_code == 422
    assert client.post("/crm/payments", json={**base, "customer_id": bruno["id"]}).status_code == 422
    assert client.post("/crm/payments", json={**base, "invoice_id": 999}).status_code == 422
    assert client.post("/crm/payments", json={"amount": "5", "method": "cash"}).status_code == 422
    assert post(client, "/crm/payments", base)["currency"] == "EUR"

    on_account = post(
        client, "/crm/payments", {"customer_id": bruno["id"], "amount": "12.50", "method": "other"}
    )
    assert on_account["invoice_id"] is None
    changed = client.patch(f"/crm/payments/{on_account['id']}", json={"reference": "bank ref 77"})
    assert changed.json()["reference"] == "bank ref 77"
    assert client.patch(f"/crm/payments/{on_account['id']}", json={"amount": "1"}).status_code == 422


def test_invoice_and_payment_filters(client: TestClient) -> None:
    ana, bruno = make_customer(client, "C0001"), make_customer(client, "C0002")
    old = make_invoice(client, ana["id"], [MONTHLY])
    client.post(f"/crm/invoices/{old['id']}/issue", json={"issued_on": "2024-01-01", "due_on": "2024-01-15"})
    new = make_invoice(client, ana["id"], [MONTHLY])
    client.post(f"/crm/invoices/{new['id']}/issue", json={"issued_on": "2024-03-01", "due_on": "2024-03-15"})
    draft = make_invoice(client, bruno["id"], [MONTHLY])
    post(client, "/crm/payments", {"invoice_id": new["id"], "amount": "29.90", "method": "bank_transfer"})
    post(client, "/crm/payments", {"customer_id": bruno["id"], "amount": "1.00", "method": "cash"})

    def invoice_ids(**params: str | int) -> list[int]:
        response = client.get("/crm/invoices", params=params)
        assert response.status_code == 200, response.text
        return [i["id"] for i in response.json()["results"]]

    assert invoice_ids(customer_id=ana["id"]) == [old["id"], new["id"]]
    assert invoice_ids(status="draft") == [draft["id"]]
    assert invoice_ids(issued_from="2024-02-01") == [new["id"]]
    assert invoice_ids(issued_to="2024-02-01") == [old["id"]]
    assert invoice_ids(overdue_on="2024-04-01") == [old["id"]]  # the March one is paid
    assert invoice_ids(number=draft["number"]) == [draft["id"]]

    def payment_amounts(**params: str | int) -> list[str]:
        return [p["amount"] for p in client.get("/crm/payments", params=params).json()["results"]]

    assert payment_amounts(invoice_id=new["id"]) == ["29.90"]
    assert payment_amounts(customer_id=bruno["id"]) == ["1.00"]
    assert payment_amounts(method="bank_transfer") == ["29.90"]
