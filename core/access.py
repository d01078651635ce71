"""Who may do what. Every route declares what it needs next to itself:

    @router.get("/olts")
    def list_olts(who: Principal = require(Permission.NETWORK_READ)) -> ...

`require` authenticates the request (an API token, `Authorization: Bearer ...`, or a
browser session cookie with its CSRF header on changes), checks the permission and
answers 401/403 otherwise; the route gets the `Principal`, the one source of the actor
of a change (never a header). A principal restricted to zones or OLTs
(`Principal.olt_ids`) sees nothing outside them: another zone's OLT is a 404, not a 403.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
import re
import secrets
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import Depends, Request
from sqlalchemy import ColumnElement, bindparam, false, func, select, update
from sqlalchemy.orm import Session
from sqlalchemy.sql import column, table

from core.crypto import resolve_secret_key
from core.db import session_scope
from core.errors import DomainError
from core.models import (
    ApiToken,
    Role,
    User,
    UserSession,
    restriction_group_olts,
    restriction_group_zones,
    user_restriction_groups,
)


class Permission(enum.StrEnum):
    CRM_READ = "crm:read"  # customers, subscriptions, plans, tickets
    CRM_WRITE = "crm:write"  # customers, subscriptions (their lifecycle drives the network)
    PLANS_WRITE = "plans:write"
    BILLING_READ = "billing:read"  # invoices, payments
    BILLING_WRITE = "billing:write"
    TICKETS_WRITE = "tickets:write"
    NETWORK_READ = "network:read"  # OLTs, ports, ONUs, jobs, monitoring
    ONU_DIAGNOSE = "onu:diagnose"  # reboot, poll now
    ONU_PROVISION = "onu:provision"  # authorize, remove, suspend, resume, rename, replace, move, bulk
    ONU_CONFIGURE = "onu:configure"  # WAN, Wi-Fi, factory reset, firmware through the ACS (intents)
    OLT_MANAGE = "olt:manage"  # OLTs, their profiles and SNMP settings, discovery, reconcile
    SETTINGS_READ = "settings:read"  # CLI templates, OID maps, ONU types, zones
    SETTINGS_WRITE = "settings:write"
    USERS_MANAGE = "users:manage"  # users, their tokens, restriction groups
    AUDIT_READ = "audit:read"


P = Permission
READS = frozenset(p for p in Permission if p.value.endswith(":read") and p is not P.AUDIT_READ)
ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ADMIN: frozenset(Permission),
    Role.NOC_ENGINEER: READS - {P.BILLING_READ} | {
        P.TICKETS_WRITE, P.ONU_DIAGNOSE, P.ONU_PROVISION, P.ONU_CONFIGURE, P.OLT_MANAGE, P.SETTINGS_WRITE},
    Role.SUPPORT: READS | {P.CRM_WRITE, P.TICKETS_WRITE, P.ONU_DIAGNOSE, P.ONU_CONFIGURE},
    Role.BILLING: frozenset({P.CRM_READ, P.CRM_WRITE, P.PLANS_WRITE, P.BILLING_READ, P.BILLING_WRITE,
                             P.TICKETS_WRITE}),
    Role.READ_ONLY: READS,
}
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
TOKEN_PREFIX = "pst_"
SESSION_COOKIE = "ponstack_session"
CSRF_HEADER = "X-CSRF-Token"
SESSION_LIFETIME = timedelta(hours=12)
#: last_used_at is written at most this often (one write per token per minute, not per request)
LAST_USED_RESOLUTION = timedelta(minutes=1)
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class NotAuthenticated(DomainError):
    status = 401


class Forbidden(DomainError):
    status = 403


@dataclass(frozen=True)
class Principal:
    """The authenticated actor of one request."""

    user_id: int
    username: str
    role: Role
    permissions: frozenset[Permission]
    #: False for a read-only token: only GET/HEAD
    write_enabled: bool = True
    #: the OLTs this principal acts on; None: every OLT
    olt_ids: frozenset[int] | None = None
    via: str = "token"
    request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    token_id: int | None = None
    #: a browser session's CSRF token, which its pages send back with every change (never shown)
    csrf_token: str | None = field(default=None, repr=False)

    def can(self, permission: Permission) -> bool:
        return permission in self.permissions

    def sees_olt(self, olt_id: int | None) -> bool:
        """Whether the OLT is in scope (an ONU on no OLT yet is seen only unrestricted)."""
        return self.olt_ids is None or (olt_id is not None and olt_id in self.olt_ids)

    def olt_condition(self, olt_id_column: Any) -> ColumnElement[bool] | None:
        """A WHERE condition keeping rows of OLTs in scope (None: no restriction)."""
        if self.olt_ids is None:
            return None
        return olt_id_column.in_(sorted(self.olt_ids)) if self.olt_ids else false()


#: the actor of work nobody asked for through the API (the worker, migrations, the CLI)
def system_principal(name: str = "system") -> Principal:
    return Principal(0, name, Role.ADMIN, frozenset(Permission), via="system")


class Requirement:
    """The dependency `require` returns; the route table keeps it, so a test can list every
    route's permissions (and find a route without one)."""

    #: pages answer an anonymous caller with a redirect to the login page, not a 401
    redirects_to_login = False

    def __init__(self, permissions: tuple[Permission, ...], public: bool = False,
                 reads_credentials: bool = True) -> None:
        self.permissions = permissions
        self.public = public
        self.reads_credentials = reads_credentials

    def __call__(self, request: Request) -> Principal | None:
        if not self.reads_credentials:
            return None
        principal = authenticate(request)
        if principal is None:
            if self.public:
                return None
            raise NotAuthenticated("authentication required: send `Authorization: Bearer <token>` "
                                   "or log in (POST /auth/login)")
        if not principal.write_enabled and request.method not in SAFE_METHODS:
            raise Forbidden("this token is read-only")
        missing = [p.value for p in self.permissions if not principal.can(p)]
        if missing:
            raise Forbidden(f"{principal.username} ({principal.role.value}) lacks {', '.join(missing)}")
        return principal


def require(*permissions: Permission) -> Any:
    """Declare what a route needs; the parameter receives the authenticated Principal."""
    return Depends(Requirement(permissions))


#: for the few routes anyone may call (health probes, login): the parameter is None when anonymous
PUBLIC: Any = Depends(Requirement((), public=True))
#: the login itself: public, and blind to the credentials sent (an expired session cookie
#: must not stop its browser from logging in again)
LOGIN: Any = Depends(Requirement((), public=True, reads_credentials=False))


# --- authentication ---------------------------------------------------------------------------


def digest(secret: str) -> str:
    """A keyed digest of a token or session key: the database never holds one in clear."""
    key = resolve_secret_key().split(",")[0].strip().encode()
    return hmac.new(key, secret.encode(), hashlib.sha256).hexdigest()


def new_token() -> tuple[str, str]:
    """(plaintext shown once, its visible prefix): `pst_` + 40 random url-safe characters."""
    plaintext = TOKEN_PREFIX + secrets.token_urlsafe(30)
    return plaintext, plaintext[:12]


def request_id_of(request: Request) -> str:
    """The request's id: the one the API's request guard gave it (echoed as X-Request-ID),
    else the client's X-Request-ID when it is a plain token, else a new one."""
    given = getattr(request.state, "request_id", None) or request.headers.get("x-request-id", "")
    return given if _REQUEST_ID.match(given) else str(uuid.uuid4())


def authenticate(request: Request) -> Principal | None:
    """The request's principal (cached on the request), or None when it carries no credential.
    A credential that does not check out is a 401, never anonymous access."""
    if hasattr(request.state, "principal"):
        return request.state.principal
    principal = _from_credentials(request)
    request.state.principal = principal
    return principal


def _from_credentials(request: Request) -> Principal | None:
    header = request.headers.get("authorization", "")
    if header:
        scheme, _, credential = header.partition(" ")
        if scheme.lower() != "bearer" or not credential.strip():
            raise NotAuthenticated("unsupported Authorization header: use `Bearer <token>`")
        return _from_token(credential.strip(), request_id_of(request))
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        return _from_session(cookie, request)
    return None


def _user_groups() -> Any:
    """The user's restriction groups as one array column (NULL: none), so a request's credential,
    its user and their scope come in one indexed query."""
    return (select(func.array_agg(user_restriction_groups.c.group_id))
            .where(user_restriction_groups.c.user_id == User.id).scalar_subquery())


#: a request's token, its user and their restriction groups: one query on the token's unique
#: digest, built once (only the digest changes), plain columns (no ORM objects to build per request)
_TOKEN_QUERY = (
    select(ApiToken.id, ApiToken.revoked_at, ApiToken.expires_at, ApiToken.last_used_at, ApiToken.write_enabled,
           ApiToken.role, ApiToken.restriction_group_id, User.id.label("user_id"), User.username,
           User.role.label("user_role"), User.is_active, _user_groups().label("groups"))
    .join(User, User.id == ApiToken.user_id)
    .where(ApiToken.digest == bindparam("digest"))
)


def _from_token(plaintext: str, request_id: str) -> Principal:
    now = datetime.now(UTC)
    with session_scope() as session:
        token = session.execute(_TOKEN_QUERY, {"digest": digest(plaintext)}).one_or_none()
        if token is None:
            raise NotAuthenticated("invalid token")
        if token.revoked_at is not None or not token.is_active:
            raise NotAuthenticated("token revoked or its user disabled")
        if token.expires_at is not None and token.expires_at <= now:
            raise NotAuthenticated("token expired")
        if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
            session.execute(update(ApiToken).where(ApiToken.id == token.id).values(last_used_at=now))
        permissions = ROLE_PERMISSIONS[token.user_role]
        if token.role is not None:
            permissions &= ROLE_PERMISSIONS[token.role]
        olt_ids = _scope(session, token.groups)
        if token.restriction_group_id is not None:
            group = group_olts(session, [token.restriction_group_id])
            olt_ids = group if olt_ids is None else olt_ids & group
        return Principal(token.user_id, token.username, token.user_role, permissions, token.write_enabled,
                         olt_ids, "token", request_id, token.id)


def _from_session(cookie: str, request: Request) -> Principal:
    now = datetime.now(UTC)
    with session_scope() as session:
        row = session.execute(
            select(UserSession, User, _user_groups()).join(User, User.id == UserSession.user_id)
            .where(UserSession.digest == digest(cookie))
        ).one_or_none()
        if row is None:
            raise NotAuthenticated("session unknown or expired: log in again")
        user_session, user, groups = row
        if user_session.revoked_at is not None or user_session.expires_at <= now or not user.is_active:
            raise NotAuthenticated("session ended: log in again")
        if request.method not in SAFE_METHODS:
            sent = request.headers.get(CSRF_HEADER.lower(), "")
            if not hmac.compare_digest(sent, user_session.csrf_token):
                raise Forbidden(f"a change from a browser session needs the {CSRF_HEADER} header of the session")
        return Principal(user.id, user.username, user.role, ROLE_PERMISSIONS[user.role], True,
                         _scope(session, groups), "session", request_id_of(request),
                         csrf_token=user_session.csrf_token)


def _scope(session: Session, groups: list[int] | None) -> frozenset[int] | None:
    """The OLTs of the user's restriction groups (`_user_groups`); None: unrestricted."""
    return group_olts(session, list(groups)) if groups else None


_OLTS = table("olts", column("id"), column("zone_id"))


def group_olts(session: Session, group_ids: list[int]) -> frozenset[int]:
    """The OLTs of these restriction groups: those named, and those in their zones."""
    named = select(restriction_group_olts.c.olt_id).where(restriction_group_olts.c.group_id.in_(group_ids))
    zones = select(restriction_group_zones.c.zone_id).where(restriction_group_zones.c.group_id.in_(group_ids))
    in_zones = select(_OLTS.c.id).where(_OLTS.c.zone_id.in_(zones))
    return frozenset(session.execute(named.union(in_zones)).scalars())
