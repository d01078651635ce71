"""command_error on error strings from public ZXAN captures."""

from __future__ import annotations

import pytest

from vendor_cli.zte_c6xx import DRIVER

FAILURES = [
    # C600 capture, code-search index id 57412171505
    ("show version", "      ^\n%Error 140303: Invalid input detected at '^' marker."),
    # C320 V2.1.0 fixture-based simulator, index id 71394359895
    (
        "show gpon onu state gpon-olt_1/3/1",
        "    ^\n%Error 20202: Invalid input detected at '^' marker.Invalid parameter",
    ),
    # ONU id in use: Cisco NSO ZTE NED README (index id 13002090254) and a TS driver (id 63098870951)
    (
        "onu 1 type F670L sn ZTEGDA11A47B",
        "%Code 62391-GPONSRV : The entry is existed.\n  This is a re-create operation",
    ),
    # deleting a missing ONU, index id 71247326553
    ("no onu 2", "%Code 32310-GPONSRV : The ONU does not exist."),
    # go-api-c320 docs (reference §3.1)
    ("onu 5 type", "Error 20203: Incomplete command"),
]

SUCCESSES = [
    # the no-data notice, index ids 70286947350 and 55589213092
    ("show pon onu uncfg", "%Code 62310-GPONSRV : No related information to show."),
    ("show gpon onu uncfg", "%Code 32310-GPONSRV : No related information to show."),
    # entering config mode on ZXAN, index id 63153229029
    ("configure terminal", "%Info 20272: Enter configuration commands, one per line. End with CTRL/Z."),
    # C600 answers onu add / delete with nothing (onmt C600.php onuTypeSn/noOnu); C300 says [Successful]
    ("onu 5 type ZTE-F660 sn ZTEGC0000001", ""),
    ("no onu 5", "[Successful]"),
]


@pytest.mark.parametrize(("command", "output"), FAILURES)
def test_failures_are_detected(command: str, output: str) -> None:
    reason = DRIVER.command_error(command, output)
    first_error_line = next(line.strip() for line in output.splitlines() if "rror" in line or "%Code" in line)
    assert reason is not None and first_error_line in reason


@pytest.mark.parametrize(("command", "output"), SUCCESSES)
def test_successes_and_no_data_pass(command: str, output: str) -> None:
    assert DRIVER.command_error(command, output) is None


def test_onu_add_with_unexpected_text_fails() -> None:
    reason = DRIVER.command_error("onu 5 type ZTE-F660 sn ZTEGC0000001", "some unexpected answer")
    assert reason is not None and "some unexpected answer" in reason


def test_plain_command_text_is_not_judged_like_onu_add() -> None:
    assert DRIVER.command_error("name cust-1", "") is None
    assert DRIVER.command_error("tcont 1 profile UP", "whatever the device printed") is None
