"""Driver wiring: commands, connection options, interactive reboot."""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from core.models import VendorFamily
from vendor_cli.base import CliCommandError, ModeChange
from vendor_cli.registry import get_driver
from vendor_cli.render import render_cli, sample_context
from vendor_cli.zte_c6xx import DRIVER
from vendor_cli.zte_c6xx.driver import REBOOT_QUESTION
from vendor_cli.zte_c6xx.tests.data_files import c620_card_types, c620_show_card, sample

FAMILIES = Path(__file__).parents[2]
HUAWEI_DATA = FAMILIES / "huawei_smartax" / "tests" / "data"
C3XX_DATA = FAMILIES / "zte_c3xx" / "tests" / "data"


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


# --- CLI modes ----------------------------------------------------------------
@pytest.mark.parametrize(
    ("command", "change"),
    [
        ("configure terminal", ModeChange.ENTER),
        ("interface gpon_olt-1/1/1", ModeChange.ENTER),
        ("interface gpon_onu-1/1/1:5", ModeChange.ENTER),
        ("interface vport-1/1/1.5:1", ModeChange.ENTER),
        ("pon-onu-mng gpon_onu-1/1/1:5", ModeChange.ENTER),
        ("exit", ModeChange.LEAVE),
        ("end", ModeChange.TOP),
        ("service-port 1 user-vlan 100 vlan 100", None),
        ("no onu 5", None),
        ("write", None),
        ("quit", None),
    ],
)
def test_mode_change(command: str, change: ModeChange | None) -> None:
    assert DRIVER.mode_change(command) is change


@pytest.mark.parametrize("action", ["authorize", "remove", "rename", "move"])
def test_templates_come_back_to_the_top(action: str) -> None:
    lines = render_cli(DRIVER.default_templates()[action], sample_context("zte_c6xx"))
    steps: dict[ModeChange | None, int] = {ModeChange.ENTER: 1, ModeChange.LEAVE: -1}
    depth = 0
    for line in lines:
        change = DRIVER.mode_change(line)
        depth = 0 if change is ModeChange.TOP else depth + steps.get(change, 0)
        assert depth >= 0, line
    assert depth == 0 and DRIVER.mode_change(lines[-1]) is ModeChange.TOP


# --- saving -------------------------------------------------------------------
def test_write_saves_and_is_checked() -> None:
    assert DRIVER.cmd_save() == ["write"]
    assert DRIVER.command_error("write", "Building configuration...\n.[OK]") is None
    assert DRIVER.command_error("write", ".[OK].") is None  # public ZXAN guide, index file id 18049310025
    assert DRIVER.command_error("write", "") is not None
    assert DRIVER.command_error("write", sample("error_invalid_input_c600.txt")) is not None


# --- names and descriptions ---------------------------------------------------
def test_name_without_spaces_description_with() -> None:
    assert DRIVER.cli_name("Jane Doe  Main St") == "Jane_Doe_Main_St"
    assert DRIVER.cli_description("Jane Doe  Main St") == "Jane Doe Main St"


# --- identity -----------------------------------------------------------------
def test_a_c600_family_card_table_is_recognised() -> None:
    raw = c620_show_card()
    version = DRIVER.parse_version(raw)
    assert [b.board_name for b in version.boards] == c620_card_types()
    assert DRIVER.identity_problem(version, raw) is None


def test_the_c600_cards_of_the_lab_are_recognised() -> None:
    # lab/zte_c600.py shows GFBN / SFUL / HUTQ (HUTQ also exists on the C300 generation)
    raw = c620_show_card().replace("HFTH", "GFBN").replace("SPUF", "SFUL").replace("PRSF", "HUTQ")
    assert DRIVER.identity_problem(DRIVER.parse_version(raw), raw) is None


def huawei(name: str) -> str:
    return (HUAWEI_DATA / name).read_text().partition("\n")[2]


def zte_c3xx(name: str) -> str:
    return (C3XX_DATA / name).read_text().partition("\n")[2]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        # a Huawei MA5600T answers `show card` as any unknown command
        (huawei("error_unknown_command.txt"), "no C6xx card table in the answer to `show card`"),
        (huawei("version_ntc_ma5608t.txt") + huawei("board_ntc.txt"), "no C6xx card table"),
        (zte_c3xx("card_c320.txt"), "C300/C320 control card SMXA"),
        (zte_c3xx("system_group_c320.txt") + zte_c3xx("card_c320.txt"), "C300/C320 control card SMXA"),
        (sample("show_card.txt"), "C300/C320 control card SCXN"),  # the C300 capture kept here
    ],
    ids=["huawei_refusal", "huawei_identity", "c320_card", "c320_identity", "c300_card"],
)
def test_another_familys_device_is_refused(raw: str, expected: str) -> None:
    problem = DRIVER.identity_problem(DRIVER.parse_version(raw), raw)
    assert problem is not None and "does not look like a ZTE C600/C6xx" in problem and expected in problem
