"""`display ont optical-info P all`: every online ONT of the port, by ONT id, read from a
public capture (ntc-templates, cited in the data file's first line)."""

from __future__ import annotations

from pathlib import Path

from vendor_cli.huawei_smartax.parsers import parse_port_optical

DATA = Path(__file__).parent / "data"


def test_every_row_of_the_port_table_is_read_with_its_ont_id() -> None:
    optics = parse_port_optical((DATA / "optical_ntc_port_all.txt").read_text())
    assert sorted(optics) == list(range(10))
    first, last = optics[0], optics[9]
    assert (first.rx_dbm, first.tx_dbm, first.olt_rx_dbm, first.temperature_c, first.voltage_v, first.bias_ma) == (
        -24.68, 3.68, -22.68, 38.0, 3.2, 6.0)
    assert (last.rx_dbm, last.olt_rx_dbm, last.bias_ma) == (-24.43, -23.77, 8.0)


def test_an_answer_without_rows_is_empty() -> None:
    assert parse_port_optical("  Failure: There is no ONT available\n") == {}
