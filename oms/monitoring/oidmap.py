"""OID map entries (one metric on one vendor family) and value decoding."""

from __future__ import annotations

import enum
import math
import re
from dataclasses import asdict, dataclass, field
from typing import Any

from core.models import VendorFamily
from oms.models import OnuStatus, PollClass, SnmpMetric
from oms.monitoring.indexes import INDEX_FORMATS
from vendor_cli.serials import serial_from_bytes

#: int: number scaled by scale/offset; enum: integer looked up in value_map;
#: string: text; serial: GPON serial (4 ASCII vendor bytes + 4 binary bytes -> "HWTC1F14CAAD")
VALUE_TYPES = frozenset({"int", "enum", "string", "serial"})

ONU_METRICS = frozenset(
    {
        SnmpMetric.ONU_STATUS,
        SnmpMetric.ONU_RX_POWER,
        SnmpMetric.ONU_TX_POWER,
        SnmpMetric.ONU_OLT_RX_POWER,
        SnmpMetric.ONU_DISTANCE,
        SnmpMetric.ONU_LAST_DOWN_CAUSE,
        SnmpMetric.ONU_SERIAL,
        SnmpMetric.ONU_DESCRIPTION,
    }
)
PORT_METRICS = frozenset({SnmpMetric.PON_PORT_STATUS, SnmpMetric.PON_PORT_TX_POWER})
BOARD_METRICS = frozenset({SnmpMetric.BOARD_STATUS})
#: OLT-wide metrics may be a scalar or a per-board column (the store keeps the maximum).
OLT_METRICS = frozenset({SnmpMetric.OLT_CPU, SnmpMetric.OLT_TEMPERATURE})

PORT_STATES = frozenset({"up", "down", "unknown"})
_ALLOWED_TARGETS: dict[SnmpMetric, frozenset[str]] = {
    SnmpMetric.ONU_STATUS: frozenset(s.value for s in OnuStatus),
    SnmpMetric.PON_PORT_STATUS: PORT_STATES,
}
_LABEL = re.compile(r"^[a-z0-9_]{1,64}$")
_NUMERIC_OID = re.compile(r"^1(\.(0|[1-9]\d{0,9}))+$")


@dataclass(slots=True)
class OidMapEntry:
    """Mirrors an `snmp_oid_maps` row."""

    vendor_family: str
    metric: str
    poll_class: str
    oid: str
    index_format: str
    value_type: str
    scale: float = 1.0
    offset: float = 0.0
    sentinels: list[int] = field(default_factory=list)
    value_map: dict[str, str] = field(default_factory=dict)
    valid_min: float | None = None
    valid_max: float | None = None
    source: str = ""
    enabled: bool = True

    @classmethod
    def from_row(cls, row: Any) -> OidMapEntry:
        """From an SnmpOidMap ORM row (or anything with the same attributes)."""
        return cls(**{name: getattr(row, name) for name in cls.__dataclass_fields__})

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> OidMapEntry:
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def label(self) -> str:
        return f"{self.vendor_family}/{self.metric}"


@dataclass(slots=True)
class Reading:
    """One decoded value; value is None when there is no usable reading (reason says why)."""

    value: float | str | None
    raw: int | str | None = None
    reason: str | None = None


def _enum_value(enum_cls: type[enum.Enum], value: str) -> bool:
    return value in {m.value for m in enum_cls}


def validate_entry(entry: OidMapEntry) -> list[str]:
    """Problems that make the entry unusable (empty list: OK). Used on save and before polling."""
    problems: list[str] = []
    if not _enum_value(VendorFamily, entry.vendor_family):
        problems.append(f"unknown vendor_family {entry.vendor_family!r}")
    if not _enum_value(SnmpMetric, entry.metric):
        problems.append(f"unknown metric {entry.metric!r}")
    if not _enum_value(PollClass, entry.poll_class):
        problems.append(f"unknown poll_class {entry.poll_class!r}")
    problems += _oid_problems(entry.oid)
    problems += _format_problems(entry)
    if entry.value_type not in VALUE_TYPES:
        problems.append(f"unknown value_type {entry.value_type!r}; known: {', '.join(sorted(VALUE_TYPES))}")
    problems += _number_problems(entry)
    problems += _value_map_problems(entry)
    return problems


def _oid_problems(oid: str) -> list[str]:
    if not isinstance(oid, str) or not _NUMERIC_OID.match(oid):
        return [f"oid {oid!r} is not a numeric OID like 1.3.6.1.4.1.2011.6.128.1.1.2.46.1.15 (no MIB names)"]
    if any(int(part) > 0xFFFFFFFF for part in oid.split(".")):
        return [f"oid {oid!r} has a component above 4294967295"]
    if len(oid.split(".")) < 5:
        return [f"oid {oid!r} is too short to be a table column or scalar"]
    return []


def _expected_level(metric: str) -> set[str]:
    if metric in ONU_METRICS:
        return {"onu"}
    if metric in PORT_METRICS:
        return {"port"}
    if metric in BOARD_METRICS:
        return {"board"}
    return {"olt", "board"}


def _format_problems(entry: OidMapEntry) -> list[str]:
    fmt = INDEX_FORMATS.get(entry.index_format)
    if fmt is None:
        return [f"unknown index_format {entry.index_format!r}; known: {', '.join(sorted(INDEX_FORMATS))}"]
    levels = _expected_level(entry.metric)
    if _enum_value(SnmpMetric, entry.metric) and fmt.level not in levels:
        return [
            f"index_format {entry.index_format!r} gives {fmt.level} positions, "
            f"{entry.metric} needs {'/'.join(sorted(levels))}"
        ]
    return []


def _number_problems(entry: OidMapEntry) -> list[str]:
    problems = []
    if not isinstance(entry.scale, int | float) or not math.isfinite(entry.scale) or entry.scale == 0:
        problems.append(f"scale must be a finite non-zero number, got {entry.scale!r}")
    if not isinstance(entry.offset, int | float) or not math.isfinite(entry.offset):
        problems.append(f"offset must be a finite number, got {entry.offset!r}")
    if not isinstance(entry.sentinels, list) or not all(
        isinstance(s, int) and not isinstance(s, bool) for s in entry.sentinels
    ):
        problems.append(f"sentinels must be a list of integers, got {entry.sentinels!r}")
    bounds = (entry.valid_min, entry.valid_max)
    if any(b is not None and not isinstance(b, int | float) for b in bounds):
        problems.append(f"valid_min/valid_max must be numbers, got {bounds!r}")
    elif None not in bounds and entry.valid_min > entry.valid_max:  # type: ignore[operator]
        problems.append(f"valid_min {entry.valid_min} is above valid_max {entry.valid_max}")
    return problems


def _value_map_problems(entry: OidMapEntry) -> list[str]:
    if not isinstance(entry.value_map, dict):
        return [f"value_map must be an object, got {type(entry.value_map).__name__}"]
    problems = []
    if entry.value_type == "enum" and entry.metric in _ALLOWED_TARGETS and not entry.value_map:
        problems.append(f"{entry.metric} is an enum and needs a value_map")
    if entry.value_map and entry.value_type != "enum":
        problems.append(f"value_map is only used with value_type 'enum', not {entry.value_type!r}")
    allowed = _ALLOWED_TARGETS.get(entry.metric)  # type: ignore[call-overload]
    for raw, target in entry.value_map.items():
        if not re.fullmatch(r"-?\d+", str(raw)):
            problems.append(f"value_map key {raw!r} is not an integer")
        if allowed is not None and target not in allowed:
            problems.append(f"value_map {raw} -> {target!r}: must be one of {', '.join(sorted(allowed))}")
        elif allowed is None and not (isinstance(target, str) and _LABEL.match(target)):
            problems.append(f"value_map {raw} -> {target!r}: labels are lower_snake_case")
    return problems


def decode_value(entry: OidMapEntry, raw: int | bytes | str | None) -> Reading:
    """Turn one raw SNMP value into a reading, applying sentinels, scale/offset, value_map and range."""
    if raw is None:
        return Reading(None, None, "no value")
    if entry.value_type in ("string", "serial"):
        return _decode_text(entry, raw)
    if not isinstance(raw, int):
        return Reading(None, _printable(raw), f"expected an integer, got {type(raw).__name__}")
    if raw in entry.sentinels:
        return Reading(None, raw, f"sentinel {raw}: the device has no reading")
    if entry.value_type == "enum":
        return _decode_enum(entry, raw)
    value = round(raw * entry.scale + entry.offset, 3)
    if entry.valid_min is not None and value < entry.valid_min:
        return Reading(None, raw, f"{value} is below the plausible minimum {entry.valid_min}")
    if entry.valid_max is not None and value > entry.valid_max:
        return Reading(None, raw, f"{value} is above the plausible maximum {entry.valid_max}")
    return Reading(value, raw)


def _decode_enum(entry: OidMapEntry, raw: int) -> Reading:
    if not entry.value_map:
        return Reading(str(raw), raw)
    mapped = entry.value_map.get(str(raw))
    if mapped is None:
        return Reading(OnuStatus.UNKNOWN.value, raw, f"value {raw} is not in the value_map")
    return Reading(mapped, raw)


def _decode_text(entry: OidMapEntry, raw: int | bytes | str) -> Reading:
    if isinstance(raw, int):
        return Reading(None, raw, f"expected a string, got integer {raw}")
    data = raw.encode() if isinstance(raw, str) else raw
    if entry.value_type == "serial":
        return Reading(serial_from_bytes(data), data.hex())
    return Reading(data.decode("utf-8", "replace").strip("\x00 ").strip(), _printable(data))


def _printable(raw: Any) -> str:
    if isinstance(raw, bytes):
        return raw.decode("utf-8", "replace")
    return str(raw)
