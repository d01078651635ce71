"""Huawei parsers on public captures with what real sessions add: prompts and command echoes,
pager remnants, comment prefixes, wrapped values, offline rows. Every value asserted is read from
the capture named (its first line cites the source)."""

from __future__ import annotations

import pytest

from vendor_cli.base import OnuOptical, OnuState
from vendor_cli.huawei_smartax import DRIVER
from vendor_cli.huawei_smartax.cleanup import clean_output
from vendor_cli.huawei_smartax.errors import HuaweiAnswerError
from vendor_cli.huawei_smartax.tests.data_files import device_output

# --- display ont info summary: the Rx/Tx power column --------------------------------------


def test_summary_with_prompt_echo_keeps_rx_tx_of_every_ont() -> None:
    """`MA5603T(config-if-gpon-0/3)#display ont info summary 10`: the interface-view form."""
    onus = DRIVER.parse_onu_list(device_output("summary_ma5603t_prompt_echo.txt"), 0, 3, 10)
    assert [(o.onu_id, o.serial, o.onu_type, o.distance_m, o.rx_dbm, o.tx_dbm, o.description) for o in onus] == [
        (0, "HWTCAA7F1D38", "310M", 2867, -23.87, 1.98, "alexandrenetofibra"),
        (1, "HWTC847A874E", "310M", 2982, -26.99, 2.20, "calcadossocorrensepom"),
        (2, "HWTC9B5A0D4E", "310M", 2720, -23.37, 1.96, "giovaniolianifibra"),
        (3, "HWTCD578D64E", "310M", 2799, -24.81, 2.21, "larissahelenafibra"),
        (4, "HWTC42382B4E", "310M", 2514, -25.85, 2.20, "michelecristianesilve"),
    ]
    assert {(o.frame, o.slot, o.port, o.run_state, o.last_down_cause) for o in onus} == {
        (0, 3, 10, "online", "dying-gasp")}


def test_summary_indented_with_trailing_blanks() -> None:
    onus = DRIVER.parse_onu_list(device_output("summary_docstring_indented.txt"), 0, 0, 0)
    assert [(o.onu_id, o.serial, o.distance_m, o.rx_dbm, o.tx_dbm, o.description) for o in onus] == [
        (1, "HWTC2EC7769C", 96, -14.11, 2.16, "LG-MB1-ENG-ONT01"),
        (2, "HWTC2EC65E9C", 97, -14.19, 2.24, "LG-MB1-ENG-ONT02"),
        (3, "HWTC2EC6C49C", 94, -14.37, 1.93, "LG-MB1-HKO-ONT03"),
        (4, "HWTC2EC96A9C", 96, -15.20, 2.45, "LG-MB1-COR-ONT04"),
        (5, "HWTC2EC97A9C", 74, -15.95, 1.86, "LG-MB1-RISER-ONT05"),
    ]
    assert {(o.onu_type, o.run_state, o.last_down_cause) for o in onus} == {("EG8080P", "online", "dying-gasp")}


def test_summary_offline_row_has_no_power_type_or_distance() -> None:
    onus = DRIVER.parse_onu_list(device_output("summary_ma5600t_offline_dashes.txt"), 0, 1, 1)
    assert [(o.onu_id, o.run_state, o.onu_type, o.distance_m, o.rx_dbm, o.tx_dbm) for o in onus] == [
        (0, "online", "245H", 2171, -22.84, 2.01),
        (1, "offline", None, None, None, None),
        (2, "online", "245H", 2166, -21.61, 2.14),
        (3, "online", "245H", 2155, -20.75, 2.06),
        (4, "online", "245H", 2170, -22.52, 2.42),
    ]
    assert onus[1] == OnuState(0, 1, 1, 1, serial="HWTCE768B671", run_state="offline",
                               description="POR40/1_kv14_TushevaL")


@pytest.mark.parametrize(
    ("name", "port", "powers"),
    [
        ("summary_ntc_offline.txt", (0, 1, 0), [(-22.84, 2.12), (None, None)]),
        ("summary_ntc_please_wait.txt", (0, 2, 11), [(-7.92, 2.21)]),
        ("summary_ntc_23_online.txt", (0, 1, 0), [(-10.12, 2.03)] * 23),
        ("summary_ntc_37_one_offline.txt", (0, 1, 0), [(-10.00, 1.00)] * 27 + [(None, None)] + [(-10.00, 1.00)] * 9),
    ],
)
def test_summary_rx_tx_of_ntc_fixtures(name: str, port: tuple[int, int, int], powers: list[tuple]) -> None:
    onus = DRIVER.parse_onu_list(device_output(name), *port)
    assert [(o.rx_dbm, o.tx_dbm) for o in onus] == powers
    assert [o.onu_id for o in onus] == list(range(len(powers)))


def test_summary_37_offline_ont_is_offline_without_cause() -> None:
    onus = DRIVER.parse_onu_list(device_output("summary_ntc_37_one_offline.txt"), 0, 1, 0)
    assert (onus[27].run_state, onus[27].onu_type, onus[27].last_down_cause) == ("offline", None, None)
    assert {o.run_state for o in onus[:27] + onus[28:]} == {"online"}


# --- display ont optical-info P all --------------------------------------------------------

PAGED_IDS = [0, 1, 3, 4, 5, 6, 9, 10, 11, 12, 14, 18, 19, 20, 21, 22, 23, 24, 26, 28, 29, 30, 32, 33, 35, 36, 37,
             38, 40, 43, 46, 47, 48, 49, 50, 51, 52, 54, 55, 56, 57, 58, 59, 60, 61, 65, 66, 68, 70, 71, 72, 73, 74,
             75, 76, 77, 78, 80, 81, 83, 84, 85, 87, 88, 89, 90, 91, 92, 93, 95, 96, 97, 101, 103, 105, 106, 110,
             111, 124, 125]


def test_port_optics_reads_every_row_also_after_pager_remnants() -> None:
    """MA5800-X7 port 0/2/8: 80 online ONTs; rows 28, 60 and 92 follow a pager erased to blanks."""
    optics = DRIVER.parse_port_optical(device_output("optical_port_ma5800_paging_80_rows.txt"))
    assert sorted(optics) == PAGED_IDS
    assert optics[0] == OnuOptical(-21.67, 2.30, -25.53, 37.0, 3.26, 6.0)
    assert optics[28] == OnuOptical(-24.43, 2.35, -28.54, 51.0, 3.26, 13.0)
    assert optics[60] == OnuOptical(-23.66, 1.97, -30.00, 51.0, 3.34, 17.0)
    assert optics[92] == OnuOptical(-24.20, 2.16, -30.46, 49.0, 3.28, 14.0)
    assert optics[125] == OnuOptical(-27.21, 2.11, -30.97, 45.0, 3.32, 13.0)
    assert all(o.rx_dbm is not None and o.olt_rx_dbm is not None and o.bias_ma is not None for o in optics.values())


def test_port_optics_one_row_after_command_echo() -> None:
    text = device_output("optical_port_ma5800_one_row.txt")
    assert DRIVER.parse_port_optical(text) == {0: OnuOptical(-8.42, 2.32, -13.44, 45.0, 3.38, 15.0)}
    assert DRIVER.parse_onu_optical(text) == OnuOptical(-8.42, 2.32, -13.44, 45.0, 3.38, 15.0)


def test_onu_optics_with_out_of_range_suffix() -> None:
    optical = DRIVER.parse_onu_optical(device_output("optical_ma5800_out_of_range.txt"))
    assert optical == OnuOptical(rx_dbm=-8.46, tx_dbm=2.17, olt_rx_dbm=-13.47, temperature_c=45.0, voltage_v=3.38,
                                 bias_ma=15.0)


# --- single-ONU detail in every form -------------------------------------------------------

MA5800_ONT = OnuState(0, 3, 2, 0, serial="HWTCFEFCC9A2", run_state="online", config_state="normal",
                      match_state="mismatch", description="PRUEBA_zone_D1Z10_authd_20260610", distance_m=39,
                      admin_state="enabled")


@pytest.mark.parametrize("name", ["detail_by_sn_ma5800_paging.txt", "detail_interface_view_ma5800.txt"])
def test_detail_by_sn_and_interface_view(name: str) -> None:
    """`display ont info by-sn HWTCFEFCC9A2` (pager remnants inside) and `display ont info 2 0`."""
    assert DRIVER.parse_onu_detail(device_output(name)) == MA5800_ONT


def test_detail_by_sn_with_prompt_and_wrapped_description() -> None:
    onu = DRIVER.parse_onu_detail(device_output("detail_by_sn_ma5608t_prompt_wrapped_description.txt"))
    assert onu == OnuState(0, 0, 15, 0, serial="HWTC00FFDC9B", run_state="online", config_state="normal",
                           match_state="match", description="FRANCISCO_JAVIER_CHA_0_0_15_9.7_1", distance_m=1074,
                           last_down_cause="LOS", admin_state="enabled")


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("detail_ntc_by_sn_padded_fsp.txt", (0, 0, 6, 2, "8XN7J0FFL8NL6I3W", 47, "New_link", "dying-gasp")),
        ("detail_ntc_by_sn_vendor_sn.txt", (0, 1, 1, 131, "HWTC12AB12AB", 100, "ABCD", "dying-gasp")),
    ],
)
def test_detail_by_sn_ntc_fixtures(name: str, expected: tuple) -> None:
    onu = DRIVER.parse_onu_detail(device_output(name))
    assert (onu.frame, onu.slot, onu.port, onu.onu_id, onu.serial, onu.distance_m, onu.description,
            onu.last_down_cause) == expected
    assert (onu.run_state, onu.config_state, onu.match_state, onu.admin_state) == (
        "online", "normal", "match", "enabled")


# --- display ont info ... all over one port (interface view) or several ------------------


def test_port_listing_in_interface_view() -> None:
    """`display ont info 2 all` in `interface gpon 0/3`; `In port 0/ 3/2 , ...` has a blank before the comma."""
    (onu,) = DRIVER.parse_onu_list(device_output("port_all_interface_view_ma5800.txt"), 0, 3, 2)
    assert onu == OnuState(0, 3, 2, 0, serial="HWTCFEFCC9A2", run_state="online", config_state="normal",
                           match_state="mismatch", description="PRUEBA_zone_D1Z10_authd_20260610",
                           admin_state="enabled")


def test_listing_of_two_ports_keeps_each_position() -> None:
    onus = DRIVER.parse_onu_list(device_output("port_all_ntc_two_ports.txt"), 0, 1, 0)
    assert [(o.slot, o.port, o.onu_id, o.serial, o.description) for o in onus] == [
        (1, 0, 0, "46VBSM4LFW7QLGAV", "The boiling consignment budgets."),
        (1, 2, 0, "1234567890ABCDEF", "ONT_NO_DESCRIPTION"),  # anonymised: kept as printed
    ]
    assert {(o.run_state, o.config_state, o.match_state, o.admin_state) for o in onus} == {
        ("online", "normal", "match", "enabled")}


# --- display ont autofind all ---------------------------------------------------------------


def test_autofind_placeholder_vendor_id_is_none() -> None:
    """`VendorID : 0x00000000` (nothing reported) after a bare command echo."""
    onus = DRIVER.parse_autofind(device_output("autofind_placeholder_vendor_echo.txt"))
    assert [(o.frame, o.slot, o.port, o.serial) for o in onus] == [(0, 0, 0, "BLKG68EEFF21"), (0, 0, 0, "BLKG68EEFF22")]
    assert {(o.vendor_id, o.equipment_id, o.software_version, o.hardware_version) for o in onus} == {
        (None, None, None, None)}


def test_autofind_real_vendor_ids_are_kept() -> None:
    onus = DRIVER.parse_autofind(device_output("autofind_ma5800_capture.txt"))
    assert [o.vendor_id for o in onus] == ["HWTC", "HWTC", "BDCM"]


def test_autofind_failure_after_echo_is_empty() -> None:
    assert DRIVER.parse_autofind(device_output("autofind_ma5800_failure_echo.txt")) == []


# --- the answer to ont add ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "ont_id"),
    [("ont_add_ntc_success.txt", 2), ("ont_add_ma5608t_commented_session.txt", 2)],
)
def test_ont_add_gives_the_assigned_ont_id(name: str, ont_id: int) -> None:
    assert DRIVER.parse_ont_add(device_output(name)) == ont_id


def test_refused_ont_add_raises_with_the_reason() -> None:
    with pytest.raises(HuaweiAnswerError, match="Failure: SN already exists"):
        DRIVER.parse_ont_add(device_output("error_sn_exists.txt"))


def test_ont_add_without_an_answer_is_no_id() -> None:
    with pytest.raises(HuaweiAnswerError, match="no ONT id"):
        DRIVER.parse_ont_add(device_output("version_ntc_ma5608t.txt"))  # another command's answer


# --- clean-up -------------------------------------------------------------------------------


def test_pager_erase_keeps_the_line_it_shares() -> None:
    """A line as an MA56xx session printed it (quoted in C# with `\\u001b` escapes, decoded here)."""
    literal = device_output("pager_remnant_csharp_literal.txt").rstrip("\n")
    line = literal.encode().decode("unicode_escape")
    assert "\x1b" in line
    assert clean_output(line) == "  0  /1 /21   0        FailRegistered   8023            "


def test_prompts_and_echoes_are_dropped() -> None:
    text = clean_output(device_output("summary_ma5603t_prompt_echo.txt"))
    assert "MA5603T" not in text and "Please wait" not in text
    assert "In port 0/3/10, the total of ONTs are: 5, online: 5" in text
