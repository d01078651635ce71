"""Customers: CRUD, filters, pagination, uniqueness, delete rules, audit."""

from __future__ import annotations

from fastapi.testclient import TestClient

from crm.tests.crm_factories import audit_rows, make_customer, make_plan, make_subscription
from tests.fixtures import api_client


def test_customer_crud_round_trip(client: TestClient) -> None:
    created = make_customer(client, "C0001", email="ana@example.net", phone="+34 600 000 001")
    assert created["status"] == "active"
    assert created["address"] == ""

    fetched = client.get(f"/crm/customers/{created['id']}").json()
    assert fetched == created

    patched = client.patch(f"/crm/customers/{created['id']}", json={"name": "Ana Pérez", "email": None})
    assert patched.status_code == 200
    assert patched.json()["name"] == "Ana Pérez"
    assert patched.json()["email"] is None
    assert patched.json()["phone"] == "+34 600 000 001"

    assert client.delete(f"/crm/customers/{created['id']}").status_code == 204
    missing = client.get(f"/crm/customers/{created['id']}")
    assert missing.status_code == 404
    assert missing.json()["detail"] == f"customer {created['id']} not found"


def test_duplicate_customer_code_is_409_naming_the_field(client: TestClient) -> None:
    make_customer(client, "C0001")
    second = client.post("/crm/customers", json={"code": "C0001", "name": "Someone else"})
    assert second.status_code == 409
    assert "code" in second.json()["detail"]
    assert "C0001" in second.json()["detail"]

    other = make_customer(client, "C0002")
    renamed = client.patch(f"/crm/customers/{other['id']}", json={"code": "C0001"})
    assert renamed.status_code == 409


def test_invalid_customer_input_is_422(client: TestClient) -> None:
    assert client.post("/crm/customers", json={"code": "", "name": "x"}).status_code == 422
    assert client.post("/crm/customers", json={"code": "C1", "name": "x", "email": "nope"}).status_code == 422
    assert client.post("/crm/customers", json={"code": "C1", "name": "x", "colour": "red"}).status_code == 422
    customer = make_customer(client)
    assert client.patch(f"/crm/customers/{customer['id']}", json={"name": None}).status_code == 422
    assert client.patch("/crm/customers/999", json={"name": "x"}).status_code == 404


def test_customer_filters(client: TestClient) -> None:
    make_customer(client, "C0001", name="Ana Pérez", email="ana@example.net")
    make_customer(client, "C0002", name="Bruno Díaz", status="suspended")
    make_customer(client, "C0003", name="Carla 100%")

    def codes(**params: str) -> list[str]:
        response = client.get("/crm/customers", params=params)
        assert response.status_code == 200, response.text
        return [c["code"] for c in response.json()["results"]]

    assert codes(q="example.NET") == ["C0001"]
    assert codes(q="díaz") == ["C0002"]
    assert codes(q="100%") == ["C0003"]  # % is matched literally, not as a wildcard
    assert codes(q="%") == ["C0003"]
    assert codes(status="suspended") == ["C0002"]
    assert codes(code="C0003") == ["C0003"]
    assert client.get("/crm/customers", params={"stauts": "active"}).status_code == 422


def test_customer_pagination(client: TestClient) -> None:
    for n in range(1, 8):
        make_customer(client, f"C{n:04d}")

    page = client.get("/crm/customers", params={"limit": 3, "offset": 2}).json()
    assert page["count"] == 7
    assert (page["limit"], page["offset"]) == (3, 2)
    assert [c["code"] for c in page["results"]] == ["C0003", "C0004", "C0005"]

    default = client.get("/crm/customers").json()
    assert default["limit"] == 50
    assert len(default["results"]) == 7
    assert client.get("/crm/customers", params={"limit": 501}).status_code == 422
    assert client.get("/crm/customers", params={"limit": 500}).status_code == 200
    assert client.get("/crm/customers", params={"offset": -1}).status_code == 422


def test_customer_with_subscriptions_cannot_be_deleted(client: TestClient) -> None:
    customer = make_customer(client)
    make_subscription(client, customer["id"], make_plan(client)["id"])
    refused = client.delete(f"/crm/customers/{customer['id']}")
    assert refused.status_code == 409
    assert f"customer {customer['id']}" in refused.json()["detail"]
    assert "subscription" in refused.json()["detail"]
    assert client.get(f"/crm/customers/{customer['id']}").status_code == 200


def test_customer_with_invoices_cannot_be_deleted(client: TestClient) -> None:
    customer = make_customer(client)
    client.post("/crm/invoices", json={"customer_id": customer["id"]})
    refused = client.delete(f"/crm/customers/{customer['id']}")
    assert refused.status_code == 409
    assert "invoices" in refused.json()["detail"]


def test_customer_changes_are_audited_with_the_authenticated_actor(db_url: str) -> None:
    with api_client(db_url, "alice", role="support") as alice:
        created = alice.post(  # the old actor header is ignored: the token says who acts
            "/crm/customers", json={"code": "C0001", "name": "Ana"}, headers={"X-Ponstack-User": "maria"}
        ).json()
        alice.patch(f"/crm/customers/{created['id']}", json={"name": "Ana P."})
        alice.patch(f"/crm/customers/{created['id']}", json={"name": "Ana P."})  # no change, no row
        alice.delete(f"/crm/customers/{created['id']}", headers={"X-Request-ID": "req-42"})

    rows = audit_rows(db_url, "customer")
    assert [(r.action, r.actor) for r in rows] == [("create", "alice"), ("update", "alice"), ("delete", "alice")]
    assert all(r.object_id == str(created["id"]) for r in rows)
    create, update, delete = rows
    assert create.before is None
    assert create.after is not None and create.after["code"] == "C0001"
    assert update.before is not None and update.before["name"] == "Ana"
    assert update.after is not None and update.after["name"] == "Ana P."
    assert delete.before is not None and delete.before["name"] == "Ana P."
    assert delete.after is None
    assert delete.request_id == "req-42"
    assert create.request_id and create.request_id != update.request_id  # one per request otherwise
