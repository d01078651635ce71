"""Every way an action can fail ends in a defined state with its reason, and a
reconcile then finds the OLT and the database in agreement: no ONU left transient,
nothing half-configured on the OLT, no secret stored in clear text."""

from __future__ import annotations

import re
import socket
from typing import Any

import pytest
from sqlalchemy import select

from acs.models import AcsSettings
from core.db import session_scope
from core.models import VendorFamily
from crm.models import Customer, Subscription
from lab.base import Lab
from lab.register import ensure_reference_data, new_sim, register_olt
from oms.actions import plan_action
from oms.dry_run import dry_run
from oms.errors import Conflict
from oms.models import Job, JobKind, JobStatus, Olt, Onu, OnuLifecycle, PonPort
from oms.redaction import MARKER
from oms.services import request_bulk, request_onu_action
from tests.lab_fixtures import (
    LabOlt,
    act,
    assert_in_agreement,
    discover_now,
    first_port,
    job_row,
    onu_row,
    reconcile_report,
    request,
    run_jobs,
    run_olt_job,
)
from vendor_cli.registry import get_driver

SERIAL = {
    VendorFamily.HUAWEI_SMARTAX: "HWTC11E70E9A",
    VendorFamily.ZTE_C3XX: "ZTEGC0000001",
    VendorFamily.ZTE_C6XX: "ZTEGD0000001",
}
OTHER = {
    VendorFamily.HUAWEI_SMARTAX: "HWTCDE135E2D",
    VendorFamily.ZTE_C3XX: "ZTEGC0000002",
    VendorFamily.ZTE_C6XX: "ZTEGD0000002",
}
#: how each family refuses a command (verbatim forms the drivers recognise)
REFUSAL = {
    VendorFamily.HUAWEI_SMARTAX: "  Failure: The configuration is not supported",
    VendorFamily.ZTE_C3XX: "%Error 20200: Invalid input detected at '^' marker.",
    VendorFamily.ZTE_C6XX: "%Error 140303: Invalid input detected at '^' marker.",
}


def plugged(lab_olt: LabOlt, *serials: str) -> None:
    for serial in serials:
        lab_olt.sim.plug_onu(*first_port(lab_olt.sim), serial)  # type: ignore[attr-defined]
    discover_now(lab_olt)


def on_olt(lab_olt: LabOlt) -> set[str]:
    return {o["serial"] for o in lab_olt.sim.configured_onus()}  # type: ignore[attr-defined]


def steps(job: Job) -> list[tuple[str, str | None]]:
    return [(s.name, s.error) for s in job.steps]


# --- compensation ----------------------------------------------------------------------------


def test_every_rejected_authorize_command_is_compensated(lab_olt: LabOlt) -> None:
    """Whichever configuration command the OLT refuses, the push stops, the undo runs and is
    checked, and the ONU is back in autofind, retryable, with the device's answer as reason."""
    serial = SERIAL[lab_olt.family]
    plugged(lab_olt, serial)
    driver = get_driver(lab_olt.family)
    with session_scope(lab_olt.url) as session:  # TR-069 management adds commands to the template
        acs = session.get_one(AcsSettings, 1)
        acs.cwmp_url, acs.cwmp_username, acs.cwmp_password = "http://acs.example.net:7547", "cpe", "cpe-secret"
    with session_scope(lab_olt.url) as session:
        onu = session.execute(select(Onu).where(Onu.serial == serial)).scalar_one()
        onu.desired = {"plan_id": lab_olt.plan_id}
        plan = plan_action(session, onu, JobKind.AUTHORIZE, onu_type_override(session, onu))
    targets = [c for c in plan.commands
               if driver.mode_change(c) is None and plan.commands.count(c) == 1 and c not in plan.compensation]
    assert len(targets) >= 3, plan.commands  # e.g. ont add, tr069-server-config, service-port
    for command in targets:
        lab_olt.sim.faults.fail_commands = {f"^{re.escape(command)}$": REFUSAL[lab_olt.family]}
        job = act(lab_olt, serial, JobKind.AUTHORIZE)
        lab_olt.sim.faults.fail_commands = {}
        assert job.status is JobStatus.COMPENSATED, (command, job.error, steps(job))
        assert "undone" in (job.error or "") and command.split()[0] in (job.error or "")
        row = onu_row(lab_olt.url, serial)
        assert row.lifecycle_state is OnuLifecycle.DISCOVERED, "back in autofind, not stuck or failed"
        assert row.failure_reason == job.error
        assert serial not in on_olt(lab_olt), f"{command!r}: the OLT keeps part of the ONU"
    assert_in_agreement(lab_olt.url, lab_olt.olt_id)
    assert act(lab_olt, serial, JobKind.AUTHORIZE).status is JobStatus.SUCCEEDED, "and it is retryable"


def onu_type_override(session: Any, onu: Onu) -> dict[str, Any]:
    from oms.models import OnuType

    if onu.onu_type_id is None:
        onu.onu_type_id = session.execute(select(OnuType.id).where(OnuType.model == "F660")).scalar_one()
        session.flush()
        session.refresh(onu)
    return {}


def test_failed_remove_keeps_the_onu_active_and_retryable(lab_olt: LabOlt) -> None:
    serial = SERIAL[lab_olt.family]
    plugged(lab_olt, serial)
    assert act(lab_olt, serial, JobKind.AUTHORIZE).status is JobStatus.SUCCEEDED
    deletes = r"^ont delete " if lab_olt.family is VendorFamily.HUAWEI_SMARTAX else r"^no onu \d+$"
    lab_olt.sim.faults.fail_commands = {deletes: REFUSAL[lab_olt.family]}

    job = act(lab_olt, serial, JobKind.REMOVE)
    lab_olt.sim.faults.fail_commands = {}
    assert job.status is JobStatus.FAILED, steps(job)
    row = onu_row(lab_olt.url, serial)
    assert row.lifecycle_state is OnuLifecycle.ACTIVE, "not left `removing`"
    assert row.failure_reason and "still holds" in row.failure_reason
    assert serial in on_olt(lab_olt)
    assert_in_agreement(lab_olt.url, lab_olt.olt_id)

    assert act(lab_olt, serial, JobKind.REMOVE).status is JobStatus.SUCCEEDED, "a second remove finishes it"
    assert serial not in on_olt(lab_olt)


def test_session_lost_mid_push_ends_defined(lab_olt: LabOlt) -> None:
    serial = SERIAL[lab_olt.family]
    plugged(lab_olt, serial)
    lab_olt.sim.faults.drop_after_commands = 6  # session preparation, the port read, then a few pushed lines
    job = act(lab_olt, serial, JobKind.AUTHORIZE)
    lab_olt.sim.faults.drop_after_commands = None
    assert job.status in (JobStatus.COMPENSATED, JobStatus.NEEDS_RECONCILE, JobStatus.FAILED), steps(job)
    assert onu_row(lab_olt.url, serial).lifecycle_state in (OnuLifecycle.DISCOVERED, OnuLifecycle.FAILED)
    if job.status is JobStatus.NEEDS_RECONCILE:
        reconcile_report(lab_olt.url, lab_olt.olt_id, repair=True)
    assert_in_agreement(lab_olt.url, lab_olt.olt_id)


# --- preconditions, checked before the device is touched --------------------------------------


def test_replace_onto_a_serial_in_use_is_refused_before_the_push(lab_olt: LabOlt) -> None:
    first, second = SERIAL[lab_olt.family], OTHER[lab_olt.family]
    plugged(lab_olt, first, second)
    for serial in (first, second):
        assert act(lab_olt, serial, JobKind.AUTHORIZE).status is JobStatus.SUCCEEDED
    sent = len(lab_olt.sim.command_log)

    job = act(lab_olt, first, JobKind.REPLACE, {"new": {"serial": second}})
    assert job.status is JobStatus.FAILED and f"serial {second} belongs to ONU" in (job.error or "")
    assert not any(name == "push" for name, _ in steps(job))
    changes = ("ont modify", "registration-method", "no onu")
    assert not any(c.startswith(changes) for c in lab_olt.sim.command_log[sent:])
    row = onu_row(lab_olt.url, first)
    assert (row.serial, row.lifecycle_state) == (first, OnuLifecycle.ACTIVE) and row.failure_reason
    assert_in_agreement(lab_olt.url, lab_olt.olt_id)


def test_a_profile_missing_on_the_olt_fails_before_the_push(lab_olt: LabOlt) -> None:
    serial = SERIAL[lab_olt.family]
    plugged(lab_olt, serial)
    from oms.models import OltProfile

    with session_scope(lab_olt.url) as session:
        for profile in session.execute(select(OltProfile).where(OltProfile.olt_id == lab_olt.olt_id)).scalars():
            session.delete(profile)
    job = act(lab_olt, serial, JobKind.AUTHORIZE)
    assert job.status is JobStatus.FAILED and "does not exist on OLT" in (job.error or "")
    assert not any(name == "push" for name, _ in steps(job))
    assert onu_row(lab_olt.url, serial).lifecycle_state is OnuLifecycle.DISCOVERED


def test_the_olt_refuses_a_profile_it_does_not_have(lab_olt: LabOlt) -> None:
    """The lab OLT refuses unknown profiles as real ones do: the database's profile list
    may be stale, and the job must then end compensated, not half-done."""
    serial = SERIAL[lab_olt.family]
    plugged(lab_olt, serial)
    sim: Any = lab_olt.sim
    if lab_olt.family is VendorFamily.HUAWEI_SMARTAX:
        sim.line_profiles.clear()
    else:
        sim.tcont_profiles.clear()
    job = act(lab_olt, serial, JobKind.AUTHORIZE)
    assert job.status is JobStatus.COMPENSATED, steps(job)
    assert serial not in on_olt(lab_olt)
    assert_in_agreement(lab_olt.url, lab_olt.olt_id)


# --- secrets -------------------------------------------------------------------------------------


def test_pppoe_and_acs_passwords_never_stored_in_clear(lab_olt: LabOlt) -> None:
    serial = SERIAL[lab_olt.family]
    plugged(lab_olt, serial)
    pppoe_secret, acs_secret = "pp-Secr3t-9", "acs-Secr3t-7"
    with session_scope(lab_olt.url) as session:
        customer = Customer(code="C1", name="Jane Doe")
        session.add(customer)
        session.flush()
        subscription = Subscription(customer_id=customer.id, plan_id=lab_olt.plan_id, pppoe_username="jane",
                                    pppoe_password=pppoe_secret)
        session.add(subscription)
        session.flush()
        onu = session.execute(select(Onu).where(Onu.serial == serial)).scalar_one()
        onu.subscription_id = subscription.id
        onu_type_override(session, onu)
        acs = session.get_one(AcsSettings, 1)
        acs.cwmp_url, acs.cwmp_username, acs.cwmp_password = "http://acs.example.net:7547", "cpe", acs_secret
    with session_scope(lab_olt.url) as session:
        plan = dry_run(session, onu_row(lab_olt.url, serial).id, JobKind.AUTHORIZE)
    assert pppoe_secret not in str(plan) and MARKER in " ".join(plan["commands"])

    job = act(lab_olt, serial, JobKind.AUTHORIZE)
    assert job.status is JobStatus.SUCCEEDED, steps(job)
    pushed = " ".join(lab_olt.sim.command_log)
    assert pppoe_secret in pushed, "the device gets the real value"
    stored = " ".join([str(job.result), job.error or ""] + [
        " ".join(s.commands) + s.output + (s.error or "") for s in job.steps])
    assert pppoe_secret not in stored and acs_secret not in stored
    push = next(s for s in job.steps if s.name == "push")
    assert MARKER in " ".join(push.commands) and MARKER in push.output, "the device's echo is redacted too"


# --- device identity, reachability ------------------------------------------------------------


@pytest.fixture
def huawei_behind_a_c6xx_row(lab: Lab, db_url: str) -> tuple[str, int]:
    sim = new_sim(VendorFamily.HUAWEI_SMARTAX, "MISLABELLED")
    port = lab.add(sim)
    with session_scope(db_url) as session:
        ensure_reference_data(session)
        olt = register_olt(session, sim, VendorFamily.ZTE_C6XX, port)
        return db_url, olt.id


def test_a_device_of_another_family_is_refused(huawei_behind_a_c6xx_row: tuple[str, int]) -> None:
    url, olt_id = huawei_behind_a_c6xx_row
    test = run_olt_job(url, olt_id, JobKind.TEST_CONNECTION)
    assert test.status is JobStatus.FAILED and "does not look like" in (test.error or ""), test.error
    assert "zte_c6xx" in (test.error or "")
    discovery = run_olt_job(url, olt_id, JobKind.DISCOVER)
    assert discovery.status is JobStatus.FAILED and "does not look like" in (discovery.error or "")
    assert not any(s.name == "autofind" for s in discovery.steps), "nothing read before the identity check"


def test_reconcile_fails_on_an_unreachable_or_never_discovered_olt(lab_olt: LabOlt) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed = sock.getsockname()[1]
    with session_scope(lab_olt.url) as session:
        session.get_one(Olt, lab_olt.olt_id).cli_port = closed
    job = run_olt_job(lab_olt.url, lab_olt.olt_id, JobKind.RECONCILE)
    assert job.status is JobStatus.FAILED and str(closed) in (job.error or "")

    with session_scope(lab_olt.url) as session:
        olt = session.get_one(Olt, lab_olt.olt_id)
        olt.cli_port = lab_olt.cli_port
        for port in session.execute(select(PonPort).where(PonPort.olt_id == olt.id)).scalars():
            session.delete(port)
    job = run_olt_job(lab_olt.url, lab_olt.olt_id, JobKind.RECONCILE)
    assert job.status is JobStatus.FAILED and "run a discovery first" in (job.error or "")


def test_reconcile_without_repair_writes_nothing(lab_olt: LabOlt) -> None:
    serial = SERIAL[lab_olt.family]
    plugged(lab_olt, serial)
    assert act(lab_olt, serial, JobKind.AUTHORIZE).status is JobStatus.SUCCEEDED
    with session_scope(lab_olt.url) as session:  # a job whose worker died, left running
        onu = session.execute(select(Onu).where(Onu.serial == serial)).scalar_one()
        session.add(Job(kind=JobKind.SUSPEND, status=JobStatus.RUNNING, olt_id=lab_olt.olt_id, onu_id=onu.id,
                        params={"previous_state": "active"}, requested_by="test"))
    lab_olt.sim.unplug_onu(serial)  # type: ignore[attr-defined]
    other = OTHER[lab_olt.family]
    plugged(lab_olt, other)
    assert act(lab_olt, other, JobKind.AUTHORIZE).status is JobStatus.SUCCEEDED
    with session_scope(lab_olt.url) as session:
        session.execute(select(Onu).where(Onu.serial == other)).scalar_one().lifecycle_state = OnuLifecycle.FAILED
        before = {(o.serial, o.lifecycle_state, o.onu_index) for o in session.execute(select(Onu)).scalars()}
        running = session.execute(select(Job.id).where(Job.status == JobStatus.RUNNING)).scalars().all()

    report = reconcile_report(lab_olt.url, lab_olt.olt_id, repair=False)
    assert report["only_on_olt"] and report["in_flight"]
    with session_scope(lab_olt.url) as session:
        after = {(o.serial, o.lifecycle_state, o.onu_index) for o in session.execute(select(Onu)).scalars()}
        still_running = session.execute(select(Job.id).where(Job.status == JobStatus.RUNNING)).scalars().all()
    assert after == before and still_running == running, "a report changes nothing"


# --- bulk runs -----------------------------------------------------------------------------------


def test_bulk_run_refuses_what_its_dry_run_says_will_fail(lab_olt: LabOlt) -> None:
    ready, planless = SERIAL[lab_olt.family], OTHER[lab_olt.family]
    plugged(lab_olt, ready, planless)
    with session_scope(lab_olt.url) as session:
        from oms.models import OnuType

        f660 = session.execute(select(OnuType.id).where(OnuType.model == "F660")).scalar_one()
        for onu in session.execute(select(Onu)).scalars():
            onu.onu_type_id = f660
            onu.desired = {"plan_id": lab_olt.plan_id} if onu.serial == ready else {}
        ids = [o.id for o in session.execute(select(Onu).order_by(Onu.id)).scalars()]

    run_id, refused = request_bulk(lab_olt.url, ids, JobKind.AUTHORIZE, "test")
    assert len(refused) == 1 and planless in refused[0] and "no service plan" in refused[0]
    assert onu_row(lab_olt.url, planless).lifecycle_state is OnuLifecycle.DISCOVERED, "still waiting, not failed"
    with session_scope(lab_olt.url) as session:
        queued = session.execute(select(Job.id).where(Job.bulk_run_id == run_id)).scalars().all()
    run_jobs(lab_olt, *queued)
    from oms.models import BulkRun

    with session_scope(lab_olt.url) as session:
        run = session.get_one(BulkRun, run_id)
        assert run.finished_at is not None and run.status is JobStatus.SUCCEEDED, "a finished run says so"


def test_a_bulk_run_with_nothing_to_do_is_closed_at_once(lab_olt: LabOlt) -> None:
    serial = SERIAL[lab_olt.family]
    plugged(lab_olt, serial)
    onu_id = onu_row(lab_olt.url, serial).id
    run_id, refused = request_bulk(lab_olt.url, [onu_id], JobKind.REMOVE, "test")
    assert refused
    from oms.models import BulkRun

    with session_scope(lab_olt.url) as session:
        assert session.get_one(BulkRun, run_id).finished_at is not None


def test_move_dry_run_shows_the_id_the_job_will_use(lab_olt: LabOlt) -> None:
    serial = SERIAL[lab_olt.family]
    plugged(lab_olt, serial)
    assert act(lab_olt, serial, JobKind.AUTHORIZE).status is JobStatus.SUCCEEDED
    frame, slot, port = lab_olt.sim.ports[1]  # type: ignore[attr-defined]
    params = {"new": {"frame": frame, "slot": slot, "port": port}}
    with session_scope(lab_olt.url) as session:
        plan = dry_run(session, onu_row(lab_olt.url, serial).id, JobKind.MOVE, params)
    rendered = "\n".join(plan["commands"])
    assert "None" not in rendered
    job_id = request(lab_olt, serial, JobKind.MOVE, params)
    run_jobs(lab_olt, job_id)
    job = job_row(lab_olt.url, job_id)
    assert job.status is JobStatus.SUCCEEDED and job.result["commands"] == plan["commands"]


def test_two_operators_and_a_conflicting_request(lab_olt: LabOlt) -> None:
    serial = SERIAL[lab_olt.family]
    plugged(lab_olt, serial)
    request(lab_olt, serial, JobKind.AUTHORIZE)
    with session_scope(lab_olt.url) as session, pytest.raises(Conflict, match="already has job"):
        request_onu_action(session, onu_row(lab_olt.url, serial).id, JobKind.AUTHORIZE, "second operator")
