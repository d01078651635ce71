"""Register simulated OLTs in the database with the reference data a demo needs:
ONU types with their per-vendor mappings, a service plan mapped to OLT profiles,
and those profiles on each OLT. Tests, `ponstack lab` and benchmarks share it."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.models import Vendor, VendorFamily
from crm.models import ServicePlan
from lab import profiles
from lab.base import Faults, SimulatedOlt
from lab.huawei import HuaweiMa5800
from lab.zte_c320 import ZteC320
from lab.zte_c600 import ZteC600
from oms.models import (
    CliTransport,
    Olt,
    OltProfile,
    OltProfileKind,
    OnuType,
    OnuTypeOltMapping,
    PlanOltProfile,
    PonPort,
)


@dataclass(frozen=True)
class LabModel:
    sim: type[SimulatedOlt]
    model: str
    vendor: str


LAB_MODELS = {
    VendorFamily.HUAWEI_SMARTAX: LabModel(HuaweiMa5800, "MA5800-X7", "huawei"),
    VendorFamily.ZTE_C3XX: LabModel(ZteC320, "C320", "zte"),
    VendorFamily.ZTE_C6XX: LabModel(ZteC600, "C600", "zte"),
}

DEMO_PLAN = "FTTH 100M"
# OLT profiles the demo plan and ONU types select (as an ISP would have created them on its OLTs).
HUAWEI_PROFILES = [(OltProfileKind.LINE, name, pid) for pid, name in profiles.HUAWEI_LINE_PROFILES.items()] + [
    (OltProfileKind.SERVICE, name, pid) for pid, name in profiles.HUAWEI_SERVICE_PROFILES.items()]
ZTE_PROFILES = [(OltProfileKind.TCONT, name, None) for name in sorted(profiles.ZTE_TCONT_PROFILES)] + [
    (OltProfileKind.TRAFFIC, name, None) for name in sorted(profiles.ZTE_TRAFFIC_PROFILES)]
ONU_TYPES = [
    # vendor, model, equipment ids seen in autofind, Huawei service profile, ZTE OLT-side type
    ("Huawei", "EG8145V5", ["EG8145V5"], "SRV-ROUTER-4ETH", "HG8245H"),
    ("ZTE", "F660", ["F660"], "SRV-ROUTER-4ETH", "ZTE-F660"),
    ("ZTE", "F670L", ["F670LV9.0", "F670L"], "SRV-ROUTER-4ETH", "ZTE-F670L"),
]


def new_sim(family: VendorFamily, name: str, latency_s: float = 0.0, **kwargs: object) -> SimulatedOlt:
    return LAB_MODELS[family].sim(name, faults=Faults(latency_s=latency_s), **kwargs)  # type: ignore[call-arg]


def ensure_reference_data(session: Session) -> ServicePlan:
    """ONU types, their mappings and the demo plan (idempotent)."""
    for vendor, model, equipment_ids, srv_profile, zte_type in ONU_TYPES:
        onu_type = session.execute(
            select(OnuType).where(OnuType.vendor == vendor, OnuType.model == model)
        ).scalar_one_or_none()
        if onu_type is None:
            onu_type = OnuType(vendor=vendor, model=model, eth_ports=4, pots_ports=1, wifi_24ghz=True,
                               equipment_ids=equipment_ids)
            onu_type.olt_mappings = [
                OnuTypeOltMapping(vendor_family=VendorFamily.HUAWEI_SMARTAX, service_profile=srv_profile),
                OnuTypeOltMapping(vendor_family=VendorFamily.ZTE_C3XX, olt_onu_type=zte_type),
                OnuTypeOltMapping(vendor_family=VendorFamily.ZTE_C6XX, olt_onu_type=zte_type),
            ]
            session.add(onu_type)
    plan = session.execute(select(ServicePlan).where(ServicePlan.name == DEMO_PLAN)).scalar_one_or_none()
    if plan is None:
        plan = ServicePlan(name=DEMO_PLAN, download_kbps=100_000, upload_kbps=50_000, price=Decimal("25.00"))
        plan.profiles = [
            PlanOltProfile(vendor_family=VendorFamily.HUAWEI_SMARTAX, line_profile="LINE-100M",
                               user_vlan=100, service_vlan=100, gemport=1),
            PlanOltProfile(vendor_family=VendorFamily.ZTE_C3XX, tcont_profile="T-100M",
                               traffic_profile_down="TR-100M", user_vlan=100, service_vlan=100, gemport=1),
            PlanOltProfile(vendor_family=VendorFamily.ZTE_C6XX, tcont_profile="T-100M",
                               traffic_profile_down="TR-100M", user_vlan=100, service_vlan=100, gemport=1),
        ]
        session.add(plan)
    session.flush()
    return plan


def register_olt(session: Session, sim: SimulatedOlt, family: VendorFamily, cli_port: int,
                 host: str = "127.0.0.1") -> Olt:
    """Create the OLT row for a running simulator, with its PON ports and profiles."""
    lab_model = LAB_MODELS[family]
    vendor = session.execute(select(Vendor).where(Vendor.slug == lab_model.vendor)).scalar_one()
    olt = Olt(name=sim.name, vendor_id=vendor.id, family=family, model=lab_model.model, mgmt_host=host,
              cli_transport=CliTransport.SSH, cli_port=cli_port, username=sim.username, password=sim.password,
              description="simulated OLT (ponstack lab)")
    olt.pon_ports = [PonPort(frame=f, slot=s, port=p, max_onus=sim.max_onus_per_port)  # type: ignore[attr-defined]
                     for f, s, p in sim.ports]  # type: ignore[attr-defined]
    known = HUAWEI_PROFILES if family is VendorFamily.HUAWEI_SMARTAX else ZTE_PROFILES
    olt.profiles = [OltProfile(kind=kind, name=name, profile_id=pid) for kind, name, pid in known]
    session.add(olt)
    session.flush()
    return olt
