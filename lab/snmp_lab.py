"""SNMP for the demo lab: one snmpsim agent serving a recording per simulated OLT,
kept in step with the simulators by a watcher thread, and the OLTs' SNMP settings
registered so the scheduler polls them like real OLTs.

The recording of an OLT is its v2c community. A simulator's state changes
through its CLI (authorize, remove...); the watcher compares each snapshot()
with the one last published every `interval_s` and republishes on change.
"""

from __future__ import annotations

import atexit
import logging
import re
import threading
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.models import VendorFamily
from lab.base import SimulatedOlt
from lab.snmp import SnmpAgent
from oms.models import Olt, OltSnmpSettings, SnmpOidMap, SnmpVersion
from oms.monitoring.oid_defaults import default_maps_for

log = logging.getLogger("ponstack.lab.snmp")


def community_for(name: str) -> str:
    """A recording (and community) name for an OLT name: lower case letters, digits and dashes."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


@dataclass
class _Published:
    sim: SimulatedOlt
    family: str
    snapshot: dict[str, Any]


class SnmpLab:
    """An snmpsim agent on 127.0.0.1 with one recording per added simulator."""

    def __init__(self, interval_s: float = 2.0, agent: SnmpAgent | None = None) -> None:
        self.agent = agent or SnmpAgent()
        self.interval_s = interval_s
        self.published: dict[str, _Published] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._watcher: threading.Thread | None = None
        self._closed = False

    @property
    def host(self) -> str:
        return self.agent.host

    @property
    def port(self) -> int:
        return self.agent.port

    def add(self, sim: SimulatedOlt, family: VendorFamily | str, community: str | None = None) -> str:
        """Publish `sim`'s recording; returns its community."""
        community = community or community_for(sim.name)
        family_name = str(getattr(family, "value", family))
        with self._lock:
            snapshot = sim.snapshot()
            self.agent.publish(community, snapshot, family_name)
            self.published[community] = _Published(sim, family_name, snapshot)
        return community

    def start(self) -> SnmpLab:
        """Start the agent (at least one simulator must be added) and the watcher thread."""
        self.agent.start()
        atexit.register(self.close)  # the agent runs in its own session: never leave it behind
        self._watcher = threading.Thread(target=self._watch, name="ponstack-lab-snmp", daemon=True)
        self._watcher.start()
        return self

    def refresh(self) -> list[str]:
        """Republish the recordings whose simulator changed; returns their communities."""
        changed = []
        with self._lock:
            for community, published in self.published.items():
                snapshot = published.sim.snapshot()
                if snapshot != published.snapshot:
                    self.agent.publish(community, snapshot, published.family)
                    published.snapshot = snapshot
                    changed.append(community)
        return changed

    def _watch(self) -> None:
        while not self._stop.wait(self.interval_s):
            try:
                self.refresh()
            except Exception:  # a broken snapshot must not end the watcher for the other OLTs
                log.exception("lab SNMP: republishing a recording failed")

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._stop.set()
        if self._watcher is not None:
            self._watcher.join(timeout=10)
        self.agent.stop()
        atexit.unregister(self.close)

    def __enter__(self) -> SnmpLab:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def ensure_oid_maps(session: Session, family: VendorFamily | str) -> int:
    """Insert the shipped OID maps of `family` when the table has none for it; returns rows added."""
    family_name = str(getattr(family, "value", family))
    present = session.execute(
        select(func.count()).select_from(SnmpOidMap).where(SnmpOidMap.vendor_family == family_name)
    ).scalar_one()
    if present:
        return 0
    rows = default_maps_for(family_name)
    session.add_all(SnmpOidMap(**row) for row in rows)
    session.flush()
    return len(rows)


def register_snmp(session: Session, olt: Olt, host: str, port: int, community: str) -> OltSnmpSettings:
    """Point the OLT's SNMP settings at a lab agent (v2c, generous limits for a local agent)."""
    settings = olt.snmp or OltSnmpSettings(olt_id=olt.id)
    settings.enabled = True
    settings.version = SnmpVersion.V2C
    settings.host, settings.port, settings.community = host, port, community
    settings.timeout_s, settings.retries = 1.0, 1
    olt.snmp = settings
    session.flush()
    return settings
