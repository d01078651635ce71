"""Index formats: how the OID suffix after a column encodes a device position.

Each format has a decoder (suffix -> Position) used by the collector and an
encoder (Position -> suffix) used by the lab recording generator, so a
recording is exactly the inverse of decoding.

Sources for the encodings (see also oid_defaults.py):
- Huawei GPON ifIndex = 125<<25 + frame<<19 + slot<<13 + port<<8 = 0xFA000000 + frame*524288
  + slot*8192 + port*256 (NOC `Huawei.MA5600T.Profile.snmp_index`, citing gpon.kou.li).
- ZTE C300/C320 zxGpon (1012) ponIfIndex = 1<<28 + slot<<16 + port<<8, shelf bits 0 for shelf 1
  (zabbix community-templates template_zte-c320: 268501248 = gpon-olt_1/1/1; go-api-c320
  ZTE_C320_V21_OID_MAPPING.md: "PON 1 Board 1: 268501248").
- ZTE C300/C320 IF-MIB/1015 port index is 0-based: 1<<28 + (slot-1)<<16 + (port-1)<<8
  (zabbix community-templates Applications/template_olt_zte_c320: "PON 1/1" = 268435456,
  "gei_1/3/1" = 268566528, "xgei_1/3/2" = 268566784).
- ZTE C600 ifIndex = 1<<28 | rack(1)<<24 | shelf<<16 | slot<<8 | port (public SmartOLT-style PHP
  client `OltSnmpClient::zteEncodeIfIndex`, verified there against a ZXA10 C600 V1.2.2).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

Suffix = tuple[int, ...]


class Position(NamedTuple):
    """Where a reading belongs. Unused levels are None (an OLT-wide scalar has none)."""

    frame: int | None = None
    slot: int | None = None
    port: int | None = None
    onu_id: int | None = None


OLT_LEVEL = Position()


class BadIndex(ValueError):
    """An OID suffix that does not fit its index format."""


class UnknownIndexFormat(KeyError):
    def __str__(self) -> str:
        return f"unknown index_format {self.args[0]!r}; known: {', '.join(sorted(INDEX_FORMATS))}"


HUAWEI_GPON_BASE = 125 << 25  # 0xFA000000 = 4194304000
ZTE_PON_BASE = 1 << 28  # 0x10000000 = 268435456
ZTE_C600_BASE = (1 << 28) | (1 << 24)


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise BadIndex(message)


def _huawei_port_decode(if_index: int) -> tuple[int, int, int]:
    _require(if_index >> 25 == 125, f"ifIndex {if_index} is not a Huawei GPON port (type {if_index >> 25})")
    _require(if_index & 0xFF == 0, f"ifIndex {if_index} has non-zero low byte")
    return (if_index >> 19) & 0x3F, (if_index >> 13) & 0x3F, (if_index >> 8) & 0x1F


def huawei_gpon_if_index(frame: int, slot: int, port: int) -> int:
    _require(
        0 <= frame < 64 and 0 <= slot < 64 and 0 <= port < 32, f"position {frame}/{slot}/{port} out of range"
    )
    return HUAWEI_GPON_BASE + (frame << 19) + (slot << 13) + (port << 8)


def _zte_port_decode(if_index: int) -> tuple[int, int, int]:
    _require(
        if_index >> 28 == 1, f"ponIfIndex {if_index} is not a ZTE gpon-olt index (type {if_index >> 28})"
    )
    _require(if_index & 0xFF == 0, f"ponIfIndex {if_index} has non-zero low byte")
    return ((if_index >> 24) & 0xF) + 1, (if_index >> 16) & 0xFF, (if_index >> 8) & 0xFF


def zte_pon_if_index(frame: int, slot: int, port: int) -> int:
    # frame is the CLI shelf (gpon-olt_<shelf>/<slot>/<port>, shelf 1 = bits 0)
    _require(
        1 <= frame <= 16 and 0 <= slot < 256 and 0 <= port < 256,
        f"position {frame}/{slot}/{port} out of range",
    )
    return ZTE_PON_BASE + ((frame - 1) << 24) + (slot << 16) + (port << 8)


def _zte_if_port_decode(if_index: int) -> tuple[int, int, int]:
    _require(if_index >> 28 == 1, f"ifIndex {if_index} is not a ZTE port index")
    _require(if_index & 0xFF == 0, f"ifIndex {if_index} has non-zero low byte")
    return ((if_index >> 24) & 0xF) + 1, ((if_index >> 16) & 0xFF) + 1, ((if_index >> 8) & 0xFF) + 1


def zte_if_port_index(frame: int, slot: int, port: int) -> int:
    _require(
        1 <= frame <= 16 and 1 <= slot <= 256 and 1 <= port <= 256,
        f"position {frame}/{slot}/{port} out of range",
    )
    return ZTE_PON_BASE + ((frame - 1) << 24) + ((slot - 1) << 16) + ((port - 1) << 8)


def _zte_c600_decode(if_index: int) -> tuple[int, int, int]:
    _require(if_index >> 24 == ZTE_C600_BASE >> 24, f"ifIndex {if_index} is not a ZTE C600 PON index")
    return (if_index >> 16) & 0xFF, (if_index >> 8) & 0xFF, if_index & 0xFF


def zte_c600_if_index(frame: int, slot: int, port: int) -> int:
    _require(
        0 <= frame < 256 and 0 <= slot < 256 and 0 <= port < 256,
        f"position {frame}/{slot}/{port} out of range",
    )
    return ZTE_C600_BASE | (frame << 16) | (slot << 8) | port


def _arity(suffix: Suffix, n: int, fmt: str) -> None:
    _require(len(suffix) == n, f"{fmt}: expected {n} index components, got {len(suffix)} ({_dotted(suffix)})")


def _dotted(suffix: Suffix) -> str:
    return ".".join(map(str, suffix)) or "(empty)"


def _onu_decoder(
    port_decode: Callable[[int], tuple[int, int, int]], fmt: str, trailing: int | None = None
) -> Callable[[Suffix], Position]:
    arity = 2 if trailing is None else 3

    def decode(suffix: Suffix) -> Position:
        _arity(suffix, arity, fmt)
        if trailing is not None:
            _require(suffix[2] == trailing, f"{fmt}: expected trailing .{trailing}, got .{suffix[2]}")
        frame, slot, port = port_decode(suffix[0])
        return Position(frame, slot, port, suffix[1])

    return decode


def _port_decoder(
    port_decode: Callable[[int], tuple[int, int, int]], fmt: str
) -> Callable[[Suffix], Position]:
    def decode(suffix: Suffix) -> Position:
        _arity(suffix, 1, fmt)
        return Position(*port_decode(suffix[0]))

    return decode


def _onu_encoder(
    port_encode: Callable[[int, int, int], int], trailing: int | None = None
) -> Callable[[Position], Suffix]:
    def encode(pos: Position) -> Suffix:
        _require(None not in pos, f"ONU position needs frame/slot/port/onu_id, got {pos}")
        head = (port_encode(pos.frame, pos.slot, pos.port), pos.onu_id)  # type: ignore[arg-type]
        return head if trailing is None else (*head, trailing)  # type: ignore[return-value]

    return encode


def _port_encoder(port_encode: Callable[[int, int, int], int]) -> Callable[[Position], Suffix]:
    def encode(pos: Position) -> Suffix:
        _require(None not in pos[:3], f"port position needs frame/slot/port, got {pos}")
        return (port_encode(pos.frame, pos.slot, pos.port),)  # type: ignore[arg-type]

    return encode


def _scalar_decode(suffix: Suffix) -> Position:
    _require(suffix == (), f"scalar: unexpected index {_dotted(suffix)}")
    return OLT_LEVEL


def _frame_slot_decode(suffix: Suffix) -> Position:
    _arity(suffix, 2, "frame_slot")
    return Position(suffix[0], suffix[1])


def _frame_slot_encode(pos: Position) -> Suffix:
    _require(pos.frame is not None and pos.slot is not None, f"board position needs frame/slot, got {pos}")
    return (pos.frame, pos.slot)  # type: ignore[return-value]


def _zte_card_decode(suffix: Suffix) -> Position:
    # zxAnCardTable index rack.shelf.slot; rack is always 1, the CLI "frame" is the shelf
    _arity(suffix, 3, "zte_card")
    return Position(suffix[1], suffix[2])


def _zte_card_encode(pos: Position) -> Suffix:
    _require(pos.frame is not None and pos.slot is not None, f"board position needs frame/slot, got {pos}")
    return (1, pos.frame, pos.slot)  # type: ignore[return-value]


class IndexFormat(NamedTuple):
    level: str  # "olt", "board", "port" or "onu"
    decode: Callable[[Suffix], Position]
    encode: Callable[[Position], Suffix]
    description: str


INDEX_FORMATS: dict[str, IndexFormat] = {
    "scalar": IndexFormat("olt", _scalar_decode, lambda pos: (), "the OID is the instance (GET)"),
    "frame_slot": IndexFormat(
        "board", _frame_slot_decode, _frame_slot_encode, "frame.slot (Huawei board tables)"
    ),
    "zte_card": IndexFormat(
        "board", _zte_card_decode, _zte_card_encode, "rack.shelf.slot (ZTE zxAnCardTable)"
    ),
    "huawei_gpon_port": IndexFormat(
        "port",
        _port_decoder(_huawei_port_decode, "huawei_gpon_port"),
        _port_encoder(huawei_gpon_if_index),
        "Huawei GPON ifIndex",
    ),
    "huawei_gpon_onu": IndexFormat(
        "onu",
        _onu_decoder(_huawei_port_decode, "huawei_gpon_onu"),
        _onu_encoder(huawei_gpon_if_index),
        "Huawei GPON ifIndex.ontId",
    ),
    "zte_gpon_port": IndexFormat(
        "port",
        _port_decoder(_zte_port_decode, "zte_gpon_port"),
        _port_encoder(zte_pon_if_index),
        "ZTE zxGpon ponIfIndex",
    ),
    "zte_gpon_onu": IndexFormat(
        "onu",
        _onu_decoder(_zte_port_decode, "zte_gpon_onu"),
        _onu_encoder(zte_pon_if_index),
        "ZTE zxGpon ponIfIndex.onuId",
    ),
    "zte_gpon_onu_ani1": IndexFormat(
        "onu",
        _onu_decoder(_zte_port_decode, "zte_gpon_onu_ani1", trailing=1),
        _onu_encoder(zte_pon_if_index, trailing=1),
        "ZTE ponIfIndex.onuId.1 (1012.3.50.12 optical table)",
    ),
    "zte_if_port": IndexFormat(
        "port",
        _port_decoder(_zte_if_port_decode, "zte_if_port"),
        _port_encoder(zte_if_port_index),
        "ZTE IF-MIB / 1015 port index (0-based slot and port)",
    ),
    "zte_c600_gpon_port": IndexFormat(
        "port",
        _port_decoder(_zte_c600_decode, "zte_c600_gpon_port"),
        _port_encoder(zte_c600_if_index),
        "ZTE C600 PON ifIndex",
    ),
    "zte_c600_gpon_onu": IndexFormat(
        "onu",
        _onu_decoder(_zte_c600_decode, "zte_c600_gpon_onu"),
        _onu_encoder(zte_c600_if_index),
        "ZTE C600 ifIndex.onuId",
    ),
    "zte_c600_gpon_onu_ani1": IndexFormat(
        "onu",
        _onu_decoder(_zte_c600_decode, "zte_c600_gpon_onu_ani1", trailing=1),
        _onu_encoder(zte_c600_if_index, trailing=1),
        "ZTE C600 ifIndex.onuId.1",
    ),
}


def index_format(name: str) -> IndexFormat:
    try:
        return INDEX_FORMATS[name]
    except KeyError:
        raise UnknownIndexFormat(name) from None


def decode_index(name: str, suffix: Suffix) -> Position:
    """Position of one OID suffix; raises BadIndex if it does not fit, UnknownIndexFormat for a bad name."""
    return index_format(name).decode(suffix)


def encode_index(name: str, position: Position) -> Suffix:
    return index_format(name).encode(position)
