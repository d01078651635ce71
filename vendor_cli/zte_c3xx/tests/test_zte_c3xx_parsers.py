"""zte_c3xx parsers on verbatim public device output (tests/data, first line = source)."""

from __future__ import annotations

from pathlib import Path

import pytest

from vendor_cli.base import BoardInfo, OltVersion
from vendor_cli.serials import parse_serial as canonical_serial
from vendor_cli.zte_c3xx import DRIVER
from vendor_cli.zte_c3xx.parsers import ZteParseError
from vendor_cli.zte_common import admin_state, run_state_from_phase

DATA = Path(__file__).parent / "data"


def sample(name: str) -> str:
    header, _, body = (DATA / name).read_text().partition("\n")
    assert header.startswith("# source"), f"{name} must cite its source on line 1"
    return body


def test_autofind_c300_rows() -> None:
    [onu] = DRIVER.parse_autofind(sample("uncfg_c300.txt"))
    assert (onu.frame, onu.slot, onu.port, onu.serial, onu.vendor_id) == (1, 1, 2, "HWTC12930F9D", "HWTC")


def test_autofind_rows_without_gpon_onu_prefix() -> None:
    [onu] = DRIVER.parse_autofind(sample("uncfg_no_prefix.txt"))
    assert (onu.slot, onu.port, onu.serial) == (2, 3, "FHTT12345678")


def test_autofind_pon_uncfg_variant_with_model_and_password() -> None:
    [onu] = DRIVER.parse_autofind(sample("uncfg_pon_variant.txt"))
    assert (onu.port, onu.serial, onu.equipment_id) == (5, "ZTEGDC79F447", "F670LV9.0")


def test_autofind_skips_rows_without_a_real_serial() -> None:
    assert DRIVER.parse_autofind(sample("uncfg_blog_c320.txt")) == []


@pytest.mark.parametrize("name", ["nodata_c300.txt", "nodata_c320_v21.txt"])
def test_no_data_is_empty_not_error(name: str) -> None:
    text = sample(name)
    assert DRIVER.parse_autofind(text) == []
    assert DRIVER.parse_onu_list(text, 1, 1, 1) == []
    assert DRIVER.command_error("show gpon onu uncfg", text) is None


def test_onu_list_with_o7_state_column() -> None:
    states = DRIVER.parse_onu_list(sample("state_blog_c320.txt"), 1, 1, 1)
    assert [s.onu_id for s in states] == [1, 2, 3, 5, 6, 7, 8, 9, 10, 12, 13, 14]
    by_id = {s.onu_id: s.run_state for s in states}
    assert (by_id[1], by_id[3], by_id[8]) == ("online", "los", "dying_gasp")
    # one field model (vendor_cli.base.OnuState): OMCC state in omcc_state, ZXAN has no match state
    assert (states[2].omcc_state, states[2].admin_state, states[2].match_state) == ("disabled", "enabled", None)


def test_onu_list_channel_variant_and_other_ports_ignored() -> None:
    states = DRIVER.parse_onu_list(sample("state_channel_variant.txt"), 1, 1, 1)
    assert [(s.onu_id, s.run_state) for s in states] == [(1, "online"), (2, "online"), (17, "dying_gasp")]
    assert DRIVER.parse_onu_list(sample("state_channel_variant.txt"), 1, 1, 2) == []


def test_onu_detail_c320() -> None:
    onu = DRIVER.parse_onu_detail(sample("detail_blog_c320.txt"))
    assert (onu.frame, onu.slot, onu.port, onu.onu_id) == (1, 1, 1, 1)
    assert (onu.onu_type, onu.description, onu.distance_m, onu.run_state) == ("F609", "ONU-1:1", 3703, "online")
    assert onu.serial is None  # anonymised in the source
    assert onu.last_down_cause is None


def test_onu_detail_c300_firmware_with_channel_fields() -> None:
    onu = DRIVER.parse_onu_detail(sample("detail_c300_channel.txt"))
    assert (onu.slot, onu.serial, onu.distance_m) == (12, "ZTEGCCEC5655", 1033)
    assert (onu.config_state, onu.match_state, onu.last_down_cause) == ("success", None, "dying_gasp")


def test_onu_detail_rejects_other_output() -> None:
    with pytest.raises(ZteParseError):
        DRIVER.parse_onu_detail(sample("state_blog_c320.txt"))


@pytest.mark.parametrize(
    ("name", "rx", "tx", "olt_rx"),
    [
        ("attenuation_blog_c320.txt", -16.676, 2.423, -20.241),
        ("attenuation_c320_v21.txt", -24.814, 3.097, -27.785),
    ],
)
def test_optical_from_attenuation(name: str, rx: float, tx: float, olt_rx: float) -> None:
    optical = DRIVER.parse_onu_optical(sample(name))
    assert (optical.rx_dbm, optical.tx_dbm, optical.olt_rx_dbm) == (rx, tx, olt_rx)


def test_optical_rejects_unrelated_text() -> None:
    with pytest.raises(ZteParseError):
        DRIVER.parse_onu_optical(sample("card_c320.txt"))


def test_version_from_system_group_and_card() -> None:
    text = sample("system_group_c320.txt") + "\n" + sample("card_c320.txt")
    version = DRIVER.parse_version(text)
    assert (version.model, version.software_version) == ("C320", "V2.1.0")
    assert version.boards[1] == BoardInfo(1, 2, "GTGOG", "INSERVICE")


def test_card_c300_with_missing_softver_and_standby() -> None:
    boards = DRIVER.parse_version(sample("card_c300.txt")).boards
    assert len(boards) == 13
    assert boards[0] == BoardInfo(1, 0, "PRWH", "INSERVICE")
    assert boards[4] == BoardInfo(1, 11, "SCXN", "STANDBY")


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [
        ("ZTEGccec5655", "ZTEGCCEC5655"),
        ("HWTC-11E70E9A", "HWTC11E70E9A"),
        ("4857544311E70E9A", "HWTC11E70E9A"),
        ("XXXXXXXXXX", None),
        ("", None),
    ],
)
def test_canonical_serial(raw: str, canonical: str | None) -> None:
    assert canonical_serial(raw) == canonical


@pytest.mark.parametrize(
    ("phase", "state"),
    [
        ("working", "online"),
        ("LOS", "los"),
        ("DyingGasp", "dying_gasp"),
        ("OffLine", "offline"),
        ("Logging", "offline"),  # as the SNMP value map: 0 logging -> offline
        ("syncMib", "online"),  # as the SNMP value map: 2 syncMib -> online
        ("authFailed", "offline"),
        ("Initializing", "unknown"),
    ],
)
def test_phase_state_normalised(phase: str, state: str) -> None:
    assert run_state_from_phase(phase) == state


@pytest.mark.parametrize(
    ("name", "onu_name"),
    [("detail_blog_c320.txt", "Client"), ("detail_c300_channel.txt", "mayararenata@hbnet.com")],
)
def test_onu_detail_name_description_and_admin_state(name: str, onu_name: str) -> None:
    onu = DRIVER.parse_onu_detail(sample(name))
    assert (onu.name, onu.description, onu.admin_state) == (onu_name, "ONU-1:1", "enabled")
    # config_state is detail-info's `Config state` (older firmware prints none), never the admin state
    assert onu.config_state == {"detail_blog_c320.txt": None, "detail_c300_channel.txt": "success"}[name]


def test_onu_list_admin_state_column() -> None:
    states = DRIVER.parse_onu_list(sample("state_blog_c320.txt"), 1, 1, 1)
    assert {s.admin_state for s in states} == {"enabled"}
    assert {s.name for s in states} == {None}  # the state table has no names


@pytest.mark.parametrize(
    ("value", "state"), [("enable", "enabled"), ("disable", "disabled"), ("N/A", None), (None, None)]
)
def test_admin_state_values(value: str | None, state: str | None) -> None:
    assert admin_state(value) == state


@pytest.mark.parametrize(
    "foreign",
    [
        (DATA.parents[2] / "huawei_smartax" / "tests" / "data" / "version_ntc_ma5608t.txt").read_text(),
        (DATA.parents[2] / "huawei_smartax" / "tests" / "data" / "board_ntc.txt").read_text(),
        "%Error 140303: Invalid input detected at '^' marker.",
        "\x08\x08 --More-- garbage 1 2 3",
    ],
)
def test_version_of_foreign_output_is_empty(foreign: str) -> None:
    assert DRIVER.parse_version(foreign) == OltVersion()
