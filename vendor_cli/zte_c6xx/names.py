"""C600/C650 (TITAN) interface names. The new syntax swaps the separators of the
C300 names (`gpon_olt-1/1/1` instead of `gpon-olt_1/1/1`); readers accept both."""

from __future__ import annotations

import re

_PORT_RE = re.compile(r"gpon[-_](?:olt|onu)[-_](\d+)/(\d+)/(\d+)(?::(\d+))?|^(\d+)/(\d+)/(\d+)(?::(\d+))?")


def olt_if(frame: int, slot: int, port: int) -> str:
    return f"gpon_olt-{frame}/{slot}/{port}"


def onu_if(frame: int, slot: int, port: int, onu_id: int) -> str:
    return f"gpon_onu-{frame}/{slot}/{port}:{onu_id}"


def vport_if(frame: int, slot: int, port: int, onu_id: int, vport: int = 1) -> str:
    return f"vport-{frame}/{slot}/{port}.{onu_id}:{vport}"


def parse_position(text: str) -> tuple[int, int, int, int | None] | None:
    """(frame, slot, port, onu_id or None) from `gpon_onu-1/1/1:5`, `gpon-onu_1/1/1:5`,
    `gpon_olt-1/1/1` or a bare `1/1/1:5`."""
    match = _PORT_RE.search(text.strip())
    if not match:
        return None
    groups = match.groups()
    frame, slot, port, onu = groups[0:4] if groups[0] is not None else groups[4:8]
    return int(frame), int(slot), int(port), int(onu) if onu is not None else None
