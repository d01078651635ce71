"""Apply an OLT's autofind list to the database: upsert discovered ONUs, mark
those that disappeared, and hand pre-provisioned ONUs that showed up to
authorization. A fixed number of queries per OLT, whatever the list size."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select, true, update
from sqlalchemy.orm import Session

from oms.jobs import now
from oms.models import Olt, Onu, OnuLifecycle, OnuType, PonPort
from vendor_cli.base import AutofindOnu


@dataclass
class DiscoveryReport:
    olt_id: int
    found: int = 0
    new: list[str] = field(default_factory=list)
    disappeared: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)  # serial authorized elsewhere, seen unconfigured here
    ready_to_authorize: list[int] = field(default_factory=list)  # pre-provisioned ONU ids now seen


def apply_autofind(session: Session, olt_id: int, found: list[AutofindOnu]) -> DiscoveryReport:
    report = DiscoveryReport(olt_id=olt_id, found=len(found))
    olt = session.get_one(Olt, olt_id)
    ports = _ports_by_position(session, olt, found)
    known = {o.serial: o for o in session.execute(select(Onu).where(Onu.serial.in_([f.serial for f in found])))
             .scalars()}
    types = _types_by_equipment_id(session)
    seen_at = now()
    for item in found:
        port = ports[(item.frame, item.slot, item.port)]
        onu = known.get(item.serial)
        if onu is None:
            onu = Onu(serial=item.serial, lifecycle_state=OnuLifecycle.DISCOVERED, discovered_at=seen_at)
            session.add(onu)
            report.new.append(item.serial)
        elif onu.lifecycle_state in (OnuLifecycle.ACTIVE, OnuLifecycle.SUSPENDED) and onu.olt_id != olt_id:
            report.conflicts.append(f"{item.serial} is authorized on OLT {onu.olt_id} but unconfigured on {olt.name}")
            continue
        _update_seen(onu, item, olt_id, port, seen_at, types)
        if onu.lifecycle_state is OnuLifecycle.PREPROVISIONED and not onu.failure_reason:
            # (a failed automatic authorization waits for an operator's retry, not the next discovery)
            session.flush()
            report.ready_to_authorize.append(onu.id)
    report.disappeared = _mark_disappeared(session, olt_id, {f.serial for f in found}, seen_at)
    return report


def _update_seen(onu: Onu, item: AutofindOnu, olt_id: int, port: PonPort, seen_at: object,
                 types: dict[str, int]) -> None:
    onu.olt_id, onu.pon_port = olt_id, port
    onu.vendor_id = item.vendor_id or onu.vendor_id
    onu.equipment_id = item.equipment_id or onu.equipment_id
    onu.software_version = item.software_version or onu.software_version
    onu.last_seen_at, onu.missing_since = seen_at, None  # type: ignore[assignment]
    if onu.lifecycle_state is OnuLifecycle.REMOVED:
        onu.lifecycle_state = OnuLifecycle.DISCOVERED
    if onu.onu_type_id is None and item.equipment_id:
        onu.onu_type_id = types.get(item.equipment_id.upper())


def _ports_by_position(session: Session, olt: Olt, found: list[AutofindOnu]) -> dict[tuple[int, int, int], PonPort]:
    ports = {(p.frame, p.slot, p.port): p
             for p in session.execute(select(PonPort).where(PonPort.olt_id == olt.id)).scalars()}
    for item in found:  # a port the OLT reports but we did not know yet
        key = (item.frame, item.slot, item.port)
        if key not in ports:
            ports[key] = PonPort(olt_id=olt.id, frame=item.frame, slot=item.slot, port=item.port)
            session.add(ports[key])
    return ports


def _types_by_equipment_id(session: Session) -> dict[str, int]:
    mapping: dict[str, int] = {}
    for onu_type in session.execute(select(OnuType)).scalars():
        for equipment_id in onu_type.equipment_ids or []:
            mapping[equipment_id.upper()] = onu_type.id
        mapping.setdefault(onu_type.model.upper(), onu_type.id)
    return mapping


def _mark_disappeared(session: Session, olt_id: int, present: set[str], seen_at: object) -> list[str]:
    gone = session.execute(
        update(Onu)
        .where(Onu.olt_id == olt_id, Onu.lifecycle_state == OnuLifecycle.DISCOVERED,
               Onu.missing_since.is_(None), Onu.serial.not_in(present) if present else true())
        .values(missing_since=seen_at)
        .returning(Onu.serial)
    ).scalars()
    return sorted(gone)
