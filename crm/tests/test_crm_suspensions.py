"""Suspensions by reason: the first reason suspends the service on the network, the last one
lifted restores it, and a payment (non-payment lifted) leaves an admin suspension in force.
The same first and last reasons open and close a period of the suspension history."""

from __future__ import annotations

from datetime import date

from fastapi.testclient import TestClient
from sqlalchemy import select, update

from core.db import session_scope
from crm import lifecycle
from crm.models import Subscription, SubscriptionStatus, SubscriptionSuspensionPeriod
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


def periods_of(db_url: str, subscription_id: int) -> list[tuple[date, date | None, list[str], bool, str, str | None]]:
    with session_scope(db_url) as session:
        rows = session.scalars(select(SubscriptionSuspensionPeriod)
                               .where(SubscriptionSuspensionPeriod.subscription_id == subscription_id)
                               .order_by(SubscriptionSuspensionPeriod.id))
        return [(p.started_on, p.ended_on, p.reasons, p.billable, p.created_by, p.ended_by) for p in rows]


def test_the_first_reason_opens_a_period_and_the_last_one_lifted_closes_it(client: TestClient, db_url: str) -> None:
    subscription_id, _ = active_subscription_with_onu(client, db_url)
    with session_scope(db_url) as session:
        lifecycle.suspend(session, subscription_id, "customer_request", actor="alice", on=date(2026, 4, 10))
    assert periods_of(db_url, subscription_id) == [(date(2026, 4, 10), None, ["customer_request"], False, "alice",
                                                    None)]
    with session_scope(db_url) as session:
        lifecycle.suspend(session, subscription_id, "non_payment", actor="dunning", on=date(2026, 4, 12))
        lifecycle.suspend(session, subscription_id, "non_payment", actor="dunning", on=date(2026, 4, 13))  # held
        lifecycle.lift(session, subscription_id, "non_payment", actor="payment 7", on=date(2026, 4, 14))
        lifecycle.lift(session, subscription_id, "admin", actor="alice", on=date(2026, 4, 15))  # not held: nothing
    # Several reasons, one period: still open, and billable since non-payment held during it.
    assert periods_of(db_url, subscription_id) == [
        (date(2026, 4, 10), None, ["customer_request", "non_payment"], True, "alice", None)]
    with session_scope(db_url) as session:
        lifecycle.lift(session, subscription_id, "customer_request", actor="bob", on=date(2026, 4, 20))
    assert periods_of(db_url, subscription_id) == [
        (date(2026, 4, 10), date(2026, 4, 20), ["customer_request", "non_payment"], True, "alice", "bob")]
    assert status_of(db_url, subscription_id) is SubscriptionStatus.ACTIVE

    # A new suspension opens a new period; lifted the same day, it holds no day.
    with session_scope(db_url) as session:
        lifecycle.suspend(session, subscription_id, "admin", actor="alice", on=date(2026, 5, 2))
        lifecycle.lift(session, subscription_id, "admin", actor="alice", on=date(2026, 5, 2))
    assert periods_of(db_url, subscription_id)[1:] == [
        (date(2026, 5, 2), date(2026, 5, 2), ["admin"], False, "alice", "alice")]


def test_the_api_records_the_period_on_today(client: TestClient, db_url: str) -> None:
    subscription_id, _ = active_subscription_with_onu(client, db_url)
    path = f"/crm/subscriptions/{subscription_id}/suspensions"
    assert client.post(path, json={"reason": "fraud"}).status_code == 202
    assert client.post(path, json={"reason": "admin"}).status_code == 202
    [(started, ended, reasons, billable, _, _)] = periods_of(db_url, subscription_id)
    assert (started, ended, reasons, billable) == (date.today(), None, ["admin", "fraud"], True)
    assert client.post(path + "/lift", json={"reason": "fraud"}).status_code == 202
    assert periods_of(db_url, subscription_id)[0][1] is None  # admin still holds
    assert client.post(path + "/lift", json={"reason": "admin"}).status_code == 202
    assert periods_of(db_url, subscription_id)[0][1] == date.today()


def test_a_plan_that_says_so_turns_the_wifi_off_with_the_suspension_and_on_with_the_restoration(
        client: TestClient, db_url: str) -> None:
    from acs.models import AcsIntent, IntentKind

    customer = make_customer(client)
    quiet = make_plan(client, "No Wi-Fi when suspended", suspend_wifi=True)
    assert quiet["suspend_wifi"] is True
    subscription_id = make_subscription(client, customer["id"], quiet["id"])["id"]
    with session_scope(db_url) as session:
        session.execute(update(Subscription).where(Subscription.id == subscription_id).values(
            status=SubscriptionStatus.ACTIVE, wifi_ssid="Casa-Rossi", wifi_passphrase="long enough pass"))
        onu = Onu(serial="HWTC11E70E9B", lifecycle_state=OnuLifecycle.PREPROVISIONED, subscription_id=subscription_id)
        session.add(onu)
    suspended = client.post(f"/crm/subscriptions/{subscription_id}/suspensions", json={"reason": "customer_request"})
    assert suspended.status_code == 202 and suspended.json()["intents"] == [], "no ONU serving it yet: nothing to set"

    client.post(f"/crm/subscriptions/{subscription_id}/suspensions/lift", json={"reason": "customer_request"})
    from crm.tests.test_crm_lifecycle import authorized, olt_port

    with session_scope(db_url) as session:
        onu_id = session.scalar(select(Onu.id).where(Onu.subscription_id == subscription_id))
    authorized(db_url, onu_id, olt_port(db_url))
    off = client.post(f"/crm/subscriptions/{subscription_id}/suspensions", json={"reason": "admin"}).json()
    also = client.post(f"/crm/subscriptions/{subscription_id}/suspensions", json={"reason": "fraud"}).json()
    on = client.post(f"/crm/subscriptions/{subscription_id}/suspensions/lift", json={"reason": "admin"}).json()
    assert len(off["intents"]) == 1 and also["intents"] == [] and on["intents"] == [], "fraud still holds"
    restored = client.post(f"/crm/subscriptions/{subscription_id}/suspensions/lift", json={"reason": "fraud"}).json()
    assert len(restored["intents"]) == 1
    with session_scope(db_url) as session:
        wifi = {row.id: row.desired for row in session.scalars(select(AcsIntent).where(
            AcsIntent.kind == IntentKind.WIFI))}
    assert wifi[off["intents"][0]] == {"band": "2.4GHz", "enabled": False}
    assert {k: v for k, v in wifi[restored["intents"][0]].items() if k != "passphrase"} == {
        "band": "2.4GHz", "enabled": True, "ssid": "Casa-Rossi", "security": "wpa2"}

    plain = make_plan(client, "Plain")
    assert plain["suspend_wifi"] is False
