"""The console end to end, in a real browser against the whole application on loopback, a
simulated Huawei OLT over SSH, the lab's SNMP agent (snmpsim) and the GenieACS NBI emulator,
with the queue worker running:

- an admin logs in; the dashboard shows the ONU just plugged in as waiting authorization; the
  OLT page previews the Authorize commands, sends them, and follows the job to its end; the ONU
  page reads status and optics (polls run by the worker against the SNMP agent) and shows it
  online with its RX and a chart; a Wi-Fi change is previewed, sent and applied by the ACS; two
  more ONUs are authorized in bulk (preview, run, each ONU's job followed to the end);
- a support user sees the OLT without the Authorize action, and the API refuses it (403) to
  that session; a user restricted to one zone sees neither another zone's OLT in the list nor
  its page (404).

Selectors rely on what the pages promise (the API URLs of forms and buttons, field names, data-
attributes, visible text), not on layout. Anything using asyncio.run (the lab's discovery) runs
off the test thread: Playwright's sync API holds an event loop in it.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import update

from acs.models import AcsSettings
from console.tests.conftest import Browser, LiveApp, make_login
from console.tests.test_olt_pages import restrict
from core.db import session_scope, set_database_url
from core.models import RestrictionGroup, VendorFamily, restriction_group_zones
from lab.base import Lab
from lab.genieacs.server import EmulatorHandle, start_emulator
from lab.register import ensure_reference_data, new_sim, register_olt
from lab.snmp_lab import SnmpLab, ensure_oid_maps, register_snmp
from oms.models import Olt, Onu, OnuLifecycle, Zone
from ponstack.worker import BackgroundWorker
from tests.lab_fixtures import LabOlt, discover_now, first_port, onu_row
from vendor_cli.serials import serial_hex

HUAWEI = VendorFamily.HUAWEI_SMARTAX
SERIAL = "HWTC0000D001"  # authorized from the OLT page
BULK = ["HWTC0000D002", "HWTC0000D003"]  # authorized in bulk
SSID_24 = "InternetGatewayDevice.LANDevice.1.WLANConfiguration.1.SSID"
NEW_SSID = "Journey 2.4"

T = TypeVar("T")


def off_thread(fn: Callable[..., T], *args: Any) -> T:
    """Run `fn` on another thread (it may call asyncio.run, which this thread cannot)."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(fn, *args).result(timeout=120)


def reload_until(page: Page, selector: str, text: str, timeout_s: float = 60) -> None:
    """Reload the page until `selector` contains `text` (what a user does waiting for a result)."""
    deadline = time.monotonic() + timeout_s
    while True:
        page.reload()
        if text in page.locator(selector).inner_text():
            return
        assert time.monotonic() < deadline, f"{selector} never showed {text!r}: {page.locator(selector).inner_text()}"
        time.sleep(0.5)


def api_status(page: Page, method: str, url: str, body: dict[str, Any]) -> tuple[int, str]:
    """What the API answers to a request sent from the page with the session's CSRF header."""
    answer = page.evaluate(
        """async ([method, url, body]) => {
             const csrf = document.querySelector('meta[name="csrf-token"]').content;
             const r = await fetch(url, {method, credentials: "same-origin", body: JSON.stringify(body),
               headers: {"Content-Type": "application/json", "Accept": "application/json", "X-CSRF-Token": csrf}});
             return [r.status, await r.text()];
           }""",
        [method, url, body],
    )
    return int(answer[0]), str(answer[1])


def logout(browser: Browser) -> None:
    browser.page.get_by_role("button", name="Log out").click()
    browser.page.wait_for_url(re.compile(r"/login"))


# --- an admin's journey: discovery to bulk authorization ---------------------------------------------


@pytest.fixture
def snmp_lab() -> Iterator[SnmpLab]:
    with SnmpLab(interval_s=3600) as running:  # republished explicitly with refresh()
        yield running


@pytest.fixture
def emulator() -> Iterator[EmulatorHandle]:
    with start_emulator() as handle:
        yield handle


@pytest.fixture
def monitored(lab: Lab, snmp_lab: SnmpLab, emulator: EmulatorHandle, db_url: str) -> LabOlt:
    """A simulated Huawei OLT reachable over SSH and SNMP, in a fresh database whose ACS is the emulator."""
    sim = new_sim(HUAWEI, "LAB-JOURNEY")
    port = lab.add(sim)
    community = snmp_lab.add(sim, HUAWEI)
    off_thread(snmp_lab.start)  # it probes the agent with asyncio.run
    set_database_url(db_url)
    with session_scope(db_url) as session:
        plan = ensure_reference_data(session)
        ensure_oid_maps(session, HUAWEI)
        olt = register_olt(session, sim, HUAWEI, port)
        register_snmp(session, olt, snmp_lab.host, snmp_lab.port, community)
        session.execute(update(AcsSettings).values(nbi_url=emulator.url))
        return LabOlt(db_url, sim, olt.id, plan.id, HUAWEI, port)


def test_an_admin_authorizes_monitors_configures_and_bulk_authorizes_from_the_console(
        monitored: LabOlt, snmp_lab: SnmpLab, emulator: EmulatorHandle, worker: BackgroundWorker,
        live_app: LiveApp, browser: Browser, monkeypatch: pytest.MonkeyPatch) -> None:
    from console import onu_pages

    monkeypatch.setattr(onu_pages, "LIVE_INTERVAL_S", 0.3)  # the live view's pace (same process)
    olt = monitored
    device_id = emulator.add_device(serial_hex(SERIAL), model="EG8145V5")
    for serial in [SERIAL, *BULK]:
        olt.sim.plug_onu(*first_port(olt.sim), serial)  # type: ignore[attr-defined]
    off_thread(discover_now, olt)
    page = browser.page

    # 1. log in through the login page; the dashboard's waiting card lists the new ONU
    browser.login("ada", make_login(live_app.db_url, "ada", "admin"))
    browser.goto("/")
    waiting = page.locator(f'[data-waiting-onu="{SERIAL}"]')
    expect(waiting).to_be_visible()
    expect(waiting).to_contain_text("LAB-JOURNEY")
    expect(page.locator('[data-count="waiting"]')).to_have_text(str(1 + len(BULK)))
    browser.screenshot("journey_dashboard")

    # 2. from the card to the OLT page: preview the Authorize commands, confirm, follow the job
    waiting.get_by_role("link", name=SERIAL).click()
    page.wait_for_url(re.compile(rf"/console/olts/{olt.olt_id}\b"))
    row = page.locator(f'tr[data-unconfigured-onu="{SERIAL}"]')
    expect(row).to_be_visible()
    browser.screenshot("journey_olt_page")
    form = row.locator(f'form[data-api="/onus/by-serial/{SERIAL}/authorize"]')
    row.locator("summary").click()
    form.locator('button[type="submit"]').click()
    expect(form.locator("pre[data-plan]")).to_contain_text("ont add")
    expect(form.locator("pre[data-plan]")).to_contain_text(serial_hex(SERIAL))
    browser.screenshot("journey_authorize_form")
    assert onu_row(olt.url, SERIAL).lifecycle_state is OnuLifecycle.DISCOVERED, "a preview sends nothing"
    form.locator("button[data-confirm-send]").click()
    progress = form.locator("[data-job-progress]")
    expect(progress).to_contain_text("succeeded", timeout=60_000)
    onu = onu_row(olt.url, SERIAL)
    assert onu.lifecycle_state is OnuLifecycle.ACTIVE
    assert SERIAL in {o["serial"] for o in olt.sim.configured_onus()}  # type: ignore[attr-defined]

    # 3. the ONU page: status and optics read now (SNMP polls queued to the worker), then the chart
    assert off_thread(snmp_lab.refresh), "the authorization changed what the SNMP agent serves"
    browser.goto(f"/console/onus/{onu.id}")
    for poll_class in ("status", "optical"):
        with page.expect_response(lambda r: "/poll?" in r.url and r.request.method == "POST") as queued:
            page.locator(f'button[data-api$="/poll?poll_class={poll_class}"]').click()
        assert queued.value.status == 202, queued.value.text()
    live = page.locator("#onu-live")
    expect(live.locator('[data-onu-status="online"]')).to_be_visible(timeout=30_000)
    expect(live.locator("[data-rx]")).to_contain_text(re.compile(r"-\d+\.\d\d dBm"), timeout=30_000)
    page.reload()  # the chart is drawn with the page
    expect(page.locator("[data-chart=rx] svg")).to_be_visible()
    expect(page.locator("#onu-chart-caption")).to_contain_text("RX average")
    expect(page.locator('#onu-live [data-onu-status="online"] [data-rx]')).to_contain_text("dBm")
    browser.screenshot("journey_onu_page")

    # 4. Wi-Fi from the ONU page: preview the parameters, send, and see the ACS apply it
    wifi = page.locator('form[data-api$="/acs/wifi"]')
    page.locator("details", has=wifi).locator("summary").click()
    wifi.locator('[name="ssid"]').fill(NEW_SSID)
    wifi.locator('[name="security"]').select_option("wpa2")
    wifi.locator('[name="passphrase"]').fill("journey secret 42")
    wifi.locator('button[type="submit"]').click()
    plan = wifi.locator("pre[data-plan]")
    expect(plan).to_contain_text(f"ssid = '{NEW_SSID}'")
    expect(plan).not_to_contain_text("journey secret 42")
    with page.expect_response(lambda r: r.url.endswith(f"/onus/{onu.id}/acs/wifi") and r.status == 202):
        wifi.locator("button[data-confirm-send]").click()
    reload_until(page, "table[data-onu-intents] tbody tr:first-child", "applied")
    expect(page.locator("table[data-onu-intents] tbody tr").first).to_contain_text(f"ssid={NEW_SSID}")
    assert emulator.cpe_values(device_id)[SSID_24] == NEW_SSID

    # 5. bulk: the other two, each with the plan chosen for it (as pre-provisioning leaves it)
    with session_scope(olt.url) as session:
        session.execute(update(Onu).where(Onu.serial.in_(BULK)).values(desired={"plan_id": olt.plan_id}))
    browser.goto(f"/console/olts/{olt.olt_id}")
    page.get_by_role("link", name=re.compile("Authorize several at once")).click()
    page.wait_for_url(re.compile(r"/console/bulk\?"))
    expect(page.locator("tr[data-candidate]")).to_have_count(len(BULK))  # the first one is no longer waiting
    for serial in BULK:
        page.check(f'input[name="serial"][value="{serial}"]')
    page.click("form[data-bulk-select] button[type=submit]")
    for serial in BULK:
        expect(page.locator(f'[data-plan-serial="{serial}"] pre[data-plan]')).to_contain_text("ont add")
    page.click("form[data-bulk-run] button[type=submit]")
    page.wait_for_url(re.compile(r"/console/bulk/runs/\d+$"))
    expect(page.locator("[data-run-finished]")).to_be_visible(timeout=60_000)
    for serial in BULK:
        expect(page.locator(f'tr[data-item="{serial}"]')).to_contain_text("succeeded")
    assert {onu_row(olt.url, s).lifecycle_state for s in BULK} == {OnuLifecycle.ACTIVE}
    assert browser.foreign_requests() == []


# --- what other users see and may do -------------------------------------------------------------


def zoned_olt(lab: Lab, url: str, name: str, zone: str) -> tuple[LabOlt, int]:
    """A simulated OLT in `zone`; returns it and the zone's id."""
    sim = new_sim(HUAWEI, name)
    port = lab.add(sim)
    with session_scope(url) as session:
        plan = ensure_reference_data(session)
        olt = register_olt(session, sim, HUAWEI, port)
        olt.zone = Zone(name=zone)
        session.flush()
        return LabOlt(url, sim, olt.id, plan.id, HUAWEI, port), olt.zone.id


def test_support_cannot_authorize_and_a_zone_restricted_user_sees_only_its_zone(
        lab: Lab, db_url: str, live_app: LiveApp, browser: Browser) -> None:
    set_database_url(db_url)
    north, north_zone = zoned_olt(lab, db_url, "LAB-NORTH", "north")
    south, _ = zoned_olt(lab, db_url, "LAB-SOUTH", "south")
    north.sim.plug_onu(*first_port(north.sim), SERIAL)  # type: ignore[attr-defined]
    off_thread(discover_now, north)
    with session_scope(db_url) as session:
        group = RestrictionGroup(name="north team")
        session.add(group)
        session.flush()
        session.execute(restriction_group_zones.insert().values(group_id=group.id, zone_id=north_zone))
        group_id = group.id
    page = browser.page

    # 6. support: the ONU is listed on the OLT page, without Authorize; the API refuses it (403)
    browser.login("sam", make_login(live_app.db_url, "sam", "support"))
    browser.goto(f"/console/olts/{north.olt_id}")
    expect(page.locator(f'tr[data-unconfigured-onu="{SERIAL}"]')).to_be_visible()
    expect(page.locator('form[data-api$="/authorize"], details[data-authorize]')).to_have_count(0)
    expect(page.get_by_role("button", name=re.compile("Authorize"))).to_have_count(0)
    expect(page.get_by_role("link", name=re.compile("Authorize"))).to_have_count(0)  # nor the bulk page
    expect(page.get_by_text(re.compile(r"^Authorize"))).to_have_count(0)
    status, text = api_status(page, "POST", f"/onus/by-serial/{SERIAL}/authorize", {"plan_id": north.plan_id})
    assert status == 403 and "lacks" in text, text
    assert onu_row(db_url, SERIAL).lifecycle_state is OnuLifecycle.DISCOVERED
    logout(browser)

    # 7. restricted to zone north: the south OLT is neither listed nor shown
    password = make_login(live_app.db_url, "nora", "noc_engineer")
    restrict(db_url, "nora", group_id)
    browser.login("nora", password)
    browser.goto("/console/olts")
    expect(page.locator(f'a[href="/console/olts/{north.olt_id}"]').first).to_be_visible()
    expect(page.locator(f'a[href="/console/olts/{south.olt_id}"]')).to_have_count(0)
    expect(page.get_by_text("LAB-SOUTH")).to_have_count(0)
    hidden = browser.goto(f"/console/olts/{south.olt_id}")
    assert hidden is not None and hidden.status == 404
    expect(page.locator("body")).to_contain_text("does not exist")
    expect(page.locator("body")).not_to_contain_text("LAB-SOUTH")
    with session_scope(db_url) as session:  # it exists: hidden by scope, not missing
        assert session.get(Olt, south.olt_id) is not None
    assert browser.foreign_requests() == []
