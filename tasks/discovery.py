"""Nornir task: read an OLT's autofind list and apply it to the database."""

from __future__ import annotations

from dataclasses import asdict

from nornir.core.task import Result, Task

from core.db import session_scope
from oms.discovery import apply_autofind
from oms.lifecycle import DeviceUnreachable, joined
from tasks.device import NornirDeviceSession


def discover(task: Task, database_url: str) -> Result:
    device = NornirDeviceSession(task)
    try:
        output = joined(device.send(device.driver.cmd_autofind()))
    except DeviceUnreachable as exc:
        return Result(host=task.host, failed=True, result={"error": str(exc)})
    found = device.driver.parse_autofind(output)
    with session_scope(database_url) as session:
        report = apply_autofind(session, task.host.data["olt_id"], found)
    return Result(host=task.host, result=asdict(report))
