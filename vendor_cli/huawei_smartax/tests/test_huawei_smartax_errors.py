from __future__ import annotations

import pytest

from vendor_cli.huawei_smartax import DRIVER
from vendor_cli.huawei_smartax.tests.data_files import device_output

ADD = 'ont add 1 sn-auth "5A544547C9E3311B" omci ont-lineprofile-id 60 ont-srvprofile-id 1 desc "DR_ORLANDO"'


def test_successful_add_is_not_an_error() -> None:
    assert DRIVER.command_error(ADD, device_output("ont_add_ntc_success.txt")) is None


def test_add_with_zero_successes_is_an_error() -> None:
    # The success line as printed on a failed add (reference §2.2).
    reason = DRIVER.command_error(ADD, "  Number of ONTs that can be added: 1, success: 0\n")
    assert reason is not None and "0 of 1" in reason


def test_delete_counts_are_checked_too() -> None:
    deleted = "  Number of ONTs that can be deleted: 1, success: {}"
    assert DRIVER.command_error("ont delete 0 1", deleted.format(1)) is None
    assert DRIVER.command_error("ont delete 0 1", deleted.format(0))


def test_serial_already_exists() -> None:
    reason = DRIVER.command_error(ADD, device_output("error_sn_exists.txt"))
    assert reason == "device answered 'Failure: SN already exists'"


def test_unknown_command_with_caret() -> None:
    reason = DRIVER.command_error("display foo", device_output("error_unknown_command.txt"))
    assert reason == "device answered \"% Unknown command, the error locates at '^'\""


@pytest.mark.parametrize(
    "answer",
    [
        # Strings seen in public Huawei automation code (reference §2.2 and the NOC profile).
        "  % Parameter error, the error locates at '^'",
        "  Failure: The ONT ID has already existed",
        "  Failure: The ONT does not exist",
        "  Failure: System is busy, please retry after a while",
        "  Failure: The ont-lineprofile does not exist",
        "  Incorrect command: display xyz",
    ],
)
def test_failures(answer: str) -> None:
    assert DRIVER.command_error("ont add 0 1 sn-auth X", answer) is not None


@pytest.mark.parametrize(
    ("command", "answer"),
    [
        ("display ont autofind all", device_output("autofind_empty.txt")),
        ("service-port 12 vlan 100 gpon 0/1/0 ont 1", "  Failure: Service virtual port has existed already"),
        ("display ont optical-info 0 1", "  Failure: The ONT is not online"),
    ],
)
def test_harmless_failures(command: str, answer: str) -> None:
    assert DRIVER.command_error(command, answer) is None


def test_not_online_is_an_error_for_a_change() -> None:
    assert DRIVER.command_error("ont reset 0 1", "  Failure: The ONT is not online") is not None
