"""Migration 0009: the MIB-checked corrections of the 0005 OID maps reach existing installs, leave operator-edited
rows alone, downgrade cleanly, and each corrected row decodes raw values to the physical value the MIB describes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import psycopg
import pytest
from alembic import command
from psycopg.types.json import Jsonb

from core.db import libpq_url
from core.migrate import alembic_config
from oms.monitoring.oid_defaults import DEFAULT_OID_MAPS
from oms.monitoring.oidmap import OidMapEntry, decode_value

SEED_0005 = Path(__file__).resolve().parents[1] / "migrations" / "data" / "0005_snmp_oid_maps.json"
COLUMNS = list(OidMapEntry.__dataclass_fields__)
CORRECTED = {
    ("huawei_smartax", "board_status"),
    ("zte_c3xx", "onu_tx_power"),
    ("zte_c3xx", "onu_olt_rx_power"),
    ("zte_c6xx", "onu_olt_rx_power"),
    ("zte_c6xx", "pon_port_tx_power"),
    ("zte_c6xx", "olt_cpu"),
}


def _key(row: dict[str, Any]) -> tuple[str, str]:
    return row["vendor_family"], row["metric"]


def _rows(url: str) -> dict[tuple[str, str], dict[str, Any]]:
    with psycopg.connect(libpq_url(url)) as conn, conn.cursor(row_factory=psycopg.rows.dict_row) as cur:
        cur.execute("SELECT " + ", ".join(f'"{column}"' for column in COLUMNS) + " FROM snmp_oid_maps")
        return {_key(row): OidMapEntry.from_dict(row).as_dict() for row in cur.fetchall()}


def _shipped_0005() -> dict[tuple[str, str], dict[str, Any]]:
    rows = json.loads(SEED_0005.read_text(encoding="utf-8"))
    return {_key(row): OidMapEntry.from_dict(row).as_dict() for row in rows}


def _defaults() -> dict[tuple[str, str], dict[str, Any]]:
    return {_key(row): OidMapEntry.from_dict(row).as_dict() for row in DEFAULT_OID_MAPS}


def _entry(family: str, metric: str) -> OidMapEntry:
    return OidMapEntry.from_dict(_defaults()[(family, metric)])


def test_the_corrections_are_exactly_the_rows_that_differ_from_0005() -> None:
    old, new = _shipped_0005(), _defaults()
    assert set(old) == set(new)
    assert {key for key in new if new[key] != old[key]} == CORRECTED


def test_upgrade_corrects_shipped_rows_and_keeps_an_operator_edited_row(empty_db_url: str) -> None:
    cfg = alembic_config(empty_db_url)
    command.upgrade(cfg, "0008")
    assert _rows(empty_db_url) == _shipped_0005()
    with psycopg.connect(libpq_url(empty_db_url)) as conn:
        # The operator tuned one corrected row (only its range) and left the others as shipped.
        conn.execute(
            "UPDATE snmp_oid_maps SET valid_min = -40, sentinels = %s "
            "WHERE vendor_family = 'zte_c3xx' AND metric = 'onu_olt_rx_power'",
            [Jsonb([0, 65535, 1])],
        )
    edited = _rows(empty_db_url)[("zte_c3xx", "onu_olt_rx_power")]

    command.upgrade(cfg, "head")

    rows, defaults = _rows(empty_db_url), _defaults()
    assert rows[("zte_c3xx", "onu_olt_rx_power")] == edited
    assert rows[("zte_c3xx", "onu_olt_rx_power")]["oid"] == "1.3.6.1.4.1.3902.1012.3.50.12.1.1.14"
    for key in set(defaults) - {("zte_c3xx", "onu_olt_rx_power")}:
        assert rows[key] == defaults[key], key


def test_downgrade_restores_the_0005_rows_and_upgrade_reapplies(db_url: str) -> None:
    cfg = alembic_config(db_url)
    assert _rows(db_url) == _defaults()
    command.downgrade(cfg, "0008")
    assert _rows(db_url) == _shipped_0005()
    command.upgrade(cfg, "head")
    assert _rows(db_url) == _defaults()


def test_downgrade_keeps_a_row_edited_after_the_upgrade(db_url: str) -> None:
    with psycopg.connect(libpq_url(db_url)) as conn:
        conn.execute(
            "UPDATE snmp_oid_maps SET enabled = true WHERE vendor_family = 'zte_c6xx' AND metric = 'pon_port_tx_power'"
        )
    edited = _rows(db_url)[("zte_c6xx", "pon_port_tx_power")]
    command.downgrade(alembic_config(db_url), "0008")
    rows = _rows(db_url)
    assert rows[("zte_c6xx", "pon_port_tx_power")] == edited
    assert rows[("zte_c6xx", "olt_cpu")] == _shipped_0005()[("zte_c6xx", "olt_cpu")]


# zxAnPonRxOpticalPower: UNITS "0.001 dBm"; "65535000 means N/A, ONU is not in service. -80000 means no signal".
@pytest.mark.parametrize("family", ["zte_c3xx", "zte_c6xx"])
@pytest.mark.parametrize(
    ("raw", "dbm"),
    [(-23456, -23.456), (-8000, -8.0), (-31000, -31.0), (65535000, None), (-80000, None)],
)
def test_zte_olt_side_rx_is_milli_dbm_with_the_mib_sentinels(family: str, raw: int, dbm: float | None) -> None:
    entry = _entry(family, "onu_olt_rx_power")
    assert entry.oid == "1.3.6.1.4.1.3902.1082.500.1.2.4.2.1.2"
    assert decode_value(entry, raw).value == dbm


def test_c300_olt_side_rx_no_longer_reads_the_onu_tx_column() -> None:
    assert _entry("zte_c3xx", "onu_olt_rx_power").oid != _entry("zte_c3xx", "onu_tx_power").oid
    assert not _entry("zte_c3xx", "onu_olt_rx_power").enabled  # C300 ifIndex of this table not confirmed


@pytest.mark.parametrize(("raw", "dbm"), [(16000, 2.0), (15250, 0.5), (14000, -2.0), (65535, None), (0, None)])
def test_c300_onu_tx_is_column_14_with_the_onu_optical_encoding(raw: int, dbm: float | None) -> None:
    entry = _entry("zte_c3xx", "onu_tx_power")
    assert entry.oid == "1.3.6.1.4.1.3902.1012.3.50.12.1.1.14"
    assert entry.enabled
    assert decode_value(entry, raw).value == dbm


@pytest.mark.parametrize(
    ("raw", "status"), [(2, "normal"), (3, "fault"), (7, "offline"), (17, "mismatch"), (20, "isolated")]
)
def test_huawei_board_status_uses_the_hw_slot_oper_status_enum(raw: int, status: str) -> None:
    assert decode_value(_entry("huawei_smartax", "board_status"), raw).value == status


@pytest.mark.parametrize(("raw", "dbm"), [(4500, 4.5), (-1200, -1.2), (2147483647, None)])
def test_c600_pon_port_tx_is_zx_an_optical_if_tx_pwr_in_milli_dbm(raw: int, dbm: float | None) -> None:
    entry = _entry("zte_c6xx", "pon_port_tx_power")
    assert entry.oid == "1.3.6.1.4.1.3902.1082.30.40.2.4.1.3"
    assert entry.index_format == "zte_c600_gpon_port"
    assert decode_value(entry, raw).value == dbm


@pytest.mark.parametrize(("raw", "percent"), [(0, 0.0), (37, 37.0), (100, 100.0), (101, None)])
def test_c600_card_cpu_is_zx_an_card_cpu_load_percent(raw: int, percent: float | None) -> None:
    entry = _entry("zte_c6xx", "olt_cpu")
    assert entry.oid == "1.3.6.1.4.1.3902.1082.10.1.2.4.1.9"
    assert decode_value(entry, raw).value == percent
