"""End to end over real SSH: discover, authorize, verify, remove on simulated OLTs
of each vendor family, with the database and the simulated OLT in agreement."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from sqlalchemy import select

from core.db import session_scope, set_database_url
from core.models import VendorFamily
from lab.base import Lab, SimulatedOlt
from lab.register import ensure_reference_data, new_sim, register_olt
from oms.models import Job, JobKind, JobStatus, Onu, OnuLifecycle, OnuType
from oms.services import request_onu_action
from tasks.discovery import discover
from tasks.nornir_factory import build_nornir
from tasks.worker import run_olt_jobs

SERIALS = {
    VendorFamily.HUAWEI_SMARTAX: "HWTC11E70E9A",
    VendorFamily.ZTE_C3XX: "ZTEGC0000001",
    VendorFamily.ZTE_C6XX: "ZTEGD0000001",
}


@dataclass
class LabOlt:
    url: str
    sim: SimulatedOlt
    olt_id: int
    plan_id: int
    family: VendorFamily


@pytest.fixture(scope="module")
def lab() -> Iterator[Lab]:
    running = Lab()
    yield running
    running.close()


@pytest.fixture(params=list(SERIALS), ids=lambda f: f.value)
def lab_olt(request: pytest.FixtureRequest, lab: Lab, db_url: str) -> LabOlt:
    family: VendorFamily = request.param
    sim = new_sim(family, f"LAB-{family.value.upper()}")
    port = lab.add(sim)
    set_database_url(db_url)
    with session_scope(db_url) as session:
        plan = ensure_reference_data(session)
        olt = register_olt(session, sim, family, port)
        return LabOlt(db_url, sim, olt.id, plan.id, family)


def discover_now(lab_olt: LabOlt) -> dict:
    nr = build_nornir(lab_olt.url, olt_ids=[lab_olt.olt_id])
    with nr:
        result = nr.run(task=discover, database_url=lab_olt.url)
    host_result = next(iter(result.values()))[0]
    assert not host_result.failed, host_result.result
    return dict(host_result.result)


def request(lab_olt: LabOlt, serial: str, kind: JobKind) -> int:
    with session_scope(lab_olt.url) as session:
        onu = session.execute(select(Onu).where(Onu.serial == serial)).scalar_one()
        if kind is JobKind.AUTHORIZE:
            onu.desired = {**onu.desired, "plan_id": lab_olt.plan_id}
            if onu.onu_type_id is None:  # what an operator picks when autofind cannot tell
                onu.onu_type_id = session.execute(select(OnuType.id).where(OnuType.model == "F660")).scalar_one()
        return request_onu_action(session, onu.id, kind, "test").id


def run_jobs(lab_olt: LabOlt, *job_ids: int) -> None:
    run_olt_jobs(olt_id=lab_olt.olt_id, job_ids=list(job_ids))


def onu_row(url: str, serial: str) -> Onu:
    with session_scope(url) as session:
        return session.execute(select(Onu).where(Onu.serial == serial)).scalar_one()


def job_row(url: str, job_id: int) -> Job:
    with session_scope(url) as session:
        job = session.get_one(Job, job_id)
        _ = job.steps
        return job


def first_port(sim: SimulatedOlt) -> tuple[int, int, int]:
    return sim.ports[0]  # type: ignore[attr-defined,no-any-return]


def test_discover_authorize_verify_remove(lab_olt: LabOlt) -> None:
    serial = SERIALS[lab_olt.family]
    lab_olt.sim.plug_onu(*first_port(lab_olt.sim), serial)  # type: ignore[attr-defined]

    report = discover_now(lab_olt)
    assert report["new"] == [serial]
    discovered = onu_row(lab_olt.url, serial)
    assert discovered.lifecycle_state is OnuLifecycle.DISCOVERED
    if lab_olt.family is not VendorFamily.ZTE_C3XX:  # C3xx's uncfg list carries no equipment id
        assert discovered.onu_type_id is not None, "ONU type guessed from the equipment id"

    job_id = request(lab_olt, serial, JobKind.AUTHORIZE)
    assert onu_row(lab_olt.url, serial).lifecycle_state is OnuLifecycle.AUTHORIZING
    run_jobs(lab_olt, job_id)

    job = job_row(lab_olt.url, job_id)
    assert job.status is JobStatus.SUCCEEDED, (job.error, [(s.name, s.error, s.output) for s in job.steps])
    active = onu_row(lab_olt.url, serial)
    assert active.lifecycle_state is OnuLifecycle.ACTIVE
    on_device = {o["serial"]: o for o in lab_olt.sim.configured_onus()}  # type: ignore[attr-defined]
    assert on_device[serial]["onu_id"] == active.onu_index
    push = next(s for s in job.steps if s.name == "push")
    assert push.commands and serial[-8:] in " ".join(push.commands)
    assert push.output, "the device's verbatim answers are stored"

    remove_id = request(lab_olt, serial, JobKind.REMOVE)
    run_jobs(lab_olt, remove_id)
    assert job_row(lab_olt.url, remove_id).status is JobStatus.SUCCEEDED
    assert onu_row(lab_olt.url, serial).lifecycle_state is OnuLifecycle.REMOVED
    assert serial not in {o["serial"] for o in lab_olt.sim.configured_onus()}  # type: ignore[attr-defined]
    assert discover_now(lab_olt)["found"] == 1, "a removed ONU shows up in autofind again"
