"""The driver contract every family implements (vendor_cli.base), checked on each driver."""

from __future__ import annotations

import ast
import dataclasses
import re
from pathlib import Path

import pytest

from core.models import VendorFamily
from vendor_cli.base import ModeChange, OltVersion, OnuState, OnuStatus, VendorDriver
from vendor_cli.registry import get_driver
from vendor_cli.render import cli_safe

PACKAGE = Path(__file__).resolve().parents[1]
DRIVERS = [get_driver(family) for family in VendorFamily]

# Free text as users type it (names, addresses, e-mail), through cli_safe as the OMS does.
TEXTS = [
    "cust-10042",
    "Jane Doe Main St 12",
    "  Jane   Doe\t \"JD\" O'Neil?  ",
    "mayararenata@hbnet.com",
    "ONU-1:1",
    "Rua José de Alencar 1234, apto 56, bloco B, Jardim Paulista, São Paulo SP",
    "x" * 300,
    "a " * 80,
    "",
]


def test_onu_status_is_the_one_run_state_vocabulary() -> None:
    assert [s.value for s in OnuStatus] == ["online", "offline", "los", "dying_gasp", "power_off", "unknown"]
    assert OnuStatus("dying_gasp") is OnuStatus.DYING_GASP and OnuStatus.ONLINE == "online"


def test_mode_change_values() -> None:
    assert [m.value for m in ModeChange] == ["enter", "leave", "top"]


def test_onu_state_gains_name_and_admin_state_at_the_end() -> None:
    names = [f.name for f in dataclasses.fields(OnuState)]
    # fields are only ever added at the end (positional construction keeps working)
    assert names[-5:] == ["name", "admin_state", "rx_dbm", "tx_dbm", "omcc_state"]
    state = OnuState(0, 1, 2, 3)
    assert (state.name, state.admin_state, state.rx_dbm, state.tx_dbm, state.omcc_state) == (None,) * 5


def test_vendor_cli_imports_nothing_from_the_oms() -> None:
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            modules = [alias.name for alias in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom):
                modules = [node.module or ""]
            offenders += [f"{path.relative_to(PACKAGE)}: {m}" for m in modules if m.split(".")[0] == "oms"]
    assert offenders == []


def test_a_family_without_mode_patterns_sees_no_mode_change() -> None:
    defaults = (VendorDriver.enter_mode_pattern, VendorDriver.leave_mode_pattern, VendorDriver.top_mode_pattern)
    for pattern in defaults:
        assert not any(re.fullmatch(pattern, command) for command in ("", "end", "configure terminal"))


@pytest.mark.parametrize("driver", DRIVERS, ids=lambda d: d.family.value)
def test_every_driver_saves_from_privileged_mode(driver: VendorDriver) -> None:
    commands = driver.cmd_save()
    assert commands and all(driver.mode_change(c) is None for c in commands)


@pytest.mark.parametrize("driver", DRIVERS, ids=lambda d: d.family.value)
def test_leave_config_command_goes_to_the_top(driver: VendorDriver) -> None:
    assert driver.mode_change(driver.leave_config_command) is ModeChange.TOP


@pytest.mark.parametrize("driver", DRIVERS, ids=lambda d: d.family.value)
@pytest.mark.parametrize("text", TEXTS)
def test_cli_labels_are_idempotent_and_stay_safe(driver: VendorDriver, text: str) -> None:
    for label in (driver.cli_name, driver.cli_description):
        once = label(cli_safe(text))
        assert label(once) == once, (label.__name__, text)
        assert cli_safe(once) == once  # nothing the CLI cannot carry comes back


@pytest.mark.parametrize("driver", DRIVERS, ids=lambda d: d.family.value)
def test_nothing_identifies_as_nothing(driver: VendorDriver) -> None:
    problem = driver.identity_problem(driver.parse_version(""), "")
    assert problem is not None and "does not look like" in problem and "\n" not in problem
    assert driver.parse_version("") == OltVersion()
