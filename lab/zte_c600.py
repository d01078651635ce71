"""A simulated ZTE ZXA10 C600 (TITAN): `gpon_olt-1/1/1` names, vport service-ports.

Answers are shaped like public captures of real ZXAN sessions (see
vendor_cli/zte_c6xx/tests/data). Error texts with a public source:
`%Error 140303: Invalid input detected at '^' marker.` (C600 login capture),
`%Code 62391-GPONSRV : The entry is existed.` (ONU id in use),
`%Code 32310-GPONSRV : The ONU does not exist.`, `%Code 62310-GPONSRV : No related
information to show.`, `Confirm to reboot? [yes/no]:`. The texts for a serial that
is already authorized, a full port, an unknown ONU type, T-CONT or traffic profile
were not found in public sources and follow the same `%Code ...-GPONSRV` form.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from lab.base import Faults, SimSession, SimulatedOlt, rebooting
from lab.profiles import ZTE_ONU_TYPES, ZTE_TCONT_PROFILES, ZTE_TRAFFIC_PROFILES

MODEL = "ZXA10 C600"
SOFTWARE_VERSION = "V1.2.1"
BANNER = (
    "        *********************************************************\r\n"
    "                Welcome to TITAN series OLT of ZTE Corporation\r\n"
    "        *********************************************************\r\n"
)

INVALID_INPUT = "%Error 140303: Invalid input detected at '^' marker."
INCOMPLETE = "%Error 20203: Incomplete command."
NO_DATA = "%Code 62310-GPONSRV : No related information to show."
ONU_MISSING = "%Code 32310-GPONSRV : The ONU does not exist."
ID_IN_USE = "%Code 62391-GPONSRV : The entry is existed.\n  This is a re-create operation"
SN_IN_USE = "%Code 62392-GPONSRV : The SN is existed."
PORT_FULL = "%Code 62393-GPONSRV : The number of ONUs on the PON port has reached the maximum."
# No public capture of these refusals was found; code numbers and wording are ours.
ONU_TYPE_MISSING = "%Code 62394-GPONSRV : The ONU type does not exist."
TCONT_PROFILE_MISSING = "%Code 62395-GPONSRV : The T-CONT profile does not exist."
TRAFFIC_PROFILE_MISSING = "%Code 62396-GPONSRV : The traffic profile does not exist."
# As on the C320 (`.[OK]` from a public ZXAN guide; the first line is ours).
WRITE_DONE = "Building configuration...\n.[OK]"
ENTER_CONFIG = "%Info 20272: Enter configuration commands, one per line. End with CTRL/Z."
REBOOT_QUESTION = "Confirm to reboot? [yes/no]:"

Port = tuple[int, int, int]
DEFAULT_PORTS: list[Port] = [(1, slot, port) for slot in (1, 2) for port in range(1, 17)]
PON_BOARD, CONTROL_BOARD, UPLINK_BOARD = "GFBN", "SFUL", "HUTQ"

_OLT_IF = r"gpon_olt-(\d+)/(\d+)/(\d+)"
_ONU_IF = r"gpon_onu-(\d+)/(\d+)/(\d+):(\d+)"
_VPORT_IF = r"vport-(\d+)/(\d+)/(\d+)\.(\d+):(\d+)"


@dataclass
class PluggedOnu:
    """An ONU on the fibre (authorized or not)."""

    frame: int
    slot: int
    port: int
    serial: str
    equipment_id: str
    vendor_id: str
    software_version: str


@dataclass
class Registration:
    """An ONU configured on a PON port (`onu N type T sn S`)."""

    frame: int
    slot: int
    port: int
    onu_id: int
    serial: str
    onu_type: str
    name: str = ""
    description: str = ""
    admin_enabled: bool = True
    last_down_cause: str = ""
    reboots: int = 0
    offline_until: float = 0.0  # time.monotonic() at which a rebooted ONU is back online
    onu_config: list[str] = field(default_factory=list)  # tcont / gemport lines
    vport_config: dict[int, list[str]] = field(default_factory=dict)
    mng_config: list[str] = field(default_factory=list)

    @property
    def key(self) -> tuple[int, int, int, int]:
        return (self.frame, self.slot, self.port, self.onu_id)

    def config(self) -> tuple[Any, ...]:
        """What `write` persists of this ONU (not its run state)."""
        vports = tuple((vport, tuple(lines)) for vport, lines in sorted(self.vport_config.items()))
        return (self.key, self.serial, self.onu_type, self.name, self.description, self.admin_enabled,
                tuple(self.onu_config), vports, tuple(self.mng_config))


def _levels(serial: str) -> dict[str, float | int]:
    """Plausible, deterministic optical levels and distance for a serial."""
    digest = hashlib.sha256(serial.encode()).digest()
    rx = -14.0 - (int.from_bytes(digest[0:2], "big") % 1200) / 100
    tx = 1.5 + (digest[2] % 200) / 100
    return {
        "rx_dbm": round(rx, 3),
        "tx_dbm": round(tx, 3),
        "olt_rx_dbm": round(rx - 1.5 - (digest[3] % 150) / 100, 3),
        "distance_m": 200 + int.from_bytes(digest[4:6], "big") % 19800,
    }


def _port_tx(frame: int, slot: int, port: int) -> float:
    return round(4.5 + ((frame * 31 + slot * 7 + port) % 25) / 10, 3)


class ZteC600(SimulatedOlt):
    banner = BANNER

    def __init__(
        self,
        name: str,
        username: str = "admin",
        password: str = "admin",
        faults: Faults | None = None,
        ports: list[Port] | None = None,
        max_onus_per_port: int = 128,
        *,
        onu_types: set[str] | None = None,
        tcont_profiles: set[str] | None = None,
        traffic_profiles: set[str] | None = None,
    ) -> None:
        super().__init__(name, username, password, faults)
        self.ports: list[Port] = list(ports) if ports else list(DEFAULT_PORTS)
        self.max_onus_per_port = max_onus_per_port
        self.plugged: dict[str, PluggedOnu] = {}
        self.registrations: dict[tuple[int, int, int, int], Registration] = {}
        # What was created on this OLT (`show onu-type gpon`, T-CONT and traffic profiles).
        self.onu_types = set(ZTE_ONU_TYPES if onu_types is None else onu_types)
        self.tcont_profiles = set(ZTE_TCONT_PROFILES if tcont_profiles is None else tcont_profiles)
        self.traffic_profiles = set(ZTE_TRAFFIC_PROFILES if traffic_profiles is None else traffic_profiles)

    def new_session(self) -> SimSession:
        return ZteC600Session(self)

    def running_config(self) -> Any:
        return tuple(r.config() for r in sorted(self.registrations.values(), key=lambda r: r.key))

    # --- the fibre ------------------------------------------------------------
    def plug_onu(
        self,
        frame: int,
        slot: int,
        port: int,
        serial: str,
        equipment_id: str = "F670LV9.0",
        vendor_id: str | None = None,
        software_version: str = "V9.0.10P1N12",
    ) -> None:
        if (frame, slot, port) not in self.ports:
            raise ValueError(f"{self.name}: no PON port {frame}/{slot}/{port}")
        with self.lock:
            self.plugged[serial.upper()] = PluggedOnu(
                frame,
                slot,
                port,
                serial.upper(),
                equipment_id,
                vendor_id or serial[:4].upper(),
                software_version,
            )

    def unplug_onu(self, serial: str) -> None:
        with self.lock:
            self.plugged.pop(serial.upper(), None)
            for registration in self.registrations.values():
                if registration.serial == serial.upper():
                    registration.last_down_cause = "LOS"

    # --- state ------------------------------------------------------------------
    def run_state(self, registration: Registration) -> str:
        plugged = self.plugged.get(registration.serial)
        if plugged is None or (plugged.frame, plugged.slot, plugged.port) != registration.key[:3]:
            return "los"
        up = registration.admin_enabled and not rebooting(registration.offline_until)
        return "online" if up else "offline"

    def unconfigured(self) -> list[PluggedOnu]:
        registered = {r.serial for r in self.registrations.values()}
        return [onu for onu in self.plugged.values() if onu.serial not in registered]

    def on_port(self, frame: int, slot: int, port: int) -> list[Registration]:
        return sorted(
            (r for r in self.registrations.values() if r.key[:3] == (frame, slot, port)),
            key=lambda r: r.onu_id,
        )

    def configured_onus(self) -> list[dict[str, Any]]:
        with self.lock:
            return [self._onu_row(r) for r in sorted(self.registrations.values(), key=lambda r: r.key)]

    def _onu_row(self, r: Registration) -> dict[str, Any]:
        return {
            "frame": r.frame,
            "slot": r.slot,
            "port": r.port,
            "onu_id": r.onu_id,
            "serial": r.serial,
            "description": r.description,
            "name": r.name,
            "onu_type": r.onu_type,
            "admin_enabled": r.admin_enabled,
            "run_state": self.run_state(r),
        }

    def boards(self) -> list[dict[str, Any]]:
        pon_slots = sorted({(frame, slot) for frame, slot, _ in self.ports})
        boards = [
            {"frame": f, "slot": s, "board_name": PON_BOARD, "status": "INSERVICE"} for f, s in pon_slots
        ]
        frame = pon_slots[0][0] if pon_slots else 1
        boards += [
            {"frame": frame, "slot": 10, "board_name": CONTROL_BOARD, "status": "INSERVICE"},
            {"frame": frame, "slot": 11, "board_name": CONTROL_BOARD, "status": "STANDBY"},
            {"frame": frame, "slot": 19, "board_name": UPLINK_BOARD, "status": "INSERVICE"},
        ]
        return boards

    def snapshot(self) -> dict[str, Any]:
        with self.lock:
            onus = []
            for r in sorted(self.registrations.values(), key=lambda r: r.key):
                row = self._onu_row(r)
                # An ONU that is not online has no optical readings (as on the other simulators).
                levels = _levels(r.serial)
                row.update(levels if row["run_state"] == "online" else dict.fromkeys(levels))
                row["last_down_cause"] = r.last_down_cause
                onus.append(row)
            return {
                "model": MODEL,
                "sysname": self.name,
                "software_version": SOFTWARE_VERSION,
                "boards": self.boards(),
                "ports": [
                    {"frame": f, "slot": s, "port": p, "admin_up": True, "tx_dbm": _port_tx(f, s, p)}
                    for f, s, p in self.ports
                ],
                "onus": onus,
            }


Handler = Callable[[re.Match[str]], str]


class ZteC600Session(SimSession):
    page_lines: int | None = 24
    more_prompt = " --More--"

    def __init__(self, olt: ZteC600) -> None:
        super().__init__(olt)
        self.zte = olt
        self.mode: tuple[Any, ...] = ("exec",)
        self.pending: Callable[[str], str] | None = None

    # --- prompts ------------------------------------------------------------
    def prompt(self) -> str:
        kind = self.mode[0]
        suffix = {
            "exec": "",
            "config": "(config)",
            "olt": "(config-if-gpon_olt-{}/{}/{})",
            "onu": "(config-if-gpon_onu-{}/{}/{}:{})",
            "vport": "(config-if-vport-{}/{}/{}.{}:{})",
            "mng": "(gpon-onu-mng-{}/{}/{}:{})",
        }[kind].format(*self.mode[1:])
        return f"{self.olt.name}{suffix}#"

    def confirm_prompt(self) -> str | None:
        return REBOOT_QUESTION if self.pending else None

    # --- dispatch -------------------------------------------------------------
    #: Append the typed line to the answer, for a server that does not echo input.
    #: Off: scrapli needs the echo while the line is typed (before Enter), which only
    #: the server's input loop can give (see lab/tests/test_zte_c600.py).
    echo_in_answer = False

    def execute(self, line: str) -> str:
        answer = self._answer(line)
        if not self.echo_in_answer:
            return answer
        return f"{line}\n{answer}" if answer else line

    def _answer(self, line: str) -> str:
        command = " ".join(line.split())
        if self.pending:
            answer, self.pending = self.pending, None
            return answer(command)
        if not command:
            return ""
        for pattern, handler in self._handlers():
            match = re.fullmatch(pattern, command)
            if match:
                return handler(match)
        return _invalid(line)

    def _handlers(self) -> list[tuple[str, Handler]]:
        common: list[tuple[str, Handler]] = [
            (r"end", self._end),
            (r"exit|quit|logout", self._exit),
            (r"terminal length (\d+)", self._terminal_length),
            (r"show pon onu uncfg", self._show_uncfg),
            (rf"show gpon onu state {_OLT_IF}", self._show_state),
            (rf"show gpon onu detail-info {_ONU_IF}", self._show_detail),
            (rf"show pon power attenuation {_ONU_IF}", self._show_attenuation),
            (r"show card", self._show_card),
            (r"(?:show|onu|interface|pon-onu-mng|service-port|tcont|gemport)", _incomplete),
        ]
        per_mode: dict[str, list[tuple[str, Handler]]] = {
            "exec": [(r"configure terminal", self._configure), (r"write", self._write)],
            "config": [
                (rf"interface {_OLT_IF}", self._enter_olt),
                (rf"interface {_ONU_IF}", self._enter_onu("onu")),
                (rf"pon-onu-mng {_ONU_IF}", self._enter_onu("mng")),
                (rf"interface {_VPORT_IF}", self._enter_vport),
            ],
            "olt": [
                (r"onu (\d+) type (\S+) sn (\S+)", self._add_onu),
                (r"no onu (\d+)", self._delete_onu),
                (r"onu (\d+) (enable|disable)", self._set_admin),
            ],
            "onu": [
                (r"name (\S+)", self._set_text("name")),
                (r"(name \S+ )\S.*", self._extra_words),  # the name is one word; spaces end it
                (r"description (\S.*)", self._set_text("description")),
                (r"tcont \d+ (?:name \S+ )?profile (\S+)", self._known("tcont_profiles", "onu")),
                (r"gemport \d+ (?:name \S+ )?tcont \d+", self._store("onu")),
            ],
            "vport": [
                (r"service-port \d+ user-vlan \d+ vlan \d+", self._store("vport")),
                (r"qos traffic-policy (\S+) direction (?:ingress|egress)", self._known("traffic_profiles", "vport")),
                (r"no service-port (\d+)", self._delete_service_port),
            ],
            "mng": [
                (r"reboot", self._ask_reboot),
                (
                    r"(?:service \S+ gemport \d+ vlan \d+|wan-ip .+|wan \d+ .+|tr069-mgmt \d+ .+)",
                    self._store("mng"),
                ),
            ],
        }
        return per_mode[self.mode[0]] + common

    # --- modes ---------------------------------------------------------------
    def _end(self, _: re.Match[str]) -> str:
        self.mode = ("exec",)
        return ""

    def _exit(self, _: re.Match[str]) -> str:
        if self.mode[0] == "exec":
            self.closed = True
        else:
            self.mode = ("exec",) if self.mode[0] == "config" else ("config",)
        return ""

    def _terminal_length(self, match: re.Match[str]) -> str:
        lines = int(match.group(1))
        self.page_lines = lines or None
        return ""

    def _configure(self, _: re.Match[str]) -> str:
        self.mode = ("config",)
        return ENTER_CONFIG

    def _write(self, _: re.Match[str]) -> str:
        self.zte.record_save()
        return WRITE_DONE

    def _enter_olt(self, match: re.Match[str]) -> str:
        port = _ints(match)
        if port not in self.zte.ports:
            return _invalid(match.string)
        self.mode = ("olt", *port)
        return ""

    def _enter_onu(self, kind: str) -> Handler:
        def enter(match: re.Match[str]) -> str:
            key = _ints(match)
            if key not in self.zte.registrations:
                return ONU_MISSING
            self.mode = (kind, *key)
            return ""

        return enter

    def _enter_vport(self, match: re.Match[str]) -> str:
        key = _ints(match)
        if key[:4] not in self.zte.registrations:
            return ONU_MISSING
        self.mode = ("vport", *key)
        return ""

    # --- PON port: authorize / delete / admin state ------------------------------
    def _add_onu(self, match: re.Match[str]) -> str:
        onu_id, onu_type, serial = int(match.group(1)), match.group(2), match.group(3).upper()
        frame, slot, port = self.mode[1:4]
        if not 1 <= onu_id <= 128:
            return _invalid(match.string, match.string.index(match.group(1)))
        if onu_type not in self.zte.onu_types:
            return ONU_TYPE_MISSING
        if (frame, slot, port, onu_id) in self.zte.registrations:
            return ID_IN_USE
        if len(self.zte.on_port(frame, slot, port)) >= self.zte.max_onus_per_port:
            return PORT_FULL
        if any(r.serial == serial for r in self.zte.registrations.values()):
            return SN_IN_USE
        self.zte.registrations[(frame, slot, port, onu_id)] = Registration(
            frame, slot, port, onu_id, serial, onu_type
        )
        return ""

    def _delete_onu(self, match: re.Match[str]) -> str:
        key = (*self.mode[1:4], int(match.group(1)))
        if self.zte.registrations.pop(key, None) is None:
            return ONU_MISSING
        return ""

    def _set_admin(self, match: re.Match[str]) -> str:
        registration = self.zte.registrations.get((*self.mode[1:4], int(match.group(1))))
        if registration is None:
            return ONU_MISSING
        registration.admin_enabled = match.group(2) == "enable"
        return ""

    # --- ONU interface, vport, pon-onu-mng -----------------------------------------
    def _registration(self) -> Registration:
        return self.zte.registrations[tuple(self.mode[1:5])]  # type: ignore[index]

    def _set_text(self, attribute: str) -> Handler:
        def set_text(match: re.Match[str]) -> str:
            setattr(self._registration(), attribute, match.group(1))
            return ""

        return set_text

    def _store(self, where: str) -> Handler:
        def store(match: re.Match[str]) -> str:
            registration = self._registration()
            if where == "onu":
                registration.onu_config.append(match.group(0))
            elif where == "mng":
                registration.mng_config.append(match.group(0))
            else:
                registration.vport_config.setdefault(self.mode[5], []).append(match.group(0))
            return ""

        return store

    def _known(self, profiles: str, where: str) -> Handler:
        """Store the line if the profile it names (group 1) is in the OLT's `profiles` set."""
        missing = TCONT_PROFILE_MISSING if profiles == "tcont_profiles" else TRAFFIC_PROFILE_MISSING
        store = self._store(where)

        def check(match: re.Match[str]) -> str:
            return store(match) if match.group(1) in getattr(self.zte, profiles) else missing

        return check

    def _extra_words(self, match: re.Match[str]) -> str:
        return _invalid(match.string, len(match.group(1)))

    def _delete_service_port(self, match: re.Match[str]) -> str:
        lines = self._registration().vport_config.get(self.mode[5], [])
        prefix = f"service-port {match.group(1)} "
        self._registration().vport_config[self.mode[5]] = [x for x in lines if not x.startswith(prefix)]
        return ""

    def _ask_reboot(self, _: re.Match[str]) -> str:
        registration = self._registration()

        def answer(reply: str) -> str:
            if reply.lower() in ("yes", "y"):
                registration.reboots += 1
                registration.last_down_cause = "Reboot"
                registration.offline_until = self.zte.reboot_deadline()  # it takes a while to register again
            return ""

        self.pending = answer
        return ""

    # --- show commands --------------------------------------------------------------
    def _show_uncfg(self, _: re.Match[str]) -> str:
        onus = self.zte.unconfigured()
        if not onus:
            return NO_DATA
        rows = [
            f"{f'gpon_olt-{o.frame}/{o.slot}/{o.port}':<20}{o.equipment_id:<21}{o.serial:<19}N/A"
            for o in sorted(onus, key=lambda o: (o.frame, o.slot, o.port, o.serial))
        ]
        header = f"{'OltIndex':<20}{'Model':<21}{'SN':<19}PW\n" + "-" * 77
        return "\n".join([header, *rows])

    def _show_state(self, match: re.Match[str]) -> str:
        port = _ints(match)
        if port not in self.zte.ports:
            return _invalid(match.string)
        onus = self.zte.on_port(*port)
        if not onus:
            return NO_DATA
        phases = {"online": "working", "offline": "OffLine", "los": "LOS"}
        rows = []
        for r in onus:
            state = self.zte.run_state(r)
            admin = "enable" if r.admin_enabled else "disable"
            omcc = "enable" if state == "online" else "disable"
            index = f"{r.frame}/{r.slot}/{r.port}:{r.onu_id}"
            rows.append(f"{index:<13}{admin:<13}{omcc:<12}{phases[state]:<13}GPON")
        header = (
            f"{'OnuIndex':<13}{'Admin state':<13}{'OMCC state':<12}{'Phase state':<13}Speed mode\n" + "-" * 65
        )
        return "\n".join([header, *rows])

    def _show_detail(self, match: re.Match[str]) -> str:
        registration = self.zte.registrations.get(_ints(match))
        if registration is None:
            return ONU_MISSING
        return _detail(registration, self.zte.run_state(registration))

    def _show_attenuation(self, match: re.Match[str]) -> str:
        registration = self.zte.registrations.get(_ints(match))
        if registration is None:
            return ONU_MISSING
        online = self.zte.run_state(registration) == "online"
        return _attenuation(registration, online)

    def _show_card(self, _: re.Match[str]) -> str:
        header = "Rack Shelf Slot CfgType RealType Port  HardVer SoftVer         Status\n" + "-" * 79
        rows = []
        for board in sorted(self.zte.boards(), key=lambda b: (b["frame"], b["slot"])):
            ports = 16 if board["board_name"] == PON_BOARD else 4
            name, slot = board["board_name"], str(board["slot"])
            rows.append(
                f"{1:<5}{board['frame']:<6}{slot:<5}{name:<8}{name:<9}{ports:<6}"
                f"{'V1.0.0':<8}{SOFTWARE_VERSION:<16}{board['status']}"
            )
        return "\n".join([header, *rows])


def _detail(r: Registration, state: str) -> str:
    # Field order as in the public detail-info captures (vendor_cli/zte_c6xx/tests/data).
    online = state == "online"
    phase = {"online": "working", "offline": "OffLine", "los": "LOS"}[state]
    offline = "0000-00-00 00:00:00" if online else "2024-01-01 08:00:00"
    cause = "" if online else f"     {r.last_down_cause or 'LOS'}"
    distance = f"{_levels(r.serial)['distance_m']}m" if online else "N/A"
    return "\n".join(
        [
            f"ONU interface:         gpon_onu-{r.frame}/{r.slot}/{r.port}:{r.onu_id}",
            f"  Name:                {r.name}",
            f"  Type:                {r.onu_type}",
            "  State:               ready",
            f"  Admin state:         {'enable' if r.admin_enabled else 'disable'}",
            f"  Phase state:         {phase}",
            "  Config state:        success",
            "  Authentication mode: sn",
            "  SN Bind:             enable with SN check",
            f"  Serial number:       {r.serial}",
            "  Password:",
            "  Device ID:",
            f"  Description:         {r.description}",
            "  Vport mode:          gemport",
            "  DBA Mode:            Hybrid",
            "  ONU Status:          enable",
            f"  ONU Distance:        {distance}",
            f"  Online Duration:     {'0h 5m 12s' if online else 'N/A'}",
            "  FEC:                 none",
            "------------------------------------------",
            "       Authpass Time          OfflineTime             Cause",
            f"   1   2024-01-01 00:00:00    {offline}{cause}",
        ]
    )


def _attenuation(r: Registration, online: bool) -> str:
    levels = _levels(r.serial)
    olt_tx = _port_tx(r.frame, r.slot, r.port)
    header = "           OLT                  ONU              Attenuation\n" + "-" * 74
    if not online:
        up = " up      Rx :N/A                Tx:N/A               N/A"
        down = f" down    Tx :{olt_tx:.3f}(dbm)        Rx:N/A               N/A"
        return "\n".join([header, up, "", down])
    up_att = levels["tx_dbm"] - levels["olt_rx_dbm"]
    down_att = olt_tx - levels["rx_dbm"]
    olt_rx, onu_tx = levels["olt_rx_dbm"], levels["tx_dbm"]
    up = f" up      Rx :{olt_rx:.3f}(dbm)      Tx:{onu_tx:.3f}(dbm)        {up_att:.3f}(dB)"
    down = f" down    Tx :{olt_tx:.3f}(dbm)        Rx:{levels['rx_dbm']:.3f}(dbm)      {down_att:.3f}(dB)"
    return "\n".join([header, up, "", down])


def _ints(match: re.Match[str]) -> tuple[int, ...]:
    return tuple(int(g) for g in match.groups())


def _incomplete(_: re.Match[str]) -> str:
    return INCOMPLETE


def _invalid(line: str, column: int | None = None) -> str:
    # The caret points at the first word the parser could not take.
    words = line.split()
    if column is None:
        column = line.index(words[1]) if len(words) > 1 else 0
    return " " * column + "^\n" + INVALID_INPUT
