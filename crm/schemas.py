"""Request and response bodies of the CRM API (Create / Update / Read per resource).

Secrets are write-only: the PPPoE password is accepted on Create/Update but a
Read only says whether one is set."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StringConstraints,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from acs.validation import Passphrase, Ssid
from core.inputs import Id, InputModel, IsoDate, LongText, PatchModel
from core.models import VendorFamily
from crm.models import (
    CustomerStatus,
    InvoiceStatus,
    PaymentMethod,
    Subscription,
    SubscriptionAction,
    SubscriptionStatus,
    TicketCategory,
    TicketPriority,
    TicketStatus,
    TransitionState,
    WanMode,
)
from oms.schemas import SerialText
from vendor_cli.tokens import CliSecret, CliUsername, GemPort, ProfileName
from vendor_cli.tokens import VlanId as Vlan

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=10_000)]
Code = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=32)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Email = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200, pattern=r"^[^@\s]+@[^@\s]+$")]
Phone = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)]
Currency = Annotated[str, StringConstraints(min_length=3, max_length=3, pattern=r"^[A-Z]{3}$")]
Rate = Annotated[int, Field(gt=0, le=100_000_000, description="kbit/s")]



def _decimal(digits: int, places: int, above: str | None = None) -> tuple[Any, ...]:
    """A decimal of `digits` digits, `places` after the point, sent as a JSON number or as
    its text; `above` is "zero" (> 0) or "or_zero" (>= 0). A JSON number is a binary float:
    one within float precision of a whole cent (19.99) is that cent, not refused."""
    whole = digits - places
    largest = float(f"{'9' * whole}.{'9' * places}")
    number: dict[str, Any] = {"type": "number", "minimum": -largest, "maximum": largest,
                              "multipleOf": 10**-places}
    sign = "-?"
    if above == "zero":
        number.update(minimum=10**-places)
        sign = ""
    elif above == "or_zero":
        number.update(minimum=0)
        sign = ""
    pattern = rf"^{sign}\d{{1,{whole}}}(\.\d{{1,{places}}})?$"
    if above == "zero":  # more than zero, as text: no lookahead (schema tools generate from it)
        pattern = rf"^[1-9]\d{{0,{whole - 1}}}(\.\d{{1,{places}}})?$|^0\.\d{{0,{places - 1}}}[1-9]$"
    text = {"type": "string", "maxLength": digits + 2, "pattern": pattern}

    def from_float(value: Any) -> Any:
        if isinstance(value, float) and value == value and abs(value) < 10**whole:
            exact = Decimal(repr(value)).quantize(Decimal(1).scaleb(-places))
            if abs(float(exact) - value) < 1e-9:
                return exact
        return value

    return BeforeValidator(from_float), WithJsonSchema({"anyOf": [number, text]})


#: an amount of money (negative for a discount)
Money = Annotated[Decimal, Field(max_digits=12, decimal_places=2), *_decimal(12, 2)]
#: a price: zero or more
Price = Annotated[Decimal, Field(ge=0, max_digits=12, decimal_places=2), *_decimal(12, 2, "or_zero")]
#: how many of a line's item: more than zero
Quantity = Annotated[Decimal, Field(gt=0, max_digits=12, decimal_places=3), *_decimal(12, 3, "zero")]
#: an amount paid: more than zero
Amount = Annotated[Decimal, Field(gt=0, max_digits=12, decimal_places=2), *_decimal(12, 2, "zero")]
PppoeUsername = CliUsername


PppoePassword = CliSecret


class ReadModel(BaseModel):
    model_config = ConfigDict(from_attributes=True)


# --- customers ---------------------------------------------------------------


class CustomerCreate(InputModel):
    code: Code
    name: Name
    email: Email | None = None
    phone: Phone | None = None
    address: LongText = ""
    status: CustomerStatus = CustomerStatus.ACTIVE
    notes: LongText = ""


class CustomerUpdate(PatchModel):
    nullable = frozenset({"email", "phone"})

    code: Code | None = None
    name: Name | None = None
    email: Email | None = None
    phone: Phone | None = None
    address: LongText | None = None
    status: CustomerStatus | None = None
    notes: LongText | None = None


class CustomerRead(ReadModel):
    id: int
    code: str
    name: str
    email: str | None
    phone: str | None
    address: str
    status: CustomerStatus
    notes: str
    created_at: datetime
    updated_at: datetime


# --- service plans -------------------------------------------------------------


class ProfileFields(InputModel):
    """The OLT profile names one vendor family uses for a plan."""

    line_profile: ProfileName | None = None
    traffic_profile_up: ProfileName | None = None
    traffic_profile_down: ProfileName | None = None
    tcont_profile: ProfileName | None = None
    service_vlan: Vlan | None = None
    user_vlan: Vlan | None = None
    gemport: GemPort | None = None


class ServicePlanProfileIn(ProfileFields):
    vendor_family: VendorFamily


class ServicePlanProfileRead(ReadModel):
    id: int
    vendor_family: VendorFamily
    line_profile: str | None
    traffic_profile_up: str | None
    traffic_profile_down: str | None
    tcont_profile: str | None
    service_vlan: int | None
    user_vlan: int | None
    gemport: int | None


def _one_profile_per_family(profiles: list[ServicePlanProfileIn]) -> list[ServicePlanProfileIn]:
    families = [p.vendor_family for p in profiles]
    duplicates = sorted({f.value for f in families if families.count(f) > 1})
    if duplicates:
        raise ValueError(f"more than one profile for vendor family {', '.join(duplicates)}")
    return profiles


Profiles = Annotated[list[ServicePlanProfileIn], AfterValidator(_one_profile_per_family)]


class ServicePlanCreate(InputModel):
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
    download_kbps: Rate
    upload_kbps: Rate
    price: Price
    currency: Currency = "USD"
    is_active: StrictBool = True
    wan_mode: WanMode = WanMode.PPPOE
    suspend_wifi: StrictBool = Field(False, description="a suspension also turns the ONU's Wi-Fi off (ACS)")
    profiles: Profiles = []


class ServicePlanUpdate(PatchModel):
    """`profiles`, when sent, replaces the plan's whole vendor mapping."""

    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)] | None = None
    download_kbps: Rate | None = None
    upload_kbps: Rate | None = None
    price: Price | None = None
    currency: Currency | None = None
    is_active: StrictBool | None = None
    wan_mode: WanMode | None = None
    suspend_wifi: StrictBool | None = None
    profiles: Profiles | None = None


class ServicePlanRead(ReadModel):
    id: int
    name: str
    download_kbps: int
    upload_kbps: int
    price: Decimal
    currency: str
    is_active: bool
    wan_mode: WanMode
    suspend_wifi: bool
    profiles: list[ServicePlanProfileRead]
    created_at: datetime
    updated_at: datetime

    @field_validator("profiles")
    @classmethod
    def _by_vendor_family(cls, profiles: list[ServicePlanProfileRead]) -> list[ServicePlanProfileRead]:
        return sorted(profiles, key=lambda p: p.vendor_family.value)


# --- subscriptions -------------------------------------------------------------


class SubscriptionCreate(InputModel):
    customer_id: Id
    plan_id: Id
    status: Literal[SubscriptionStatus.PENDING, SubscriptionStatus.ACTIVE] = SubscriptionStatus.PENDING
    pppoe_username: PppoeUsername | None = None
    pppoe_password: PppoePassword | None = None
    started_on: IsoDate | None = None
    ended_on: IsoDate | None = None


class SubscriptionUpdate(PatchModel):
    """`status` goes through the lifecycle rules; `pppoe_password: null` clears it."""

    nullable = frozenset({"pppoe_username", "pppoe_password", "started_on", "ended_on"})

    plan_id: Id | None = None
    status: SubscriptionStatus | None = None
    pppoe_username: PppoeUsername | None = None
    pppoe_password: PppoePassword | None = None
    started_on: IsoDate | None = None
    ended_on: IsoDate | None = None


class SubscriptionRead(ReadModel):
    id: int
    customer_id: int
    plan_id: int
    status: SubscriptionStatus
    pppoe_username: str | None
    has_pppoe_password: bool
    started_on: date | None
    ended_on: date | None
    created_at: datetime
    updated_at: datetime

    @model_validator(mode="before")
    @classmethod
    def _from_row(cls, data: Any) -> Any:
        if not isinstance(data, Subscription):
            return data
        columns = {name: getattr(data, name) for name in cls.model_fields if name != "has_pppoe_password"}
        return {**columns, "has_pppoe_password": data.pppoe_password is not None}


# --- invoices (as audit snapshots read them; crm.billing has the billing API's own) ---


class InvoiceLineRead(ReadModel):
    id: int
    subscription_id: int | None
    description: str
    quantity: Decimal
    unit_price: Decimal
    amount: Decimal


class InvoiceRead(ReadModel):
    id: int
    number: str
    customer_id: int
    status: InvoiceStatus
    issued_on: date | None
    due_on: date | None
    currency: str
    total: Decimal
    amount_paid: Decimal
    lines: list[InvoiceLineRead]
    created_at: datetime
    updated_at: datetime

    @model_validator(mode="before")
    @classmethod
    def _add_amount_paid(cls, data: Any) -> Any:
        if isinstance(data, dict) or not hasattr(data, "payments"):
            return data
        columns = {name: getattr(data, name) for name in cls.model_fields if name != "amount_paid"}
        return {**columns, "amount_paid": sum((p.amount for p in data.payments), Decimal("0.00"))}


# --- payments ------------------------------------------------------------------


class PaymentRead(ReadModel):
    id: int
    customer_id: int
    invoice_id: int | None
    amount: Decimal
    currency: str
    method: PaymentMethod
    reference: str
    received_at: datetime


# --- tickets -------------------------------------------------------------------


class TicketCreate(InputModel):
    subject: Name
    customer_id: Id | None = None
    subscription_id: Id | None = None
    onu_id: Id | None = None
    category: TicketCategory = TicketCategory.OTHER
    status: TicketStatus = TicketStatus.OPEN
    priority: TicketPriority = TicketPriority.NORMAL
    assigned_to_id: Id | None = None


class TicketUpdate(PatchModel):
    nullable = frozenset({"customer_id", "subscription_id", "onu_id", "assigned_to_id"})

    subject: Name | None = None
    customer_id: Id | None = None
    subscription_id: Id | None = None
    onu_id: Id | None = None
    category: TicketCategory | None = None
    status: TicketStatus | None = None
    priority: TicketPriority | None = None
    assigned_to_id: Id | None = None


class TicketCommentCreate(InputModel):
    body: Text
    author_id: Id | None = None


class TicketCommentRead(ReadModel):
    id: int
    ticket_id: int
    author_id: int | None
    body: str
    created_at: datetime


class TicketRead(ReadModel):
    id: int
    subject: str
    customer_id: int | None
    subscription_id: int | None
    onu_id: int | None
    category: TicketCategory
    status: TicketStatus
    priority: TicketPriority
    assigned_to_id: int | None
    comments: list[TicketCommentRead]
    created_at: datetime
    updated_at: datetime


class Reading(BaseModel):
    """One value read from the network and how old it is."""

    value: float | None
    read_at: datetime | None
    age_s: float | None = Field(description="seconds since it was read (None: never read)")


class TicketOnuState(BaseModel):
    """The ticket's ONU as the OMS knows it now (crm.tickets)."""

    id: int
    serial: str
    name: str
    olt_id: int | None
    lifecycle_state: str
    admin_state: str
    status: str
    status_changed_at: datetime | None
    last_seen_at: datetime | None
    last_down_cause: str | None
    rx_dbm: Reading
    tx_dbm: Reading
    olt_rx_dbm: Reading
    distance_m: int | None


class TicketSample(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    sampled_at: datetime
    status: str | None
    rx_dbm: float | None
    tx_dbm: float | None
    olt_rx_dbm: float | None
    distance_m: int | None


class TicketJob(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: str
    status: str
    error: str | None
    requested_by: str
    created_at: datetime
    finished_at: datetime | None


class TicketIntent(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: str
    slot: str
    status: str
    last_outcome: str | None
    last_error: str | None
    requested_by: str
    created_at: datetime
    finished_at: datetime | None


class TicketDetail(TicketRead):
    """`GET /crm/tickets/{id}`: the ticket with its ONU's live state, recent signal history, jobs
    and ACS intents. `onu` is None when the ticket names no ONU, or when the reader may not see it
    (no network:read permission, or the ONU is on an OLT outside the reader's restriction groups:
    then `onu_hidden` is true)."""

    onu: TicketOnuState | None = None
    onu_hidden: bool = False
    samples: list[TicketSample] = Field(default_factory=list, description="newest first")
    jobs: list[TicketJob] = Field(default_factory=list, description="newest first")
    intents: list[TicketIntent] = Field(default_factory=list, description="newest first")


# --- subscription lifecycle (crm.activation) ---------------------------------------------------


class ActivateIn(InputModel):
    """The ONU to activate on: `onu_id` (e.g. one discovery found unconfigured) or `serial` (an
    unknown serial is pre-registered and authorized when discovery first sees it); neither: the
    ONU already linked. Wi-Fi defaults: an SSID from the customer's code, a generated passphrase."""

    onu_id: Id | None = None
    serial: SerialText | None = None
    wifi_ssid: Ssid | None = None
    wifi_passphrase: Passphrase | None = None

    @model_validator(mode="after")
    def _one_onu(self) -> ActivateIn:
        if self.onu_id is not None and self.serial is not None:
            raise ValueError("give onu_id or serial, not both")
        return self


class ChangePlanIn(InputModel):
    plan_id: Id


class LifecycleRead(BaseModel):
    """Where a subscription stands in its lifecycle: its status, the transition whose network
    side is under way or failed (`network_error` says why; `POST .../retry` asks again), the
    ONU it is served by, and what this request queued (OMS jobs) or created (ACS intents)."""

    subscription_id: int
    status: SubscriptionStatus
    plan_id: int
    onu_id: int | None
    network_action: SubscriptionAction | None
    network_state: TransitionState | None
    network_job_id: int | None
    network_error: str | None
    wifi_ssid: str | None
    has_wifi_passphrase: bool
    jobs: list[int] = []
    intents: list[int] = []
