"""A stateful simulated Huawei MA5800-X7 (MA5608T-compatible CLI).

Answers are formatted like public captures of real OLTs (ntc-templates fixtures and an
MA5800 session), so the huawei_smartax parsers read them unchanged. Where no public
capture of an answer was found (port full, deleting an ONT that still has service-ports,
an unknown service profile) the wording is ours and says so in a comment.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from lab.base import Faults, SimSession, SimulatedOlt, rebooting
from lab.profiles import HUAWEI_LINE_PROFILES, HUAWEI_SERVICE_PROFILES

Position = tuple[int, int, int]
Profile = tuple[int, str]  # (profile-id, profile-name)

DASHES = "-" * 78
AUTOFIND_DASHES = "   " + "-" * 76
BOARD_DASHES = "  " + "-" * 73
FOUND_TIME = "2024-03-12 02:33:42-04:00"
UP_TIME = "2024-03-12 02:35:10"
DOWN_TIME = "2024-03-11 23:26:47"
MORE_PROMPT = "---- More ( Press 'Q' to break ) ----"
LOGOUT_QUESTION = (
    "  Check whether system data has been changed. Please save data before logout.\n"
    "Are you sure to log out? (y/n)[n]:"
)
RESET_QUESTION = "  Are you sure to reset the ONT(s)? (y/n)[n]:"
SMART_PROMPT = "{ <cr>||<K> }:"
# Smart mode asks for the optional parameters of these commands before running them:
# `ont add` from a public MA5683T capture (vendor_cli/huawei_smartax/tests/data/error_sn_exists.txt),
# `save` from public scripts that wait for it (and NOC's Huawei.MA5600T pattern_more).
PARAMETER_PROMPTS = (
    ("display ont", SMART_PROMPT),
    ("ont add", "{ <cr>|ont-type<K> }:"),
    ("save", "{ <cr>|configuration<K>|data<K> }:"),
)
# `ont add` naming a line profile that does not exist: a public MA5683T capture (a Jest
# fixture whose header says its outputs are the OLT's own; search-index file 69469012413).
LINE_PROFILE_MISSING = "  Failure: The ont-lineprofile does not exist"
# No capture of `ont add` with an unknown service profile was found: wording is ours, by
# analogy with the line profile (MA5800 says "The service profile does not exist" when
# asked to display one).
SERVICE_PROFILE_MISSING = "  Failure: The ont-srvprofile does not exist"
# NOC (Huawei.MA5600T pattern_operation_error) and public scripts show this line after `save`.
SAVING = "  It will take several minutes to save configuration file, please wait..."
# Only when save_asks_confirmation is set: no SmartAX capture shows a question on `save`
# (netmiko's SmartAX driver saves without confirming); the wording is Huawei VRP's.
SAVE_QUESTION = (
    "  The current configuration will be written to the device.\n"
    "  Are you sure to continue? (y/n)[n]:"
)
GPON_BOARD = "H901GPHF"
CONTROL_BOARDS = {
    8: ("H901MPLA", "Active_normal"),
    9: ("H901MPLA", "Standby_normal"),
    10: ("H901PISA", "Normal"),
}


def _default_ports() -> list[Position]:
    return [(0, slot, port) for slot in (1, 2) for port in range(16)]


def _hash(text: str) -> int:
    return zlib.crc32(text.encode())


def serial_hex(serial: str) -> str:
    return serial[:4].encode("ascii").hex().upper() + serial[4:].upper()


def serial_from_cli(text: str) -> str | None:
    """Canonical serial from `ont add ... sn-auth X`: 16 hex digits or VVVV[-]XXXXXXXX."""
    text = text.strip('"')
    if re.fullmatch(r"[0-9A-Fa-f]{16}", text):
        return bytes.fromhex(text[:8]).decode("latin-1").upper() + text[8:].upper()
    if match := re.fullmatch(r"([A-Za-z0-9]{4})-?([0-9A-Fa-f]{8})", text):
        return match.group(1).upper() + match.group(2).upper()
    return None


@dataclass
class PluggedOnu:
    position: Position
    serial: str
    equipment_id: str
    vendor_id: str
    software_version: str
    hardware_version: str = "159D.A"


@dataclass
class ConfiguredOnt:
    position: Position
    onu_id: int
    serial: str
    description: str
    line_profile: Profile
    service_profile: Profile
    admin_enabled: bool = True
    last_down_cause: str = "-"
    settings: list[str] = field(default_factory=list)  # ipconfig / tr069 lines accepted for it
    offline_until: float = 0.0  # time.monotonic() at which a reset ONT is back online

    def config(self) -> tuple[Any, ...]:
        """What a save persists of this ONT (not its run state)."""
        return (self.position, self.onu_id, self.serial, self.description, self.line_profile,
                self.service_profile, self.admin_enabled, tuple(self.settings))


@dataclass
class ServicePort:
    index: int
    position: Position
    onu_id: int
    vlan: int
    user_vlan: int
    gemport: int


class HuaweiMa5800(SimulatedOlt):
    model = "MA5800-X7"
    telnet_login_prompts = (">>User name:", ">>User password:")
    software_version = "MA5800V100R019C10"
    banner = (
        "\n  Huawei Integrated Access Software (MA5800).\n"
        "  Copyright(C) Huawei Technologies Co., Ltd. 2002-2021. All rights reserved.\n\n"
    )

    def __init__(
        self,
        name: str,
        username: str = "admin",
        password: str = "admin",
        faults: Faults | None = None,
        ports: list[Position] | None = None,
        max_onus_per_port: int = 128,
        *,
        line_profiles: dict[int, str] | None = None,
        service_profiles: dict[int, str] | None = None,
    ) -> None:
        super().__init__(name, username, password, faults)
        self.sysname = name
        #: profile-id -> profile-name of the ONT line / service profiles created on this OLT
        self.line_profiles = dict(HUAWEI_LINE_PROFILES if line_profiles is None else line_profiles)
        self.service_profiles = dict(HUAWEI_SERVICE_PROFILES if service_profiles is None else service_profiles)
        self.ports = list(ports or _default_ports())
        self.max_onus_per_port = max_onus_per_port
        self.fibre: dict[str, PluggedOnu] = {}
        self.onts: dict[tuple[Position, int], ConfiguredOnt] = {}
        self.service_ports: dict[int, ServicePort] = {}
        self.reboots: list[tuple[Position, int]] = []
        #: firmware variant whose `undo smart` has no effect (parameter prompts stay on)
        self.ignore_undo_smart = False
        #: firmware variant that asks (y/n) before `save` (see SAVE_QUESTION)
        self.save_asks_confirmation = False

    def new_session(self) -> SimSession:
        return HuaweiSession(self)

    # --- the fibre ----------------------------------------------------------
    def plug_onu(
        self,
        frame: int,
        slot: int,
        port: int,
        serial: str,
        equipment_id: str = "EG8145V5",
        vendor_id: str | None = None,
        software_version: str = "V5R019C10S270",
    ) -> None:
        position = (frame, slot, port)
        if position not in self.ports:
            raise ValueError(f"{self.name}: no GPON port {frame}/{slot}/{port}")
        canonical = serial_from_cli(serial)
        if canonical is None:
            raise ValueError(f"{self.name}: {serial!r} is not a GPON serial")
        with self.lock:
            self.fibre[canonical] = PluggedOnu(
                position, canonical, equipment_id, vendor_id or canonical[:4], software_version
            )

    def unplug_onu(self, serial: str) -> None:
        canonical = serial_from_cli(serial) or serial
        with self.lock:
            self.fibre.pop(canonical, None)
            for ont in self.onts.values():
                if ont.serial == canonical:
                    ont.last_down_cause = "LOSi/LOBi"

    # --- derived state ------------------------------------------------------
    def run_state(self, ont: ConfiguredOnt) -> str:
        plugged = self.fibre.get(ont.serial)
        online = plugged is not None and plugged.position == ont.position and ont.admin_enabled
        return "online" if online and not rebooting(ont.offline_until) else "offline"

    def running_config(self) -> Any:
        onts = tuple(ont.config() for ont in sorted(self.onts.values(), key=_ont_order))
        return onts, tuple(sorted(repr(sp) for sp in self.service_ports.values()))

    def find_profile(self, kind: str, by: str, value: str) -> Profile | None:
        """The (id, name) of a line or service profile named by id or name, if this OLT has it."""
        profiles = self.line_profiles if kind == "line" else self.service_profiles
        value = value.strip('"')
        if by == "id":
            number = int(value) if value.isdigit() else None
            return (number, profiles[number]) if number in profiles else None
        return next(((pid, name) for pid, name in profiles.items() if name == value), None)

    def autofind(self) -> list[PluggedOnu]:
        configured = {(ont.position, ont.serial) for ont in self.onts.values()}
        return [onu for onu in self.fibre.values() if (onu.position, onu.serial) not in configured]

    def onts_on(self, position: Position) -> list[ConfiguredOnt]:
        return sorted((o for o in self.onts.values() if o.position == position), key=lambda o: o.onu_id)

    def equipment_of(self, ont: ConfiguredOnt) -> str | None:
        plugged = self.fibre.get(ont.serial)
        return plugged.equipment_id if plugged else None

    def configured_onus(self) -> list[dict[str, Any]]:
        with self.lock:
            return [self._onu_dict(ont) for ont in sorted(self.onts.values(), key=_ont_order)]

    def _onu_dict(self, ont: ConfiguredOnt) -> dict[str, Any]:
        frame, slot, port = ont.position
        return {
            "frame": frame,
            "slot": slot,
            "port": port,
            "onu_id": ont.onu_id,
            "serial": ont.serial,
            "description": ont.description,
            "name": ont.description,  # SmartAX has no separate ONT name
            "onu_type": self.equipment_of(ont),
            "admin_enabled": ont.admin_enabled,
            "run_state": self.run_state(ont),
        }

    def boards(self) -> list[dict[str, Any]]:
        slots = sorted({slot for _, slot, _ in self.ports})
        boards = [{"frame": 0, "slot": s, "board_name": GPON_BOARD, "status": "Normal"} for s in slots]
        boards += [
            {"frame": 0, "slot": s, "board_name": name, "status": status}
            for s, (name, status) in CONTROL_BOARDS.items()
            if s not in slots
        ]
        return sorted(boards, key=lambda board: board["slot"])

    def snapshot(self) -> dict[str, Any]:
        with self.lock:
            return {
                "model": self.model,
                "sysname": self.sysname,
                "software_version": self.software_version,
                "boards": self.boards(),
                "ports": [_port_dict(position) for position in self.ports],
                "onus": [self._onu_snapshot(ont) for ont in sorted(self.onts.values(), key=_ont_order)],
            }

    def _onu_snapshot(self, ont: ConfiguredOnt) -> dict[str, Any]:
        entry = self._onu_dict(ont)
        online = entry["run_state"] == "online"
        entry.update(optical_levels(ont.serial) if online else dict.fromkeys(_LEVEL_KEYS))
        entry["distance_m"] = distance_m(ont.serial) if online else None
        entry["last_down_cause"] = None if ont.last_down_cause == "-" else ont.last_down_cause
        return entry


_LEVEL_KEYS = ("rx_dbm", "tx_dbm", "olt_rx_dbm")


def optical_levels(serial: str) -> dict[str, float]:
    """Plausible, deterministic levels: ONT rx between -14 and -26 dBm."""
    digest = _hash(serial)
    rx = -14.0 - (digest % 1200) / 100
    return {
        "rx_dbm": round(rx, 2),
        "tx_dbm": round(1.5 + (digest >> 12) % 200 / 100, 2),
        "olt_rx_dbm": round(rx - 1.5 - (digest >> 20) % 150 / 100, 2),
    }


def distance_m(serial: str) -> int:
    return 200 + (_hash(serial) >> 4) % 9800


def _port_dict(position: Position) -> dict[str, Any]:
    frame, slot, port = position
    tx = 3.0 + _hash(f"{frame}/{slot}/{port}") % 150 / 100
    return {"frame": frame, "slot": slot, "port": port, "admin_up": True, "tx_dbm": round(tx, 2)}


def _ont_order(ont: ConfiguredOnt) -> tuple[Position, int]:
    return ont.position, ont.onu_id


# --- answers (formats follow public captures; see vendor_cli/huawei_smartax/tests/data) ---------


def caret_error(prompt: str, column: int, message: str) -> str:
    return " " * (len(prompt) + column) + "^\n" + f"  % {message}, the error locates at '^'"


def autofind_answer(olt: HuaweiMa5800) -> str:
    found = olt.autofind()
    if not found:
        return "  Failure: The automatically found ONTs do not exist"
    blocks = [_autofind_block(number, onu) for number, onu in enumerate(found, start=1)]
    return "\n".join([*blocks, AUTOFIND_DASHES, f"   The number of GPON autofind ONT is {len(found)}"])


def _autofind_block(number: int, onu: PluggedOnu) -> str:
    frame, slot, port = onu.position
    fields = [
        ("Number", str(number)),
        ("F/S/P", f"{frame}/{slot}/{port}"),
        ("ONT NNI type", "2.5G/1.25G"),
        ("Ont SN", f"{serial_hex(onu.serial)} ({onu.serial[:4]}-{onu.serial[4:]})"),
        ("Password", "0x00000000000000000000"),
        ("Loid", ""),
        ("Checkcode", ""),
        ("VendorID", onu.vendor_id),
        ("Ont Version", onu.hardware_version),
        ("Ont SoftwareVersion", onu.software_version),
        ("Ont EquipmentID", onu.equipment_id),
        ("Ont Customized Info", "COMMON"),
        ("Ont MAC", "-"),
        ("Ont Equipment SN", "-"),
        ("Ont autofind time", FOUND_TIME),
        ("Multi channel", "-"),
    ]
    lines = [f"   {key:<20}:" + (f" {value}" if value else "") for key, value in fields]
    return "\n".join([AUTOFIND_DASHES, *lines])


def summary_answer(olt: HuaweiMa5800, position: Position) -> str:
    onts = olt.onts_on(position)
    online = sum(olt.run_state(ont) == "online" for ont in onts)
    frame, slot, port = position
    return "\n".join(
        [
            "  " + DASHES,
            f"  In port {frame}/{slot}/{port}, the total of ONTs are: {len(onts)}, online: {online}",
            "  " + DASHES,
            "  ONT  Run     Last                Last                Last                   ",
            "  ID   State   UpTime              DownTime            DownCause",
            "  " + DASHES,
            *(_summary_state_row(olt, ont) for ont in onts),
            "  " + DASHES,
            "  ONT        SN        Type          Distance Rx/Tx power  Description",
            "  ID                                    (m)      (dBm)",
            "  " + DASHES,
            *(_summary_optics_row(olt, ont) for ont in onts),
            "  " + DASHES,
        ]
    )


def _summary_state_row(olt: HuaweiMa5800, ont: ConfiguredOnt) -> str:
    state = olt.run_state(ont)
    up = UP_TIME if state == "online" else "-"
    down = DOWN_TIME if ont.last_down_cause != "-" else "-"
    return f"  {ont.onu_id:<4} {state:<7} {up:<19} {down:<19} {ont.last_down_cause:<25}"


def _summary_optics_row(olt: HuaweiMa5800, ont: ConfiguredOnt) -> str:
    online = olt.run_state(ont) == "online"
    levels = optical_levels(ont.serial)
    power = f"{levels['rx_dbm']:.2f}/{levels['tx_dbm']:.2f}" if online else "-/-"
    distance = str(distance_m(ont.serial)) if online else "-"
    kind = olt.equipment_of(ont) or "-"
    return (
        f"  {ont.onu_id:<3} {serial_hex(ont.serial)} {kind:<16} {distance:<5} {power:<12} "
        f"{ont.description:<21}"
    )


def detail_answer(olt: HuaweiMa5800, ont: ConfiguredOnt) -> str:
    frame, slot, port = ont.position
    online = olt.run_state(ont) == "online"
    distance = str(distance_m(ont.serial)) if online else "-"
    fields = [
        ("F/S/P", f"{frame}/{slot}/{port}"),
        ("ONT-ID", str(ont.onu_id)),
        ("Control flag", "active" if ont.admin_enabled else "deactivated"),
        ("Run state", olt.run_state(ont)),
        ("Config state", "normal" if online else "initial"),
        ("Match state", "match" if online else "initial"),
        ("DBA type", "SR"),
        ("ONT distance(m)", distance),
        ("ONT last distance(m)", distance),
        ("Memory occupation", "23%" if online else "-"),
        ("CPU occupation", "3%" if online else "-"),
        ("Temperature", "51(C)" if online else "-"),
        ("Authentic type", "SN-auth"),
        ("SN", f"{serial_hex(ont.serial)} ({ont.serial[:4]}-{ont.serial[4:]})"),
        ("Management mode", "OMCI"),
        ("Software work mode", "normal"),
        ("Isolation state", "normal"),
        ("Description", ont.description),
        ("Last down cause", ont.last_down_cause),
        ("Last up time", f"{UP_TIME}-04:00" if online else "-"),
        ("Last down time", f"{DOWN_TIME}-04:00" if ont.last_down_cause != "-" else "-"),
        ("Global ONT-ID", str(ont.onu_id)),
    ]
    line = [("Line profile ID", ont.line_profile[0]), ("Line profile name", ont.line_profile[1])]
    service = [("Service profile ID", ont.service_profile[0]), ("Service profile name", ont.service_profile[1])]
    return "\n".join(
        [
            "  " + DASHES[:77],
            *(f"  {key:<24}: {value}" for key, value in fields),
            "  " + DASHES[:77],
            *(f"  {key:<21}: {value}" for key, value in line),
            "  " + DASHES[:77],
            *(f"  {key:<21}: {value}" for key, value in service),
            "  " + DASHES[:77],
        ]
    )


def optical_answer(ont: ConfiguredOnt) -> str:
    levels = optical_levels(ont.serial)
    fields = [
        ("ONU NNI port ID", "0"),
        ("Module type", "GPON"),
        ("Module sub-type", "CLASS B+"),
        ("Used type", "ONU"),
        ("Encapsulation Type", "BOSA ON BOARD"),
        ("Vendor name", "HUAWEI"),
        ("Rx optical power(dBm)", f"{levels['rx_dbm']:.2f}"),
        ("Rx power current alarm threshold(dBm)", "[-29.0,-7.0]"),
        ("Tx optical power(dBm)", f"{levels['tx_dbm']:.2f}"),
        ("Tx power current alarm threshold(dBm)", "[0.0,5.0]"),
        ("Laser bias current(mA)", "16"),
        ("Temperature(C)", "51"),
        ("Voltage(V)", "3.360"),
        ("OLT Rx ONT optical power(dBm)", f"{levels['olt_rx_dbm']:.2f}"),
        ("CATV Rx optical power(dBm)", "-"),
    ]
    rule = "  " + DASHES[:77]
    return "\n".join([rule, *(f"  {key:<39}: {value}" for key, value in fields), rule])


def version_answer(olt: HuaweiMa5800) -> str:
    return "\n".join(
        [
            "",
            f"  VERSION : {olt.software_version}",
            "  PATCH   : SPH210",
            f"  PRODUCT : {olt.model}",
            " ",
            "  Uptime is 20 day(s), 23 hour(s), 19 minute(s), 16 second(s)",
        ]
    )


def board_answer(olt: HuaweiMa5800) -> str:
    by_slot = {board["slot"]: board for board in olt.boards()}
    rows = []
    for slot in range(max(by_slot) + 1):
        board = by_slot.get(slot)
        filled = f"  {slot:<6}  {board['board_name']:<9}  {board['status']:<15}" if board else ""
        rows.append(filled or f"  {slot:<6}")
    return "\n".join(
        [
            BOARD_DASHES,
            "  SlotID  BoardName  Status          SubType0 SubType1    Online/Offline",
            BOARD_DASHES,
            *rows,
            BOARD_DASHES,
        ]
    )


# --- one CLI session ----------------------------------------------------------------------------

Handler = Callable[["HuaweiSession", re.Match[str]], str]
SN = r'"?([0-9A-Fa-f]{16}|[A-Za-z0-9]{4}-?[0-9A-Fa-f]{8})"?'
ONT_ADD = re.compile(
    rf"ont add (\d+)(?: (\d+))? sn-auth {SN} omci ont-lineprofile-(id|name) (\S+) "
    rf'ont-srvprofile-(id|name) (\S+)(?: desc "?([^"]*)"?)?'
)
SERVICE_PORT = re.compile(
    r"service-port(?: (\d+))? vlan (\d+) gpon (\d+)/(\d+)/(\d+) ont (\d+) gemport (\d+) multi-service "
    r"user-vlan (\d+)(?: tag-transform \S+)?(?: .*)?"
)
#: first words the CLI knows, and command prefixes whose bad arguments are a parameter error
KNOWN_WORDS = {"display", "ont", "service-port", "undo", "interface", "scroll", "config", "quit", "enable", "save"}
KNOWN_PREFIXES = (
    "display ont autofind", "display ont info", "display ont optical-info", "display board",
    "ont add", "ont delete", "ont reset", "ont modify", "ont activate", "ont deactivate",
    "service-port", "undo service-port", "interface gpon", "scroll",
)


class HuaweiSession(SimSession):
    page_lines: int | None = 20
    more_prompt = MORE_PROMPT

    def __init__(self, olt: HuaweiMa5800) -> None:
        super().__init__(olt)
        self.hw = olt
        self.mode = "user"
        self.board: tuple[int, int] | None = None
        self.smart = True
        self.question: str | None = None
        self.on_yes: Callable[[], str] = lambda: ""
        self.parked_command: str | None = None

    def prompt(self) -> str:
        if self.mode == "user":
            return f"{self.hw.sysname}>"
        if self.mode == "enable":
            return f"{self.hw.sysname}#"
        if self.mode == "config":
            return f"{self.hw.sysname}(config)#"
        assert self.board is not None
        return f"{self.hw.sysname}(config-if-gpon-{self.board[0]}/{self.board[1]})#"

    def confirm_prompt(self) -> str | None:
        return self.question

    def execute(self, line: str) -> str:
        if self.question is not None:
            return self._answer_question(line)
        command = " ".join(line.split())
        if not command:
            return ""
        prompt = self._parameter_prompt(command) if self.smart else None
        if prompt is not None and self._routed(command):
            return self._park(command, prompt)
        return self._run(command, line)

    # --- interactive questions ----------------------------------------------
    def _ask(self, question: str, on_yes: Callable[[], str]) -> str:
        self.question, self.on_yes = question, on_yes
        return ""

    def _answer_question(self, line: str) -> str:
        self.question = None
        if self.parked_command is not None:
            command, self.parked_command = self.parked_command, None
            return f"\n  Command:\n          {command}\n" + self._run(command, command)
        return self.on_yes() if line.strip().lower() == "y" else ""

    def _parameter_prompt(self, command: str) -> str | None:
        """The `{ <cr>|... }:` question smart mode asks before running `command`, if any."""
        return next((prompt for start, prompt in PARAMETER_PROMPTS if command.startswith(start)), None)

    def _park(self, command: str, prompt: str) -> str:
        self.parked_command = command
        return self._ask(prompt, lambda: "")

    # --- dispatch -----------------------------------------------------------
    def _routed(self, command: str) -> bool:
        """Whether this mode has the command (a command it lacks is refused at once)."""
        return any(self.mode in modes and pattern.fullmatch(command) for pattern, modes, _ in ROUTES)

    def _run(self, command: str, raw_line: str) -> str:
        for pattern, modes, handler in ROUTES:
            if self.mode in modes and (match := pattern.fullmatch(command)):
                return handler(self, match)
        return self._syntax_error(command, raw_line)

    def _syntax_error(self, command: str, raw_line: str) -> str:
        """Caret under the first word the CLI could not take, as the real device does."""
        words = command.split()
        prefix = next((p for p in KNOWN_PREFIXES if command.startswith(p)), None)
        if prefix is not None:
            position = len(prefix.split())
            message = "Parameter error"
        else:
            position = 1 if words[0] in KNOWN_WORDS and len(words) > 1 else 0
            message = "Unknown command"
        column = raw_line.find(words[position]) if position < len(words) else len(raw_line.rstrip())
        return caret_error(self.prompt(), max(column, 0), message)

    # --- modes --------------------------------------------------------------
    def enable(self, _: re.Match[str]) -> str:
        self.mode = "enable"
        return ""

    def disable(self, _: re.Match[str]) -> str:
        self.mode = "user"
        return ""

    def config(self, _: re.Match[str]) -> str:
        self.mode = "config"
        return ""

    def quit(self, _: re.Match[str]) -> str:
        if self.mode == "gpon":
            self.mode, self.board = "config", None
            return ""
        if self.mode == "config":
            self.mode = "enable"
            return ""
        return self._ask(LOGOUT_QUESTION, self._logout)

    def _logout(self) -> str:
        self.closed = True
        return ""

    def return_(self, _: re.Match[str]) -> str:
        self.mode, self.board = "enable", None
        return ""

    def interface_gpon(self, match: re.Match[str]) -> str:
        frame, slot = int(match.group(1)), int(match.group(2))
        if not any(p[:2] == (frame, slot) for p in self.hw.ports):
            return "  Failure: The board does not exist"
        self.mode, self.board = "gpon", (frame, slot)
        return ""

    def settings(self, match: re.Match[str]) -> str:
        if match.group(0) == "undo smart" and self.hw.ignore_undo_smart:
            return ""
        if match.group(0) in ("undo smart", "smart"):
            self.smart = match.group(0) == "smart"
        elif match.group(0).startswith("scroll"):
            lines = match.group(1)
            self.page_lines = int(lines) if lines else None
        return ""

    # --- display ------------------------------------------------------------
    def display_version(self, _: re.Match[str]) -> str:
        return version_answer(self.hw)

    def display_board(self, _: re.Match[str]) -> str:
        return board_answer(self.hw)

    def display_autofind(self, _: re.Match[str]) -> str:
        return autofind_answer(self.hw)

    def display_summary(self, match: re.Match[str]) -> str:
        position = _position(match, 1)
        if position not in self.hw.ports:
            return "  Failure: The port does not exist"
        return summary_answer(self.hw, position)

    def display_detail(self, match: re.Match[str]) -> str:
        ont = self.hw.onts.get((_position(match, 1), int(match.group(4))))
        return detail_answer(self.hw, ont) if ont else "  Failure: The ONT does not exist"

    def display_optical(self, match: re.Match[str]) -> str:
        ont = self._ont(int(match.group(1)), int(match.group(2)))
        if ont is None:
            return "  Failure: The ONT does not exist"
        if self.hw.run_state(ont) != "online":
            return "  Failure: The ONT is not online"
        return optical_answer(ont)

    # --- ONT commands (GPON interface view) ---------------------------------
    def _here(self, port: int) -> Position:
        assert self.board is not None
        return (*self.board, port)

    def _ont(self, port: int, onu_id: int) -> ConfiguredOnt | None:
        return self.hw.onts.get((self._here(port), onu_id))

    def ont_add(self, match: re.Match[str]) -> str:
        port, wanted_id, sn, line_by, line_value, service_by, service_value, desc = match.groups()
        position, serial = self._here(int(port)), serial_from_cli(sn)
        if position not in self.hw.ports or serial is None:
            return caret_error(self.prompt(), 8, "Parameter error")
        # Profiles are checked before the serial: the public capture refuses the profile of
        # an ONT whose serial was already added.
        line_profile = self.hw.find_profile("line", line_by, line_value)
        if line_profile is None:
            return LINE_PROFILE_MISSING
        service_profile = self.hw.find_profile("service", service_by, service_value)
        if service_profile is None:
            return SERVICE_PROFILE_MISSING
        if any(ont.serial == serial for ont in self.hw.onts.values()):
            return "  Failure: SN already exists"
        onu_id = self._free_id(position) if wanted_id is None else int(wanted_id)
        if onu_id is None:
            # No public capture of this answer was found; wording is ours.
            return "  Failure: The number of ONTs on the port reaches the upper limit"
        if onu_id >= self.hw.max_onus_per_port:
            return caret_error(self.prompt(), 9 + len(port), "Parameter error")
        if (position, onu_id) in self.hw.onts:
            return "  Failure: The ONT ID has already existed"
        self.hw.onts[(position, onu_id)] = ConfiguredOnt(
            position, onu_id, serial, desc or "ONT_NO_DESCRIPTION", line_profile, service_profile
        )
        return f"  Number of ONTs that can be added: 1, success: 1\n  PortID :{port}, ONTID :{onu_id}"

    def _free_id(self, position: Position) -> int | None:
        used = {ont.onu_id for ont in self.hw.onts_on(position)}
        return next((i for i in range(self.hw.max_onus_per_port) if i not in used), None)

    def ont_delete(self, match: re.Match[str]) -> str:
        ont = self._ont(int(match.group(1)), int(match.group(2)))
        if ont is None:
            return "  Failure: The ONT does not exist"
        key = (ont.position, ont.onu_id)
        if any((sp.position, sp.onu_id) == key for sp in self.hw.service_ports.values()):
            # No public capture of this answer was found; wording is ours.
            return "  Failure: The ONT has service virtual ports, delete them first"
        del self.hw.onts[(ont.position, ont.onu_id)]
        return "  Number of ONTs that can be deleted: 1, success: 1"

    def ont_reset(self, match: re.Match[str]) -> str:
        ont = self._ont(int(match.group(1)), int(match.group(2)))
        if ont is None:
            return "  Failure: The ONT does not exist"
        return self._ask(RESET_QUESTION, lambda: self._reset(ont))

    def _reset(self, ont: ConfiguredOnt) -> str:
        if self.hw.run_state(ont) != "online":
            return "  Failure: The ONT is not online"
        self.hw.reboots.append((ont.position, ont.onu_id))
        ont.last_down_cause = "ONT is reset by ONT command"
        ont.offline_until = self.hw.reboot_deadline()  # a real ONT takes a while to register again
        return ""

    # --- saving the configuration -------------------------------------------
    def save(self, _: re.Match[str]) -> str:
        if self.hw.save_asks_confirmation:
            return self._ask(SAVE_QUESTION, self._save)
        return self._save()

    def _save(self) -> str:
        self.hw.record_save()
        return SAVING

    def ont_activation(self, match: re.Match[str]) -> str:
        ont = self._ont(int(match.group(2)), int(match.group(3)))
        if ont is None:
            return "  Failure: The ONT does not exist"
        ont.admin_enabled = match.group(1) == "activate"
        if not ont.admin_enabled:
            ont.last_down_cause = "deactive ONT"
        return ""

    def ont_modify_desc(self, match: re.Match[str]) -> str:
        ont = self._ont(int(match.group(1)), int(match.group(2)))
        if ont is None:
            return "  Failure: The ONT does not exist"
        ont.description = match.group(3)
        return ""

    def ont_modify_sn(self, match: re.Match[str]) -> str:
        ont, serial = self._ont(int(match.group(1)), int(match.group(2))), serial_from_cli(match.group(3))
        if ont is None:
            return "  Failure: The ONT does not exist"
        if serial is None:
            return caret_error(self.prompt(), 0, "Parameter error")
        if any(other.serial == serial for other in self.hw.onts.values() if other is not ont):
            return "  Failure: SN already exists"
        ont.serial = serial
        return ""

    def ont_setting(self, match: re.Match[str]) -> str:
        ont = self._ont(int(match.group(1)), int(match.group(2)))
        if ont is None:
            return "  Failure: The ONT does not exist"
        ont.settings.append(match.group(0))
        return ""

    # --- service-ports (config view) ----------------------------------------
    def service_port(self, match: re.Match[str]) -> str:
        index, vlan, frame, slot, port, onu_id, gemport, user_vlan = match.groups()
        position = (int(frame), int(slot), int(port))
        if (position, int(onu_id)) not in self.hw.onts:
            return "  Failure: The ONT does not exist"
        number = int(index) if index else max(self.hw.service_ports, default=-1) + 1
        if number in self.hw.service_ports:
            return "  Failure: Service virtual port has existed already"
        self.hw.service_ports[number] = ServicePort(
            number, position, int(onu_id), int(vlan), int(user_vlan), int(gemport)
        )
        return ""

    def undo_service_port(self, match: re.Match[str]) -> str:
        if self.hw.service_ports.pop(int(match.group(1)), None) is None:
            return "  Failure: The service virtual port does not exist"
        return ""

    def undo_service_ports_of_ont(self, match: re.Match[str]) -> str:
        key = (_position(match, 1), int(match.group(4)))
        doomed = [n for n, sp in self.hw.service_ports.items() if (sp.position, sp.onu_id) == key]
        if not doomed:
            return "  Failure: The service virtual port does not exist"
        for number in doomed:
            del self.hw.service_ports[number]
        return ""


def _position(match: re.Match[str], first_group: int) -> Position:
    frame, slot, port = (int(match.group(first_group + i)) for i in range(3))
    return frame, slot, port


ANY = {"user", "enable", "config", "gpon"}
PRIVILEGED = {"enable", "config", "gpon"}
CONFIG = {"config"}
GPON = {"gpon"}
_FSP = r"(\d+)/(\d+)/(\d+)"
_ROUTE_TABLE: list[tuple[str, set[str], Handler]] = [
    (r"enable", {"user"}, HuaweiSession.enable),
    (r"disable", {"enable"}, HuaweiSession.disable),
    (r"config|configure terminal", {"enable"}, HuaweiSession.config),
    (r"quit", ANY, HuaweiSession.quit),
    (r"return", {"config", "gpon"}, HuaweiSession.return_),
    (r"undo smart|smart|infoswitch cli (?:OFF|ON)", ANY, HuaweiSession.settings),
    (r"scroll(?: (\d+))?", ANY, HuaweiSession.settings),
    (r"interface gpon (\d+)/(\d+)", {"config", "gpon"}, HuaweiSession.interface_gpon),
    (r"save", {"enable", "config"}, HuaweiSession.save),
    (r"display version", PRIVILEGED, HuaweiSession.display_version),
    (r"display board 0", PRIVILEGED, HuaweiSession.display_board),
    (r"display ont autofind all(?: \| no-more)?", PRIVILEGED, HuaweiSession.display_autofind),
    (rf"display ont info summary {_FSP}(?: \| no-more)?", PRIVILEGED, HuaweiSession.display_summary),
    (r"display ont info (\d+) (\d+) (\d+) (\d+)", PRIVILEGED, HuaweiSession.display_detail),
    (r"display ont optical-info (\d+) (\d+)(?: \| no-more)?", GPON, HuaweiSession.display_optical),
    (ONT_ADD.pattern, GPON, HuaweiSession.ont_add),
    (r"ont delete (\d+) (\d+)", GPON, HuaweiSession.ont_delete),
    (r"ont reset (\d+) (\d+)", GPON, HuaweiSession.ont_reset),
    (r"ont (activate|deactivate) (\d+) (\d+)", GPON, HuaweiSession.ont_activation),
    (r'ont modify (\d+) (\d+) desc "?([^"]*)"?', GPON, HuaweiSession.ont_modify_desc),
    (r"ont modify (\d+) (\d+) sn (\S+)", GPON, HuaweiSession.ont_modify_sn),
    (r"ont (?:ipconfig|internet-config|tr069-server-config) (\d+) (\d+) .+", GPON, HuaweiSession.ont_setting),
    (SERVICE_PORT.pattern, CONFIG, HuaweiSession.service_port),
    (r"undo service-port (\d+)", CONFIG, HuaweiSession.undo_service_port),
    (rf"undo service-port port {_FSP} ont (\d+)", CONFIG, HuaweiSession.undo_service_ports_of_ont),
]
ROUTES = [(re.compile(pattern), modes, handler) for pattern, modes, handler in _ROUTE_TABLE]
