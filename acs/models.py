"""ACS tables: intents (the outbox), the devices the ACS knows, data-model mappings,
campaigns and the ACS connection settings.

An intent is what the CRM or OMS wants an ONU to be (its WAN, a Wi-Fi radio) or do
(reboot, ping). It is written in the same transaction as the change that causes it, so
the worker's dispatcher finds it even when the process dies right after the commit.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from core.crypto import EncryptedText
from core.db import Base, TimestampMixin
from core.types import enum_type


class IntentKind(enum.StrEnum):
    WAN_PPPOE = "wan_pppoe"
    WAN_DHCP = "wan_dhcp"
    WAN_BRIDGE = "wan_bridge"
    WIFI = "wifi"
    REBOOT = "reboot"
    FACTORY_RESET = "factory_reset"
    PING = "ping"
    TRACEROUTE = "traceroute"
    FIRMWARE = "firmware"


class IntentStatus(enum.StrEnum):
    PENDING = "pending"
    SENT = "sent"
    APPLIED = "applied"
    FAILED = "failed"
    SUPERSEDED = "superseded"


OPEN_STATUSES = (IntentStatus.PENDING, IntentStatus.SENT)


class IntentReason(enum.StrEnum):
    SUBSCRIPTION = "subscription"  # activation, plan change, suspension of a subscription
    TICKET = "ticket"
    API = "api"
    CAMPAIGN = "campaign"
    RECONCILE = "reconcile"  # drift found on the device and re-applied


class DataModel(enum.StrEnum):
    TR098 = "tr098"
    TR181 = "tr181"


class CampaignStatus(enum.StrEnum):
    RUNNING = "running"
    PAUSED = "paused"
    HALTED = "halted"  # stopped automatically: the fault rate passed the threshold
    DONE = "done"
    CANCELLED = "cancelled"


class AcsIntent(Base):
    __tablename__ = "acs_intents"
    __table_args__ = (
        # One open intent per ONU and slot: a newer one supersedes it in the same transaction.
        Index("uq_acs_intents_open_slot", "onu_id", "slot", unique=True,
              postgresql_where=text("status IN ('pending', 'sent')")),
        Index("ix_acs_intents_status_next", "status", "next_attempt_at"),
        Index("ix_acs_intents_onu_id_created_at", "onu_id", "created_at"),
        Index("ix_acs_intents_campaign_id", "campaign_id"),
        CheckConstraint("attempts >= 0", name="attempts_not_negative"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    onu_id: Mapped[int] = mapped_column(ForeignKey("onus.id", ondelete="CASCADE"))
    kind: Mapped[IntentKind] = mapped_column(enum_type(IntentKind, "acs_intent_kind"))
    # What supersedes what: all WAN kinds share "wan", each radio has its own "wifi:<band>".
    slot: Mapped[str] = mapped_column(String(32))
    # Desired values without secrets; the secrets (PPPoE, Wi-Fi passphrase) are encrypted apart.
    desired: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default="{}")
    secrets: Mapped[str | None] = mapped_column(EncryptedText)
    reason: Mapped[IntentReason] = mapped_column(enum_type(IntentReason, "acs_intent_reason"))
    reason_ref: Mapped[str | None] = mapped_column(String(100))
    requested_by: Mapped[str] = mapped_column(String(100))
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("acs_campaigns.id", ondelete="SET NULL"))
    status: Mapped[IntentStatus] = mapped_column(
        enum_type(IntentStatus, "acs_intent_status"), server_default=IntentStatus.PENDING.value
    )
    attempts: Mapped[int] = mapped_column(Integer, server_default="0")
    device_id: Mapped[str | None] = mapped_column(String(255))  # the ACS's id of the CPE
    acs_task_id: Mapped[str | None] = mapped_column(String(64))
    unique_key: Mapped[str] = mapped_column(String(100))
    last_outcome: Mapped[str | None] = mapped_column(String(32))
    last_error: Mapped[str | None] = mapped_column(Text)
    # What was written and read back (secrets redacted), diagnostics results, skipped paths.
    result: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default="{}")
    drifted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )


class AcsDevice(Base):
    """A CPE as the ACS knows it, linked to its ONU by serial on first contact."""

    __tablename__ = "acs_devices"

    id: Mapped[int] = mapped_column(primary_key=True)
    device_id: Mapped[str] = mapped_column(String(255), unique=True)
    serial: Mapped[str] = mapped_column(String(64), index=True)
    oui: Mapped[str | None] = mapped_column(String(16))
    product_class: Mapped[str | None] = mapped_column(String(64))
    onu_id: Mapped[int | None] = mapped_column(ForeignKey("onus.id", ondelete="SET NULL"), unique=True)
    last_inform_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_events: Mapped[list[str]] = mapped_column(JSONB, server_default="[]")
    informs: Mapped[int] = mapped_column(BigInteger, server_default="0")
    first_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    linked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Tr069Mapping(TimestampMixin, Base):
    """One field of an intent on one data model: the device path it is written to.

    `path` may hold `*` instance wildcards, resolved against the paths the ACS has
    discovered on the device; `selector_*` picks the instance (e.g. the Wi-Fi radio whose
    `Standard` says 5 GHz). Vendor/model narrow a row to a family; the most specific row
    for a field wins. Seeded by migrations, editable in System Settings.
    """

    __tablename__ = "tr069_mappings"
    __table_args__ = (
        UniqueConstraint("data_model", "vendor", "model", "kind", "field", "variant", name="uq_tr069_mapping"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    data_model: Mapped[DataModel] = mapped_column(enum_type(DataModel, "tr069_mapping_data_model"))
    vendor: Mapped[str] = mapped_column(String(64), server_default="")  # "" = any vendor
    model: Mapped[str] = mapped_column(String(64), server_default="")  # "" = any model of the vendor
    kind: Mapped[str] = mapped_column(String(32))  # an IntentKind value, or "wan" / "wifi" for shared fields
    field: Mapped[str] = mapped_column(String(64))
    variant: Mapped[str] = mapped_column(String(32), server_default="")  # e.g. the band "2.4GHz" / "5GHz"
    path: Mapped[str] = mapped_column(String(255))
    # For an instance wildcard: the sibling parameter read to choose the instance and the regex it must match.
    selector_param: Mapped[str] = mapped_column(String(128), server_default="")
    selector_match: Mapped[str] = mapped_column(String(128), server_default="")
    value_map: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default="{}")
    # Secret fields: never read back in clear (CPEs report them blank) and never shown.
    write_only: Mapped[bool] = mapped_column(Boolean, server_default="false")
    source: Mapped[str] = mapped_column(Text, server_default="")
    edited: Mapped[bool] = mapped_column(Boolean, server_default="false")


class AcsCampaign(TimestampMixin, Base):
    __tablename__ = "acs_campaigns"
    __table_args__ = (
        CheckConstraint("canary_share > 0 AND canary_share <= 1", name="canary_share_range"),
        CheckConstraint("concurrency >= 1", name="concurrency_positive"),
        CheckConstraint("halt_fault_rate > 0 AND halt_fault_rate <= 1", name="halt_fault_rate_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[IntentKind] = mapped_column(enum_type(IntentKind, "acs_campaign_kind"))
    desired: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default="{}")
    secrets: Mapped[str | None] = mapped_column(EncryptedText)
    onu_ids: Mapped[list[int]] = mapped_column(JSONB, server_default="[]")
    canary_share: Mapped[float] = mapped_column(Float, server_default="0.05")
    concurrency: Mapped[int] = mapped_column(Integer, server_default="10")
    halt_fault_rate: Mapped[float] = mapped_column(Float, server_default="0.2")
    window_start: Mapped[str | None] = mapped_column(String(5))  # "HH:MM", UTC
    window_end: Mapped[str | None] = mapped_column(String(5))
    status: Mapped[CampaignStatus] = mapped_column(
        enum_type(CampaignStatus, "acs_campaign_status"), server_default=CampaignStatus.RUNNING.value
    )
    halted_reason: Mapped[str | None] = mapped_column(Text)
    requested_by: Mapped[str] = mapped_column(String(100))


class AcsSettings(Base):
    """The one ACS this platform drives (row id 1): its NBI and what ONUs are told (the CWMP
    URL and credentials the OLT templates push; the OMS reads them by table name)."""

    __tablename__ = "acs_settings"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    nbi_url: Mapped[str] = mapped_column(String(255), server_default="http://127.0.0.1:7557")
    nbi_username: Mapped[str | None] = mapped_column(String(100))
    nbi_password: Mapped[str | None] = mapped_column(EncryptedText)
    nbi_headers: Mapped[str | None] = mapped_column(EncryptedText)  # JSON object, for an authenticating proxy
    connection_request_timeout_ms: Mapped[int] = mapped_column(Integer, server_default="4000")
    rate_per_second: Mapped[float] = mapped_column(Float, server_default="50")
    reapply_drift: Mapped[bool] = mapped_column(Boolean, server_default="false")
    max_attempts: Mapped[int] = mapped_column(Integer, server_default="5")
    # Digest of the token GenieACS's extension presents when it reports informs.
    event_token_digest: Mapped[str | None] = mapped_column(String(128))
    # What authorized ONUs are told (their TR-069 management, pushed by the OLT templates).
    cwmp_url: Mapped[str] = mapped_column(String(255), server_default="")
    cwmp_username: Mapped[str | None] = mapped_column(String(100))
    cwmp_password: Mapped[str | None] = mapped_column(EncryptedText)
    huawei_tr069_profile_id: Mapped[int | None] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )
