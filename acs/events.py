"""Device events from the ACS: each inform, reported by the GenieACS extension shipped in
`acs/genieacs_extension/`, or found by the fallback poll of `_lastInform`.

One statement per event: upsert the device, link it to its ONU by serial the first time,
and make that ONU's pending intents due now, so an ONU installed in the field configures
itself on first contact (what operators of Splynx-like systems expect).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import text
from sqlalchemy.orm import Session

from acs.genieacs import NbiDevice
from vendor_cli.serials import parse_serial

#: TR-069 inform event codes that mean the device (re)started or is new to the ACS
CONTACT_EVENTS = frozenset({"0 BOOTSTRAP", "1 BOOT"})


@dataclass(frozen=True)
class InformEvent:
    device_id: str
    serial: str  # DeviceID.SerialNumber as the CPE reports it (GPON ONTs often give the hex form)
    events: tuple[str, ...]
    at: datetime
    oui: str | None = None
    product_class: str | None = None


# Upsert the device, linked to the ONU with its serial when neither is linked yet, and make
# that ONU's pending intents due. (The sub-statements of one WITH see the same snapshot, so the
# link is decided inside the upsert itself.)
_INGEST = text("""
WITH onu AS (
    SELECT onus.id FROM onus
    WHERE onus.serial = :onu_serial
      AND NOT EXISTS (SELECT 1 FROM acs_devices d WHERE d.onu_id = onus.id AND d.device_id <> :device_id)
), device AS (
    INSERT INTO acs_devices (device_id, serial, oui, product_class, last_inform_at, last_events, informs,
                             onu_id, linked_at)
    VALUES (:device_id, :serial, :oui, :product_class, :at, CAST(:events AS jsonb), 1,
            (SELECT id FROM onu), CASE WHEN EXISTS (SELECT 1 FROM onu) THEN now() END)
    ON CONFLICT (device_id) DO UPDATE SET
        last_inform_at = GREATEST(acs_devices.last_inform_at, EXCLUDED.last_inform_at),
        last_events = EXCLUDED.last_events, informs = acs_devices.informs + 1,
        onu_id = COALESCE(acs_devices.onu_id, EXCLUDED.onu_id),
        linked_at = COALESCE(acs_devices.linked_at, EXCLUDED.linked_at)
    RETURNING onu_id, linked_at
), due AS (
    UPDATE acs_intents SET next_attempt_at = now(), device_id = :device_id
    WHERE status = 'pending' AND next_attempt_at > now() AND onu_id = (SELECT onu_id FROM device)
    RETURNING id
)
SELECT (SELECT count(*) FROM due) AS due,
       (SELECT count(*) FROM device WHERE linked_at = now()) AS linked
""")


@dataclass
class IngestReport:
    events: int = 0
    linked: int = 0
    intents_due: int = 0


def ingest(session: Session, events: Iterable[InformEvent]) -> IngestReport:
    report = IngestReport()
    for event in events:
        row = session.execute(_INGEST, {
            "device_id": event.device_id, "serial": event.serial[:64], "oui": event.oui,
            "product_class": event.product_class, "at": event.at, "events": _json_list(event.events),
            "onu_serial": parse_serial(event.serial) or event.serial.upper(),
        }).one()
        report.events += 1
        report.intents_due += row.due
        report.linked += row.linked
    return report


def _json_list(values: Iterable[str]) -> str:
    return json.dumps(list(values))


def polled_events(devices: Iterable[NbiDevice]) -> list[InformEvent]:
    """Events for the devices the `_lastInform` poll found (no event code is known that way)."""
    now = datetime.now(UTC)
    return [InformEvent(device_id=d.device_id, serial=d.serial, events=("poll",), at=d.last_inform or now,
                        oui=d.oui or None, product_class=d.product_class or None) for d in devices]
