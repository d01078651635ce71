"""zte_c3xx on verbatim public captures: the port-wide Rx command, the state table of several
ports, and the one field model (tests/data, first line = source)."""

from __future__ import annotations

import pytest

from vendor_cli.base import OnuOptical
from vendor_cli.parse_command import match_command, parse_capture
from vendor_cli.zte_c3xx import DRIVER
from vendor_cli.zte_c3xx.parsers import ZteParseError
from vendor_cli.zte_c3xx.tests.data_files import DATA, sample
from vendor_cli.zte_c6xx import DRIVER as C6XX

C6XX_DATA = DATA.parents[2] / "zte_c6xx" / "tests" / "data"


def c6xx_sample(name: str) -> str:
    header, _, body = (C6XX_DATA / name).read_text().partition("\n")
    assert header.startswith("# source")
    return body


# --- show pon power onu-rx ------------------------------------------------------------
def test_port_rx_every_onu_of_the_port_offline_ones_none() -> None:
    optics = DRIVER.parse_port_optical(sample("onu_rx_blog_c320.txt"))
    assert sorted(optics) == [1, 2, 3, 5, 6, 7, 8, 9, 10, 12, 13, 14]
    assert {onu: o.rx_dbm for onu, o in optics.items() if o.rx_dbm is None} == {3: None, 8: None, 9: None, 10: None}
    assert (optics[1].rx_dbm, optics[2].rx_dbm, optics[13].rx_dbm, optics[14].rx_dbm) == (
        -16.676,
        -24.948,
        -20.81,
        -17.826,
    )
    # the command reads only what the ONU receives
    assert {(o.tx_dbm, o.olt_rx_dbm) for o in optics.values()} == {(None, None)}


def test_port_rx_with_command_echo_and_elision_marks() -> None:
    assert DRIVER.parse_port_optical(sample("onu_rx_c300_echo_elided.txt")) == {
        1: OnuOptical(rx_dbm=-22.07),
        2: OnuOptical(rx_dbm=-20.362),
    }


def test_onu_rx_of_one_onu() -> None:
    assert DRIVER.parse_port_optical(sample("onu_rx_c300_one_onu.txt")) == {3: OnuOptical(rx_dbm=-20.222)}


def test_onu_tx_table_is_not_read_as_rx() -> None:
    with pytest.raises(ZteParseError, match="onu-rx"):
        DRIVER.parse_port_optical(sample("onu_tx_blog_c320.txt"))


def test_no_data_notice_gives_no_rows() -> None:
    assert DRIVER.parse_port_optical(sample("nodata_c320_v21.txt")) == {}


def test_port_rx_command_routes_to_its_parser() -> None:
    [command] = DRIVER.cmd_port_optical(1, 2, 9)
    assert command == "show pon power onu-rx gpon-olt_1/2/9"
    form, numbers = match_command("zte_c3xx", command)
    assert (form.parser, numbers) == ("parse_port_optical", {"frame": 1, "slot": 2, "port": 9})
    assert parse_capture("zte_c3xx", command, sample("onu_rx_c300_echo_elided.txt"))[2].rx_dbm == -20.362


# --- show gpon onu state without a port: split by the ports the rows name -----------------------
def test_whole_olt_state_split_by_port_after_pager_erase() -> None:
    states = parse_capture("zte_c3xx", "show gpon onu state", c6xx_sample("state_channel_pager_remnants.txt"))
    assert [(s.slot, s.port, s.onu_id, s.run_state, s.omcc_state) for s in states] == [
        (2, 1, 1, "online", "enabled"),
        (2, 1, 2, "online", "enabled"),
        (2, 3, 6, "online", "enabled"),  # the row right after the pager's erase sequence
        (2, 3, 7, "los", "disabled"),
        (2, 4, 9, "dying_gasp", "enabled"),
    ]


# --- one field model: both families read the same answer into the same fields ---------------------
@pytest.mark.parametrize("name", ["state_blog_c320.txt", "state_channel_variant.txt"])
def test_state_table_same_fields_on_both_families(name: str) -> None:
    assert DRIVER.parse_onu_list(sample(name), 1, 1, 1) == C6XX.parse_onu_list(sample(name), 1, 1, 1)


def test_state_table_fields() -> None:
    states = {s.onu_id: s for s in DRIVER.parse_onu_list(sample("state_blog_c320.txt"), 1, 1, 1)}
    assert (states[1].admin_state, states[1].omcc_state, states[1].run_state) == ("enabled", "enabled", "online")
    assert (states[8].admin_state, states[8].omcc_state, states[8].run_state) == ("enabled", "disabled", "dying_gasp")
    assert {(s.config_state, s.match_state) for s in states.values()} == {(None, None)}


@pytest.mark.parametrize(
    "name", ["detail_blog_c320.txt", "detail_c300_channel.txt", "detail_c300_echo_losi_history.txt"]
)
def test_detail_same_fields_on_both_families(name: str) -> None:
    assert DRIVER.parse_onu_detail(sample(name)) == C6XX.parse_onu_detail(sample(name))


def test_detail_after_echo_with_losi_history() -> None:
    onu = DRIVER.parse_onu_detail(sample("detail_c300_echo_losi_history.txt"))
    assert (onu.frame, onu.slot, onu.port, onu.onu_id) == (1, 2, 9, 1)
    assert (onu.name, onu.onu_type, onu.distance_m, onu.serial) == ("ONU-9:1", "ZTE-F660", 2366, None)
    assert (onu.run_state, onu.admin_state, onu.config_state, onu.match_state) == ("online", "enabled", None, None)
    assert onu.last_down_cause == "losi"  # history row 9, in the SNMP map's name
