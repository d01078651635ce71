"""End to end over real SSH: discover, authorize, verify, remove on simulated OLTs
of each vendor family, with the database and the simulated OLT in agreement."""

from __future__ import annotations

import json

from sqlalchemy import select

from core.db import session_scope
from core.models import VendorFamily
from oms.models import Job, JobKind, JobStatus, Onu, OnuLifecycle, OnuType, PonPort
from ponstack.worker import run_until_empty
from tests.fixtures import run_ponstack
from tests.lab_fixtures import LabOlt, discover_now, first_port, onu_row, request, run_jobs

SERIALS = {
    VendorFamily.HUAWEI_SMARTAX: "HWTC11E70E9A",
    VendorFamily.ZTE_C3XX: "ZTEGC0000001",
    VendorFamily.ZTE_C6XX: "ZTEGD0000001",
}


def job_row(url: str, job_id: int) -> Job:
    with session_scope(url) as session:
        job = session.get_one(Job, job_id)
        _ = job.steps
        return job


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


def test_cli_dry_run_prints_commands_without_contacting_the_olt(lab_olt: LabOlt) -> None:
    serial = SERIALS[lab_olt.family]
    lab_olt.sim.plug_onu(*first_port(lab_olt.sim), serial)  # type: ignore[attr-defined]
    discover_now(lab_olt)
    with session_scope(lab_olt.url) as session:
        onu = session.execute(select(Onu).where(Onu.serial == serial)).scalar_one()
        onu.desired = {"plan_id": lab_olt.plan_id}
        if onu.onu_type_id is None:
            onu.onu_type_id = session.execute(select(OnuType.id).where(OnuType.model == "F660")).scalar_one()
    commands_before = len(lab_olt.sim.command_log)
    result = run_ponstack("onu", "authorize", serial, "--dry-run", env={"DATABASE_URL": lab_olt.url})
    assert result.returncode == 0, result.stderr
    plan = json.loads(result.stdout)
    assert any(serial[-8:] in line for line in plan["commands"])
    assert plan["compensation"], "the undo is planned too"
    assert len(lab_olt.sim.command_log) == commands_before, "a dry run sends nothing to the OLT"
    assert onu_row(lab_olt.url, serial).lifecycle_state is OnuLifecycle.DISCOVERED


def test_preprovisioned_onu_is_authorized_when_discovery_finds_it(lab_olt: LabOlt) -> None:
    serial = SERIALS[lab_olt.family]
    with session_scope(lab_olt.url) as session:
        ports = select(PonPort).where(PonPort.olt_id == lab_olt.olt_id).order_by(PonPort.id)
        port = session.execute(ports).scalars().first()
        onu_type = session.execute(select(OnuType.id).where(OnuType.model == "F660")).scalar_one()
        session.add(Onu(serial=serial, lifecycle_state=OnuLifecycle.PREPROVISIONED, onu_type_id=onu_type,
                        olt_id=lab_olt.olt_id, pon_port_id=port.id, desired={"plan_id": lab_olt.plan_id}))
    lab_olt.sim.plug_onu(*first_port(lab_olt.sim), serial)  # type: ignore[attr-defined]

    report = discover_now(lab_olt)
    assert report["ready_to_authorize"] and report["authorization_jobs"], report
    run_until_empty(lab_olt.url, concurrency=1)

    assert onu_row(lab_olt.url, serial).lifecycle_state is OnuLifecycle.ACTIVE
    assert serial in {o["serial"] for o in lab_olt.sim.configured_onus()}  # type: ignore[attr-defined]
