"""Huawei SmartAX (MA5600T / MA5608T / MA5800) GPON OLT driver."""

from __future__ import annotations

from typing import Any

from core.models import VendorFamily
from vendor_cli.base import AutofindOnu, CommandAnswer, OltVersion, OnuOptical, OnuState, VendorDriver
from vendor_cli.huawei_smartax import connection, errors, parsers, session


class HuaweiSmartaxDriver(VendorDriver):
    leave_config_command = "return"
    family = VendorFamily.HUAWEI_SMARTAX
    failed_when_contains = errors.FAILED_WHEN_CONTAINS

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

    def parse_autofind(self, text: str) -> list[AutofindOnu]:
        return parsers.parse_autofind(text)

    def parse_onu_list(self, text: str, frame: int, slot: int, port: int) -> list[OnuState]:
        return parsers.parse_onu_list(text, frame, slot, port)

    def parse_onu_detail(self, text: str) -> OnuState:
        return parsers.parse_onu_detail(text)

    def parse_onu_optical(self, text: str) -> OnuOptical:
        return parsers.parse_onu_optical(text)

    def parse_version(self, text: str) -> OltVersion:
        return parsers.parse_version(text)

    def command_error(self, command: str, output: str) -> str | None:
        return errors.command_error(command, output)

    def send_commands(self, conn: Any, commands: list[str], device: str) -> list[CommandAnswer]:
        return session.send_commands(conn, commands, device, self.command_error)
