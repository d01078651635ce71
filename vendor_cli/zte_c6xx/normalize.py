"""Normalisation of ZTE values to the canonical forms of vendor_cli.base."""

from __future__ import annotations

import re

from vendor_cli.base import OnuStatus

_CANONICAL_RE = re.compile(r"^([A-Za-z0-9]{4})[-:]?([0-9A-Fa-f]{8})$")
_HEX_RE = re.compile(r"^[0-9A-Fa-f]{16}$")
# \x08 erase sequences and the pager prompt a ZXAN session leaves in the text when paging was on.
_PAGER_RE = re.compile(r"(?: ?--More--)?(?:\x08+ *\x08*)+| --More--")

_PHASE_STATES = {
    "working": OnuStatus.ONLINE.value,
    "los": OnuStatus.LOS.value,
    "losi": OnuStatus.LOS.value,
    "lofi": OnuStatus.LOS.value,
    "dyinggasp": OnuStatus.DYING_GASP.value,
    "offline": OnuStatus.OFFLINE.value,
    "poweroff": OnuStatus.POWER_OFF.value,
    "power_off": OnuStatus.POWER_OFF.value,
}


def canonical_serial(raw: str) -> str:
    """`ZTEGC97E6BC5`, `ZTEG-c97e6bc5`, `ZTEG:C97E6BC5` or `5A544547C97E6BC5` -> `ZTEGC97E6BC5`.
    Anything else is returned stripped and upper-cased (never invented)."""
    text = raw.strip()
    match = _CANONICAL_RE.match(text)
    if match:
        return match.group(1).upper() + match.group(2).upper()
    if _HEX_RE.match(text):
        vendor = bytes.fromhex(text[:8]).decode("ascii", errors="replace")
        if vendor.isalnum():
            return vendor.upper() + text[8:].upper()
    return text.upper()


def run_state(phase_state: str | None) -> str:
    """ZXAN phase state (`working`, `LOS`, `DyingGasp`, `OffLine`, `syncMib`, ...) -> an
    OnuStatus value."""
    if not phase_state:
        return OnuStatus.UNKNOWN.value
    return _PHASE_STATES.get(phase_state.strip().lower(), OnuStatus.UNKNOWN.value)


def clean_output(text: str) -> str:
    """Drop pager remnants and carriage returns so rows start at column 0 again."""
    return _PAGER_RE.sub("", text.replace("\r", ""))


def dbm(value: str | None) -> float | None:
    """`-20.241(dbm)` / `-20.241` -> -20.241; `N/A`, `no signal` -> None."""
    if value is None:
        return None
    match = re.search(r"-?\d+(?:\.\d+)?", value)
    return float(match.group(0)) if match else None
