"""A subscription's lifecycle end to end: the CRM's API, a simulated Huawei OLT over SSH, the
queue worker and the GenieACS NBI emulator. Sign-up with a serial -> discovery sees the ONU ->
authorized -> WAN and Wi-Fi applied on the CPE -> active; a plan change; cancellation; and a
failure at each device step, which leaves the subscription where it was with the reason until
a retry succeeds."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from acs.models import AcsSettings
from core.db import session_scope, set_database_url
from core.models import VendorFamily
from crm.activation import settle_all
from lab.base import Lab
from lab.genieacs.server import EmulatorHandle, start_emulator
from lab.register import ensure_reference_data, new_sim, register_olt
from oms.models import OltProfile, OltProfileKind, OnuLifecycle
from ponstack.worker import BackgroundWorker
from tests.fixtures import api_client
from tests.lab_fixtures import LabOlt, discover_now, first_port, onu_row
from vendor_cli.serials import serial_hex

SERIAL = "HWTC11E70E9A"
PPP_USER = "InternetGatewayDevice.WANDevice.1.WANConnectionDevice.1.WANPPPConnection.1.Username"
SSID_24 = "InternetGatewayDevice.LANDevice.1.WLANConfiguration.1.SSID"


@pytest.fixture(scope="module")
def emulator() -> Iterator[EmulatorHandle]:
    with start_emulator() as handle:
        yield handle


@pytest.fixture
def huawei(lab: Lab, db_url: str, emulator: EmulatorHandle) -> LabOlt:
    """A simulated Huawei OLT registered in a fresh database whose ACS is the emulator."""
    emulator.reset()
    sim = new_sim(VendorFamily.HUAWEI_SMARTAX, "LAB-LIFECYCLE")
    port = lab.add(sim)
    set_database_url(db_url)
    with session_scope(db_url) as session:
        plan = ensure_reference_data(session)
        olt = register_olt(session, sim, VendorFamily.HUAWEI_SMARTAX, port)
        session.execute(update(AcsSettings).values(nbi_url=emulator.url))
        return LabOlt(db_url, sim, olt.id, plan.id, VendorFamily.HUAWEI_SMARTAX, port)


def sign_up(client: TestClient, plan_id: int) -> int:
    customer = client.post("/crm/customers", json={"code": "C0042", "name": "Ada Rossi"}).json()
    subscription = client.post("/crm/subscriptions", json={
        "customer_id": customer["id"], "plan_id": plan_id, "pppoe_username": "ada@isp",
        "pppoe_password": "ppp-secret-1"})
    assert subscription.status_code == 201, subscription.text
    return int(subscription.json()["id"])


def post(client: TestClient, path: str, body: dict[str, Any] | None = None, status: int = 202) -> dict[str, Any]:
    answer = client.post(path, json=body or {})
    assert answer.status_code == status, answer.text
    return dict(answer.json())


def wait_for(client: TestClient, subscription_id: int, done: Callable[[dict[str, Any]], bool],
             sweep_url: str | None = None, timeout_s: float = 90) -> dict[str, Any]:
    """Poll the lifecycle until `done`. `sweep_url`: also run the settle the worker runs every
    minute (what completes an activation whose ONU discovery authorized on its own)."""
    deadline = time.monotonic() + timeout_s
    while True:
        if sweep_url:
            settle_all(sweep_url)
        state = dict(client.get(f"/crm/subscriptions/{subscription_id}/lifecycle").json())
        if done(state) or time.monotonic() > deadline:
            return state
        time.sleep(0.3)


def settled(state: dict[str, Any]) -> bool:
    return state["network_state"] != "in_progress"


def wait_applied(client: TestClient, intent_ids: list[int], timeout_s: float = 60) -> list[str]:
    deadline = time.monotonic() + timeout_s
    while True:
        statuses = [client.get(f"/acs/intents/{i}").json()["status"] for i in intent_ids]
        if all(s not in ("pending", "sent") for s in statuses) or time.monotonic() > deadline:
            return statuses
        time.sleep(0.3)


def add_line_profile(lab_olt: LabOlt, name: str, profile_id: int, on_device: bool) -> None:
    if on_device:
        lab_olt.sim.line_profiles[profile_id] = name  # type: ignore[attr-defined]
    with session_scope(lab_olt.url) as session:
        session.add(OltProfile(olt_id=lab_olt.olt_id, kind=OltProfileKind.LINE, name=name, profile_id=profile_id))


def new_plan(client: TestClient, name: str, line_profile: str) -> dict[str, Any]:
    answer = client.post("/crm/service-plans", json={
        "name": name, "download_kbps": 1_000_000, "upload_kbps": 500_000, "price": "45.00", "wan_mode": "dhcp",
        "profiles": [{"vendor_family": "huawei_smartax", "line_profile": line_profile, "user_vlan": 100,
                      "service_vlan": 100, "gemport": 1}]})
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


def line_profile_on_olt(lab_olt: LabOlt) -> int:
    """The line profile id the simulated OLT configured the subscriber's ONT with."""
    (ont,) = [o for o in lab_olt.sim.onts.values() if o.serial == SERIAL]  # type: ignore[attr-defined]
    return int(ont.line_profile[0])


def on_olt(lab_olt: LabOlt) -> set[str]:
    return {o["serial"] for o in lab_olt.sim.configured_onus()}  # type: ignore[attr-defined]


def test_sign_up_to_active_then_plan_change_then_cancellation(huawei: LabOlt, emulator: EmulatorHandle,
                                                             worker: BackgroundWorker) -> None:
    device_id = emulator.add_device(serial_hex(SERIAL), model="EG8145V5")
    client = api_client(huawei.url, "sales", "admin")
    subscription_id = sign_up(client, huawei.plan_id)

    asked = post(client, f"/crm/subscriptions/{subscription_id}/activate", {"serial": SERIAL})
    assert (asked["status"], asked["network_state"], asked["jobs"]) == ("pending", "in_progress", [])
    assert onu_row(huawei.url, SERIAL).lifecycle_state is OnuLifecycle.PREPROVISIONED

    huawei.sim.plug_onu(*first_port(huawei.sim), SERIAL)  # type: ignore[attr-defined]
    report = discover_now(huawei)
    assert report["authorization_jobs"], "discovery authorizes the ONU registered at sign-up"
    active = wait_for(client, subscription_id, lambda s: s["status"] == "active" or s["network_state"] == "failed",
                      sweep_url=huawei.url)
    assert (active["status"], active["network_state"], active["network_error"]) == ("active", None, None)
    assert onu_row(huawei.url, SERIAL).lifecycle_state is OnuLifecycle.ACTIVE and SERIAL in on_olt(huawei)
    cpe = emulator.cpe_values(device_id)
    assert (cpe[PPP_USER], cpe[SSID_24]) == ("ada@isp", "WiFi-C0042"), "WAN and Wi-Fi applied before 'active'"

    dhcp = client.post("/crm/service-plans", json={
        "name": "FTTH 100M DHCP", "download_kbps": 100_000, "upload_kbps": 50_000, "price": "25.00",
        "wan_mode": "dhcp", "profiles": [{k: v for k, v in p.items() if k != "id"}  # the same OLT settings
                                         for p in client.get(f"/crm/service-plans/{huawei.plan_id}/profiles").json()]
    }).json()
    changed = post(client, f"/crm/subscriptions/{subscription_id}/change-plan", {"plan_id": dhcp["id"]})
    assert (changed["plan_id"], changed["status"], len(changed["intents"])) == (dhcp["id"], "active", 1)
    assert wait_applied(client, changed["intents"]) == ["applied"]

    # a plan with other OLT profiles: the reprofile job pushes them, then the plan changes
    add_line_profile(huawei, "LINE-1G", 11, on_device=True)
    add_line_profile(huawei, "LINE-2G", 12, on_device=False)  # known to the database only
    faster = new_plan(client, "FTTH 1G", "LINE-1G")
    changing = post(client, f"/crm/subscriptions/{subscription_id}/change-plan", {"plan_id": faster["id"]})
    assert (changing["plan_id"], changing["network_state"], len(changing["jobs"])) == (dhcp["id"], "in_progress", 1)
    changed = wait_for(client, subscription_id, settled)
    assert (changed["plan_id"], changed["network_state"]) == (faster["id"], None)
    assert line_profile_on_olt(huawei) == 11 and onu_row(huawei.url, SERIAL).lifecycle_state is OnuLifecycle.ACTIVE

    refused_by_olt = new_plan(client, "FTTH 2G", "LINE-2G")
    post(client, f"/crm/subscriptions/{subscription_id}/change-plan", {"plan_id": refused_by_olt["id"]})
    failed = wait_for(client, subscription_id, settled)
    assert (failed["plan_id"], failed["network_action"], failed["network_state"]) == (
        faster["id"], "change_plan", "failed")
    assert "ont-lineprofile does not exist" in failed["network_error"]
    assert line_profile_on_olt(huawei) == 11, "the OMS put the ONU back as it was"
    assert onu_row(huawei.url, SERIAL).lifecycle_state is OnuLifecycle.ACTIVE
    huawei.sim.line_profiles[12] = "LINE-2G"  # type: ignore[attr-defined]
    post(client, f"/crm/subscriptions/{subscription_id}/retry")
    assert wait_for(client, subscription_id, settled)["plan_id"] == refused_by_olt["id"]
    assert line_profile_on_olt(huawei) == 12

    cancelling = post(client, f"/crm/subscriptions/{subscription_id}/cancel")
    assert (cancelling["status"], cancelling["network_state"], len(cancelling["jobs"])) == (
        "active", "in_progress", 1)
    closed = wait_for(client, subscription_id, settled)  # the worker's settle, queued behind the job
    assert (closed["status"], closed["network_state"], closed["onu_id"]) == ("cancelled", None, None)
    released = onu_row(huawei.url, SERIAL)
    assert (released.lifecycle_state, released.subscription_id) == (OnuLifecycle.REMOVED, None)
    assert SERIAL not in on_olt(huawei)


def test_a_failure_at_each_olt_step_leaves_a_clear_state_until_a_retry(huawei: LabOlt, emulator: EmulatorHandle,
                                                                      worker: BackgroundWorker) -> None:
    emulator.add_device(serial_hex(SERIAL), model="EG8145V5")
    client = api_client(huawei.url, "sales", "admin")
    subscription_id = sign_up(client, huawei.plan_id)
    huawei.sim.plug_onu(*first_port(huawei.sim), SERIAL)  # type: ignore[attr-defined]
    discover_now(huawei)
    onu_id = onu_row(huawei.url, SERIAL).id

    huawei.sim.faults.fail_commands = {r"^service-port ": "Failure: VLAN does not exist"}  # type: ignore[attr-defined]
    asked = post(client, f"/crm/subscriptions/{subscription_id}/activate", {"onu_id": onu_id})
    assert len(asked["jobs"]) == 1
    failed = wait_for(client, subscription_id, settled)
    assert (failed["status"], failed["network_action"], failed["network_state"]) == ("pending", "activate", "failed")
    assert "VLAN does not exist" in failed["network_error"] and failed["network_job_id"] == asked["jobs"][0]
    assert SERIAL not in on_olt(huawei), "the OMS undid the partial authorization"

    huawei.sim.faults.fail_commands = {}  # type: ignore[attr-defined]
    post(client, f"/crm/subscriptions/{subscription_id}/retry")
    active = wait_for(client, subscription_id, lambda s: s["status"] == "active" or s["network_state"] == "failed",
                      sweep_url=huawei.url)
    assert (active["status"], active["network_state"]) == ("active", None)

    huawei.sim.faults.fail_commands = {r"^ont delete ": "Failure: The ONT is busy"}  # type: ignore[attr-defined]
    post(client, f"/crm/subscriptions/{subscription_id}/cancel")
    stuck = wait_for(client, subscription_id, settled)
    assert (stuck["status"], stuck["network_action"], stuck["network_state"]) == ("active", "cancel", "failed")
    assert stuck["network_error"] == f"ONU {SERIAL}: read-back: 0/1/0:0 still holds {SERIAL}"
    assert stuck["onu_id"] == onu_id and SERIAL in on_olt(huawei)

    huawei.sim.faults.fail_commands = {}  # type: ignore[attr-defined]
    post(client, f"/crm/subscriptions/{subscription_id}/retry")
    closed = wait_for(client, subscription_id, settled)
    assert (closed["status"], closed["network_state"]) == ("cancelled", None)
    assert SERIAL not in on_olt(huawei)
