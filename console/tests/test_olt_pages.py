"""The OLT page: identity, connection and SNMP status, boards, PON ports with ONU counts and
average signal, unconfigured ONUs with the Authorize form (offered only to who may provision,
refused by the API otherwise), scope; and in a real browser against a simulated Huawei OLT:
discover, preview the commands, authorize, watch the job succeed through its stream."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy import insert, select

from console.tests.conftest import Browser, LiveApp, make_login
from core.db import session_scope, set_database_url
from core.models import RestrictionGroup, User, VendorFamily, restriction_group_zones, user_restriction_groups
from lab.base import Lab
from lab.register import ensure_reference_data, new_sim, register_olt
from oms.models import Job, JobKind, JobStatus, Olt, OltBoard, Onu, OnuLifecycle, OnuStatus, OnuType, Zone
from ponstack.worker import BackgroundWorker
from tests.fixtures import api_client
from tests.lab_fixtures import LabOlt, discover_now, first_port, onu_row

HUAWEI = VendorFamily.HUAWEI_SMARTAX
NEW_SERIAL = "HWTC0000AB01"


@dataclass
class Network:
    url: str
    north: int  # OLT in zone north
    south: int  # OLT in zone south
    plan: int
    group: int  # restriction group of zone north
    onu_type: int  # EG8145V5


def olt_in_zone(session: Any, name: str, zone: Zone) -> Olt:
    olt = register_olt(session, new_sim(HUAWEI, name), HUAWEI, 1)
    olt.zone = zone
    session.flush()
    return olt


def unconfigured_onu(session: Any, olt: Olt, serial: str, onu_type_id: int | None = None, port: int = 0) -> Onu:
    """An ONU as discovery leaves it: seen in autofind on a port, not authorized."""
    pon = sorted(olt.pon_ports, key=lambda p: (p.frame, p.slot, p.port))[port]
    now = datetime.now(UTC)
    onu = Onu(serial=serial, olt_id=olt.id, pon_port_id=pon.id, lifecycle_state=OnuLifecycle.DISCOVERED,
              vendor_id="HWTC", equipment_id="EG8145V5", onu_type_id=onu_type_id, discovered_at=now,
              last_seen_at=now)
    session.add(onu)
    session.flush()
    return onu


def active_onu(session: Any, olt: Olt, serial: str, index: int, rx: float,
               status: OnuStatus = OnuStatus.ONLINE) -> Onu:
    pon = sorted(olt.pon_ports, key=lambda p: (p.frame, p.slot, p.port))[0]
    onu = Onu(serial=serial, olt_id=olt.id, pon_port_id=pon.id, onu_index=index,
              lifecycle_state=OnuLifecycle.ACTIVE, status=status, rx_dbm=rx,
              optical_read_at=datetime.now(UTC) - timedelta(minutes=3))
    session.add(onu)
    session.flush()
    return onu


def restrict(url: str, username: str, group: int) -> None:
    with session_scope(url) as session:
        user_id = session.execute(select(User.id).where(User.username == username)).scalar_one()
        session.execute(insert(user_restriction_groups).values(user_id=user_id, group_id=group))


@pytest.fixture
def network(db_url: str) -> Network:
    with session_scope(db_url) as session:
        plan = ensure_reference_data(session)
        onu_type = session.execute(select(OnuType.id).where(OnuType.model == "EG8145V5")).scalar_one()
        north_zone, south_zone = Zone(name="north"), Zone(name="south")
        group = RestrictionGroup(name="north team")
        session.add_all([north_zone, south_zone, group])
        session.flush()
        north, south = olt_in_zone(session, "OLT-NORTH", north_zone), olt_in_zone(session, "OLT-SOUTH", south_zone)
        north.uptime_s, north.temperature_c, north.sys_name = 3 * 86400 + 7200, 41.5, "ma5800-north"
        session.add(OltBoard(olt_id=north.id, frame=0, slot=1, board_type="H901GPHF", status="Normal"))
        unconfigured_onu(session, north, "HWTC0000AA01", onu_type)
        unconfigured_onu(session, south, "HWTC0000BB01", onu_type)
        active_onu(session, north, "HWTC0000CC01", 1, -19.0)
        active_onu(session, north, "HWTC0000CC02", 2, -21.0)
        active_onu(session, north, "HWTC0000CC03", 3, -35.0, OnuStatus.LOS)  # stale reading: not averaged
        session.execute(insert(restriction_group_zones).values(group_id=group.id, zone_id=north_zone.id))
        session.add(Job(kind=JobKind.TEST_CONNECTION, status=JobStatus.FAILED, olt_id=north.id,
                        error="login refused by 10.0.0.1", requested_by="noc"))
        return Network(db_url, north.id, south.id, plan.id, group.id, onu_type)


def _port_row(html: str, fsp: str) -> str:
    match = re.search(rf'<tr data-port="{re.escape(fsp)}">(.*?)</tr>', html, re.S)
    assert match, f"no row for port {fsp}"
    return match.group(1)


def test_olt_page_shows_identity_status_boards_ports_and_unconfigured_onus(network: Network) -> None:
    page = api_client(network.url).get(f"/console/olts/{network.north}")
    assert page.status_code == 200, page.text
    html = page.text
    assert "<h1>OLT-NORTH" in html and "huawei_smartax" in html and "north" in html and "ma5800-north" in html
    assert "3 d 2 h" in html and "41.5 °C" in html and "H901GPHF" in html
    assert "login refused by 10.0.0.1" in html  # the last connection test's failure
    port = _port_row(html, "0/1/0")
    cells = re.findall(r"<td>(\d+)</td>", port)
    assert cells[:3] == ["3", "2", "1"]  # provisioned, online, down
    assert "-20.00 dBm" in port  # the average of the two online ONUs (the LOS one's -35 is stale)
    assert 'data-unconfigured-onu="HWTC0000AA01"' in html
    assert "HWTC0000BB01" not in html  # another OLT's
    form = re.search(r'<form data-api="/onus/by-serial/HWTC0000AA01/authorize"[^>]*>', html)
    assert form and "data-preview" in form.group(0) and "data-follow" in form.group(0)
    # prefilled: the ONU's own type, the one plan mapped for Huawei
    assert re.search(rf'<option value="{network.onu_type}" selected>Huawei EG8145V5</option>', html)
    assert re.search(rf'<option value="{network.plan}" selected>FTTH 100M</option>', html)
    assert f'data-api="/olts/{network.north}/test-connection?wait=0"' in html


def test_the_form_s_body_is_what_the_authorize_api_plans(network: Network) -> None:
    """What the form sends on preview (type, plan, dry_run) is accepted and answers the commands."""
    client = api_client(network.url)
    plan = client.post("/onus/by-serial/HWTC0000AA01/authorize",
                       json={"onu_type_id": network.onu_type, "plan_id": network.plan, "dry_run": True})
    assert plan.status_code == 200, plan.text
    assert any("ont add" in command for command in plan.json()["commands"])


def test_support_sees_the_olt_without_authorize_and_the_api_refuses_it(network: Network) -> None:
    support = api_client(network.url, "sam", "support")
    html = support.get(f"/console/olts/{network.north}").text
    assert 'data-unconfigured-onu="HWTC0000AA01"' in html
    assert "/authorize" not in html and "Authorize" not in html and "/console/bulk" not in html
    assert "test-connection" not in html  # no olt:manage
    refused = support.post("/onus/by-serial/HWTC0000AA01/authorize", json={"plan_id": network.plan})
    assert refused.status_code == 403


def test_another_zone_s_olt_is_not_found_and_so_is_a_missing_one(network: Network) -> None:
    client = api_client(network.url, "nora", "noc_engineer")
    restrict(network.url, "nora", network.group)
    assert client.get(f"/console/olts/{network.north}").status_code == 200
    hidden = client.get(f"/console/olts/{network.south}")
    assert hidden.status_code == 404 and "OLT-SOUTH" not in hidden.text
    for missing in (999999, 2**40):
        answer = api_client(network.url).get(f"/console/olts/{missing}")
        assert answer.status_code == 404 and "does not exist" in answer.text


def test_anonymous_is_sent_to_login(network: Network) -> None:
    from fastapi.testclient import TestClient

    from api.app import create_app

    answer = TestClient(create_app(network.url)).get(f"/console/olts/{network.north}", follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"].startswith("/login?next=/console/olts/")


# --- in the browser, against a simulated Huawei OLT --------------------------------------------


@pytest.fixture
def huawei(lab: Lab, db_url: str) -> LabOlt:
    """One simulated Huawei OLT (one family keeps browser tests fast), registered in the test's database."""
    sim = new_sim(HUAWEI, "LAB-CONSOLE")
    port = lab.add(sim)
    set_database_url(db_url)
    with session_scope(db_url) as session:
        plan = ensure_reference_data(session)
        olt = register_olt(session, sim, HUAWEI, port)
        return LabOlt(db_url, sim, olt.id, plan.id, HUAWEI, port)


def test_authorize_from_the_olt_page_and_watch_the_job(huawei: LabOlt, worker: BackgroundWorker,
                                                      live_app: LiveApp, browser: Browser) -> None:
    huawei.sim.plug_onu(*first_port(huawei.sim), NEW_SERIAL)  # type: ignore[attr-defined]
    discover_now(huawei)
    browser.login("nina", make_login(live_app.db_url, "nina", "noc_engineer"))
    browser.goto(f"/console/olts/{huawei.olt_id}")
    page = browser.page
    row = page.locator(f'tr[data-unconfigured-onu="{NEW_SERIAL}"]')
    expect(row).to_be_visible()
    browser.screenshot("olt_page")

    row.locator("summary").click()
    row.locator('button[type="submit"]').click()
    expect(row.locator("pre[data-plan]")).to_contain_text("ont add")
    browser.screenshot("authorize_form")
    row.locator("button[data-confirm-send]").click()
    progress = row.locator("[data-job-progress]")
    expect(progress).to_contain_text("succeeded", timeout=60_000)
    expect(progress).to_contain_text("Commands sent")
    assert onu_row(huawei.url, NEW_SERIAL).lifecycle_state is OnuLifecycle.ACTIVE
    assert NEW_SERIAL in {o["serial"] for o in huawei.sim.configured_onus()}  # type: ignore[attr-defined]
