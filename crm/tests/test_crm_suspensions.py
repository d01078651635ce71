"""Suspensions by reason: the first reason suspends the service on the network, the last one
lifted restores it, and a payment (non-payment lifted) leaves an admin suspension in force."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import update

from core.db import session_scope
from crm import lifecycle
from crm.models import Subscription, SubscriptionStatus
from crm.tests.crm_factories import make_customer, make_plan, make_subscription
from oms.models import JobKind, Onu, OnuLifecycle
from tests.fixtures import api_client


def active_subscription_with_onu(client: TestClient, db_url: str) -> tuple[int, int]:
    customer = make_customer(client)
    plan = make_plan(client)
    subscription_id = make_subscription(client, customer["id"], plan["id"])["id"]
    with session_scope(db_url) as session:
        session.execute(update(Subscription).where(Subscription.id == subscription_id)
                        .values(status=SubscriptionStatus.ACTIVE))
        onu = Onu(serial="HWTC11E70E9A", lifecycle_state=OnuLifecycle.PREPROVISIONED, subscription_id=subscription_id)
        session.add(onu)
        session.flush()
        return subscription_id, onu.id


def status_of(db_url: str, subscription_id: int) -> SubscriptionStatus:
    with session_scope(db_url) as session:
        subscription = session.get(Subscription, subscription_id)
        assert subscription is not None
        return subscription.status


def test_the_service_comes_back_only_when_no_reason_remains(client: TestClient, db_url: str) -> None:
    subscription_id, _ = active_subscription_with_onu(client, db_url)
    with session_scope(db_url) as session:
        first = lifecycle.suspend(session, subscription_id, "non_payment", actor="dunning")
        second = lifecycle.suspend(session, subscription_id, "admin", actor="alice")
        again = lifecycle.suspend(session, subscription_id, "admin", actor="alice")
    assert (first.kind, first.reasons) == (JobKind.SUSPEND, ["non_payment"])
    assert (second.kind, second.reasons) == (None, ["admin", "non_payment"])  # already down: nothing to push
    assert again.reasons == ["admin", "non_payment"]
    assert status_of(db_url, subscription_id) is SubscriptionStatus.SUSPENDED

    with session_scope(db_url) as session:
        paid = lifecycle.lift(session, subscription_id, "non_payment", actor="payment 7")
    assert (paid.kind, paid.reasons) == (None, ["admin"])
    assert status_of(db_url, subscription_id) is SubscriptionStatus.SUSPENDED  # the admin reason holds

    with session_scope(db_url) as session:
        cleared = lifecycle.lift(session, subscription_id, "admin", actor="alice")
    assert (cleared.kind, cleared.reasons) == (JobKind.RESUME, [])
    assert status_of(db_url, subscription_id) is SubscriptionStatus.ACTIVE


def test_an_onu_not_active_on_the_olt_gets_no_suspend_job(client: TestClient, db_url: str) -> None:
    subscription_id, _ = active_subscription_with_onu(client, db_url)
    with session_scope(db_url) as session:
        change = lifecycle.suspend(session, subscription_id, "fraud", actor="alice")
    assert (change.kind, change.onu_id) == (JobKind.SUSPEND, None)
    assert lifecycle.queue_network_changes(db_url, [change], "alice") == []


def test_the_api_adds_and_lifts_reasons(client: TestClient, db_url: str) -> None:
    subscription_id, _ = active_subscription_with_onu(client, db_url)
    path = f"/crm/subscriptions/{subscription_id}/suspensions"
    added = client.post(path, json={"reason": "admin", "note": "fraud check"})
    assert added.status_code == 202, added.text
    assert added.json()["reasons"] == ["admin"]
    assert client.get(path).json()["reasons"] == ["admin"]
    assert client.post(path, json={"reason": "holiday"}).status_code == 422
    assert client.post("/crm/subscriptions/999999/suspensions", json={"reason": "admin"}).status_code == 404
    lifted = client.post(path + "/lift", json={"reason": "admin"})
    assert lifted.status_code == 202 and lifted.json()["reasons"] == []
    assert status_of(db_url, subscription_id) is SubscriptionStatus.ACTIVE
    viewer = api_client(db_url, "viewer", "read_only")
    assert viewer.post(path, json={"reason": "admin"}).status_code == 403
