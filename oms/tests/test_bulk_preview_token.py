"""Bulk runs against their preview: the dry run answers a `preview_token`; a run that sends it back
is refused (409, nothing queued) when the selection or a selected ONU changed since the preview,
and names what changed. Without a token the run behaves as before."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete, func, select, update

from core.db import session_scope
from oms.api import provisioning
from oms.models import BulkRun, Job, Onu, OnuLifecycle, OnuStatus
from oms.tests.test_api_onus import Setup, make_setup
from tests.fixtures import api_client

FIRST, SECOND, THIRD = "HWTC0000B001", "HWTC0000B002", "HWTC0000B003"


@pytest.fixture
def setup(db_url: str) -> Setup:
    return make_setup(db_url)


def _discovered(setup: Setup, *serials: str) -> list[int]:
    plan = {"desired": {"plan_id": setup.plan_id}, "onu_type_id": setup.type_id}
    return [setup.discovered(serial, **plan) for serial in serials]


def _queued_nothing(setup: Setup, deferred: list[dict[str, Any]]) -> bool:
    with session_scope(setup.url) as session:
        jobs = session.execute(select(func.count()).select_from(Job)).scalar_one()
        runs = session.execute(select(func.count()).select_from(BulkRun)).scalar_one()
    return (jobs, runs, deferred) == (0, 0, [])


def _preview(client: TestClient, body: dict[str, Any]) -> str:
    dry = client.post("/provisioning/bulk", json={**body, "dry_run": True})
    assert dry.status_code == 200, dry.text
    token = dry.json()["preview_token"]
    assert isinstance(token, str) and token
    return token


def _set(setup: Setup, onu_id: int, **values: Any) -> None:
    with session_scope(setup.url) as session:
        session.execute(update(Onu).where(Onu.id == onu_id).values(**values))


def test_a_run_with_its_preview_s_token_queues_the_previewed_onus(
    client: TestClient, setup: Setup, deferred: list[dict[str, Any]]
) -> None:
    first, _ = _discovered(setup, FIRST, SECOND)
    body = {"kind": "authorize", "serials": [FIRST, SECOND.lower()]}
    token = _preview(client, body)
    # what status polling and discovery move between the preview and the run changes no plan
    _set(setup, first, status=OnuStatus.ONLINE, rx_dbm=-20.5, last_seen_at=datetime.now(UTC))

    run = client.post("/provisioning/bulk", json={**body, "preview_token": token})
    assert run.status_code == 202, run.text
    assert run.json()["queued"] == 2 and len(deferred) == 1
    items = client.get(run.json()["status_url"]).json()["items"]
    assert sorted(i["serial"] for i in items) == [FIRST, SECOND]


def test_a_run_without_token_still_runs(client: TestClient, setup: Setup, deferred: list[dict[str, Any]]) -> None:
    _discovered(setup, FIRST)
    _preview(client, {"serials": [FIRST]})
    run = client.post("/provisioning/bulk", json={"serials": [FIRST]})
    assert run.status_code == 202 and run.json()["queued"] == 1


@pytest.mark.parametrize("change", ["authorized", "deleted", "replanned", "moved"])
def test_a_selected_onu_changed_since_the_preview_refuses_the_run(
    client: TestClient, setup: Setup, deferred: list[dict[str, Any]], change: str
) -> None:
    first, second = _discovered(setup, FIRST, SECOND)
    body = {"serials": [FIRST, SECOND]}
    token = _preview(client, body)
    if change == "authorized":
        _set(setup, second, lifecycle_state=OnuLifecycle.ACTIVE, onu_index=7)
    elif change == "deleted":
        with session_scope(setup.url) as session:
            session.execute(delete(Onu).where(Onu.id == second))
    elif change == "replanned":
        _set(setup, second, desired={"plan_id": setup.plan_id, "user_vlan": 301})
    else:
        _set(setup, second, pon_port_id=setup.port_ids()[1])

    run = client.post("/provisioning/bulk", json={**body, "preview_token": token})
    assert run.status_code == 409, run.text
    detail = run.json()["detail"]
    assert SECOND in detail and FIRST not in detail, detail
    expected = {"authorized": "changed: HWTC0000B002 is active (was discovered)",
                "deleted": "no longer selected: HWTC0000B002",
                "replanned": "changed: HWTC0000B002 (", "moved": "changed: HWTC0000B002 ("}[change]
    assert expected in detail, detail
    assert _queued_nothing(setup, deferred)
    assert setup.onu(first).lifecycle_state is OnuLifecycle.DISCOVERED


def test_the_token_with_another_serial_list_is_refused(
    client: TestClient, setup: Setup, deferred: list[dict[str, Any]]
) -> None:
    _discovered(setup, FIRST, SECOND, THIRD)
    token = _preview(client, {"serials": [FIRST, SECOND]})

    fewer = client.post("/provisioning/bulk", json={"serials": [FIRST], "preview_token": token})
    assert fewer.status_code == 409 and "no longer selected: HWTC0000B002" in fewer.json()["detail"]
    more = client.post("/provisioning/bulk", json={"serials": [FIRST, SECOND, THIRD], "preview_token": token})
    assert more.status_code == 409 and "newly selected: HWTC0000B003" in more.json()["detail"]
    unknown = client.post("/provisioning/bulk", json={"serials": [FIRST, SECOND, "HWTC0000FFFF"],
                                                      "preview_token": token})
    assert unknown.status_code == 409 and "selects differently" in unknown.json()["detail"]
    by_filter = client.post("/provisioning/bulk", json={"filter": {"olt_id": setup.olt_id}, "preview_token": token})
    assert by_filter.status_code == 409 and "HWTC0000B003" in by_filter.json()["detail"]
    other_kind = client.post("/provisioning/bulk", json={"kind": "remove", "serials": [FIRST, SECOND],
                                                         "preview_token": token})
    assert other_kind.status_code == 409 and "authorize" in other_kind.json()["detail"]
    assert _queued_nothing(setup, deferred)


def test_a_filter_s_preview_is_refused_once_a_new_onu_matches(
    client: TestClient, setup: Setup, deferred: list[dict[str, Any]]
) -> None:
    _discovered(setup, FIRST)
    body = {"filter": {"olt_id": setup.olt_id}}
    token = _preview(client, body)
    _discovered(setup, SECOND)
    run = client.post("/provisioning/bulk", json={**body, "preview_token": token})
    assert run.status_code == 409 and "newly selected: HWTC0000B002" in run.json()["detail"]
    assert _queued_nothing(setup, deferred)


def test_a_forged_or_foreign_token_is_refused(
    client: TestClient, setup: Setup, deferred: list[dict[str, Any]]
) -> None:
    _discovered(setup, FIRST)
    body = {"serials": [FIRST]}
    token = _preview(client, body)
    data, _, signature = token.partition(".")
    for forged in (f"{data}.{'0' * len(signature)}", f"{data[:-2]}xx.{signature}", "garbage", "é.é"):
        answer = client.post("/provisioning/bulk", json={**body, "preview_token": forged})
        assert answer.status_code == 422 and "preview" in answer.json()["detail"], (forged, answer.text)

    someone_else = api_client(setup.url, "nina", "admin")
    answer = someone_else.post("/provisioning/bulk", json={**body, "preview_token": token})
    assert answer.status_code == 409 and "another user" in answer.json()["detail"]
    assert _queued_nothing(setup, deferred)


def test_a_change_after_the_check_but_before_the_onus_are_locked_refuses_the_run_too(
    client: TestClient, setup: Setup, deferred: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    _, second = _discovered(setup, FIRST, SECOND)
    body = {"serials": [FIRST, SECOND]}
    token = _preview(client, body)
    real_request_bulk = provisioning.request_bulk

    def changed_meanwhile(*args: Any, **kwargs: Any) -> Any:
        _set(setup, second, lifecycle_state=OnuLifecycle.PREPROVISIONED)  # e.g. another user's edit
        return real_request_bulk(*args, **kwargs)

    monkeypatch.setattr(provisioning, "request_bulk", changed_meanwhile)
    run = client.post("/provisioning/bulk", json={**body, "preview_token": token})
    assert run.status_code == 409 and f"{SECOND} is preprovisioned (was discovered)" in run.json()["detail"]
    assert _queued_nothing(setup, deferred)
