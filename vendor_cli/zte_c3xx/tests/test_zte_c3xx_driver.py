"""zte_c3xx command checks, connection options and interactive reboot."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from nornir.core.inventory import ConnectionOptions

from vendor_cli.base import CliCommandError, ModeChange
from vendor_cli.zte_c3xx import DRIVER
from vendor_cli.zte_c3xx.driver import REBOOT_QUESTION
from vendor_cli.zte_c6xx.tests.data_files import c620_show_card

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
        self.answers = answers
        self.interactions: list[list[tuple[str, str, bool]]] = []
        self.sent: list[str] = []

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


# --- CLI modes ----------------------------------------------------------------
@pytest.mark.parametrize(
    ("command", "change"),
    [
        ("configure terminal", ModeChange.ENTER),
        ("interface gpon-olt_1/1/1", ModeChange.ENTER),
        ("interface gpon-onu_1/1/1:5", ModeChange.ENTER),
        ("pon-onu-mng gpon-onu_1/1/1:5", ModeChange.ENTER),
        ("exit", ModeChange.LEAVE),
        ("end", ModeChange.TOP),
        ("onu 5 type ZTE-F660 sn ZTEGC0000001", None),
        ("name cust-1", None),
        ("description end", None),
        ("write", None),
        ("quit", None),  # Huawei's word; the lab C320 logs out on it
        ("return", None),
        ("config", None),
    ],
)
def test_mode_change(command: str, change: ModeChange | None) -> None:
    assert DRIVER.mode_change(command) is change


# --- saving: `write` (NOC ZTE.ZXA10 command_save_config) ------------------------------------
@pytest.mark.parametrize(
    "answer",
    [
        "Building configuration...\n.[OK]",  # IOS-style first line, then ZXAN's [OK]
        ".[OK].",  # a public ZXAN guide (`ZXAN#write`, code-search index file id 18049310025)
    ],
)
def test_write_confirmed_with_ok_is_a_save(answer: str) -> None:
    assert DRIVER.cmd_save() == ["write"]
    assert DRIVER.command_error("write", answer) is None


@pytest.mark.parametrize(
    "answer",
    [
        "",
        "Building configuration...",
        "%Error 20200: Invalid input detected at '^' marker.",  # tests/data/errors.txt
    ],
)
def test_write_without_ok_is_a_failed_save(answer: str) -> None:
    assert DRIVER.command_error("write", answer) is not None


# --- names and descriptions ---------------------------------------------------
def test_name_has_no_spaces_and_is_cut_at_32() -> None:
    assert DRIVER.cli_name("Jane Doe Main St 12") == "Jane_Doe_Main_St_12"
    assert DRIVER.cli_name("mayararenata@hbnet.com") == "mayararenata@hbnet.com"  # a real name stays
    cut = DRIVER.cli_name("word " * 20)
    assert len(cut) <= 32 and " " not in cut and not cut.endswith("_") and DRIVER.cli_name(cut) == cut


def test_description_keeps_spaces_and_is_cut_at_64() -> None:
    assert DRIVER.cli_description("Jane Doe Main St 12") == "Jane Doe Main St 12"
    assert len(DRIVER.cli_description("x" * 100)) == 64


# --- identity -----------------------------------------------------------------
DATA = Path(__file__).parent / "data"


def capture(path: Path) -> str:
    return path.read_text().partition("\n")[2]


C320 = capture(DATA / "system_group_c320.txt") + "\n" + capture(DATA / "card_c320.txt")
HUAWEI_REFUSAL = capture(DATA.parents[2] / "huawei_smartax" / "tests" / "data" / "error_unknown_command.txt")
C6XX_DATA = DATA.parents[2] / "zte_c6xx" / "tests" / "data"


def test_a_c320_is_recognised() -> None:
    assert DRIVER.identity_problem(DRIVER.parse_version(C320), C320) is None


def test_a_huawei_is_refused() -> None:
    raw = HUAWEI_REFUSAL + "\n" + HUAWEI_REFUSAL  # what it answers to both commands
    problem = DRIVER.identity_problem(DRIVER.parse_version(raw), raw)
    assert problem is not None and "does not look like a ZTE C300/C320" in problem
    assert "show system-group" in problem


def test_a_c600_family_device_is_refused_and_named() -> None:
    # A C600's refusal is real (error_invalid_input_c600.txt); its card table is built from a real
    # C620's card types (c620_show_card): no public C600 CLI capture of `show card` exists.
    raw = capture(C6XX_DATA / "error_invalid_input_c600.txt") + "\n" + c620_show_card()
    problem = DRIVER.identity_problem(DRIVER.parse_version(raw), raw)
    assert problem is not None and "does not look like a ZTE C300/C320" in problem
    assert "HFTH" in problem and "SPUF" in problem


def test_a_system_description_of_another_model_is_quoted() -> None:
    # synthetic: the C620's SNMP sysDescr (card_types_c620_snmp.txt) put in the system-group line
    raw = "System Description: ZXA10 C620, ZTE ZXA10 Software Version: V1.2.2\n"
    problem = DRIVER.identity_problem(DRIVER.parse_version(raw), raw)
    assert problem is not None and "C620" in problem
