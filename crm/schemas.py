"""Request and response bodies of the CRM API (Create / Update / Read per resource).

Secrets are write-only: the PPPoE password is accepted on Create/Update but a
Read only says whether one is set."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, ClassVar, Generic, Literal, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    StringConstraints,
    field_validator,
    model_validator,
)

from core.models import VendorFamily
from crm.models import (
    CustomerStatus,
    InvoiceStatus,
    PaymentMethod,
    Subscription,
    SubscriptionStatus,
    TicketPriority,
    TicketStatus,
)

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Code = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=32)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Email = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200, pattern=r"^[^@\s]+@[^@\s]+$")]
Phone = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)]
Currency = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]
ProfileName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
Vlan = Annotated[int, Field(ge=1, le=4094)]
Rate = Annotated[int, Field(gt=0)]
Money = Annotated[Decimal, Field(max_digits=12, decimal_places=2)]
PppoeUsername = Annotated[str, StringConstraints(min_length=1, max_length=100, pattern=r"^\S+$")]
PppoePassword = Annotated[SecretStr, Field(min_length=1, max_length=128)]

T = TypeVar("T")


class InputModel(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PatchModel(InputModel):
    """A partial update: only the fields sent are changed, and `null` is only
    accepted for columns that may be empty."""

    nullable: ClassVar[frozenset[str]] = frozenset()

    @model_validator(mode="after")
    def _reject_null_for_required_fields(self) -> PatchModel:
        for field in self.model_fields_set:
            if getattr(self, field) is None and field not in self.nullable:
                raise ValueError(f"{field} cannot be null")
        return self

    def changes(self, exclude: frozenset[str] = frozenset()) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.model_fields_set if k not in exclude}


class ReadModel(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class Page(BaseModel, Generic[T]):
    count: int
    limit: int
    offset: int
    results: list[T]


# --- customers ---------------------------------------------------------------


class CustomerCreate(InputModel):
    code: Code
    name: Name
    email: Email | None = None
    phone: Phone | None = None
    address: str = ""
    status: CustomerStatus = CustomerStatus.ACTIVE
    notes: str = ""


class CustomerUpdate(PatchModel):
    nullable = frozenset({"email", "phone"})

    code: Code | None = None
    name: Name | None = None
    email: Email | None = None
    phone: Phone | None = None
    address: str | None = None
    status: CustomerStatus | None = None
    notes: str | None = None


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
    gemport: Annotated[int, Field(ge=0, le=65535)] | None = None


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
    price: Annotated[Money, Field(ge=0)]
    currency: Currency = "USD"
    is_active: bool = True
    profiles: Profiles = []


class ServicePlanUpdate(PatchModel):
    """`profiles`, when sent, replaces the plan's whole vendor mapping."""

    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)] | None = None
    download_kbps: Rate | None = None
    upload_kbps: Rate | None = None
    price: Annotated[Money, Field(ge=0)] | None = None
    currency: Currency | None = None
    is_active: bool | None = None
    profiles: Profiles | None = None


class ServicePlanRead(ReadModel):
    id: int
    name: str
    download_kbps: int
    upload_kbps: int
    price: Decimal
    currency: str
    is_active: bool
    profiles: list[ServicePlanProfileRead]
    created_at: datetime
    updated_at: datetime

    @field_validator("profiles")
    @classmethod
    def _by_vendor_family(cls, profiles: list[ServicePlanProfileRead]) -> list[ServicePlanProfileRead]:
        return sorted(profiles, key=lambda p: p.vendor_family.value)


# --- subscriptions -------------------------------------------------------------


class SubscriptionCreate(InputModel):
    customer_id: int
    plan_id: int
    status: Literal[SubscriptionStatus.PENDING, SubscriptionStatus.ACTIVE] = SubscriptionStatus.PENDING
    pppoe_username: PppoeUsername | None = None
    pppoe_password: PppoePassword | None = None
    started_on: date | None = None
    ended_on: date | None = None


class SubscriptionUpdate(PatchModel):
    """`status` goes through the lifecycle rules; `pppoe_password: null` clears it."""

    nullable = frozenset({"pppoe_username", "pppoe_password", "started_on", "ended_on"})

    plan_id: int | None = None
    status: SubscriptionStatus | None = None
    pppoe_username: PppoeUsername | None = None
    pppoe_password: PppoePassword | None = None
    started_on: date | None = None
    ended_on: date | None = None


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


# --- invoices ------------------------------------------------------------------


class InvoiceLineIn(InputModel):
    description: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
    quantity: Annotated[Decimal, Field(gt=0, max_digits=12, decimal_places=3)] = Decimal(1)
    unit_price: Money  # negative for discounts
    subscription_id: int | None = None


class InvoiceLineRead(ReadModel):
    id: int
    subscription_id: int | None
    description: str
    quantity: Decimal
    unit_price: Decimal
    amount: Decimal


class InvoiceCreate(InputModel):
    """Without `number` the invoice is numbered INV-<id>."""

    customer_id: int
    number: Code | None = None
    currency: Currency = "USD"
    due_on: date | None = None
    lines: list[InvoiceLineIn] = []


class InvoiceUpdate(PatchModel):
    """Only draft invoices change; `lines`, when sent, replaces all lines."""

    nullable = frozenset({"due_on"})

    number: Code | None = None
    currency: Currency | None = None
    due_on: date | None = None
    lines: list[InvoiceLineIn] | None = None


class InvoiceIssue(InputModel):
    issued_on: date | None = None
    due_on: date | None = None


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


class PaymentCreate(InputModel):
    """`customer_id` may be left out when `invoice_id` names the invoice paid;
    `currency` defaults to the invoice's."""

    customer_id: int | None = None
    invoice_id: int | None = None
    amount: Annotated[Money, Field(gt=0)]
    currency: Currency | None = None
    method: PaymentMethod
    reference: Annotated[str, StringConstraints(max_length=100)] = ""
    received_at: datetime | None = None


class PaymentUpdate(PatchModel):
    """Amount, customer and invoice are fixed: delete and re-enter a wrong payment."""

    method: PaymentMethod | None = None
    reference: Annotated[str, StringConstraints(max_length=100)] | None = None
    received_at: datetime | None = None


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
    customer_id: int | None = None
    onu_id: int | None = None
    status: TicketStatus = TicketStatus.OPEN
    priority: TicketPriority = TicketPriority.NORMAL
    assigned_to_id: int | None = None


class TicketUpdate(PatchModel):
    nullable = frozenset({"customer_id", "onu_id", "assigned_to_id"})

    subject: Name | None = None
    customer_id: int | None = None
    onu_id: int | None = None
    status: TicketStatus | None = None
    priority: TicketPriority | None = None
    assigned_to_id: int | None = None


class TicketCommentCreate(InputModel):
    body: Text
    author_id: int | None = None


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
    onu_id: int | None
    status: TicketStatus
    priority: TicketPriority
    assigned_to_id: int | None
    comments: list[TicketCommentRead]
    created_at: datetime
    updated_at: datetime
