from __future__ import annotations

import pytest

from vendor_cli.base import BoardInfo, OltVersion, OnuOptical
from vendor_cli.huawei_smartax import DRIVER
from vendor_cli.huawei_smartax.states import admin_state
from vendor_cli.huawei_smartax.tests.data_files import DATA_DIR, device_output
from vendor_cli.serials import canonical_serial, serial_hex


def test_every_data_file_cites_its_source() -> None:
    for path in DATA_DIR.glob("*.txt"):
        assert path.read_text().startswith("# source: "), path.name


@pytest.mark.parametrize(
    ("text", "serial"),
    [
        ("4857544311E70E9A (HWTC-11E70E9A)", "HWTC11E70E9A"),
        ("4857544311E70E9A", "HWTC11E70E9A"),
        ("hwtc-11e70e9a", "HWTC11E70E9A"),
        ("123456789123AB12AB (HWTC-12AB12AB)", "HWTC12AB12AB"),
        ('"5A544547C9E3311B"', "ZTEGC9E3311B"),
        ("46VBSM4LFW7QLGAV", "46VBSM4LFW7QLGAV"),
    ],
)
def test_canonical_serial(text: str, serial: str) -> None:
    assert canonical_serial(text) == serial


def test_serial_hex_round_trips() -> None:
    assert serial_hex("HWTC11E70E9A") == "4857544311E70E9A"
    assert canonical_serial(serial_hex("ZTEGC9E3311B")) == "ZTEGC9E3311B"


def test_autofind_two_onts() -> None:
    onus = DRIVER.parse_autofind(device_output("autofind_ntc_two.txt"))
    assert [(o.frame, o.slot, o.port, o.serial) for o in onus] == [
        (0, 1, 0, "HWTC11E70E9A"),
        (0, 1, 0, "HWTCDE135E2D"),
    ]
    assert onus[0].equipment_id == "245H"
    assert onus[0].software_version == "V3R015C10S150"
    assert onus[0].hardware_version == "494.B"
    assert onus[0].vendor_id == "HWTC"


def test_autofind_ma5800_variant_with_nni_type_smart_prompt_and_foreign_vendor() -> None:
    onus = DRIVER.parse_autofind(device_output("autofind_ma5800_capture.txt"))
    assert [(o.slot, o.port, o.serial) for o in onus] == [
        (1, 3, "HWTC0B086EA9"),
        (2, 1, "HWTCF17509A6"),
        (11, 9, "HWTCB1E24D7C"),
    ]
    assert onus[2].vendor_id == "BDCM"
    assert onus[2].equipment_id == "1126"


def test_autofind_prefers_the_bracketed_serial_when_hex_is_anonymised() -> None:
    (onu,) = DRIVER.parse_autofind(device_output("autofind_ntc_anonymised.txt"))
    assert onu.serial == "ABCDA12BC3DE"


def test_autofind_no_data_is_an_empty_list() -> None:
    assert DRIVER.parse_autofind(device_output("autofind_empty.txt")) == []


def test_summary_joins_both_tables() -> None:
    onus = DRIVER.parse_onu_list(device_output("summary_ntc_offline.txt"), 0, 1, 0)
    assert [(o.onu_id, o.run_state, o.onu_type, o.distance_m) for o in onus] == [
        (0, "online", "P612E", 42),
        (1, "los", "P871E-G", None),
    ]
    assert onus[1].last_down_cause == "LOSi/LOBi"
    assert onus[0].description == "P612E"


def test_summary_skips_please_wait_and_truncated_down_cause() -> None:
    onus = DRIVER.parse_onu_list(device_output("summary_ntc_please_wait.txt"), 0, 2, 11)
    assert len(onus) == 1 and onus[0].onu_type == "EG8145X6-10" and onus[0].description == "huawei_ont_0"
    many = DRIVER.parse_onu_list(device_output("summary_ntc_23_online.txt"), 0, 1, 0)
    assert len(many) == 23
    assert many[18].last_down_cause == "ONT is reset by ONT comma"
    assert all(o.run_state == "online" for o in many)


def test_summary_of_two_ports_keeps_each_port() -> None:
    onus = DRIVER.parse_onu_list(device_output("summary_ntc_two_ports.txt"), 0, 2, 11)
    positions = [(o.port, o.onu_id, o.description) for o in onus]
    assert positions == [(11, 0, "huawei_ont_0"), (12, 0, "huawei_ont_1")]


def test_port_all_listing_with_space_padded_fsp() -> None:
    onus = DRIVER.parse_onu_list(device_output("port_all_ntc_mixed_states.txt"), 9, 9, 9)
    assert len(onus) == 16
    first = onus[0]
    assert (first.frame, first.slot, first.port, first.onu_id) == (0, 2, 0, 0)
    assert (first.run_state, first.config_state, first.match_state) == ("offline", "online", "initial")
    assert first.description == "The boiling consignment budgets."


def test_port_all_listing_two_line_description_header() -> None:
    onus = DRIVER.parse_onu_list(device_output("port_all_ntc_two_line_header.txt"), 0, 1, 0)
    assert len(onus) == 31
    assert all(o.description == "Generic_description" for o in onus)


def test_port_all_listing_dash_states_are_unknown() -> None:
    parsed = DRIVER.parse_onu_list(device_output("port_all_ntc_dash_states.txt"), 0, 0, 0)
    onus = {o.onu_id: o for o in parsed}
    assert onus[4].run_state == "unknown"
    assert onus[4].config_state is None
    assert onus[2].run_state == "online"


def test_detail_with_space_padded_fsp() -> None:
    onu = DRIVER.parse_onu_detail(device_output("detail_ntc_padded_fsp.txt"))
    assert (onu.frame, onu.slot, onu.port, onu.onu_id) == (0, 0, 6, 2)
    assert (onu.run_state, onu.distance_m, onu.description) == ("online", 47, "New_link")
    assert onu.last_down_cause == "dying-gasp"


def test_detail_with_vendor_serial_in_brackets() -> None:
    onu = DRIVER.parse_onu_detail(device_output("detail_ntc_vendor_sn.txt"))
    assert (onu.slot, onu.port, onu.onu_id, onu.serial) == (1, 1, 131, "HWTC12AB12AB")


def test_detail_rejects_an_answer_without_an_ont() -> None:
    with pytest.raises(ValueError, match="not an ONT detail"):
        DRIVER.parse_onu_detail("  Failure: The ONT does not exist")


def test_optical_ma5800_with_smart_prompt_echo() -> None:
    optical = DRIVER.parse_onu_optical(device_output("optical_ma5800_capture.txt"))
    assert optical == OnuOptical(
        rx_dbm=-18.18, tx_dbm=2.27, olt_rx_dbm=-22.22, temperature_c=58.0, voltage_v=3.36, bias_ma=16.0
    )


def test_optical_10g_module() -> None:
    optical = DRIVER.parse_onu_optical(device_output("optical_10g_module_capture.txt"))
    assert (optical.rx_dbm, optical.olt_rx_dbm, optical.voltage_v) == (-15.10, -15.41, 3.24)


def test_optical_port_table_row_is_accepted() -> None:
    optical = DRIVER.parse_onu_optical(device_output("optical_ntc_port_all.txt"))
    assert (optical.rx_dbm, optical.tx_dbm, optical.olt_rx_dbm) == (-24.68, 3.68, -22.68)


def test_optical_of_offline_ont_is_empty() -> None:
    assert DRIVER.parse_onu_optical("  Failure: The ONT is not online") == OnuOptical()


def test_version_and_boards() -> None:
    text = device_output("version_ntc_ma5608t.txt") + "\n" + device_output("board_ntc.txt")
    version = DRIVER.parse_version(text)
    assert (version.model, version.software_version) == ("MA5608T", "AB1234C342A123D23")
    assert version.boards[2:] == [
        BoardInfo(0, 3, "A123ABCDE", "Active_normal"),
        BoardInfo(0, 4, "A123ABCDE", "Standby_failed"),
    ]
    assert [board.slot for board in version.boards] == [0, 2, 3, 4]


@pytest.mark.parametrize("name", ["detail_ntc_padded_fsp.txt", "detail_ntc_vendor_sn.txt"])
def test_detail_admin_state_from_control_flag_and_no_name(name: str) -> None:
    onu = DRIVER.parse_onu_detail(device_output(name))
    assert (onu.admin_state, onu.name) == ("enabled", None)  # `Control flag : active`; an ONT has no name
    assert onu.description in ("New_link", "ABCD")


def test_port_all_listing_admin_state_from_control_flag() -> None:
    onus = {o.onu_id: o for o in DRIVER.parse_onu_list(device_output("port_all_ntc_mixed_states.txt"), 0, 2, 0)}
    assert onus[0].admin_state == "enabled"  # active
    assert onus[1].admin_state is None  # configuring: the OLT is still delivering its configuration


def test_summary_has_no_control_flag() -> None:
    onus = DRIVER.parse_onu_list(device_output("summary_ntc_offline.txt"), 0, 1, 0)
    assert {o.admin_state for o in onus} == {None}


@pytest.mark.parametrize(
    ("flag", "state"),
    [("active", "enabled"), ("deactivated", "disabled"), ("deactive", "disabled"), ("configuring", None),
     (None, None)],
)
def test_control_flag_values(flag: str | None, state: str | None) -> None:
    assert admin_state(flag) == state


@pytest.mark.parametrize(
    "foreign",
    [
        "%Error 20200: Invalid input detected at '^' marker.",
        DATA_DIR.joinpath("error_unknown_command.txt").read_text(),
        DATA_DIR.parents[2].joinpath("zte_c3xx", "tests", "data", "card_c320.txt").read_text(),
        "\x00\x1b[1D ---- More ( Press 'Q' to break ) ----\n  SlotID  BoardName\n  x  y",  # garbage
    ],
)
def test_version_of_foreign_output_is_empty(foreign: str) -> None:
    assert DRIVER.parse_version(foreign) == OltVersion()
