"""The contract every vendor family implements: scrapli settings, show commands,
parsers, success checks, CLI modes, saving, identity checks, the rules for free text
in commands and the shipped default CLI templates.

Templates are rendered by `vendor_cli.render` (the one place that renders CLI)
with the context documented in `TEMPLATE_CONTEXT_DOC`.
"""

from __future__ import annotations

import abc
import enum
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.models import VendorFamily

TEMPLATE_CONTEXT_DOC = """
Every CLI template is rendered with these variables (None when not applicable):
  olt.name, olt.model, olt.family
  frame, slot, port, onu_id          position of the ONU (onu_id = ONU index on the PON port)
  serial                             canonical serial: 4-letter vendor id + 8 hex digits, e.g. HWTC11E70E9A
  serial_hex                         16 hex digits, e.g. 4857544311E70E9A
  name, description                  free text, already safe for the CLI (no quotes/newlines)
  onu_type                           ZTE: OLT-side ONU type name (from the ONU type's mapping)
  line_profile, line_profile_id      Huawei ONT line profile (from the service plan) and its id on this OLT
  service_profile, service_profile_id Huawei ONT service profile (from the ONU type) and its id on this OLT
  tcont_profile, traffic_profile_up, traffic_profile_down, gemport   ZTE (from the service plan)
  service_vlan, user_vlan            VLANs (from the service plan, overridable per ONU)
  service_port_index                 Huawei service-port index reserved for this ONU, or None
  tr069.acs_url, tr069.username, tr069.password, tr069.profile_id    TR-069 management (System Settings)
  pppoe.username, pppoe.password     from the subscription, or pppoe is None
  new.serial, new.serial_hex, new.frame, new.slot, new.port, new.onu_id   for replace / move
A template renders to one command per line; blank lines and lines starting with '!' are dropped.
"""


class OnuStatus(enum.StrEnum):
    """What an ONU is doing, the same words for every family: the one vocabulary of
    run states (the parsers' `OnuState.run_state` and the OMS's stored status)."""

    ONLINE = "online"
    OFFLINE = "offline"
    LOS = "los"
    DYING_GASP = "dying_gasp"
    POWER_OFF = "power_off"
    UNKNOWN = "unknown"


class ModeChange(enum.StrEnum):
    """How a command moves the CLI between modes (see VendorDriver.mode_change)."""

    ENTER = "enter"  # one level deeper (config, an interface, pon-onu-mng ...)
    LEAVE = "leave"  # one level up
    TOP = "top"  # back to privileged exec from any configuration depth


@dataclass(frozen=True)
class AutofindOnu:
    frame: int
    slot: int
    port: int
    serial: str  # canonical, e.g. HWTC11E70E9A
    vendor_id: str | None = None
    equipment_id: str | None = None
    software_version: str | None = None
    hardware_version: str | None = None


@dataclass(frozen=True)
class OnuState:
    """One ONU as a listing or a detail answer shows it. Every family puts the same thing in the
    same field (None: this answer does not print it):

    - `run_state`: what the ONU is doing, an OnuStatus value. Huawei `Run state` (online/offline)
      with the last down cause; ZTE `Phase State` (working -> online, syncMib -> online, logging /
      authFailed / OffLine -> offline, LOS/LOSi/LOFi -> los, DyingGasp -> dying_gasp), the same
      names as the SNMP value maps of the `onu_status` rows (oms/monitoring/oid_defaults.py).
    - `admin_state`: whether the operator has the ONU switched on, "enabled" / "disabled". Huawei
      `Control flag` (active / deactivated); ZTE `Admin State` (enable / disable).
    - `config_state`: whether the OLT's configuration was delivered to the ONU, as the device words
      it. Huawei `Config state` (normal / failed / initial ...); ZTE detail-info `Config state`
      (success ...; older firmware prints none).
    - `match_state`: whether the ONU matches its configured type/capabilities, as the device words
      it: Huawei `Match state` (match / mismatch). ZTE prints no such field (None).
    - `omcc_state`: whether the ONU's OMCI management channel is up, "enabled" / "disabled": ZTE
      state table `OMCC State` (enable / disable). Huawei prints none (None).
    - `last_down_cause`: why the ONU last went down. Huawei `Last down cause` as printed; ZTE the
      last `Cause` of the detail-info history, in the SNMP map's names (dying_gasp, los, losi ...).
    """

    frame: int
    slot: int
    port: int
    onu_id: int
    serial: str | None = None
    run_state: str | None = None  # normalised: an OnuStatus value
    config_state: str | None = None
    match_state: str | None = None
    description: str | None = None
    onu_type: str | None = None
    distance_m: int | None = None
    last_down_cause: str | None = None
    name: str | None = None  # the ONU's name as the OLT stores it (ZTE `name`; Huawei has none)
    admin_state: str | None = None  # "enabled" / "disabled" / None (the answer does not say)
    # the ONU's own received / transmitted optical power (dBm) when the listing prints them
    # (Huawei `display ont info summary`: `Rx/Tx power(dBm)`); None when it does not or the ONU is offline
    rx_dbm: float | None = None
    tx_dbm: float | None = None
    omcc_state: str | None = None  # ZTE `OMCC State`: "enabled" / "disabled" (see the class docstring)


@dataclass(frozen=True)
class OnuOptical:
    rx_dbm: float | None = None
    tx_dbm: float | None = None
    olt_rx_dbm: float | None = None
    temperature_c: float | None = None
    voltage_v: float | None = None
    bias_ma: float | None = None


@dataclass(frozen=True)
class BoardInfo:
    frame: int
    slot: int
    board_name: str
    status: str


@dataclass(frozen=True)
class OltVersion:
    model: str | None = None
    software_version: str | None = None
    boards: list[BoardInfo] = field(default_factory=list)


@dataclass(frozen=True)
class CommandAnswer:
    command: str
    output: str
    elapsed_s: float = 0.0


class CliCommandError(RuntimeError):
    """The device answered a command with an error: says which device, which command, what it said."""

    def __init__(
        self, device: str, command: str, output: str, reason: str, answers: list[CommandAnswer] | None = None
    ) -> None:
        self.device, self.command, self.output, self.reason = device, command, output, reason
        self.answers = answers or []  # every answer up to and including the failed one
        super().__init__(f"{device}: command {command!r} failed: {reason}")


_NEVER = r"(?!)"  # a pattern that matches no command


class VendorDriver(abc.ABC):
    """One vendor family's CLI knowledge. Stateless; one instance per family."""

    family: VendorFamily
    #: strings that mark a failed command in the device's answer
    failed_when_contains: tuple[str, ...] = ()
    #: lowest ONU id on a PON port (Huawei counts from 0, ZTE from 1)
    first_onu_id: int = 0
    #: command that returns from any configuration mode to privileged exec
    leave_config_command: str = "end"
    # CLI modes as data (whole command, whitespace-normalised, case-sensitive):
    #: commands that enter a deeper mode
    enter_mode_pattern: str = _NEVER
    #: commands that go up exactly one level
    leave_mode_pattern: str = _NEVER
    #: commands that return to privileged exec from any configuration depth
    top_mode_pattern: str = _NEVER

    def mode_change(self, command: str) -> ModeChange | None:
        """How `command` moves between CLI modes; None for a command that stays in its mode."""
        line = " ".join(command.split())
        for kind, pattern in (
            (ModeChange.TOP, self.top_mode_pattern),
            (ModeChange.LEAVE, self.leave_mode_pattern),
            (ModeChange.ENTER, self.enter_mode_pattern),
        ):
            if re.fullmatch(pattern, line):
                return kind
        return None

    # --- connection ---------------------------------------------------------
    @abc.abstractmethod
    def scrapli_options(self, transport: str) -> dict[str, Any]:
        """Nornir ConnectionOptions for the `scrapli` connection plugin:
        {"platform": ..., "extras": {...}} for transport "ssh" or "telnet"."""

    # --- show commands ------------------------------------------------------
    @abc.abstractmethod
    def cmd_autofind(self) -> list[str]: ...

    @abc.abstractmethod
    def cmd_onu_list(self, frame: int, slot: int, port: int) -> list[str]: ...

    @abc.abstractmethod
    def cmd_onu_detail(self, frame: int, slot: int, port: int, onu_id: int) -> list[str]: ...

    @abc.abstractmethod
    def cmd_onu_optical(self, frame: int, slot: int, port: int, onu_id: int) -> list[str]: ...

    @abc.abstractmethod
    def cmd_version(self) -> list[str]:
        """Commands whose answers (joined with newlines) identify the device: parse_version
        and identity_problem read them."""

    @abc.abstractmethod
    def cmd_save(self) -> list[str]:
        """Commands, sent from privileged exec, that write the running configuration to flash."""

    # --- parsers (input: the verbatim answer to the show command) ----------
    @abc.abstractmethod
    def parse_autofind(self, text: str) -> list[AutofindOnu]: ...

    @abc.abstractmethod
    def parse_onu_list(self, text: str, frame: int, slot: int, port: int) -> list[OnuState]: ...

    @abc.abstractmethod
    def parse_onu_detail(self, text: str) -> OnuState: ...

    @abc.abstractmethod
    def parse_onu_optical(self, text: str) -> OnuOptical: ...

    @abc.abstractmethod
    def parse_version(self, text: str) -> OltVersion:
        """Never raises: an answer from another device gives an empty OltVersion."""

    # --- identity -------------------------------------------------------------
    @abc.abstractmethod
    def identity_problem(self, version: OltVersion, raw: str) -> str | None:
        """None when the answers to cmd_version() (`raw`, joined; `version` = parse_version(raw))
        look like this family's device, else a one-line reason an operator understands."""

    # --- free text in commands ------------------------------------------------
    @abc.abstractmethod
    def cli_name(self, text: str) -> str:
        """An ONU name (already through render.cli_safe) as this family's CLI can carry it.
        Idempotent: the value is compared with what the device reports back."""

    @abc.abstractmethod
    def cli_description(self, text: str) -> str:
        """An ONU description (already through render.cli_safe) as this family's CLI can carry
        it. Idempotent, like cli_name."""

    # --- command results ----------------------------------------------------
    def command_error(self, command: str, output: str) -> str | None:
        """Why this answer means failure (None when it succeeded). Covers what
        failed_when_contains cannot, e.g. Huawei's `success: 0`."""
        for marker in self.failed_when_contains:
            if marker in output:
                return f"device answered {marker!r}"
        return None

    def send_commands(self, conn: Any, commands: list[str], device: str) -> list[CommandAnswer]:
        """Send commands one by one on an open scrapli connection, stopping at the
        first failure (CliCommandError carries every answer so far)."""
        answers: list[CommandAnswer] = []
        for command in commands:
            answer = self.send_one(conn, command)
            answers.append(answer)
            reason = self.command_error(command, answer.output)
            if reason:
                raise CliCommandError(device, command, answer.output, reason, answers)
        return answers

    def send_one(self, conn: Any, command: str) -> CommandAnswer:
        """One command and its answer; vendors override this to answer interactive confirmations."""
        response = conn.send_command(command)
        return CommandAnswer(command, response.result, response.elapsed_time or 0.0)

    # --- templates ----------------------------------------------------------
    @property
    def template_dir(self) -> Path:
        return Path(__file__).parent / self.family.value / "templates"

    def default_templates(self) -> Mapping[str, str]:
        """Shipped default template body for each action (file name = action)."""
        return {p.stem: p.read_text() for p in sorted(self.template_dir.glob("*.j2"))}

