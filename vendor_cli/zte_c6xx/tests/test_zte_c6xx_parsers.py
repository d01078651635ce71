"""Parsers on verbatim public device output (tests/data, first line = source)."""

from __future__ import annotations

from pathlib import Path

import pytest

from vendor_cli.base import BoardInfo
from vendor_cli.serials import canonical_serial
from vendor_cli.zte_c6xx import DRIVER
from vendor_cli.zte_common import run_state_from_phase as run_state

DATA = Path(__file__).parent / "data"


def sample(name: str) -> str:
    header, body = (DATA / name).read_text().split("\n", 1)
    assert header.startswith("# source:")
    return body


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        (
            "uncfg_c600_model_sn_pw.txt",
            [(1, 1, 9, "ITBSCF8F197E", "R1v2"), (1, 1, 9, "HWTC36D05643", "HG8010H")],
        ),
        ("uncfg_c600_model_mac_sn.txt", [(1, 4, 3, "ZTEGC97E6BC5", "F612V6.0")]),
        ("uncfg_hyphen_spelling.txt", [(1, 1, 1, "TPLGB1A15691", "XZ000-G3")]),
        ("uncfg_empty.txt", []),
    ],
)
def test_autofind_variants(name: str, expected: list[tuple[int, int, int, str, str]]) -> None:
    found = DRIVER.parse_autofind(sample(name))
    assert [(o.frame, o.slot, o.port, o.serial, o.equipment_id) for o in found] == expected
    assert all(o.vendor_id == o.serial[:4] for o in found)


def test_onu_list_c600_speed_mode_columns() -> None:
    states = DRIVER.parse_onu_list(sample("state_c600_speed_mode.txt"), 1, 1, 1)
    # syncMib -> online, as the SNMP value map of the C600 phase state (3 syncMib -> online)
    assert [(s.onu_id, s.run_state) for s in states] == [(1, "online"), (2, "online")]


def test_onu_list_keeps_rows_after_pager_erase_and_filters_the_port() -> None:
    text = sample("state_channel_pager_remnants.txt")
    assert "\x08" in text
    states = DRIVER.parse_onu_list(text, 1, 2, 3)
    assert [(s.onu_id, s.run_state) for s in states] == [(6, "online"), (7, "los")]
    assert [s.run_state for s in DRIVER.parse_onu_list(text, 1, 2, 4)] == ["dying_gasp"]


def test_onu_list_prefixed_index_with_o7_column() -> None:
    states = DRIVER.parse_onu_list(sample("state_o7_prefixed.txt"), 1, 1, 1)
    assert len(states) == 12
    assert {s.onu_id: s.run_state for s in states}[3] == "los"
    assert {s.onu_id: s.run_state for s in states}[8] == "dying_gasp"


def test_onu_list_without_header_and_offline_row() -> None:
    states = DRIVER.parse_onu_list(sample("state_offline_footer.txt"), 1, 2, 4)
    assert [(s.onu_id, s.run_state) for s in states] == [(23, "online"), (25, "offline")]


def test_onu_list_no_data_is_empty() -> None:
    assert DRIVER.parse_onu_list(sample("uncfg_empty.txt"), 1, 1, 1) == []


def test_onu_detail_basic() -> None:
    detail = DRIVER.parse_onu_detail(sample("detail_basic.txt"))
    assert (detail.frame, detail.slot, detail.port, detail.onu_id) == (1, 1, 1, 1)
    assert (detail.onu_type, detail.description, detail.distance_m) == ("F609", "ONU-1:1", 3703)
    assert detail.run_state == "online"
    assert detail.config_state is None and detail.last_down_cause is None


def test_onu_detail_with_config_state_and_history() -> None:
    detail = DRIVER.parse_onu_detail(sample("detail_config_state.txt"))
    assert (detail.slot, detail.serial, detail.config_state) == (12, "ZTEGCCEC5655", "success")
    assert (detail.distance_m, detail.last_down_cause) == (1033, "dying_gasp")  # the SNMP map's name


def test_onu_detail_rejects_other_answers() -> None:
    with pytest.raises(ValueError, match="detail-info"):
        DRIVER.parse_onu_detail("%Code 32310-GPONSRV : The ONU does not exist.")


def test_optical_attenuation() -> None:
    optical = DRIVER.parse_onu_optical(sample("attenuation.txt"))
    assert (optical.rx_dbm, optical.tx_dbm, optical.olt_rx_dbm) == (-16.676, 2.423, -20.241)


def test_optical_without_upstream_signal() -> None:
    optical = DRIVER.parse_onu_optical(sample("attenuation_no_signal.txt"))
    assert (optical.rx_dbm, optical.tx_dbm, optical.olt_rx_dbm) == (-18.21, 2.868, None)


def test_version_boards() -> None:
    version = DRIVER.parse_version(sample("show_card.txt"))
    assert version.software_version == "V2.1.0"
    assert len(version.boards) == 12
    assert BoardInfo(1, 11, "SCXN", "STANDBY") in version.boards
    assert BoardInfo(1, 0, "PRWH", "INSERVICE") in version.boards


def test_version_board_without_real_type() -> None:
    version = DRIVER.parse_version(sample("show_card_offline_board.txt"))
    assert version.boards[-1] == BoardInfo(1, 4, "SMXA", "OFFLINE")


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [
        ("ZTEGC97E6BC5", "ZTEGC97E6BC5"),
        ("ZTEG-c97e6bc5", "ZTEGC97E6BC5"),
        ("ZTEG:C97E6BC5", "ZTEGC97E6BC5"),
        ("5A544547C97E6BC5", "ZTEGC97E6BC5"),
        ("hwtc36d05643", "HWTC36D05643"),
    ],
)
def test_canonical_serial(raw: str, canonical: str) -> None:
    assert canonical_serial(raw) == canonical


@pytest.mark.parametrize(
    ("phase", "state"),
    [
        ("working", "online"),
        ("LOS", "los"),
        ("DyingGasp", "dying_gasp"),
        ("OffLine", "offline"),
        ("syncMib", "online"),
        ("Logging", "offline"),
        (None, "unknown"),
    ],
)
def test_run_state(phase: str | None, state: str) -> None:
    assert run_state(phase) == state


@pytest.mark.parametrize(
    ("name", "onu_name"), [("detail_basic.txt", "Client"), ("detail_config_state.txt", "mayararenata@hbnet.com")]
)
def test_onu_detail_name_description_and_admin_state(name: str, onu_name: str) -> None:
    detail = DRIVER.parse_onu_detail(sample(name))
    assert (detail.name, detail.description, detail.admin_state) == (onu_name, "ONU-1:1", "enabled")


def test_onu_list_admin_state() -> None:
    states = DRIVER.parse_onu_list(sample("state_offline_footer.txt"), 1, 2, 4)
    assert [(s.onu_id, s.admin_state) for s in states] == [(23, "enabled"), (25, "disabled")]
    assert {s.admin_state for s in DRIVER.parse_onu_list(sample("state_c600_speed_mode.txt"), 1, 1, 1)} == {
        "enabled"
    }


@pytest.mark.parametrize(
    "foreign",
    [
        "% Unknown command, the error locates at '^'",
        "  VERSION : AB1234C342A123D23\n  PRODUCT : MA5608T\n",
        "System Description: C320 Version V2.1.0 Software, Copyright (c) by ZTE Corporation Compiled",
        "\x08\x08 --More-- Rack Shelf Slot CfgType\n1 x y",  # garbage
    ],
)
def test_version_of_foreign_output_is_empty(foreign: str) -> None:
    version = DRIVER.parse_version(foreign)
    assert version.boards == [] and version.software_version is None
