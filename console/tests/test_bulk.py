"""Bulk authorization pages: the selection lists the unconfigured ONUs in the viewer's scope only,
the preview shows every selected ONU's plan (or why it will not run) and a Run form that sends
exactly the previewed serials with the dry run's token (refused by the API once the selection
changed), the run page follows the run's jobs; permission and missing runs answer HTML pages."""

from __future__ import annotations

import html as html_lib
import json
import re
from datetime import UTC, datetime
from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select, update

import oms.services
from console.tests.conftest import Browser, LiveApp, make_login
from console.tests.test_olt_pages import (  # noqa: F401 (fixtures)
    Network,
    huawei,
    network,
    restrict,
    unconfigured_onu,
)
from core.db import session_scope
from oms.models import BulkRun, Job, JobKind, JobStatus, Olt, Onu, OnuLifecycle
from ponstack.worker import BackgroundWorker
from tests.fixtures import api_client
from tests.lab_fixtures import LabOlt, discover_now, first_port, onu_row

PLANNED = "HWTC0000AA02"  # north, unconfigured, with a plan chosen
UNPLANNED = "HWTC0000AA01"  # north, unconfigured, no plan: refused in the preview


@pytest.fixture
def bulk_net(network: Network, monkeypatch: pytest.MonkeyPatch) -> Network:  # noqa: F811
    """The OLT pages' network plus an unconfigured north ONU with a plan; nothing is really queued."""
    monkeypatch.setattr(oms.services, "defer", lambda *args, **kwargs: 1)
    with session_scope(network.url) as session:
        north = session.get_one(Olt, network.north)
        onu = unconfigured_onu(session, north, PLANNED, network.onu_type, port=1)
        onu.desired = {"plan_id": network.plan}
    return network


def _candidates(page: str) -> list[str]:
    return re.findall(r'data-candidate="([^"]+)"', page)


def _run_form(page: str) -> dict[str, Any]:
    """The body console.js would send for the preview page's Run form."""
    form = re.search(r"<form data-api=\"/provisioning/bulk\"[^>]*>(.*?)</form>", page, re.S)
    assert form, "no Run form"
    serials = re.search(r"name=\"serials\" data-type=\"json\" value='([^']*)'", form.group(1))
    token = re.search(r'name="preview_token" value="([^"]*)"', form.group(1))
    kind = re.search(r'name="kind" value="([^"]*)"', form.group(1))
    assert serials and token and kind
    return {"kind": kind.group(1), "serials": json.loads(html_lib.unescape(serials.group(1))),
            "preview_token": html_lib.unescape(token.group(1))}


def test_the_selection_lists_unconfigured_onus_in_scope_only(bulk_net: Network) -> None:
    everything = api_client(bulk_net.url).get("/console/bulk")
    assert everything.status_code == 200, everything.text
    assert sorted(_candidates(everything.text)) == [UNPLANNED, PLANNED, "HWTC0000BB01"]  # never the active ones
    assert 'action="/console/bulk/preview"' in everything.text

    nora = api_client(bulk_net.url, "nora", "noc_engineer")
    restrict(bulk_net.url, "nora", bulk_net.group)
    north_only = nora.get("/console/bulk").text
    assert sorted(_candidates(north_only)) == [UNPLANNED, PLANNED]
    assert "OLT-SOUTH" not in north_only
    assert _candidates(nora.get(f"/console/bulk?olt_id={bulk_net.south}").text) == []
    assert nora.get("/console/bulk?olt_id=abc").status_code == 422
    assert nora.get(f"/console/bulk?olt_id={2**40}").status_code == 422
    # another zone's serial, typed into the preview's URL, is unknown to this viewer
    preview = nora.get("/console/bulk/preview", params={"serial": ["HWTC0000BB01", PLANNED]}).text
    assert "no ONU with serial HWTC0000BB01" in preview and f'data-plan-serial="{PLANNED}"' in preview
    assert _run_form(preview)["serials"] == ["HWTC0000BB01", PLANNED]


def test_the_preview_shows_each_plan_and_runs_exactly_what_it_showed(bulk_net: Network) -> None:
    client = api_client(bulk_net.url)
    page = client.get("/console/bulk/preview", params={"serial": [PLANNED, UNPLANNED]})
    assert page.status_code == 200, page.text
    planned = re.search(rf'data-plan-serial="{PLANNED}"(.*?)</section>', page.text, re.S)
    unplanned = re.search(rf'data-plan-serial="{UNPLANNED}"(.*?)</section>', page.text, re.S)
    assert planned and unplanned
    assert "<pre data-plan>" in planned.group(1) and "ont add" in planned.group(1)
    assert "data-plan-error" in unplanned.group(1) and "<pre data-plan>" not in unplanned.group(1)
    assert "Run it: authorize 1 ONU(s)" in page.text and 'aria-live="polite"' in page.text
    body = _run_form(page.text)
    assert body["serials"] == [PLANNED, UNPLANNED] and body["kind"] == "authorize"
    # after the run, console.js goes to the run's own page ({id}: the answer's bulk_run_id)
    assert 'data-redirect="/console/bulk/runs/{id}"' in page.text

    run = client.post("/provisioning/bulk", json=body)  # what console.js sends on Run
    assert run.status_code == 202, run.text
    assert run.json()["queued"] == 1
    latest = client.get("/console/bulk/runs/latest", follow_redirects=False)
    run_id = run.json()["bulk_run_id"]
    assert latest.status_code == 303 and latest.headers["location"] == f"/console/bulk/runs/{run_id}"
    run_page = client.get(f"/console/bulk/runs/{run_id}").text
    assert f'data-item="{PLANNED}"' in run_page and f'data-stream="/console/bulk/runs/{run_id}/stream"' in run_page
    assert f'href="/console/bulk/runs/{run_id}"' in client.get("/console/bulk").text  # among the recent runs

    with session_scope(bulk_net.url) as session:  # the jobs end: the stream says so at once
        session.execute(update(Job).where(Job.bulk_run_id == run_id)
                        .values(status=JobStatus.SUCCEEDED, finished_at=datetime.now(UTC)))
    with client.stream("GET", f"/console/bulk/runs/{run_id}/stream") as answer:
        assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/event-stream")
        events = answer.read().decode()
    assert events.startswith("event: done\n") and 'data-done="yes"' in events and PLANNED in events


def test_a_run_from_a_stale_preview_is_refused_and_says_what_changed(bulk_net: Network) -> None:
    client = api_client(bulk_net.url)
    body = _run_form(client.get("/console/bulk/preview", params={"serial": [PLANNED, UNPLANNED]}).text)
    with session_scope(bulk_net.url) as session:
        onu_id = session.execute(select(Onu.id).where(Onu.serial == PLANNED)).scalar_one()
        session.execute(update(Onu).where(Onu.id == onu_id).values(lifecycle_state=OnuLifecycle.ACTIVE, onu_index=9))
    stale = client.post("/provisioning/bulk", json=body)
    assert stale.status_code == 409 and f"{PLANNED} is active (was discovered)" in stale.json()["detail"]
    assert client.get("/console/bulk/runs/latest").status_code == 404  # nothing was run


def test_without_provisioning_permission_the_pages_are_forbidden(bulk_net: Network) -> None:
    support = api_client(bulk_net.url, "sam", "support")
    for path in ("/console/bulk", f"/console/bulk/preview?serial={PLANNED}", "/console/bulk/runs/latest"):
        answer = support.get(path)
        assert answer.status_code == 403 and "text/html" in answer.headers["content-type"], path
    assert 'href="/console/bulk"' not in support.get("/").text  # not in the navigation either


def test_an_empty_or_bad_selection_is_an_error_page(bulk_net: Network) -> None:
    client = api_client(bulk_net.url)
    assert client.get("/console/bulk/preview").status_code == 422
    assert client.get("/console/bulk/preview", params={"serial": "x" * 40}).status_code == 422
    unknown = client.get("/console/bulk/preview", params={"serial": "HWTC0000FFFF"})
    assert unknown.status_code == 422 and "no ONU matches" in unknown.text


def test_a_missing_run_and_its_stream_are_not_found_at_once(bulk_net: Network) -> None:
    client = api_client(bulk_net.url, "rita", "read_only")
    for path in ("/console/bulk/runs/999999", "/console/bulk/runs/999999/stream", "/console/bulk/runs/0",
                 f"/console/bulk/runs/{2**63}/stream"):
        answer = client.get(path)
        assert answer.status_code == 404, path
    stream = client.get("/console/bulk/runs/999999/stream")
    assert "text/html" in stream.headers["content-type"] and "bulk run 999999 does not exist" in stream.text


def test_another_zone_s_run_is_not_found(bulk_net: Network) -> None:
    with session_scope(bulk_net.url) as session:
        south_onu = session.execute(select(Onu).where(Onu.serial == "HWTC0000BB01")).scalar_one()
        run = BulkRun(kind=JobKind.AUTHORIZE, status=JobStatus.RUNNING, requested_by="admin", total=1)
        session.add(run)
        session.flush()
        session.add(Job(kind=JobKind.AUTHORIZE, status=JobStatus.RUNNING, olt_id=bulk_net.south,
                        onu_id=south_onu.id, bulk_run_id=run.id, requested_by="admin"))
        run_id = run.id
    assert 'data-item="HWTC0000BB01"' in api_client(bulk_net.url).get(f"/console/bulk/runs/{run_id}").text
    nora = api_client(bulk_net.url, "nora", "noc_engineer")
    restrict(bulk_net.url, "nora", bulk_net.group)
    for path in (f"/console/bulk/runs/{run_id}", f"/console/bulk/runs/{run_id}/stream"):
        answer = nora.get(path)
        assert answer.status_code == 404 and "text/html" in answer.headers["content-type"], path


# --- in the browser, against a simulated Huawei OLT --------------------------------------------


def test_tick_preview_run_and_watch_in_the_browser(huawei: LabOlt, worker: BackgroundWorker,  # noqa: F811
                                                   live_app: LiveApp, browser: Browser) -> None:
    """A stale preview's Run is refused with what changed; once it is as previewed again, the run
    queues both ONUs and the run page follows them to the end."""
    serials = ["HWTC0000BC01", "HWTC0000BC02"]
    for serial in serials:
        huawei.sim.plug_onu(*first_port(huawei.sim), serial)  # type: ignore[attr-defined]
    discover_now(huawei)
    with session_scope(huawei.url) as session:
        session.execute(update(Onu).where(Onu.serial.in_(serials)).values(desired={"plan_id": huawei.plan_id}))
    browser.login("nina", make_login(live_app.db_url, "nina", "noc_engineer"))
    browser.goto(f"/console/bulk?olt_id={huawei.olt_id}")
    page = browser.page
    page.check("#bulk-all")
    page.click("form[data-bulk-select] button[type=submit]")
    expect(page.locator("pre[data-plan]")).to_have_count(2)
    browser.screenshot("bulk_preview")

    def set_vlan(vlan: int | None) -> None:
        desired = {"plan_id": huawei.plan_id, **({"user_vlan": vlan} if vlan else {})}
        with session_scope(huawei.url) as session:
            session.execute(update(Onu).where(Onu.serial == serials[1]).values(desired=desired))

    set_vlan(301)
    page.click("form[data-bulk-run] button[type=submit]")
    out = page.locator("form[data-bulk-run] [data-out]")
    expect(out).to_contain_text("409")
    expect(out).to_contain_text(f"changed: {serials[1]}")
    set_vlan(None)  # as previewed again
    visited: list[str] = []
    page.on("request", lambda r: visited.append(r.url))
    page.click("form[data-bulk-run] button[type=submit]")
    page.wait_for_url(re.compile(r"/console/bulk/runs/\d+$"))
    with session_scope(huawei.url) as session:  # straight to the run's own page ({id}: the answer's bulk_run_id)
        run_id = session.scalar(select(func.max(BulkRun.id)))
    assert page.url.endswith(f"/console/bulk/runs/{run_id}") and not any("/runs/latest" in u for u in visited)
    expect(page.locator("[data-run-finished]")).to_be_visible(timeout=60_000)
    expect(page.locator("tr[data-item]")).to_have_count(2)
    browser.screenshot("bulk_run")
    assert {onu_row(huawei.url, s).lifecycle_state for s in serials} == {OnuLifecycle.ACTIVE}
