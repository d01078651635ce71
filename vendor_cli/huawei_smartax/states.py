"""Normalisation of Huawei ONT run states and down causes."""

from __future__ import annotations

from oms.models import OnuStatus


def normalise_run_state(run_state: str | None, last_down_cause: str | None = None) -> str:
    """online / offline / los / dying_gasp / power_off / unknown.

    Huawei only says online/offline; why an ONT is offline is in its last down cause."""
    state = (run_state or "").strip().lower()
    if state == "online":
        return OnuStatus.ONLINE.value
    if state != "offline":
        return OnuStatus.UNKNOWN.value
    return _offline_kind(last_down_cause)


def _offline_kind(cause: str | None) -> str:
    cause = (cause or "").strip().lower()
    if "dying" in cause:
        return OnuStatus.DYING_GASP.value
    if cause.startswith(("los", "lof", "loami", "lcdgi")):
        return OnuStatus.LOS.value
    if "power" in cause:
        return OnuStatus.POWER_OFF.value
    return OnuStatus.OFFLINE.value


def dash_to_none(value: str | None) -> str | None:
    value = (value or "").strip()
    return None if value in ("", "-", "--") else value
