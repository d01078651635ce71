"""Parsers for ZXA10 C300/C320 show commands (classic `gpon-olt_1/1/1` syntax).

Each takes the verbatim answer of one show command and returns the dataclasses
of vendor_cli.base. Firmware differs in columns (e.g. `O7 State` vs `Channel`),
interface spelling (`gpon-onu_1/1/1:1` vs `1/1/1:1`) and key/value fields, so
tables are read by header name and key/value blocks by label.

OnuState fields as documented on vendor_cli.base.OnuState, the same as zte_c6xx: admin_state =
`Admin State` (enabled/disabled), omcc_state = `OMCC State` (enabled/disabled), config_state =
detail-info `Config state` (None on firmware without it), match_state = None (ZXAN has none),
run_state from `Phase State`, last_down_cause = last history cause in the SNMP map's names;
name = the ONU's `Name:`.
"""

from __future__ import annotations

import re
from pathlib import Path

import textfsm

from vendor_cli.base import AutofindOnu, BoardInfo, OltVersion, OnuOptical, OnuState
from vendor_cli.serials import parse_serial
from vendor_cli.textfsm_runner import parse_table
from vendor_cli.zte_common import (
    admin_state,
    clean_output,
    down_cause,
    is_no_data,
    parse_port_rx,
    parse_state_rows,
    run_state_from_phase,
)

TEXTFSM_DIR = Path(__file__).parent / "textfsm"

_PON = r"(?P<frame>\d+)/(?P<slot>\d+)/(?P<port>\d+)"
_ONU_INDEX = re.compile(rf"^(?:gpon-onu_|gpon_onu-)?{_PON}:(?P<onu_id>\d+)$")
_KEY_VALUE = re.compile(r"^\s*(?P<key>[^:]+?)\s*:\s*(?P<value>.*?)\s*$")
_DBM = r"(?P<{name}>-?\d+(?:\.\d+)?)\s*\(dbm\)"
_UP_LINE = re.compile(
    r"^\s*up\s+Rx\s*:\s*" + _DBM.format(name="olt_rx") + r"\s+Tx\s*:\s*" + _DBM.format(name="onu_tx"), re.I
)
_DOWN_LINE = re.compile(
    r"^\s*down\s+Tx\s*:\s*" + _DBM.format(name="olt_tx") + r"\s+Rx\s*:\s*" + _DBM.format(name="onu_rx"), re.I
)
_SYSTEM_DESCRIPTION = re.compile(r"System Description:\s*(?:ZXA10\s+)?(?P<model>\S+)\s+Version\s+(?P<version>\S+)")
_HISTORY_ROW = re.compile(
    r"^\s*\d+\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\s*(?P<cause>\S.*)?$"
)


class ZteParseError(ValueError):
    """The text is not the answer the parser expects."""


def _textfsm_rows(template: str, text: str) -> list[dict[str, str]]:
    return parse_table(TEXTFSM_DIR / template, text)


# --- autofind ----------------------------------------------------------------
def parse_uncfg(text: str) -> list[AutofindOnu]:
    """`show gpon onu uncfg` (OnuIndex/Sn/State) or `show pon onu uncfg` (OltIndex/Model/SN[/PW])."""
    if is_no_data(text):
        return []
    found = []
    for row in _textfsm_rows("show_gpon_onu_uncfg.textfsm", text):
        serial = parse_serial(row["serial"])
        frame, slot, port = (int(x) for x in row["pon"].split("/"))
        if serial:
            found.append(
                AutofindOnu(frame, slot, port, serial, vendor_id=serial[:4], equipment_id=row["model"] or None)
            )
    return found


# --- ONU state table -----------------------------------------------------------
def parse_state_table(text: str, frame: int, slot: int, port: int) -> list[OnuState]:
    """`show gpon onu state [gpon-olt_F/S/P]`: the rows of port F/S/P, whatever columns this firmware
    prints (zte_common.parse_state_rows)."""
    return [state for state in parse_state_rows(text) if (state.frame, state.slot, state.port) == (frame, slot, port)]


# --- ONU detail ------------------------------------------------------------------
def _key_values(block: str) -> dict[str, str]:
    values: dict[str, str] = {}
    for line in block.splitlines():
        match = _KEY_VALUE.match(line)
        if match:
            values.setdefault(match["key"].strip().lower(), match["value"])
    return values


def _last_down_cause(history: str) -> str | None:
    causes = [m["cause"].strip() for line in history.splitlines() if (m := _HISTORY_ROW.match(line)) and m["cause"]]
    return down_cause(causes[-1]) if causes else None


def _distance_m(value: str | None) -> int | None:
    match = re.match(r"^(\d+)\s*m$", value or "")
    return int(match.group(1)) if match else None


def _blank_to_none(value: str | None) -> str | None:
    return value if value and value.upper() != "N/A" else None


# the ruler between detail-info's key/values and its history: `-----`, `=====` or blog typography (U+2014/U+2013)
_RULER = re.compile(r"^\s*[-=\u2013\u2014]{5,}\s*$", re.M)


def _split_at_ruler(text: str) -> tuple[str, str]:
    parts = _RULER.split(text, maxsplit=1)
    return (parts[0], parts[1]) if len(parts) == 2 else (text, "")


def parse_detail(text: str) -> OnuState:
    """`show gpon onu detail-info gpon-onu_F/S/P:N` (key/value block + offline history)."""
    block, history = _split_at_ruler(clean_output(text))
    values = _key_values(block)
    match = _ONU_INDEX.match(values.get("onu interface", ""))
    if not match:
        raise ZteParseError(f"no 'ONU interface:' line in detail-info answer: {text[:120]!r}")
    return OnuState(
        int(match["frame"]),
        int(match["slot"]),
        int(match["port"]),
        int(match["onu_id"]),
        serial=parse_serial(values.get("serial number")),
        run_state=run_state_from_phase(values.get("phase state")),
        config_state=_blank_to_none(values.get("config state")),
        description=_blank_to_none(values.get("description")),
        onu_type=_blank_to_none(values.get("type")),
        distance_m=_distance_m(values.get("onu distance")),
        last_down_cause=_last_down_cause(history),
        name=_blank_to_none(values.get("name")),
        admin_state=admin_state(values.get("admin state")),
    )


# --- optical -----------------------------------------------------------------------
def parse_attenuation(text: str) -> OnuOptical:
    """`show pon power attenuation gpon-onu_F/S/P:N`: up = ONU->OLT, down = OLT->ONU."""
    up = down = None
    for line in text.splitlines():
        up = up or _UP_LINE.match(line)
        down = down or _DOWN_LINE.match(line)
    if not up and not down:
        if is_no_data(text) or re.search(r"\bN/A\b", text):
            return OnuOptical()
        raise ZteParseError(f"no up/down power lines in attenuation answer: {text[:120]!r}")
    return OnuOptical(
        rx_dbm=float(down["onu_rx"]) if down else None,
        tx_dbm=float(up["onu_tx"]) if up else None,
        olt_rx_dbm=float(up["olt_rx"]) if up else None,
    )


def parse_onu_rx(text: str) -> dict[int, OnuOptical]:
    """`show pon power onu-rx gpon-olt_F/S/P` (every ONU of the port) or `... gpon-onu_F/S/P:N`:
    {onu_id: OnuOptical(rx_dbm)}; an offline ONU (`N/A`) has rx_dbm None."""
    try:
        return parse_port_rx(text)
    except ValueError as error:
        raise ZteParseError(str(error)) from error


# --- version / boards ----------------------------------------------------------------
def parse_version(text: str) -> OltVersion:
    """`show system-group` and `show card` answers (either or both, in one text). Another
    device's answers give an empty OltVersion (identity_problem says why)."""
    match = _SYSTEM_DESCRIPTION.search(text)
    try:
        boards = [
            BoardInfo(int(row["shelf"]), int(row["slot"]), row["real_type"] or row["cfg_type"], row["status"])
            for row in _textfsm_rows("show_card.textfsm", text)
        ]
    except (ValueError, textfsm.TextFSMError):
        return OltVersion()
    return OltVersion(
        model=match["model"] if match else None,
        software_version=match["version"] if match else None,
        boards=boards,
    )
