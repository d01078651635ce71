import pytest

from oms.monitoring.indexes import (
    INDEX_FORMATS,
    BadIndex,
    Position,
    UnknownIndexFormat,
    decode_index,
    encode_index,
)


@pytest.mark.parametrize(
    ("fmt", "suffix", "position"),
    [
        ("huawei_gpon_onu", (4194312192, 7), Position(0, 1, 0, 7)),  # 0/1/0 (reference §2.6)
        ("huawei_gpon_onu", (4194312448, 0), Position(0, 1, 1, 0)),  # 0/1/1
        ("huawei_gpon_port", (4194324224,), Position(0, 2, 15)),  # 0/2/15
        ("zte_gpon_onu", (268501248, 3), Position(1, 1, 1, 3)),  # gpon-olt_1/1/1 (zabbix template)
        ("zte_gpon_onu", (268501504, 1), Position(1, 1, 2, 1)),  # gpon-olt_1/1/2
        ("zte_gpon_onu", (268566784, 1), Position(1, 2, 1, 1)),  # gpon-olt_1/2/1
        ("zte_gpon_onu_ani1", (268501248, 9, 1), Position(1, 1, 1, 9)),
        ("zte_if_port", (268435456,), Position(1, 1, 1)),  # zabbix "PON 1/1"
        ("zte_if_port", (268500992,), Position(1, 2, 1)),  # zabbix "PON 2/1"
        ("zte_if_port", (268566784,), Position(1, 3, 2)),  # zabbix "xgei_1/3/2"
        ("zte_c600_gpon_onu", (285278977, 4), Position(1, 3, 1, 4)),
        ("zte_card", (1, 1, 3), Position(1, 3)),
        ("frame_slot", (0, 9), Position(0, 9)),
        ("scalar", (), Position()),
    ],
)
def test_known_indexes_decode_to_positions_and_back(fmt, suffix, position):
    assert decode_index(fmt, suffix) == position
    assert encode_index(fmt, position) == suffix


@pytest.mark.parametrize("fmt", sorted(INDEX_FORMATS))
def test_every_format_round_trips(fmt):
    level = INDEX_FORMATS[fmt].level
    position = {
        "olt": Position(),
        "board": Position(1, 5),
        "port": Position(1, 5, 3),
        "onu": Position(1, 5, 3, 77),
    }[level]
    assert decode_index(fmt, encode_index(fmt, position)) == position


@pytest.mark.parametrize(
    ("fmt", "suffix", "message"),
    [
        ("huawei_gpon_onu", (1, 2), "not a Huawei GPON port"),  # e.g. an Ethernet ifIndex
        ("huawei_gpon_onu", (4194312192,), "expected 2 index components"),
        ("zte_gpon_onu", (4194312192, 1), "not a ZTE gpon-olt index"),
        ("zte_gpon_onu_ani1", (268501248, 1, 2), "expected trailing .1"),
        ("scalar", (0,), "unexpected index"),
    ],
)
def test_suffixes_that_do_not_fit_are_rejected(fmt, suffix, message):
    with pytest.raises(BadIndex, match=message):
        decode_index(fmt, suffix)


def test_unknown_format_names_the_known_ones():
    with pytest.raises(UnknownIndexFormat) as info:
        decode_index("huawei_onu_typo", (1, 2))
    assert "huawei_onu_typo" in str(info.value)
    assert "huawei_gpon_onu" in str(info.value)


def test_encoder_refuses_positions_outside_the_encoding():
    with pytest.raises(BadIndex):
        encode_index("huawei_gpon_onu", Position(0, 64, 0, 1))
    with pytest.raises(BadIndex):
        encode_index("zte_gpon_onu", Position(0, 1, 1, 1))  # ZTE shelves start at 1
