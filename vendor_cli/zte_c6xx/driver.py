"""The ZTE C600/C620/C650 (TITAN) driver: commands, parsers, error checks and
the reboot confirmation."""

from __future__ import annotations

from typing import Any

from core.models import VendorFamily
from vendor_cli.base import (
    AutofindOnu,
    CommandAnswer,
    OltVersion,
    OnuOptical,
    OnuState,
    VendorDriver,
)
from vendor_cli.zte_c6xx import errors, identity, parsers
from vendor_cli.zte_c6xx.names import olt_if, onu_if
from vendor_cli.zte_common import (
    ENTER_MODE_PATTERN,
    LEAVE_MODE_PATTERN,
    REBOOT_QUESTION,
    SAVE_COMMAND,
    TOP_MODE_PATTERN,
    onu_description,
    onu_name,
    send_zte_command,
    zte_scrapli_options,
)

__all__ = ["REBOOT_QUESTION", "ZteC6xxDriver"]


class ZteC6xxDriver(VendorDriver):
    family = VendorFamily.ZTE_C6XX
    failed_when_contains = errors.FAILED_WHEN_CONTAINS
    first_onu_id = 1
    enter_mode_pattern = ENTER_MODE_PATTERN
    leave_mode_pattern = LEAVE_MODE_PATTERN
    top_mode_pattern = TOP_MODE_PATTERN

    # --- connection ---------------------------------------------------------
    def scrapli_options(self, transport: str) -> dict[str, Any]:
        return zte_scrapli_options(transport)

    # --- show commands ------------------------------------------------------
    def cmd_autofind(self) -> list[str]:
        return ["show pon onu uncfg"]

    def cmd_onu_list(self, frame: int, slot: int, port: int) -> list[str]:
        return [f"show gpon onu state {olt_if(frame, slot, port)}"]

    def cmd_onu_detail(self, frame: int, slot: int, port: int, onu_id: int) -> list[str]:
        return [f"show gpon onu detail-info {onu_if(frame, slot, port, onu_id)}"]

    def cmd_onu_optical(self, frame: int, slot: int, port: int, onu_id: int) -> list[str]:
        return [f"show pon power attenuation {onu_if(frame, slot, port, onu_id)}"]

    def cmd_version(self) -> list[str]:
        return ["show card"]

    def cmd_save(self) -> list[str]:
        return [SAVE_COMMAND]

    # --- parsers ------------------------------------------------------------
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

    def identity_problem(self, version: OltVersion, raw: str) -> str | None:
        return identity.identity_problem(version, raw)

    # --- free text in commands ------------------------------------------------
    # The C600 keeps the C300's `name` / `description` commands (onmt C600 extends C300).
    def cli_name(self, text: str) -> str:
        return onu_name(text)

    def cli_description(self, text: str) -> str:
        return onu_description(text)

    # --- command results ----------------------------------------------------
    def command_error(self, command: str, output: str) -> str | None:
        return errors.command_error(command, output)

    def send_one(self, conn: Any, command: str) -> CommandAnswer:
        return send_zte_command(conn, command)
