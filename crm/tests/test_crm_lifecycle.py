"""Subscription lifecycle as jobs (crm.activation), against the database: the status changes only
once the network side is done; a failure leaves the subscription where it was with the reason
and a retry. The OMS jobs and the ACS's outcomes are played here by writing what they write;
tests/test_crm_lifecycle_e2e.py runs them for real (simulated OLT, ACS emulator)."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select, update

from acs.models import AcsIntent, IntentKind, IntentStatus
from core.db import session_scope
from core.models import AuditLog, Vendor, VendorFamily
from crm.activation import settle_all
from crm.billing.models import SubscriptionPlanChange
from crm.models import Subscription, SubscriptionStatus
from crm.tests.crm_factories import make_customer, make_plan, make_subscription
from oms.models import Job, JobKind, JobStatus, Olt, OltProfile, OltProfileKind, Onu, OnuLifecycle, OnuType, PonPort
from tests.fixtures import api_client

SERIAL = "HWTC11E70E9A"
PPPOE_PASSWORD = "s3cret-ppp"
HUAWEI_PROFILE = {"vendor_family": "huawei_smartax", "line_profile": "LINE-100M", "user_vlan": 100,
                  "service_vlan": 100, "gemport": 1}


def lifecycle(client: TestClient, subscription_id: int) -> dict[str, Any]:
    answer = client.get(f"/crm/subscriptions/{subscription_id}/lifecycle")
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def post(client: TestClient, subscription_id: int, action: str, body: dict[str, Any] | None = None,
         status: int = 202) -> dict[str, Any]:
    answer = client.post(f"/crm/subscriptions/{subscription_id}/{action}", json=body or {})
    assert answer.status_code == status, answer.text
    return dict(answer.json())


def signed_up(client: TestClient, code: str = "C0001", plan: dict[str, Any] | None = None, **fields: Any) -> int:
    customer = make_customer(client, code)
    plan = plan or make_plan(client, f"Fibre {code}", profiles=[HUAWEI_PROFILE])
    body = {"pppoe_username": f"{code.lower()}@isp", "pppoe_password": PPPOE_PASSWORD, **fields}
    return int(make_subscription(client, customer["id"], plan["id"], **body)["id"])


def olt_port(db_url: str) -> int:
    """A Huawei OLT with one PON port (no device behind it: the jobs are played by the tests)."""
    with session_scope(db_url) as session:
        vendor = session.scalar(select(Vendor.id).where(Vendor.slug == "huawei"))
        olt = Olt(name="OLT-1", vendor_id=vendor, family=VendorFamily.HUAWEI_SMARTAX, model="MA5800-X7",
                  mgmt_host="192.0.2.1", username="admin", password="pw",
                  pon_ports=[PonPort(frame=0, slot=1, port=0)])
        session.add(olt)
        session.flush()
        return olt.pon_ports[0].id


def authorized(db_url: str, onu_id: int, port_id: int) -> None:
    """What a successful authorization job leaves behind."""
    with session_scope(db_url) as session:
        onu = session.get_one(Onu, onu_id)
        port = session.get_one(PonPort, port_id)
        onu.olt_id, onu.pon_port_id, onu.onu_index = port.olt_id, port.id, 1
        onu.lifecycle_state, onu.failure_reason = OnuLifecycle.ACTIVE, None


def active_onu(db_url: str, port_id: int, serial: str = SERIAL, wifi_5ghz: bool = False) -> int:
    with session_scope(db_url) as session:
        onu_type = OnuType(vendor="Huawei", model=f"EG-{serial[-4:]}", wifi_24ghz=True, wifi_5ghz=wifi_5ghz)
        session.add(onu_type)
        session.flush()
        onu = Onu(serial=serial, lifecycle_state=OnuLifecycle.DISCOVERED, onu_type_id=onu_type.id)
        session.add(onu)
        session.flush()
        onu_id = onu.id
    authorized(db_url, onu_id, port_id)
    return onu_id


def intents(db_url: str, onu_id: int) -> list[AcsIntent]:
    with session_scope(db_url) as session:
        return list(session.scalars(select(AcsIntent).where(AcsIntent.onu_id == onu_id).order_by(AcsIntent.id)))


def acs_outcome(db_url: str, intent_ids: list[int], status: IntentStatus, error: str | None = None) -> None:
    with session_scope(db_url) as session:
        session.execute(update(AcsIntent).where(AcsIntent.id.in_(intent_ids)).values(status=status, last_error=error))


def subscription(db_url: str, subscription_id: int) -> Subscription:
    with session_scope(db_url) as session:
        return session.get_one(Subscription, subscription_id)


def onu(db_url: str, onu_id: int) -> Onu:
    with session_scope(db_url) as session:
        return session.get_one(Onu, onu_id)


def test_sign_up_by_serial_waits_for_discovery_then_configures_then_activates(client: TestClient,
                                                                             db_url: str) -> None:
    subscription_id = signed_up(client)
    asked = post(client, subscription_id, "activate", {"serial": SERIAL.lower(), "wifi_ssid": "Casa Rossi"})
    assert (asked["status"], asked["network_action"], asked["network_state"], asked["jobs"]) == (
        "pending", "activate", "in_progress", [])
    registered = onu(db_url, asked["onu_id"])
    assert (registered.serial, registered.lifecycle_state, registered.subscription_id) == (
        SERIAL, OnuLifecycle.PREPROVISIONED, subscription_id)

    assert settle_all(db_url)["completed"] == [], "not seen by discovery yet: nothing to settle"
    assert lifecycle(client, subscription_id)["network_state"] == "in_progress"

    authorized(db_url, asked["onu_id"], olt_port(db_url))  # discovery saw it and authorized it
    configuring = settle_all(db_url)
    assert configuring["configuring"] == [subscription_id]
    wan, wifi = intents(db_url, asked["onu_id"])
    assert (wan.kind, wan.desired) == (IntentKind.WAN_PPPOE, {"username": "c0001@isp", "vlan": 100})
    assert wan.secrets is not None and PPPOE_PASSWORD in wan.secrets, "the password goes, encrypted, as a secret"
    assert (wifi.kind, wifi.desired) == (
        IntentKind.WIFI, {"band": "2.4GHz", "enabled": True, "ssid": "Casa Rossi", "security": "wpa2"})
    assert subscription(db_url, subscription_id).status is SubscriptionStatus.PENDING, "not before the ACS applied"

    acs_outcome(db_url, [wan.id, wifi.id], IntentStatus.APPLIED)
    assert settle_all(db_url)["completed"] == [subscription_id]
    state = lifecycle(client, subscription_id)
    assert (state["status"], state["network_state"], state["network_error"], state["has_wifi_passphrase"]) == (
        "active", None, None, True)
    assert client.get(f"/crm/subscriptions/{subscription_id}").json()["started_on"] == date.today().isoformat()

    passphrase = subscription(db_url, subscription_id).wifi_passphrase
    assert passphrase and 8 <= len(passphrase) <= 63
    with session_scope(db_url) as session:
        logged = " ".join(str((row.action, row.before, row.after)) for row in session.scalars(select(AuditLog)))
    assert "subscription.activate" in logged
    assert PPPOE_PASSWORD not in logged and passphrase not in logged, "secrets never reach the audit log"
    assert passphrase not in str(state)


def test_an_active_onu_is_configured_in_the_request_and_a_failed_intent_is_retried(client: TestClient,
                                                                                  db_url: str) -> None:
    onu_id = active_onu(db_url, olt_port(db_url), wifi_5ghz=True)
    subscription_id = signed_up(client)
    asked = post(client, subscription_id, "activate", {"onu_id": onu_id})
    assert (asked["jobs"], len(asked["intents"])) == ([], 3), "WAN and both radios, in the same transaction"
    assert [i.slot for i in intents(db_url, onu_id)] == ["wan", "wifi:2.4GHz", "wifi:5GHz"]

    wan = asked["intents"][0]
    acs_outcome(db_url, asked["intents"][1:], IntentStatus.APPLIED)
    acs_outcome(db_url, [wan], IntentStatus.FAILED, "CPE fault 9007: invalid parameter value")
    assert settle_all(db_url)["failed"] == [subscription_id]
    failed = lifecycle(client, subscription_id)
    assert (failed["status"], failed["network_state"]) == ("pending", "failed")
    assert "9007" in failed["network_error"] and f"intent {wan}" in failed["network_error"]

    again = post(client, subscription_id, "retry")
    assert again["network_state"] == "in_progress" and len(again["intents"]) == 3
    assert post(client, subscription_id, "retry", status=409)["detail"]
    acs_outcome(db_url, again["intents"], IntentStatus.APPLIED)
    assert settle_all(db_url)["completed"] == [subscription_id]
    assert subscription(db_url, subscription_id).status is SubscriptionStatus.ACTIVE


def test_a_failed_authorization_leaves_the_subscription_pending_with_the_reason(client: TestClient,
                                                                               db_url: str) -> None:
    subscription_id = signed_up(client)
    onu_id = post(client, subscription_id, "activate", {"serial": SERIAL})["onu_id"]
    port_id = olt_port(db_url)
    with session_scope(db_url) as session:  # discovery saw it; its automatic authorization failed
        row = session.get_one(Onu, onu_id)
        row.olt_id, row.pon_port_id = session.get_one(PonPort, port_id).olt_id, port_id
        row.failure_reason = "Failure: VLAN does not exist"
    assert settle_all(db_url)["failed"] == [subscription_id]
    failed = lifecycle(client, subscription_id)
    assert (failed["status"], failed["network_state"], failed["onu_id"]) == ("pending", "failed", onu_id)
    assert failed["network_error"] == f"ONU {SERIAL}: Failure: VLAN does not exist"

    # A retry checks what the job would need before asking the OLT: here the ONU's type is unknown.
    refused = post(client, subscription_id, "retry", status=409)
    assert "has no ONU type" in refused["detail"]
    assert lifecycle(client, subscription_id)["network_state"] == "failed", "a refused retry changes nothing"


def test_cancelling_removes_the_service_then_releases_the_onu(client: TestClient, db_url: str) -> None:
    onu_id = active_onu(db_url, olt_port(db_url))
    subscription_id = signed_up(client)
    acs_outcome(db_url, post(client, subscription_id, "activate", {"onu_id": onu_id})["intents"],
                IntentStatus.APPLIED)
    settle_all(db_url)
    assert subscription(db_url, subscription_id).status is SubscriptionStatus.ACTIVE

    asked = post(client, subscription_id, "cancel")
    assert (asked["status"], asked["network_action"], asked["network_state"]) == ("active", "cancel", "in_progress")
    (job_id,) = asked["jobs"]
    with session_scope(db_url) as session:
        job = session.get_one(Job, job_id)
        assert (job.kind, job.onu_id) == (JobKind.REMOVE, onu_id)
        assert session.get_one(Onu, onu_id).lifecycle_state is OnuLifecycle.REMOVING
    assert settle_all(db_url)["completed"] == [], "the job has not run"
    assert post(client, subscription_id, "cancel", status=409)["detail"].endswith(f"is in progress (job {job_id})")

    with session_scope(db_url) as session:  # the removal failed on the OLT: the ONU is back, with the reason
        session.execute(update(Job).where(Job.id == job_id).values(status=JobStatus.FAILED, error="refused"))
        session.execute(update(Onu).where(Onu.id == onu_id).values(
            lifecycle_state=OnuLifecycle.ACTIVE, failure_reason="read-back: 0/1/0:1 still holds " + SERIAL))
    assert settle_all(db_url)["failed"] == [subscription_id]
    failed = lifecycle(client, subscription_id)
    assert (failed["status"], failed["network_state"]) == ("active", "failed")
    assert "still holds" in failed["network_error"]

    (retry_job,) = post(client, subscription_id, "retry")["jobs"]
    with session_scope(db_url) as session:  # this time the removal succeeded
        session.execute(update(Job).where(Job.id == retry_job).values(status=JobStatus.SUCCEEDED))
        session.execute(update(Onu).where(Onu.id == onu_id).values(
            lifecycle_state=OnuLifecycle.REMOVED, onu_index=None, failure_reason=None))
    assert settle_all(db_url)["completed"] == [subscription_id]
    closed = lifecycle(client, subscription_id)
    assert (closed["status"], closed["network_state"], closed["onu_id"]) == ("cancelled", None, None)
    kept = onu(db_url, onu_id)
    assert (kept.serial, kept.subscription_id) == (SERIAL, None), "the ONU's record stays, released"
    with session_scope(db_url) as session:
        assert session.scalar(select(func.count()).select_from(Job).where(Job.onu_id == onu_id)) == 2


def test_cancelling_a_subscription_with_nothing_on_an_olt_is_immediate(client: TestClient, db_url: str) -> None:
    subscription_id = signed_up(client)
    onu_id = post(client, subscription_id, "activate", {"serial": SERIAL})["onu_id"]
    cancelled = post(client, subscription_id, "cancel")
    assert (cancelled["status"], cancelled["jobs"], cancelled["onu_id"]) == ("cancelled", [], None)
    assert onu(db_url, onu_id).subscription_id is None
    assert post(client, subscription_id, "cancel", status=409)["detail"].endswith("is already cancelled")


def test_a_plan_change_changes_the_wan_or_refuses_what_the_olt_would_need(client: TestClient, db_url: str) -> None:
    onu_id = active_onu(db_url, olt_port(db_url))
    pppoe = make_plan(client, "PPPoE 100", profiles=[HUAWEI_PROFILE])
    subscription_id = signed_up(client, plan=pppoe)
    acs_outcome(db_url, post(client, subscription_id, "activate", {"onu_id": onu_id})["intents"],
                IntentStatus.APPLIED)
    settle_all(db_url)

    dhcp = make_plan(client, "DHCP 100", wan_mode="dhcp", profiles=[HUAWEI_PROFILE])
    changed = post(client, subscription_id, "change-plan", {"plan_id": dhcp["id"]})
    assert (changed["plan_id"], changed["status"], changed["network_state"]) == (dhcp["id"], "active", None)
    (wan_id,) = changed["intents"]
    wan = next(i for i in intents(db_url, onu_id) if i.id == wan_id)
    assert (wan.kind, wan.desired) == (IntentKind.WAN_DHCP, {"vlan": 100})
    with session_scope(db_url) as session:
        history = session.scalars(select(SubscriptionPlanChange)).one()
        assert (history.from_plan_id, history.to_plan_id, history.effective_on) == (
            pppoe["id"], dhcp["id"], date.today())

    same_wan = make_plan(client, "DHCP 100 promo", wan_mode="dhcp", profiles=[HUAWEI_PROFILE])
    assert post(client, subscription_id, "change-plan", {"plan_id": same_wan["id"]})["intents"] == []

    faster = make_plan(client, "DHCP 1G", wan_mode="dhcp",
                       profiles=[{**HUAWEI_PROFILE, "line_profile": "LINE-1G"}])
    refused = post(client, subscription_id, "change-plan", {"plan_id": faster["id"]}, status=409)
    assert "LINE-1G" in refused["detail"] and "does not exist on OLT OLT-1" in refused["detail"]
    assert subscription(db_url, subscription_id).plan_id == same_wan["id"], "refused: nothing changed"
    assert post(client, subscription_id, "change-plan", {"plan_id": 999999}, status=422)


def line_profile(db_url: str, name: str, profile_id: int) -> None:
    with session_scope(db_url) as session:
        olt_id = session.scalar(select(Olt.id).where(Olt.name == "OLT-1"))
        session.add(OltProfile(olt_id=olt_id, kind=OltProfileKind.LINE, name=name, profile_id=profile_id))


def test_a_plan_change_with_other_olt_profiles_waits_for_the_reprofile_job(client: TestClient,
                                                                           db_url: str) -> None:
    onu_id = active_onu(db_url, olt_port(db_url))
    line_profile(db_url, "LINE-100M", 10)
    line_profile(db_url, "LINE-1G", 11)
    slow = make_plan(client, "DHCP 100", wan_mode="dhcp", profiles=[HUAWEI_PROFILE])
    subscription_id = signed_up(client, plan=slow)
    acs_outcome(db_url, post(client, subscription_id, "activate", {"onu_id": onu_id})["intents"],
                IntentStatus.APPLIED)
    settle_all(db_url)
    faster = make_plan(client, "DHCP 1G", wan_mode="dhcp",
                       profiles=[{**HUAWEI_PROFILE, "line_profile": "LINE-1G", "user_vlan": 200}])

    asked = post(client, subscription_id, "change-plan", {"plan_id": faster["id"]})
    assert (asked["plan_id"], asked["network_action"], asked["network_state"]) == (
        slow["id"], "change_plan", "in_progress"), "the plan changes once the OLT has it"
    (job_id,) = asked["jobs"]
    with session_scope(db_url) as session:
        job = session.get_one(Job, job_id)
        assert (job.kind, job.onu_id, job.params["plan_id"]) == (JobKind.REPROFILE, onu_id, faster["id"])
        preview = client.post(f"/onus/{onu_id}/reprofile", json={"dry_run": True})
        assert preview.status_code in (404, 405), "reprofile is the CRM's job, not an API action"
    assert settle_all(db_url)["completed"] == [], "the job has not run"

    with session_scope(db_url) as session:  # the OLT refused: compensated, the ONU as it was
        session.execute(update(Job).where(Job.id == job_id).values(status=JobStatus.COMPENSATED,
                                                                   error="Failure: the profile does not exist"))
    assert settle_all(db_url)["failed"] == [subscription_id]
    failed = lifecycle(client, subscription_id)
    assert (failed["plan_id"], failed["network_state"]) == (slow["id"], "failed")
    assert "the profile does not exist" in failed["network_error"]

    (retry_job,) = post(client, subscription_id, "retry")["jobs"]
    with session_scope(db_url) as session:
        assert session.get_one(Job, retry_job).params["plan_id"] == faster["id"]
        session.execute(update(Job).where(Job.id == retry_job).values(status=JobStatus.SUCCEEDED))
    assert settle_all(db_url)["completed"] == [subscription_id]
    done = lifecycle(client, subscription_id)
    assert (done["plan_id"], done["network_state"]) == (faster["id"], None)
    (wan,) = [i for i in intents(db_url, onu_id) if i.kind is IntentKind.WAN_DHCP and i.desired == {"vlan": 200}]
    with session_scope(db_url) as session:
        history = session.scalars(select(SubscriptionPlanChange)).one()
        assert (history.from_plan_id, history.to_plan_id) == (slow["id"], faster["id"])


def test_requests_are_refused_with_the_reason(client: TestClient, db_url: str) -> None:
    subscription_id = signed_up(client)
    assert client.post("/crm/subscriptions/999999/activate", json={"serial": SERIAL}).status_code == 404
    assert client.get("/crm/subscriptions/999999/lifecycle").status_code == 404
    assert post(client, subscription_id, "activate", {"serial": SERIAL, "onu_id": 1}, status=422)
    assert post(client, subscription_id, "activate", {"serial": "not a serial!"}, status=422)
    assert post(client, subscription_id, "activate", {"onu_id": 999999}, status=422)
    assert post(client, subscription_id, "activate", {"serial": SERIAL, "wifi_passphrase": "short"}, status=422)
    assert "has no ONU" in post(client, subscription_id, "activate", {}, status=409)["detail"]
    assert "no failed transition" in post(client, subscription_id, "retry", status=409)["detail"]

    no_credentials = signed_up(client, "C0002", pppoe_username=None, pppoe_password=None)
    refused = post(client, no_credentials, "activate", {"serial": "HWTC00000002"}, status=409)
    assert "pppoe_username and pppoe_password" in refused["detail"]

    taken = post(client, subscription_id, "activate", {"serial": SERIAL})["onu_id"]
    other = signed_up(client, "C0003")
    assert f"serves subscription {subscription_id}" in post(
        client, other, "activate", {"onu_id": taken}, status=409)["detail"]
    assert "/activate" in client.patch(f"/crm/subscriptions/{subscription_id}",
                                       json={"status": "active"}).json()["detail"]

    viewer = api_client(db_url, "viewer", "read_only")
    assert viewer.post(f"/crm/subscriptions/{other}/activate", json={"serial": "HWTC00000003"}).status_code == 403
    assert viewer.get(f"/crm/subscriptions/{other}/lifecycle").status_code == 200


def test_a_plan_says_how_the_wan_is_set_up(client: TestClient) -> None:
    assert make_plan(client)["wan_mode"] == "pppoe"
    bridge = make_plan(client, "Bridge", wan_mode="bridge")
    assert bridge["wan_mode"] == "bridge"
    updated = client.patch(f"/crm/service-plans/{bridge['id']}", json={"wan_mode": "dhcp"})
    assert updated.status_code == 200 and updated.json()["wan_mode"] == "dhcp"
    assert client.post("/crm/service-plans", json={"name": "X", "download_kbps": 1, "upload_kbps": 1,
                                                   "price": "1", "wan_mode": "pppoa"}).status_code == 422
