"""Which SNMP polls are due, and how they are queued (against the real procrastinate schema)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import procrastinate
import psycopg
import pytest
from sqlalchemy import select

from core.db import libpq_url, session_scope
from core.models import Setting, Vendor, VendorFamily
from oms.models import Olt, OltSnmpSettings, PollClass
from oms.monitoring import scheduling
from oms.monitoring.scheduling import (
    SNMP_POLL_OLT,
    DuePoll,
    defer_poll,
    due_polls,
    mark_polled,
    poll_now,
    schedule_due_polls,
)

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
STATUS, OPTICAL = PollClass.STATUS, PollClass.OPTICAL


def add_olt(session: Any, name: str, snmp: bool | None = True, **fields: Any) -> int:
    vendor_id = session.execute(select(Vendor.id).where(Vendor.slug == "huawei")).scalar_one()
    olt = Olt(name=name, vendor_id=vendor_id, family=VendorFamily.HUAWEI_SMARTAX, model="MA5800-X7",
              mgmt_host="192.0.2.1", username="u", password="p", **fields)
    if snmp is not None:
        olt.snmp = OltSnmpSettings(enabled=snmp, community="public")
    session.add(olt)
    session.flush()
    return olt.id


def ago(seconds: float) -> datetime:
    return NOW - timedelta(seconds=seconds)


def test_due_polls_follow_each_olts_intervals_and_skip_olts_without_snmp(db_url: str) -> None:
    with session_scope(db_url) as session:
        never = add_olt(session, "never-polled")
        recent = add_olt(session, "recent", last_status_poll_at=ago(100), last_optical_poll_at=ago(4000))
        almost = add_olt(session, "almost-due", last_status_poll_at=ago(280), last_optical_poll_at=ago(600))
        fast = add_olt(session, "fast", status_poll_interval_s=60, optical_poll_interval_s=300,
                       last_status_poll_at=ago(50), last_optical_poll_at=ago(250))
        add_olt(session, "disabled", snmp=False)
        add_olt(session, "no-snmp-settings", snmp=None)
        add_olt(session, "inactive", is_active=False)

        due = set(due_polls(session, NOW))

    assert due == {
        DuePoll(never, STATUS),
        DuePoll(never, OPTICAL),
        DuePoll(recent, OPTICAL),
        DuePoll(almost, STATUS),  # within the slack of one scheduler tick
        DuePoll(fast, STATUS),
    }


def test_least_recently_polled_olts_come_first(db_url: str) -> None:
    with session_scope(db_url) as session:
        older = add_olt(session, "older", last_status_poll_at=ago(900), last_optical_poll_at=NOW)
        newer = add_olt(session, "newer", last_status_poll_at=ago(400), last_optical_poll_at=NOW)
        never = add_olt(session, "never", last_optical_poll_at=NOW)
        assert [p.olt_id for p in due_polls(session, NOW)] == [never, older, newer]


def test_a_poll_stamped_done_is_not_due_until_its_interval_passes(db_url: str) -> None:
    with session_scope(db_url) as session:
        olt_id = add_olt(session, "olt", last_optical_poll_at=NOW)
        mark_polled(session, olt_id, STATUS, NOW)
        assert due_polls(session, NOW + timedelta(seconds=200)) == []
        assert due_polls(session, NOW + timedelta(seconds=300)) == [DuePoll(olt_id, STATUS)]


def test_the_default_interval_is_the_system_setting(db_url: str) -> None:
    with session_scope(db_url) as session:
        session.get_one(Setting, "monitoring.status_interval_s").value = 1200
        assert scheduling.default_interval_s(session, STATUS) == 1200


@pytest.fixture
def queue(db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Deferring goes to db_url's procrastinate tables through an app closed after the test."""
    app = procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=libpq_url(db_url)))
    app.open()
    monkeypatch.setattr(scheduling, "queue_app", lambda url: app)
    yield db_url
    app.close()


def waiting_jobs(url: str) -> list[tuple[str, str, dict[str, Any]]]:
    with psycopg.connect(libpq_url(url)) as conn:
        rows = conn.execute(
            "SELECT lock, queueing_lock, args FROM procrastinate_jobs"
            " WHERE task_name = %s AND status = 'todo' ORDER BY id",
            (SNMP_POLL_OLT,),
        ).fetchall()
    return [(lock, queueing_lock, args) for lock, queueing_lock, args in rows]


def test_deferring_the_same_poll_twice_leaves_one_waiting_job(queue: str) -> None:
    first = defer_poll(queue, 7, STATUS)
    second = defer_poll(queue, 7, "status")

    assert isinstance(first, int)
    assert second is None
    assert waiting_jobs(queue) == [("snmp:7", "snmp:7:status", {"olt_id": 7, "poll_class": "status"})]


def test_each_class_waits_on_its_own_but_all_share_the_olt_lock(queue: str) -> None:
    assert defer_poll(queue, 7, STATUS) is not None
    assert defer_poll(queue, 7, OPTICAL) is not None
    assert defer_poll(queue, 8, STATUS) is not None

    jobs = waiting_jobs(queue)
    assert [(lock, qlock) for lock, qlock, _ in jobs] == [
        ("snmp:7", "snmp:7:status"),
        ("snmp:7", "snmp:7:optical"),
        ("snmp:8", "snmp:8:status"),
    ]


def test_poll_now_of_single_onus_waits_per_set_of_onus(queue: str) -> None:
    assert poll_now(queue, 7, onu_ids=[3, 1]) is not None
    assert poll_now(queue, 7, onu_ids=[1, 3]) is None, "the same ONUs are already waiting"
    assert poll_now(queue, 7, onu_ids=[2]) is not None
    assert poll_now(queue, 7) is not None, "a whole-OLT poll is not swallowed by ONU polls"

    jobs = waiting_jobs(queue)
    assert [(qlock, args.get("onu_ids")) for _, qlock, args in jobs] == [
        ("snmp:7:status:onus:1,3", [1, 3]),
        ("snmp:7:status:onus:2", [2]),
        ("snmp:7:status", None),
    ]
    with pytest.raises(ValueError, match="empty"):
        poll_now(queue, 7, onu_ids=[])


def test_the_scheduler_queues_due_polls_once_however_often_it_ticks(queue: str) -> None:
    with session_scope(queue) as session:
        olt_id = add_olt(session, "olt", last_optical_poll_at=NOW)

    first = schedule_due_polls(queue, NOW)
    again = schedule_due_polls(queue, NOW + timedelta(minutes=1))

    assert [(poll, job_id is not None) for poll, job_id in first] == [(DuePoll(olt_id, STATUS), True)]
    assert [(poll, job_id) for poll, job_id in again] == [(DuePoll(olt_id, STATUS), None)]
    assert len(waiting_jobs(queue)) == 1
