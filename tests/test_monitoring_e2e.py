"""End to end monitoring: ONUs authorized over the simulated OLTs' CLI, the lab's snmpsim
agent republishing the simulators' state, and the SNMP Nornir task and queue jobs
storing what the agent answers."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import procrastinate
import pytest
from sqlalchemy import select, update

from core.db import libpq_url, session_scope, set_database_url
from core.models import VendorFamily
from lab.base import Lab, SimulatedOlt
from lab.demo import DemoLab
from lab.register import ensure_reference_data, new_sim, register_olt
from lab.snmp_lab import SnmpLab, ensure_oid_maps, register_snmp
from oms.models import JobKind, JobStatus, Olt, OltSnmpSettings, Onu, OnuLifecycle, OnuSample, OnuType, SnmpOidMap
from oms.monitoring import scheduling
from oms.monitoring.collector import SnmpTarget, test_snmp
from oms.monitoring.settings import target_for_olt
from oms.services import request_onu_action
from ponstack.worker import run_until_empty
from tasks.monitoring_jobs import prune_history, snmp_poll_olt
from tasks.nornir_factory import build_nornir
from tasks.snmp import shared_loop, snmp_poll
from tasks.worker import run_olt_jobs
from tests.lab_fixtures import run_olt_job

SERIALS = {
    VendorFamily.HUAWEI_SMARTAX: ["HWTC11E70E9A", "HWTC11E70E9B"],
    VendorFamily.ZTE_C3XX: ["ZTEGC0000001", "ZTEGC0000002"],
    VendorFamily.ZTE_C6XX: ["ZTEGD0000001", "ZTEGD0000002"],
}
OPTICAL_FIELDS = {"onu_rx_power": "rx_dbm", "onu_tx_power": "tx_dbm", "onu_olt_rx_power": "olt_rx_dbm"}


@dataclass
class MonitoredOlt:
    url: str
    sim: SimulatedOlt
    olt_id: int
    plan_id: int
    family: VendorFamily
    community: str


@pytest.fixture(scope="module")
def lab() -> Iterator[Lab]:
    running = Lab()
    yield running
    running.close()


@pytest.fixture
def snmp_lab() -> Iterator[SnmpLab]:
    with SnmpLab(interval_s=3600) as running:  # the tests republish explicitly with refresh()
        yield running


def add_olt(url: str, lab: Lab, snmp_lab: SnmpLab, family: VendorFamily, name: str) -> MonitoredOlt:
    sim = new_sim(family, name)
    port = lab.add(sim)
    community = snmp_lab.add(sim, family)
    set_database_url(url)
    with session_scope(url) as session:
        plan = ensure_reference_data(session)
        ensure_oid_maps(session, family)  # a no-op once the seed migration has the rows
        olt = register_olt(session, sim, family, port)
        register_snmp(session, olt, snmp_lab.host, snmp_lab.port, community)
        return MonitoredOlt(url, sim, olt.id, plan.id, family, community)


def authorize(olt: MonitoredOlt, serials: list[str]) -> dict[str, int]:
    """Plug, discover and authorize through the CLI path; returns {serial: onu id}."""
    for serial in serials:
        olt.sim.plug_onu(*olt.sim.ports[0], serial)  # type: ignore[attr-defined]
    assert run_olt_job(olt.url, olt.olt_id, JobKind.DISCOVER).status is JobStatus.SUCCEEDED
    job_ids, onu_ids = [], {}
    with session_scope(olt.url) as session:
        f660 = session.execute(select(OnuType.id).where(OnuType.model == "F660")).scalar_one()
        for serial in serials:
            onu = session.execute(select(Onu).where(Onu.serial == serial)).scalar_one()
            onu.desired = {**onu.desired, "plan_id": olt.plan_id}
            onu.onu_type_id = onu.onu_type_id or f660
            job_ids.append(request_onu_action(session, onu.id, JobKind.AUTHORIZE, "test").id)
            onu_ids[serial] = onu.id
    run_olt_jobs(olt_id=olt.olt_id, job_ids=job_ids)
    for onu in onus(olt.url, list(onu_ids.values())):
        assert onu.onu_index is not None, f"{onu.serial} was not authorized"
    return onu_ids


def poll(url: str, olt_ids: list[int], poll_class: str, **kwargs: Any) -> dict[int, Any]:
    """One threaded Nornir run of snmp_poll; {olt id: the host's Result}."""
    nr = build_nornir(url, num_workers=4, olt_ids=olt_ids)
    with nr:
        results = nr.run(task=snmp_poll, poll_class=poll_class, database_url=url, **kwargs)
    return {nr.inventory.hosts[name].data["olt_id"]: multi[0] for name, multi in results.items()}


def onus(url: str, onu_ids: list[int]) -> list[Onu]:
    with session_scope(url) as session:
        return list(session.execute(select(Onu).where(Onu.id.in_(onu_ids)).order_by(Onu.id)).scalars())


def olt_row(url: str, olt_id: int) -> Olt:
    with session_scope(url) as session:
        return session.get_one(Olt, olt_id)


def samples(url: str, onu_id: int) -> list[OnuSample]:
    with session_scope(url) as session:
        stmt = select(OnuSample).where(OnuSample.onu_id == onu_id).order_by(OnuSample.id)
        return list(session.execute(stmt).scalars())


def enabled_optical_fields(url: str, family: VendorFamily) -> list[str]:
    with session_scope(url) as session:
        metrics = session.execute(
            select(SnmpOidMap.metric).where(SnmpOidMap.vendor_family == family, SnmpOidMap.enabled.is_(True))
        ).scalars()
        return [OPTICAL_FIELDS[str(m)] for m in metrics if str(m) in OPTICAL_FIELDS]


def device_onu(olt: MonitoredOlt, serial: str) -> dict[str, Any]:
    return next(o for o in olt.sim.snapshot()["onus"] if o["serial"] == serial)


@pytest.mark.parametrize("family", list(SERIALS), ids=lambda f: f.value)
def test_an_authorized_onu_is_polled_online_with_its_optical_levels(
    family: VendorFamily, lab: Lab, snmp_lab: SnmpLab, db_url: str
) -> None:
    olt = add_olt(db_url, lab, snmp_lab, family, f"MON-{family.value}")
    snmp_lab.start()
    serial = SERIALS[family][0]
    onu_id = authorize(olt, [serial])[serial]

    assert snmp_lab.refresh() == [olt.community], "the authorization changed the recording"
    status = poll(db_url, [olt.olt_id], "status")[olt.olt_id]
    optical = poll(db_url, [olt.olt_id], "optical")[olt.olt_id]

    assert not status.failed and not optical.failed, (status.result, optical.result)
    assert status.result["onus_updated"] == 1 and optical.result["onus_updated"] == 1
    [onu] = onus(db_url, [onu_id])
    assert onu.status.value == "online"
    fields = enabled_optical_fields(db_url, family)
    assert "rx_dbm" in fields and len(fields) >= 2
    on_device = device_onu(olt, serial)
    for name in fields:
        assert getattr(onu, name) == pytest.approx(on_device[name], abs=0.01), name
    assert -30 < onu.rx_dbm < -8
    assert onu.status_read_at is not None and onu.optical_read_at is not None
    history = samples(db_url, onu_id)
    assert [s.status.value if s.status else None for s in history] == ["online", None]
    assert history[1].rx_dbm == pytest.approx(on_device["rx_dbm"], abs=0.01)
    polled = olt_row(db_url, olt.olt_id)
    assert polled.last_poll_status.value == "ok", polled.last_poll_error
    assert polled.last_status_poll_at is not None and polled.last_optical_poll_at is not None


def test_poll_now_reads_only_the_requested_onu(lab: Lab, snmp_lab: SnmpLab, db_url: str) -> None:
    olt = add_olt(db_url, lab, snmp_lab, VendorFamily.HUAWEI_SMARTAX, "MON-POLL-NOW")
    snmp_lab.start()
    first, second = SERIALS[VendorFamily.HUAWEI_SMARTAX]
    ids = authorize(olt, [first, second])
    snmp_lab.refresh()
    assert not snmp_poll_olt(olt_id=olt.olt_id, poll_class="status")["error"]
    stamped = olt_row(db_url, olt.olt_id).last_status_poll_at

    olt.sim.unplug_onu(first)  # type: ignore[attr-defined]
    olt.sim.unplug_onu(second)  # type: ignore[attr-defined]
    assert snmp_lab.refresh() == [olt.community]
    report = snmp_poll_olt(olt_id=olt.olt_id, poll_class="status", onu_ids=[ids[second]])

    assert report["onus_requested"] == 1 and report["onus_updated"] == 1, report
    by_serial = {o.serial: o for o in onus(db_url, list(ids.values()))}
    assert by_serial[second].status.value == "los", "the requested ONU was read"
    assert by_serial[first].status.value == "online", "the other ONU was not read"
    assert len(samples(db_url, ids[first])) == 1 and len(samples(db_url, ids[second])) == 2
    assert olt_row(db_url, olt.olt_id).last_status_poll_at == stamped, "not counted as the scheduled poll"

    snmp_poll_olt(olt_id=olt.olt_id, poll_class="status", onu_ids=[ids[first]])
    assert onus(db_url, [ids[first]])[0].status.value == "los"


def test_a_wrong_community_fails_only_its_olt_and_keeps_the_last_readings(
    lab: Lab, snmp_lab: SnmpLab, db_url: str
) -> None:
    bad = add_olt(db_url, lab, snmp_lab, VendorFamily.HUAWEI_SMARTAX, "MON-BAD")
    good = add_olt(db_url, lab, snmp_lab, VendorFamily.ZTE_C3XX, "MON-GOOD")
    snmp_lab.start()
    bad_onu = authorize(bad, SERIALS[bad.family][:1])[SERIALS[bad.family][0]]
    good_onu = authorize(good, SERIALS[good.family][:1])[SERIALS[good.family][0]]
    snmp_lab.refresh()
    for poll_class in ("status", "optical"):
        assert not any(r.failed for r in poll(db_url, [bad.olt_id, good.olt_id], poll_class).values())
    [before] = onus(db_url, [bad_onu])
    with session_scope(db_url) as session:
        session.execute(
            update(OltSnmpSettings)
            .where(OltSnmpSettings.olt_id == bad.olt_id)
            .values(community="not-the-community", timeout_s=0.3, retries=0)
        )

    results = poll(db_url, [bad.olt_id, good.olt_id], "status")

    assert results[bad.olt_id].failed and not results[good.olt_id].failed
    assert results[good.olt_id].result["onus_updated"] == 1
    failed_olt, good_olt = olt_row(db_url, bad.olt_id), olt_row(db_url, good.olt_id)
    assert failed_olt.last_poll_status.value == "error"
    assert "MON-BAD" in failed_olt.last_poll_error and "no response" in failed_olt.last_poll_error
    assert good_olt.last_poll_status.value == "ok", good_olt.last_poll_error
    [after] = onus(db_url, [bad_onu])
    kept = ("status", "rx_dbm", "status_read_at", "optical_read_at")
    assert [getattr(after, name) for name in kept] == [getattr(before, name) for name in kept]
    assert after.rx_dbm is not None
    assert onus(db_url, [good_onu])[0].status_read_at > before.status_read_at


def test_a_poll_of_an_olt_without_snmp_settings_fails_without_touching_it(lab: Lab, db_url: str) -> None:
    sim = new_sim(VendorFamily.ZTE_C6XX, "MON-NO-SNMP")
    set_database_url(db_url)
    with session_scope(db_url) as session:
        ensure_reference_data(session)
        olt_id = register_olt(session, sim, VendorFamily.ZTE_C6XX, lab.add(sim)).id

    result = poll(db_url, [olt_id], "status")[olt_id]

    assert result.failed and "SNMP is not configured" in result.result["error"]
    assert olt_row(db_url, olt_id).last_poll_status.value == "never"


def test_prune_history_keeps_the_configured_days(db_url: str) -> None:
    sim = new_sim(VendorFamily.ZTE_C3XX, "MON-PRUNE")
    set_database_url(db_url)
    now = datetime.now(UTC)
    with session_scope(db_url) as session:
        ensure_reference_data(session)
        olt = register_olt(session, sim, VendorFamily.ZTE_C3XX, 2222)
        onu = Onu(serial="ZTEGC0000009", olt_id=olt.id, lifecycle_state=OnuLifecycle.DISCOVERED)
        session.add(onu)
        session.flush()
        for days in (40, 29, 1):
            session.add(OnuSample(onu_id=onu.id, olt_id=olt.id, sampled_at=now - timedelta(days=days)))

    assert prune_history(timestamp=0) == {"deleted": 1, "retention_days": 30}
    assert [s.sampled_at.date() for s in samples(db_url, onu.id)] == [
        (now - timedelta(days=29)).date(),
        (now - timedelta(days=1)).date(),
    ]


def run_snmp_test(target: SnmpTarget) -> dict[str, Any]:
    return shared_loop().run(test_snmp(target), timeout_s=10)


def test_the_demo_lab_serves_snmp_and_republishes_changes(db_url: str) -> None:
    set_database_url(db_url)
    demo = DemoLab.start(db_url, olts_per_family=1, onus_per_olt=1, latency_s=0)
    demo.olts.snmp.interval_s = 0.2  # type: ignore[union-attr]
    try:
        with session_scope(db_url) as session:
            olts = session.execute(select(Olt)).scalars()
            targets = {o.name: target_for_olt(o, o.snmp) for o in olts if o.snmp is not None}
        assert sorted(targets) == sorted(o.name for o in demo.olts)
        assert {(t.host, t.port) for t in targets.values()} == {("127.0.0.1", demo.olts.snmp.port)}  # type: ignore[union-attr]
        for olt in demo.olts:
            answer = run_snmp_test(targets[olt.name])
            assert answer["ok"] and answer["sys_name"] == olt.name, answer

        huawei = demo.lab.olt(demo.olts[0].name)
        huawei.sysname = "RENAMED"  # type: ignore[attr-defined]
        deadline = time.monotonic() + 10
        while run_snmp_test(targets[huawei.name]).get("sys_name") != "RENAMED":
            assert time.monotonic() < deadline, "the watcher did not republish the changed recording"
            time.sleep(0.3)
        process = demo.olts.snmp.agent.process  # type: ignore[union-attr]
    finally:
        demo.close()
    assert process is not None and process.poll() is not None, "closing the demo stops the agent"


@pytest.fixture
def queue(db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Deferring goes to db_url's procrastinate tables through an app closed after the test."""
    app = procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=libpq_url(db_url)))
    app.open()
    monkeypatch.setattr(scheduling, "queue_app", lambda url: app)
    yield db_url
    app.close()


def test_the_worker_runs_the_polls_the_scheduler_queued(lab: Lab, snmp_lab: SnmpLab, queue: str) -> None:
    # Needs core.queue.run_worker to run on base_app itself (replace_connector): the periodic
    # tasks defer through base_app, and a worker whose deferrer fails stops before running jobs.
    olt = add_olt(queue, lab, snmp_lab, VendorFamily.ZTE_C6XX, "MON-WORKER")
    snmp_lab.start()
    serial = SERIALS[olt.family][0]
    onu_id = authorize(olt, [serial])[serial]
    snmp_lab.refresh()

    queued = scheduling.schedule_due_polls(queue)
    for _ in queued:  # the lock snmp:<olt> lets one poll of the OLT run at a time
        run_until_empty(queue, concurrency=2)

    assert sorted(poll.poll_class.value for poll, job_id in queued if job_id) == ["optical", "status"]
    assert scheduling.schedule_due_polls(queue) == [], "both polls are stamped done"
    [onu] = onus(queue, [onu_id])
    assert onu.status.value == "online"
    assert onu.rx_dbm == pytest.approx(device_onu(olt, serial)["rx_dbm"], abs=0.01)
    polled = olt_row(queue, olt.olt_id)
    assert polled.last_poll_status.value == "ok", polled.last_poll_error
