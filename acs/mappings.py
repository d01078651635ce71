"""From an intent to the device's own parameter paths, through the `tr069_mappings` rows.

The rows are data (seeded by migration 0010, editable in System Settings). A row's path
may hold `*` instance wildcards: they are resolved against the paths the ACS has
discovered on the device, choosing the lowest instance whose selector parameter matches
(the 5 GHz radio is the WLANConfiguration whose `Standard` says `a`/`ac`). Nothing is
written to a path the device does not have: some ZTE firmware rejects a whole
setParameterValues that names one unknown path.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from acs.models import DataModel, IntentKind, Tr069Mapping

#: fields a kind may leave out when its data model has no row or no value for them
OPTIONAL_FIELDS = frozenset({"encryption", "vlan"})


@dataclass(frozen=True)
class Write:
    field: str
    path: str
    value: Any
    write_only: bool


@dataclass
class Plan:
    writes: list[Write] = field(default_factory=list)
    reads: dict[str, str] = field(default_factory=dict)  # result field -> path (diagnostics)
    problems: list[str] = field(default_factory=list)


def intent_fields(kind: IntentKind, desired: dict[str, Any], secrets: dict[str, str]) -> dict[str, Any]:
    """The mapped fields an intent sets, in the order they are written."""
    values: dict[str, Any]
    if kind is IntentKind.WIFI:
        security = desired.get("security")
        values = {"enabled": desired.get("enabled", True), "ssid": desired.get("ssid"), "security": security,
                  "encryption": security, "passphrase": secrets.get("passphrase")}
    elif kind is IntentKind.WAN_PPPOE:
        values = {"enabled": True, "username": desired["username"], "password": secrets["password"],
                  "vlan": desired.get("vlan")}
    elif kind is IntentKind.WAN_DHCP:
        values = {"enabled": True, "addressing": "dhcp", "vlan": desired.get("vlan")}
    elif kind is IntentKind.WAN_BRIDGE:
        values = {"enabled": True, "connection_type": "bridge", "vlan": desired.get("vlan")}
    elif kind in (IntentKind.PING, IntentKind.TRACEROUTE):
        values = {**desired, "state": "Requested"}
    else:
        values = {}
    return {name: value for name, value in values.items() if value is not None}


def rows_for(session: Session, data_model: DataModel, kind: IntentKind, vendor: str, model: str,
             variant: str = "") -> dict[str, Tr069Mapping]:
    """The most specific row per field: model beats vendor beats generic."""
    rows = session.scalars(select(Tr069Mapping).where(
        Tr069Mapping.data_model == data_model, Tr069Mapping.kind == kind.value,
        Tr069Mapping.variant == variant,
        or_(Tr069Mapping.vendor == "", Tr069Mapping.vendor.ilike(vendor)),
        or_(Tr069Mapping.model == "", Tr069Mapping.model.ilike(model)),
    ))
    best: dict[str, Tr069Mapping] = {}
    for row in rows:
        current = best.get(row.field)
        if current is None or _specificity(row) > _specificity(current):
            best[row.field] = row
    return best


def _specificity(row: Tr069Mapping) -> int:
    return 2 * bool(row.model) + bool(row.vendor)


def plan(rows: dict[str, Tr069Mapping], fields: dict[str, Any], device: dict[str, Any]) -> Plan:
    """What to write for `fields`, given the device's discovered parameters (path -> value)."""
    result = Plan()
    for name, value in fields.items():
        row = rows.get(name)
        if row is None:
            if name not in OPTIONAL_FIELDS:
                result.problems.append(f"no TR-069 mapping for field {name!r}: add one in System Settings")
            continue
        mapped = _mapped_value(row, value)
        if mapped is None:
            if name not in OPTIONAL_FIELDS:
                result.problems.append(f"{name} {value!r} is not supported by {row.path} (values: "
                                       f"{', '.join(sorted(row.value_map))})")
            continue
        path = resolve(row, device)
        if path is None:
            result.problems.append(f"the device has no {row.path}"
                                   + (f" whose {row.selector_param} matches {row.selector_match!r}"
                                      if row.selector_param else ""))
            continue
        result.writes.append(Write(name, path, mapped, row.write_only))
    for name, row in rows.items():
        if name.startswith("result."):
            result.reads[name.removeprefix("result.")] = row.path
    return result


def _mapped_value(row: Tr069Mapping, value: Any) -> Any:
    if not row.value_map:
        return value
    return row.value_map.get(str(value))


def resolve(row: Tr069Mapping, device: dict[str, Any]) -> str | None:
    """The concrete path for `row` on this device, or None when the device has none."""
    if "*" not in row.path:
        return row.path if row.path in device else None
    pattern = re.compile("^" + re.escape(row.path).replace(r"\*", r"(\d+)") + "$")
    candidates = sorted((tuple(int(n) for n in match.groups()), path)
                        for path in device if (match := pattern.match(path)))
    for _, path in candidates:
        if _selected(row, path, device):
            return path
    return None


def _selected(row: Tr069Mapping, path: str, device: dict[str, Any]) -> bool:
    """Whether the instance `path` lies in has a selector parameter matching the row's regex
    (the selector is a sibling of the instance's parameters: `WLANConfiguration.5.Standard`
    chooses `WLANConfiguration.5.PreSharedKey.1.KeyPassphrase`)."""
    if not row.selector_param:
        return True
    depth = row.path[:row.path.rindex("*") + 1].count(".") + 1
    instance = ".".join(path.split(".")[:depth])
    selector_value = device.get(f"{instance}.{row.selector_param}")
    return selector_value is not None and re.search(row.selector_match, str(selector_value)) is not None


def object_roots(rows: dict[str, Tr069Mapping]) -> list[str]:
    """The objects to read from the ACS to resolve `rows`: each path up to its first wildcard."""
    roots = {row.path.split(".*", 1)[0] if "*" in row.path else row.path.rsplit(".", 1)[0]
             for row in rows.values()}
    return sorted(roots)


def same_value(current: Any, wanted: Any) -> bool:
    """Whether the device's value (TR-069 gives strings, `1`/`0` or `true`/`false` for booleans)
    is the wanted one."""
    if current is None:
        return False
    if isinstance(wanted, bool):
        return str(current).lower() in (("true", "1") if wanted else ("false", "0"))
    return str(current) == str(wanted)
