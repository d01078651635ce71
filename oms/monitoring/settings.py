"""System Settings for monitoring: OID map editing (validated, audited, resettable) and
per-OLT SNMP credentials (stored encrypted, never read back), plus `target_for_olt`,
the one place an OLT row becomes an SnmpTarget (the collector jobs use it too)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.audit import audit
from core.concurrency import check_if_match, etag
from oms.errors import NotFound, OmsError, get_or_404
from oms.models import Olt, OltSnmpSettings, SnmpAuthProtocol, SnmpOidMap, SnmpPrivProtocol, SnmpVersion
from oms.monitoring.collector import SnmpTarget, close_engine_for_loop, test_snmp
from oms.monitoring.oid_defaults import DEFAULT_OID_MAPS
from oms.monitoring.oidmap import OidMapEntry, validate_entry

#: free-form Olt.connection_options key for the SNMPv3 context (the lab selects its recording by it)
CONTEXT_OPTION = "snmp_context_name"
MIN_KEY_CHARS = 8  # RFC 3414: USM passphrases shorter than 8 characters are refused by agents
MIN_STATUS_INTERVAL_S = 60  # Olt check constraint status_interval_min
MIN_OPTICAL_INTERVAL_S = 300  # Olt check constraint optical_interval_min
SECRET_FIELDS = ("community", "v3_auth_key", "v3_priv_key")
EDITABLE_MAP_FIELDS = (
    "poll_class",
    "oid",
    "index_format",
    "value_type",
    "scale",
    "offset",
    "sentinels",
    "value_map",
    "valid_min",
    "valid_max",
    "source",
    "enabled",
)


class InvalidSettings(OmsError):
    """Carries every problem found, so the operator can fix them in one go."""

    status = 422

    def __init__(self, subject: str, problems: list[str]) -> None:
        super().__init__(f"{subject}: " + "; ".join(problems))
        self.subject = subject
        self.problems = problems

    def extensions(self) -> dict[str, Any]:
        return {"errors": [{"loc": ["body"], "msg": problem, "type": "invalid"} for problem in self.problems]}


# --- SNMP target ------------------------------------------------------------------------------


def target_for_olt(olt: Olt, settings: OltSnmpSettings) -> SnmpTarget:
    """The collector's view of one OLT's SNMP settings (secrets decrypted by the column type)."""
    options = olt.connection_options or {}
    return SnmpTarget(
        host=settings.host or olt.mgmt_host,
        port=settings.port,
        version=_text(settings.version),
        community=settings.community,
        v3_username=settings.v3_username,
        v3_auth_protocol=_text(settings.v3_auth_protocol),
        v3_auth_key=settings.v3_auth_key,
        v3_priv_protocol=_text(settings.v3_priv_protocol),
        v3_priv_key=settings.v3_priv_key,
        context_name=str(options.get(CONTEXT_OPTION, "")),
        timeout_s=settings.timeout_s,
        retries=settings.retries,
        max_repetitions=settings.max_repetitions,
        max_outstanding=settings.max_outstanding,
        max_requests_per_s=settings.max_requests_per_s,
        name=olt.name,
    )


def _text(value: Any) -> str:
    return str(getattr(value, "value", value))


# --- OID maps ---------------------------------------------------------------------------------


def list_oid_maps(
    session: Session, family: str | None = None, metric: str | None = None, enabled: bool | None = None
) -> list[SnmpOidMap]:
    stmt = select(SnmpOidMap).order_by(SnmpOidMap.vendor_family, SnmpOidMap.metric)
    if family is not None:
        stmt = stmt.where(SnmpOidMap.vendor_family == family)
    if metric is not None:
        stmt = stmt.where(SnmpOidMap.metric == metric)
    if enabled is not None:
        stmt = stmt.where(SnmpOidMap.enabled.is_(enabled))
    return list(session.execute(stmt).scalars())


def get_oid_map(session: Session, map_id: int, *, lock: bool = False) -> SnmpOidMap:
    return get_or_404(session, SnmpOidMap, map_id, "SNMP OID map", lock=lock)


def oid_map_etag(row: SnmpOidMap) -> str:
    """The map's ETag: changes with every saved change (`updated_at`)."""
    return etag("snmp_oid_map", row.id, row.updated_at.isoformat())


def oid_map_snapshot(row: SnmpOidMap) -> dict[str, Any]:
    return OidMapEntry.from_row(row).as_dict()


def default_for(family: str, metric: str) -> dict[str, Any] | None:
    for row in DEFAULT_OID_MAPS:
        if row["vendor_family"] == family and row["metric"] == metric:
            return dict(row)
    return None


def is_default(row: SnmpOidMap) -> bool:
    default = default_for(_text(row.vendor_family), _text(row.metric))
    return default is not None and OidMapEntry.from_dict(default) == OidMapEntry.from_row(row)


def update_oid_map(session: Session, map_id: int, changes: dict[str, Any], actor: str, *,
                   if_match: str | None = None, request_id: str | None = None) -> SnmpOidMap:
    """Apply `changes` (editable fields only) if the result passes validate_entry; audited.
    `if_match` (an ETag of `oid_map_etag`) refuses the change (PreconditionFailed) when the
    map was changed since."""
    row = get_oid_map(session, map_id, lock=True)
    check_if_match(if_match, oid_map_etag(row), f"SNMP OID map {map_id}")
    before = oid_map_snapshot(row)
    candidate = OidMapEntry.from_dict({**before, **_editable(changes)})
    problems = validate_entry(candidate)
    if problems:
        raise InvalidSettings(f"SNMP OID map {candidate.label}", problems)
    return _save_map(session, row, candidate, before, actor, "update", request_id)


def reset_oid_map(session: Session, map_id: int, actor: str, *,
                  if_match: str | None = None, request_id: str | None = None) -> SnmpOidMap:
    """Back to the shipped default row of DEFAULT_OID_MAPS; audited."""
    row = get_oid_map(session, map_id, lock=True)
    check_if_match(if_match, oid_map_etag(row), f"SNMP OID map {map_id}")
    before = oid_map_snapshot(row)
    default = default_for(before["vendor_family"], before["metric"])
    if default is None:
        raise NotFound(f"SNMP OID map {before['vendor_family']}/{before['metric']} has no shipped default")
    return _save_map(session, row, OidMapEntry.from_dict(default), before, actor, "reset", request_id)


def _editable(changes: dict[str, Any]) -> dict[str, Any]:
    unknown = sorted(set(changes) - set(EDITABLE_MAP_FIELDS))
    if unknown:
        raise InvalidSettings("SNMP OID map", [f"{name} cannot be changed" for name in unknown])
    return changes


def _save_map(
    session: Session, row: SnmpOidMap, entry: OidMapEntry, before: dict[str, Any], actor: str, action: str,
    request_id: str | None = None,
) -> SnmpOidMap:
    for name in EDITABLE_MAP_FIELDS:
        setattr(row, name, getattr(entry, name))
    session.flush()
    audit(session, actor, action, "snmp_oid_map", row.id, before, oid_map_snapshot(row), message=entry.label,
          request_id=request_id)
    session.refresh(row)
    return row


# --- per-OLT SNMP settings --------------------------------------------------------------------


@dataclass
class SnmpSettingsInput:
    """What PUT /olts/{id}/snmp accepts. A secret left as None keeps the stored one;
    an empty string clears it."""

    version: str = SnmpVersion.V2C.value
    enabled: bool = True
    host: str | None = None
    port: int = 161
    community: str | None = None
    v3_username: str | None = None
    v3_auth_protocol: str = SnmpAuthProtocol.NONE.value
    v3_auth_key: str | None = None
    v3_priv_protocol: str = SnmpPrivProtocol.NONE.value
    v3_priv_key: str | None = None
    timeout_s: float = 2.0
    retries: int = 1
    max_repetitions: int = 25
    max_outstanding: int = 4
    max_requests_per_s: float = 50.0
    status_poll_interval_s: int | None = None
    optical_poll_interval_s: int | None = None


_ENUM_FIELDS = ("version", "v3_auth_protocol", "v3_priv_protocol")
_PLAIN_FIELDS = (
    "enabled",
    "version",
    "host",
    "port",
    "v3_username",
    "v3_auth_protocol",
    "v3_priv_protocol",
    "timeout_s",
    "retries",
    "max_repetitions",
    "max_outstanding",
    "max_requests_per_s",
)


def get_olt(session: Session, olt_id: int) -> Olt:
    olt = session.get(Olt, olt_id)
    if olt is None:
        raise NotFound(f"OLT {olt_id} does not exist")
    return olt


def snmp_settings_view(olt: Olt) -> dict[str, Any]:
    """Settings as shown to operators: secrets reduced to has_* flags."""
    row = olt.snmp
    view: dict[str, Any] = {
        "olt_id": olt.id,
        "configured": row is not None,
        "status_poll_interval_s": olt.status_poll_interval_s,
        "optical_poll_interval_s": olt.optical_poll_interval_s,
    }
    shown = SnmpSettingsInput() if row is None else row
    for name in _PLAIN_FIELDS:
        view[name] = _text(getattr(shown, name)) if name in _ENUM_FIELDS else getattr(shown, name)
    for name in SECRET_FIELDS:
        view[f"has_{name.removeprefix('v3_')}"] = bool(row is not None and getattr(row, name))
    return view


def save_snmp_settings(session: Session, olt_id: int, data: SnmpSettingsInput, actor: str, *,
                       request_id: str | None = None) -> Olt:
    """Create or replace one OLT's SNMP settings after checking them as a whole; audited without secrets."""
    olt = get_olt(session, olt_id)
    before = snmp_settings_view(olt) if olt.snmp is not None else None
    row = olt.snmp or OltSnmpSettings(olt_id=olt.id)
    merged = _merged_secrets(row, data)
    problems = snmp_settings_problems(data, merged)
    if problems:
        raise InvalidSettings(f"SNMP settings of OLT {olt.name}", problems)
    for name in _PLAIN_FIELDS:
        setattr(row, name, getattr(data, name))
    for name, value in merged.items():
        setattr(row, name, value)
    if data.status_poll_interval_s is not None:
        olt.status_poll_interval_s = data.status_poll_interval_s
    if data.optical_poll_interval_s is not None:
        olt.optical_poll_interval_s = data.optical_poll_interval_s
    olt.snmp = row
    session.flush()
    session.refresh(olt)
    changed = [name for name in SECRET_FIELDS if getattr(data, name) is not None]
    message = f"changed: {', '.join(changed)}" if changed else ""
    audit(session, actor, "update", "olt_snmp", olt.id, before, snmp_settings_view(olt), message=message,
          request_id=request_id)
    return olt


def _merged_secrets(row: OltSnmpSettings, data: SnmpSettingsInput) -> dict[str, str | None]:
    merged = {}
    for name in SECRET_FIELDS:
        given = getattr(data, name)
        merged[name] = getattr(row, name, None) if given is None else (given or None)
    return merged


def snmp_settings_problems(data: SnmpSettingsInput, secrets: dict[str, str | None]) -> list[str]:
    """Everything wrong with a settings set, checked together with the secrets it would end up with."""
    problems = _enum_problems(data)
    if data.version == SnmpVersion.V2C.value and not secrets["community"]:
        problems.append("SNMP v2c needs a community")
    if data.version == SnmpVersion.V3.value:
        problems += _v3_problems(data, secrets)
    problems += _range_problems(data)
    return problems


def _enum_problems(data: SnmpSettingsInput) -> list[str]:
    problems = []
    for name, enum_cls in (
        ("version", SnmpVersion),
        ("v3_auth_protocol", SnmpAuthProtocol),
        ("v3_priv_protocol", SnmpPrivProtocol),
    ):
        allowed = [m.value for m in enum_cls]
        if getattr(data, name) not in allowed:
            problems.append(f"{name} {getattr(data, name)!r} is not one of {', '.join(allowed)}")
    return problems


def _v3_problems(data: SnmpSettingsInput, secrets: dict[str, str | None]) -> list[str]:
    problems = []
    if not data.v3_username:
        problems.append("SNMP v3 needs a user name (v3_username)")
    auth_on = data.v3_auth_protocol != SnmpAuthProtocol.NONE.value
    priv_on = data.v3_priv_protocol != SnmpPrivProtocol.NONE.value
    if priv_on and not auth_on:
        problems.append("SNMP v3 privacy (encryption) needs an authentication protocol too")
    for on, name in ((auth_on, "v3_auth_key"), (priv_on, "v3_priv_key")):
        key = secrets[name]
        if on and (not key or len(key) < MIN_KEY_CHARS):
            problems.append(f"{name} must be at least {MIN_KEY_CHARS} characters")
    return problems


def _range_problems(data: SnmpSettingsInput) -> list[str]:
    checks = [
        (1 <= data.port <= 65535, f"port {data.port} is not between 1 and 65535"),
        (data.timeout_s > 0, f"timeout_s must be above 0, got {data.timeout_s}"),
        (data.retries >= 0, f"retries must be 0 or more, got {data.retries}"),
        (1 <= data.max_repetitions <= 200, f"max_repetitions {data.max_repetitions} is not in 1..200"),
        (data.max_outstanding >= 1, f"max_outstanding must be at least 1, got {data.max_outstanding}"),
        (data.max_requests_per_s > 0, f"max_requests_per_s must be above 0, got {data.max_requests_per_s}"),
    ]
    problems = [message for ok, message in checks if not ok]
    for name, minimum in (
        ("status_poll_interval_s", MIN_STATUS_INTERVAL_S),
        ("optical_poll_interval_s", MIN_OPTICAL_INTERVAL_S),
    ):
        value = getattr(data, name)
        if value is not None and value < minimum:
            problems.append(f"{name} must be at least {minimum} s, got {value}")
    return problems


def run_snmp_test(target: SnmpTarget) -> dict[str, Any]:
    """collector.test_snmp in a loop of its own (called from a sync handler in the threadpool)."""

    async def probe() -> dict[str, Any]:
        try:
            return await test_snmp(target)
        finally:
            close_engine_for_loop()

    return asyncio.run(probe())
