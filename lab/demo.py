"""`ponstack lab`: start simulated OLTs with unconfigured ONUs and register them,
so a new user sees discovery and authorization end to end in minutes."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from core.db import session_scope
from core.models import VendorFamily
from lab.base import Lab, SimulatedOlt
from lab.register import ensure_reference_data, new_sim, register_olt
from oms.models import Olt

SERIAL_PREFIX = {VendorFamily.HUAWEI_SMARTAX: "HWTC", VendorFamily.ZTE_C3XX: "ZTEG", VendorFamily.ZTE_C6XX: "ZTEG"}


@dataclass
class DemoOlt:
    name: str
    family: VendorFamily
    port: int
    onus: list[str]


def lab_serial(family: VendorFamily, olt_index: int, onu_index: int) -> str:
    return f"{SERIAL_PREFIX[family]}{(olt_index << 16 | onu_index | 0xA0000000):08X}"


def plug_demo_onus(sim: SimulatedOlt, family: VendorFamily, olt_index: int, count: int) -> list[str]:
    serials = []
    ports = sim.ports  # type: ignore[attr-defined]
    for i in range(count):
        serial = lab_serial(family, olt_index, i)
        sim.plug_onu(*ports[i % len(ports)], serial)  # type: ignore[attr-defined]
        serials.append(serial)
    return serials


def start_demo_lab(url: str, lab: Lab, olts_per_family: int = 1, onus_per_olt: int = 4,
                   latency_s: float = 0.05) -> list[DemoOlt]:
    """Start the simulators in `lab` and (re)register them in the database."""
    started = []
    for family_index, family in enumerate(VendorFamily):
        for n in range(olts_per_family):
            name = f"LAB-{family.value.upper().replace('_', '-')}-{n + 1}"
            sim = new_sim(family, name, latency_s=latency_s)
            port = lab.add(sim)
            serials = plug_demo_onus(sim, family, family_index * 100 + n, onus_per_olt)
            _register(url, sim, family, port)
            started.append(DemoOlt(name, family, port, serials))
    return started


def _register(url: str, sim: SimulatedOlt, family: VendorFamily, port: int) -> None:
    with session_scope(url) as session:
        ensure_reference_data(session)
        existing = session.execute(select(Olt).where(Olt.name == sim.name)).scalar_one_or_none()
        if existing is None:
            register_olt(session, sim, family, port)
        else:  # the simulator listens on a new port after each start
            existing.cli_port, existing.mgmt_host = port, "127.0.0.1"
