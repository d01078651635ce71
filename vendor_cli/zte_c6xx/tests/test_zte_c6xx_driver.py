"""Driver wiring: commands, connection options, interactive reboot."""

from __future__ import annotations

import re
from types import SimpleNamespace
from typing import Any

import pytest

from core.models import VendorFamily
from vendor_cli.base import CliCommandError
from vendor_cli.registry import get_driver
from vendor_cli.zte_c6xx import DRIVER
from vendor_cli.zte_c6xx.driver import REBOOT_QUESTION


def test_family_and_commands_use_the_c600_names() -> None:
    assert DRIVER.family is VendorFamily.ZTE_C6XX
    assert DRIVER.first_onu_id == 1
    assert get_driver("zte_c6xx") is DRIVER
    assert DRIVER.cmd_autofind() == ["show pon onu uncfg"]
    assert DRIVER.cmd_onu_list(1, 2, 3) == ["show gpon onu state gpon_olt-1/2/3"]
    assert DRIVER.cmd_onu_detail(1, 2, 3, 4) == ["show gpon onu detail-info gpon_onu-1/2/3:4"]
    assert DRIVER.cmd_onu_optical(1, 2, 3, 4) == ["show pon power attenuation gpon_onu-1/2/3:4"]
    assert DRIVER.cmd_version() == ["show card"]


@pytest.mark.parametrize("transport", ["ssh", "telnet"])
def test_scrapli_options(transport: str) -> None:
    options = DRIVER.scrapli_options(transport)
    assert options["platform"] == "generic"
    assert options["extras"]["timeout_ops"] >= 30
    prompt = re.compile(options["extras"]["comms_prompt_pattern"], re.M)
    for seen in (
        "OLT-C600#",
        "OLT-C600(config)#",
        "OLT-C600(config-if-gpon_olt-1/1/1)#",
        "OLT-C600(config-if-vport-1/1/1.5:1)#",
        "OLT-C600(gpon-onu-mng-1/1/1:5)#",
        "ZXAN#",
    ):
        assert prompt.search(seen), seen


class FakeConnection:
    def __init__(self, answers: dict[str, str]) -> None:
        self.answers = answers
        self.interactive: list[Any] = []

    def send_command(self, command: str) -> Any:
        return SimpleNamespace(result=self.answers.get(command, ""), elapsed_time=0.01)

    def send_interactive(self, events: list[Any]) -> Any:
        self.interactive.append(events)
        return SimpleNamespace(result=f"{REBOOT_QUESTION}yes", elapsed_time=0.02)


def test_reboot_answers_the_confirmation() -> None:
    conn = FakeConnection({})
    answers = DRIVER.send_commands(conn, ["configure terminal", "reboot", "end"], "olt-a")
    assert [a.command for a in answers] == ["configure terminal", "reboot", "end"]
    (events,) = conn.interactive
    assert events[0][:2] == ("reboot", REBOOT_QUESTION) and events[1][0] == "yes"
    assert answers[1].output == "yes"


def test_failure_stops_and_names_device_and_command() -> None:
    conn = FakeConnection({"no onu 7": "%Code 32310-GPONSRV : The ONU does not exist."})
    with pytest.raises(CliCommandError) as error:
        DRIVER.send_commands(conn, ["configure terminal", "no onu 7", "end"], "olt-a")
    assert (error.value.device, error.value.command) == ("olt-a", "no onu 7")
    assert [a.command for a in error.value.answers] == ["configure terminal", "no onu 7"]
