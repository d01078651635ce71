"""Request and response bodies of the ACS API."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, StrictBool, StringConstraints, model_validator

from acs.models import AcsIntent, CampaignStatus, DataModel, IntentKind, IntentReason, IntentStatus
from acs.validation import Band, Firmware, Ping, PppPassword, PppUser, Traceroute, VlanId, Wifi
from core.inputs import Id, InputModel, JsonInt, NotBool, SearchText
from core.paging import PageQuery
from vendor_cli.tokens import CliSecret, CliUsername, ProfileId

HhMm = Annotated[str, StringConstraints(pattern=r"^([01]\d|2[0-3]):[0-5]\d$")]
ReasonRef = Annotated[str, StringConstraints(max_length=100, pattern=r"^[^\x00-\x1f\x7f]*$")]


class IntentRequest(InputModel):
    reason_ref: ReasonRef | None = Field(None, description="why, in the caller's words (a ticket number...)")


class PreviewableRequest(IntentRequest):
    dry_run: StrictBool = Field(False, description="answer what would be sent (an IntentPlan) and store nothing")


class WanIn(PreviewableRequest):
    mode: Literal["pppoe", "dhcp", "bridge"]
    username: PppUser | None = None
    password: PppPassword | None = None
    vlan: VlanId | None = None

    def values(self) -> tuple[IntentKind, dict[str, Any]]:
        kind = {"pppoe": IntentKind.WAN_PPPOE, "dhcp": IntentKind.WAN_DHCP, "bridge": IntentKind.WAN_BRIDGE}[self.mode]
        values: dict[str, Any] = {"vlan": self.vlan} if self.vlan is not None else {}
        if self.mode == "pppoe":
            values["username"] = self.username
            values["password"] = self.password.get_secret_value() if self.password else None
        return kind, values


# The bodies are the intent's own value models (acs.validation) plus why it is asked.
class WifiIn(Wifi, PreviewableRequest):
    def values(self) -> dict[str, Any]:
        values = self.model_dump(exclude={"reason_ref", "dry_run", "passphrase"}, exclude_none=True)
        if self.passphrase is not None:
            values["passphrase"] = self.passphrase.get_secret_value()
        return values


class PingIn(Ping, IntentRequest):
    pass


class TracerouteIn(Traceroute, IntentRequest):
    pass


class FirmwareIn(Firmware, IntentRequest):
    pass


class IntentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    onu_id: int
    kind: IntentKind
    slot: str
    desired: dict[str, Any]
    secrets: list[str] = Field(description="names of the secret values set (never their values)")
    reason: IntentReason
    reason_ref: str | None
    requested_by: str
    campaign_id: int | None
    status: IntentStatus
    attempts: int
    device_id: str | None
    acs_task_id: str | None
    last_outcome: str | None
    last_error: str | None
    result: dict[str, Any]
    drifted_at: datetime | None
    created_at: datetime
    sent_at: datetime | None
    finished_at: datetime | None

    @classmethod
    def of(cls, intent: AcsIntent) -> IntentOut:
        names = sorted(json.loads(intent.secrets)) if intent.secrets else []
        data = {name: getattr(intent, name) for name in cls.model_fields if name != "secrets"}
        return cls(**data, secrets=names)


class IntentParameter(BaseModel):
    name: str = Field(description="the intent field (mapped to the device's TR-069 path at its next contact)")
    value: Any = Field(description="the value set; a secret's is masked")
    secret: bool = Field(False, description="a secret: sent to the device, stored encrypted, never shown")


class IntentPlan(BaseModel):
    """What an intent would set, answered by a dry run: nothing is stored or sent."""

    serial: str
    kind: IntentKind
    slot: str
    parameters: list[IntentParameter]
    supersedes: list[int] = Field(description="the open intents of the same slot the intent would replace")
    note: str


class IntentFilter(PageQuery):
    status: IntentStatus | None = None
    kind: IntentKind | None = None


class DeviceOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    device_id: str
    serial: str
    oui: str | None
    product_class: str | None
    onu_id: int | None
    last_inform_at: datetime | None
    last_events: list[str]
    informs: int
    first_seen_at: datetime
    linked_at: datetime | None


class DeviceFilter(PageQuery):
    serial: SearchText | None = None
    linked: bool | None = None


class InformIn(InputModel):
    """One inform, as the GenieACS extension (acs/genieacs_extension) reports it."""

    device_id: Annotated[str, StringConstraints(min_length=1, max_length=255, pattern=r"^[A-Za-z0-9_%\-]+$")]
    serial: Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[\x21-\x7e]+$")]
    oui: Annotated[str, StringConstraints(max_length=16, pattern=r"^[0-9A-Fa-f]*$")] | None = None
    product_class: Annotated[str, StringConstraints(max_length=64, pattern=r"^[\x20-\x7e]*$")] | None = None
    events: Annotated[list[Annotated[str, StringConstraints(max_length=64, pattern=r"^[\x20-\x7e]*$")]],
                      Field(max_length=32)] = []
    at: datetime | None = None


class InformsIn(InputModel):
    informs: Annotated[list[InformIn], Field(min_length=1, max_length=1000)]


class IngestOut(BaseModel):
    events: int
    linked: int
    intents_due: int


class CampaignIn(InputModel):
    name: Annotated[str, StringConstraints(min_length=1, max_length=100, pattern=r"^[^\x00-\x1f\x7f]+$")]
    kind: IntentKind
    values: dict[str, Any] = {}
    onu_ids: Annotated[list[Id], Field(min_length=1, max_length=100_000)]
    canary_share: Annotated[float, Field(gt=0, le=1), NotBool] = 0.05
    concurrency: Annotated[int, Field(ge=1, le=10_000), NotBool] = 10
    halt_fault_rate: Annotated[float, Field(gt=0, le=1), NotBool] = 0.2
    window_start: HhMm | None = None
    window_end: HhMm | None = None

    @model_validator(mode="after")
    def _window_whole(self) -> CampaignIn:
        if (self.window_start is None) != (self.window_end is None):
            raise ValueError("a maintenance window needs both window_start and window_end")
        if len(set(self.onu_ids)) != len(self.onu_ids):
            raise ValueError("onu_ids lists an ONU twice")
        return self


class CampaignOut(BaseModel):
    id: int
    name: str
    kind: IntentKind
    desired: dict[str, Any]
    total: int
    released: int
    open: int
    applied: int
    failed: int
    superseded: int
    fault_rate: float
    canary_share: float
    concurrency: int
    halt_fault_rate: float
    window_start: str | None
    window_end: str | None
    status: CampaignStatus
    halted_reason: str | None
    requested_by: str
    created_at: datetime


class AcsSettingsOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    nbi_url: str
    nbi_username: str | None
    nbi_password_set: bool
    nbi_header_names: list[str]
    connection_request_timeout_ms: int
    rate_per_second: float
    reapply_drift: bool
    max_attempts: int
    event_token_set: bool
    cwmp_url: str
    cwmp_username: str | None
    cwmp_password_set: bool
    huawei_tr069_profile_id: int | None
    warnings: list[str]


#: pushed inside an OLT command: one CLI word (no spaces, quotes or `?`, which the CLIs read as help)
CwmpUrl = Annotated[str, StringConstraints(max_length=255, pattern=r"^https?://[^\s\"'`?]+$")]
HeaderName = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9!#$%&'*+.^_`|~-]+$")]
HeaderValue = Annotated[str, StringConstraints(max_length=1000, pattern=r"^[\x20-\x7e]*$")]


class HeaderIn(InputModel):
    name: HeaderName
    value: HeaderValue


class AcsSettingsIn(InputModel):
    nbi_url: Annotated[str, StringConstraints(max_length=255,
                                              pattern=r"^https?://[A-Za-z0-9.\-]+(:\d{1,5})?(/[A-Za-z0-9._~\-/]*)?$")]
    nbi_username: Annotated[str, StringConstraints(max_length=100, pattern=r"^[\x21-\x7e]*$")] | None = None
    nbi_password: Annotated[SecretStr, Field(max_length=200)] | None = None
    nbi_headers: Annotated[list[HeaderIn], Field(max_length=20)] | None = Field(
        None, description="extra headers for an authenticating proxy (stored encrypted); [] removes them")
    connection_request_timeout_ms: Annotated[int, Field(ge=1000, le=20_000), NotBool] = 4000
    rate_per_second: Annotated[float, Field(gt=0, le=10_000), NotBool] = 50
    reapply_drift: StrictBool = False
    max_attempts: Annotated[int, Field(ge=1, le=100), NotBool] = 5
    cwmp_url: CwmpUrl | Literal[""] = Field("", description="the ACS URL the OLT gives authorized ONUs")
    cwmp_username: CliUsername | None = None
    cwmp_password: CliSecret | None = Field(None, description="kept when left out; stored encrypted")
    huawei_tr069_profile_id: ProfileId | None = Field(
        None, description="the Huawei OLT's `ont tr069-server-profile` bound to new ONTs")


class ConnectionTestOut(BaseModel):
    ok: bool
    detail: str


class EventTokenOut(BaseModel):
    token: str = Field(description="shown once: give it to the GenieACS extension (PONSTACK_EVENT_TOKEN)")


class MappingOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    data_model: DataModel
    vendor: str
    model: str
    kind: str
    field: str
    variant: str
    path: str
    selector_param: str
    selector_match: str
    value_map: dict[str, Any]
    write_only: bool
    source: str
    edited: bool


TrPath = Annotated[str, StringConstraints(min_length=3, max_length=255,
                                          pattern=r"^(InternetGatewayDevice|Device)(\.([A-Za-z_][A-Za-z0-9_\-]*|\d+|\*))+$")]


class MappingIn(InputModel):
    data_model: DataModel
    vendor: Annotated[str, StringConstraints(max_length=64, pattern=r"^[\x20-\x7e]*$")] = ""
    model: Annotated[str, StringConstraints(max_length=64, pattern=r"^[\x20-\x7e]*$")] = ""
    kind: IntentKind
    field: Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[a-z_.]+$")]
    variant: Band | Literal[""] = ""
    path: TrPath
    selector_param: Annotated[str, StringConstraints(max_length=128, pattern=r"^[A-Za-z0-9_.\-]*$")] = ""
    selector_match: Annotated[str, StringConstraints(max_length=128)] = ""
    value_map: dict[Annotated[str, StringConstraints(max_length=64)],
                    Annotated[str, StringConstraints(max_length=255)] | StrictBool | JsonInt] = Field({}, max_length=50)
    write_only: StrictBool = False
    source: Annotated[str, StringConstraints(max_length=2000)] = ""


class MappingFilter(PageQuery):
    data_model: DataModel | None = None
    kind: IntentKind | None = None
    vendor: SearchText | None = None
