"""Request and response models of the OMS HTTP API, and the query models of its lists
(`Annotated[XFilter, Query()]`: paging of core.paging plus the list's filters; unknown
parameters refused). The acting user is the authenticated principal (core.access), never
a header."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StringConstraints,
    model_validator,
)

from core.inputs import Id, InputModel, LongText, PlainValue, SearchText
from core.models import VendorFamily
from core.paging import PageQuery
from oms.connection_options import ConnectionOptions
from oms.models import (
    AdminState,
    CliTransport,
    JobKind,
    JobStatus,
    OltProfileKind,
    OnuLifecycle,
    OnuStatus,
    PollStatus,
    PonTechnology,
    StepStatus,
)
from vendor_cli.serials import parse_serial
from vendor_cli.tokens import CliLabel, ProfileId, ProfileName, VlanId

Vlan = VlanId
#: a PON port coordinate (frame, slot or port number)
PortNumber = Annotated[int, Field(ge=0, le=255)]
#: a host name or an IP address: never an option (no leading '-'), no spaces
HostName = Annotated[str, StringConstraints(min_length=1, max_length=255,
                                            pattern=r"^[A-Za-z0-9_\[][A-Za-z0-9_.:%\[\]-]*$")]
#: a login: one line, no leading '-'
Login = Annotated[str, StringConstraints(min_length=1, max_length=100, pattern=r"^[^\s\-][^\x00-\x1f\x7f]*$")]
#: a device password: one line of up to 128 characters
DevicePassword = Annotated[str, StringConstraints(min_length=1, max_length=128, pattern=r"^[^\x00-\x1f\x7f]+$")]
#: an interval between polls, up to a week
PollInterval = Annotated[int, Field(ge=0, le=7 * 24 * 3600)]
#: a GPON serial as typed (canonicalised by canonical_serial)
SerialText = Annotated[str, StringConstraints(min_length=1, max_length=32),
                      Field(json_schema_extra={"pattern": r"^\s*[A-Za-z0-9]{4}[0-9A-Fa-f]{8}\s*$"}),
                      AfterValidator(lambda value: canonical_serial(value))]


def canonical_serial(value: str) -> str:
    """The canonical serial of what an operator typed or pasted (`HWTC11E70E9A`,
    `HWTC-11E70E9A`, `4857544311E70E9A`), or a field error."""
    serial = parse_serial(value)
    if serial is None:
        raise ValueError(
            f"{value!r} is not a GPON serial (4-character vendor id + 8 hex digits, e.g. HWTC11E70E9A)"
        )
    return serial


# --- OLTs -------------------------------------------------------------------------------------


class OltBase(InputModel):
    description: LongText = ""
    is_active: StrictBool = True
    zone_id: Id | None = None
    site_id: Id | None = None
    cli_transport: CliTransport = CliTransport.SSH
    cli_port: int = Field(22, ge=1, le=65535)
    connection_options: ConnectionOptions = Field(default_factory=ConnectionOptions)
    status_poll_interval_s: PollInterval = Field(300, ge=60)
    optical_poll_interval_s: PollInterval = Field(3600, ge=300)


class OltCreate(OltBase):
    name: str = Field(min_length=1, max_length=100)
    vendor: str = Field(min_length=1, max_length=32, description="vendor slug, e.g. huawei")
    family: VendorFamily
    model: str = Field(min_length=1, max_length=64)
    mgmt_host: HostName
    username: Login
    password: DevicePassword = Field(description="write-only")
    enable_password: DevicePassword | None = Field(None, description="write-only")


class OltUpdate(InputModel):
    """Only the fields sent are changed."""

    name: str | None = Field(None, min_length=1, max_length=100)
    vendor: str | None = Field(None, min_length=1, max_length=32)
    family: VendorFamily | None = None
    model: str | None = Field(None, min_length=1, max_length=64)
    description: LongText | None = None
    is_active: StrictBool | None = None
    zone_id: Id | None = None
    site_id: Id | None = None
    mgmt_host: HostName | None = None
    cli_transport: CliTransport | None = None
    cli_port: int | None = Field(None, ge=1, le=65535)
    username: Login | None = None
    password: DevicePassword | None = None
    enable_password: DevicePassword | None = None
    connection_options: ConnectionOptions | None = None
    status_poll_interval_s: PollInterval | None = Field(None, ge=60)
    optical_poll_interval_s: PollInterval | None = Field(None, ge=300)


class OltFilter(PageQuery):
    """GET /olts: ordered by id."""

    family: VendorFamily | None = None
    zone: SearchText | None = Field(None, description="zone name")
    active: bool | None = None


class OltOut(BaseModel):
    """An OLT as stored (its stored options shown as they are, even if no longer accepted)."""

    id: int
    description: str
    is_active: bool
    zone_id: int | None
    site_id: int | None
    cli_transport: CliTransport
    cli_port: int
    connection_options: dict[str, Any]
    status_poll_interval_s: int
    optical_poll_interval_s: int
    name: str
    vendor: str
    family: VendorFamily
    model: str
    zone: str | None
    site: str | None
    mgmt_host: str
    username: str
    has_enable_password: bool
    sys_name: str | None
    sys_descr: str | None
    last_poll_status: PollStatus
    last_poll_error: str | None
    last_poll_at: datetime | None
    created_at: datetime
    updated_at: datetime


class PonPortOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    frame: int
    slot: int
    port: int
    fsp: str
    technology: PonTechnology
    max_onus: int
    description: str
    admin_enabled: bool
    oper_status: str | None
    tx_power_dbm: float | None
    onu_count: int = 0  # ONUs holding an ONU id on this port


#: what an OLT profile records besides its name and id (e.g. its rates): flat, plain values
ProfileData = dict[Annotated[str, StringConstraints(min_length=1, max_length=64)], PlainValue]


class OltProfileIn(InputModel):
    kind: OltProfileKind
    name: ProfileName
    profile_id: ProfileId | None = None
    data: ProfileData = Field(default_factory=dict, max_length=50)


class OltProfileOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: OltProfileKind
    name: str
    profile_id: int | None
    data: dict[str, Any]
    synced_at: datetime | None


class ConnectionTestOut(BaseModel):
    ok: bool
    error: str | None
    version: dict[str, Any] | None
    elapsed_s: float
    job_id: int | None = None  # the job that ran the test (its steps hold the device's answers)


# --- ONUs -------------------------------------------------------------------------------------


class OnuOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    serial: str
    olt_id: int | None
    pon_port_id: int | None
    onu_index: int | None
    onu_type_id: int | None
    subscription_id: int | None
    name: str
    description: str
    lifecycle_state: OnuLifecycle
    admin_state: AdminState
    failure_reason: str | None
    desired: dict[str, Any]
    vendor_id: str | None
    equipment_id: str | None
    software_version: str | None
    discovered_at: datetime | None
    last_seen_at: datetime | None
    missing_since: datetime | None
    authorized_at: datetime | None
    status: OnuStatus
    rx_dbm: float | None
    tx_dbm: float | None
    distance_m: int | None
    created_at: datetime
    updated_at: datetime


class JobSummary(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: JobKind
    status: JobStatus
    olt_id: int | None
    onu_id: int | None
    bulk_run_id: int | None
    error: str | None
    requested_by: str
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


class OnuDetail(OnuOut):
    jobs: list[JobSummary] = Field(default_factory=list)


class OnuFilter(PageQuery):
    """GET /onus: ordered by id."""

    olt_id: Id | None = None
    pon_port_id: Id | None = None
    lifecycle_state: OnuLifecycle | None = None
    serial: str | None = Field(None, min_length=1, max_length=32, description="part of the serial")


class PreprovisionIn(InputModel):
    serial: SerialText
    onu_type_id: Id
    plan_id: Id | None = None
    subscription_id: Id | None = None
    olt_id: Id | None = None
    frame: PortNumber | None = None
    slot: PortNumber | None = None
    port: PortNumber | None = None
    user_vlan: Vlan | None = None
    service_vlan: Vlan | None = None
    name: Annotated[CliLabel, Field(max_length=100)] = ""
    description: CliLabel = ""

    @model_validator(mode="after")
    def _plan_and_position(self) -> PreprovisionIn:
        if (self.plan_id is None) == (self.subscription_id is None):
            raise ValueError("give exactly one of plan_id or subscription_id")
        position = (self.frame, self.slot, self.port)
        if self.olt_id is None and any(v is not None for v in position):
            raise ValueError("frame/slot/port need olt_id")
        if self.olt_id is not None and any(v is None for v in position):
            raise ValueError("olt_id needs frame, slot and port")
        return self


class ActionRequest(InputModel):
    dry_run: StrictBool = False
    onu_type_id: Id | None = None
    plan_id: Id | None = None


class AuthorizeRequest(ActionRequest):
    """Authorization, with what the installer knows on site: the VLANs when they differ from
    the plan's, the ONU's name and its address (the description the OLT stores)."""

    user_vlan: Vlan | None = None
    service_vlan: Vlan | None = None
    name: Annotated[CliLabel, Field(max_length=100)] | None = None
    description: CliLabel | None = None

    def overrides(self) -> bool:
        return any(value is not None for value in (self.onu_type_id, self.plan_id, self.user_vlan,
                                                   self.service_vlan, self.name, self.description))


class RenameRequest(ActionRequest):
    name: Annotated[CliLabel, Field(max_length=100)]
    description: CliLabel = ""


class JobQueued(BaseModel):
    job_id: int
    status_url: str


class ActionPlan(BaseModel):
    """What an action would send, rendered without contacting the OLT."""

    serial: str
    olt: str
    fsp: str
    onu_id: int | None  # the ONU id on the PON port
    action: str
    commands: list[str]
    compensation_action: str | None
    compensation: list[str]
    note: str


# --- jobs -------------------------------------------------------------------------------------


class JobFilter(PageQuery):
    """GET /jobs: newest first."""

    olt_id: Id | None = None
    onu_id: Id | None = None
    status: JobStatus | None = None
    kind: JobKind | None = None
    bulk_run_id: Id | None = None


class JobStepOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    seq: int
    name: str
    status: StepStatus
    commands: list[str]
    output: str
    error: str | None
    started_at: datetime
    duration_ms: float | None


class JobOut(JobSummary):
    dry_run: bool
    params: dict[str, Any]
    result: dict[str, Any]
    attempts: int
    steps: list[JobStepOut]


# --- bulk provisioning ------------------------------------------------------------------------


class BulkFilter(InputModel):
    olt_id: Id | None = None
    pon_port_id: Id | None = None
    lifecycle_state: OnuLifecycle = OnuLifecycle.DISCOVERED


class BulkRequest(InputModel):
    kind: JobKind = JobKind.AUTHORIZE
    #: as typed: one that is not a serial is refused on its own, the others still run
    serials: list[Annotated[str, StringConstraints(min_length=1, max_length=32)]] | None = Field(
        None, min_length=1, max_length=10_000)
    filter: BulkFilter | None = None
    dry_run: StrictBool = False
    #: the dry run's `preview_token`: the run is then refused (409) when the selection or the
    #: state of a selected ONU changed since that preview (ignored by a dry run; optional)
    preview_token: Annotated[str, StringConstraints(min_length=1, max_length=200_000)] | None = None

    @model_validator(mode="after")
    def _one_selection(self) -> BulkRequest:
        if (self.serials is None) == (self.filter is None):
            raise ValueError("give either serials or filter")
        return self


class BulkPlan(BaseModel):
    serial: str
    plan: ActionPlan | None = None
    error: str | None = None


class BulkDryRunOut(BaseModel):
    plans: list[BulkPlan]
    refused: list[str]
    #: send it back with the run (same kind and selection) to have it refused if anything
    #: previewed changed meanwhile: ONUs gone from or added to the selection, or changed
    preview_token: str


class BulkQueued(BaseModel):
    bulk_run_id: int
    queued: int
    refused: list[str]
    status_url: str


class BulkItem(BaseModel):
    onu_id: int | None
    serial: str | None
    job_id: int
    status: JobStatus
    error: str | None


class BulkRunOut(BaseModel):
    id: int
    kind: JobKind
    status: JobStatus
    requested_by: str
    total: int
    created_at: datetime
    finished_at: datetime | None
    done: bool  # every job reached a final state
    counts: dict[str, int]
    items: list[BulkItem]
