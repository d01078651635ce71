"""Optimistic concurrency: customers, subscriptions and service plans answer an ETag, and
an update sending an older one as If-Match is refused (412) instead of overwriting."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from core.access import system_principal
from core.concurrency import PreconditionFailed
from core.db import session_scope
from crm import schemas, services
from crm.tests.crm_factories import audit_rows, make_customer, make_plan, make_subscription

Maker = Callable[[TestClient], tuple[str, dict[str, Any], dict[str, Any]]]


def customer(client: TestClient) -> tuple[str, dict[str, Any], dict[str, Any]]:
    return f"/crm/customers/{make_customer(client)['id']}", {"name": "Ana P."}, {"name": "Ana Q."}


def subscription(client: TestClient) -> tuple[str, dict[str, Any], dict[str, Any]]:
    sub = make_subscription(client, make_customer(client)["id"], make_plan(client)["id"])
    return f"/crm/subscriptions/{sub['id']}", {"pppoe_username": "ana@isp"}, {"pppoe_username": "eve@isp"}


def plan(client: TestClient) -> tuple[str, dict[str, Any], dict[str, Any]]:
    return f"/crm/service-plans/{make_plan(client)['id']}", {"price": "31.00"}, {"price": "1.00"}


@pytest.mark.parametrize("make", [customer, subscription, plan], ids=["customer", "subscription", "plan"])
def test_a_stale_if_match_is_412_and_changes_nothing(client: TestClient, db_url: str, make: Maker) -> None:
    url, change, other_change = make(client)
    read = client.get(url)
    first = read.headers["ETag"]
    assert first.startswith('"') and first.endswith('"')
    assert client.get(url).headers["ETag"] == first, "the version of an unchanged record is stable"

    updated = client.patch(url, json=change, headers={"If-Match": first})
    assert updated.status_code == 200, updated.text
    second = updated.headers["ETag"]
    assert second != first
    assert client.get(url).headers["ETag"] == second, "PATCH answers the version a read gets"
    audited = len(audit_rows(db_url, url.split("/")[2].rstrip("s").replace("-", "_")))

    stale = client.patch(url, json=other_change, headers={"If-Match": first})
    assert stale.status_code == 412
    assert stale.headers["content-type"] == "application/problem+json"
    assert "changed by someone else" in stale.json()["detail"]
    assert "ETag" not in stale.headers
    after = client.get(url)
    assert after.json() == updated.json(), "the refused write changed nothing"
    assert after.headers["ETag"] == second
    assert len(audit_rows(db_url, url.split("/")[2].rstrip("s").replace("-", "_"))) == audited

    # several tags, a weak one, `*`, or none: the current version passes
    assert client.patch(url, json=change, headers={"If-Match": f'"other", W/{second}'}).status_code == 200
    assert client.patch(url, json=change, headers={"If-Match": "*"}).status_code == 200
    assert client.patch(url, json=other_change).status_code == 200


def test_a_profile_change_moves_the_plan_version(client: TestClient) -> None:
    url = f"/crm/service-plans/{make_plan(client)['id']}"
    first = client.get(url).headers["ETag"]
    put = client.put(f"{url}/profiles/huawei_smartax", json={"line_profile": "LINE-100M"}, headers={"If-Match": first})
    assert put.status_code == 200, put.text
    second = put.headers["ETag"]
    assert second != first and client.get(url).headers["ETag"] == second
    stale = client.put(f"{url}/profiles/huawei_smartax", json={"line_profile": "LINE-1G"}, headers={"If-Match": first})
    assert stale.status_code == 412
    assert client.get(f"{url}/profiles").json()[0]["line_profile"] == "LINE-100M"

    removed = client.delete(f"{url}/profiles/huawei_smartax")
    assert removed.status_code == 200
    assert removed.headers["ETag"] not in (first, second)
    assert client.patch(url, json={"name": "Fibre 100+"}, headers={"If-Match": second}).status_code == 412


def test_if_match_and_412_are_documented(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    for path, method in [
        ("/crm/customers/{customer_id}", "patch"),
        ("/crm/subscriptions/{subscription_id}", "patch"),
        ("/crm/service-plans/{plan_id}", "patch"),
        ("/crm/service-plans/{plan_id}/profiles/{vendor_family}", "put"),
    ]:
        operation = paths[path][method]
        assert "If-Match" in [p["name"] for p in operation["parameters"] if p["in"] == "header"], path
        assert "412" in operation["responses"], path
        assert "problem" in str(operation["responses"]["412"]["content"]).lower(), path


def test_two_writers_sending_the_same_etag_at_once_cannot_both_write(client: TestClient, db_url: str) -> None:
    """The check and the write hold the row: the second writer waits for the first to commit,
    then sees the new version and is refused."""
    customer_id = make_customer(client)["id"]
    tag = client.get(f"/crm/customers/{customer_id}").headers["ETag"]
    who = system_principal("test")
    outcome: list[str] = []

    def second_writer() -> None:
        try:
            with session_scope(db_url) as session:
                services.update_customer(session, customer_id, schemas.CustomerUpdate(name="B"), who, tag)
            outcome.append("written")
        except PreconditionFailed:
            outcome.append("412")

    with session_scope(db_url) as session:
        services.update_customer(session, customer_id, schemas.CustomerUpdate(name="A"), who, tag)
        other = threading.Thread(target=second_writer)
        other.start()
        other.join(0.5)
        assert other.is_alive(), "the second writer waits for the first one's row lock"
    other.join(10)
    assert outcome == ["412"]
    assert client.get(f"/crm/customers/{customer_id}").json()["name"] == "A"
