"""The command table of `ponstack parse` (vendor_cli.parse_command) against the drivers:
every show command a driver sends routes to the parser of the same name, with its numbers."""

from __future__ import annotations

import inspect
from collections.abc import Callable

import pytest

from core.models import VendorFamily
from vendor_cli.base import VendorDriver
from vendor_cli.parse_command import COMMANDS, UnknownCommand, known_forms, match_command, parse_capture
from vendor_cli.registry import get_driver

FRAME, SLOT, PORT, ONU = 1, 3, 5, 7  # distinct, so a swapped capture shows
POSITION = {"frame": FRAME, "slot": SLOT, "port": PORT, "onu_id": ONU}

# every show-command method of the contract, with sample arguments (cmd_save changes state)
SHOW_COMMANDS: dict[str, Callable[[VendorDriver], list[str]]] = {
    "cmd_autofind": lambda d: d.cmd_autofind(),
    "cmd_onu_list": lambda d: d.cmd_onu_list(FRAME, SLOT, PORT),
    "cmd_onu_detail": lambda d: d.cmd_onu_detail(FRAME, SLOT, PORT, ONU),
    "cmd_onu_optical": lambda d: d.cmd_onu_optical(FRAME, SLOT, PORT, ONU),
    "cmd_version": lambda d: d.cmd_version(),
}


def test_every_show_command_of_the_contract_is_checked() -> None:
    commands = {name for name, _ in inspect.getmembers(VendorDriver) if name.startswith("cmd_")}
    assert commands - {"cmd_save"} == set(SHOW_COMMANDS)


@pytest.mark.parametrize("family", list(VendorFamily))
@pytest.mark.parametrize("method", list(SHOW_COMMANDS))
def test_driver_commands_route_to_their_own_parser(family: VendorFamily, method: str) -> None:
    driver = get_driver(family)
    shows = [command for command in SHOW_COMMANDS[method](driver) if driver.mode_change(command) is None]
    assert shows, f"{family} {method} sends no show command"
    for command in shows:
        form, numbers = match_command(family, command)
        assert form.parser == method.replace("cmd_", "parse_", 1), command
        assert not form.ports_from_text, command
        assert numbers == {key: POSITION[key] for key in numbers}, command  # what it captured is right
        # Huawei's optical query names frame/slot only in `interface gpon F/S`: its parser needs none
        assert set(form.args) <= set(numbers), command


@pytest.mark.parametrize("family", list(VendorFamily))
def test_table_names_real_parsers_with_their_arguments(family: VendorFamily) -> None:
    driver = get_driver(family)
    for form in COMMANDS[family]:
        parameters = list(inspect.signature(getattr(driver, form.parser)).parameters)
        assert parameters == ["text", *form.args], form


@pytest.mark.parametrize(
    ("family", "command"),
    [
        ("huawei_smartax", "display ont version summary 0"),  # used to parse as an ONU list
        ("huawei_smartax", "display board serial-number 0"),  # used to parse as a version
        ("huawei_smartax", "display ont autofind"),  # prefixes and abbreviations are not guessed
        ("huawei_smartax", "disp ont autofind all"),
        ("huawei_smartax", "display ont info summary 0/1/0 extra"),
        ("zte_c3xx", "show gpon onu state gpon-olt_1/1"),
        ("zte_c6xx", "show running-config"),
    ],
)
def test_unknown_commands_list_the_known_forms(family: str, command: str) -> None:
    with pytest.raises(UnknownCommand) as raised:
        parse_capture(family, command, "")
    assert all(form in str(raised.value) for form in known_forms(family))


def test_whitespace_and_case_are_tolerated() -> None:
    form, numbers = match_command("zte_c3xx", "  SHOW  gpon onu\tstate   gpon-olt_1/2/3 ")
    assert (form.parser, numbers) == ("parse_onu_list", {"frame": 1, "slot": 2, "port": 3})


def test_unknown_family_is_a_lookup_error() -> None:
    with pytest.raises(LookupError):
        match_command("nokia", "show card")
