"""ONU, job and bulk-provisioning API: pre-provisioning, queued actions under the
OLT's lock, dry runs that queue nothing, and one real flow over SSH to a simulated OLT."""

from __future__ import annotations

import time
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from core.db import session_scope
from core.models import VendorFamily
from lab.base import Lab, SimulatedOlt
from lab.register import ensure_reference_data, new_sim, register_olt
from oms.models import Job, Olt, Onu, OnuLifecycle, OnuType
from oms.services import RUN_OLT_JOBS
from ponstack.worker import BackgroundWorker
from tests.fixtures import api_client

HUAWEI = VendorFamily.HUAWEI_SMARTAX
SERIAL = "HWTC11E70E9A"





class Setup:
    def __init__(self, url: str, sim: SimulatedOlt, olt_id: int, plan_id: int, type_id: int) -> None:
        self.url, self.sim, self.olt_id, self.plan_id, self.type_id = url, sim, olt_id, plan_id, type_id

    def port_ids(self) -> list[int]:
        with session_scope(self.url) as session:
            return [p.id for p in sorted(session.get_one(Olt, self.olt_id).pon_ports, key=lambda p: p.fsp)]

    def discovered(self, serial: str, **fields: Any) -> int:
        with session_scope(self.url) as session:
            onu = Onu(
                serial=serial,
                olt_id=self.olt_id,
                pon_port_id=self.port_ids()[0],
                lifecycle_state=OnuLifecycle.DISCOVERED,
                **fields,
            )
            session.add(onu)
            session.flush()
            return onu.id

    def onu(self, onu_id: int) -> Onu:
        with session_scope(self.url) as session:
            return session.get_one(Onu, onu_id)


def make_setup(url: str, lab: Lab | None = None, name: str = "OLT-API") -> Setup:
    sim = new_sim(HUAWEI, name)
    port = lab.add(sim) if lab is not None else 1
    with session_scope(url) as session:
        plan = ensure_reference_data(session)
        olt = register_olt(session, sim, HUAWEI, port)
        type_id = session.execute(select(OnuType.id).where(OnuType.model == "EG8145V5")).scalar_one()
        return Setup(url, sim, olt.id, plan.id, type_id)


@pytest.fixture
def setup(db_url: str) -> Setup:
    return make_setup(db_url)


def job_count(url: str) -> int:
    with session_scope(url) as session:
        return session.execute(select(func.count()).select_from(Job)).scalar_one()


# --- pre-provisioning and listing -------------------------------------------------------------


def test_preprovision_canonicalises_serial_and_refuses_duplicates(client: TestClient, setup: Setup) -> None:
    body = {
        "serial": "hwtc11e70e9a",
        "onu_type_id": setup.type_id,
        "plan_id": setup.plan_id,
        "olt_id": setup.olt_id,
        "frame": 0,
        "slot": 1,
        "port": 0,
        "user_vlan": 200,
        "name": "cust-1",
    }
    created = client.post("/onus/preprovision", json=body)

    assert created.status_code == 201, created.text
    onu = created.json()
    assert (onu["serial"], onu["lifecycle_state"], onu["pon_port_id"]) == (
        SERIAL,
        "preprovisioned",
        setup.port_ids()[0],
    )
    assert onu["desired"] == {"plan_id": setup.plan_id, "user_vlan": 200}
    duplicate = client.post("/onus/preprovision", json={**body, "serial": SERIAL})
    assert duplicate.status_code == 409 and SERIAL in duplicate.json()["detail"]


@pytest.mark.parametrize(
    ("change", "detail"),
    [
        ({"serial": "HWTC11E70E9"}, "not a GPON serial"),
        ({"serial": "HWTC11E70E9Z"}, "not a GPON serial"),
        ({"plan_id": None}, "exactly one of plan_id or subscription_id"),
        ({"port": 99}, "has no PON port 0/1/99"),
        ({"olt_id": None}, "frame/slot/port need olt_id"),
        ({"onu_type_id": 9999}, "ONU type 9999 does not exist"),
        ({"plan_id": 9999}, "service plan 9999 does not exist"),
        ({"user_vlan": 5000}, "less than or equal to 4094"),
    ],
)
def test_preprovision_refuses_bad_input(
    client: TestClient, setup: Setup, change: dict[str, Any], detail: str
) -> None:
    body = {
        "serial": SERIAL,
        "onu_type_id": setup.type_id,
        "plan_id": setup.plan_id,
        "olt_id": setup.olt_id,
        "frame": 0,
        "slot": 1,
        "port": 0,
    }
    answer = client.post("/onus/preprovision", json={**body, **change})

    assert answer.status_code == 422
    assert detail in answer.text
    assert client.get("/onus").json()["count"] == 0


def test_list_filters_and_pages(client: TestClient, setup: Setup) -> None:
    ids = [setup.discovered(f"HWTC0000000{i}") for i in range(1, 4)]
    with session_scope(setup.url) as session:
        session.get_one(Onu, ids[2]).lifecycle_state = OnuLifecycle.FAILED

    page = client.get("/onus", params={"olt_id": setup.olt_id, "limit": 2, "offset": 1}).json()
    assert (page["count"], [o["id"] for o in page["results"]]) == (3, ids[1:])
    assert client.get("/onus", params={"lifecycle_state": "failed"}).json()["results"][0]["id"] == ids[2]
    assert client.get("/onus", params={"serial": "c00000002"}).json()["count"] == 1
    assert client.get("/onus", params={"pon_port_id": setup.port_ids()[1]}).json()["count"] == 0
    assert client.get("/onus", params={"limit": 0}).status_code == 422
    assert client.get("/onus", params={"limit": 501}).status_code == 422
    assert client.get("/onus", params={"lifecycle": "failed"}).status_code == 422, "an unknown filter is refused"
    assert client.get("/onus").json()["limit"] == 50
    assert client.get("/onus/999999").status_code == 404


# --- actions ----------------------------------------------------------------------------------


def test_authorize_sets_type_and_plan_then_queues_under_the_olt_lock(
    client: TestClient, setup: Setup, deferred: list[dict[str, Any]]
) -> None:
    onu_id = setup.discovered(SERIAL)
    bob = api_client(setup.url, "bob", "noc_engineer")

    answer = bob.post(
        f"/onus/{onu_id}/authorize",
        json={"onu_type_id": setup.type_id, "plan_id": setup.plan_id},
    )

    assert answer.status_code == 202, answer.text
    job_id = answer.json()["job_id"]
    assert answer.json()["status_url"] == f"/jobs/{job_id}"
    assert deferred == [
        {"task": RUN_OLT_JOBS, "lock": f"olt:{setup.olt_id}", "olt_id": setup.olt_id, "job_ids": [job_id]}
    ]
    onu = setup.onu(onu_id)
    assert (onu.lifecycle_state, onu.onu_type_id, onu.desired["plan_id"]) == (
        OnuLifecycle.AUTHORIZING,
        setup.type_id,
        setup.plan_id,
    )
    job = client.get(f"/jobs/{job_id}").json()
    assert (job["kind"], job["status"], job["requested_by"], job["steps"]) == (
        "authorize",
        "queued",
        "bob",
        [],
    )
    assert [j["id"] for j in client.get(f"/onus/{onu_id}").json()["jobs"]] == [job_id]

    again = client.post(f"/onus/{onu_id}/authorize")
    assert again.status_code == 409 and f"already has job {job_id}" in again.json()["detail"]
    assert len(deferred) == 1


def test_refused_action_changes_nothing(
    client: TestClient, setup: Setup, deferred: list[dict[str, Any]]
) -> None:
    onu_id = setup.discovered(SERIAL)

    answer = client.post(f"/onus/{onu_id}/reboot", json={"plan_id": setup.plan_id})

    assert answer.status_code == 409 and "cannot reboot" in answer.json()["detail"]
    assert setup.onu(onu_id).desired == {}, "the plan is only stored when the action is accepted"
    assert deferred == [] and job_count(setup.url) == 0


def test_dry_run_answers_the_plan_and_queues_nothing(
    client: TestClient, setup: Setup, deferred: list[dict[str, Any]]
) -> None:
    onu_id = setup.discovered(SERIAL)

    answer = client.post(
        f"/onus/{onu_id}/authorize",
        json={"dry_run": True, "onu_type_id": setup.type_id, "plan_id": setup.plan_id},
    )

    assert answer.status_code == 200, answer.text
    plan = answer.json()
    assert plan["onu_id"] == 0 and plan["compensation_action"] == "remove"
    assert any(c.startswith("ont add") and "4857544311E70E9A" in c for c in plan["commands"])
    assert any(c.startswith("ont delete") for c in plan["compensation"])
    assert deferred == [] and job_count(setup.url) == 0
    onu = setup.onu(onu_id)
    assert (onu.lifecycle_state, onu.onu_type_id, onu.desired) == (OnuLifecycle.DISCOVERED, None, {})

    missing = client.post(f"/onus/{onu_id}/authorize", json={"dry_run": True})
    assert missing.status_code == 422 and "has no ONU type" in missing.json()["detail"]


def test_authorize_takes_vlans_name_and_address_from_the_installer(
    client: TestClient, setup: Setup, deferred: list[dict[str, Any]]
) -> None:
    onu_id = setup.discovered(SERIAL)
    body = {"onu_type_id": setup.type_id, "plan_id": setup.plan_id, "user_vlan": 321, "service_vlan": 3210,
            "name": "ada-rossi", "description": "12 Via Roma"}

    plan = client.post(f"/onus/{onu_id}/authorize", json={**body, "dry_run": True}).json()
    add = next(c for c in plan["commands"] if c.startswith("ont add"))
    assert 'desc "12 Via Roma"' in add
    assert any("vlan 3210" in c and "user-vlan 321" in c for c in plan["commands"] if c.startswith("service-port"))
    assert setup.onu(onu_id).desired == {}, "a dry run stores nothing"

    assert client.post(f"/onus/{onu_id}/authorize", json=body).status_code == 202
    onu = setup.onu(onu_id)
    assert (onu.name, onu.description, onu.desired["user_vlan"], onu.desired["service_vlan"]) == (
        "ada-rossi", "12 Via Roma", 321, 3210)
    bad = client.post(f"/onus/{onu_id}/authorize", json={"user_vlan": 4095, "dry_run": True})
    assert bad.status_code == 422


def test_rename_queues_the_new_name(client: TestClient, setup: Setup, deferred: list[dict[str, Any]]) -> None:
    onu_id = setup.discovered(SERIAL, onu_type_id=setup.type_id)
    with session_scope(setup.url) as session:
        onu = session.get_one(Onu, onu_id)
        onu.lifecycle_state, onu.onu_index = OnuLifecycle.ACTIVE, 3

    answer = client.post(f"/onus/{onu_id}/rename", json={"name": "cust-9", "description": "Main St 1"})

    assert answer.status_code == 202, answer.text
    job = client.get(f"/jobs/{answer.json()['job_id']}").json()
    expected = {"name": "cust-9", "description": "Main St 1", "previous_state": "active"}
    assert (job["kind"], job["params"]) == ("rename", expected)
    assert deferred[0]["lock"] == f"olt:{setup.olt_id}"


def test_unknown_onu_and_job_are_404(client: TestClient, setup: Setup) -> None:
    for path in (
        "/onus/999999/authorize",
        "/onus/999999/remove",
        "/onus/999999/suspend",
        "/onus/by-serial/HWTC00000999/authorize",
    ):
        answer = client.post(path)
        assert answer.status_code == 404, (path, answer.text)
    assert client.get("/jobs/999999").json()["detail"] == "job 999999 does not exist"
    assert client.get("/jobs/2147483648").status_code == 404  # beyond any id: cannot exist
    assert client.get("/provisioning/bulk/999999").status_code == 404


# --- bulk ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["rename", "move", "replace", "reprofile", "discover"])
def test_bulk_refuses_actions_that_need_values_per_onu(client: TestClient, setup: Setup, kind: str) -> None:
    answer = client.post("/provisioning/bulk", json={"serials": ["HWTC00000001"], "kind": kind, "dry_run": True})
    assert answer.status_code == 422 and "not an action a bulk run takes" in answer.json()["detail"]
    assert job_count(setup.url) == 0


def test_bulk_by_serials_dry_run_then_queue(
    client: TestClient, setup: Setup, deferred: list[dict[str, Any]]
) -> None:
    plan = {"desired": {"plan_id": setup.plan_id}, "onu_type_id": setup.type_id}
    first, second = setup.discovered("HWTC00000001", **plan), setup.discovered("HWTC00000002", **plan)
    serials = ["hwtc00000001", "HWTC00000002", "HWTC0000FFFF"]

    dry = client.post("/provisioning/bulk", json={"serials": serials, "dry_run": True})
    assert dry.status_code == 200, dry.text
    assert [(p["serial"], p["error"]) for p in dry.json()["plans"]] == [
        ("HWTC00000001", None),
        ("HWTC00000002", None),
    ]
    assert dry.json()["refused"] == ["no ONU with serial HWTC0000FFFF"]
    assert deferred == [] and job_count(setup.url) == 0

    queued = client.post("/provisioning/bulk", json={"serials": serials})
    assert queued.status_code == 202, queued.text
    run = queued.json()
    assert (run["queued"], run["refused"]) == (2, ["no ONU with serial HWTC0000FFFF"])
    assert len(deferred) == 1 and deferred[0]["lock"] == f"olt:{setup.olt_id}"
    assert len(deferred[0]["job_ids"]) == 2

    progress = client.get(run["status_url"]).json()
    assert [(i["onu_id"], i["serial"], i["status"]) for i in progress["items"]] == [
        (first, "HWTC00000001", "queued"),
        (second, "HWTC00000002", "queued"),
    ]
    assert (progress["counts"], progress["done"], progress["total"]) == ({"queued": 2}, False, 2)
    jobs = client.get("/jobs", params={"bulk_run_id": run["bulk_run_id"]}).json()
    assert [j["bulk_run_id"] for j in jobs["results"]] == [run["bulk_run_id"]] * 2
    assert (jobs["count"], jobs["limit"], jobs["offset"]) == (2, 50, 0)
    assert client.get("/jobs", params={"bulk_run_id": run["bulk_run_id"], "limit": 1}).json()["count"] == 2
    assert client.get("/jobs", params={"bulk": run["bulk_run_id"]}).status_code == 422

    nothing_left = client.post("/provisioning/bulk", json={"filter": {"olt_id": setup.olt_id}})
    assert nothing_left.status_code == 422 and "no ONU matches" in nothing_left.json()["detail"]


def test_bulk_by_filter_reports_refusals(
    client: TestClient, setup: Setup, deferred: list[dict[str, Any]]
) -> None:
    setup.discovered("HWTC00000001", desired={"plan_id": setup.plan_id}, onu_type_id=setup.type_id)
    blocked = setup.discovered("HWTC00000002")
    with session_scope(setup.url) as session:
        session.add(Job(kind="reboot", status="queued", onu_id=blocked, olt_id=setup.olt_id))

    dry = client.post("/provisioning/bulk", json={"filter": {"olt_id": setup.olt_id}, "dry_run": True}).json()
    assert [bool(p["plan"]) for p in dry["plans"]] == [True, False]
    assert "already has job" in dry["plans"][1]["error"]

    run = client.post("/provisioning/bulk", json={"filter": {"olt_id": setup.olt_id}}).json()
    assert run["queued"] == 1 and "HWTC00000002 already has job" in run["refused"][0]
    assert (
        client.post("/provisioning/bulk", json={"kind": "discover", "serials": ["HWTC00000001"]}).status_code
        == 422
    )
    assert client.post("/provisioning/bulk", json={}).status_code == 422


# --- the real flow ------------------------------------------------------------------------------


def test_discover_authorize_and_follow_the_job_over_ssh(
    client: TestClient, db_url: str, lab: Lab, worker: BackgroundWorker
) -> None:
    setup = make_setup(db_url, lab, "OLT-API-E2E")
    setup.sim.plug_onu(*setup.sim.ports[0], SERIAL)  # type: ignore[attr-defined]

    found = client.get(f"/olts/{setup.olt_id}/unconfigured-onus", params={"refresh": "true"}).json()
    assert [o["serial"] for o in found] == [SERIAL]

    queued = client.post(f"/onus/by-serial/{SERIAL.lower()}/authorize", json={"plan_id": setup.plan_id})
    assert queued.status_code == 202, queued.text
    job_id = queued.json()["job_id"]

    deadline = time.monotonic() + 30
    while (job := client.get(f"/jobs/{job_id}").json())["status"] in ("queued", "running"):
        assert time.monotonic() < deadline, job
        time.sleep(0.1)
    assert job["status"] == "succeeded", job
    push = next(s for s in job["steps"] if s["name"] == "push")
    assert any("ont add" in c for c in push["commands"]) and push["output"]
    assert push["status"] == "ok" and push["duration_ms"] is not None
    onu = client.get(f"/onus/{found[0]['id']}").json()
    assert onu["lifecycle_state"] == "active" and onu["jobs"][0]["id"] == job_id
    assert SERIAL in {o["serial"] for o in setup.sim.configured_onus()}  # type: ignore[attr-defined]
    assert client.get(f"/olts/{setup.olt_id}/unconfigured-onus").json() == []
    assert client.get(f"/olts/{setup.olt_id}/pon-ports").json()[0]["onu_count"] == 1
    assert client.post(f"/onus/{onu['id']}/authorize").status_code == 409, (
        "authorized ONUs are not re-authorized"
    )
