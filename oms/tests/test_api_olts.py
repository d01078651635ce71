"""OLT API: CRUD with a write-only password, delete guard, ports, profiles, and the
device diagnostics (connection test, discovery) over real SSH to simulated OLTs."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from core.db import session_scope
from core.models import AuditLog, VendorFamily
from lab.base import Lab, SimulatedOlt
from lab.register import ensure_reference_data, new_sim, register_olt
from oms.models import Job, Olt, Onu, OnuLifecycle
from ponstack.worker import BackgroundWorker
from tests.fixtures import api_client

HUAWEI = VendorFamily.HUAWEI_SMARTAX
NEW_OLT: dict[str, Any] = {
    "name": "olt-north-1",
    "vendor": "huawei",
    "family": "huawei_smartax",
    "model": "MA5800-X7",
    "mgmt_host": "192.0.2.10",
    "username": "ponstack",
    "password": "s3cret-pw",
}





def add_lab_olt(
    url: str, lab: Lab | None, name: str, password: str | None = None
) -> tuple[SimulatedOlt, int]:
    """A simulated Huawei OLT (started when `lab` is given) and its database row."""
    sim = new_sim(HUAWEI, name)
    port = lab.add(sim) if lab is not None else 1
    with session_scope(url) as session:
        ensure_reference_data(session)
        olt = register_olt(session, sim, HUAWEI, port)
        if password is not None:
            olt.password = password
        return sim, olt.id


def test_create_list_update_never_expose_the_password(client: TestClient, db_url: str) -> None:
    alice = api_client(db_url, "alice", "noc_engineer")
    created = alice.post("/olts", json=NEW_OLT)
    assert created.status_code == 201, created.text
    olt = created.json()
    assert "password" not in olt and NEW_OLT["password"] not in created.text
    assert (olt["vendor"], olt["family"], olt["cli_port"], olt["is_active"]) == (
        "huawei",
        "huawei_smartax",
        22,
        True,
    )

    page = client.get("/olts", params={"family": "huawei_smartax"}).json()
    assert [o["id"] for o in page["results"]] == [olt["id"]]
    assert (page["count"], page["limit"], page["offset"]) == (1, 50, 0)
    assert client.get("/olts", params={"family": "zte_c3xx"}).json()["results"] == []
    assert client.get("/olts", params={"active": "false"}).json()["results"] == []
    assert client.get("/olts", params={"zone": "nowhere"}).json()["count"] == 0
    assert client.get("/olts", params={"familly": "zte_c3xx"}).status_code == 422, "an unknown filter is refused"
    assert client.get("/olts", params={"limit": 501}).status_code == 422

    patched = client.patch(
        f"/olts/{olt['id']}", json={"password": "n3w-pw", "cli_port": 2222, "is_active": False}
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["cli_port"] == 2222 and "n3w-pw" not in patched.text
    assert client.get("/olts", params={"active": "false"}).json()["results"][0]["id"] == olt["id"]

    with session_scope(db_url) as session:
        assert session.get_one(Olt, olt["id"]).password == "n3w-pw"
        audit_rows = session.execute(select(AuditLog).where(AuditLog.object_type == "olt")).scalars().all()
        assert [(a.actor, a.action) for a in audit_rows] == [("alice", "create"), ("admin", "update")]
        assert all(a.request_id for a in audit_rows)
        assert all("password" not in (a.after or {}) for a in audit_rows)
        assert audit_rows[1].message == "changed: password"


@pytest.mark.parametrize(
    ("change", "status", "detail"),
    [
        ({"vendor": "acme"}, 422, "vendor 'acme' does not exist"),
        ({"vendor": "zte"}, 422, "makes no huawei_smartax OLTs"),
        ({"family": "fiberhome_an5516"}, 422, None),
        ({"cli_port": 0}, 422, None),
        ({"password": ""}, 422, None),
    ],
)
def test_create_refuses_invalid_olts(
    client: TestClient, change: dict[str, Any], status: int, detail: str | None
) -> None:
    answer = client.post("/olts", json={**NEW_OLT, **change})

    assert answer.status_code == status, answer.text
    if detail:
        assert detail in answer.json()["detail"]


def test_duplicate_name_and_unknown_olt(client: TestClient) -> None:
    assert client.post("/olts", json=NEW_OLT).status_code == 201
    duplicate = client.post("/olts", json=NEW_OLT)
    assert duplicate.status_code == 409 and "already exists" in duplicate.json()["detail"]
    for method, path in [
        ("get", "/olts/999"),
        ("patch", "/olts/999"),
        ("delete", "/olts/999"),
        ("get", "/olts/999/pon-ports"),
        ("get", "/olts/999/profiles"),
        ("post", "/olts/999/test-connection"),
        ("get", "/olts/999/unconfigured-onus"),
    ]:
        answer = client.request(method, path, json={} if method == "patch" else None)
        assert answer.status_code == 404, (method, path, answer.text)
        assert answer.json() == {"type": "about:blank", "title": "Not Found", "status": 404,
                                 "detail": "OLT 999 does not exist"}
        assert answer.headers["content-type"] == "application/problem+json"


def test_delete_refused_while_onus_are_provisioned(client: TestClient, db_url: str) -> None:
    _, olt_id = add_lab_olt(db_url, None, "OLT-DEL")
    with session_scope(db_url) as session:
        port = session.get_one(Olt, olt_id).pon_ports[0]
        session.add(
            Onu(
                serial="HWTC00000001",
                olt_id=olt_id,
                pon_port_id=port.id,
                onu_index=0,
                lifecycle_state=OnuLifecycle.ACTIVE,
            )
        )
        session.add(
            Onu(
                serial="HWTC00000002",
                olt_id=olt_id,
                pon_port_id=port.id,
                lifecycle_state=OnuLifecycle.DISCOVERED,
            )
        )

    refused = client.delete(f"/olts/{olt_id}")
    assert refused.status_code == 409 and "1 provisioned ONU" in refused.json()["detail"]

    with session_scope(db_url) as session:
        active = session.execute(select(Onu).where(Onu.serial == "HWTC00000001")).scalar_one()
        active.lifecycle_state, active.onu_index = OnuLifecycle.REMOVED, None
    assert client.delete(f"/olts/{olt_id}").status_code == 204
    assert client.get(f"/olts/{olt_id}").status_code == 404
    with session_scope(db_url) as session:
        seen = session.execute(select(Onu).where(Onu.serial == "HWTC00000002")).scalar_one()
        assert (seen.olt_id, seen.pon_port_id) == (None, None)


def test_pon_ports_and_profiles(client: TestClient, db_url: str) -> None:
    sim, olt_id = add_lab_olt(db_url, None, "OLT-PORTS")

    ports = client.get(f"/olts/{olt_id}/pon-ports").json()
    assert [(p["frame"], p["slot"], p["port"]) for p in ports] == sorted(sim.ports)  # type: ignore[attr-defined]
    assert ports[0]["fsp"] == "{}/{}/{}".format(*sorted(sim.ports)[0])  # type: ignore[attr-defined]

    new = {"kind": "line", "name": "LINE-1G", "profile_id": 11}
    created = client.post(f"/olts/{olt_id}/profiles", json=new)
    assert created.status_code == 201, created.text
    assert client.post(f"/olts/{olt_id}/profiles", json=new).status_code == 409
    names = {(p["kind"], p["name"], p["profile_id"]) for p in client.get(f"/olts/{olt_id}/profiles").json()}
    assert ("line", "LINE-1G", 11) in names and ("line", "LINE-100M", 10) in names


def test_connection_test_is_a_job_run_by_the_worker(
    client: TestClient, db_url: str, lab: Lab, worker: BackgroundWorker
) -> None:
    _, olt_id = add_lab_olt(db_url, lab, "OLT-CONN-OK")

    answer = client.post(f"/olts/{olt_id}/test-connection", params={"wait": 30}).json()

    assert answer["ok"] is True, answer
    assert answer["error"] is None and answer["elapsed_s"] > 0
    assert answer["version"]["model"] and answer["version"]["software_version"]
    job = client.get(f"/jobs/{answer['job_id']}").json()
    assert job["kind"] == "test_connection" and job["status"] == "succeeded"
    identity = next(s for s in job["steps"] if s["name"] == "read identity")
    assert identity["commands"] == ["display version", "display board 0"] and "MA5800" in identity["output"]


def test_connection_test_with_wrong_password_says_so(
    client: TestClient, db_url: str, lab: Lab, worker: BackgroundWorker
) -> None:
    _, olt_id = add_lab_olt(db_url, lab, "OLT-CONN-BAD", password="wrong")

    answer = client.post(f"/olts/{olt_id}/test-connection", params={"wait": 30}).json()

    assert answer["ok"] is False and answer["version"] is None
    assert "refused" in answer["error"] and "password" in answer["error"], answer["error"]


def test_the_api_never_opens_a_cli_session(client: TestClient, db_url: str, lab: Lab) -> None:
    """No worker runs: the API only records and queues the device work."""
    sim, olt_id = add_lab_olt(db_url, lab, "OLT-NO-API-SESSION")
    for method, path, params in (("post", f"/olts/{olt_id}/test-connection", {}),
                                 ("post", f"/olts/{olt_id}/discover", {}),
                                 ("get", f"/olts/{olt_id}/unconfigured-onus", {"refresh": "true"})):
        answer = client.request(method, path, params={"wait": 0.2, **params})
        assert answer.status_code == 202, answer.text
        assert answer.json()["status_url"] == f"/jobs/{answer.json()['job_id']}"
    assert sim.logins == 0, "nothing but the worker contacts the OLT"
    with session_scope(db_url) as session:
        kinds = sorted(j.kind.value for j in session.execute(select(Job)).scalars())
    assert kinds == ["discover", "discover", "test_connection"]


def test_discovery_refresh_lists_unconfigured_onus(
    client: TestClient, db_url: str, lab: Lab, worker: BackgroundWorker
) -> None:
    sim, olt_id = add_lab_olt(db_url, lab, "OLT-DISCO")
    assert client.get(f"/olts/{olt_id}/unconfigured-onus").json() == []
    sim.plug_onu(*sim.ports[0], "HWTC11E70E9A")  # type: ignore[attr-defined]

    assert client.get(f"/olts/{olt_id}/unconfigured-onus").json() == [], (
        "without refresh: the database's view"
    )
    listed = client.get(f"/olts/{olt_id}/unconfigured-onus", params={"refresh": "true"}).json()
    assert [o["serial"] for o in listed] == ["HWTC11E70E9A"]
    assert listed[0]["lifecycle_state"] == "discovered"

    report = client.post(f"/olts/{olt_id}/discover").json()
    assert (report["found"], report["new"], report["authorization_jobs"]) == (1, [], [])


def test_discovery_of_unreachable_olt_is_a_gateway_error(
    client: TestClient, db_url: str, lab: Lab, worker: BackgroundWorker
) -> None:
    _, olt_id = add_lab_olt(db_url, lab, "OLT-GONE")
    with session_scope(db_url) as session:
        session.get_one(Olt, olt_id).cli_port = 1  # nothing listens there

    answer = client.post(f"/olts/{olt_id}/discover")

    assert answer.status_code == 502
    assert "discovery failed" in answer.json()["detail"] and "127.0.0.1:1" in answer.json()["detail"]
