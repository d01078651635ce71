"""Parsers for the ZXAN (C600/C650 and compatible C300/C320) show commands.

Tables are read by header name with our TextFSM templates; key/value answers
with regular expressions. Every parser accepts both interface spellings
(`gpon_onu-` and `gpon-onu_`) and text with pager remnants.

OnuState fields as documented on vendor_cli.base.OnuState, the same as zte_c3xx (the state table
is read by the one zte_common.parse_state_rows): admin_state = `Admin state`, omcc_state = `OMCC
state`, config_state = detail-info `Config state`, match_state = None, run_state from `Phase state`,
last_down_cause = last history cause in the SNMP map's names.
"""

from __future__ import annotations

import re
from pathlib import Path

import textfsm

from vendor_cli.base import AutofindOnu, BoardInfo, OltVersion, OnuOptical, OnuState
from vendor_cli.serials import canonical_serial, parse_serial
from vendor_cli.textfsm_runner import parse_table
from vendor_cli.zte_c6xx.names import parse_position
from vendor_cli.zte_common import (
    admin_state,
    clean_output,
    dbm,
    down_cause,
    is_no_data,
    parse_port_rx,
    parse_state_rows,
    run_state_from_phase,
)

TEXTFSM_DIR = Path(__file__).parent / "textfsm"

_KEY_VALUE_RE = re.compile(r"^\s*([A-Za-z][\w +/()\-]*?)\s*:\s*(.*?)\s*$")
_HISTORY_RE = re.compile(r"^\s*\d+\s+(\S+ \S+)\s+(\S+ \S+)\s*(\S.*)?$")
_ATTENUATION_RE = re.compile(
    r"^\s*(up|down)\s+(Rx|Tx)\s*:\s*(\S+?(?:\(dbm\))?|no signal|N/A)\s+(Rx|Tx)\s*:\s*(\S+)", re.I
)
_MODEL_RE = re.compile(r"\b(?:ZXA10\s+)?(C6[0-9]0|C3[02]0)\b")


def _table(name: str, text: str) -> list[dict[str, str]]:
    return parse_table(TEXTFSM_DIR / f"{name}.textfsm", clean_output(text))


def _none_if_na(value: str | None) -> str | None:
    if value is None or value.strip() in ("", "N/A", "--"):
        return None
    return value.strip()


# --- discovery ---------------------------------------------------------------
def parse_autofind(text: str) -> list[AutofindOnu]:
    if is_no_data(text):
        return []
    found = []
    for row in _table("show_pon_onu_uncfg", text):
        position = parse_position(row["olt_index"])
        if position is None:
            continue
        frame, slot, port, _ = position
        serial = canonical_serial(row["sn"])
        found.append(
            AutofindOnu(
                frame, slot, port, serial, vendor_id=serial[:4], equipment_id=_none_if_na(row["model"])
            )
        )
    return found


# --- ONU list ----------------------------------------------------------------
def parse_onu_list(text: str, frame: int, slot: int, port: int) -> list[OnuState]:
    """`show gpon onu state [gpon_olt-F/S/P]`: the rows of port F/S/P, read by header name."""
    return [state for state in parse_state_rows(text) if (state.frame, state.slot, state.port) == (frame, slot, port)]


# --- ONU detail ----------------------------------------------------------------
def _detail_fields(text: str) -> tuple[dict[str, str], list[str]]:
    fields: dict[str, str] = {}
    causes: list[str] = []
    in_history = False
    for line in clean_output(text).splitlines():
        if "Authpass Time" in line:
            in_history = True
            continue
        if in_history:
            match = _HISTORY_RE.match(line)
            if match and match.group(3):
                causes.append(match.group(3).strip())
            continue
        match = _KEY_VALUE_RE.match(line)
        if match:
            fields.setdefault(match.group(1).strip().lower(), match.group(2))
    return fields, causes


def _distance_m(value: str | None) -> int | None:
    match = re.match(r"\s*(\d+)\s*m", value or "")
    return int(match.group(1)) if match else None


def parse_onu_detail(text: str) -> OnuState:
    fields, causes = _detail_fields(text)
    position = parse_position(fields.get("onu interface", ""))
    frame, slot, port, onu_id = position or (0, 0, 0, None)
    if position is None or onu_id is None:
        raise ValueError(f"not a `show gpon onu detail-info` answer: {text[:120]!r}")
    serial = _none_if_na(fields.get("serial number"))
    return OnuState(
        frame,
        slot,
        port,
        onu_id,
        serial=parse_serial(serial),  # None for a masked or missing serial, as on zte_c3xx
        run_state=run_state_from_phase(fields.get("phase state")),
        config_state=_none_if_na(fields.get("config state")),
        description=_none_if_na(fields.get("description")),
        onu_type=_none_if_na(fields.get("type")),
        distance_m=_distance_m(fields.get("onu distance")),
        last_down_cause=down_cause(causes[-1]) if causes else None,
        name=_none_if_na(fields.get("name")),
        admin_state=admin_state(fields.get("admin state")),
    )


# --- optical ------------------------------------------------------------------
def parse_onu_optical(text: str) -> OnuOptical:
    """`up Rx` is what the OLT receives, `up Tx` what the ONU sends;
    `down Rx` is what the ONU receives."""
    readings: dict[str, float | None] = {}
    for line in clean_output(text).splitlines():
        match = _ATTENUATION_RE.match(line)
        if match:
            direction = match.group(1).lower()
            readings[f"{direction}_olt"] = dbm(match.group(3))
            readings[f"{direction}_onu"] = dbm(match.group(5))
    return OnuOptical(
        rx_dbm=readings.get("down_onu"), tx_dbm=readings.get("up_onu"), olt_rx_dbm=readings.get("up_olt")
    )


def parse_onu_rx(text: str) -> dict[int, OnuOptical]:
    """`show pon power onu-rx gpon_olt-F/S/P` (every ONU of the port) or `... gpon_onu-F/S/P:N`:
    {onu_id: OnuOptical(rx_dbm)}; an offline ONU (`N/A`) has rx_dbm None. Raises ValueError for
    another answer or one that covers several ports."""
    return parse_port_rx(text)


# --- version / boards ----------------------------------------------------------
def parse_version(text: str) -> OltVersion:
    """`show card`. Another device's answer gives an empty OltVersion (identity_problem says why)."""
    try:
        rows = _table("show_card", text)
    except textfsm.TextFSMError:
        return OltVersion()
    boards = [
        BoardInfo(int(r["shelf"]), int(r["slot"]), r["real_type"] or r["cfg_type"], r["status"]) for r in rows
    ]
    versions = [r["soft_ver"] for r in rows if r["soft_ver"]]
    model = _MODEL_RE.search(text)
    software = max(set(versions), key=versions.count) if versions else None
    return OltVersion(model=model.group(1) if model else None, software_version=software, boards=boards)
