"""Normalisation of Huawei ONT run states, down causes and control flags."""

from __future__ import annotations

from vendor_cli.base import OnuStatus

# `Control flag` of `display ont info` (detail and `... all` listing) is the ONT's admin state:
# `active` (ntc-templates display_ont_info fixtures, tests/data), `deactivated` once `ont
# deactivate` ran (a public MA5800-X15 script checks for it, code-search index file id 4890972714),
# `deactive` on some firmware (this project's brief; no public capture found). `configuring` (ntc
# display_ont_info_fsp_2.raw) says the OLT is still delivering the ONT's configuration, not
# whether it is activated: unknown.
_ADMIN_STATES = {"active": "enabled", "deactivated": "disabled", "deactive": "disabled"}


def normalise_run_state(run_state: str | None, last_down_cause: str | None = None) -> str:
    """An OnuStatus value. Huawei only says online/offline; why an ONT is offline is
    in its last down cause."""
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


def admin_state(control_flag: str | None) -> str | None:
    """`Control flag` -> "enabled" / "disabled", None when it does not say."""
    return _ADMIN_STATES.get((control_flag or "").strip().lower())


def dash_to_none(value: str | None) -> str | None:
    value = (value or "").strip()
    return None if value in ("", "-", "--") else value
