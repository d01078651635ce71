"""zte_c3xx command checks, connection options and interactive reboot."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from nornir.core.inventory import ConnectionOptions

from vendor_cli.base import CliCommandError
from vendor_cli.zte_c3xx import DRIVER
from vendor_cli.zte_c3xx.driver import REBOOT_QUESTION

ERRORS = (Path(__file__).parent / "data" / "errors.txt").read_text().splitlines()[1:]


@pytest.mark.parametrize("answer", ERRORS)
def test_real_error_strings_fail(answer: str) -> None:
    assert DRIVER.command_error("interface gpon-olt_1/1/9", answer) is not None


def test_caret_error_block_fails() -> None:
    answer = "              ^\n%Error 20200: Invalid input detected at '^' marker."
    assert "Invalid input" in (DRIVER.command_error("show gpon onu bogus", answer) or "")


@pytest.mark.parametrize("command", ["onu 5 type ZTE-F660 sn ZTEGC0000001", "no onu 5"])
def test_onu_add_and_delete_need_successful(command: str) -> None:
    assert DRIVER.command_error(command, "") == "device did not confirm with 'Successful'"
    assert DRIVER.command_error(command, "[Successful]") is None


def test_config_banner_and_plain_commands_pass() -> None:
    assert (
        DRIVER.command_error("configure terminal", "Enter configuration commands, one per line.  End with CTRL/Z.")
        is None
    )
    assert DRIVER.command_error("name cust-1", "") is None
    assert DRIVER.command_error("onu-profile x", "") is None


@pytest.mark.parametrize("transport", ["ssh", "telnet"])
def test_scrapli_options_fit_nornir_and_scrapli(transport: str) -> None:
    options = DRIVER.scrapli_options(transport)
    ConnectionOptions(**options)  # nornir accepts exactly these keys
    assert options["platform"] == "generic"
    extras = options["extras"]
    assert extras["transport"] == ("paramiko" if transport == "ssh" else "telnet")
    assert callable(extras["on_open"]) and extras["timeout_ops"] >= 30
    for prompt in ("ZXAN>", "ZXAN#", "ZXAN(config)#", "ZXAN(config-if)#", "ZXAN(gpon-onu-mng)#", "LO.Berkah-Pati.v2#"):
        import re

        assert re.search(extras["comms_prompt_pattern"], prompt, re.M | re.I), prompt
    assert options["port"] == (None if transport == "ssh" else 23)


def test_unknown_transport_is_refused() -> None:
    with pytest.raises(ValueError, match="unsupported ZTE transport"):
        DRIVER.scrapli_options("netconf")


class _FakeConn:
    def __init__(self, answers: dict[str, str]) -> None:
        self.answers, self.interactions, self.sent = answers, [], []

    def send_command(self, command: str) -> Any:
        self.sent.append(command)
        return SimpleNamespace(result=self.answers.get(command, ""), elapsed_time=0.01)

    def send_interactive(self, events: list[tuple[str, str, bool]]) -> Any:
        self.interactions.append(events)
        return SimpleNamespace(result=f"{REBOOT_QUESTION}yes", elapsed_time=0.02)


def test_reboot_is_sent_interactively_and_confirmed() -> None:
    conn = _FakeConn({})
    answers = DRIVER.send_commands(
        conn, ["configure terminal", "pon-onu-mng gpon-onu_1/1/1:5", "reboot", "end"], "olt1"
    )
    assert [a.command for a in answers] == ["configure terminal", "pon-onu-mng gpon-onu_1/1/1:5", "reboot", "end"]
    [events] = conn.interactions
    assert events[0][:2] == ("reboot", REBOOT_QUESTION) and events[1][0] == "yes"
    assert "reboot" not in conn.sent


def test_failure_stops_and_names_device_and_command() -> None:
    conn = _FakeConn({"no onu 9": "%Code 32310-GPONSRV : The ONU does not exist."})
    with pytest.raises(CliCommandError) as failure:
        DRIVER.send_commands(conn, ["configure terminal", "interface gpon-olt_1/1/1", "no onu 9", "exit"], "olt7")
    assert (failure.value.device, failure.value.command) == ("olt7", "no onu 9")
    assert "The ONU does not exist." in failure.value.reason
    assert len(failure.value.answers) == 3 and "exit" not in conn.sent
