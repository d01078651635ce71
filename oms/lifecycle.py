"""ONU lifecycle actions on one OLT session, atomic across device and database.

Authorization: lock the ONU row, pick the ONU id from the OLT's real list,
render, push, read back; only then commit `active`. When anything fails after
the OLT accepted commands, the compensating template is pushed and checked,
so neither side keeps a half-provisioned ONU: the ONU ends `failed` with the
reason (retryable), or the job ends `needs_reconcile` when even the
compensation could not be confirmed.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from core.db import session_scope
from oms.errors import OmsError
from oms.jobs import JobLog, finish, finish_statement, mark_running, now
from oms.models import (
    AdminState,
    CliAction,
    CliTemplate,
    Job,
    JobKind,
    JobStatus,
    Onu,
    OnuLifecycle,
    PonPort,
    StepStatus,
)
from oms.onu_ids import free_onu_id
from oms.provisioning_context import build_context
from vendor_cli.base import CliCommandError, CommandAnswer, OnuState, VendorDriver
from vendor_cli.render import TemplateError, cli_safe, render_cli


class DeviceUnreachable(RuntimeError):
    """The CLI session could not be opened or broke (timeout, refused login, dropped)."""


class DeviceSession(Protocol):
    """An open CLI session to one OLT (see tasks.device for the Nornir/scrapli one)."""

    name: str
    driver: VendorDriver
    host: Any  # the Nornir Host, passed to the renderer

    def send(self, commands: list[str]) -> list[CommandAnswer]: ...

    def reconnect(self) -> None: ...


class ActionFailed(RuntimeError):
    pass


@dataclass
class PortView:
    """What one run over an OLT remembers: ONU ids in use on each port (read from
    the OLT once per run and kept current) and the CLI template bodies it uses."""

    used: dict[int, dict[int, str | None]] = field(default_factory=dict)
    templates: dict[tuple[str, str], str] = field(default_factory=dict)
    reference: dict[Any, Any] = field(default_factory=dict)  # profiles, mappings, settings (see build_context)

    def read(self, device: DeviceSession, log: JobLog, port: PonPort) -> dict[int, str | None]:
        if port.id not in self.used:
            states = read_port(device, log, port)
            self.used[port.id] = {s.onu_id: s.serial for s in states}
        return self.used[port.id]


def read_port(device: DeviceSession, log: JobLog, port: PonPort) -> list[OnuState]:
    commands = device.driver.cmd_onu_list(port.frame, port.slot, port.port)
    with log.step("read port", commands) as step:
        output = joined(device.send(commands))
        step.output = output
    return device.driver.parse_onu_list(output, port.frame, port.slot, port.port)


def read_onu(device: DeviceSession, log: JobLog, port: PonPort, onu_id: int) -> OnuState | None:
    """The OLT's view of one ONU id, from its detail (one short answer, whatever the
    number of ONUs on the port); None when the id is free."""
    commands = device.driver.cmd_onu_detail(port.frame, port.slot, port.port, onu_id)
    with log.step("read onu", commands) as step:
        try:
            step.output = joined(device.send(commands))
        except CliCommandError as exc:  # "no such ONU" is an answer, not a failure of the read
            step.output = transcript(exc.answers)
            return None
    try:
        return device.driver.parse_onu_detail(step.output)
    except ValueError:  # nothing ONU-like in the answer: the id is free
        return None


def serial_at(device: DeviceSession, log: JobLog, port: PonPort, onu_id: int, serial: str) -> bool:
    """Read back whether the OLT has `serial` at `onu_id`."""
    state = read_onu(device, log, port, onu_id)
    return state is not None and state.serial == serial


def joined(answers: list[CommandAnswer]) -> str:
    return "\n".join(a.output for a in answers)


def transcript(answers: list[CommandAnswer]) -> str:
    return "\n".join(f"> {a.command}\n{a.output}" for a in answers)


def render_action(
    session: Session, device: DeviceSession, action: str, context: dict[str, Any], run: PortView | None = None
) -> list[str]:
    family = context["olt"]["family"]
    body = run.templates.get((family, action)) if run is not None else None
    if body is None:
        body = session.execute(
            select(CliTemplate.body).where(CliTemplate.vendor_family == family, CliTemplate.action == action)
        ).scalar_one_or_none()
        if body is None:
            raise ActionFailed(f"no CLI template for {family} / {action} in System Settings")
        if run is not None:  # one read per run: an edit made during a bulk run applies to the next run
            run.templates[(family, action)] = body
    return render_cli(device.host, body, context)


def run_job(url: str, device: DeviceSession, job_id: int, ports: PortView) -> JobStatus | None:
    """Run one queued job on an open session; returns its final status (None: not ours to run)."""
    claimed = mark_running(url, job_id)
    if claimed is None:
        return None
    kind, attempt = claimed
    log = JobLog(url, job_id, first_attempt=attempt == 1)
    handler = HANDLERS[kind]
    try:
        return handler(url, device, job_id, log, ports)
    except DeviceUnreachable as exc:
        finish(url, job_id, JobStatus.FAILED, error=f"{device.name}: {exc}")
        return JobStatus.FAILED
    except Exception as exc:  # a bug must still close the job record
        log.note("internal error", error=repr(exc))
        finish(url, job_id, JobStatus.FAILED, error=f"internal error: {exc!r}")
        raise


# --- authorization ----------------------------------------------------------------------------


def authorize(url: str, device: DeviceSession, job_id: int, log: JobLog, ports: PortView) -> JobStatus:
    with session_scope(url) as session:
        onu = _locked_onu(session, job_id)
        port = onu.pon_port
        assert port is not None, "authorization is only queued for ONUs with a port"
        try:
            used = ports.read(device, log, port)
            onu_id = _already_present(used, onu.serial)
            if onu_id is None:
                onu_id = free_onu_id(session, device.driver, port, onu, on_device=used)
            context = build_context(session, onu, CliAction.AUTHORIZE, port=port, onu_id=onu_id, cache=ports.reference)
            commands = render_action(session, device, CliAction.AUTHORIZE, context, ports)
            undo = render_action(session, device, CliAction.REMOVE, context, ports)
        except (OmsError, ActionFailed, TemplateError) as exc:
            return _fail_before_device(url, job_id, log, onu, str(exc))
        except DeviceUnreachable as exc:
            return _fail_before_device(url, job_id, log, onu, f"{device.name}: {exc}")
        if used.get(onu_id) == onu.serial:
            log.note("already on the OLT", output=f"{onu.serial} found at ONU id {onu_id}; adopting it")
        else:
            outcome = _push_and_verify(url, device, log, port, onu_id, onu.serial, commands, undo, ports)
            if outcome is not None:
                return _record_failure(url, job_id, onu, outcome)
        used[onu_id] = onu.serial
        onu.onu_index, onu.lifecycle_state, onu.admin_state = onu_id, OnuLifecycle.ACTIVE, AdminState.ENABLED
        onu.authorized_at, onu.failure_reason = now(), None
        session.execute(finish_statement(job_id, JobStatus.SUCCEEDED, onu_id=onu_id, commands=commands))
        try:
            session.commit()
        except Exception as exc:  # the OLT has it but the database refused: undo on the OLT (saga)
            session.rollback()
            reason = f"database commit failed: {exc}" + _compensate(device, log, port, onu_id, onu.serial, undo)
            ports.used.pop(port.id, None)
            with session_scope(url) as retry:
                failed = retry.get_one(Onu, onu.id)
                return _record_failure(url, job_id, failed, reason)
    return JobStatus.SUCCEEDED


def _locked_onu(session: Session, job_id: int) -> Onu:
    """Lock the job's ONU row, loading what building its context needs in the same query."""
    onu_id = select(Job.onu_id).where(Job.id == job_id).scalar_subquery()
    return session.execute(
        select(Onu)
        .where(Onu.id == onu_id)
        .options(joinedload(Onu.pon_port).joinedload(PonPort.olt), joinedload(Onu.onu_type),
                 joinedload(Onu.subscription))
        .with_for_update(of=Onu)
    ).unique().scalar_one()


def _already_present(used: dict[int, str | None], serial: str) -> int | None:
    return next((onu_id for onu_id, s in used.items() if s == serial), None)


def _push_and_verify(
    url: str, device: DeviceSession, log: JobLog, port: PonPort, onu_id: int, serial: str,
    commands: list[str], undo: list[str], ports: PortView,
) -> str | None:
    """Push and read back; on failure compensate. Returns None on success, else the reason."""
    try:
        with log.step("push", commands) as step:
            try:
                answers = device.send(commands)
            except CliCommandError as exc:
                step.output = transcript(exc.answers)
                raise
            step.output = transcript(answers)
        if not serial_at(device, log, port, onu_id, serial):
            raise ActionFailed(f"read-back: {serial} is not at ONU id {onu_id} on {port.fsp}")
        return None
    except (CliCommandError, ActionFailed) as exc:
        reason = str(exc)
    except DeviceUnreachable as exc:
        reason = f"{device.name}: session lost: {exc}"
        _reconnect(device, log)
    ports.used.pop(port.id, None)  # the device's list is re-read after a failure
    return reason + _compensate(device, log, port, onu_id, serial, undo)


def _reconnect(device: DeviceSession, log: JobLog) -> None:
    try:
        with log.step("reconnect"):
            device.reconnect()
    except DeviceUnreachable:
        pass


def _compensate(device: DeviceSession, log: JobLog, port: PonPort, onu_id: int, serial: str, undo: list[str]) -> str:
    """Undo what may have been applied; returns a suffix for the failure reason."""
    outputs: list[CommandAnswer] = []
    try:
        outputs = send_tolerant(device, undo)
        log.note("compensate", output=transcript(outputs))
        if serial_at(device, log, port, onu_id, serial):
            return "; compensation did not remove it: device and database differ (reconcile needed)"
        return "; changes on the OLT were undone"
    except DeviceUnreachable as exc:
        log.note("compensate", output=transcript(outputs), error=str(exc))
        return f"; compensation impossible ({exc}): device may hold a partial ONU (reconcile needed)"


def send_tolerant(device: DeviceSession, commands: list[str]) -> list[CommandAnswer]:
    """Send every command even when some fail (an undo that finds nothing to undo must not
    stop the rest): after a failure, return to privileged mode and go on with the
    remaining commands, re-entering the modes the failed command was in."""
    answers: list[CommandAnswer] = []
    remaining = list(commands)
    while remaining:
        try:
            answers.extend(device.send(remaining))
            return answers
        except CliCommandError as exc:
            answers.extend(exc.answers)
            failed_at = len(exc.answers) - 1
            modes = [c for c in remaining[:failed_at] if device.driver.is_navigation(c)]
            with contextlib.suppress(CliCommandError):
                device.send([device.driver.leave_config_command])
            remaining = modes + remaining[failed_at + 1 :]
    return answers


def _fail_before_device(url: str, job_id: int, log: JobLog, onu: Onu, reason: str) -> JobStatus:
    log.note("plan", error=reason, status=StepStatus.FAILED)
    onu.lifecycle_state, onu.failure_reason = OnuLifecycle.FAILED, reason
    _finish_later(url, job_id, JobStatus.FAILED, reason)
    return JobStatus.FAILED


def _record_failure(url: str, job_id: int, onu: Onu, reason: str) -> JobStatus:
    status = JobStatus.NEEDS_RECONCILE if "reconcile needed" in reason else JobStatus.COMPENSATED
    onu.lifecycle_state, onu.failure_reason = OnuLifecycle.FAILED, reason
    _finish_later(url, job_id, status, reason)
    return status


def _finish_later(url: str, job_id: int, status: JobStatus, reason: str) -> None:
    # Written in its own transaction: the ONU row's transaction is still open.
    finish(url, job_id, status, error=reason)


# --- other actions ----------------------------------------------------------------------------


def _simple_action(action: CliAction, apply: Callable[[Onu, dict[str, Any]], None]):  # type: ignore[no-untyped-def]
    """An action whose template is pushed as-is; `apply` updates the ONU once the OLT accepted it."""

    def handler(url: str, device: DeviceSession, job_id: int, log: JobLog, ports: PortView) -> JobStatus:
        with session_scope(url) as session:
            onu = _locked_onu(session, job_id)
            params = session.get_one(Job, job_id).params
            try:
                context = build_context(session, onu, action)
                context["new"] = params.get("new")
                context.update({k: cli_safe(params[k]) for k in ("name", "description") if k in params})
                commands = render_action(session, device, action, context, ports)
            except (OmsError, TemplateError) as exc:
                finish(url, job_id, JobStatus.FAILED, error=str(exc))
                return JobStatus.FAILED
            try:
                with log.step("push", commands) as step:
                    try:
                        step.output = transcript(device.send(commands))
                    except CliCommandError as exc:
                        step.output = transcript(exc.answers)
                        raise
            except CliCommandError as exc:
                finish(url, job_id, JobStatus.FAILED, error=str(exc))
                return JobStatus.FAILED
            apply(onu, params)
            if onu.pon_port is not None:
                ports.used.pop(onu.pon_port.id, None)
        finish(url, job_id, JobStatus.SUCCEEDED, commands=commands)
        return JobStatus.SUCCEEDED

    return handler


def _removed(onu: Onu, params: dict[str, Any]) -> None:
    onu.lifecycle_state, onu.onu_index, onu.authorized_at = OnuLifecycle.REMOVED, None, None


def _suspended(onu: Onu, params: dict[str, Any]) -> None:
    onu.lifecycle_state, onu.admin_state = OnuLifecycle.SUSPENDED, AdminState.DISABLED


def _resumed(onu: Onu, params: dict[str, Any]) -> None:
    onu.lifecycle_state, onu.admin_state = OnuLifecycle.ACTIVE, AdminState.ENABLED


def _renamed(onu: Onu, params: dict[str, Any]) -> None:
    onu.name = params.get("name", onu.name)
    onu.description = params.get("description", onu.description)


def _replaced(onu: Onu, params: dict[str, Any]) -> None:
    onu.serial = params["new"]["serial"]


def _unchanged(onu: Onu, params: dict[str, Any]) -> None:
    pass


def move(url: str, device: DeviceSession, job_id: int, log: JobLog, ports: PortView) -> JobStatus:
    """Move an ONU to another PON port of the same OLT: delete at the old position and
    add at the new one (one template), then read it back at the new position."""
    with session_scope(url) as session:
        onu = _locked_onu(session, job_id)
        new = dict(session.get_one(Job, job_id).params["new"])
        target = session.execute(
            select(PonPort).where(PonPort.olt_id == onu.olt_id, PonPort.frame == new["frame"],
                                  PonPort.slot == new["slot"], PonPort.port == new["port"])
        ).scalar_one_or_none()
        try:
            if target is None:
                raise ActionFailed(f"OLT has no PON port {new['frame']}/{new['slot']}/{new['port']}")
            new_id = free_onu_id(session, device.driver, target, onu, on_device=ports.read(device, log, target))
            context = build_context(session, onu, CliAction.MOVE)
            context["new"] = {**new, "serial": onu.serial, "serial_hex": context["serial_hex"], "onu_id": new_id}
            commands = render_action(session, device, CliAction.MOVE, context, ports)
        except (OmsError, ActionFailed, TemplateError) as exc:
            finish(url, job_id, JobStatus.FAILED, error=str(exc))
            return JobStatus.FAILED
        try:
            with log.step("push", commands) as step:
                try:
                    step.output = transcript(device.send(commands))
                except CliCommandError as exc:
                    step.output = transcript(exc.answers)
                    raise
            moved = serial_at(device, log, target, new_id, onu.serial)
        except (CliCommandError, DeviceUnreachable) as exc:
            moved, reason = False, str(exc)
        else:
            reason = f"read-back: {onu.serial} is not at {target.fsp}:{new_id}"
        ports.used.pop(target.id, None)
        if onu.pon_port is not None:
            ports.used.pop(onu.pon_port.id, None)
        if not moved:
            # Half a move cannot be undone blindly: the reconcile job settles what the OLT holds.
            onu.lifecycle_state, onu.failure_reason = OnuLifecycle.FAILED, f"move failed: {reason}; run reconcile"
            finish(url, job_id, JobStatus.NEEDS_RECONCILE, error=reason)
            return JobStatus.NEEDS_RECONCILE
        onu.pon_port, onu.onu_index = target, new_id
    finish(url, job_id, JobStatus.SUCCEEDED, commands=commands, onu_id=new_id)
    return JobStatus.SUCCEEDED


def _reconcile(url: str, device: DeviceSession, job_id: int, log: JobLog, ports: PortView) -> JobStatus:
    from oms.reconcile import reconcile

    return reconcile(url, device, job_id, log, ports)


HANDLERS: dict[JobKind, Callable[..., JobStatus]] = {
    JobKind.MOVE: move,
    JobKind.RECONCILE: _reconcile,
    JobKind.AUTHORIZE: authorize,
    JobKind.REMOVE: _simple_action(CliAction.REMOVE, _removed),
    JobKind.REBOOT: _simple_action(CliAction.REBOOT, _unchanged),
    JobKind.SUSPEND: _simple_action(CliAction.SUSPEND, _suspended),
    JobKind.RESUME: _simple_action(CliAction.RESUME, _resumed),
    JobKind.RENAME: _simple_action(CliAction.RENAME, _renamed),
    JobKind.REPLACE: _simple_action(CliAction.REPLACE, _replaced),
}
