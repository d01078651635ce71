"""The one job runner: every contact with an OLT is a job run here, by the worker,
on a session to that OLT opened under its queue lock `olt:<id>`.

An ONU action goes through oms.actions (plan -> push -> verify -> commit). The ONU
row is locked for the whole job; the job's chosen position is stored before the push,
so that a job whose worker died can be settled: read the OLT, then keep the change
if the OLT shows it, or undo it. Whatever happens, a job ends in a final status and
its ONU outside any transient state.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, joinedload

from core.db import session_scope
from core.system_settings import get_setting
from oms.actions import ActionPlan, RebootWatch, Verdict, carry_out, check_expectations, compensate, plan_action
from oms.device import DeviceSession, FamilyMismatch, OltRun
from oms.errors import OmsError
from oms.jobs import Claim, JobLog, claim
from oms.models import Job, JobKind, JobStatus, Onu, OnuLifecycle, PonPort, StepStatus
from vendor_cli.render import TemplateError
from vendor_cli.session import DeviceUnreachable

#: transient ONU states set when a job is requested, and the state they came from by default
TRANSIENT_STATE = {JobKind.AUTHORIZE: OnuLifecycle.AUTHORIZING, JobKind.REMOVE: OnuLifecycle.REMOVING}
TRANSIENT_FROM = {OnuLifecycle.AUTHORIZING: OnuLifecycle.DISCOVERED, OnuLifecycle.REMOVING: OnuLifecycle.ACTIVE}
ONU_ACTIONS = frozenset({JobKind.AUTHORIZE, JobKind.REMOVE, JobKind.REBOOT, JobKind.SUSPEND, JobKind.RESUME,
                         JobKind.RENAME, JobKind.REPLACE, JobKind.MOVE, JobKind.REPROFILE})


@dataclass(frozen=True)
class JobOutcome:
    status: JobStatus
    changed: bool = False  # the job may have changed the OLT's configuration


Handler = Callable[[str, DeviceSession, Claim, JobLog, OltRun, int], JobOutcome]


def run_job(url: str, device: DeviceSession, job_id: int, run: OltRun, olt_active: bool = True) -> JobOutcome | None:
    """Run one job on an open session; None when it is not ours to run (already final)."""
    claimed = claim(url, job_id)
    if claimed is None:
        return None
    log = JobLog(url, job_id, first_attempt=claimed.attempt == 1)
    if not olt_active and claimed.kind is not JobKind.TEST_CONNECTION:
        return fail_job(url, log, job_id, f"OLT {device.name} is inactive: activate it first")
    try:
        return handler_for(claimed.kind)(url, device, claimed, log, run, job_id)
    except DeviceUnreachable as exc:
        return fail_job(url, log, job_id, f"{device.name}: {exc}")
    except FamilyMismatch as exc:
        return fail_job(url, log, job_id, str(exc))
    except Exception as exc:  # a bug must still close the job record and free its ONU
        log.note("internal error", error=repr(exc), status=StepStatus.FAILED)
        fail_job(url, log, job_id, f"internal error: {exc!r}")
        raise


def handler_for(kind: JobKind) -> Handler:
    if kind in ONU_ACTIONS:
        return onu_action
    from oms.olt_jobs import OLT_HANDLERS  # OLT-wide jobs (discover, test connection, reconcile)

    return OLT_HANDLERS[kind]


def fail_job(url: str, log: JobLog, job_id: int, reason: str) -> JobOutcome:
    """Close a job that did not change the OLT; its ONU goes back to where it was."""
    reason = log.redactor.text(reason)
    with session_scope(url) as session:
        job = session.get_one(Job, job_id)
        onu = session.get(Onu, job.onu_id, with_for_update=True) if job.onu_id else None
        if onu is not None:
            _back(onu, job.params, reason)
        log.finish_in(session, JobStatus.FAILED, reason)
    return JobOutcome(JobStatus.FAILED)


# --- ONU actions ------------------------------------------------------------------------------


def onu_action(url: str, device: DeviceSession, claimed: Claim, log: JobLog, run: OltRun, job_id: int) -> JobOutcome:
    with session_scope(url) as session:
        onu = _locked_onu(session, job_id)
        if onu is None:
            return fail_job(url, log, job_id, "the ONU was deleted before the job ran")
        chosen = claimed.result.get("plan") if claimed.abandoned else None
        if claimed.abandoned and chosen is None:
            return _record(session, log, claimed, onu, Verdict(
                JobStatus.FAILED, "the worker stopped before it contacted the OLT: nothing was sent; retry"))
        try:
            plan = plan_action(session, onu, claimed.kind, claimed.params,
                               on_device=lambda p: run.read(device, log, p), cache=run.reference,
                               templates=run.templates, chosen=chosen)
        except (OmsError, TemplateError) as exc:
            log.note("plan", error=str(exc), status=StepStatus.FAILED)
            return _record(session, log, claimed, onu, Verdict(JobStatus.FAILED, str(exc)))
        log.redact(plan.secrets)
        if claimed.abandoned:
            verdict = _settle(device, log, run, plan)
        else:
            log.record(plan=plan.record())  # a settle after a crash repeats these choices
            verdict = carry_out(device, log, run, plan, _reboot_watch(session) if plan.reboot else None)
        if verdict.changed:
            run.changed_by = job_id
        if not verdict.ok:
            return _record(session, log, claimed, onu, verdict)
        _commit(session, log, onu, plan)
        try:
            session.commit()
        except Exception as exc:  # the OLT has it but the database refused: undo on the OLT (saga)
            session.rollback()
            undone = compensate(device, log, plan, f"database commit failed: {exc}")
            with session_scope(url) as retry:
                return _record(retry, log, claimed, retry.get_one(Onu, onu.id), undone)
        _remember_device(run, plan)
    return JobOutcome(JobStatus.SUCCEEDED, verdict.changed)


def _settle(device: DeviceSession, log: JobLog, run: OltRun, plan: ActionPlan) -> Verdict:
    """A job whose worker died mid-push: keep what the OLT verifiably shows, else undo.
    An authorization is always undone: a half-pushed one reads back like a whole one."""
    log.note("settle", output="the worker running this job stopped; reading the OLT to settle it")
    run.forget(plan.port, plan.onu.pon_port)
    if plan.kind is not JobKind.AUTHORIZE and check_expectations(device, log, plan.expect) is None:
        return Verdict(JobStatus.SUCCEEDED)
    reason = "the worker stopped during the job"
    if not plan.compensation:
        return Verdict(JobStatus.FAILED, f"{reason}; the OLT does not show the change: retry", changed=True)
    return compensate(device, log, plan, reason)


def _commit(session: Session, log: JobLog, onu: Onu, plan: ActionPlan) -> None:
    for onu_id in plan.absorb:  # the new unit's autofind row becomes this ONU (replace)
        session.execute(delete(Onu).where(Onu.id == onu_id))
    session.flush()
    onu.failure_reason = None
    for column, value in plan.changes.items():
        setattr(onu, column, value)
    result: dict[str, Any] = {"onu_id": plan.onu_index, "commands": plan.commands}
    if plan.notes:
        result["notes"] = plan.notes
    log.finish_in(session, JobStatus.SUCCEEDED, **result)


def _record(session: Session, log: JobLog, claimed: Claim, onu: Onu, verdict: Verdict) -> JobOutcome:
    """A failed action: the ONU back in its previous state with the reason, or `failed` when
    device and database may differ; the job closed in the same transaction."""
    reason = log.redactor.text(verdict.reason or verdict.status.value)
    if verdict.status is JobStatus.NEEDS_RECONCILE:
        onu.lifecycle_state, onu.failure_reason = OnuLifecycle.FAILED, reason
    else:
        _back(onu, claimed.params, reason)
    log.finish_in(session, verdict.status, reason)
    session.commit()
    return JobOutcome(verdict.status, verdict.changed)


def _back(onu: Onu, params: dict[str, Any], reason: str) -> None:
    previous = params.get("previous_state")
    if onu.lifecycle_state in TRANSIENT_FROM:
        onu.lifecycle_state = OnuLifecycle(previous) if previous else TRANSIENT_FROM[onu.lifecycle_state]
    onu.failure_reason = reason


def _remember_device(run: OltRun, plan: ActionPlan) -> None:
    """Keep the run's view of the OLT's ids current after a verified change."""
    for expect in plan.expect:
        used = run.used.get(expect.port.id)
        if used is not None:
            if expect.serial is None:
                used.pop(expect.onu_index, None)
            else:
                used[expect.onu_index] = expect.serial


def _locked_onu(session: Session, job_id: int) -> Onu | None:
    """Lock the job's ONU row, loading what building its context needs in the same query."""
    onu_id = select(Job.onu_id).where(Job.id == job_id).scalar_subquery()
    return session.execute(
        select(Onu)
        .where(Onu.id == onu_id)
        .options(joinedload(Onu.pon_port).joinedload(PonPort.olt), joinedload(Onu.onu_type))
        .with_for_update(of=Onu)
    ).unique().scalar_one_or_none()


def _reboot_watch(session: Session) -> RebootWatch:
    return RebootWatch(float(get_setting(session, "provisioning.reboot_down_timeout_s", 30)),
                       float(get_setting(session, "provisioning.reboot_up_timeout_s", 180)))
