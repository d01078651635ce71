"""`ponstack lab`: start simulated OLTs with unconfigured ONUs and register them,
so a new user sees discovery, authorization and monitoring end to end in minutes.

Each simulated OLT answers SSH (its own port) and SNMP v2c (one shared snmpsim
agent, community = the OLT's recording name, see lab.snmp_lab). A GenieACS NBI emulator
(lab.genieacs) holds one emulated CPE per lab ONU and becomes the platform's ACS, so a
Wi-Fi change goes from intent to applied."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select, update

from acs.models import AcsSettings
from core.db import session_scope
from core.models import VendorFamily
from lab.base import Lab, SimulatedOlt
from lab.genieacs.server import EmulatorHandle, start_emulator
from lab.register import ensure_reference_data, new_sim, register_olt
from lab.snmp_lab import SnmpLab, ensure_oid_maps, register_snmp
from oms.models import Olt
from vendor_cli.serials import serial_hex

SERIAL_PREFIX = {
    VendorFamily.HUAWEI_SMARTAX: "HWTC",
    VendorFamily.ZTE_C3XX: "ZTEG",
    VendorFamily.ZTE_C6XX: "ZTEG",
}


@dataclass
class DemoOlt:
    name: str
    family: VendorFamily
    port: int
    onus: list[str]
    snmp_port: int | None = None
    community: str | None = None


class DemoOlts(list[DemoOlt]):
    """The started OLTs, plus the SNMP lab serving them (None when started without SNMP)."""

    def __init__(self, olts: list[DemoOlt], snmp: SnmpLab | None) -> None:
        super().__init__(olts)
        self.snmp = snmp

    def close(self) -> None:
        """Stop the SNMP agent and its watcher thread (the SSH Lab is closed by its owner)."""
        if self.snmp is not None:
            self.snmp.close()


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


def start_demo_lab(
    url: str,
    lab: Lab,
    olts_per_family: int = 1,
    onus_per_olt: int = 4,
    latency_s: float = 0.05,
    snmp: bool = True,
    snmp_interval_s: float = 2.0,
) -> DemoOlts:
    """Start the simulators in `lab` and (re)register them in the database.

    With `snmp`, also start one snmpsim agent for all of them and register their SNMP
    settings; call `.close()` on the result to stop it (it is also stopped at exit).
    """
    snmp_lab = SnmpLab(interval_s=snmp_interval_s) if snmp else None
    started = []
    try:
        for family_index, family in enumerate(VendorFamily):
            for n in range(olts_per_family):
                started.append(_start_one(url, lab, snmp_lab, family, family_index * 100 + n, n + 1,
                                          onus_per_olt, latency_s))
        if snmp_lab is not None and started:
            snmp_lab.start()
    except BaseException:
        if snmp_lab is not None:
            snmp_lab.close()
        raise
    return DemoOlts(started, snmp_lab)


def _start_one(url: str, lab: Lab, snmp_lab: SnmpLab | None, family: VendorFamily, olt_index: int,
               number: int, onus_per_olt: int, latency_s: float) -> DemoOlt:
    name = f"LAB-{family.value.upper().replace('_', '-')}-{number}"
    sim = new_sim(family, name, latency_s=latency_s)
    port = lab.add(sim)
    serials = plug_demo_onus(sim, family, olt_index, onus_per_olt)
    community = snmp_lab.add(sim, family) if snmp_lab is not None else None
    _register(url, sim, family, port, snmp_lab, community)
    return DemoOlt(name, family, port, serials, snmp_lab.port if snmp_lab else None, community)


def _register(url: str, sim: SimulatedOlt, family: VendorFamily, port: int,
              snmp_lab: SnmpLab | None = None, community: str | None = None) -> None:
    with session_scope(url) as session:
        ensure_reference_data(session)
        olt = session.execute(select(Olt).where(Olt.name == sim.name)).scalar_one_or_none()
        if olt is None:
            olt = register_olt(session, sim, family, port)
        else:  # the simulator listens on a new port after each start
            olt.cli_port, olt.mgmt_host = port, "127.0.0.1"
        if snmp_lab is not None and community is not None:
            ensure_oid_maps(session, family)
            register_snmp(session, olt, snmp_lab.host, snmp_lab.port, community)


#: the emulated CPE behind each lab ONU: Huawei ONTs report their serial in hex (as the EG8145V5
#: tree does), ZTE ones as text
CPE_MODEL = {
    VendorFamily.HUAWEI_SMARTAX: "EG8145V5",
    VendorFamily.ZTE_C3XX: "H199A",
    VendorFamily.ZTE_C6XX: "H199A",
}


def start_acs_lab(url: str, olts: list[DemoOlt], inform_interval_s: float = 60.0) -> EmulatorHandle:
    """The GenieACS NBI emulator with one CPE per lab ONU, made the ACS of this database."""
    acs = start_emulator(inform_interval=inform_interval_s)
    for olt in olts:
        for serial in olt.onus:
            cpe_serial = serial_hex(serial) if olt.family is VendorFamily.HUAWEI_SMARTAX else serial
            acs.add_device(cpe_serial, model=CPE_MODEL[olt.family])
    with session_scope(url) as session:
        session.execute(update(AcsSettings).where(AcsSettings.id == 1).values(nbi_url=acs.url))
    return acs


class DemoLab:
    """A running demo: the SSH lab, its SNMP agent and the ACS emulator. `close()` stops them."""

    def __init__(self, lab: Lab, olts: DemoOlts, acs: EmulatorHandle | None = None) -> None:
        self.lab = lab
        self.olts = olts
        self.acs = acs

    @classmethod
    def start(cls, url: str, olts_per_family: int = 1, onus_per_olt: int = 4, latency_s: float = 0.05,
              snmp: bool = True, acs: bool = True) -> DemoLab:
        lab = Lab()
        olts: DemoOlts | None = None
        try:
            olts = start_demo_lab(url, lab, olts_per_family, onus_per_olt, latency_s, snmp)
            return cls(lab, olts, start_acs_lab(url, olts) if acs else None)
        except BaseException:
            if olts is not None:
                olts.close()
            lab.close()
            raise

    def close(self) -> None:
        if self.acs is not None:
            self.acs.stop()
        self.olts.close()
        self.lab.close()
