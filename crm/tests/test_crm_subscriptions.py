"""Subscriptions: lifecycle rules, PPPoE credentials (encrypted, write-only)."""

from __future__ import annotations

import json
from datetime import date

import psycopg
from fastapi.testclient import TestClient

from core.crypto import decrypt
from core.db import libpq_url
from crm.tests.crm_factories import audit_rows, make_customer, make_plan, make_subscription

SECRET = "s3cret-Pppoe!"


def raw_password(db_url: str, subscription_id: int) -> str | None:
    with psycopg.connect(libpq_url(db_url)) as conn:
        row = conn.execute(
            "SELECT pppoe_password FROM subscriptions WHERE id = %s", (subscription_id,)
        ).fetchone()
    assert row is not None
    return row[0]


def test_pppoe_password_is_encrypted_and_never_returned(client: TestClient, db_url: str) -> None:
    customer, plan = make_customer(client), make_plan(client)
    created = client.post(
        "/crm/subscriptions",
        json={
            "customer_id": customer["id"],
            "plan_id": plan["id"],
            "pppoe_username": "ana@isp",
            "pppoe_password": SECRET,
        },
    )
    assert created.status_code == 201
    sub = created.json()
    assert sub["has_pppoe_password"] is True
    assert "pppoe_password" not in sub

    stored = raw_password(db_url, sub["id"])
    assert stored is not None and SECRET not in stored
    assert decrypt(stored) == SECRET

    responses = [
        client.get(f"/crm/subscriptions/{sub['id']}"),
        client.get("/crm/subscriptions"),
        client.patch(f"/crm/subscriptions/{sub['id']}", json={"pppoe_password": "n3w-" + SECRET}),
    ]
    for response in responses:
        assert response.status_code == 200
        assert SECRET not in response.text
        assert '"pppoe_password"' not in response.text
    assert decrypt(raw_password(db_url, sub["id"]) or "") == "n3w-" + SECRET

    cleared = client.patch(f"/crm/subscriptions/{sub['id']}", json={"pppoe_password": None}).json()
    assert cleared["has_pppoe_password"] is False
    assert raw_password(db_url, sub["id"]) is None

    rows = audit_rows(db_url, "subscription")
    assert [r.message for r in rows] == ["", "pppoe password changed", "pppoe password cleared"]
    assert {r.actor for r in rows} == {"admin"}  # the token's user (conftest's client)
    assert SECRET not in json.dumps([[r.before, r.after] for r in rows])


def test_duplicate_pppoe_username_is_409(client: TestClient) -> None:
    customer, plan = make_customer(client), make_plan(client)
    make_subscription(client, customer["id"], plan["id"], pppoe_username="ana@isp")
    second = client.post(
        "/crm/subscriptions",
        json={"customer_id": customer["id"], "plan_id": plan["id"], "pppoe_username": "ana@isp"},
    )
    assert second.status_code == 409
    assert "pppoe_username" in second.json()["detail"]


def test_subscription_lifecycle(client: TestClient) -> None:
    customer, plan = make_customer(client), make_plan(client)
    sub = make_subscription(client, customer["id"], plan["id"])
    assert (sub["status"], sub["started_on"]) == ("pending", None)
    url = f"/crm/subscriptions/{sub['id']}"

    active = client.patch(url, json={"status": "active"}).json()
    assert (active["status"], active["started_on"]) == ("active", date.today().isoformat())
    assert client.patch(url, json={"status": "pending"}).status_code == 409
    assert client.patch(url, json={"status": "suspended"}).json()["status"] == "suspended"
    refused_delete = client.delete(url)
    assert refused_delete.status_code == 409
    assert "cancel" in refused_delete.json()["detail"]

    cancelled = client.patch(url, json={"status": "cancelled"}).json()
    assert (cancelled["status"], cancelled["ended_on"]) == ("cancelled", date.today().isoformat())
    reactivate = client.patch(url, json={"status": "active"})
    assert reactivate.status_code == 409
    assert "cancelled to active" in reactivate.json()["detail"]
    assert client.delete(url).status_code == 204
    assert client.get(url).status_code == 404


def test_subscription_rules_on_create(client: TestClient) -> None:
    customer, plan = make_customer(client), make_plan(client)
    started = make_subscription(client, customer["id"], plan["id"], status="active", started_on="2024-01-01")
    assert (started["status"], started["started_on"]) == ("active", "2024-01-01")
    body = {"customer_id": customer["id"], "plan_id": plan["id"]}

    assert client.post("/crm/subscriptions", json={**body, "status": "cancelled"}).status_code == 422
    missing = client.post("/crm/subscriptions", json={**body, "customer_id": 999})
    assert missing.status_code == 422
    assert "customer 999" in missing.json()["detail"]
    backwards = {**body, "started_on": "2024-02-01", "ended_on": "2024-01-01"}
    assert client.post("/crm/subscriptions", json=backwards).status_code == 422

    retired = make_plan(client, "Retired", is_active=False)
    assert client.post("/crm/subscriptions", json={**body, "plan_id": retired["id"]}).status_code == 409

    suspended = make_customer(client, "C0002", status="suspended")
    blocked = client.post(
        "/crm/subscriptions", json={**body, "customer_id": suspended["id"], "status": "active"}
    )
    assert blocked.status_code == 409
    assert f"customer {suspended['id']} is suspended" in blocked.json()["detail"]


def test_subscription_plan_change_and_filters(client: TestClient) -> None:
    ana, bruno = make_customer(client, "C0001"), make_customer(client, "C0002")
    basic, fast = make_plan(client, "Basic"), make_plan(client, "Fast")
    sub = make_subscription(client, ana["id"], basic["id"], pppoe_username="ana")
    make_subscription(client, bruno["id"], basic["id"], status="active")

    moved = client.patch(f"/crm/subscriptions/{sub['id']}", json={"plan_id": fast["id"]})
    assert moved.json()["plan_id"] == fast["id"]
    assert client.patch(f"/crm/subscriptions/{sub['id']}", json={"plan_id": 999}).status_code == 422

    def customers(**params: str | int) -> list[int]:
        return [s["customer_id"] for s in client.get("/crm/subscriptions", params=params).json()["results"]]

    assert customers(plan_id=basic["id"]) == [bruno["id"]]
    assert customers(status="active") == [bruno["id"]]
    assert customers(customer_id=ana["id"]) == [ana["id"]]
    assert customers(pppoe_username="ana") == [ana["id"]]
