"""ZTE ZXA10 C300/C320 (ZXAN, `gpon-olt_F/S/P` / `gpon-onu_F/S/P:N`) driver."""

from __future__ import annotations

import re

from core.models import VendorFamily
from vendor_cli.base import (
    AutofindOnu,
    OltVersion,
    OnuOptical,
    OnuState,
)
from vendor_cli.zte_c3xx import identity, parsers
from vendor_cli.zte_common import (
    REBOOT_QUESTION,
    ZxanDriver,
    is_no_data,
    save_error,
)

__all__ = ["REBOOT_QUESTION", "ZteC3xxDriver"]

#: `onu N type T sn S` and `no onu N` print `[Successful]` when they worked (onmt C300.php L907/L949).
_NEEDS_SUCCESSFUL = re.compile(r"^\s*(?:no\s+)?onu\s+\d+(?:\s|$)")
_ERROR_CODE = re.compile(r"%?Error\s+\d+\s*:\s*(?P<message>.*)")
_NOTICE_CODE = re.compile(r"%Code\s+\d+-\w+\s*:\s*(?P<message>.*)")


def _pon(frame: int, slot: int, port: int) -> str:
    return f"gpon-olt_{frame}/{slot}/{port}"


def _onu(frame: int, slot: int, port: int, onu_id: int) -> str:
    return f"gpon-onu_{frame}/{slot}/{port}:{onu_id}"


class ZteC3xxDriver(ZxanDriver):
    family = VendorFamily.ZTE_C3XX
    failed_when_contains = (
        "Invalid input detected",
        "Incomplete command",
        "Ambiguous command",
        "Invalid command",
        "Invalid keyword",
        "Unrecognized command",
    )

    # --- show commands ------------------------------------------------------
    def cmd_autofind(self) -> list[str]:
        return ["show gpon onu uncfg"]

    def cmd_onu_list(self, frame: int, slot: int, port: int) -> list[str]:
        return [f"show gpon onu state {_pon(frame, slot, port)}"]

    def cmd_onu_detail(self, frame: int, slot: int, port: int, onu_id: int) -> list[str]:
        return [f"show gpon onu detail-info {_onu(frame, slot, port, onu_id)}"]

    def cmd_onu_optical(self, frame: int, slot: int, port: int, onu_id: int) -> list[str]:
        return [f"show pon power attenuation {_onu(frame, slot, port, onu_id)}"]

    def cmd_port_optical(self, frame: int, slot: int, port: int) -> list[str]:
        """What every ONU of a PON port receives, in one command (parse_port_optical reads it)."""
        return [f"show pon power onu-rx {_pon(frame, slot, port)}"]

    def cmd_version(self) -> list[str]:
        """parse_version takes both answers joined by a newline."""
        return ["show system-group", "show card"]

    # --- parsers ------------------------------------------------------------
    def parse_autofind(self, text: str) -> list[AutofindOnu]:
        return parsers.parse_uncfg(text)

    def parse_onu_list(self, text: str, frame: int, slot: int, port: int) -> list[OnuState]:
        return parsers.parse_state_table(text, frame, slot, port)

    def parse_onu_detail(self, text: str) -> OnuState:
        return parsers.parse_detail(text)

    def parse_onu_optical(self, text: str) -> OnuOptical:
        return parsers.parse_attenuation(text)

    def parse_port_optical(self, text: str) -> dict[int, OnuOptical]:
        """{onu_id: OnuOptical(rx_dbm=...)} of one port (`show pon power onu-rx`); rx None for N/A."""
        return parsers.parse_onu_rx(text)

    def parse_version(self, text: str) -> OltVersion:
        return parsers.parse_version(text)

    def identity_problem(self, version: OltVersion, raw: str) -> str | None:
        return identity.identity_problem(version, raw)

    # --- command results ----------------------------------------------------
    def command_error(self, command: str, output: str) -> str | None:
        error = _ERROR_CODE.search(output)
        if error:
            return f"device answered error: {error['message'].strip()}"
        notice = _NOTICE_CODE.search(output)
        if notice and not is_no_data(output):
            return f"device answered: {notice['message'].strip()}"
        reason = super().command_error(command, output)
        if reason:
            return reason
        if _NEEDS_SUCCESSFUL.match(command) and "Successful" not in output:
            return "device did not confirm with 'Successful'"
        return save_error(command, output)
