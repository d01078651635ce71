"""Parsers for the answers to the show commands the driver sends.

Every parser accepts the concatenated answers of its command list (mode changes
answer with nothing) and the firmware variants seen in public captures:
space-padded F/S/P (`0/ 1/0`), both description-table headers, missing fields,
`Command is being executed` lines and smart-mode `{ <cr>||<K> }:` echoes.
"""

from __future__ import annotations

import re
from pathlib import Path

from textfsm import TextFSMError

from vendor_cli.base import AutofindOnu, BoardInfo, OltVersion, OnuOptical, OnuState
from vendor_cli.huawei_smartax.cleanup import clean_output
from vendor_cli.huawei_smartax.errors import HuaweiAnswerError, command_error
from vendor_cli.huawei_smartax.states import admin_state, dash_to_none, normalise_run_state
from vendor_cli.serials import canonical_serial
from vendor_cli.textfsm_runner import parse_table

NO_AUTOFIND = "The automatically found ONTs do not exist"
_KEY_VALUE = re.compile(r"^\s*([^:\n]+?)\s*:\s*(.*?)\s*$", re.M)
# a value the device wrapped onto the next line: deeply indented text with no `key :` of its own
# (`Description : FRANCISCO_JAVIER_CHA_0_0_15_9.7_` / `1`, an MA5608T capture in tests/data)
_WRAPPED_VALUE = re.compile(r"(:[ \t]*\S[^\n]*)\n[ \t]{20,}([^\s:-][^:\n]*?)[ \t]*$", re.M)
# autofind's VendorID when the ONT did not report one (tests/data/autofind_placeholder_vendor_echo.txt)
_NO_VENDOR = re.compile(r"0x0+")
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")

TEXTFSM_DIR = Path(__file__).parent / "textfsm"


def _table(name: str, text: str) -> list[dict[str, str]]:
    return parse_table(TEXTFSM_DIR / f"{name}.textfsm", text)


def fsp(text: str) -> tuple[int, int, int]:
    frame, slot, port = (int(part) for part in text.replace(" ", "").split("/"))
    return frame, slot, port


def parse_autofind(text: str) -> list[AutofindOnu]:
    text = clean_output(text)
    if NO_AUTOFIND in text:
        return []
    return [_autofind_onu(row) for row in _table("display_ont_autofind", text)]


def _autofind_onu(row: dict[str, str]) -> AutofindOnu:
    frame, slot, port = fsp(row["fsp"])
    return AutofindOnu(
        frame=frame,
        slot=slot,
        port=port,
        serial=canonical_serial(row["sn"]),
        vendor_id=_vendor_id(row["vendor_id"]),
        equipment_id=dash_to_none(row["equipment_id"]),
        software_version=dash_to_none(row["software_version"]),
        hardware_version=dash_to_none(row["version"]),
    )


def _vendor_id(text: str) -> str | None:
    vendor = dash_to_none(text)
    return None if vendor is None or _NO_VENDOR.fullmatch(vendor) else vendor


def parse_onu_list(text: str, frame: int, slot: int, port: int) -> list[OnuState]:
    """`display ont info summary F/S/P` and also `display ont info F S P all`."""
    text = clean_output(text)
    if re.search(r"^\s*ONT\s+Run\b", text, re.M):
        rows = _merge(_table("display_ont_info_summary", text), "port")
        return [_summary_state(row, (frame, slot, port)) for row in rows]
    rows = _merge(_table("display_ont_info_port_all", text), "fsp")
    return [_port_all_state(row, (frame, slot, port)) for row in rows]


def _merge(rows: list[dict[str, str]], position_key: str) -> list[dict[str, str]]:
    """Both tables of a listing describe the same ONTs: join their rows by position and id."""
    merged: dict[tuple[str, str], dict[str, str]] = {}
    for row in rows:
        if not row["ont_id"]:
            continue  # the Filldown position alone makes an empty record at the end
        key = (row[position_key].replace(" ", ""), row["ont_id"])
        target = merged.setdefault(key, {})
        target.update({name: value for name, value in row.items() if value or name not in target})
    return list(merged.values())


def _position(text: str, default: tuple[int, int, int]) -> tuple[int, int, int]:
    return fsp(text) if text else default


def _summary_state(row: dict[str, str], default: tuple[int, int, int]) -> OnuState:
    frame, slot, port = _position(row["port"], default)
    cause = dash_to_none(row["down_cause"])
    sn = dash_to_none(row["sn"])
    rx, tx = _rx_tx(row["power"])
    return OnuState(
        frame=frame,
        slot=slot,
        port=port,
        onu_id=int(row["ont_id"]),
        serial=canonical_serial(sn) if sn else None,
        run_state=normalise_run_state(row["run_state"], cause),
        description=dash_to_none(row["description"]),
        onu_type=dash_to_none(row["type"]),
        distance_m=_int(row["distance"]),
        last_down_cause=cause,
        rx_dbm=rx,
        tx_dbm=tx,
    )


def _rx_tx(power: str) -> tuple[float | None, float | None]:
    """The summary's `Rx/Tx power(dBm)` column, `-21.52/2.13` (`-/-` when the ONT is offline)."""
    rx, _, tx = power.partition("/")
    return _float(rx), _float(tx)


def _port_all_state(row: dict[str, str], default: tuple[int, int, int]) -> OnuState:
    frame, slot, port = _position(row["fsp"], default)
    sn = dash_to_none(row["sn"])
    return OnuState(
        frame=frame,
        slot=slot,
        port=port,
        onu_id=int(row["ont_id"]),
        serial=canonical_serial(sn) if sn else None,
        run_state=normalise_run_state(row["run_state"]),
        config_state=dash_to_none(row["config_state"]),
        match_state=dash_to_none(row["match_state"]),
        description=dash_to_none(row["description"]),
        admin_state=admin_state(row["control_flag"]),
    )


def key_values(text: str) -> dict[str, str]:
    """`Key : value` lines; the first occurrence of a key wins (later blocks repeat keys)."""
    pairs: dict[str, str] = {}
    for key, value in _KEY_VALUE.findall(_WRAPPED_VALUE.sub(r"\1\2", clean_output(text))):
        pairs.setdefault(key.strip().lower(), value)
    return pairs


def parse_onu_detail(text: str) -> OnuState:
    """`display ont info F S P ID`, `display ont info by-sn SN` and, in `interface gpon F/S`,
    `display ont info P ID`: the answer names the ONT's F/S/P. An ONT has no name on Huawei
    (only a description), so `name` stays None."""
    fields = key_values(text)
    if "f/s/p" not in fields or "ont-id" not in fields:
        raise HuaweiAnswerError(f"not an ONT detail answer: {text.strip()[:200]!r}")
    frame, slot, port = fsp(fields["f/s/p"])
    cause = dash_to_none(fields.get("last down cause"))
    sn = dash_to_none(fields.get("sn"))
    return OnuState(
        frame=frame,
        slot=slot,
        port=port,
        onu_id=int(fields["ont-id"]),
        serial=canonical_serial(sn) if sn else None,
        run_state=normalise_run_state(fields.get("run state"), cause),
        config_state=dash_to_none(fields.get("config state")),
        match_state=dash_to_none(fields.get("match state")),
        description=dash_to_none(fields.get("description")),
        distance_m=_int(fields.get("ont distance(m)")),
        last_down_cause=cause,
        admin_state=admin_state(fields.get("control flag")),
    )


_OPTICAL_FIELDS = {
    "rx_dbm": "rx optical power(dbm)",
    "tx_dbm": "tx optical power(dbm)",
    "olt_rx_dbm": "olt rx ont optical power(dbm)",
    "temperature_c": "temperature(c)",
    "voltage_v": "voltage(v)",
    "bias_ma": "laser bias current(ma)",
}
_OPTICAL_ROW = re.compile(r"^\s*\d+\s+(-?[\d.]+|-)\s+(-?[\d.]+|-)\s+(-?[\d.]+|-)\s+(-?[\d.]+|-)\s+"
                          r"(-?[\d.]+|-)\s+(-?[\d.]+|-)", re.M)


def parse_onu_optical(text: str) -> OnuOptical:
    """`display ont optical-info P ID` (key/value); an offline ONT gives all None.
    A one-row `display ont optical-info P all` table is accepted too."""
    fields = key_values(text)
    if any(label in fields for label in _OPTICAL_FIELDS.values()):
        return OnuOptical(**{name: _float(fields.get(label)) for name, label in _OPTICAL_FIELDS.items()})
    if row := _OPTICAL_ROW.search(clean_output(text)):
        rx, tx, olt_rx, temperature, voltage, bias = (_float(value) for value in row.groups())
        return OnuOptical(rx, tx, olt_rx, temperature, voltage, bias)
    return OnuOptical()


_PORT_OPTICAL_ROW = re.compile(r"^\s*(\d+)\s+(-?[\d.]+|-)\s+(-?[\d.]+|-)\s+(-?[\d.]+|-)\s+(-?[\d.]+|-)\s+"
                               r"(-?[\d.]+|-)\s+(-?[\d.]+|-)", re.M)


def parse_port_optical(text: str) -> dict[int, OnuOptical]:
    """`display ont optical-info P all` (in `interface gpon F/S`): the optics of every online ONT
    of the port in one command, by ONT id (offline ONTs are not listed)."""
    return {
        int(row.group(1)): OnuOptical(*(_float(value) for value in row.groups()[1:]))
        for row in _PORT_OPTICAL_ROW.finditer(clean_output(text))
    }


_ONT_ADDED = re.compile(r"\bONTID\s*:\s*(\d+)")


def parse_ont_add(text: str) -> int:
    """The ONT id the OLT gave in its answer to `ont add P [ID] sn-auth ...` (`Number of ONTs
    that can be added: 1, success: 1` / `PortID :1, ONTID :5`; without an ID in the command the
    OLT picks the smallest free one). A refused add raises HuaweiAnswerError with the reason."""
    if reason := command_error("ont add", text):
        raise HuaweiAnswerError(f"ont add failed: {reason}")
    if added := _ONT_ADDED.search(text):
        return int(added.group(1))
    raise HuaweiAnswerError(f"no ONT id in the answer to ont add: {text.strip()[:200]!r}")


def parse_version(text: str) -> OltVersion:
    """`display version` followed by `display board 0` (frame 0: the board list has no frame
    column). Another device's answers give an empty OltVersion (identity_problem says why)."""
    text = clean_output(text)
    try:
        version = next(iter(_table("display_version", text)), {})
        boards = [
            BoardInfo(frame=0, slot=int(row["slot"]), board_name=row["board_name"], status=row["status"])
            for row in _table("display_board", text)
        ]
    except (ValueError, TextFSMError):
        return OltVersion()
    return OltVersion(
        model=dash_to_none(version.get("product")),
        software_version=dash_to_none(version.get("version")),
        boards=boards,
    )


def _float(value: str | None) -> float | None:
    match = _NUMBER.search(value or "")
    return float(match.group()) if match and dash_to_none(value) else None


def _int(value: str | None) -> int | None:
    number = _float(value)
    return int(number) if number is not None else None
