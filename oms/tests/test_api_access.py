"""Who may do what on the OMS API: authentication, the permissions of each role, read-only
tokens, and restriction groups (a principal restricted to zones sees and acts only there;
anything else answers 404 exactly like a row that does not exist)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import insert, select

from api.app import create_app
from core.db import session_scope
from core.models import AuditLog, RestrictionGroup, User, VendorFamily, restriction_group_zones, user_restriction_groups
from lab.register import ensure_reference_data, new_sim, register_olt
from oms.models import BulkRun, Job, JobKind, JobStatus, Olt, Onu, OnuLifecycle, OnuStatus, OnuType, Zone
from tests.fixtures import api_client, make_user

HUAWEI = VendorFamily.HUAWEI_SMARTAX
MISSING = 999_999


@dataclass
class Net:
    """Zone north (OLT a, ONU a) and zone south (OLT b, ONU b), an ONU on no OLT yet, one
    job on each OLT, and the restriction group of zone north."""

    url: str
    olt_a: int
    olt_b: int
    onu_a: int
    onu_b: int
    onu_nowhere: int
    job_a: int
    job_b: int
    run_b: int
    group: int
    type_id: int
    plan_id: int


SERIAL_A, SERIAL_B, SERIAL_NOWHERE = "HWTC0000000A", "HWTC0000000B", "HWTC0000000C"


def _olt(session: Any, name: str, zone: Zone) -> Olt:
    olt = register_olt(session, new_sim(HUAWEI, name), HUAWEI, 1)
    olt.zone = zone
    session.flush()
    return olt


def _active_onu(serial: str, olt: Olt, type_id: int, plan_id: int) -> Onu:
    port = sorted(olt.pon_ports, key=lambda p: p.fsp)[0]
    return Onu(serial=serial, olt_id=olt.id, pon_port_id=port.id, onu_index=1, onu_type_id=type_id,
               lifecycle_state=OnuLifecycle.ACTIVE, status=OnuStatus.ONLINE, desired={"plan_id": plan_id})


@pytest.fixture
def net(db_url: str) -> Net:
    with session_scope(db_url) as session:
        plan = ensure_reference_data(session)
        type_id = session.execute(select(OnuType.id).where(OnuType.model == "EG8145V5")).scalar_one()
        north, south = Zone(name="north"), Zone(name="south")
        session.add_all([north, south])
        olt_a, olt_b = _olt(session, "OLT-NORTH", north), _olt(session, "OLT-SOUTH", south)
        onu_a, onu_b = _active_onu(SERIAL_A, olt_a, type_id, plan.id), _active_onu(SERIAL_B, olt_b, type_id, plan.id)
        nowhere = Onu(serial=SERIAL_NOWHERE, lifecycle_state=OnuLifecycle.PREPROVISIONED, onu_type_id=type_id,
                      desired={"plan_id": plan.id})
        session.add_all([onu_a, onu_b, nowhere])
        session.flush()
        run_b = BulkRun(kind=JobKind.REBOOT, status=JobStatus.SUCCEEDED, requested_by="someone", total=1)
        session.add(run_b)
        session.flush()
        job_a = Job(kind=JobKind.REBOOT, status=JobStatus.SUCCEEDED, olt_id=olt_a.id, onu_id=onu_a.id)
        job_b = Job(kind=JobKind.REBOOT, status=JobStatus.SUCCEEDED, olt_id=olt_b.id, onu_id=onu_b.id,
                    bulk_run_id=run_b.id)
        group = RestrictionGroup(name="north team")
        session.add_all([job_a, job_b, group])
        session.flush()
        session.execute(insert(restriction_group_zones).values(group_id=group.id, zone_id=north.id))
        return Net(db_url, olt_a.id, olt_b.id, onu_a.id, onu_b.id, nowhere.id, job_a.id, job_b.id, run_b.id,
                   group.id, type_id, plan.id)


def restricted_client(net: Net, username: str = "nora", role: str = "noc_engineer") -> TestClient:
    """A user in the restriction group of zone north."""
    client: TestClient = api_client(net.url, username, role)
    with session_scope(net.url) as session:
        user_id = session.execute(select(User.id).where(User.username == username)).scalar_one()
        session.execute(insert(user_restriction_groups).values(user_id=user_id, group_id=net.group))
    return client


def _ids(answer: Any) -> list[int]:
    assert answer.status_code == 200, answer.text
    return [row["id"] for row in answer.json()["results"]]


# --- authentication and roles -----------------------------------------------------------------


@pytest.mark.parametrize(("method", "path"), [
    ("get", "/olts"), ("get", "/olts/1"), ("get", "/onus"), ("get", "/jobs"), ("get", "/monitoring/onus"),
    ("post", "/onus/1/reboot"), ("post", "/provisioning/bulk"), ("get", "/settings/cli-templates"),
    ("put", "/settings/snmp-oid-maps/1"), ("post", "/zones"),
])
def test_without_credentials_the_oms_answers_401(db_url: str, method: str, path: str) -> None:
    anonymous = TestClient(create_app(db_url), raise_server_exceptions=False)
    answer = anonymous.request(method, path, json={} if method != "get" else None)
    assert answer.status_code == 401, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    spoofed = anonymous.request(method, path, headers={"X-Ponstack-User": "admin"},
                                json={} if method != "get" else None)
    assert spoofed.status_code == 401, "a user header is no credential"


def test_support_can_reboot_but_not_authorize(net: Net, deferred: list[dict[str, Any]]) -> None:
    support = api_client(net.url, "sam", "support")

    reboot = support.post(f"/onus/{net.onu_a}/reboot")
    assert reboot.status_code == 202, reboot.text
    assert support.get(f"/jobs/{reboot.json()['job_id']}").json()["requested_by"] == "sam"
    assert support.post(f"/monitoring/onus/{net.onu_a}/poll").status_code == 202

    for path in (f"/onus/{net.onu_nowhere}/authorize", f"/onus/{net.onu_a}/suspend",
                 f"/onus/by-serial/{SERIAL_NOWHERE}/authorize"):
        refused = support.post(path)
        assert refused.status_code == 403, (path, refused.text)
        assert "onu:provision" in refused.json()["detail"]
    assert support.post("/provisioning/bulk", json={"serials": [SERIAL_A], "kind": "reboot"}).status_code == 403
    assert support.post(f"/olts/{net.olt_a}/discover").status_code == 403
    assert len(deferred) == 1, "only the reboot was queued"


def test_read_only_can_list_but_not_change_anything(net: Net, deferred: list[dict[str, Any]]) -> None:
    viewer = api_client(net.url, "vera", "read_only")

    assert len(_ids(viewer.get("/olts"))) == 2
    assert len(_ids(viewer.get("/onus"))) == 3
    assert viewer.get(f"/jobs/{net.job_b}").status_code == 200
    assert viewer.get("/settings/cli-templates").status_code == 200
    assert viewer.get(f"/olts/{net.olt_a}/snmp").status_code == 200
    for method, path, body in [
        ("post", "/olts", {}),
        ("patch", f"/olts/{net.olt_a}", {"description": "x"}),
        ("delete", f"/olts/{net.olt_a}", None),
        ("post", f"/olts/{net.olt_a}/profiles", {"kind": "line", "name": "L", "profile_id": 1}),
        ("put", f"/olts/{net.olt_a}/snmp", {}),
        ("post", f"/olts/{net.olt_a}/reconcile", None),
        ("post", f"/onus/{net.onu_a}/reboot", None),
        ("post", f"/onus/{net.onu_a}/rename", {"name": "x"}),
        ("post", "/onus/preprovision", {}),
        ("post", f"/monitoring/olts/{net.olt_a}/poll", None),
        ("put", "/settings/cli-templates/huawei_smartax/reboot", {"body": "x"}),
        ("post", "/zones", {"name": "east"}),
        ("delete", f"/onu-types/{net.type_id}", None),
    ]:
        answer = viewer.request(method, path, json=body)
        assert answer.status_code == 403, (method, path, answer.text)
    assert viewer.get(f"/olts/{net.olt_a}/unconfigured-onus", params={"refresh": "true"}).status_code == 403
    assert deferred == []
    with session_scope(net.url) as session:
        assert session.execute(select(AuditLog)).first() is None


def test_a_read_only_token_of_an_admin_cannot_write(net: Net, deferred: list[dict[str, Any]]) -> None:
    admin = api_client(net.url, "root", "admin", write_enabled=False)

    assert len(_ids(admin.get("/onus"))) == 3
    for method, path in [("post", "/zones"), ("post", f"/onus/{net.onu_a}/reboot"),
                         ("delete", f"/olts/{net.olt_b}")]:
        answer = admin.request(method, path, json={"name": "east"} if path == "/zones" else None)
        assert answer.status_code == 403 and "read-only" in answer.json()["detail"], (path, answer.text)
    refresh = admin.get(f"/olts/{net.olt_a}/unconfigured-onus", params={"refresh": "true"})
    assert refresh.status_code == 403 and "read-only" in refresh.json()["detail"]
    assert deferred == []


# --- restriction groups -----------------------------------------------------------------------


def test_a_restricted_user_lists_only_its_zones(net: Net) -> None:
    nora = restricted_client(net)

    assert _ids(nora.get("/olts")) == [net.olt_a]
    assert nora.get("/olts").json()["count"] == 1
    assert _ids(nora.get("/olts", params={"zone": "south"})) == []
    assert _ids(nora.get("/onus")) == [net.onu_a], "not zone south's, nor the one on no OLT"
    assert _ids(nora.get("/onus", params={"olt_id": net.olt_b})) == []
    assert _ids(nora.get("/jobs")) == [net.job_a]
    assert [o["id"] for o in nora.get("/monitoring/olts").json()["olts"]] == [net.olt_a]
    assert _ids(nora.get("/monitoring/onus")) == [net.onu_a]

    admin = api_client(net.url)
    assert sorted(_ids(admin.get("/olts"))) == sorted([net.olt_a, net.olt_b])
    assert sorted(_ids(admin.get("/onus"))) == sorted([net.onu_a, net.onu_b, net.onu_nowhere])


def _as_missing(client: TestClient, method: str, path: str, hidden: int, body: Any = None) -> None:
    """`path` names a hidden row: the answer is the one for an id that does not exist."""
    answer = client.request(method, path, json=body)
    missing = client.request(method, re.sub(rf"/{hidden}(?=/|\?|$)", f"/{MISSING}", path), json=body)
    assert answer.status_code == missing.status_code == 404, (method, path, answer.text, missing.text)
    expected = {**missing.json(), "detail": missing.json()["detail"].replace(str(MISSING), str(hidden))}
    assert answer.json() == expected, (method, path)
    assert answer.headers["content-type"] == missing.headers["content-type"]


def test_another_zones_olt_is_404_like_a_missing_one(net: Net, deferred: list[dict[str, Any]]) -> None:
    nora = restricted_client(net)
    b = net.olt_b

    for method, path, body in [
        ("get", f"/olts/{b}", None),
        ("patch", f"/olts/{b}", {"description": "mine now"}),
        ("delete", f"/olts/{b}", None),
        ("get", f"/olts/{b}/pon-ports", None),
        ("get", f"/olts/{b}/profiles", None),
        ("post", f"/olts/{b}/profiles", {"kind": "line", "name": "LINE-X", "profile_id": 77}),
        ("get", f"/olts/{b}/unconfigured-onus", None),
        ("post", f"/olts/{b}/test-connection?wait=0", None),
        ("post", f"/olts/{b}/discover?wait=0", None),
        ("post", f"/olts/{b}/reconcile", None),
        ("get", f"/olts/{b}/snmp", None),
        ("put", f"/olts/{b}/snmp", {"community": "public"}),
        ("post", f"/olts/{b}/snmp/test", None),
        ("get", f"/monitoring/olts/{b}", None),
        ("post", f"/monitoring/olts/{b}/poll", None),
    ]:
        _as_missing(nora, method, path, b, body)
    assert nora.get(f"/olts/{net.olt_a}").status_code == 200
    assert nora.post("/olts", json={"name": "x"}).status_code == 422, "the body is checked first"
    created = nora.post("/olts", json={"name": "OLT-NEW", "vendor": "huawei", "family": "huawei_smartax",
                                       "model": "MA5800", "mgmt_host": "192.0.2.9", "username": "u",
                                       "password": "pw"})
    assert created.status_code == 403, created.text
    moved = nora.patch(f"/olts/{net.olt_a}", json={"zone_id": None})
    assert moved.status_code == 403, "an OLT is not moved out of the principal's zones"
    assert deferred == []
    with session_scope(net.url) as session:
        assert session.get_one(Olt, b).description != "mine now"
        assert session.execute(select(Job).where(Job.olt_id == b, Job.kind != JobKind.REBOOT)).first() is None


def test_another_zones_onu_job_and_run_are_404_like_missing_ones(net: Net, deferred: list[dict[str, Any]]) -> None:
    nora = restricted_client(net)

    for hidden in (net.onu_b, net.onu_nowhere):
        for method, path, body in [
            ("get", f"/onus/{hidden}", None),
            ("post", f"/onus/{hidden}/reboot", None),
            ("post", f"/onus/{hidden}/authorize", {"dry_run": True}),
            ("post", f"/onus/{hidden}/suspend", None),
            ("post", f"/onus/{hidden}/rename", {"name": "taken"}),
            ("post", f"/onus/{hidden}/replace", {"new_serial": "HWTC00000FFF"}),
            ("post", f"/onus/{hidden}/move", {"frame": 0, "slot": 1, "port": 1}),
            ("get", f"/monitoring/onus/{hidden}/history", None),
            ("post", f"/monitoring/onus/{hidden}/poll", None),
        ]:
            _as_missing(nora, method, path, hidden, body)
    preview = nora.post("/settings/cli-templates/huawei_smartax/reboot/preview", json={"onu_id": net.onu_b})
    assert preview.status_code == 404 and preview.json()["detail"] == f"ONU {net.onu_b} does not exist"
    _as_missing(nora, "get", f"/jobs/{net.job_b}", net.job_b)
    _as_missing(nora, "get", f"/provisioning/bulk/{net.run_b}", net.run_b)
    assert nora.get(f"/jobs/{net.job_a}").status_code == 200

    by_serial = nora.post(f"/onus/by-serial/{SERIAL_B}/authorize")
    unknown = nora.post("/onus/by-serial/HWTC0000FFFF/authorize")
    assert by_serial.status_code == unknown.status_code == 404
    assert by_serial.json()["detail"] == f"no ONU with serial {SERIAL_B}"

    dry = nora.post("/provisioning/bulk", json={"serials": [SERIAL_A, SERIAL_B], "kind": "reboot",
                                                "dry_run": True})
    assert dry.status_code == 200, dry.text
    assert [p["serial"] for p in dry.json()["plans"]] == [SERIAL_A]
    assert dry.json()["refused"] == [f"no ONU with serial {SERIAL_B}"]
    only_b = nora.post("/provisioning/bulk", json={"serials": [SERIAL_B], "kind": "reboot"})
    assert only_b.status_code == 422 and "no ONU matches" in only_b.json()["detail"]
    everything = nora.post("/provisioning/bulk", json={"filter": {"lifecycle_state": "active"}, "kind": "reboot"})
    assert everything.status_code == 202 and everything.json()["queued"] == 1, everything.text
    assert nora.get(everything.json()["status_url"]).status_code == 200, "its own run"
    assert [d["olt_id"] for d in deferred] == [net.olt_a]

    preprovision = {"serial": "HWTC0000DDDD", "onu_type_id": net.type_id, "plan_id": net.plan_id}
    assert nora.post("/onus/preprovision", json=preprovision).status_code == 403, "an ONU on no OLT"
    elsewhere = nora.post("/onus/preprovision", json={**preprovision, "olt_id": net.olt_b,
                                                        "frame": 0, "slot": 1, "port": 0})
    assert elsewhere.status_code == 422 and elsewhere.json()["detail"] == f"OLT {net.olt_b} does not exist"
    here = nora.post("/onus/preprovision", json={**preprovision, "olt_id": net.olt_a,
                                                  "frame": 0, "slot": 1, "port": 0})
    assert here.status_code == 201, here.text

    reboot = nora.post(f"/onus/{net.onu_a}/reboot")
    assert reboot.status_code == 409, "its own ONU is acted on (here: it already has the bulk run's job)"


def test_a_token_restricted_to_a_group_narrows_an_admin(net: Net) -> None:
    token = make_user(net.url, "root", "admin", restriction_group_id=net.group)
    narrowed = TestClient(create_app(net.url), raise_server_exceptions=False)
    narrowed.headers["Authorization"] = f"Bearer {token}"

    assert _ids(narrowed.get("/olts")) == [net.olt_a]
    assert _ids(narrowed.get("/onus")) == [net.onu_a]
    assert narrowed.get(f"/olts/{net.olt_b}").status_code == 404
    assert narrowed.post("/zones", json={"name": "east"}).status_code == 201, "settings are not zoned"

    unrestricted = api_client(net.url, "root", "admin")  # another token of the same admin
    assert sorted(_ids(unrestricted.get("/olts"))) == sorted([net.olt_a, net.olt_b])


def test_deleting_a_zone_names_only_what_the_principal_sees(net: Net) -> None:
    nora = restricted_client(net)
    with session_scope(net.url) as session:
        south = session.execute(select(Zone.id).where(Zone.name == "south")).scalar_one()

    answer = nora.delete(f"/zones/{south}")

    assert answer.status_code == 409
    assert "OLT-SOUTH" not in answer.json()["detail"] and "1 OLT(s)" in answer.json()["detail"]
    assert "OLT-SOUTH" in api_client(net.url).delete(f"/zones/{south}").json()["detail"]
