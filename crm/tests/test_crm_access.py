"""Who may call the CRM: every route declares its permission, the actor of a change is the
authenticated principal (never a header), lists page the one way."""

from __future__ import annotations

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

import crm.api
import crm.billing.api
from core.access import Permission, Requirement
from crm.tests.crm_factories import audit_rows, make_customer
from tests.fixtures import api_client

P = Permission
#: path prefix -> (permission of its reads, permission of its changes)
FAMILIES = {
    "/crm/customers/{customer_id}/balance": (P.BILLING_READ, P.BILLING_WRITE),
    "/crm/customers/{customer_id}/statement": (P.BILLING_READ, P.BILLING_WRITE),
    "/crm/customers": (P.CRM_READ, P.CRM_WRITE),
    "/crm/subscriptions": (P.CRM_READ, P.CRM_WRITE),
    "/crm/service-plans": (P.CRM_READ, P.PLANS_WRITE),
    "/crm/invoices": (P.BILLING_READ, P.BILLING_WRITE),
    "/crm/payments": (P.BILLING_READ, P.BILLING_WRITE),
    "/crm/tickets": (P.CRM_READ, P.TICKETS_WRITE),
    "/crm/billing": (P.BILLING_READ, P.BILLING_WRITE),
    "/crm/tax-rates": (P.BILLING_READ, P.BILLING_WRITE),
    "/crm/notifications": (P.BILLING_READ, P.BILLING_WRITE),
}


def requirements(route: APIRoute) -> list[Requirement]:
    return [d.call for d in route.dependant.dependencies if isinstance(d.call, Requirement)]


def test_every_crm_route_declares_the_permission_of_its_family() -> None:
    routes = [r for r in [*crm.api.router.routes, *crm.billing.api.router.routes] if isinstance(r, APIRoute)]
    assert len(routes) > 30
    for route in routes:
        family = next(prefix for prefix in FAMILIES if route.path.startswith(prefix))
        read, write = FAMILIES[family]
        (method,) = route.methods
        (requirement,) = requirements(route)
        assert not requirement.public, route.path
        assert requirement.permissions == ((read,) if method == "GET" else (write,)), (method, route.path)


@pytest.mark.parametrize("method, path", [
    ("GET", "/crm/customers"), ("POST", "/crm/customers"), ("GET", "/crm/invoices/1"),
    ("PATCH", "/crm/service-plans/1"), ("POST", "/crm/tickets/1/comments"),
])
def test_without_credentials_the_answer_is_401(db_url: str, method: str, path: str) -> None:
    with api_client(db_url) as client:
        del client.headers["Authorization"]
        response = client.request(method, path, json={})
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["status"] == 401


def test_an_unknown_token_is_401(client: TestClient) -> None:
    response = client.get("/crm/customers", headers={"Authorization": "Bearer pst_not-a-token"})
    assert response.status_code == 401


def test_read_only_reads_but_cannot_add_a_customer(db_url: str, client: TestClient) -> None:
    make_customer(client)
    with api_client(db_url, "rita", role="read_only") as reader:
        assert reader.get("/crm/customers").json()["count"] == 1
        refused = reader.post("/crm/customers", json={"code": "C0002", "name": "Bruno"})
    assert refused.status_code == 403
    assert refused.headers["content-type"] == "application/problem+json"
    assert "crm:write" in refused.json()["detail"]
    assert client.get("/crm/customers").json()["count"] == 1


def test_support_cannot_create_an_invoice_billing_can(db_url: str, client: TestClient) -> None:
    customer = make_customer(client)
    body = {"customer_id": customer["id"], "lines": [{"description": "Fibre 100", "unit_price": "29.90"}]}
    with api_client(db_url, "sam", role="support") as support:
        refused = support.post("/crm/invoices", json=body)
        assert refused.status_code == 403
        assert "billing:write" in refused.json()["detail"]
        assert support.get("/crm/invoices").status_code == 200  # support reads billing
        assert support.post("/crm/tickets", json={"subject": "slow"}).status_code == 201
    with api_client(db_url, "bea", role="billing") as billing:
        created = billing.post("/crm/invoices", json=body)
        assert created.status_code == 201, created.text
        assert billing.post(f"/crm/invoices/{created.json()['id']}/issue").status_code == 200
    assert [(r.action, r.actor) for r in audit_rows(db_url, "invoice")] == [("create", "bea"), ("issue", "bea")]


def test_noc_engineer_does_not_see_billing(db_url: str) -> None:
    with api_client(db_url, "nico", role="noc_engineer") as noc:
        assert noc.get("/crm/customers").status_code == 200
        assert noc.get("/crm/invoices").status_code == 403
        assert noc.get("/crm/payments").status_code == 403
        assert noc.post("/crm/customers", json={"code": "C1", "name": "x"}).status_code == 403


def test_a_read_only_token_of_an_admin_cannot_change(db_url: str) -> None:
    with api_client(db_url, "ada", role="admin", write_enabled=False) as token:
        assert token.get("/crm/customers").status_code == 200
        assert token.post("/crm/customers", json={"code": "C1", "name": "x"}).status_code == 403
    with api_client(db_url, "ada", role="admin", token_role="read_only") as narrowed:
        assert narrowed.post("/crm/customers", json={"code": "C1", "name": "x"}).status_code == 403


def test_the_actor_header_is_ignored(db_url: str) -> None:
    with api_client(db_url, "alice", role="support") as alice:
        headers = {"X-Ponstack-User": "mallory", "X-Request-ID": "req-7"}
        created = alice.post("/crm/customers", json={"code": "C1", "name": "x"}, headers=headers)
        assert created.status_code == 201
        assert alice.post("/crm/tickets", json={"subject": "x"}, headers=headers).status_code == 201
    rows = audit_rows(db_url, "customer") + audit_rows(db_url, "ticket")
    assert [(r.actor, r.request_id) for r in rows] == [("alice", "req-7"), ("alice", "req-7")]


@pytest.mark.parametrize("path", [
    "/crm/customers", "/crm/service-plans", "/crm/subscriptions", "/crm/invoices", "/crm/payments", "/crm/tickets",
])
def test_every_list_pages_the_one_way(client: TestClient, path: str) -> None:
    page = client.get(path)
    assert page.status_code == 200, page.text
    assert page.json() == {"count": 0, "count_is_estimate": False, "limit": 50, "offset": 0, "results": []}
    too_many = client.get(path, params={"limit": 501})
    assert too_many.status_code == 422
    assert too_many.headers["content-type"] == "application/problem+json"
    assert too_many.json()["errors"][0]["loc"] == ["query", "limit"]
    assert client.get(path, params={"limit": 500}).status_code == 200
    assert client.get(path, params={"limit": 0}).status_code == 422
    assert client.get(path, params={"offset": -1}).status_code == 422
