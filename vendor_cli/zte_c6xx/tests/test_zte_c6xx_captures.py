"""zte_c6xx on verbatim public captures: the port-wide Rx command, `show gpon onu state`
for the whole OLT after a prompt echo, and the one field model (tests/data, first line = source)."""

from __future__ import annotations

from vendor_cli.base import OnuOptical
from vendor_cli.parse_command import match_command, parse_capture
from vendor_cli.zte_c6xx import DRIVER
from vendor_cli.zte_c6xx.tests.data_files import sample


def test_port_rx_command_uses_the_titan_port_name_and_routes_to_its_parser() -> None:
    [command] = DRIVER.cmd_port_optical(1, 1, 1)
    assert command == "show pon power onu-rx gpon_olt-1/1/1"
    form, numbers = match_command("zte_c6xx", command)
    assert (form.parser, numbers) == ("parse_port_optical", {"frame": 1, "slot": 1, "port": 1})


def test_port_rx_rows_c300_spelling() -> None:
    # no public C600 capture of this command was found; the C600 reads the C320 spelling too
    optics = DRIVER.parse_port_optical(sample("onu_rx_blog_c320.txt"))
    assert len(optics) == 12
    assert (optics[1], optics[3], optics[7]) == (OnuOptical(rx_dbm=-16.676), OnuOptical(), OnuOptical(rx_dbm=-17.424))
    assert [onu for onu, o in optics.items() if o.rx_dbm is None] == [3, 8, 9, 10]


def test_whole_olt_state_after_prompt_echo_with_trailing_blanks() -> None:
    states = parse_capture("zte_c6xx", "show gpon onu state", sample("state_c600_prompt_echo_trailing_blanks.txt"))
    assert [(s.onu_id, s.run_state, s.admin_state, s.omcc_state) for s in states] == [
        (1, "online", "enabled", "enabled"),
        (2, "online", "enabled", "enabled"),
        (12, "dying_gasp", "enabled", "disabled"),
        (26, "dying_gasp", "enabled", "disabled"),
        (32, "los", "enabled", "disabled"),
        (37, "online", "enabled", "enabled"),
    ]
    assert {(s.frame, s.slot, s.port) for s in states} == {(1, 1, 1)}


def test_whole_olt_state_of_three_ports() -> None:
    states = parse_capture("zte_c6xx", "show gpon onu state", sample("state_channel_pager_remnants.txt"))
    assert [(s.slot, s.port, s.onu_id) for s in states] == [(2, 1, 1), (2, 1, 2), (2, 3, 6), (2, 3, 7), (2, 4, 9)]


def test_state_without_header_reads_the_common_columns() -> None:
    states = DRIVER.parse_onu_list(sample("state_offline_footer.txt"), 1, 2, 4)
    assert [(s.onu_id, s.admin_state, s.omcc_state, s.run_state) for s in states] == [
        (23, "enabled", "enabled", "online"),
        (25, "disabled", "disabled", "offline"),
    ]


def test_detail_config_state_is_config_state() -> None:
    detail = DRIVER.parse_onu_detail(sample("detail_config_state.txt"))
    assert (detail.admin_state, detail.config_state, detail.match_state, detail.omcc_state) == (
        "enabled",
        "success",
        None,
        None,
    )
