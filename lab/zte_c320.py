"""A stateful simulated ZTE ZXA10 C320 (ZXAN V2.1.0, classic `gpon-olt_1/1/1` syntax).

Answers are formatted like public captures of real C300/C320 units (see
vendor_cli/zte_c3xx/tests/data) so the zte_c3xx parsers read them. Error texts
marked "approximation" below were not found verbatim in public sources.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from lab.base import Faults, SimSession, SimulatedOlt, rebooting
from lab.profiles import ZTE_ONU_TYPES, ZTE_TCONT_PROFILES, ZTE_TRAFFIC_PROFILES

Pon = tuple[int, int, int]

INVALID_INPUT = "%Error 20200: Invalid input detected at '^' marker."
INCOMPLETE = "%Error 20203: Incomplete command."
NO_DATA = "%Code 62310-GPONSRV : No related information to show."
ONU_NOT_EXIST = "%Code 32310-GPONSRV : The ONU does not exist."
# approximations (same %Code style, exact wording unknown):
ONU_ID_IN_USE = "%Code 32311-GPONSRV : The ONU has been configured."
SERIAL_IN_USE = "%Code 32316-GPONSRV : The SN has been configured."
PORT_FULL = "%Code 32317-GPONSRV : The number of ONUs on this PON port has reached the maximum."
PORT_NOT_EXIST = "%Code 32301-GPONSRV : The interface does not exist."
# No public capture of these refusals was found; code numbers and wording are ours.
ONU_TYPE_MISSING = "%Code 32318-GPONSRV : The ONU type does not exist."
TCONT_PROFILE_MISSING = "%Code 32319-GPONSRV : The T-CONT profile does not exist."
TRAFFIC_PROFILE_MISSING = "%Code 32320-GPONSRV : The traffic profile does not exist."
SUCCESSFUL = "[Successful]"
CONFIG_BANNER = "Enter configuration commands, one per line.  End with CTRL/Z."
# A public ZXAN guide shows `write` answering `.[OK].`; the "Building configuration..."
# line is the IOS-style first line, not seen in a ZTE capture (wording is ours).
WRITE_DONE = "Building configuration...\n.[OK]"
REBOOT_QUESTION = "Confirm to reboot? [yes/no]:"

ONU_ID_MAX = 128  # GPON ONU ids per PON port on C300/C320 line cards
_PON_RE = r"(\d+)/(\d+)/(\d+)"
_OLT_IF = re.compile(rf"^gpon-olt_{_PON_RE}$")
_ONU_IF = re.compile(rf"^gpon-onu_{_PON_RE}:(\d+)$")


@dataclass
class FibreOnu:
    """An ONU that is plugged in somewhere on the fibre."""

    pon: Pon
    serial: str
    equipment_id: str
    vendor_id: str
    software_version: str


@dataclass
class SimOnu:
    pon: Pon
    onu_id: int
    serial: str
    onu_type: str
    name: str = ""
    description: str = ""
    admin_enabled: bool = True
    reboots: int = 0
    offline_until: float = 0.0  # time.monotonic() at which a rebooted ONU is back online
    interface_config: list[str] = field(default_factory=list)
    mng_config: list[str] = field(default_factory=list)

    @property
    def index(self) -> str:
        frame, slot, port = self.pon
        return f"gpon-onu_{frame}/{slot}/{port}:{self.onu_id}"

    def config(self) -> tuple[Any, ...]:
        """What `write` persists of this ONU (not its run state)."""
        return (self.pon, self.onu_id, self.serial, self.onu_type, self.name, self.description,
                self.admin_enabled, tuple(self.interface_config), tuple(self.mng_config))


def _seed(text: str) -> int:
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big")


def onu_levels(serial: str) -> dict[str, float | int]:
    """Plausible, deterministic optical levels for an ONU (rx between -14 and -26 dBm)."""
    seed = _seed(serial)
    rx = -14.0 - (seed % 1201) / 100
    return {
        "rx_dbm": round(rx, 3),
        "tx_dbm": round(1.5 + (seed >> 12) % 150 / 100, 3),
        "olt_rx_dbm": round(rx - 1.0 - (seed >> 24) % 300 / 100, 3),
        "distance_m": 200 + (seed >> 36) % 9800,
    }


def _pon_tx_dbm(pon: Pon) -> float:
    return round(4.5 + _seed("/".join(map(str, pon))) % 250 / 100, 3)


class ZteC320(SimulatedOlt):
    model = "ZXA10 C320"
    software_version = "V2.1.0"

    def __init__(
        self,
        name: str,
        username: str = "admin",
        password: str = "admin",
        faults: Faults | None = None,
        ports: list[Pon] | None = None,
        max_onus_per_port: int = 128,
        *,
        start_in_user_mode: bool = False,
        enable_password: str = "zxr10",
        onu_types: set[str] | None = None,
        tcont_profiles: set[str] | None = None,
        traffic_profiles: set[str] | None = None,
    ) -> None:
        super().__init__(name, username, password, faults)
        self.banner = "Welcome to ZXAN product C320 of ZTE Corporation\r\n"
        self.ports: list[Pon] = list(ports or [(1, s, p) for s in (1, 2) for p in range(1, 9)])
        self.max_onus_per_port = max_onus_per_port
        self.start_in_user_mode = start_in_user_mode
        self.enable_password = enable_password
        self.fibre: dict[str, FibreOnu] = {}
        self.onus: dict[tuple[Pon, int], SimOnu] = {}
        # What was created on this OLT (`show onu-type gpon`, `show gpon profile tcont|traffic`).
        self.onu_types = set(ZTE_ONU_TYPES if onu_types is None else onu_types)
        self.tcont_profiles = set(ZTE_TCONT_PROFILES if tcont_profiles is None else tcont_profiles)
        self.traffic_profiles = set(ZTE_TRAFFIC_PROFILES if traffic_profiles is None else traffic_profiles)

    def new_session(self) -> SimSession:
        return ZxanSession(self)

    def running_config(self) -> Any:
        return tuple(onu.config() for onu in self._sorted_onus())

    # --- test-facing API ----------------------------------------------------
    def plug_onu(
        self,
        frame: int,
        slot: int,
        port: int,
        serial: str,
        equipment_id: str = "F660",
        vendor_id: str | None = None,
        software_version: str = "V6.0.10P2N12",
    ) -> None:
        pon = (frame, slot, port)
        if pon not in self.ports:
            raise ValueError(f"{self.name}: no PON port gpon-olt_{frame}/{slot}/{port}")
        with self.lock:
            self.fibre[serial.upper()] = FibreOnu(
                pon, serial.upper(), equipment_id, vendor_id or serial[:4].upper(), software_version
            )

    def unplug_onu(self, serial: str) -> None:
        with self.lock:
            self.fibre.pop(serial.upper(), None)

    def configured_onus(self) -> list[dict[str, Any]]:
        with self.lock:
            return [self._onu_record(onu) for onu in self._sorted_onus()]

    def snapshot(self) -> dict[str, Any]:
        with self.lock:
            onus = []
            for onu in self._sorted_onus():
                online = self.run_state(onu) == "online"
                levels = onu_levels(onu.serial)
                onus.append(
                    self._onu_record(onu)
                    | {
                        "rx_dbm": levels["rx_dbm"] if online else None,
                        "tx_dbm": levels["tx_dbm"] if online else None,
                        "olt_rx_dbm": levels["olt_rx_dbm"] if online else None,
                        "distance_m": levels["distance_m"] if online else None,
                        "last_down_cause": None if online else self._down_cause(onu),
                    }
                )
            return {
                "model": self.model,
                "sysname": self.name,
                "software_version": self.software_version,
                "boards": self.boards(),
                "ports": [
                    {"frame": f, "slot": s, "port": p, "admin_up": True, "tx_dbm": _pon_tx_dbm((f, s, p))}
                    for f, s, p in self.ports
                ],
                "onus": onus,
            }

    # --- state helpers -------------------------------------------------------
    def boards(self) -> list[dict[str, Any]]:
        frame = self.ports[0][0] if self.ports else 1
        line_cards = sorted({slot for _, slot, _ in self.ports})
        cards = [
            {
                "frame": frame,
                "slot": slot,
                "board_name": "GTGOG",
                "status": "INSERVICE",
                "ports": self._port_count(slot),
            }
            for slot in line_cards
        ]
        control = max(line_cards, default=2) + 1
        cards.append({"frame": frame, "slot": control, "board_name": "SMXA", "status": "INSERVICE", "ports": 3})
        cards.append({"frame": frame, "slot": control + 1, "board_name": "SMXA", "status": "STANDBY", "ports": 3})
        return cards

    def _port_count(self, slot: int) -> int:
        return max(p for _, s, p in self.ports if s == slot)

    def _sorted_onus(self) -> list[SimOnu]:
        return [self.onus[key] for key in sorted(self.onus)]

    def _onu_record(self, onu: SimOnu) -> dict[str, Any]:
        frame, slot, port = onu.pon
        return {
            "frame": frame,
            "slot": slot,
            "port": port,
            "onu_id": onu.onu_id,
            "serial": onu.serial,
            "description": onu.description,
            "name": onu.name,
            "onu_type": onu.onu_type,
            "admin_enabled": onu.admin_enabled,
            "run_state": self.run_state(onu),
        }

    def run_state(self, onu: SimOnu) -> str:
        if not onu.admin_enabled or rebooting(onu.offline_until):
            return "offline"
        plugged = self.fibre.get(onu.serial)
        return "online" if plugged and plugged.pon == onu.pon else "los"

    def phase_state(self, onu: SimOnu) -> str:
        return {"online": "working", "offline": "OffLine", "los": "LOS"}[self.run_state(onu)]

    def _down_cause(self, onu: SimOnu) -> str:
        if not onu.admin_enabled:
            return "Deactivated"
        return "Reboot" if rebooting(onu.offline_until) else "LOS"

    def unconfigured(self, pon: Pon | None = None) -> list[FibreOnu]:
        configured = {(onu.pon, onu.serial) for onu in self.onus.values()}
        return [
            fib
            for fib in sorted(self.fibre.values(), key=lambda f: (f.pon, f.serial))
            if (fib.pon, fib.serial) not in configured and (pon is None or fib.pon == pon)
        ]

    def onus_on(self, pon: Pon) -> list[SimOnu]:
        return [onu for onu in self._sorted_onus() if onu.pon == pon]

    # --- mutations (called with the lock held) -----------------------------------
    def add_onu(self, pon: Pon, onu_id: int, onu_type: str, serial: str) -> str:
        serial = serial.upper()
        if not 1 <= onu_id <= ONU_ID_MAX:
            return INVALID_INPUT
        if onu_type not in self.onu_types:
            return ONU_TYPE_MISSING
        if (pon, onu_id) in self.onus:
            return ONU_ID_IN_USE
        if any(onu.serial == serial for onu in self.onus.values()):
            return SERIAL_IN_USE
        if len(self.onus_on(pon)) >= self.max_onus_per_port:
            return PORT_FULL
        self.onus[(pon, onu_id)] = SimOnu(pon, onu_id, serial, onu_type)
        return SUCCESSFUL

    def delete_onu(self, pon: Pon, onu_id: int) -> str:
        if self.onus.pop((pon, onu_id), None) is None:
            return ONU_NOT_EXIST
        return SUCCESSFUL

    def replace_serial(self, onu: SimOnu, serial: str) -> str:
        serial = serial.upper()
        if any(other.serial == serial and other is not onu for other in self.onus.values()):
            return SERIAL_IN_USE
        onu.serial = serial
        return ""


# --- CLI session ---------------------------------------------------------------------
Handler = Callable[[re.Match[str]], str]


class ZxanSession(SimSession):
    """One ZXAN login; modes: user `>`, exec `#`, config, interface (olt/onu), pon-onu-mng."""

    page_lines: int | None = 24
    more_prompt = " --More--"

    def __init__(self, olt: ZteC320) -> None:
        super().__init__(olt)
        self.zte = olt
        self.mode = "user" if olt.start_in_user_mode else "exec"
        self.pon: Pon | None = None
        self.onu: SimOnu | None = None
        self.pending: str | None = None  # "enable_password" / "reboot"

    # --- prompt ---------------------------------------------------------------
    def prompt(self) -> str:
        suffix = {
            "user": ">",
            "exec": "#",
            "config": "(config)#",
            "if-olt": "(config-if)#",
            "if-onu": "(config-if)#",
            "onu-mng": "(gpon-onu-mng)#",
        }[self.mode]
        return f"{self.zte.name}{suffix}"

    def confirm_prompt(self) -> str | None:
        return {"enable_password": "Password:", "reboot": REBOOT_QUESTION}.get(self.pending or "")

    # --- dispatch -------------------------------------------------------------
    def execute(self, line: str) -> str:
        command = " ".join(line.split())
        if self.pending:
            return self._answer_pending(command)
        if not command:
            return ""
        for pattern, handler in self._commands():
            match = re.fullmatch(pattern, command)
            if match:
                return handler(match)
        return self._syntax_error(command)

    def _syntax_error(self, command: str) -> str:
        first = command.split()[0]
        known = {re.split(r"[ (\\]", p, maxsplit=1)[0] for p, _ in self._commands()}
        if first in known and not command.startswith(("show", "exit", "end")):
            return INCOMPLETE
        return " " * len(self.prompt()) + "^\n" + INVALID_INPUT

    def _answer_pending(self, answer: str) -> str:
        pending, self.pending = self.pending, None
        if pending == "enable_password":
            if answer == self.zte.enable_password:
                self.mode = "exec"
                return ""
            return "% Bad password"
        if pending == "reboot" and answer.lower() in ("yes", "y") and self.onu:
            self.onu.reboots += 1
            self.onu.offline_until = self.zte.reboot_deadline()  # it takes a while to register again
        return ""

    def _commands(self) -> list[tuple[str, Handler]]:
        if self.mode == "user":
            return [
                (r"enable", self._enable),
                (r"exit|quit", self._logout),
                (r"show system-group", lambda m: self._show_system_group()),
            ]
        common: list[tuple[str, Handler]] = [
            (r"terminal length (\d+)", self._terminal_length),
            (r"show gpon onu uncfg(?: gpon-olt_(\d+)/(\d+)/(\d+))?", self._show_uncfg),
            (r"show gpon onu state gpon-olt_(\d+)/(\d+)/(\d+)", self._show_state),
            (r"show gpon onu detail-info gpon-onu_(\d+)/(\d+)/(\d+):(\d+)", self._show_detail),
            (r"show pon power attenuation gpon-onu_(\d+)/(\d+)/(\d+):(\d+)", self._show_attenuation),
            (r"show system-group", lambda m: self._show_system_group()),
            (r"show card", lambda m: self._show_card()),
            (r"end", self._end),
        ]
        return (
            common
            + {
                "exec": self._exec_commands,
                "config": self._config_commands,
                "if-olt": self._olt_interface_commands,
                "if-onu": self._onu_interface_commands,
                "onu-mng": self._mng_commands,
            }[self.mode]()
        )

    def _exec_commands(self) -> list[tuple[str, Handler]]:
        return [(r"configure terminal", self._configure), (r"exit|quit", self._logout), (r"write", self._write)]

    def _config_commands(self) -> list[tuple[str, Handler]]:
        return [
            (r"interface gpon-olt_(\d+)/(\d+)/(\d+)", self._enter_olt_interface),
            (r"interface gpon-onu_(\d+)/(\d+)/(\d+):(\d+)", lambda m: self._enter_onu(m, "if-onu")),
            (r"pon-onu-mng gpon-onu_(\d+)/(\d+)/(\d+):(\d+)", lambda m: self._enter_onu(m, "onu-mng")),
            (r"exit", lambda m: self._set_mode("exec")),
        ]

    def _olt_interface_commands(self) -> list[tuple[str, Handler]]:
        return [
            (r"onu (\d+) type (\S+) sn (\S+)", self._add_onu),
            (r"no onu (\d+)", self._delete_onu),
            (r"exit", lambda m: self._set_mode("config")),
        ]

    def _onu_interface_commands(self) -> list[tuple[str, Handler]]:
        return [
            (r"name (\S+)", self._set_name),
            (r"(name \S+ )(\S.*)", self._extra_words),  # the name is one word; spaces end it
            (r"description (.+)", self._set_description),
            (r"shutdown", lambda m: self._set_admin(False)),
            (r"no shutdown", lambda m: self._set_admin(True)),
            (r"registration-method sn (\S+)", self._replace_serial),
            (r"tcont \d+(?: name \S+)? profile (\S+)", self._tcont),
            (r"gemport \d+(?: name \S+)? traffic-limit(?: upstream (\S+))?(?: downstream (\S+))?", self._traffic_limit),
            (r"(?:no )?(?:tcont|gemport|service-port|switchport) .+", self._store_interface_line),
            (r"exit", lambda m: self._set_mode("config")),
        ]

    def _mng_commands(self) -> list[tuple[str, Handler]]:
        return [
            (r"reboot", self._reboot),
            (r"(?:no )?(?:service|pppoe|wan-ip|vlan port|tr069-mgmt|security-mgmt|ip-host) .+", self._store_mng_line),
            (r"exit", lambda m: self._set_mode("config")),
        ]

    # --- mode changes ------------------------------------------------------------
    def _set_mode(self, mode: str) -> str:
        self.mode = mode
        if mode in ("exec", "config"):
            self.pon, self.onu = None, None
        return ""

    def _enable(self, _: re.Match[str]) -> str:
        if self.zte.enable_password:
            self.pending = "enable_password"
        else:
            self.mode = "exec"
        return ""

    def _logout(self, _: re.Match[str]) -> str:
        self.closed = True
        return ""

    def _end(self, _: re.Match[str]) -> str:
        return self._set_mode("exec")

    def _configure(self, _: re.Match[str]) -> str:
        self.mode = "config"
        return CONFIG_BANNER

    def _write(self, _: re.Match[str]) -> str:
        self.zte.record_save()
        return WRITE_DONE

    def _terminal_length(self, match: re.Match[str]) -> str:
        self.page_lines = int(match[1]) or None
        return ""

    def _pon_of(self, match: re.Match[str]) -> Pon | None:
        pon = (int(match[1]), int(match[2]), int(match[3]))
        return pon if pon in self.zte.ports else None

    def _enter_olt_interface(self, match: re.Match[str]) -> str:
        self.pon = self._pon_of(match)
        if self.pon is None:
            return PORT_NOT_EXIST
        self.mode = "if-olt"
        return ""

    def _enter_onu(self, match: re.Match[str], mode: str) -> str:
        pon = self._pon_of(match)
        onu = self.zte.onus.get((pon, int(match[4]))) if pon else None
        if onu is None:
            return ONU_NOT_EXIST
        self.onu, self.mode = onu, mode
        return ""

    # --- config actions ------------------------------------------------------------
    def _add_onu(self, match: re.Match[str]) -> str:
        assert self.pon is not None
        return self.zte.add_onu(self.pon, int(match[1]), match[2], match[3])

    def _delete_onu(self, match: re.Match[str]) -> str:
        assert self.pon is not None
        return self.zte.delete_onu(self.pon, int(match[1]))

    def _set_name(self, match: re.Match[str]) -> str:
        assert self.onu is not None
        self.onu.name = match[1]
        return ""

    def _extra_words(self, match: re.Match[str]) -> str:
        """Caret under the first word the command does not take, as ZXAN shows it."""
        column = len(self.prompt()) + len(match[1])
        return " " * column + "^\n" + INVALID_INPUT

    def _tcont(self, match: re.Match[str]) -> str:
        if match[1] not in self.zte.tcont_profiles:
            return TCONT_PROFILE_MISSING
        return self._store_interface_line(match)

    def _traffic_limit(self, match: re.Match[str]) -> str:
        if any(name is not None and name not in self.zte.traffic_profiles for name in (match[1], match[2])):
            return TRAFFIC_PROFILE_MISSING
        return self._store_interface_line(match)

    def _set_description(self, match: re.Match[str]) -> str:
        assert self.onu is not None
        self.onu.description = match[1]
        return ""

    def _set_admin(self, enabled: bool) -> str:
        assert self.onu is not None
        self.onu.admin_enabled = enabled
        return ""

    def _replace_serial(self, match: re.Match[str]) -> str:
        assert self.onu is not None
        return self.zte.replace_serial(self.onu, match[1])

    def _store_interface_line(self, match: re.Match[str]) -> str:
        assert self.onu is not None
        self.onu.interface_config.append(match[0])
        return ""

    def _store_mng_line(self, match: re.Match[str]) -> str:
        assert self.onu is not None
        self.onu.mng_config.append(match[0])
        return ""

    def _reboot(self, _: re.Match[str]) -> str:
        self.pending = "reboot"
        return ""

    # --- show commands ---------------------------------------------------------------
    def _show_uncfg(self, match: re.Match[str]) -> str:
        pon = self._pon_of(match) if match[1] else None
        rows = self.zte.unconfigured(pon)
        if not rows:
            return NO_DATA
        lines = ["OnuIndex                 Sn                  State", "-" * 69]
        per_port: dict[Pon, int] = {}
        for fib in rows:
            per_port[fib.pon] = per_port.get(fib.pon, 0) + 1
            index = "gpon-onu_{}/{}/{}:{}".format(*fib.pon, per_port[fib.pon])
            lines.append(f"{index:<25}{fib.serial:<20}unknown")
        return "\n".join(lines)

    def _show_state(self, match: re.Match[str]) -> str:
        pon = self._pon_of(match)
        onus = self.zte.onus_on(pon) if pon else []
        if not onus:
            return NO_DATA
        lines = ["OnuIndex               Admin State  OMCC State   O7 State     Phase State", "-" * 76]
        for onu in onus:
            online = self.zte.run_state(onu) == "online"
            admin = "enable" if onu.admin_enabled else "disable"
            omcc, o7 = ("enable", "operation") if online else ("disable", "unknown")
            lines.append(f"{onu.index:<23}{admin:<13}{omcc:<13}{o7:<13}{self.zte.phase_state(onu)}")
        return "\n".join(lines)

    def _onu_at(self, match: re.Match[str]) -> SimOnu | None:
        pon = self._pon_of(match)
        return self.zte.onus.get((pon, int(match[4]))) if pon else None

    def _show_detail(self, match: re.Match[str]) -> str:
        onu = self._onu_at(match)
        if onu is None:
            return ONU_NOT_EXIST
        online = self.zte.run_state(onu) == "online"
        distance = f"{onu_levels(onu.serial)['distance_m']}m" if online else "N/A"
        fields = [
            ("Name", onu.name),
            ("Type", onu.onu_type),
            ("State", "ready"),
            ("Admin state", "enable" if onu.admin_enabled else "disable"),
            ("Phase state", self.zte.phase_state(onu)),
            ("Authentication mode", "sn"),
            ("SN Bind", "enable with SN check"),
            ("Serial number", onu.serial),
            ("Password", ""),
            ("Device ID", ""),
            ("Description", onu.description),
            ("Vport mode", "gemport"),
            ("DBA Mode", "Hybrid"),
            ("ONU Status", "enable"),
            ("ONU Distance", distance),
            ("Online Duration", "0h 12m 7s" if online else "N/A"),
            ("FEC", "none"),
        ]
        lines = [f"ONU interface:         {onu.index}"]
        lines += [f"  {key + ':':<21}{value}".rstrip() for key, value in fields]
        lines += [
            "------------------------------------------",
            "       Authpass Time          OfflineTime             Cause",
        ]
        cause = "" if online else f"     {self.zte._down_cause(onu)}"
        lines.append(
            f"   1   2024-05-02 10:11:12    {'0000-00-00 00:00:00' if online else '2024-05-03 08:00:00'}{cause}"
        )
        lines += [f"{n:>4}   0000-00-00 00:00:00    0000-00-00 00:00:00" for n in range(2, 11)]
        return "\n".join(lines)

    def _show_attenuation(self, match: re.Match[str]) -> str:
        onu = self._onu_at(match)
        if onu is None:
            return ONU_NOT_EXIST
        olt_tx = f"{_pon_tx_dbm(onu.pon):.3f}(dbm)"
        header = ["           OLT                  ONU              Attenuation", "-" * 74]
        if self.zte.run_state(onu) != "online":
            up = f" up      Rx :{'N/A':<18}Tx:{'N/A':<18}N/A"
            down = f" down    Tx :{olt_tx:<18}Rx:{'N/A':<18}N/A"
            return "\n".join(header + [up, "", down])
        levels = onu_levels(onu.serial)
        olt_rx, onu_tx, onu_rx = (f"{levels[k]:.3f}(dbm)" for k in ("olt_rx_dbm", "tx_dbm", "rx_dbm"))
        up_loss = f"{float(levels['tx_dbm']) - float(levels['olt_rx_dbm']):.3f}(dB)"
        down_loss = f"{_pon_tx_dbm(onu.pon) - float(levels['rx_dbm']):.3f}(dB)"
        up = f" up      Rx :{olt_rx:<18}Tx:{onu_tx:<18}{up_loss}"
        down = f" down    Tx :{olt_tx:<18}Rx:{onu_rx:<18}{down_loss}"
        return "\n".join(header + [up, "", down])

    def _show_system_group(self) -> str:
        return "\n".join(
            [
                f"System Description: C320 Version {self.zte.software_version} Software, "
                "Copyright (c) by ZTE Corporation Compiled",
                "System ObjectId: .1.3.6.1.4.1.3902.1082.1001.320.2.1",
                "Started before: 10 days, 9 hours, 14 minutes",
                "Contact with: noc@example.net",
                f"System name:  {self.zte.name}",
                "Location: lab",
            ]
        )

    def _show_card(self) -> str:
        lines = ["Rack Shelf Slot CfgType RealType Port  HardVer SoftVer         Status", "-" * 79]
        for card in self.zte.boards():
            cfg = card["board_name"][:4]
            lines.append(
                f"1    {card['frame']:<6}{card['slot']:<5}{cfg:<8}{card['board_name']:<9}{card['ports']:<6}"
                f"V1.0.0  {self.zte.software_version:<16}{card['status']}"
            )
        return "\n".join(lines)
