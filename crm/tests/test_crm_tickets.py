"""Tickets and their comments."""

from __future__ import annotations

from fastapi.testclient import TestClient

from crm.tests.crm_factories import audit_rows, make_customer, post


def test_ticket_crud_with_comments(client: TestClient, db_url: str) -> None:
    customer = make_customer(client)
    ticket = post(client, "/crm/tickets", {"subject": "No internet since 9am", "customer_id": customer["id"]})
    assert (ticket["status"], ticket["priority"], ticket["comments"]) == ("open", "normal", [])
    url = f"/crm/tickets/{ticket['id']}"

    first = post(client, f"{url}/comments", {"body": "ONU shows LOS, dispatching a technician"})
    post(client, f"{url}/comments", {"body": "Fibre repaired"})
    assert first["ticket_id"] == ticket["id"]
    bodies = [c["body"] for c in client.get(f"{url}/comments").json()]
    assert bodies == ["ONU shows LOS, dispatching a technician", "Fibre repaired"]
    assert [c["body"] for c in client.get(url).json()["comments"]] == bodies
    assert client.post(f"{url}/comments", json={"body": "  "}).status_code == 422

    resolved = client.patch(url, json={"status": "resolved", "priority": "high", "customer_id": None})
    assert resolved.status_code == 200
    assert (resolved.json()["status"], resolved.json()["priority"]) == ("resolved", "high")
    assert resolved.json()["customer_id"] is None
    assert client.patch(url, json={"subject": None}).status_code == 422

    assert client.delete(url).status_code == 204
    assert client.get(f"{url}/comments").status_code == 404
    assert [r.action for r in audit_rows(db_url, "ticket")] == ["create", "update", "delete"]
    assert [r.action for r in audit_rows(db_url, "ticket_comment")] == ["create", "create"]


def test_ticket_references_must_exist(client: TestClient) -> None:
    for field in ("customer_id", "onu_id", "assigned_to_id"):
        response = client.post("/crm/tickets", json={"subject": "x", field: 999})
        assert response.status_code == 422, field
        assert field in response.json()["detail"]
    assert client.post("/crm/tickets/999/comments", json={"body": "hello"}).status_code == 404


def test_ticket_filters(client: TestClient) -> None:
    customer = make_customer(client)
    post(client, "/crm/tickets", {"subject": "Slow speed", "customer_id": customer["id"]})
    post(client, "/crm/tickets", {"subject": "Router reboot loop", "priority": "urgent"})
    post(client, "/crm/tickets", {"subject": "Billing question", "status": "closed"})

    def subjects(**params: str | int) -> list[str]:
        return [t["subject"] for t in client.get("/crm/tickets", params=params).json()["results"]]

    assert subjects(q="ROUTER") == ["Router reboot loop"]
    assert subjects(customer_id=customer["id"]) == ["Slow speed"]
    assert subjects(priority="urgent") == ["Router reboot loop"]
    assert subjects(status="closed") == ["Billing question"]
    assert subjects(status="open") == ["Slow speed", "Router reboot loop"]
