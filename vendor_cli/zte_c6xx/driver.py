"""The ZTE C600/C620/C650 (TITAN) driver: commands, parsers, error checks and
the reboot confirmation."""

from __future__ import annotations

from core.models import VendorFamily
from vendor_cli.base import (
    AutofindOnu,
    OltVersion,
    OnuOptical,
    OnuState,
)
from vendor_cli.zte_c6xx import errors, identity, parsers
from vendor_cli.zte_c6xx.names import olt_if, onu_if
from vendor_cli.zte_common import (
    REBOOT_QUESTION,
    ZxanDriver,
)

__all__ = ["REBOOT_QUESTION", "ZteC6xxDriver"]


class ZteC6xxDriver(ZxanDriver):
    family = VendorFamily.ZTE_C6XX
    failed_when_contains = errors.FAILED_WHEN_CONTAINS

    # --- show commands ------------------------------------------------------
    def cmd_autofind(self) -> list[str]:
        return ["show pon onu uncfg"]

    def cmd_onu_list(self, frame: int, slot: int, port: int) -> list[str]:
        return [f"show gpon onu state {olt_if(frame, slot, port)}"]

    def cmd_onu_detail(self, frame: int, slot: int, port: int, onu_id: int) -> list[str]:
        return [f"show gpon onu detail-info {onu_if(frame, slot, port, onu_id)}"]

    def cmd_onu_optical(self, frame: int, slot: int, port: int, onu_id: int) -> list[str]:
        return [f"show pon power attenuation {onu_if(frame, slot, port, onu_id)}"]

    def cmd_port_optical(self, frame: int, slot: int, port: int) -> list[str]:
        """What every ONU of a PON port receives, in one command (parse_port_optical reads it)."""
        return [f"show pon power onu-rx {olt_if(frame, slot, port)}"]

    def cmd_version(self) -> list[str]:
        return ["show card"]

    # --- parsers ------------------------------------------------------------
    def parse_autofind(self, text: str) -> list[AutofindOnu]:
        return parsers.parse_autofind(text)

    def parse_onu_list(self, text: str, frame: int, slot: int, port: int) -> list[OnuState]:
        return parsers.parse_onu_list(text, frame, slot, port)

    def parse_onu_detail(self, text: str) -> OnuState:
        return parsers.parse_onu_detail(text)

    def parse_onu_optical(self, text: str) -> OnuOptical:
        return parsers.parse_onu_optical(text)

    def parse_port_optical(self, text: str) -> dict[int, OnuOptical]:
        """{onu_id: OnuOptical(rx_dbm=...)} of one port (`show pon power onu-rx`); rx None for N/A."""
        return parsers.parse_onu_rx(text)

    def parse_version(self, text: str) -> OltVersion:
        return parsers.parse_version(text)

    def identity_problem(self, version: OltVersion, raw: str) -> str | None:
        return identity.identity_problem(version, raw)

    # --- command results ----------------------------------------------------
    def command_error(self, command: str, output: str) -> str | None:
        return errors.command_error(command, output)
