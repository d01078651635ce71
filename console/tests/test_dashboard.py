"""The dashboard: every card's number is the number of ONUs its link lists; PON outages with
their probable cause (many LOS on one port: a fibre cut; dying gasps: a power outage); OLT
health, jobs and ONUs waiting; everything scoped to the viewer's zones; and in a real browser
the fragments load into the frame."""

from __future__ import annotations

import html as htmllib
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy import insert, select

from console.tests.conftest import Browser, LiveApp, make_login
from console.tests.test_olt_pages import olt_in_zone, restrict, unconfigured_onu
from core.db import session_scope
from core.models import RestrictionGroup, restriction_group_zones
from lab.register import ensure_reference_data
from oms.models import Job, JobKind, JobStatus, Olt, Onu, OnuLifecycle, OnuStatus, OnuType, Zone
from oms.monitoring.queries import DEFAULT_LOW_SIGNAL_DBM
from tests.fixtures import api_client

WARNING_RX = DEFAULT_LOW_SIGNAL_DBM - 1.0  # low, above critical (3 dB below)
CRITICAL_RX = DEFAULT_LOW_SIGNAL_DBM - 5.0
CARDS = ("waiting", "online", "offline", "power_fail", "los", "offline_unknown", "low", "warning", "critical")


@dataclass
class Net:
    url: str
    north: int
    south: int
    group: int  # restriction group of zone north


def provisioned(session: Any, olt: Olt, port: int, index: int, status: OnuStatus, rx: float | None = -20.0,
                changed: datetime | None = None, state: OnuLifecycle = OnuLifecycle.ACTIVE,
                onu_type: int | None = None) -> Onu:
    pon = sorted(olt.pon_ports, key=lambda p: (p.frame, p.slot, p.port))[port]
    serial = f"{olt.name[4:6]}{port:02d}{index:04d}".upper().ljust(12, "0")
    onu = Onu(serial=serial, name=f"customer {olt.name} {port}-{index}", olt_id=olt.id, pon_port_id=pon.id,
              onu_index=index, lifecycle_state=state, status=status, rx_dbm=rx, onu_type_id=onu_type,
              status_changed_at=changed or datetime.now(UTC) - timedelta(days=2))
    session.add(onu)
    session.flush()
    return onu


@pytest.fixture
def net(db_url: str) -> Net:
    """Two OLTs in two zones. North: port 0 healthy with low-signal tails and one offline for no
    known reason, port 1 cut (LOS on 4 ONUs within a minute), port 2 without power (dying gasp);
    south: a few online, one in LOS. ONUs waiting on both, a removed one that counts nowhere."""
    now = datetime.now(UTC)
    with session_scope(db_url) as session:
        ensure_reference_data(session)
        onu_type = session.execute(select(OnuType.id).where(OnuType.model == "EG8145V5")).scalar_one()
        north_zone, south_zone = Zone(name="north"), Zone(name="south")
        group = RestrictionGroup(name="north team")
        session.add_all([north_zone, south_zone, group])
        session.flush()
        north, south = olt_in_zone(session, "OLT-NORTH", north_zone), olt_in_zone(session, "OLT-SOUTH", south_zone)
        north.uptime_s, north.temperature_c = 5 * 86400 + 3600, 47.0
        for i, rx in enumerate([-18.0, -19.5, -21.0, WARNING_RX, WARNING_RX - 0.5, CRITICAL_RX], start=1):
            provisioned(session, north, 0, i, OnuStatus.ONLINE, rx, onu_type=onu_type if i % 2 else None)
        provisioned(session, north, 0, 7, OnuStatus.OFFLINE, -20.0)
        provisioned(session, north, 0, 8, OnuStatus.ONLINE, CRITICAL_RX, state=OnuLifecycle.SUSPENDED)
        provisioned(session, north, 0, 9, OnuStatus.LOS, CRITICAL_RX,  # a stale reading: not "low signal"
                    changed=now - timedelta(days=3))
        for i in range(1, 5):  # the fibre of port 1 was cut 40 minutes ago
            provisioned(session, north, 1, i, OnuStatus.LOS, -20.0, changed=now - timedelta(minutes=40, seconds=i))
        provisioned(session, north, 1, 5, OnuStatus.ONLINE, -20.0)
        for i in range(1, 4):  # the area of port 2 lost power
            provisioned(session, north, 2, i, OnuStatus.DYING_GASP, -20.0, changed=now - timedelta(minutes=15 + i))
        provisioned(session, north, 2, 4, OnuStatus.POWER_OFF, -20.0, changed=now - timedelta(minutes=12))
        for i in range(1, 4):
            provisioned(session, south, 0, i, OnuStatus.ONLINE, WARNING_RX if i == 1 else -17.0)
        provisioned(session, south, 0, 4, OnuStatus.LOS, -20.0)
        removed = provisioned(session, south, 0, 5, OnuStatus.OFFLINE, CRITICAL_RX)
        removed.lifecycle_state, removed.onu_index, removed.pon_port_id = OnuLifecycle.REMOVED, None, None
        unconfigured_onu(session, north, "HWTC0000AA01", onu_type)
        unconfigured_onu(session, north, "HWTC0000AA02", onu_type, port=1)
        unconfigured_onu(session, south, "HWTC0000BB01", onu_type)
        session.execute(insert(restriction_group_zones).values(group_id=group.id, zone_id=north_zone.id))
        session.add_all([
            Job(kind=JobKind.TEST_CONNECTION, status=JobStatus.FAILED, olt_id=north.id,
                error="login refused by north", requested_by="noc"),
            Job(kind=JobKind.TEST_CONNECTION, status=JobStatus.FAILED, olt_id=south.id,
                error="login refused by south", requested_by="noc"),
            Job(kind=JobKind.TEST_CONNECTION, status=JobStatus.SUCCEEDED, olt_id=north.id, requested_by="noc"),
        ])
        return Net(db_url, north.id, south.id, group.id)


def cards_of(html: str) -> dict[str, tuple[int, str]]:
    """{card key: (number shown, href)} of the cards fragment."""
    found = {}
    for attrs, text in re.findall(r'<a ([^>]*data-count="[^"]+"[^>]*)>([^<]*)</a>', html):
        key = re.search(r'data-count="([^"]+)"', attrs).group(1)  # type: ignore[union-attr]
        href = htmllib.unescape(re.search(r'href="([^"]+)"', attrs).group(1))  # type: ignore[union-attr]
        found[key] = (int(re.findall(r"\d+", text)[-1]), href)
    return found


def listed(client: Any, href: str) -> list[str]:
    """Serials of every ONU the list at `href` shows (one page of 200: more than the test has)."""
    page = client.get(href + "&limit=200")
    assert page.status_code == 200, page.text
    body = page.text.split("<tbody>", 1)[1]
    serials = re.findall(r'<a href="/console/onus/\d+">([^<]+)</a>', body)
    caption = re.search(r'<caption[^>]*data-count="(\d+)"', page.text)
    assert caption and int(caption.group(1)) == len(serials)
    return serials


def test_each_card_s_number_is_what_its_link_lists(net: Net) -> None:
    client = api_client(net.url)
    answer = client.get("/console/dashboard/cards")
    assert answer.status_code == 200, answer.text
    cards = cards_of(answer.text)
    assert set(cards) == set(CARDS)
    for key, (number, href) in cards.items():
        assert len(listed(client, href)) == number, key
    numbers = {key: number for key, (number, _) in cards.items()}
    assert numbers["offline"] == numbers["power_fail"] + numbers["los"] + numbers["offline_unknown"]
    assert numbers["low"] == numbers["warning"] + numbers["critical"]
    # the network built: 3 waiting, 2 LOS-ports' worth of down ONUs, low-signal tails on both OLTs
    assert numbers["waiting"] == 3 and numbers["power_fail"] == 4 and numbers["los"] == 6
    assert numbers["warning"] == 3 and numbers["critical"] == 2


def test_a_cut_fibre_and_a_power_outage_are_told_apart(net: Net) -> None:
    html = api_client(net.url).get("/console/dashboard/outages").text
    rows = [row for row in re.findall(r"<tr>(.*?)</tr>", html, re.S) if "<td>" in row]
    assert len(rows) == 2, html  # port 0 has one ONU offline of 9: no outage
    cut, dark = (next(row for row in rows if marker in row) for marker in ("fibre cut", "power outage"))
    assert "4 of 5" in cut and "OLT-NORTH" in cut and "40 min ago" in cut
    assert "4 of 4" in dark and "dying gasp" in dark and "18 min ago" in dark  # since the first gasp
    assert re.findall(r"<td>(\d+)</td>", cut) == ["4", "0"] and re.findall(r"<td>(\d+)</td>", dark) == ["0", "4"]
    # each port links to the list of its ONUs down, which lists exactly those
    client = api_client(net.url)
    for row, down in ((cut, 4), (dark, 4)):
        href = htmllib.unescape(re.findall(r'href="(/console/onus\?[^"]+)"', row)[0])
        assert len(listed(client, href)) == down


def test_olts_jobs_and_waiting_onus(net: Net) -> None:
    client = api_client(net.url)
    frame = client.get("/")
    assert frame.status_code == 200
    parts = re.findall(r'data-src="([^"]+)"', frame.text)
    assert len(parts) == 5 and all(client.get(part).status_code == 200 for part in parts)
    olts = client.get("/console/dashboard/olts").text
    north = re.search(rf'<tr>\s*<td><a href="/console/olts/{net.north}">.*?</tr>', olts, re.S)
    assert north, olts
    assert "5 d 1 h" in north.group(0) and "47 °C" in north.group(0)
    links = dict(re.findall(rf'<a href="(/console/onus\?olt={net.north}[^"]*)">(\d+)</a>', north.group(0)))
    for href, number in links.items():  # online, offline, low signal: the list agrees
        assert len(listed(client, htmllib.unescape(href))) == int(number)
    assert sorted(int(n) for n in links.values()) == [4, 8, 10]  # low (online only), online, offline
    jobs = client.get("/console/dashboard/jobs").text
    assert "login refused by north" in jobs and "login refused by south" in jobs and "succeeded" in jobs
    waiting = client.get("/console/dashboard/waiting").text
    rows = re.findall(r'<tr data-waiting-onu="([^"]+)">\s*.*?<a href="([^"]+)"', waiting, re.S)
    assert {serial for serial, _ in rows} == {"HWTC0000AA01", "HWTC0000AA02", "HWTC0000BB01"}
    for serial, href in rows:  # each links to the authorize form of its OLT's page
        page = client.get(href.split("#")[0])
        assert f'data-unconfigured-onu="{serial}"' in page.text and f"/onus/by-serial/{serial}/authorize" in page.text


def test_a_zone_restricted_user_sees_only_its_zones(net: Net) -> None:
    admin, nora = api_client(net.url), api_client(net.url, "nora", "noc_engineer")
    restrict(net.url, "nora", net.group)
    everyone, north_only = cards_of(admin.get("/console/dashboard/cards").text), \
        cards_of(nora.get("/console/dashboard/cards").text)
    assert north_only["waiting"][0] == 2 and everyone["waiting"][0] == 3
    assert north_only["online"][0] < everyone["online"][0] and north_only["los"][0] == 5
    for key, (number, href) in north_only.items():
        serials = listed(nora, href)
        assert len(serials) == number and not any(s.startswith("SO") or s == "HWTC0000BB01" for s in serials), key
    olts = nora.get("/console/dashboard/olts").text
    assert "OLT-NORTH" in olts and "OLT-SOUTH" not in olts
    jobs = nora.get("/console/dashboard/jobs").text
    assert "login refused by north" in jobs and "login refused by south" not in jobs
    waiting = nora.get("/console/dashboard/waiting").text
    assert "HWTC0000AA01" in waiting and "HWTC0000BB01" not in waiting
    outages = nora.get("/console/dashboard/outages").text
    assert "OLT-NORTH" in outages and "OLT-SOUTH" not in outages


def test_anonymous_is_sent_to_login_and_billing_is_refused(net: Net) -> None:
    from fastapi.testclient import TestClient

    from api.app import create_app

    anonymous = TestClient(create_app(net.url))
    for path in ("/", "/console/dashboard/cards"):
        answer = anonymous.get(path, follow_redirects=False)
        assert answer.status_code == 303 and answer.headers["location"].startswith("/login")
    refused = api_client(net.url, "bill", "billing").get("/console/dashboard/cards")
    assert refused.status_code == 403 and "HWTC" not in refused.text


# --- in the browser ------------------------------------------------------------------------------


def test_the_dashboard_loads_its_cards_in_a_browser(net: Net, live_app: LiveApp, browser: Browser) -> None:
    browser.login("nina", make_login(live_app.db_url, "nina", "noc_engineer"))
    browser.goto("/")
    page = browser.page
    waiting = page.locator('#dash-cards a[data-count="waiting"]')
    expect(waiting).to_have_text("3")
    expect(page.locator("table.dash-outages")).to_contain_text("fibre cut")
    expect(page.locator("table.dash-waiting")).to_contain_text("HWTC0000BB01")
    expect(page.locator("table.lists-olts")).to_contain_text("OLT-SOUTH")
    expect(page.locator("table.lists-jobs").first).to_contain_text("login refused")
    assert page.locator("[data-src]:not([data-loaded])").count() == 0
    browser.screenshot("dashboard")
    waiting.click()
    page.wait_for_url("**/console/onus?state=discovered")
    expect(page.locator("table.lists-onus caption")).to_contain_text("3 ONUs")
    browser.screenshot("onu_list")
