"""Huawei SmartAX (MA5600T / MA5608T / MA5800) GPON OLT driver."""

from __future__ import annotations

from typing import Any

from core.models import VendorFamily
from vendor_cli.base import AutofindOnu, CommandAnswer, OltVersion, OnuOptical, OnuState, VendorDriver
from vendor_cli.huawei_smartax import connection, errors, identity, parsers, session
from vendor_cli.render import cli_safe

# `ont add/modify ... desc "..."`: no public CLI reference giving the length was found. The MIB
# column behind it, hwGponDeviceOntDespt (HUAWEI-XPON-MIB, DotZero24/pysnmp-mibs
# mibs/huawei/HUAWEI-XPON-MIB @3ff4d5d0, L4570), is OCTET STRING (SIZE (0..128)); 64 characters
# stays inside it even for two-byte UTF-8 text. The templates quote the value, so spaces are fine.
DESCRIPTION_MAX = 64


class HuaweiSmartaxDriver(VendorDriver):
    leave_config_command = "return"
    family = VendorFamily.HUAWEI_SMARTAX
    failed_when_contains = errors.FAILED_WHEN_CONTAINS
    # `config` (scrapli, netmiko) or `configure terminal` (NOC) -> (config)#; `interface gpon F/S`
    # -> (config-if-gpon-F/S)#; `quit` goes up one level; `return` back to privileged mode
    # (netmiko's exit_config_mode; reference §1.1-1.2, §2.1).
    enter_mode_pattern = r"config|configure terminal|interface (?:gpon|epon) \S+"
    leave_mode_pattern = r"quit"
    top_mode_pattern = r"return"

    def scrapli_options(self, transport: str) -> dict[str, Any]:
        return connection.scrapli_options(transport)

    # Show commands run in privileged mode, except the per-ONT optical query,
    # which exists only in the GPON interface view.
    def cmd_autofind(self) -> list[str]:
        return ["display ont autofind all"]

    def cmd_onu_list(self, frame: int, slot: int, port: int) -> list[str]:
        return [f"display ont info summary {frame}/{slot}/{port}"]

    def cmd_onu_detail(self, frame: int, slot: int, port: int, onu_id: int) -> list[str]:
        return [f"display ont info {frame} {slot} {port} {onu_id}"]

    def cmd_onu_optical(self, frame: int, slot: int, port: int, onu_id: int) -> list[str]:
        return ["config", f"interface gpon {frame}/{slot}", f"display ont optical-info {port} {onu_id}",
                "quit", "quit"]

    def cmd_version(self) -> list[str]:
        """Parse the two answers joined with a newline."""
        return ["display version", "display board 0"]

    def cmd_save(self) -> list[str]:
        # netmiko's SmartAX save_config and NOC's Huawei.MA5600T profile (`save\ny\n`); the session
        # answers the (y/n) question some firmware asks and waits out the save (session.py).
        return ["save"]

    def parse_autofind(self, text: str) -> list[AutofindOnu]:
        return parsers.parse_autofind(text)

    def parse_onu_list(self, text: str, frame: int, slot: int, port: int) -> list[OnuState]:
        return parsers.parse_onu_list(text, frame, slot, port)

    def parse_onu_detail(self, text: str) -> OnuState:
        return parsers.parse_onu_detail(text)

    def parse_onu_optical(self, text: str) -> OnuOptical:
        return parsers.parse_onu_optical(text)

    def parse_port_optical(self, text: str) -> dict[int, OnuOptical]:
        """Every online ONT's optics of one port, by ONT id (`display ont optical-info P all`)."""
        return parsers.parse_port_optical(text)

    def parse_ont_add(self, text: str) -> int:
        """The ONT id assigned by `ont add P [ID] sn-auth ...`; a refused add raises
        errors.HuaweiAnswerError."""
        return parsers.parse_ont_add(text)

    def parse_version(self, text: str) -> OltVersion:
        return parsers.parse_version(text)

    def identity_problem(self, version: OltVersion, raw: str) -> str | None:
        return identity.identity_problem(version, raw)

    # An ONT has only a description: a name ends up in `desc` too (templates: desc "{{ description
    # or name }}"), so both get the description's rules.
    def cli_name(self, text: str) -> str:
        return self.cli_description(text)

    def cli_description(self, text: str) -> str:
        return cli_safe(text, DESCRIPTION_MAX)

    def command_error(self, command: str, output: str) -> str | None:
        return errors.command_error(command, output)

    def send_commands(self, conn: Any, commands: list[str], device: str) -> list[CommandAnswer]:
        return session.send_commands(conn, commands, device, self.command_error)
