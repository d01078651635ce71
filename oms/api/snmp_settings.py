"""System Settings for SNMP monitoring: the OID maps (validated on save, audited, resettable
to the shipped default) and each OLT's SNMP credentials (write-only secrets) with a live test.

An OID map read answers its `ETag`; a change may send it back as `If-Match` and is refused
(412, nothing saved) when the map was changed meanwhile. The SNMP settings of an OLT outside
a restricted principal's scope answer 404, like an OLT that does not exist.

Handlers are plain `def` (FastAPI's threadpool); the SNMP test runs its own event loop there.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Response
from pydantic import BaseModel, Field, StrictBool, StringConstraints

from core.access import Permission, Principal, require
from core.db import session_scope
from core.inputs import Finite, InputModel, Int4, PlainValue
from core.models import VendorFamily
from oms.errors import Conflict
from oms.models import Olt, SnmpAuthProtocol, SnmpMetric, SnmpOidMap, SnmpPrivProtocol, SnmpVersion
from oms.monitoring import settings as service
from oms.schemas import HostName, PollInterval
from oms.scope import get_visible

router = APIRouter(tags=["system settings", "monitoring"])


# --- OID maps ---------------------------------------------------------------------------------


class OidMapFields(BaseModel):
    # Loose types on purpose: validate_entry judges the values and reports every problem at once.
    poll_class: str
    oid: str
    index_format: str
    value_type: str
    scale: float
    offset: float
    sentinels: list[Any]
    value_map: dict[str, Any]
    valid_min: float | None
    valid_max: float | None
    source: str
    enabled: bool


class OidMapOut(OidMapFields):
    id: int
    vendor_family: VendorFamily
    metric: SnmpMetric
    updated_at: datetime
    modified: bool  # differs from the shipped default


class OidMapDetail(OidMapOut):
    default: dict[str, Any] | None  # the shipped default row, for comparing and resetting


#: a short setting word (poll class, index format, value type); validate_entry says if it is known
Word = Annotated[str, StringConstraints(max_length=64)]
#: a raw SNMP value as the agent sends it (integer, text) or its meaning
RawValue = PlainValue
ONE_LINE = r"^[^\x00-\x1f\x7f]*$"
#: a community or USM key: one line (an empty string clears the stored one)
SnmpSecret = Annotated[str, StringConstraints(max_length=128, pattern=ONE_LINE)]


class OidMapUpdate(InputModel):
    """Only the fields sent are changed; unknown field names are refused (a typo must not pass silently).
    Types are only as strict as the JSON shape needs: validate_entry judges the values and reports
    every problem at once."""

    poll_class: Word | None = None
    oid: Annotated[str, StringConstraints(max_length=200)] | None = None
    index_format: Word | None = None
    value_type: Word | None = None
    scale: Finite | None = None
    offset: Finite | None = None
    sentinels: list[RawValue] | None = Field(None, max_length=50)
    value_map: dict[Annotated[str, StringConstraints(max_length=64)], RawValue] | None = Field(None, max_length=200)
    valid_min: Finite | None = None
    valid_max: Finite | None = None
    source: str | None = Field(None, max_length=4000)
    enabled: StrictBool | None = None


NULLABLE_MAP_FIELDS = {"valid_min", "valid_max"}
#: the optional precondition of a change: the ETag the client read
IfMatch = Annotated[str | None, Header(
    alias="If-Match", max_length=1000,
    description="the ETag of the map you read: refused (412) when the map changed since")]
WITH_ETAG: dict[int | str, dict[str, Any]] = {
    200: {"headers": {"ETag": {"description": "the map's version, for If-Match", "schema": {"type": "string"}}}}
}
STALE: dict[int | str, dict[str, Any]] = {
    **WITH_ETAG, 412: {"description": "If-Match names another version: read the map again"}
}


class OidMapFilter(InputModel):
    """GET /settings/snmp-oid-maps (every map, by family and metric; unknown parameters refused)."""

    family: VendorFamily | None = None
    metric: SnmpMetric | None = None
    enabled: bool | None = None


@router.get("/settings/snmp-oid-maps", response_model=list[OidMapOut])
def list_oid_maps(
    query: Annotated[OidMapFilter, Query()], who: Principal = require(Permission.SETTINGS_READ)
) -> list[OidMapOut]:
    with session_scope() as session:
        rows = service.list_oid_maps(session, query.family, query.metric, query.enabled)
        return [_map_out(row) for row in rows]


@router.get("/settings/snmp-oid-maps/{map_id}", response_model=OidMapDetail, responses=WITH_ETAG)
def get_oid_map(map_id: int, response: Response, who: Principal = require(Permission.SETTINGS_READ)) -> OidMapDetail:
    with session_scope() as session:
        return _map_detail(service.get_oid_map(session, map_id), response)


@router.put("/settings/snmp-oid-maps/{map_id}", response_model=OidMapDetail, responses=STALE)
def update_oid_map(
    map_id: int, body: OidMapUpdate, response: Response, if_match: IfMatch = None,
    who: Principal = require(Permission.SETTINGS_WRITE),
) -> OidMapDetail:
    changes = {
        k: v
        for k, v in body.model_dump(exclude_unset=True).items()
        if v is not None or k in NULLABLE_MAP_FIELDS
    }
    with session_scope() as session:
        row = service.update_oid_map(session, map_id, changes, who.username, if_match=if_match,
                                     request_id=who.request_id)
        return _map_detail(row, response)


@router.post("/settings/snmp-oid-maps/{map_id}/reset", response_model=OidMapDetail, responses=STALE)
def reset_oid_map(
    map_id: int, response: Response, if_match: IfMatch = None, who: Principal = require(Permission.SETTINGS_WRITE)
) -> OidMapDetail:
    with session_scope() as session:
        row = service.reset_oid_map(session, map_id, who.username, if_match=if_match, request_id=who.request_id)
        return _map_detail(row, response)


def _map_out(row: SnmpOidMap) -> OidMapOut:
    return OidMapOut(
        **service.oid_map_snapshot(row),
        id=row.id,
        updated_at=row.updated_at,
        modified=not service.is_default(row),
    )


def _map_detail(row: SnmpOidMap, response: Response) -> OidMapDetail:
    response.headers["ETag"] = service.oid_map_etag(row)
    default = service.default_for(str(row.vendor_family.value), str(row.metric.value))
    return OidMapDetail(**_map_out(row).model_dump(), default=default)


# --- per-OLT SNMP settings --------------------------------------------------------------------


class SnmpSettingsIn(InputModel):
    """A secret that is not sent (or null) keeps the stored one; an empty string clears it.
    Numbers are only bounded by what can be stored: the service judges their sense and
    reports every problem at once."""

    enabled: StrictBool = True
    version: SnmpVersion = SnmpVersion.V2C
    host: HostName | None = Field(None, description="default: the OLT's mgmt_host")
    port: Int4 = 161
    community: SnmpSecret | None = Field(None, description="write-only")
    v3_username: Annotated[str, StringConstraints(max_length=100, pattern=ONE_LINE)] | None = None
    v3_auth_protocol: SnmpAuthProtocol = SnmpAuthProtocol.NONE
    v3_auth_key: SnmpSecret | None = Field(None, description="write-only")
    v3_priv_protocol: SnmpPrivProtocol = SnmpPrivProtocol.NONE
    v3_priv_key: SnmpSecret | None = Field(None, description="write-only")
    timeout_s: Finite = 2.0
    retries: Int4 = 1
    max_repetitions: Int4 = 25
    max_outstanding: Int4 = 4
    max_requests_per_s: Finite = 50.0
    status_poll_interval_s: PollInterval | None = Field(None, description="on the OLT; unchanged when not sent")
    optical_poll_interval_s: PollInterval | None = Field(None, description="on the OLT; unchanged when not sent")


class SnmpSettingsOut(BaseModel):
    olt_id: int
    configured: bool  # False: never saved, the values shown are the defaults
    enabled: bool
    version: SnmpVersion
    host: str | None
    port: int
    v3_username: str | None
    v3_auth_protocol: SnmpAuthProtocol
    v3_priv_protocol: SnmpPrivProtocol
    has_community: bool
    has_auth_key: bool
    has_priv_key: bool
    timeout_s: float
    retries: int
    max_repetitions: int
    max_outstanding: int
    max_requests_per_s: float
    status_poll_interval_s: int
    optical_poll_interval_s: int


class SnmpTestOut(BaseModel):
    ok: bool
    target: str
    sys_descr: str | None = None
    sys_name: str | None = None
    uptime_s: int | None = None
    latency_ms: float | None = None
    kind: str | None = None  # failure kind: timeout, auth, no_such_object, snmp_error, transport
    error: str | None = None


@router.get("/olts/{olt_id}/snmp", response_model=SnmpSettingsOut)
def get_snmp_settings(olt_id: int, who: Principal = require(Permission.NETWORK_READ)) -> SnmpSettingsOut:
    with session_scope() as session:
        return SnmpSettingsOut(**service.snmp_settings_view(get_visible(session, who, Olt, olt_id, "OLT")))


@router.put("/olts/{olt_id}/snmp", response_model=SnmpSettingsOut)
def put_snmp_settings(
    olt_id: int, body: SnmpSettingsIn, who: Principal = require(Permission.OLT_MANAGE)
) -> SnmpSettingsOut:
    data = service.SnmpSettingsInput(**{k: getattr(v, "value", v) for k, v in body.model_dump().items()})
    with session_scope() as session:
        get_visible(session, who, Olt, olt_id, "OLT")
        olt = service.save_snmp_settings(session, olt_id, data, who.username, request_id=who.request_id)
        return SnmpSettingsOut(**service.snmp_settings_view(olt))


@router.post("/olts/{olt_id}/snmp/test", response_model=SnmpTestOut)
def test_snmp_settings(olt_id: int, who: Principal = require(Permission.OLT_MANAGE)) -> SnmpTestOut:
    with session_scope() as session:
        olt = get_visible(session, who, Olt, olt_id, "OLT")
        if olt.snmp is None:
            raise Conflict(f"OLT {olt.name} has no SNMP settings yet: PUT /olts/{olt_id}/snmp first")
        target = service.target_for_olt(olt, olt.snmp)
    answer = service.run_snmp_test(target)  # outside the session: no connection held while waiting
    return SnmpTestOut(target=target.label, **answer)


test_snmp_settings.__test__ = False  # type: ignore[attr-defined]  # a handler, not a pytest test
