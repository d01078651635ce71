"""One pipeline for every ONU action: plan -> push -> verify -> commit.

- The plan (ONU id choice, rendered commands, their compensation, what the OLT must
  show afterwards) is built by `plan_action`, which the job, the dry run and the
  template preview all call, so a dry run shows what the job will send.
- Preconditions are checked while planning, before any device is touched.
- Every action is verified by reading the ONU back from the OLT.
- A failure ends in a defined outcome (`Verdict`): nothing was changed (FAILED),
  the change was undone and the undo verified (COMPENSATED), or the undo could not be
  confirmed (NEEDS_RECONCILE). The caller records it with the ONU out of any
  transient state.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from oms.device import (
    DeviceSession,
    OltRun,
    push,
    push_tolerant,
    read_onu,
    reconnect,
)
from oms.errors import Conflict, OmsError, ProvisioningDataMissing
from oms.jobs import JobLog, now
from oms.models import (
    AdminState,
    CliAction,
    CliTemplate,
    JobKind,
    JobStatus,
    Onu,
    OnuLifecycle,
    PonPort,
)
from oms.onu_ids import free_onu_id
from oms.provisioning_context import build_context, onu_labels, plan_context, secrets_of
from oms.redaction import Redactor
from vendor_cli.base import CliCommandError, OnuState, VendorDriver
from vendor_cli.registry import get_driver
from vendor_cli.render import TemplateError, merge_context, render_cli
from vendor_cli.serials import serial_hex
from vendor_cli.session import DeviceUnreachable

OnDevice = Callable[[PonPort], Mapping[int, str | None]]

#: ONU states that a job leaves behind on success
DONE_STATE = {JobKind.AUTHORIZE: OnuLifecycle.ACTIVE, JobKind.REMOVE: OnuLifecycle.REMOVED,
              JobKind.SUSPEND: OnuLifecycle.SUSPENDED, JobKind.RESUME: OnuLifecycle.ACTIVE}
#: the templates whose rendering undoes each action (what a preview shows as its compensation)
COMPENSATION_OF: dict[CliAction, tuple[CliAction, ...]] = {
    CliAction.AUTHORIZE: (CliAction.REMOVE,),
    CliAction.SUSPEND: (CliAction.RESUME,),
    CliAction.RESUME: (CliAction.SUSPEND,),
    CliAction.RENAME: (CliAction.RENAME,),
    CliAction.REPLACE: (CliAction.REPLACE,),
    CliAction.MOVE: (CliAction.REMOVE, CliAction.AUTHORIZE),
}
#: serials that only sit in autofind (configured on no OLT): a replace may take theirs
UNCONFIGURED = (OnuLifecycle.DISCOVERED, OnuLifecycle.PREPROVISIONED, OnuLifecycle.REMOVED)


@dataclass(frozen=True)
class Expect:
    """What the OLT must show at one ONU id: `serial` there (None: the id is free), and
    the admin state / name / description where given and the device reports them."""

    port: PonPort
    onu_index: int
    serial: str | None
    admin_state: AdminState | None = None
    name: str | None = None
    description: str | None = None

    @property
    def where(self) -> str:
        return f"{self.port.fsp}:{self.onu_index}"

    def problem(self, state: OnuState | None) -> str | None:
        if self.serial is None:
            return None if state is None or state.serial is None else f"{self.where} still holds {state.serial}"
        if state is None:
            return f"no ONU at {self.where}"
        if state.serial != self.serial:
            return f"{self.where} holds {state.serial or 'an ONU without a serial'}, not {self.serial}"
        for label, wanted, seen in (("admin state", self.admin_state, state.admin_state),
                                    ("name", self.name, state.name),
                                    ("description", self.description, state.description)):
            if wanted is not None and seen is not None and seen.strip() != str(wanted).strip():
                return f"{self.where} shows {label} {seen!r}, not {wanted!r}"
        return None


@dataclass
class ActionPlan:
    kind: JobKind
    onu: Onu
    port: PonPort  # where the ONU is after the action
    onu_index: int | None
    commands: list[str]
    compensation: list[str] = field(default_factory=list)
    expect: list[Expect] = field(default_factory=list)
    restore: list[Expect] = field(default_factory=list)  # what a verified compensation brings back
    changes: dict[str, Any] = field(default_factory=dict)  # ONU columns set when the action is verified
    absorb: list[int] = field(default_factory=list)  # placeholder ONU rows merged into this one (replace)
    secrets: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    adopt: bool = False  # authorize: the OLT already has this serial at onu_index
    tolerant: bool = False  # push on after refusals (remove: parts may already be gone)
    reboot: bool = False

    def record(self) -> dict[str, Any]:
        """The choices a settle after a crash must repeat (stored before the push)."""
        return {"kind": self.kind.value, "port_id": self.port.id, "onu_index": self.onu_index}

    def public(self) -> dict[str, Any]:
        """The plan as an operator sees it (dry runs): secrets redacted."""
        redact = Redactor(self.secrets)
        return {
            "serial": self.onu.serial,
            "olt": self.port.olt.name,
            "fsp": self.port.fsp,
            "onu_id": self.onu_index,
            "action": self.kind.value,
            "commands": redact.lines(self.commands),
            "compensation_action": compensation_label(CliAction(self.kind.value)) if self.compensation else None,
            "compensation": redact.lines(self.compensation),
            "note": "; ".join(self.notes),
        }


def compensation_label(action: CliAction) -> str | None:
    undo = COMPENSATION_OF.get(action)
    return ", ".join(a.value for a in undo) if undo else None


@dataclass(frozen=True)
class Verdict:
    status: JobStatus
    reason: str | None = None
    changed: bool = False  # the OLT's configuration may have changed (save it)

    @property
    def ok(self) -> bool:
        return self.status is JobStatus.SUCCEEDED


class Templates:
    """CLI template bodies from System Settings, read once per run when a cache is given."""

    def __init__(self, session: Session, cache: dict[tuple[str, str], str] | None = None) -> None:
        self.session, self.cache = session, cache if cache is not None else {}

    def render(self, family: str, action: CliAction | str, context: dict[str, Any]) -> list[str]:
        action = CliAction(action)
        body = self.cache.get((family, action.value))
        if body is None:
            body = self.session.execute(
                select(CliTemplate.body).where(CliTemplate.vendor_family == family, CliTemplate.action == action)
            ).scalar_one_or_none()
            if body is None:
                raise ProvisioningDataMissing(f"no CLI template for {family} / {action.value} in System Settings")
            self.cache[(family, action.value)] = body
        try:
            return render_cli(body, context)
        except TemplateError as exc:
            raise exc.for_template(f"{family}/{action.value}") from exc


# --- planning ---------------------------------------------------------------------------------


def plan_action(
    session: Session,
    onu: Onu,
    kind: JobKind,
    params: Mapping[str, Any] | None = None,
    on_device: OnDevice | None = None,
    cache: dict[Any, Any] | None = None,
    templates: dict[tuple[str, str], str] | None = None,
    chosen: Mapping[str, Any] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> ActionPlan:
    """What `kind` will send for `onu` and what the OLT must show afterwards.

    `on_device` gives the ONU ids the OLT really uses on a port (a job reads them; a dry
    run has none and plans from the database). `chosen` repeats the choices a job stored
    before its push (a settle after a crash). `overrides` (template previews) are merged
    into every context before rendering."""
    params = params or {}
    port = onu.pon_port
    if port is None:
        raise ProvisioningDataMissing(f"ONU {onu.serial} has no PON port yet (not discovered)")
    builder = _BUILDERS.get(kind)
    if builder is None:
        raise OmsError(f"{kind.value} is not an ONU action that sends CLI")
    planning = _Planning(session, onu, port, get_driver(port.olt.family), params, on_device, cache,
                         Templates(session, templates), chosen or {}, overrides or {})
    plan = builder(planning)
    plan.secrets = sorted(set(plan.secrets))
    return plan


@dataclass
class _Planning:
    session: Session
    onu: Onu
    port: PonPort
    driver: VendorDriver
    params: Mapping[str, Any]
    on_device: OnDevice | None
    cache: dict[Any, Any] | None
    templates: Templates
    chosen: Mapping[str, Any]
    overrides: Mapping[str, Any]

    @property
    def family(self) -> str:
        return self.port.olt.family.value

    def context(self, action: CliAction, port: PonPort | None = None, onu_id: int | None = None,
                strict: bool = True) -> dict[str, Any]:
        # Undoing needs no plan or type (strict=False): their values render empty, templates default them.
        context = build_context(self.session, self.onu, action, port=port or self.port, onu_id=onu_id,
                                cache=self.cache, lenient=not strict)
        return merge_context(context, self.overrides) if self.overrides else context

    def render(self, action: CliAction, context: dict[str, Any]) -> list[str]:
        return self.templates.render(self.family, action, context)

    def used(self, port: PonPort) -> Mapping[int, str | None]:
        return self.on_device(port) if self.on_device is not None else {}

    def position(self) -> tuple[PonPort, int]:
        if self.onu.onu_index is None:
            raise ProvisioningDataMissing(f"ONU {self.onu.serial} has no ONU id on the OLT")
        return self.port, self.onu.onu_index


def _authorize(p: _Planning) -> ActionPlan:
    used = p.used(p.port)
    present = next((i for i, serial in used.items() if serial == p.onu.serial), None)
    index = p.chosen.get("onu_index")
    if index is None:
        index = present if present is not None else free_onu_id(p.session, p.driver, p.port, p.onu, used)
    context = p.context(CliAction.AUTHORIZE, onu_id=index)
    adopt = present is not None and present == index and not p.chosen
    plan = ActionPlan(
        JobKind.AUTHORIZE, p.onu, p.port, index,
        commands=[] if adopt else p.render(CliAction.AUTHORIZE, context),
        compensation=p.render(CliAction.REMOVE, context),
        expect=[Expect(p.port, index, p.onu.serial)],
        restore=[Expect(p.port, index, None)],
        changes={"lifecycle_state": OnuLifecycle.ACTIVE, "admin_state": AdminState.ENABLED, "onu_index": index,
                 "authorized_at": now(), "failure_reason": None},
        secrets=secrets_of(context), adopt=adopt,
    )
    if adopt:
        plan.notes.append(f"{p.onu.serial} is already configured at ONU id {index}: adopting it")
    elif p.on_device is None:
        plan.notes.append(f"ONU id {index} is the lowest id free in the database; the job reads the OLT's "
                          "list first and may choose another")
    return plan


def _remove(p: _Planning) -> ActionPlan:
    index = p.onu.onu_index
    if index is None:  # a failed ONU may still sit on the OLT under its serial
        index = next((i for i, serial in p.used(p.port).items() if serial == p.onu.serial), None)
    gone = {"lifecycle_state": OnuLifecycle.REMOVED, "onu_index": None, "authorized_at": None,
            "failure_reason": None}
    if index is None:
        return ActionPlan(JobKind.REMOVE, p.onu, p.port, None, commands=[], changes=gone,
                          notes=["the ONU holds no ONU id on the OLT: only the database changes"])
    context = p.context(CliAction.REMOVE, onu_id=index, strict=False)
    return ActionPlan(
        JobKind.REMOVE, p.onu, p.port, index, commands=p.render(CliAction.REMOVE, context),
        expect=[Expect(p.port, index, None)], changes=gone, secrets=secrets_of(context), tolerant=True,
    )


def _admin(kind: JobKind, action: CliAction, undo: CliAction, admin: AdminState) -> Callable[[_Planning], ActionPlan]:
    def build(p: _Planning) -> ActionPlan:
        port, index = p.position()
        context = p.context(action)
        before = AdminState.ENABLED if admin is AdminState.DISABLED else AdminState.DISABLED
        return ActionPlan(
            kind, p.onu, port, index, commands=p.render(action, context), compensation=p.render(undo, context),
            expect=[Expect(port, index, p.onu.serial, admin_state=admin)],
            restore=[Expect(port, index, p.onu.serial, admin_state=before)],
            changes={"lifecycle_state": DONE_STATE[kind], "admin_state": admin},
            secrets=secrets_of(context),
        )

    return build


def _rename(p: _Planning) -> ActionPlan:
    port, index = p.position()
    name = p.params.get("name", p.onu.name)
    description = p.params.get("description", p.onu.description)
    old = p.context(CliAction.RENAME)
    new = {**old, **onu_labels(p.driver, name, description, p.onu.serial)}
    return ActionPlan(
        JobKind.RENAME, p.onu, port, index, commands=p.render(CliAction.RENAME, new),
        compensation=p.render(CliAction.RENAME, old),
        expect=[_labels(port, index, p.onu.serial, p.driver, new)],
        restore=[_labels(port, index, p.onu.serial, p.driver, old)],
        changes={"name": name or "", "description": description or ""}, secrets=secrets_of(new),
    )


def _labels(port: PonPort, index: int, serial: str, driver: VendorDriver, context: dict[str, Any]) -> Expect:
    return Expect(port, index, serial, name=context["name"], description=context["description"] or context["name"])


def _replace(p: _Planning) -> ActionPlan:
    port, index = p.position()
    new_serial = str((p.params.get("new") or {}).get("serial") or "")
    if not new_serial:
        raise ProvisioningDataMissing("replace needs the new serial")
    absorb = serial_owner_check(p.session, p.onu, new_serial)
    on_port = next((i for i, s in p.used(port).items() if s == new_serial), None)
    if on_port is not None:
        raise Conflict(f"serial {new_serial} is already configured at {port.fsp}:{on_port} on {port.olt.name}")
    context = p.context(CliAction.REPLACE)
    forward = {**context, "new": {"serial": new_serial, "serial_hex": serial_hex(new_serial)}}
    back = {**context, "serial": new_serial, "serial_hex": serial_hex(new_serial),
            "new": {"serial": p.onu.serial, "serial_hex": serial_hex(p.onu.serial)}}
    return ActionPlan(
        JobKind.REPLACE, p.onu, port, index, commands=p.render(CliAction.REPLACE, forward),
        compensation=p.render(CliAction.REPLACE, back),
        expect=[Expect(port, index, new_serial)], restore=[Expect(port, index, p.onu.serial)],
        changes={"serial": new_serial}, absorb=absorb, secrets=secrets_of(context),
    )


def serial_owner_check(session: Session, onu: Onu, serial: str) -> list[int]:
    """The new serial may belong to an ONU that only sits in autofind (the new unit was
    discovered: its row is merged into this one); never to one configured on an OLT."""
    owner = session.execute(select(Onu).where(Onu.serial == serial, Onu.id != onu.id)).scalar_one_or_none()
    if owner is None:
        return []
    if owner.lifecycle_state in UNCONFIGURED:
        return [owner.id]
    where = f" at {owner.pon_port.olt.name} {owner.pon_port.fsp}:{owner.onu_index}" if owner.pon_port else ""
    raise Conflict(f"serial {serial} belongs to ONU {owner.id} ({owner.lifecycle_state.value}{where}); "
                   "remove that ONU first")


def _move(p: _Planning) -> ActionPlan:
    old_port, old_index = p.position()
    new = p.params.get("new") or {}
    target = p.session.execute(
        select(PonPort).where(PonPort.olt_id == old_port.olt_id, PonPort.frame == new.get("frame"),
                              PonPort.slot == new.get("slot"), PonPort.port == new.get("port"))
    ).scalar_one_or_none()
    if target is None:
        raise ProvisioningDataMissing(
            f"OLT {old_port.olt.name} has no PON port {new.get('frame')}/{new.get('slot')}/{new.get('port')}")
    if target.id == old_port.id:
        raise Conflict(f"ONU {p.onu.serial} is already on {target.fsp}")
    index = p.chosen.get("onu_index")
    if index is None:
        index = free_onu_id(p.session, p.driver, target, p.onu, p.used(target))
    here = p.context(CliAction.AUTHORIZE)  # the ONU as configured now, at its old position
    there = p.context(CliAction.AUTHORIZE, port=target, onu_id=index)
    moving = {**here, "new": {"frame": target.frame, "slot": target.slot, "port": target.port, "onu_id": index,
                              "serial": p.onu.serial, "serial_hex": here["serial_hex"]}}
    return ActionPlan(
        JobKind.MOVE, p.onu, target, index, commands=p.render(CliAction.MOVE, moving),
        # Undo: whatever reached the new position goes, the ONU is configured again where it was.
        compensation=p.render(CliAction.REMOVE, there) + p.render(CliAction.AUTHORIZE, here),
        expect=[Expect(target, index, p.onu.serial), Expect(old_port, old_index, None)],
        restore=[Expect(old_port, old_index, p.onu.serial), Expect(target, index, None)],
        changes={"pon_port_id": target.id, "onu_index": index}, secrets=secrets_of(here),
    )


def _reprofile(p: _Planning) -> ActionPlan:
    """The ONU configured again at its position with another plan's OLT profiles and VLANs:
    its current configuration removed and added back with the new plan (the templates of
    `remove` and `authorize`, as a move does); undone by the reverse."""
    port, index = p.position()
    plan_id = p.params.get("plan_id")
    if not isinstance(plan_id, int):
        raise ProvisioningDataMissing(f"a reprofile of ONU {p.onu.serial} needs the new plan_id")
    here = p.context(CliAction.AUTHORIZE)  # the ONU as configured now
    there = {**here, **plan_context(p.session, p.onu, plan_id, p.cache)}
    return ActionPlan(
        JobKind.REPROFILE, p.onu, port, index,
        commands=p.render(CliAction.REMOVE, here) + p.render(CliAction.AUTHORIZE, there),
        compensation=p.render(CliAction.REMOVE, there) + p.render(CliAction.AUTHORIZE, here),
        expect=[Expect(port, index, p.onu.serial)], restore=[Expect(port, index, p.onu.serial)],
        changes={"failure_reason": None}, secrets=secrets_of(here) + secrets_of(there),
    )


def _reboot(p: _Planning) -> ActionPlan:
    port, index = p.position()
    context = p.context(CliAction.REBOOT, strict=False)
    return ActionPlan(JobKind.REBOOT, p.onu, port, index, commands=p.render(CliAction.REBOOT, context),
                      secrets=secrets_of(context), reboot=True)


_BUILDERS: dict[JobKind, Callable[[_Planning], ActionPlan]] = {
    JobKind.AUTHORIZE: _authorize,
    JobKind.REMOVE: _remove,
    JobKind.SUSPEND: _admin(JobKind.SUSPEND, CliAction.SUSPEND, CliAction.RESUME, AdminState.DISABLED),
    JobKind.RESUME: _admin(JobKind.RESUME, CliAction.RESUME, CliAction.SUSPEND, AdminState.ENABLED),
    JobKind.RENAME: _rename,
    JobKind.REPLACE: _replace,
    JobKind.MOVE: _move,
    JobKind.REPROFILE: _reprofile,
    JobKind.REBOOT: _reboot,
}


# --- push, verify, compensate -----------------------------------------------------------------


@dataclass(frozen=True)
class RebootWatch:
    down_timeout_s: float
    up_timeout_s: float
    poll_s: float = 2.0


def carry_out(device: DeviceSession, log: JobLog, run: OltRun, plan: ActionPlan,
              reboot: RebootWatch | None = None) -> Verdict:
    """Push the plan and verify it; on failure compensate and verify the compensation."""
    if not plan.commands and not plan.adopt:
        return Verdict(JobStatus.SUCCEEDED)
    try:
        if plan.adopt:
            problem = check_expectations(device, log, plan.expect)
        else:
            if plan.tolerant:
                push_tolerant(device, log, "push", plan.commands)
            else:
                push(device, log, "push", plan.commands)
            problem = (_watch_reboot(device, log, plan, reboot) if plan.reboot
                       else check_expectations(device, log, plan.expect))
        if problem is None:
            return Verdict(JobStatus.SUCCEEDED, changed=not plan.adopt and not plan.reboot)
        reason = f"read-back: {problem}"
    except CliCommandError as exc:
        reason = str(exc)
    except DeviceUnreachable as exc:
        reason = f"{device.name}: session lost: {exc}"
        if not reconnect(device, log):
            run.forget(*(e.port for e in plan.expect))
            return Verdict(JobStatus.NEEDS_RECONCILE, f"{reason}; could not reconnect to check or undo "
                           "(reconcile needed)", changed=True)
    run.forget(*(e.port for e in plan.expect + plan.restore))
    if plan.reboot:
        return Verdict(JobStatus.FAILED, reason)
    return compensate(device, log, plan, reason)


def compensate(device: DeviceSession, log: JobLog, plan: ActionPlan, reason: str) -> Verdict:
    """Undo what may have been applied and check that the ONU is back where it was."""
    if not plan.compensation:  # nothing undoes it: report what the OLT shows now
        return Verdict(JobStatus.FAILED, reason, changed=True)
    try:
        push_tolerant(device, log, "compensate", plan.compensation)
        problem = check_expectations(device, log, plan.restore)
    except DeviceUnreachable as exc:
        return Verdict(JobStatus.NEEDS_RECONCILE,
                       f"{reason}; compensation impossible ({exc}): the OLT may hold a partial change "
                       "(reconcile needed)", changed=True)
    if problem is not None:
        return Verdict(JobStatus.NEEDS_RECONCILE,
                       f"{reason}; compensation not confirmed ({problem}): device and database may differ "
                       "(reconcile needed)", changed=True)
    return Verdict(JobStatus.COMPENSATED, f"{reason}; changes on the OLT were undone", changed=True)


def check_expectations(device: DeviceSession, log: JobLog, expectations: list[Expect]) -> str | None:
    for expect in expectations:
        problem = expect.problem(read_onu(device, log, expect.port, expect.onu_index))
        if problem is not None:
            return problem
    return None


def _watch_reboot(device: DeviceSession, log: JobLog, plan: ActionPlan, watch: RebootWatch | None) -> str | None:
    """A reboot is confirmed by the ONU going offline and coming back within the bounds;
    when it is never seen offline, the OLT's acceptance of the command is all we have."""
    assert plan.onu_index is not None
    if watch is None:
        return None
    seen: list[str] = []
    went_down = _wait_for(device, plan, lambda s: s is not None and s.run_state != "online",
                          watch.down_timeout_s, watch.poll_s, seen)
    came_back = went_down and _wait_for(device, plan, lambda s: s is not None and s.run_state == "online",
                                        watch.up_timeout_s, watch.poll_s, seen)
    log.note("watch restart", output="\n".join(seen))
    if not went_down:
        plan.notes.append(f"the ONU was not seen offline within {watch.down_timeout_s:g} s: confirmed by the "
                          "OLT's answer only")
        return None
    if not came_back:
        return f"the ONU went offline after the reboot and was not back online within {watch.up_timeout_s:g} s"
    plan.notes.append("restart seen: the ONU went offline and came back online")
    return None


def _wait_for(device: DeviceSession, plan: ActionPlan, done: Callable[[OnuState | None], bool],
              timeout_s: float, poll_s: float, seen: list[str]) -> bool:
    deadline = time.monotonic() + timeout_s
    port, index = plan.port, plan.onu_index
    assert index is not None
    while True:
        commands = device.driver.cmd_onu_detail(port.frame, port.slot, port.port, index)
        try:
            state: OnuState | None = device.driver.parse_onu_detail("\n".join(a.output for a in device.send(commands)))
        except (CliCommandError, ValueError):
            state = None
        seen.append(f"{time.strftime('%H:%M:%S')} {state.run_state if state else 'not found'}")
        if done(state):
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(min(poll_s, max(deadline - time.monotonic(), 0.0)))
