"""Shared tables: vendors, settings, audit log, and who may do what: users, API tokens,
browser sessions, login attempts and restriction groups (a user's zones and OLTs)."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, Column, DateTime, ForeignKey, Index, String, Table, Text, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.crypto import EncryptedText
from core.db import Base, TimestampMixin, metadata
from core.types import enum_type


class VendorFamily(enum.StrEnum):
    """A CLI/SNMP dialect: one set of templates, parsers and OID maps."""

    HUAWEI_SMARTAX = "huawei_smartax"
    ZTE_C3XX = "zte_c3xx"
    ZTE_C6XX = "zte_c6xx"


class Role(enum.StrEnum):
    ADMIN = "admin"
    NOC_ENGINEER = "noc_engineer"
    SUPPORT = "support"
    BILLING = "billing"
    READ_ONLY = "read_only"


class Vendor(Base):
    __tablename__ = "vendors"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(64))
    families: Mapped[list[str]] = mapped_column(JSONB, server_default="[]")


class Setting(Base):
    """System Settings: one JSON value per key (ACS URL, retention, poll defaults...)."""

    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[Any] = mapped_column(JSONB)
    description: Mapped[str] = mapped_column(Text, server_default="")
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )


class AuditLog(Base):
    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_object", "object_type", "object_id"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(), index=True)
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(50))
    object_type: Mapped[str] = mapped_column(String(50))
    object_id: Mapped[str | None] = mapped_column(String(64))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    request_id: Mapped[str | None] = mapped_column(String(64))
    message: Mapped[str] = mapped_column(Text, server_default="")


class User(TimestampMixin, Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    full_name: Mapped[str] = mapped_column(String(200), server_default="")
    email: Mapped[str | None] = mapped_column(String(200))
    role: Mapped[Role] = mapped_column(enum_type(Role, "role"))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    is_active: Mapped[bool] = mapped_column(Boolean, server_default="true")  # disabled, never deleted
    totp_secret: Mapped[str | None] = mapped_column(EncryptedText)  # second factor, when enrolled

    tokens: Mapped[list[ApiToken]] = relationship(back_populates="user", cascade="all, delete-orphan")
    restriction_groups: Mapped[list[RestrictionGroup]] = relationship(secondary="user_restriction_groups")


class ApiToken(Base):
    """API token stored only as a keyed digest; the plaintext is shown once."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    key_prefix: Mapped[str] = mapped_column(String(12))
    digest: Mapped[str] = mapped_column(String(128), unique=True)
    description: Mapped[str] = mapped_column(String(200), server_default="")
    write_enabled: Mapped[bool] = mapped_column(Boolean, server_default="true")
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: acts with this role's permissions (never more than the user's own); None: the user's role
    role: Mapped[Role | None] = mapped_column(enum_type(Role, "token_role"))
    #: acts only on this group's zones and OLTs (within the user's own); None: the user's scope
    restriction_group_id: Mapped[int | None] = mapped_column(
        ForeignKey("restriction_groups.id", ondelete="RESTRICT"), index=True
    )

    user: Mapped[User] = relationship(back_populates="tokens")


user_restriction_groups = Table(
    "user_restriction_groups",
    metadata,
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("group_id", ForeignKey("restriction_groups.id", ondelete="CASCADE"), primary_key=True),
)
restriction_group_zones = Table(
    "restriction_group_zones",
    metadata,
    Column("group_id", ForeignKey("restriction_groups.id", ondelete="CASCADE"), primary_key=True),
    Column("zone_id", ForeignKey("zones.id", ondelete="CASCADE"), primary_key=True),
)
restriction_group_olts = Table(
    "restriction_group_olts",
    metadata,
    Column("group_id", ForeignKey("restriction_groups.id", ondelete="CASCADE"), primary_key=True),
    Column("olt_id", ForeignKey("olts.id", ondelete="CASCADE"), primary_key=True),
)


class RestrictionGroup(Base):
    """Zones and OLTs a user acts on (an engineer of one region sees and acts only there).
    A user in no group is not restricted; in several, their union."""

    __tablename__ = "restriction_groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    description: Mapped[str] = mapped_column(Text, server_default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class UserSession(Base):
    """A browser session: the cookie holds a random key, the row its digest and CSRF token."""

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    digest: Mapped[str] = mapped_column(String(128), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class LoginAttempt(Base):
    """Every login attempt, for rate limiting per user and per address."""

    __tablename__ = "login_attempts"
    __table_args__ = (
        Index("ix_login_attempts_username_at", "username", "at"),
        Index("ix_login_attempts_address_at", "address", "at"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    username: Mapped[str] = mapped_column(String(64))
    address: Mapped[str] = mapped_column(String(64))
    succeeded: Mapped[bool] = mapped_column(Boolean)
