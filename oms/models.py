"""OMS tables. Desired state lives here; device jobs record how it reached the OLT."""

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
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.crypto import EncryptedText
from core.db import Base, TimestampMixin
from core.models import Vendor, VendorFamily
from core.types import enum_type
from vendor_cli.base import OnuStatus  # the state vocabulary every driver reports


class CliTransport(enum.StrEnum):
    SSH = "ssh"
    TELNET = "telnet"


class PonTechnology(enum.StrEnum):
    GPON = "gpon"
    XGSPON = "xgspon"


class Tr069DataModel(enum.StrEnum):
    TR098 = "tr098"
    TR181 = "tr181"


class OnuLifecycle(enum.StrEnum):
    DISCOVERED = "discovered"  # seen in autofind, not authorized
    PREPROVISIONED = "preprovisioned"  # known by serial, waiting to be discovered
    AUTHORIZING = "authorizing"  # a job is pushing it to the OLT
    ACTIVE = "active"
    SUSPENDED = "suspended"
    FAILED = "failed"  # last job failed; retryable, see failure_reason
    REMOVING = "removing"
    REMOVED = "removed"


class AdminState(enum.StrEnum):
    ENABLED = "enabled"
    DISABLED = "disabled"


class OltProfileKind(enum.StrEnum):
    LINE = "line"
    SERVICE = "service"
    DBA = "dba"
    TRAFFIC = "traffic"
    TCONT = "tcont"
    GEMPORT = "gemport"
    ONU_TYPE = "onu_type"
    TR069 = "tr069"
    VLAN = "vlan"


class CliAction(enum.StrEnum):
    AUTHORIZE = "authorize"
    REMOVE = "remove"
    REBOOT = "reboot"
    SUSPEND = "suspend"
    RESUME = "resume"
    RENAME = "rename"
    REPLACE = "replace"
    MOVE = "move"


class SnmpVersion(enum.StrEnum):
    V2C = "v2c"
    V3 = "v3"


class SnmpAuthProtocol(enum.StrEnum):
    NONE = "none"
    MD5 = "md5"
    SHA = "sha"
    SHA224 = "sha224"
    SHA256 = "sha256"
    SHA384 = "sha384"
    SHA512 = "sha512"


class SnmpPrivProtocol(enum.StrEnum):
    NONE = "none"
    DES = "des"
    TRIPLE_DES = "3des"
    AES128 = "aes128"
    AES192 = "aes192"
    AES256 = "aes256"


class SnmpMetric(enum.StrEnum):
    ONU_STATUS = "onu_status"
    ONU_RX_POWER = "onu_rx_power"
    ONU_TX_POWER = "onu_tx_power"
    ONU_OLT_RX_POWER = "onu_olt_rx_power"
    ONU_DISTANCE = "onu_distance"
    ONU_LAST_DOWN_CAUSE = "onu_last_down_cause"
    ONU_SERIAL = "onu_serial"
    ONU_DESCRIPTION = "onu_description"
    PON_PORT_STATUS = "pon_port_status"
    PON_PORT_TX_POWER = "pon_port_tx_power"
    OLT_CPU = "olt_cpu"
    OLT_TEMPERATURE = "olt_temperature"
    BOARD_STATUS = "board_status"


class PollClass(enum.StrEnum):
    STATUS = "status"  # ONU run state + OLT health, every few minutes
    OPTICAL = "optical"  # per-ONU optical power, hourly by default
    INVENTORY = "inventory"  # serials, descriptions, boards


class PollStatus(enum.StrEnum):
    NEVER = "never"
    OK = "ok"
    PARTIAL = "partial"
    ERROR = "error"


class JobKind(enum.StrEnum):
    AUTHORIZE = "authorize"
    REMOVE = "remove"
    REBOOT = "reboot"
    SUSPEND = "suspend"
    RESUME = "resume"
    RENAME = "rename"
    REPLACE = "replace"
    MOVE = "move"
    #: configure an active ONU again in place with another plan's OLT profiles (a plan change)
    REPROFILE = "reprofile"
    DISCOVER = "discover"
    RECONCILE = "reconcile"
    TEST_CONNECTION = "test_connection"
    POLL = "poll"


class JobStatus(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    COMPENSATED = "compensated"  # device changes were undone after a failure
    NEEDS_RECONCILE = "needs_reconcile"  # compensation failed too: device and DB may differ
    CANCELLED = "cancelled"


class StepStatus(enum.StrEnum):
    OK = "ok"
    FAILED = "failed"
    SKIPPED = "skipped"


class Zone(Base):
    __tablename__ = "zones"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    description: Mapped[str] = mapped_column(Text, server_default="")

    sites: Mapped[list[Site]] = relationship(back_populates="zone")


class Site(Base):
    __tablename__ = "sites"
    __table_args__ = (UniqueConstraint("zone_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    zone_id: Mapped[int] = mapped_column(ForeignKey("zones.id", ondelete="RESTRICT"))
    name: Mapped[str] = mapped_column(String(100))
    address: Mapped[str] = mapped_column(Text, server_default="")
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)

    zone: Mapped[Zone] = relationship(back_populates="sites")


class Olt(TimestampMixin, Base):
    __tablename__ = "olts"
    __table_args__ = (
        CheckConstraint("cli_port BETWEEN 1 AND 65535", name="cli_port_range"),
        CheckConstraint("status_poll_interval_s >= 60", name="status_interval_min"),
        CheckConstraint("optical_poll_interval_s >= 300", name="optical_interval_min"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    vendor_id: Mapped[int] = mapped_column(ForeignKey("vendors.id", ondelete="RESTRICT"))
    family: Mapped[VendorFamily] = mapped_column(enum_type(VendorFamily, "vendor_family"))
    model: Mapped[str] = mapped_column(String(64))
    zone_id: Mapped[int | None] = mapped_column(ForeignKey("zones.id", ondelete="SET NULL"), index=True)
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id", ondelete="SET NULL"))
    description: Mapped[str] = mapped_column(Text, server_default="")
    is_active: Mapped[bool] = mapped_column(Boolean, server_default="true")

    mgmt_host: Mapped[str] = mapped_column(String(255))
    cli_transport: Mapped[CliTransport] = mapped_column(
        enum_type(CliTransport, "cli_transport"), server_default=CliTransport.SSH.value
    )
    cli_port: Mapped[int] = mapped_column(Integer, server_default="22")
    username: Mapped[str] = mapped_column(String(100))
    password: Mapped[str] = mapped_column(EncryptedText)
    enable_password: Mapped[str | None] = mapped_column(EncryptedText)
    connection_options: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default="{}")

    status_poll_interval_s: Mapped[int] = mapped_column(Integer, server_default="300")
    optical_poll_interval_s: Mapped[int] = mapped_column(Integer, server_default="3600")
    sys_descr: Mapped[str | None] = mapped_column(Text)
    sys_name: Mapped[str | None] = mapped_column(String(255))
    uptime_s: Mapped[int | None] = mapped_column(BigInteger)
    cpu_pct: Mapped[float | None] = mapped_column(Float)
    temperature_c: Mapped[float | None] = mapped_column(Float)
    health_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_poll_status: Mapped[PollStatus] = mapped_column(
        enum_type(PollStatus, "poll_status"), server_default=PollStatus.NEVER.value
    )
    last_poll_error: Mapped[str | None] = mapped_column(Text)
    last_poll_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_status_poll_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_optical_poll_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    vendor: Mapped[Vendor] = relationship()
    zone: Mapped[Zone | None] = relationship()
    site: Mapped[Site | None] = relationship()
    snmp: Mapped[OltSnmpSettings | None] = relationship(
        back_populates="olt", cascade="all, delete-orphan", uselist=False
    )
    pon_ports: Mapped[list[PonPort]] = relationship(back_populates="olt", cascade="all, delete-orphan")
    boards: Mapped[list[OltBoard]] = relationship(back_populates="olt", cascade="all, delete-orphan")
    profiles: Mapped[list[OltProfile]] = relationship(back_populates="olt", cascade="all, delete-orphan")


class OltSnmpSettings(Base):
    __tablename__ = "olt_snmp_settings"
    __table_args__ = (
        CheckConstraint("port BETWEEN 1 AND 65535", name="port_range"),
        CheckConstraint("timeout_s > 0 AND retries >= 0", name="timing"),
        CheckConstraint("max_repetitions BETWEEN 1 AND 200", name="max_repetitions_range"),
        CheckConstraint("max_outstanding >= 1 AND max_requests_per_s > 0", name="rate_limits"),
    )

    olt_id: Mapped[int] = mapped_column(ForeignKey("olts.id", ondelete="CASCADE"), primary_key=True)
    enabled: Mapped[bool] = mapped_column(Boolean, server_default="true")
    version: Mapped[SnmpVersion] = mapped_column(
        enum_type(SnmpVersion, "snmp_version"), server_default=SnmpVersion.V2C.value
    )
    host: Mapped[str | None] = mapped_column(String(255))  # defaults to the OLT's mgmt_host
    port: Mapped[int] = mapped_column(Integer, server_default="161")
    community: Mapped[str | None] = mapped_column(EncryptedText)
    v3_username: Mapped[str | None] = mapped_column(String(100))
    v3_auth_protocol: Mapped[SnmpAuthProtocol] = mapped_column(
        enum_type(SnmpAuthProtocol, "snmp_auth_protocol"), server_default=SnmpAuthProtocol.NONE.value
    )
    v3_auth_key: Mapped[str | None] = mapped_column(EncryptedText)
    v3_priv_protocol: Mapped[SnmpPrivProtocol] = mapped_column(
        enum_type(SnmpPrivProtocol, "snmp_priv_protocol"), server_default=SnmpPrivProtocol.NONE.value
    )
    v3_priv_key: Mapped[str | None] = mapped_column(EncryptedText)
    timeout_s: Mapped[float] = mapped_column(Float, server_default="2")
    retries: Mapped[int] = mapped_column(Integer, server_default="1")
    max_repetitions: Mapped[int] = mapped_column(Integer, server_default="25")
    max_outstanding: Mapped[int] = mapped_column(Integer, server_default="4")
    max_requests_per_s: Mapped[float] = mapped_column(Float, server_default="50")

    olt: Mapped[Olt] = relationship(back_populates="snmp")


class OltBoard(Base):
    __tablename__ = "olt_boards"
    __table_args__ = (UniqueConstraint("olt_id", "frame", "slot"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    olt_id: Mapped[int] = mapped_column(ForeignKey("olts.id", ondelete="CASCADE"))
    frame: Mapped[int] = mapped_column(Integer)
    slot: Mapped[int] = mapped_column(Integer)
    board_type: Mapped[str] = mapped_column(String(64), server_default="")
    status: Mapped[str] = mapped_column(String(64), server_default="")
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )

    olt: Mapped[Olt] = relationship(back_populates="boards")


class PonPort(Base):
    __tablename__ = "pon_ports"
    __table_args__ = (
        UniqueConstraint("olt_id", "frame", "slot", "port"),
        CheckConstraint("frame >= 0 AND slot >= 0 AND port >= 0", name="position_not_negative"),
        CheckConstraint("max_onus BETWEEN 1 AND 256", name="max_onus_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    olt_id: Mapped[int] = mapped_column(ForeignKey("olts.id", ondelete="CASCADE"))
    frame: Mapped[int] = mapped_column(Integer)
    slot: Mapped[int] = mapped_column(Integer)
    port: Mapped[int] = mapped_column(Integer)
    technology: Mapped[PonTechnology] = mapped_column(
        enum_type(PonTechnology, "pon_technology"), server_default=PonTechnology.GPON.value
    )
    max_onus: Mapped[int] = mapped_column(Integer, server_default="128")
    description: Mapped[str] = mapped_column(Text, server_default="")
    admin_enabled: Mapped[bool] = mapped_column(Boolean, server_default="true")
    oper_status: Mapped[str | None] = mapped_column(String(32))
    tx_power_dbm: Mapped[float | None] = mapped_column(Float)
    status_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    olt: Mapped[Olt] = relationship(back_populates="pon_ports")
    onus: Mapped[list[Onu]] = relationship(back_populates="pon_port")

    @property
    def fsp(self) -> str:
        return f"{self.frame}/{self.slot}/{self.port}"


class OnuType(TimestampMixin, Base):
    __tablename__ = "onu_types"
    __table_args__ = (
        UniqueConstraint("vendor", "model"),
        CheckConstraint("eth_ports >= 0 AND pots_ports >= 0", name="ports_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    vendor: Mapped[str] = mapped_column(String(64))
    model: Mapped[str] = mapped_column(String(64))
    eth_ports: Mapped[int] = mapped_column(Integer, server_default="1")
    pots_ports: Mapped[int] = mapped_column(Integer, server_default="0")
    wifi_24ghz: Mapped[bool] = mapped_column(Boolean, server_default="false")
    wifi_5ghz: Mapped[bool] = mapped_column(Boolean, server_default="false")
    catv: Mapped[bool] = mapped_column(Boolean, server_default="false")
    # Whether the ONU's WAN can be put in bridge mode (an ACS WAN intent checks it).
    supports_bridge: Mapped[bool] = mapped_column(Boolean, server_default="true")
    tr069_data_model: Mapped[Tr069DataModel] = mapped_column(
        enum_type(Tr069DataModel, "tr069_data_model"), server_default=Tr069DataModel.TR098.value
    )
    # Equipment ids the OLT reports in autofind (e.g. "HG8245H", "F660"), used to guess the type.
    equipment_ids: Mapped[list[str]] = mapped_column(JSONB, server_default="[]")

    olt_mappings: Mapped[list[OnuTypeOltMapping]] = relationship(
        back_populates="onu_type", cascade="all, delete-orphan"
    )


class OnuTypeOltMapping(Base):
    """What an ONU type selects on one vendor family: the Huawei ONT service
    profile (port layout), or the ZTE OLT-side ONU type name."""

    __tablename__ = "onu_type_olt_mappings"
    __table_args__ = (UniqueConstraint("onu_type_id", "vendor_family"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    onu_type_id: Mapped[int] = mapped_column(ForeignKey("onu_types.id", ondelete="CASCADE"))
    vendor_family: Mapped[VendorFamily] = mapped_column(enum_type(VendorFamily, "vendor_family"))
    service_profile: Mapped[str | None] = mapped_column(String(64))
    olt_onu_type: Mapped[str | None] = mapped_column(String(64))

    onu_type: Mapped[OnuType] = relationship(back_populates="olt_mappings")


class PlanOltProfile(Base):
    """What a service plan selects on one vendor family's OLTs: profile names (the id on a
    given OLT comes from that OLT's `olt_profiles` rows), VLANs and the GEM port. OMCI
    follows from these and the ONU type, never from per-ONU settings. Keyed by the CRM's
    plan id: the plan is the CRM's, how it maps onto OLTs is the OMS's."""

    __tablename__ = "plan_olt_profiles"
    __table_args__ = (UniqueConstraint("plan_id", "vendor_family"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("service_plans.id", ondelete="CASCADE"))
    vendor_family: Mapped[VendorFamily] = mapped_column(enum_type(VendorFamily, "vendor_family"))
    line_profile: Mapped[str | None] = mapped_column(String(64))
    traffic_profile_up: Mapped[str | None] = mapped_column(String(64))
    traffic_profile_down: Mapped[str | None] = mapped_column(String(64))
    tcont_profile: Mapped[str | None] = mapped_column(String(64))
    service_vlan: Mapped[int | None] = mapped_column(Integer)
    user_vlan: Mapped[int | None] = mapped_column(Integer)
    gemport: Mapped[int | None] = mapped_column(Integer)


class OltProfile(Base):
    """A profile as it exists on one OLT (line/service/DBA/traffic/T-CONT...)."""

    __tablename__ = "olt_profiles"
    __table_args__ = (UniqueConstraint("olt_id", "kind", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    olt_id: Mapped[int] = mapped_column(ForeignKey("olts.id", ondelete="CASCADE"))
    kind: Mapped[OltProfileKind] = mapped_column(enum_type(OltProfileKind, "olt_profile_kind"))
    name: Mapped[str] = mapped_column(String(64))
    profile_id: Mapped[int | None] = mapped_column(Integer)
    data: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default="{}")
    synced_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    olt: Mapped[Olt] = relationship(back_populates="profiles")


class Onu(TimestampMixin, Base):
    __tablename__ = "onus"
    __table_args__ = (
        UniqueConstraint("pon_port_id", "onu_index"),
        CheckConstraint("onu_index IS NULL OR onu_index >= 0", name="onu_index_not_negative"),
        CheckConstraint(
            "lifecycle_state NOT IN ('active', 'suspended') OR (pon_port_id IS NOT NULL AND onu_index IS NOT NULL)",
            name="provisioned_has_position",
        ),
        Index("ix_onus_olt_id_lifecycle_state", "olt_id", "lifecycle_state"),
        # `GET /onus?serial=` and the CRM search match a fragment anywhere in the serial (the vendor
        # prefix is shared by thousands): a trigram index (pg_trgm, migration 0013), not a btree.
        Index("ix_onus_serial_trgm", "serial", postgresql_using="gin", postgresql_ops={"serial": "gin_trgm_ops"}),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    serial: Mapped[str] = mapped_column(String(32), unique=True)
    olt_id: Mapped[int | None] = mapped_column(ForeignKey("olts.id", ondelete="RESTRICT"))
    pon_port_id: Mapped[int | None] = mapped_column(ForeignKey("pon_ports.id", ondelete="RESTRICT"))
    onu_index: Mapped[int | None] = mapped_column(Integer)  # the ONU id on its PON port
    onu_type_id: Mapped[int | None] = mapped_column(ForeignKey("onu_types.id", ondelete="RESTRICT"))
    subscription_id: Mapped[int | None] = mapped_column(
        ForeignKey("subscriptions.id", ondelete="SET NULL"), unique=True
    )
    name: Mapped[str] = mapped_column(String(100), server_default="")
    description: Mapped[str] = mapped_column(String(200), server_default="")
    lifecycle_state: Mapped[OnuLifecycle] = mapped_column(enum_type(OnuLifecycle, "onu_lifecycle"))
    admin_state: Mapped[AdminState] = mapped_column(
        enum_type(AdminState, "admin_state"), server_default=AdminState.ENABLED.value
    )
    failure_reason: Mapped[str | None] = mapped_column(Text)
    # Settings given at pre-provisioning (VLAN overrides, management options...).
    desired: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default="{}")

    vendor_id: Mapped[str | None] = mapped_column(String(16))  # from autofind, e.g. HWTC, ZTEG
    equipment_id: Mapped[str | None] = mapped_column(String(64))
    software_version: Mapped[str | None] = mapped_column(String(64))
    discovered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_seen_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    missing_since: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    authorized_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    status: Mapped[OnuStatus] = mapped_column(
        enum_type(OnuStatus, "onu_status"), server_default=OnuStatus.UNKNOWN.value
    )
    status_changed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    status_read_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    rx_dbm: Mapped[float | None] = mapped_column(Float)
    tx_dbm: Mapped[float | None] = mapped_column(Float)
    olt_rx_dbm: Mapped[float | None] = mapped_column(Float)
    distance_m: Mapped[int | None] = mapped_column(Integer)
    last_down_cause: Mapped[str | None] = mapped_column(String(100))
    optical_read_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    olt: Mapped[Olt | None] = relationship()
    pon_port: Mapped[PonPort | None] = relationship(back_populates="onus")
    onu_type: Mapped[OnuType | None] = relationship()
    # No relationship to the CRM's subscription: the OMS reads what provisioning needs from it
    # through oms.service (the CRM drives the OMS, never the other way round).


class OnuSample(Base):
    """Signal/status history; written in one multi-row insert per OLT poll."""

    __tablename__ = "onu_samples"
    __table_args__ = (
        Index("ix_onu_samples_onu_id_sampled_at", "onu_id", "sampled_at"),
        Index("ix_onu_samples_olt_id_sampled_at", "olt_id", "sampled_at"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    onu_id: Mapped[int] = mapped_column(ForeignKey("onus.id", ondelete="CASCADE"))
    olt_id: Mapped[int] = mapped_column(ForeignKey("olts.id", ondelete="CASCADE"))
    sampled_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    status: Mapped[OnuStatus | None] = mapped_column(enum_type(OnuStatus, "onu_status"))
    rx_dbm: Mapped[float | None] = mapped_column(Float)
    tx_dbm: Mapped[float | None] = mapped_column(Float)
    olt_rx_dbm: Mapped[float | None] = mapped_column(Float)
    distance_m: Mapped[int | None] = mapped_column(Integer)


class CliTemplate(Base):
    """System Settings: the Jinja2 CLI for one vendor family and action."""

    __tablename__ = "cli_templates"
    __table_args__ = (UniqueConstraint("vendor_family", "action"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    vendor_family: Mapped[VendorFamily] = mapped_column(enum_type(VendorFamily, "vendor_family"))
    action: Mapped[CliAction] = mapped_column(enum_type(CliAction, "cli_action"))
    body: Mapped[str] = mapped_column(Text)
    default_body: Mapped[str] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, server_default="1")
    updated_by: Mapped[str] = mapped_column(String(100), server_default="system")
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )

    versions: Mapped[list[CliTemplateVersion]] = relationship(
        back_populates="template", cascade="all, delete-orphan", order_by="CliTemplateVersion.version"
    )


class CliTemplateVersion(Base):
    __tablename__ = "cli_template_versions"
    __table_args__ = (UniqueConstraint("template_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    template_id: Mapped[int] = mapped_column(ForeignKey("cli_templates.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    body: Mapped[str] = mapped_column(Text)
    author: Mapped[str] = mapped_column(String(100))
    comment: Mapped[str] = mapped_column(Text, server_default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    template: Mapped[CliTemplate] = relationship(back_populates="versions")


class SnmpOidMap(Base):
    """How to read one metric on one vendor family: the column's OID, how to
    decode its index into frame/slot/port/ONU id, and how to scale its value."""

    __tablename__ = "snmp_oid_maps"
    __table_args__ = (UniqueConstraint("vendor_family", "metric"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    vendor_family: Mapped[VendorFamily] = mapped_column(enum_type(VendorFamily, "vendor_family"))
    metric: Mapped[SnmpMetric] = mapped_column(enum_type(SnmpMetric, "snmp_metric"))
    poll_class: Mapped[PollClass] = mapped_column(enum_type(PollClass, "poll_class"))
    oid: Mapped[str] = mapped_column(String(200))
    index_format: Mapped[str] = mapped_column(String(32))
    value_type: Mapped[str] = mapped_column(String(16))
    scale: Mapped[float] = mapped_column(Float, server_default="1")
    offset: Mapped[float] = mapped_column(Float, server_default="0")
    sentinels: Mapped[list[int]] = mapped_column(JSONB, server_default="[]")
    value_map: Mapped[dict[str, str]] = mapped_column(JSONB, server_default="{}")
    valid_min: Mapped[float | None] = mapped_column(Float)
    valid_max: Mapped[float | None] = mapped_column(Float)
    source: Mapped[str] = mapped_column(Text, server_default="")
    enabled: Mapped[bool] = mapped_column(Boolean, server_default="true")
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )


class BulkRun(Base):
    __tablename__ = "bulk_runs"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    kind: Mapped[JobKind] = mapped_column(enum_type(JobKind, "job_kind"))
    status: Mapped[JobStatus] = mapped_column(enum_type(JobStatus, "job_status"))
    requested_by: Mapped[str] = mapped_column(String(100))
    params: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default="{}")
    total: Mapped[int] = mapped_column(Integer, server_default="0")
    dry_run: Mapped[bool] = mapped_column(Boolean, server_default="false")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    jobs: Mapped[list[Job]] = relationship(back_populates="bulk_run")


class Job(Base):
    """One device action: what was asked, each step's commands and answers, the outcome."""

    __tablename__ = "jobs"
    __table_args__ = (
        Index("ix_jobs_olt_id_created_at", "olt_id", "created_at"),
        Index("ix_jobs_onu_id_created_at", "onu_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    kind: Mapped[JobKind] = mapped_column(enum_type(JobKind, "job_kind"))
    status: Mapped[JobStatus] = mapped_column(
        enum_type(JobStatus, "job_status"), server_default=JobStatus.QUEUED.value, index=True
    )
    olt_id: Mapped[int | None] = mapped_column(ForeignKey("olts.id", ondelete="SET NULL"))
    onu_id: Mapped[int | None] = mapped_column(ForeignKey("onus.id", ondelete="SET NULL"))
    bulk_run_id: Mapped[int | None] = mapped_column(
        ForeignKey("bulk_runs.id", ondelete="SET NULL"), index=True
    )
    dry_run: Mapped[bool] = mapped_column(Boolean, server_default="false")
    params: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default="{}")
    result: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default="{}")
    error: Mapped[str | None] = mapped_column(Text)
    requested_by: Mapped[str] = mapped_column(String(100), server_default="system")
    queue_job_id: Mapped[int | None] = mapped_column(BigInteger)
    attempts: Mapped[int] = mapped_column(Integer, server_default="0")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    bulk_run: Mapped[BulkRun | None] = relationship(back_populates="jobs")
    steps: Mapped[list[JobStep]] = relationship(
        back_populates="job", cascade="all, delete-orphan", order_by="JobStep.seq"
    )


class JobStep(Base):
    __tablename__ = "job_steps"
    __table_args__ = (UniqueConstraint("job_id", "seq"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(64))
    status: Mapped[StepStatus] = mapped_column(enum_type(StepStatus, "step_status"))
    commands: Mapped[list[str]] = mapped_column(JSONB, server_default="[]")
    output: Mapped[str] = mapped_column(Text, server_default="")
    error: Mapped[str | None] = mapped_column(Text)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    duration_ms: Mapped[float | None] = mapped_column(Float)

    job: Mapped[Job] = relationship(back_populates="steps")
