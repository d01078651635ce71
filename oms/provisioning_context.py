"""Build the template context for an ONU action from the database.

OMCI-related parameters are never typed per ONU: they follow from the ONU
type (port layout / OLT-side type), the service plan's OLT profiles (bandwidth,
VLANs) and the profiles that exist on the ONU's OLT. Anything missing is reported
as ProvisioningDataMissing naming what to fix, before any device is touched.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.models import VendorFamily
from core.system_settings import get_settings_map
from oms.errors import ProvisioningDataMissing
from oms.models import Olt, OltProfile, OltProfileKind, Onu, OnuTypeOltMapping, PlanOltProfile, PonPort
from oms.service import OnuService, plan_name, service_of, tr069_management
from vendor_cli.base import VendorDriver
from vendor_cli.registry import get_driver
from vendor_cli.render import cli_safe
from vendor_cli.serials import serial_hex

#: what the ONU type and plan give (None in a lenient context when they are missing)
UNKNOWN_WHEN_LENIENT = (
    "onu_type", "service_profile", "service_profile_id", "line_profile", "line_profile_id", "tcont_profile",
    "traffic_profile_up", "traffic_profile_down", "gemport", "user_vlan", "service_vlan",
)
#: context keys whose values are secrets: pushed as they are, redacted in every record
SECRET_PATHS = (("pppoe", "password"), ("tr069", "password"))


def cached(cache: dict[Any, Any] | None, key: Any, load: Callable[[], Any]) -> Any:
    """Reference data (profiles, mappings, settings) read once per run when a cache is given."""
    if cache is None:
        return load()
    if key not in cache:
        cache[key] = load()
    return cache[key]


def build_context(
    session: Session, onu: Onu, action: str, port: PonPort | None = None, onu_id: int | None = None,
    cache: dict[Any, Any] | None = None, lenient: bool = False,
) -> dict[str, Any]:
    """Context for `action` on `onu`; `port`/`onu_id` override the stored position
    (authorization picks them before the ONU row holds them). A bulk run passes a
    `cache` so the reference data of its OLT is read once, not once per ONU.
    `lenient` leaves what the ONU type and plan give empty when they are missing (an
    undo must work for an ONU whose plan or type is unknown)."""
    port = port or onu.pon_port
    if port is None:
        raise ProvisioningDataMissing(f"ONU {onu.serial} has no PON port yet (not discovered)")
    olt = port.olt
    family = olt.family
    driver = get_driver(family)
    service = service_of(session, onu, cached(cache, "plan names", dict))
    context: dict[str, Any] = {
        "olt": {"name": olt.name, "model": olt.model, "family": family.value},
        "frame": port.frame,
        "slot": port.slot,
        "port": port.port,
        "onu_id": onu.onu_index if onu_id is None else onu_id,
        "serial": onu.serial,
        "serial_hex": serial_hex(onu.serial),
        **onu_labels(driver, onu.name, onu.description, onu.serial),
        "service_port_index": onu.desired.get("service_port_index"),
        "new": None,
    }
    try:
        type_key = ("type", onu.onu_type_id, olt.id)
        context.update(cached(cache, type_key, lambda: _type_params(session, onu, olt, family)))
        vlans = (onu.desired.get("user_vlan"), onu.desired.get("service_vlan"))
        plan_key = ("plan", service.plan_id, vlans, olt.id)
        context.update(cached(cache, plan_key, lambda: _plan_params(session, onu, service, olt, family)))
    except ProvisioningDataMissing:
        if not lenient:
            raise
        context.update({key: context.get(key) for key in UNKNOWN_WHEN_LENIENT})
    context["tr069"] = cached(cache, "tr069", lambda: tr069_management(session))
    context["pppoe"] = _pppoe_params(service)
    return context


def plan_context(session: Session, onu: Onu, plan_id: int, cache: dict[Any, Any] | None = None) -> dict[str, Any]:
    """What `plan_id` gives the ONU's commands (profiles, VLANs, PPPoE), in place of its
    current plan's: a plan change renders the ONU's configuration with it."""
    port = onu.pon_port
    if port is None:
        raise ProvisioningDataMissing(f"ONU {onu.serial} has no PON port yet (not discovered)")
    current = service_of(session, onu, cached(cache, "plan names", dict))
    name = plan_name(session, plan_id)
    if name is None:
        raise ProvisioningDataMissing(f"service plan {plan_id} does not exist")
    service = replace(current, plan_id=plan_id, plan_name=name)
    return {**_plan_params(session, onu, service, port.olt, port.olt.family), "pppoe": _pppoe_params(service)}


def onu_labels(driver: VendorDriver, name: str | None, description: str | None, serial: str) -> dict[str, str]:
    """`name` and `description` as the family's CLI can carry them (e.g. no spaces in a ZTE name)."""
    name = cli_safe(name or serial)
    return {
        "name": driver.cli_name(name),
        "description": driver.cli_description(cli_safe(description or name)),
    }


def secrets_of(context: dict[str, Any]) -> list[str]:
    found = []
    for section, key in SECRET_PATHS:
        values = context.get(section) or {}
        if isinstance(values, dict) and values.get(key):
            found.append(str(values[key]))
    return found


def _type_params(session: Session, onu: Onu, olt: Olt, family: VendorFamily) -> dict[str, Any]:
    if onu.onu_type is None:
        raise ProvisioningDataMissing(
            f"ONU {onu.serial} has no ONU type (equipment id {onu.equipment_id or 'unknown'} matches none); "
            "set onu_type_id"
        )
    mapping = session.execute(
        select(OnuTypeOltMapping).where(
            OnuTypeOltMapping.onu_type_id == onu.onu_type.id, OnuTypeOltMapping.vendor_family == family
        )
    ).scalar_one_or_none()
    if mapping is None:
        raise ProvisioningDataMissing(
            f"ONU type {onu.onu_type.vendor} {onu.onu_type.model} has no mapping for {family.value} OLTs"
        )
    params: dict[str, Any] = {"onu_type": mapping.olt_onu_type, "service_profile": mapping.service_profile}
    params["service_profile_id"] = (
        _profile_id(session, olt, OltProfileKind.SERVICE, mapping.service_profile)
        if mapping.service_profile
        else None
    )
    return params


def _plan_params(session: Session, onu: Onu, service: OnuService, olt: Olt, family: VendorFamily) -> dict[str, Any]:
    if service.plan_id is None:
        raise ProvisioningDataMissing(
            f"ONU {onu.serial} has no service plan: link a subscription or give plan_id when pre-provisioning"
        )
    profile = session.execute(
        select(PlanOltProfile).where(PlanOltProfile.plan_id == service.plan_id, PlanOltProfile.vendor_family == family)
    ).scalar_one_or_none()
    if profile is None:
        raise ProvisioningDataMissing(
            f"service plan {service.plan_name!r} has no profile mapping for {family.value} OLTs"
        )
    for kind, name in (
        (OltProfileKind.TCONT, profile.tcont_profile),
        (OltProfileKind.TRAFFIC, profile.traffic_profile_up),
        (OltProfileKind.TRAFFIC, profile.traffic_profile_down),
    ):
        if name:  # ZTE names them directly in the commands: they must exist on this OLT
            _profile_id(session, olt, kind, name)
    defaults = get_settings_map(session, "provisioning.")
    user_vlan = onu.desired.get("user_vlan") or profile.user_vlan or defaults.get("provisioning.default_user_vlan")
    return {
        "line_profile": profile.line_profile,
        "line_profile_id": (
            _profile_id(session, olt, OltProfileKind.LINE, profile.line_profile) if profile.line_profile else None
        ),
        "tcont_profile": profile.tcont_profile,
        "traffic_profile_up": profile.traffic_profile_up,
        "traffic_profile_down": profile.traffic_profile_down,
        "gemport": profile.gemport or 1,
        "user_vlan": user_vlan,
        "service_vlan": onu.desired.get("service_vlan") or profile.service_vlan or user_vlan,
    }


def _profile_id(session: Session, olt: Olt, kind: OltProfileKind, name: str) -> int | None:
    row = session.execute(
        select(OltProfile).where(OltProfile.olt_id == olt.id, OltProfile.kind == kind, OltProfile.name == name)
    ).scalar_one_or_none()
    if row is None:
        raise ProvisioningDataMissing(f"{kind.value} profile {name!r} does not exist on OLT {olt.name}")
    return row.profile_id


def _pppoe_params(service: OnuService) -> dict[str, Any] | None:
    if not service.pppoe_username:
        return None
    return {"username": cli_safe(service.pppoe_username), "password": cli_safe(service.pppoe_password or "")}
