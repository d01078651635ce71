"""Reference data the OMS provisions from: ONU types (with what each selects on every
vendor family) and zones. What ONUs or OLTs still use cannot be deleted (409)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Response
from pydantic import BaseModel, ConfigDict, Field, StrictBool
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from core.access import Permission, Principal, require
from core.audit import audit
from core.db import session_scope
from core.inputs import InputModel, LongText, NotBool
from core.models import VendorFamily
from oms import in_use
from oms.errors import Conflict, get_or_404
from oms.models import OnuType, OnuTypeOltMapping, Tr069DataModel, Zone
from vendor_cli.tokens import OneLine, OnuTypeName, ProfileName

#: a name shown to people (vendor, model, zone): one line
Label = Annotated[OneLine, Field(min_length=1, max_length=64)]

router = APIRouter(tags=["reference data"])


class OnuTypeMappingIn(InputModel):
    vendor_family: VendorFamily
    service_profile: ProfileName | None = Field(None, description="Huawei ONT service profile name")
    olt_onu_type: OnuTypeName | None = Field(None, description="ZTE OLT-side ONU type name")


class OnuTypeMappingOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    vendor_family: VendorFamily
    service_profile: str | None
    olt_onu_type: str | None


class OnuTypeIn(InputModel):
    vendor: Label
    model: Label
    eth_ports: Annotated[int, Field(ge=0, le=64), NotBool] = 1
    pots_ports: Annotated[int, Field(ge=0, le=16), NotBool] = 0
    wifi_24ghz: StrictBool = False
    wifi_5ghz: StrictBool = False
    catv: StrictBool = False
    tr069_data_model: Tr069DataModel = Tr069DataModel.TR098
    equipment_ids: list[OnuTypeName] = Field(default_factory=list, max_length=50,
                                             description="ids the OLT reports in autofind")
    olt_mappings: list[OnuTypeMappingIn] = Field(default_factory=list, max_length=10)


class OnuTypeOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    vendor: str
    model: str
    eth_ports: int
    pots_ports: int
    wifi_24ghz: bool
    wifi_5ghz: bool
    catv: bool
    tr069_data_model: Tr069DataModel
    equipment_ids: list[str]
    olt_mappings: list[OnuTypeMappingOut]


class ZoneIn(InputModel):
    name: Label
    description: LongText = ""


class ZoneOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    description: str


# --- ONU types --------------------------------------------------------------------------------


@router.get("/onu-types", response_model=list[OnuTypeOut])
def list_onu_types(who: Principal = require(Permission.SETTINGS_READ)) -> list[OnuTypeOut]:
    with session_scope() as session:
        rows = session.execute(
            select(OnuType).options(selectinload(OnuType.olt_mappings)).order_by(OnuType.vendor, OnuType.model)
        ).scalars()
        return [OnuTypeOut.model_validate(t) for t in rows]


@router.post("/onu-types", response_model=OnuTypeOut, status_code=201)
def create_onu_type(body: OnuTypeIn, who: Principal = require(Permission.SETTINGS_WRITE)) -> OnuTypeOut:
    with session_scope() as session:
        _check_type_free(session, body.vendor, body.model)
        onu_type = OnuType(**body.model_dump(exclude={"olt_mappings"}))
        onu_type.olt_mappings = [OnuTypeOltMapping(**m.model_dump()) for m in _one_per_family(body.olt_mappings)]
        session.add(onu_type)
        session.flush()
        audit(session, who.username, "create", "onu_type", onu_type.id, None, body.model_dump(mode="json"),
              request_id=who.request_id)
        return OnuTypeOut.model_validate(onu_type)


@router.put("/onu-types/{onu_type_id}", response_model=OnuTypeOut)
def replace_onu_type(
    onu_type_id: int, body: OnuTypeIn, who: Principal = require(Permission.SETTINGS_WRITE)
) -> OnuTypeOut:
    with session_scope() as session:
        onu_type = _onu_type(session, onu_type_id)
        before = OnuTypeOut.model_validate(onu_type).model_dump(mode="json")
        if (body.vendor, body.model) != (onu_type.vendor, onu_type.model):
            _check_type_free(session, body.vendor, body.model)
        for key, value in body.model_dump(exclude={"olt_mappings"}).items():
            setattr(onu_type, key, value)
        wanted = {m.vendor_family: m for m in _one_per_family(body.olt_mappings)}
        for mapping in list(onu_type.olt_mappings):
            if mapping.vendor_family not in wanted:
                onu_type.olt_mappings.remove(mapping)
        existing = {m.vendor_family: m for m in onu_type.olt_mappings}
        for family, mapping_in in wanted.items():
            if family in existing:
                existing[family].service_profile = mapping_in.service_profile
                existing[family].olt_onu_type = mapping_in.olt_onu_type
            else:
                onu_type.olt_mappings.append(OnuTypeOltMapping(**mapping_in.model_dump()))
        session.flush()
        after = OnuTypeOut.model_validate(onu_type)
        audit(session, who.username, "update", "onu_type", onu_type.id, before, after.model_dump(mode="json"),
              request_id=who.request_id)
        return after


@router.delete("/onu-types/{onu_type_id}", status_code=204)
def delete_onu_type(onu_type_id: int, who: Principal = require(Permission.SETTINGS_WRITE)) -> Response:
    with session_scope() as session:
        onu_type = _onu_type(session, onu_type_id)
        in_use.check_onu_type_unused(session, onu_type.id, f"{onu_type.vendor} {onu_type.model}", who)
        audit(session, who.username, "delete", "onu_type", onu_type.id,
              OnuTypeOut.model_validate(onu_type).model_dump(mode="json"), None, request_id=who.request_id)
        session.delete(onu_type)
    return Response(status_code=204)


def _onu_type(session: Session, onu_type_id: int) -> OnuType:
    return get_or_404(session, OnuType, onu_type_id, "ONU type")


def _check_type_free(session: Session, vendor: str, model: str) -> None:
    if session.execute(select(OnuType.id).where(OnuType.vendor == vendor, OnuType.model == model)).first():
        raise Conflict(f"ONU type {vendor} {model} already exists")


def _one_per_family(mappings: list[OnuTypeMappingIn]) -> list[OnuTypeMappingIn]:
    families = [m.vendor_family for m in mappings]
    if len(set(families)) != len(families):
        raise Conflict("one mapping per vendor family")
    return mappings


# --- zones ------------------------------------------------------------------------------------


@router.get("/zones", response_model=list[ZoneOut])
def list_zones(who: Principal = require(Permission.SETTINGS_READ)) -> list[ZoneOut]:
    with session_scope() as session:
        return [ZoneOut.model_validate(z) for z in session.execute(select(Zone).order_by(Zone.name)).scalars()]


@router.post("/zones", response_model=ZoneOut, status_code=201)
def create_zone(body: ZoneIn, who: Principal = require(Permission.SETTINGS_WRITE)) -> ZoneOut:
    with session_scope() as session:
        if session.execute(select(Zone.id).where(Zone.name == body.name)).first():
            raise Conflict(f"zone {body.name!r} already exists")
        zone = Zone(**body.model_dump())
        session.add(zone)
        session.flush()
        audit(session, who.username, "create", "zone", zone.id, None, body.model_dump(), request_id=who.request_id)
        return ZoneOut.model_validate(zone)


@router.delete("/zones/{zone_id}", status_code=204)
def delete_zone(zone_id: int, who: Principal = require(Permission.SETTINGS_WRITE)) -> Response:
    with session_scope() as session:
        zone = get_or_404(session, Zone, zone_id, "zone")
        in_use.check_zone_unused(session, zone.id, zone.name, who)
        if zone.sites:
            raise Conflict(f"zone {zone.name!r} has {len(zone.sites)} site(s): delete them first")
        before: dict[str, Any] = ZoneOut.model_validate(zone).model_dump()
        audit(session, who.username, "delete", "zone", zone.id, before, None, request_id=who.request_id)
        session.delete(zone)
    return Response(status_code=204)
