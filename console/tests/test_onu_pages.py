"""The ONU page: state, position, subscription and customer, latest optics with their ages, the
signal-history chart (server-side SVG, downsampled in SQL, threshold lines, no external
reference) for each range, recent jobs and ACS intents; actions offered per role, each
previewed (the OLT commands of a dry run, the ACS parameters); scope and missing ids as 404
pages; the live stream (404 at once for a missing ONU)."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import insert, select, update

from acs.intents import create_intent
from acs.models import AcsIntent, IntentKind, IntentReason
from console import onu_pages
from console.lists import signal_thresholds
from console.tests.conftest import Browser, LiveApp, make_login
from console.tests.test_job_pages import _events
from console.tests.test_olt_pages import Network, active_onu, network, restrict  # noqa: F401 (fixture)
from core.db import session_scope
from crm.models import Customer, Subscription, SubscriptionStatus
from oms.models import Job, JobKind, JobStatus, Olt, Onu, OnuSample, OnuStatus
from tests.fixtures import api_client

SAMPLE_EVERY = timedelta(minutes=5)
DAYS = 30


@dataclass
class Onus:
    url: str
    north: int  # active, online, linked to Alice's subscription, 30 days of samples
    south: int  # another zone's
    customer: int
    job: int
    intent: int
    samples: int  # inserted for `north`, all within the last 30 days
    group: int  # restriction group of zone north


@pytest.fixture
def onus(network: Network) -> Onus:  # noqa: F811
    now = datetime.now(UTC)
    with session_scope(network.url) as session:
        north_olt, south_olt = session.get(Olt, network.north), session.get(Olt, network.south)
        assert north_olt is not None and south_olt is not None
        customer = Customer(code="C-ALICE", name="Alice Fernsby")
        session.add(customer)
        session.flush()
        subscription = Subscription(customer_id=customer.id, plan_id=network.plan, status=SubscriptionStatus.ACTIVE,
                                    started_on=date(2026, 1, 15))
        session.add(subscription)
        session.flush()
        onu = active_onu(session, north_olt, "HWTC0000DD01", 7, -19.25)
        onu.tx_dbm, onu.distance_m, onu.subscription_id = 2.15, 1834, subscription.id
        onu.onu_type_id, onu.name = network.onu_type, "alice-home"
        onu.status_changed_at = onu.status_read_at = now - timedelta(hours=2)
        south = active_onu(session, south_olt, "HWTC0000EE01", 1, -20.0)
        # 30 days of 5-minute samples, with a dip below the critical level on the last day
        rows = []
        at = now - timedelta(days=DAYS) + SAMPLE_EVERY
        while at <= now:
            dip = now - at < timedelta(hours=3)
            rows.append({"onu_id": onu.id, "olt_id": north_olt.id, "sampled_at": at, "status": OnuStatus.ONLINE,
                         "rx_dbm": -31.5 if dip else -19.5, "tx_dbm": 2.1, "olt_rx_dbm": -22.0, "distance_m": 1834})
            at += SAMPLE_EVERY
        session.execute(insert(OnuSample), rows)
        job = Job(kind=JobKind.REBOOT, status=JobStatus.FAILED, olt_id=north_olt.id, onu_id=onu.id,
                  requested_by="nina", error="the OLT refused the reboot")
        session.add(job)
        session.flush()
        intent = create_intent(session, onu.id, IntentKind.WIFI,
                               {"band": "2.4GHz", "ssid": "Alice-Home", "security": "wpa2",
                                "passphrase": "correct horse battery"},
                               reason=IntentReason.API, actor="sam")
        return Onus(network.url, onu.id, south.id, customer.id, job.id, intent.id, len(rows), network.group)


def test_the_page_shows_state_position_subscription_optics_jobs_and_intents(onus: Onus) -> None:
    page = api_client(onus.url, "rita", "read_only").get(f"/console/onus/{onus.north}")
    assert page.status_code == 200, page.text
    html = page.text
    assert "<h1>HWTC0000DD01" in html and "alice-home" in html
    assert re.search(r'data-lifecycle><span class="badge state-active">active</span>', html)
    assert 'data-onu-status="online"' in html
    olt = re.search(r'href="/console/olts/(\d+)">OLT-NORTH</a>', html)
    assert olt and int(olt.group(1)) > 0
    assert re.search(r"data-fsp>\d+/\d+/\d+</dd>", html) and "data-onu-index>7</dd>" in html
    assert "Huawei EG8145V5" in html
    assert f'<a href="/console/customers/{onus.customer}">Alice Fernsby</a>' in html
    # latest optics, each with its age
    assert re.search(r"data-rx>.*-19\.25 dBm.*3 min ago", html)
    assert re.search(r"data-tx>2\.15 dBm.*3 min ago", html) and re.search(r"data-distance>1,834 m.*3 min ago", html)
    assert "since 2 h ago" in html
    # recent jobs and intents
    assert f'<a href="/console/jobs/{onus.job}">{onus.job}</a>' in html and "the OLT refused the reboot" in html
    assert f'data-intent="{onus.intent}"' in html and "ssid=Alice-Home" in html
    assert "passphrase=••••" in html and "correct horse battery" not in html  # a secret's name, never its value


def test_the_chart_of_each_range_has_the_threshold_lines_and_nothing_external(onus: Onus) -> None:
    client = api_client(onus.url)
    with session_scope(onus.url) as session:
        limits = signal_thresholds(session)
    for key in onu_pages.RANGES:
        page = client.get(f"/console/onus/{onus.north}?range={key}")
        assert page.status_code == 200, page.text
        html = page.text
        assert f'data-range="{key}"' in html
        assert re.search(rf'<a href="/console/onus/{onus.north}\?range={key}" aria-current="page">', html)
        charts = re.findall(r"<svg\b.*?</svg>", html, re.S)
        assert len(charts) == 2, key  # RX with the thresholds, TX below it
        rx, tx = charts
        assert f"warning {limits.warning:.1f}" in rx and f"critical {limits.critical:.1f}" in rx
        assert "RX (average)" in rx and "RX (worst)" in rx and "TX (dBm)" in tx
        # the thresholds (series 2 and 3) are horizontal lines across the plot, critical below warning
        levels = re.findall(r'<g class="series serie-[23] [^"]*"><path d="M[\d.]+ ([\d.]+) L[\d.]+ ([\d.]+)"', rx)
        assert len(levels) == 2 and all(a == b for a, b in levels), key
        assert float(levels[1][0]) > float(levels[0][0])  # SVG y grows downwards
        for chart in charts:
            assert "<script" not in chart.lower() and "<!--" not in chart
            assert not re.search(r"""(?:href|src)\s*=\s*["'](?:https?:)?//""", chart), key
            assert "url(http" not in chart and "@import" not in chart
    assert f"{onus.samples:,} samples" in html  # the 30-day caption counts every sample
    assert "worst -31.50 dBm" in html  # the dip is kept by the per-bucket minimum
    bad = client.get(f"/console/onus/{onus.north}?range=1y")
    assert bad.status_code == 422 and "range" in bad.text


def test_an_onu_waiting_authorization_without_samples_has_an_empty_chart_and_no_olt_actions(onus: Onus) -> None:
    with session_scope(onus.url) as session:
        waiting = session.scalar(select(Onu.id).where(Onu.serial == "HWTC0000AA01"))
    html = api_client(onus.url).get(f"/console/onus/{waiting}").text
    assert "<h1>HWTC0000AA01" in html and "state-waiting" in html and "not monitored (discovered)" in html
    assert "No samples in the last 24 hours" in html and "<svg" in html
    assert not {"reboot", "suspend", "remove", "move"} & _action_forms(html)
    assert "data-onu-status=" in html and "none linked" in html


def test_history_is_downsampled_in_sql_to_a_few_hundred_points(onus: Onus) -> None:
    now = datetime.now(UTC)
    with session_scope(onus.url) as session:
        for hours, _ in onu_pages.RANGES.values():
            buckets = onu_pages.history_buckets(session, onus.north, hours, now)
            expected = session.execute(
                select(OnuSample.id).where(OnuSample.onu_id == onus.north,
                                           OnuSample.sampled_at >= now - timedelta(hours=hours))).all()
            assert len(buckets) <= onu_pages.CHART_POINTS + 1
            assert sum(b.samples for b in buckets) == len(expected)
            assert min(b.rx_min for b in buckets if b.rx_min is not None) == -31.5


def _action_forms(html: str) -> set[str]:
    return set(re.findall(r'<details class="card" data-action="([a-z]+)"', html))


def test_actions_are_offered_per_role(onus: Onus) -> None:
    path = f"/console/onus/{onus.north}"
    read_only = api_client(onus.url, "rita", "read_only").get(path).text
    assert "data-onu-actions" not in read_only and "/poll" not in read_only and "data-preview" not in read_only
    support = api_client(onus.url, "sam", "support").get(path).text
    assert _action_forms(support) == {"reboot", "wifi", "wan"}  # diagnose and configure, not provision
    assert f'data-api="/monitoring/onus/{onus.north}/poll?poll_class=optical"' in support
    for role in ("noc_engineer", "admin"):
        html = api_client(onus.url, f"x-{role}", role).get(path).text
        assert _action_forms(html) == {"reboot", "suspend", "rename", "replace", "move", "wifi", "wan", "remove"}
        assert "data-action=\"resume\"" not in html  # active: nothing to resume
        for action in ("reboot", "suspend", "rename", "replace", "move", "remove"):
            form = re.search(rf'<form data-api="/onus/{onus.north}/{action}"[^>]*>', html)
            assert form and "data-preview" in form.group(0) and "data-follow" in form.group(0), action
        for what in ("wifi", "wan"):  # the ACS API itself, previewed with its own dry run
            form = re.search(rf'<form data-api="/onus/{onus.north}/acs/{what}"[^>]*>', html)
            assert form and "data-preview" in form.group(0), what
        assert "/console/onus/" not in re.sub(r'href="[^"]*"|data-stream="[^"]*"', "", html)  # no console-only action
        # the poll buttons restart the live view once the poll is accepted; no page script of its own
        assert len(re.findall(r'data-api="/monitoring/onus/\d+/poll\?[^"]*" data-then-stream="#onu-live"', html)) == 2
        assert re.findall(r"<script\b[^>]*>", html) == ['<script src="/static/console.js" defer>']
    # the API agrees: support may not suspend
    refused = api_client(onus.url, "sam", "support").post(f"/onus/{onus.north}/suspend", json={"dry_run": True})
    assert refused.status_code == 403


def test_the_forms_preview_what_the_api_will_send(onus: Onus) -> None:
    client = api_client(onus.url, "nina", "noc_engineer")
    for action, body in (("reboot", {}), ("rename", {"name": "alice-new", "description": "1 Fibre Lane"}),
                         ("move", {"frame": 0, "slot": 1, "port": 1}), ("replace", {"new_serial": "HWTC0000FF01"})):
        plan = client.post(f"/onus/{onus.north}/{action}", json={**body, "dry_run": True})
        assert plan.status_code == 200, (action, plan.text)
        assert plan.json()["commands"], action
    with session_scope(onus.url) as session:
        assert session.scalar(select(Job.id).where(Job.onu_id == onus.north, Job.id != onus.job)) is None


def test_wifi_and_wan_preview_the_parameters_then_send_to_the_acs_api(onus: Onus) -> None:
    """What the Wi-Fi/WAN forms send (console.js data-preview): the ACS API's dry run, then the
    same request without it."""
    support = api_client(onus.url, "sam", "support")
    form = f"/onus/{onus.north}/acs/wifi"
    assert f'data-api="{form}"' in support.get(f"/console/onus/{onus.north}").text
    body = {"band": "2.4GHz", "enabled": True, "ssid": "Alice 2", "security": "wpa2", "passphrase": "a new secret 42"}
    plan = support.post(form, json={**body, "dry_run": True})
    assert plan.status_code == 200, plan.text
    parameters = {p["name"]: p for p in plan.json()["parameters"]}
    assert parameters["ssid"]["value"] == "Alice 2" and parameters["enabled"]["value"] is True
    assert parameters["passphrase"]["secret"] and "a new secret 42" not in plan.text
    assert plan.json()["supersedes"] == [onus.intent] and str(onus.intent) in plan.json()["note"]
    with session_scope(onus.url) as session:
        assert session.scalar(select(AcsIntent.id).where(AcsIntent.id > onus.intent)) is None  # nothing stored
    no_radio = support.post(form, json={"band": "5GHz", "ssid": "x", "dry_run": True})
    assert no_radio.status_code == 422 and "2.4GHz" in no_radio.text  # the model has one radio
    wan = support.post(f"/onus/{onus.north}/acs/wan",
                       json={"mode": "pppoe", "username": "alice", "password": "pw-123", "vlan": 100, "dry_run": True})
    assert wan.status_code == 200 and "pw-123" not in wan.text
    assert {"name": "username", "value": "alice", "secret": False} in wan.json()["parameters"]
    sent = support.post(form, json=body)  # confirmed: the same request, queued
    assert sent.status_code == 202, sent.text
    assert sent.json()["kind"] == "wifi" and sent.json()["secrets"] == ["passphrase"]
    refused = api_client(onus.url, "rita", "read_only").post(form, json={**body, "dry_run": True})
    assert refused.status_code == 403


def test_another_zone_s_onu_and_missing_ids_are_404_pages(onus: Onus) -> None:
    client = api_client(onus.url, "nora", "noc_engineer")
    restrict(onus.url, "nora", onus.group)
    assert client.get(f"/console/onus/{onus.north}").status_code == 200
    hidden = client.get(f"/console/onus/{onus.south}")
    assert hidden.status_code == 404 and "HWTC0000EE01" not in hidden.text
    assert "text/html" in hidden.headers["content-type"]
    assert client.post(f"/onus/{onus.south}/acs/wifi",
                       json={"band": "2.4GHz", "ssid": "x", "dry_run": True}).status_code == 404
    admin = api_client(onus.url)
    missing = admin.get("/console/onus/999999")
    assert missing.status_code == 404 and "text/html" in missing.headers["content-type"]
    assert "ONU 999999 does not exist" in missing.text
    for absurd in (2**31, 2**40):  # beyond any id: the app-wide guard (api.errors) answers 404 itself
        answer = admin.get(f"/console/onus/{absurd}")
        assert answer.status_code == 404 and "does not exist" in answer.text, absurd


def test_the_live_stream_sends_the_optics_then_done_and_404s_at_once_when_missing(
        onus: Onus, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(onu_pages, "LIVE_INTERVAL_S", 0.05)
    monkeypatch.setattr(onu_pages, "LIVE_LIFETIME_S", 0.3)
    client = api_client(onus.url, "rita", "read_only")
    with client.stream("GET", f"/console/onus/{onus.north}/live") as answer:
        assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/event-stream")
        events = _events(answer.read().decode())
    names = [name for name, _ in events]
    assert names[-1] == "done" and names.count("done") == 1 and names.count("message") >= 2
    assert all("-19.25 dBm" in data and 'data-onu-status="online"' in data for _, data in events)
    monkeypatch.setattr(onu_pages, "LIVE_LIFETIME_S", 60.0)
    started = time.monotonic()
    for missing in (999999, 2**31):
        answer = client.get(f"/console/onus/{missing}/live")  # would take a minute if it streamed
        assert answer.status_code == 404 and not answer.headers["content-type"].startswith("text/event-stream")
    assert "text/html" in client.get("/console/onus/999999/live").headers["content-type"]
    assert time.monotonic() - started < 10
    nora = api_client(onus.url, "nora", "read_only")
    restrict(onus.url, "nora", onus.group)
    assert nora.get(f"/console/onus/{onus.south}/live").status_code == 404


def test_anonymous_is_sent_to_login(onus: Onus) -> None:
    from fastapi.testclient import TestClient

    from api.app import create_app

    answer = TestClient(create_app(onus.url)).get(f"/console/onus/{onus.north}", follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"].startswith("/login?next=/console/onus/")


# --- in a real browser: the page as it looks, a Wi-Fi change previewed and sent, the live view -------


def test_in_a_browser_preview_and_send_wifi_then_watch_the_optics_arrive(
        onus: Onus, live_app: LiveApp, browser: Browser, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(onu_pages, "LIVE_INTERVAL_S", 0.3)
    browser.login("nina", make_login(live_app.db_url, "nina", "noc_engineer"))
    browser.goto(f"/console/onus/{onus.north}?range=7d")
    page = browser.page
    expect(page.locator("[data-chart=rx] svg")).to_be_visible()
    browser.screenshot("onu_page")

    wifi = page.locator('details[data-action="wifi"]')
    wifi.locator("summary").click()
    wifi.locator("#wifi-ssid").fill("Alice Browser")
    wifi.locator("#wifi-security").select_option("wpa2")
    wifi.locator("#wifi-passphrase").fill("browser secret 77")
    wifi.locator('button[type="submit"]').click()
    plan = wifi.locator("pre[data-plan]")
    expect(plan).to_contain_text("ssid = 'Alice Browser'")
    expect(plan).not_to_contain_text("browser secret 77")
    wifi.locator("button[data-confirm-send]").click()
    expect(wifi.locator(".out.ok")).to_contain_text("Queued")
    with session_scope(onus.url) as session:
        newest = session.scalars(select(AcsIntent).order_by(AcsIntent.id.desc())).first()
        assert newest is not None and newest.desired.get("ssid") == "Alice Browser" and newest.requested_by == "nina"

    monkeypatch.setattr(onu_pages, "LIVE_LIFETIME_S", 3.0)
    state = page.locator("[data-live-state]")
    page.get_by_role("button", name="Watch live (1 min)").click()
    expect(state).to_contain_text("Live: updated")
    with session_scope(onus.url) as session:
        session.execute(update(Onu).where(Onu.id == onus.north)
                        .values(rx_dbm=-23.75, optical_read_at=datetime.now(UTC)))
    expect(page.locator("#onu-live [data-rx]")).to_contain_text("-23.75 dBm", timeout=10_000)
    expect(state).to_contain_text("Live view ended.", timeout=10_000)
    page.get_by_role("button", name="Read status now").click()  # data-then-stream: live again once accepted
    expect(page.locator("#onu-poll-out")).to_contain_text("asked for")
    expect(state).to_contain_text("Live: updated")


def test_the_first_readings_of_a_new_onu_are_drawn_as_dots() -> None:
    now = datetime.now(UTC)
    limits = onu_pages.SignalThresholds(warning=-25.0, critical=-28.0)
    first = [onu_pages.Bucket(now - timedelta(minutes=4), -20.5, -20.1, 2.0, 2)]
    assert '<circle' in onu_pages.chart_svg(first, 24, now, limits, "RX")
    assert '<circle' in onu_pages.tx_chart_svg(first, 24, now)
    month = [onu_pages.Bucket(now - timedelta(hours=2 * i), -20.0, -19.5, 2.0, 24) for i in range(300)]
    assert '<circle' not in onu_pages.chart_svg(month, 720, now, limits, "RX"), "a long history is a line"
