"""Fixtures and helpers for tests that drive simulated OLTs over real SSH
(loaded for every package by the root conftest.py)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import select

from core.db import session_scope, set_database_url
from core.models import VendorFamily
from lab.base import Lab, SimulatedOlt
from lab.register import ensure_reference_data, new_sim, register_olt
from oms.models import Job, JobKind, JobStatus, Onu, OnuType
from oms.services import request_onu_action
from ponstack.worker import BackgroundWorker
from tasks.worker import run_olt_jobs

FAMILIES = [VendorFamily.HUAWEI_SMARTAX, VendorFamily.ZTE_C3XX, VendorFamily.ZTE_C6XX]


@dataclass
class LabOlt:
    url: str
    sim: SimulatedOlt
    olt_id: int
    plan_id: int
    family: VendorFamily
    cli_port: int


@pytest.fixture(scope="module")
def lab() -> Iterator[Lab]:
    running = Lab()
    yield running
    running.close()


@pytest.fixture
def worker(db_url: str) -> Iterator[BackgroundWorker]:
    """A real queue worker on its own thread (as `ponstack up` runs it), on the test's database."""
    set_database_url(db_url)
    running = BackgroundWorker(db_url, 4).start()
    yield running
    running.stop()


@pytest.fixture(params=FAMILIES, ids=lambda f: f.value)
def lab_olt(request: pytest.FixtureRequest, lab: Lab, db_url: str) -> LabOlt:
    """A simulated OLT of each vendor family, registered in a fresh database."""
    family: VendorFamily = request.param
    sim = new_sim(family, f"LAB-{family.value.upper()}")
    port = lab.add(sim)
    set_database_url(db_url)
    with session_scope(db_url) as session:
        plan = ensure_reference_data(session)
        olt = register_olt(session, sim, family, port)
        return LabOlt(db_url, sim, olt.id, plan.id, family, port)


def olt_job(url: str, olt_id: int, kind: JobKind, params: dict[str, Any] | None = None) -> int:
    """An OLT-wide job row, as the API records it (the test runs it with run_jobs)."""
    with session_scope(url) as session:
        job = Job(kind=kind, status=JobStatus.QUEUED, olt_id=olt_id, params=params or {}, requested_by="test")
        session.add(job)
        session.flush()
        return job.id


def run_olt_job(url: str, olt_id: int, kind: JobKind, params: dict[str, Any] | None = None) -> Job:
    """Run an OLT-wide job (discover, test connection, reconcile) the way the worker does."""
    job_id = olt_job(url, olt_id, kind, params)
    set_database_url(url)  # the queue task reads the worker's database
    run_olt_jobs(olt_id=olt_id, job_ids=[job_id])
    return job_row(url, job_id)


def job_row(url: str, job_id: int) -> Job:
    with session_scope(url) as session:
        job = session.get_one(Job, job_id)
        _ = job.steps
        return job


def discover_now(lab_olt: LabOlt) -> dict[str, Any]:
    job = run_olt_job(lab_olt.url, lab_olt.olt_id, JobKind.DISCOVER)
    assert job.status is JobStatus.SUCCEEDED, (job.error, [(s.name, s.output) for s in job.steps])
    return dict(job.result["report"])


def reconcile_report(url: str, olt_id: int, repair: bool = False) -> dict[str, Any]:
    """What a reconcile finds: the agreement check every failure test ends with."""
    job = run_olt_job(url, olt_id, JobKind.RECONCILE, {"repair": repair})
    assert job.status is JobStatus.SUCCEEDED, job.error
    return dict(job.result["report"])


def assert_in_agreement(url: str, olt_id: int) -> None:
    report = reconcile_report(url, olt_id)
    differences = {k: report[k] for k in ("only_on_olt", "only_in_db", "serial_mismatch", "in_flight") if report[k]}
    assert not differences, f"database and OLT disagree: {differences}"


def request(lab_olt: LabOlt, serial: str, kind: JobKind, params: dict[str, Any] | None = None) -> int:
    with session_scope(lab_olt.url) as session:
        onu = session.execute(select(Onu).where(Onu.serial == serial)).scalar_one()
        if kind is JobKind.AUTHORIZE:
            onu.desired = {**onu.desired, "plan_id": lab_olt.plan_id}
            if onu.onu_type_id is None:  # what an operator picks when autofind cannot tell
                onu.onu_type_id = session.execute(select(OnuType.id).where(OnuType.model == "F660")).scalar_one()
        return request_onu_action(session, onu.id, kind, "test", params).id


def run_jobs(lab_olt: LabOlt, *job_ids: int) -> None:
    set_database_url(lab_olt.url)
    run_olt_jobs(olt_id=lab_olt.olt_id, job_ids=list(job_ids))


def act(lab_olt: LabOlt, serial: str, kind: JobKind, params: dict[str, Any] | None = None) -> Job:
    """Request an action as the API does, run it as the worker does, return the finished job."""
    job_id = request(lab_olt, serial, kind, params)
    run_jobs(lab_olt, job_id)
    return job_row(lab_olt.url, job_id)


def onu_row(url: str, serial: str) -> Onu:
    with session_scope(url) as session:
        return session.execute(select(Onu).where(Onu.serial == serial)).scalar_one()


def first_port(sim: SimulatedOlt) -> tuple[int, int, int]:
    return sim.ports[0]  # type: ignore[attr-defined,no-any-return]
