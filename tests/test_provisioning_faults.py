"""Bad input and device faults: each gives a clear error, and the database and the
simulated OLT end in agreement (no half-provisioned ONU on either side)."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import pytest
from sqlalchemy import select

from core.db import session_scope, set_database_url
from core.models import VendorFamily
from lab.base import Lab
from lab.huawei import HuaweiMa5800
from lab.register import ensure_reference_data, register_olt
from oms.errors import Conflict
from oms.models import CliAction, CliTemplate, Job, JobKind, JobStatus, Olt, Onu, OnuLifecycle
from oms.services import request_and_enqueue, request_onu_action
from ponstack.worker import run_until_empty
from tasks.worker import run_olt_jobs
from tests.lab_fixtures import run_olt_job

SERIAL = "HWTC11E70E9A"
OTHER = "HWTCDE135E2D"


@pytest.fixture(scope="module")
def lab() -> Iterator[Lab]:
    running = Lab()
    yield running
    running.close()


@pytest.fixture
def olt(lab: Lab, db_url: str, request: pytest.FixtureRequest) -> tuple[str, HuaweiMa5800, int]:
    sim = HuaweiMa5800(f"FAULT-{abs(hash(request.node.name)) % 10**6}", ports=[(0, 1, 0)], max_onus_per_port=2)
    port = lab.add(sim)
    set_database_url(db_url)
    with session_scope(db_url) as session:
        plan = ensure_reference_data(session)
        olt_id = register_olt(session, sim, VendorFamily.HUAWEI_SMARTAX, port).id
    sim.plug_onu(0, 1, 0, SERIAL)
    sim.plug_onu(0, 1, 0, OTHER)
    assert run_olt_job(db_url, olt_id, JobKind.DISCOVER).status is JobStatus.SUCCEEDED
    with session_scope(db_url) as session:
        for onu in session.execute(select(Onu)).scalars():
            onu.desired = {"plan_id": plan.id}
    return db_url, sim, olt_id


def authorize(url: str, olt_id: int, serial: str) -> Job:
    with session_scope(url) as session:
        onu_id = session.execute(select(Onu.id).where(Onu.serial == serial)).scalar_one()
        job_id = request_onu_action(session, onu_id, JobKind.AUTHORIZE, "test").id
    run_olt_jobs(olt_id=olt_id, job_ids=[job_id])
    with session_scope(url) as session:
        job = session.get_one(Job, job_id)
        _ = job.steps
        return job


def onu(url: str, serial: str) -> Onu:
    with session_scope(url) as session:
        return session.execute(select(Onu).where(Onu.serial == serial)).scalar_one()


def on_device(sim: HuaweiMa5800) -> set[str]:
    return {o["serial"] for o in sim.configured_onus()}


def test_cli_error_mid_push_is_compensated(olt: tuple[str, HuaweiMa5800, int]) -> None:
    url, sim, olt_id = olt
    sim.faults.fail_commands = {r"^service-port ": "Failure: VLAN does not exist"}
    job = authorize(url, olt_id, SERIAL)
    assert job.status is JobStatus.COMPENSATED
    assert "service-port" in (job.error or "") and "undone" in (job.error or "")
    assert [s.name for s in job.steps][:3] == ["read port", "push", "compensate"]
    row = onu(url, SERIAL)
    assert row.lifecycle_state is OnuLifecycle.DISCOVERED and "VLAN does not exist" in (row.failure_reason or "")
    assert SERIAL not in on_device(sim), "the ONT added before the failing command was deleted again"

    sim.faults.fail_commands = {}
    assert authorize(url, olt_id, SERIAL).status is JobStatus.SUCCEEDED, "a failed ONU is retryable"
    assert SERIAL in on_device(sim)


def test_session_dropped_midway_is_compensated_after_reconnect(olt: tuple[str, HuaweiMa5800, int]) -> None:
    url, sim, olt_id = olt
    sim.faults.drop_after_commands = 8  # login preparation + port read + the first authorize lines
    job = authorize(url, olt_id, SERIAL)
    sim.faults.drop_after_commands = None
    assert job.status in (JobStatus.COMPENSATED, JobStatus.NEEDS_RECONCILE)
    assert "session lost" in (job.error or "")
    row = onu(url, SERIAL)
    assert row.lifecycle_state is (OnuLifecycle.DISCOVERED if job.status is JobStatus.COMPENSATED
                                   else OnuLifecycle.FAILED)
    if job.status is JobStatus.COMPENSATED:
        assert SERIAL not in on_device(sim)


def test_port_full_fails_before_touching_the_device(olt: tuple[str, HuaweiMa5800, int]) -> None:
    url, sim, olt_id = olt
    with session_scope(url) as session:
        for port in session.execute(select(Olt)).scalar_one().pon_ports:
            port.max_onus = 1
    assert authorize(url, olt_id, SERIAL).status is JobStatus.SUCCEEDED
    job = authorize(url, olt_id, OTHER)
    assert job.status is JobStatus.FAILED
    assert "is full (1 ONUs)" in (job.error or "")
    assert not any(s.name == "push" for s in job.steps)
    assert on_device(sim) == {SERIAL}


def test_unknown_onu_type_and_template_error_are_clear(olt: tuple[str, HuaweiMa5800, int]) -> None:
    url, sim, olt_id = olt
    with session_scope(url) as session:
        session.execute(select(Onu).where(Onu.serial == SERIAL)).scalar_one().onu_type_id = None
    job = authorize(url, olt_id, SERIAL)
    assert job.status is JobStatus.FAILED and "has no ONU type" in (job.error or "")

    with session_scope(url) as session:
        template = session.execute(
            select(CliTemplate).where(CliTemplate.vendor_family == VendorFamily.HUAWEI_SMARTAX,
                                      CliTemplate.action == CliAction.AUTHORIZE)
        ).scalar_one()
        template.body = "config\nont add {{ port }} {{ no_such_variable }}\n"
    job = authorize(url, olt_id, OTHER)
    assert job.status is JobStatus.FAILED and "no_such_variable" in (job.error or "")
    assert on_device(sim) == set()


def test_wrong_credentials_and_unreachable_olt(olt: tuple[str, HuaweiMa5800, int]) -> None:
    url, sim, olt_id = olt
    sim.faults.refuse_login = True
    job = authorize(url, olt_id, SERIAL)
    sim.faults.refuse_login = False
    assert job.status is JobStatus.FAILED
    assert "refused" in (job.error or "") and sim.name in (job.error or "")
    assert onu(url, SERIAL).lifecycle_state is OnuLifecycle.DISCOVERED, "nothing was sent: back where it was"

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed_port = sock.getsockname()[1]
    with session_scope(url) as session:
        session.get_one(Olt, olt_id).cli_port = closed_port
    job = authorize(url, olt_id, SERIAL)
    assert job.status is JobStatus.FAILED and str(closed_port) in (job.error or "")
    assert on_device(sim) == set()


def test_two_operators_authorizing_the_same_onu(olt: tuple[str, HuaweiMa5800, int]) -> None:
    url, sim, olt_id = olt
    onu_id = onu(url, SERIAL).id
    outcomes: list[object] = []

    def operator() -> None:
        try:
            with session_scope(url) as session:
                outcomes.append(request_onu_action(session, onu_id, JobKind.AUTHORIZE, "op").id)
        except Conflict as exc:
            outcomes.append(exc)

    threads = [threading.Thread(target=operator) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(isinstance(o, int) for o in outcomes) == 1
    assert any(isinstance(o, Conflict) and "already has job" in str(o) for o in outcomes)


def test_jobs_run_through_the_real_queue_worker(olt: tuple[str, HuaweiMa5800, int]) -> None:
    url, sim, olt_id = olt
    job_id = request_and_enqueue(url, onu(url, SERIAL).id, JobKind.AUTHORIZE, "test")
    run_until_empty(url, concurrency=2)
    with session_scope(url) as session:
        assert session.get_one(Job, job_id).status is JobStatus.SUCCEEDED
    assert SERIAL in on_device(sim)
