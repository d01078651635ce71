import pytest

from oms.monitoring.oid_defaults import DEFAULT_OID_MAPS, default_maps_for
from oms.monitoring.oidmap import OidMapEntry, decode_value, validate_entry
from vendor_cli.serials import serial_from_bytes


def entry(family: str, metric: str) -> OidMapEntry:
    row = next(r for r in default_maps_for(family) if r["metric"] == metric)
    return OidMapEntry.from_dict(row)


def test_every_seeded_row_is_valid_and_unique():
    keys = [(row["vendor_family"], row["metric"]) for row in DEFAULT_OID_MAPS]
    assert len(keys) == len(set(keys)) == 39
    for row in DEFAULT_OID_MAPS:
        assert validate_entry(OidMapEntry.from_dict(row)) == [], row["metric"]
        assert row["source"], f"{row['vendor_family']}/{row['metric']} has no source"


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"oid": "HUAWEI-XPON-MIB::hwGponOntOpticalDdmRxPower"}, "not a numeric OID"),
        ({"oid": "1.3.6.1.4.1.2011.6.128.1.1.2.51.1.4."}, "not a numeric OID"),
        ({"oid": ".1.3.6.1.4.1.2011"}, "not a numeric OID"),
        ({"index_format": "huawei_gpon_ont"}, "unknown index_format 'huawei_gpon_ont'"),
        ({"index_format": "huawei_gpon_port"}, "gives port positions"),
        ({"value_type": "float"}, "unknown value_type"),
        ({"scale": 0}, "scale must be a finite non-zero number"),
        ({"sentinels": ["2147483647"]}, "sentinels must be a list of integers"),
        ({"valid_min": 5.0, "valid_max": -5.0}, "is above valid_max"),
        ({"value_map": {"1": "online"}}, "value_map is only used with value_type 'enum'"),
        ({"metric": "onu_rx_powr"}, "unknown metric"),
    ],
)
def test_validation_reports_typos(change, problem):
    broken = entry("huawei_smartax", "onu_rx_power")
    for key, value in change.items():
        setattr(broken, key, value)
    assert any(problem in p for p in validate_entry(broken)), validate_entry(broken)


def test_status_value_map_targets_must_be_normalised_states():
    status = entry("huawei_smartax", "onu_status")
    status.value_map = {"1": "Online", "x": "offline"}
    problems = validate_entry(status)
    assert any("'Online'" in p for p in problems)
    assert any("key 'x' is not an integer" in p for p in problems)


def test_huawei_optical_scale_and_no_reading_sentinel():
    rx = entry("huawei_smartax", "onu_rx_power")
    assert decode_value(rx, -1957).value == -19.57
    missing = decode_value(rx, 2147483647)
    assert missing.value is None and "sentinel" in missing.reason
    olt_rx = entry("huawei_smartax", "onu_olt_rx_power")
    assert decode_value(olt_rx, 7845).value == -21.55  # (7845 - 10000) * 0.01


def test_zte_optical_formula_and_range():
    rx = entry("zte_c3xx", "onu_rx_power")
    assert decode_value(rx, 5300).value == -19.4  # 5300 * 0.002 - 30
    assert decode_value(rx, 65535).value is None
    weak = decode_value(rx, 64032)  # a two's-complement -33 dBm reads +98 dBm linearly
    assert weak.value is None and "above the plausible maximum" in weak.reason


def test_out_of_range_values_give_no_reading_and_say_why():
    rx = entry("huawei_smartax", "onu_rx_power")
    reading = decode_value(rx, -9000)
    assert reading.value is None
    assert reading.raw == -9000
    assert "below the plausible minimum -50.0" in reading.reason


def test_status_mapping_and_unmapped_values():
    zte = entry("zte_c3xx", "onu_status")
    assert [decode_value(zte, raw).value for raw in (3, 1, 4, 6)] == [
        "online",
        "los",
        "dying_gasp",
        "offline",
    ]
    odd = decode_value(zte, 42)
    assert odd.value == "unknown" and "42" in odd.reason
    c600 = entry("zte_c6xx", "onu_status")
    assert [decode_value(c600, raw).value for raw in (4, 2, 5, 7)] == [
        "online",
        "los",
        "dying_gasp",
        "offline",
    ]


def test_strings_serials_and_type_mismatches():
    serial = entry("huawei_smartax", "onu_serial")
    assert decode_value(serial, bytes.fromhex("485754430011D168")).value == "HWTC0011D168"
    assert serial_from_bytes(b"5A544547D824CDF3") == "ZTEGD824CDF3"  # agents that answer the hex as text
    assert serial_from_bytes(b"ZTEGC0000001") == "ZTEGC0000001"
    description = entry("huawei_smartax", "onu_description")
    assert decode_value(description, b"cliente 1\x00").value == "cliente 1"
    assert decode_value(serial, 5).value is None
    assert "expected an integer" in decode_value(entry("huawei_smartax", "onu_rx_power"), b"x").reason
