"""Talking to one OLT inside a job: the session contract, reads of ONUs and ports,
and the tolerant push used for compensation. Every exchange is recorded as a step
of the job (commands and the device's verbatim answers)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

from oms.jobs import JobLog
from oms.models import PonPort
from vendor_cli.base import CliCommandError, CommandAnswer, ModeChange, OltVersion, OnuState, VendorDriver
from vendor_cli.session import DeviceUnreachable


class DeviceSession(Protocol):
    """An open CLI session to one OLT (vendor_cli.session.NornirDeviceSession in the worker)."""

    name: str
    driver: VendorDriver

    def send(self, commands: list[str]) -> list[CommandAnswer]: ...

    def reconnect(self) -> None: ...


class FamilyMismatch(RuntimeError):
    """The device answered, but not like the vendor family its row says."""


@dataclass
class OltRun:
    """What one run of jobs over an OLT remembers: ONU ids in use on each port (read
    from the OLT once per run and kept current), template bodies, reference data,
    the device's identity, and whether the run changed the OLT's configuration."""

    used: dict[int, dict[int, str | None]] = field(default_factory=dict)
    templates: dict[tuple[str, str], str] = field(default_factory=dict)
    reference: dict[Any, Any] = field(default_factory=dict)  # profiles, mappings, settings (see build_context)
    identity: OltVersion | None = None
    changed_by: int | None = None  # the last job that changed the OLT's configuration

    def read(self, device: DeviceSession, log: JobLog, port: PonPort) -> dict[int, str | None]:
        if port.id not in self.used:
            self.used[port.id] = {s.onu_id: s.serial for s in read_port(device, log, port)}
        return self.used[port.id]

    def forget(self, *ports: PonPort | None) -> None:
        """The device's list of these ports is re-read before it is used again."""
        for port in ports:
            if port is not None:
                self.used.pop(port.id, None)


def read_port(device: DeviceSession, log: JobLog, port: PonPort) -> list[OnuState]:
    """The ONU ids in use on a port, with their serials where the list shows them."""
    commands = device.driver.cmd_onu_list(port.frame, port.slot, port.port)
    with log.step("read port", commands) as step:
        step.output = joined(device.send(commands))
    return device.driver.parse_onu_list(step.output, port.frame, port.slot, port.port)


def read_port_serials(device: DeviceSession, log: JobLog, port: PonPort) -> list[OnuState]:
    """read_port, completed from each ONU's detail where the list has no serials (ZTE state
    tables): one read per ONU, so only where the serials matter (reconcile), not where the
    ids are enough (choosing a free id)."""
    return [read_onu(device, log, port, s.onu_id) or s if s.serial is None else s
            for s in read_port(device, log, port)]


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


def read_identity(device: DeviceSession, log: JobLog, run: OltRun, family_label: str) -> OltVersion:
    """Version and boards, checked against the family on the OLT's row (once per run)."""
    if run.identity is not None:
        return run.identity
    commands = device.driver.cmd_version()
    with log.step("read identity", commands) as step:
        try:
            step.output = joined(device.send(commands))
        except CliCommandError as exc:
            step.output = transcript(exc.answers)
        version = device.driver.parse_version(step.output)
        problem = device.driver.identity_problem(version, step.output)
        if problem is not None:
            raise FamilyMismatch(f"{device.name} is registered as {family_label}, but {problem}")
    run.identity = version
    return version


def push(device: DeviceSession, log: JobLog, name: str, commands: list[str]) -> None:
    """Send commands as one step, stopping at the first the device refuses (the session
    is then brought back to privileged mode, where every template starts)."""
    with log.step(name, commands) as step:
        try:
            step.output = transcript(device.send(commands))
        except CliCommandError as exc:
            step.output = transcript(exc.answers)
            back_to_privileged(device)
            raise


def back_to_privileged(device: DeviceSession) -> None:
    with contextlib.suppress(CliCommandError):
        device.send([device.driver.leave_config_command])


def push_tolerant(device: DeviceSession, log: JobLog, name: str, commands: list[str]) -> list[CommandAnswer]:
    """Send commands as one step, going on after refusals (see send_tolerant); the
    refused commands are listed in the step's error."""
    with log.step(name, commands) as step:
        answers, refused = send_tolerant(device, commands)
        step.output = transcript(answers)
        if refused:
            step.error = "refused: " + "; ".join(refused)
    return answers


def send_tolerant(device: DeviceSession, commands: list[str]) -> tuple[list[CommandAnswer], list[str]]:
    """Send every command even when some are refused: an undo that finds part of what it
    undoes already gone must still undo the rest. It starts from privileged mode, and when
    a command that enters a mode is refused, the commands meant for that mode are skipped
    up to the command that leaves it (sending them elsewhere, or sending the `exit`, would
    act in the wrong mode, and on ZTE an extra `exit` logs out)."""
    answers: list[CommandAnswer] = []
    refused: list[str] = []
    back_to_privileged(device)
    for command in _skipping_failed_modes(device, commands, refused):
        try:
            answers.extend(device.send([command]))
        except CliCommandError as exc:
            answers.extend(exc.answers)
            refused.append(f"{command} ({exc.reason})")
    return answers, refused


def _skipping_failed_modes(device: DeviceSession, commands: list[str], refused: list[str]) -> Iterator[str]:
    """The commands to send; `refused` grows (by the caller) when the last one yielded was refused."""
    skip_depth = 0
    for command in commands:
        kind = device.driver.mode_change(command)
        if skip_depth:
            if kind is ModeChange.ENTER:
                skip_depth += 1
            elif kind is ModeChange.LEAVE:
                skip_depth -= 1
            elif kind is ModeChange.TOP:
                skip_depth = 0
                yield command
            continue
        before = len(refused)
        yield command
        if kind is ModeChange.ENTER and len(refused) > before:
            skip_depth = 1


def joined(answers: list[CommandAnswer]) -> str:
    return "\n".join(a.output for a in answers)


def transcript(answers: list[CommandAnswer]) -> str:
    return "\n".join(f"> {a.command}\n{a.output}" for a in answers)


def reconnect(device: DeviceSession, log: JobLog) -> bool:
    try:
        with log.step("reconnect"):
            device.reconnect()
        return True
    except DeviceUnreachable:
        return False
