from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from core.models import VendorFamily
from vendor_cli.base import ModeChange
from vendor_cli.huawei_smartax import DRIVER
from vendor_cli.huawei_smartax.connection import huawei_on_open
from vendor_cli.huawei_smartax.session import SAVE_TIMEOUT
from vendor_cli.huawei_smartax.tests.data_files import device_output

ZTE_DATA = Path(__file__).parents[2] / "zte_c3xx" / "tests" / "data"


def test_family() -> None:
    assert DRIVER.family is VendorFamily.HUAWEI_SMARTAX


def test_ssh_options_use_the_system_transport_without_host_key_checks() -> None:
    options = DRIVER.scrapli_options("ssh")
    assert options["platform"] == "huawei_smartax" and options["port"] is None
    extras = options["extras"]
    assert (extras["transport"], extras["auth_strict_key"]) == ("paramiko", False)
    assert extras["on_open"] is huawei_on_open
    assert extras["timeout_ops"] >= 30
    assert "transport_options" not in extras  # OpenSSH options come from the OLT's connection options only


def test_telnet_options_use_port_23() -> None:
    options = DRIVER.scrapli_options("telnet")
    assert (options["port"], options["extras"]["transport"]) == (23, "telnet")
    assert "transport_options" not in options["extras"]


def test_unknown_transport_is_refused() -> None:
    with pytest.raises(ValueError, match="netconf"):
        DRIVER.scrapli_options("netconf")


def test_show_commands() -> None:
    assert DRIVER.cmd_autofind() == ["display ont autofind all"]
    assert DRIVER.cmd_onu_list(0, 1, 2) == ["display ont info summary 0/1/2"]
    assert DRIVER.cmd_onu_detail(0, 1, 2, 3) == ["display ont info 0 1 2 3"]
    assert DRIVER.cmd_onu_optical(0, 1, 2, 3) == [
        "config", "interface gpon 0/1", "display ont optical-info 2 3", "quit", "quit",
    ]
    assert DRIVER.cmd_version() == ["display version", "display board 0"]


# --- CLI modes ----------------------------------------------------------------
@pytest.mark.parametrize(
    ("command", "change"),
    [
        ("config", ModeChange.ENTER),
        ("configure terminal", ModeChange.ENTER),
        ("interface gpon 0/1", ModeChange.ENTER),
        ("  interface  gpon 0/1 ", ModeChange.ENTER),
        ("interface epon 0/2", ModeChange.ENTER),
        ("quit", ModeChange.LEAVE),
        ("return", ModeChange.TOP),
        ("display ont info 0 1 3 7", None),
        ("ont add 3 7 sn-auth 4857544311E70E9A omci ont-lineprofile-id 10 ont-srvprofile-id 20", None),
        ('ont modify 3 7 desc "return"', None),
        ("save", None),
        ("end", None),  # a ZTE word: nothing on Huawei
        ("exit", None),
    ],
)
def test_mode_change(command: str, change: ModeChange | None) -> None:
    assert DRIVER.mode_change(command) is change


def test_optical_query_returns_to_privileged_mode() -> None:
    steps = [DRIVER.mode_change(c) for c in DRIVER.cmd_onu_optical(0, 1, 2, 3)]
    assert steps == [ModeChange.ENTER, ModeChange.ENTER, None, ModeChange.LEAVE, ModeChange.LEAVE]
    assert DRIVER.leave_config_command == "return"


# --- saving -------------------------------------------------------------------
SAVING = "  It will take several minutes to save configuration file, please wait..."  # NOC Huawei.MA5600T


def test_save_command_and_its_answers() -> None:
    assert DRIVER.cmd_save() == ["save"]
    assert DRIVER.command_error("save", SAVING) is None


@pytest.mark.parametrize(
    "answer",
    [
        # NOC sa/profiles/Huawei/MA5600T/profile.py pattern_operation_error (reference §1.4)
        "  Failure: System is busy, please retry after a while",
        "  Failure: System is reading or writing flash, please retry after a while",
        "  Failure: Command can not be executed rightly, the cause is: Loading (backuping,rollbacking...) "
        "command being executed. Please retry later",
    ],
)
def test_a_refused_save_is_an_error(answer: str) -> None:
    reason = DRIVER.command_error("save", answer)
    assert reason is not None and answer.strip()[:30] in reason


class SavingOlt:
    """Just enough of a scrapli connection: `save` asks (y/n) first, like firmware whose
    question the NOC profile answers with `save\\ny\\n` (the wording is Huawei VRP's)."""

    comms_prompt_pattern = r"^\S{1,48}#$"
    timeout_ops = 60.0

    def __init__(self, question: str) -> None:
        self.question = question
        self.reads: list[tuple[str, float]] = []
        self.confirmed: list[float | None] = []

    def send_and_read(self, channel_input: str, *, expected_outputs: list[str], read_duration: float,
                      timeout_ops: float) -> Any:
        self.reads.append((channel_input, read_duration))
        text = f"{channel_input}\n{self.question}" if channel_input == "save" else "MA5800#"
        return SimpleNamespace(result=text, raw_result=text.encode())

    def send_interactive(self, events: list[tuple[str, str, bool]], timeout_ops: float | None = None) -> Any:
        self.confirmed.append(timeout_ops)
        text = f"y\n{SAVING}\nMA5800#"
        return SimpleNamespace(result=text, raw_result=text.encode())


@pytest.mark.parametrize(
    "question",
    [
        "  The current configuration will be written to the device.\n  Are you sure to continue? (y/n)[n]:",
        "  Are you sure to continue? (y/n) [n]",  # NOC's spelling: a space, no colon
    ],
)
def test_save_question_is_answered_and_the_save_waited_for(question: str) -> None:
    olt = SavingOlt(question)
    (answer,) = DRIVER.send_commands(olt, DRIVER.cmd_save(), "olt-1")
    assert "please wait" in answer.output and DRIVER.command_error("save", answer.output) is None
    assert olt.reads == [("save", SAVE_TIMEOUT)] and olt.confirmed == [SAVE_TIMEOUT]
    DRIVER.send_commands(olt, ["display version"], "olt-1")
    assert olt.reads[-1] == ("display version", SavingOlt.timeout_ops)  # other commands keep timeout_ops


# --- identity -----------------------------------------------------------------
MA5608T = device_output("version_ntc_ma5608t.txt") + "\n" + device_output("board_ntc.txt")
# What a ZTE answers to `display version` and `display board 0` (C320 transcript, zte_c3xx data)
ZTE_REFUSALS = "%Error 20200: Invalid input detected at '^' marker.\n" * 2
C320_ANSWERS = (ZTE_DATA / "system_group_c320.txt").read_text().partition("\n")[2] + (
    ZTE_DATA / "card_c320.txt"
).read_text().partition("\n")[2]


def test_a_smartax_is_recognised() -> None:
    assert DRIVER.identity_problem(DRIVER.parse_version(MA5608T), MA5608T) is None


@pytest.mark.parametrize("raw", [ZTE_REFUSALS, C320_ANSWERS], ids=["zte_refusals", "c320_identity"])
def test_another_familys_device_is_refused(raw: str) -> None:
    version = DRIVER.parse_version(raw)
    problem = DRIVER.identity_problem(version, raw)
    assert problem is not None and "does not look like a Huawei SmartAX" in problem and "display version" in problem


def test_a_foreign_product_is_named() -> None:
    raw = "  PRODUCT : NOT-A-SMARTAX\n"  # synthetic (not a capture): the product line in the reason
    problem = DRIVER.identity_problem(DRIVER.parse_version(raw), raw)
    assert problem is not None and "NOT-A-SMARTAX" in problem


# --- names and descriptions ---------------------------------------------------
def test_description_keeps_spaces_for_the_quoted_desc_and_is_cut_at_64() -> None:
    assert DRIVER.cli_description("Jane Doe Main St 12") == "Jane Doe Main St 12"
    long = DRIVER.cli_description("word " * 40)
    assert len(long) <= 64 and not long.endswith(" ") and DRIVER.cli_description(long) == long
    assert DRIVER.cli_name("Jane Doe") == "Jane Doe"  # a name lands in `desc` too
