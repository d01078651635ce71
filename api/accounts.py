"""Accounts: logging in, one's own password, second factor and API tokens; and, for those who
manage users (USERS_MANAGE), users, their tokens and restriction groups.

- `POST /auth/login` opens a browser session: the cookie (SESSION_COOKIE: HttpOnly,
  SameSite=Strict, Secure over https) holds a random key whose digest is stored, and the
  answer carries the session's CSRF token, to send as the X-CSRF-Token header of every
  change. Failed attempts are counted per username and per client address
  (LOGIN_WINDOW, MAX_USER_FAILURES, MAX_ADDRESS_FAILURES): past them the answer is 429 with
  Retry-After, the password unchecked. A wrong password, an unknown user and a disabled one
  get the same 401.
- API tokens are shown once, stored as a keyed digest (core.access.digest); a token's role,
  restriction group and expiry can only narrow what its creator holds.
- Users are never deleted, only disabled: their sessions end and their tokens stop working
  at once. Nobody changes their own role, activity, scope or (without the current one)
  password through the user-management routes.
- Every change is audited with the principal as actor; snapshots never hold a password, a
  hash, a token or a second-factor secret.

The functions of the "services" section are shared with the CLI (`ponstack user ...`,
`ponstack token create`).
"""

from __future__ import annotations

import math
import re
import secrets
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request, Response, status
from pydantic import BaseModel, Field, StrictBool, StringConstraints
from sqlalchemy import ColumnElement, delete, func, insert, select, update
from sqlalchemy.orm import Session
from sqlalchemy.sql import column, table

from core import passwords
from core.access import (
    LOGIN,
    ROLE_PERMISSIONS,
    SESSION_COOKIE,
    SESSION_LIFETIME,
    Forbidden,
    NotAuthenticated,
    Permission,
    Principal,
    digest,
    group_olts,
    new_token,
    request_id_of,
    require,
)
from core.accounts import (
    GroupOut,
    TokenFilter,
    TokenOut,
    UserFilter,
    UserOut,
    group_out,
    group_row,
    groups_page,
    token_page,
    user_out,
    user_row,
    users_page,
)
from core.audit import audit
from core.db import session_scope
from core.errors import Conflict, FieldErrors, Invalid, NotFound
from core.inputs import Id, InputModel, IsoDateTime, LongText, PatchModel
from core.models import (
    ApiToken,
    LoginAttempt,
    RestrictionGroup,
    Role,
    User,
    UserSession,
    restriction_group_olts,
    restriction_group_zones,
    user_restriction_groups,
)
from core.paging import Page, PageQuery

router = APIRouter(tags=["accounts"])

P = Permission
#: failed logins are counted over this window
LOGIN_WINDOW = timedelta(minutes=15)
#: failures of one username (since its last successful login) before its logins are refused
MAX_USER_FAILURES = 5
#: failures from one client address before its logins are refused
MAX_ADDRESS_FAILURES = 20
#: login attempts older than this are deleted (per username and address, as they log in)
ATTEMPTS_KEPT = timedelta(days=7)

USERNAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$"
Username = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=USERNAME_PATTERN)]
#: a password as typed at login (the policy applies to new ones only)
GivenPassword = Annotated[str, StringConstraints(min_length=1, max_length=passwords.MAX_LENGTH)]
NewPassword = Annotated[str, StringConstraints(min_length=passwords.MIN_LENGTH, max_length=passwords.MAX_LENGTH)]
TotpCode = Annotated[str, StringConstraints(min_length=6, max_length=8, pattern=r"^ *\d{3} ?\d{3} *$")]
FullName = Annotated[str, StringConstraints(max_length=200)]
Email = Annotated[str, StringConstraints(min_length=3, max_length=200, pattern=r"^[^@\s]+@[^@\s]+$")]
Description = Annotated[str, StringConstraints(max_length=200)]
GroupName = Annotated[str, StringConstraints(min_length=1, max_length=100)]
IdList = Annotated[list[Id], Field(max_length=1000)]

CREATED: dict[str, Any] = {"status_code": status.HTTP_201_CREATED}
NO_CONTENT: dict[str, Any] = {"status_code": status.HTTP_204_NO_CONTENT}
RATE_LIMITED: dict[int | str, dict[str, Any]] = {
    429: {"description": "too many failed attempts: retry after the Retry-After seconds"}}


# --- models ----------------------------------------------------------------------------------


class LoginIn(InputModel):
    username: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    password: GivenPassword
    totp: TotpCode | None = Field(None, description="the current code of the second factor, when enrolled")


class LoginOut(BaseModel):
    username: str
    role: Role
    csrf_token: str = Field(description="send it as the X-CSRF-Token header of every change in this session")
    expires_at: datetime


class MeOut(BaseModel):
    user_id: int
    username: str
    role: Role
    permissions: list[Permission]
    olt_ids: list[int] | None = Field(description="the OLTs in scope; null: every OLT")
    via: str = Field(description="token or session")
    write_enabled: bool
    token_id: int | None
    totp_enabled: bool


class PasswordChangeIn(InputModel):
    current_password: GivenPassword
    new_password: NewPassword


class TotpEnrolment(BaseModel):
    secret: str = Field(description="shown once: the base32 secret for an authenticator app")
    otpauth_uri: str = Field(description="the same secret as an otpauth:// URI (a QR code)")


class TotpCodeIn(InputModel):
    code: TotpCode


class TokenIn(InputModel):
    description: Description = ""
    expires_at: IsoDateTime | None = Field(None, description="none: never expires (or the creating token's expiry)")
    write_enabled: StrictBool = Field(True, description="false: a read-only token (GET and HEAD only)")
    role: Role | None = Field(None, description="act with this role's permissions; only one within your own")
    restriction_group_id: Id | None = Field(None, description="act only on this group's zones and OLTs")


class TokenCreated(TokenOut):
    token: str = Field(description="the token, shown this once only: `Authorization: Bearer <token>`")


class UserIn(InputModel):
    username: Username
    full_name: FullName = ""
    email: Email | None = None
    role: Role
    password: NewPassword


class UserPatch(PatchModel):
    nullable = frozenset({"email"})

    full_name: FullName | None = None
    email: Email | None = None
    role: Role | None = None
    is_active: StrictBool | None = Field(None, description="false: sessions end and tokens stop working at once")
    password: NewPassword | None = Field(None, description="a new password for the user (ends their sessions)")


class RestrictionGroupsIn(InputModel):
    group_ids: IdList


class GroupIn(InputModel):
    name: GroupName
    description: LongText = ""
    zone_ids: IdList = Field(default_factory=list)
    olt_ids: IdList = Field(default_factory=list)


class GroupPatch(PatchModel):
    name: GroupName | None = None
    description: LongText | None = None
    zone_ids: IdList | None = None
    olt_ids: IdList | None = None


# --- services (the API's and the CLI's) ------------------------------------------------------


def find_user(session: Session, username: str) -> User:
    user = session.scalars(select(User).where(User.username == username)).one_or_none()
    if user is None:
        raise NotFound(f"no user {username!r}")
    return user


def user_snapshot(user: User) -> dict[str, Any]:
    """What the audit log keeps of a user: never the hash or the second factor's secret."""
    return {"username": user.username, "full_name": user.full_name, "email": user.email, "role": user.role,
            "is_active": user.is_active, "totp_enabled": passwords.totp_enrolled(user.totp_secret)}


def token_snapshot(token: ApiToken) -> dict[str, Any]:
    """What the audit log keeps of a token: its visible prefix, never the token or digest."""
    return {"user_id": token.user_id, "key_prefix": token.key_prefix, "description": token.description,
            "write_enabled": token.write_enabled, "role": token.role, "expires_at": token.expires_at,
            "restriction_group_id": token.restriction_group_id, "revoked_at": token.revoked_at}


def create_user(session: Session, username: str, role: Role, password: str, actor: str, *,
                full_name: str = "", email: str | None = None, request_id: str | None = None) -> User:
    if not re.match(USERNAME_PATTERN, username):
        raise FieldErrors("a username is 1-64 letters, digits, '.', '_', '@' or '-' (not first)",
                          [{"loc": ["body", "username"], "msg": "invalid username", "type": "value_error"}])
    taken = session.scalar(select(User.username).where(func.lower(User.username) == username.lower()))
    if taken is not None:
        raise Conflict(f"username {taken!r} is already taken")
    passwords.check_policy(password, username)
    user = User(username=username, role=role, full_name=full_name, email=email,
                password_hash=passwords.hash_password(password))
    session.add(user)
    session.flush()
    audit(session, actor, "create", "user", user.id, None, user_snapshot(user), request_id=request_id)
    return user


def end_sessions(session: Session, user_id: int, keep_digest: str | None = None) -> None:
    """End the user's open sessions (all but `keep_digest`'s)."""
    condition = [UserSession.user_id == user_id, UserSession.revoked_at.is_(None)]
    if keep_digest is not None:
        condition.append(UserSession.digest != keep_digest)
    session.execute(update(UserSession).where(*condition).values(revoked_at=datetime.now(UTC)))


def set_active(session: Session, user: User, active: bool, actor: str, request_id: str | None = None) -> None:
    """Enable or disable a user; disabling ends their sessions (their tokens stop working
    through the user's state, checked on every request)."""
    if user.is_active == active:
        return
    before = user_snapshot(user)
    user.is_active = active
    if not active:
        end_sessions(session, user.id)
    audit(session, actor, "enable" if active else "disable", "user", user.id, before, user_snapshot(user),
          request_id=request_id)


def set_password(session: Session, user: User, password: str, actor: str, request_id: str | None = None,
                 keep_session_digest: str | None = None) -> None:
    """A new password (policy checked); every other session of the user ends."""
    passwords.check_policy(password, user.username)
    user.password_hash = passwords.hash_password(password)
    end_sessions(session, user.id, keep_session_digest)
    audit(session, actor, "password_change", "user", user.id, None, None, request_id=request_id,
          message="password changed (sessions ended)")


def create_token(session: Session, user: User, actor: str, *, description: str = "",
                 expires_at: datetime | None = None, write_enabled: bool = True, role: Role | None = None,
                 restriction_group_id: int | None = None, request_id: str | None = None) -> tuple[ApiToken, str]:
    """A new token of `user` and its plaintext (to show once: only its digest is stored).
    Its role is never more than the user's."""
    if role is not None and not ROLE_PERMISSIONS[role] <= ROLE_PERMISSIONS[user.role]:
        raise _field(f"a {role.value} token needs permissions {user.username} ({user.role.value}) lacks: "
                     f"{_missing(ROLE_PERMISSIONS[role], ROLE_PERMISSIONS[user.role])}", "role")
    if expires_at is not None:
        expires_at = expires_at if expires_at.tzinfo else expires_at.replace(tzinfo=UTC)
        if expires_at <= datetime.now(UTC):
            raise _field("expires_at is in the past", "expires_at")
    if restriction_group_id is not None and session.get(RestrictionGroup, restriction_group_id) is None:
        raise _field(f"restriction group {restriction_group_id} does not exist", "restriction_group_id")
    plaintext, prefix = new_token()
    token = ApiToken(user_id=user.id, key_prefix=prefix, digest=digest(plaintext), description=description,
                     write_enabled=write_enabled, expires_at=expires_at, role=role,
                     restriction_group_id=restriction_group_id)
    session.add(token)
    session.flush()
    audit(session, actor, "create", "api_token", token.id, None, token_snapshot(token), request_id=request_id,
          message=f"token {prefix}… of {user.username}")
    return token, plaintext


def revoke_token(session: Session, token: ApiToken, actor: str, request_id: str | None = None) -> None:
    if token.revoked_at is not None:
        return
    before = token_snapshot(token)
    token.revoked_at = datetime.now(UTC)
    audit(session, actor, "revoke", "api_token", token.id, before, token_snapshot(token), request_id=request_id)


def _field(message: str, field: str) -> FieldErrors:
    return FieldErrors(message, [{"loc": ["body", field], "msg": message, "type": "value_error"}])


def _missing(wanted: Iterable[Permission], held: frozenset[Permission]) -> str:
    return ", ".join(sorted(p.value for p in wanted if p not in held))


# --- logging in ------------------------------------------------------------------------------


def _address(request: Request) -> str:
    return (request.client.host if request.client else "unknown")[:64]


def _retry_after(session: Session, condition: ColumnElement[bool], since: datetime, limit: int,
                 now: datetime) -> int | None:
    """Seconds until fewer than `limit` failures since `since` remain in the window, or None
    when there are fewer already."""
    times = session.scalars(
        select(LoginAttempt.at).where(condition, LoginAttempt.succeeded.is_(False), LoginAttempt.at > since)
        .order_by(LoginAttempt.at.desc()).limit(limit)
    ).all()
    if len(times) < limit:
        return None
    return max(1, math.ceil((times[limit - 1] + LOGIN_WINDOW - now).total_seconds()))


def _refuse_when_limited(session: Session, username: str, address: str, now: datetime) -> None:
    """429 once a username or an address has failed too often in the window. Taken under a
    per-username lock, so concurrent guesses at one account are counted one after another."""
    session.execute(select(func.pg_advisory_xact_lock(func.hashtext(f"ponstack-login:{username}"))))
    window_start = now - LOGIN_WINDOW
    last_success = session.scalar(select(func.max(LoginAttempt.at)).where(
        LoginAttempt.username == username, LoginAttempt.succeeded.is_(True), LoginAttempt.at > window_start))
    waits = [
        _retry_after(session, LoginAttempt.username == username, max(window_start, last_success or window_start),
                     MAX_USER_FAILURES, now),
        _retry_after(session, LoginAttempt.address == address, window_start, MAX_ADDRESS_FAILURES, now),
    ]
    wait = max((w for w in waits if w is not None), default=None)
    if wait is not None:
        raise HTTPException(status.HTTP_429_TOO_MANY_REQUESTS,
                            f"too many failed attempts: try again in {wait} s", headers={"Retry-After": str(wait)})


def _record_attempt(session: Session, username: str, address: str, succeeded: bool, now: datetime) -> None:
    session.add(LoginAttempt(username=username, address=address, succeeded=succeeded, at=now))
    old = now - ATTEMPTS_KEPT
    session.execute(delete(LoginAttempt).where(LoginAttempt.username == username, LoginAttempt.at < old))
    session.execute(delete(LoginAttempt).where(LoginAttempt.address == address, LoginAttempt.at < old))


INVALID_LOGIN = "invalid username or password"


def _check_login(user: User | None, data: LoginIn) -> str | None:
    """Why the login fails (None: it succeeds). The password is checked first, and the same
    way, whoever the user is: the answer says nothing of whether the user exists."""
    password_ok = passwords.verify_password(user.password_hash if user else None, data.password)
    if user is None or not password_ok or not user.is_active:
        return INVALID_LOGIN
    if passwords.totp_enrolled(user.totp_secret):
        if not data.totp:
            return "second factor required: send the current code as `totp`"
        if not passwords.verify_totp(user.totp_secret, data.totp):
            return "second factor invalid"
    return None


@router.post("/auth/login", dependencies=[LOGIN],
             responses={401: {"description": "wrong credentials, or the second factor missing"}, **RATE_LIMITED})
def login(data: LoginIn, request: Request, response: Response) -> LoginOut:
    """Open a browser session: the cookie carries it, the answer its CSRF token."""
    now = datetime.now(UTC)
    address = _address(request)
    answer: LoginOut | None = None
    key = secrets.token_urlsafe(32)
    with session_scope() as session:
        _refuse_when_limited(session, data.username, address, now)
        user = session.scalars(select(User).where(User.username == data.username)).one_or_none()
        failure = _check_login(user, data)
        _record_attempt(session, data.username, address, failure is None, now)
        if user is not None and failure is None:
            assert user.password_hash is not None
            if passwords.needs_rehash(user.password_hash):
                user.password_hash = passwords.hash_password(data.password)
            previous = request.cookies.get(SESSION_COOKIE)
            if previous:  # this browser's earlier session, if any, ends
                session.execute(update(UserSession).where(UserSession.digest == digest(previous),
                                                          UserSession.revoked_at.is_(None)).values(revoked_at=now))
            csrf = secrets.token_urlsafe(32)
            expires_at = now + SESSION_LIFETIME
            session.add(UserSession(digest=digest(key), user_id=user.id, csrf_token=csrf, expires_at=expires_at))
            session.execute(delete(UserSession).where(UserSession.user_id == user.id,
                                                      UserSession.expires_at < now - ATTEMPTS_KEPT))
            audit(session, user.username, "login", "user", user.id, None, None, message=f"session from {address}",
                  request_id=request_id_of(request))
            answer = LoginOut(username=user.username, role=user.role, csrf_token=csrf, expires_at=expires_at)
    if answer is None:
        raise NotAuthenticated(failure or INVALID_LOGIN)
    response.set_cookie(SESSION_COOKIE, key, max_age=int(SESSION_LIFETIME.total_seconds()), path="/",
                        httponly=True, samesite="strict", secure=request.url.scheme == "https")
    return answer


@router.post("/auth/logout", **NO_CONTENT)
def logout(request: Request, response: Response, who: Principal = require()) -> None:
    """End this browser session (with an API token: nothing to end; revoke tokens with
    DELETE /tokens/{id})."""
    cookie = request.cookies.get(SESSION_COOKIE)
    if who.via == "session" and cookie:
        with session_scope() as session:
            session.execute(update(UserSession).where(UserSession.digest == digest(cookie))
                            .values(revoked_at=datetime.now(UTC)))
            audit(session, who.username, "logout", "user", who.user_id, None, None, request_id=who.request_id)
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="strict",
                           secure=request.url.scheme == "https")


@router.get("/auth/me")
def me(who: Principal = require()) -> MeOut:
    """Who is asking, with what permissions, on which OLTs."""
    with session_scope() as session:
        user = session.get(User, who.user_id)
        totp = user is not None and passwords.totp_enrolled(user.totp_secret)
    return MeOut(user_id=who.user_id, username=who.username, role=who.role,
                 permissions=sorted(who.permissions, key=lambda p: p.value),
                 olt_ids=None if who.olt_ids is None else sorted(who.olt_ids), via=who.via,
                 write_enabled=who.write_enabled, token_id=who.token_id, totp_enabled=totp)


def _own_user(session: Session, who: Principal) -> User:
    user = session.get(User, who.user_id)
    if user is None:
        raise NotFound(f"no user {who.username!r}")
    return user


def _attempt_with_limit(request: Request, who: Principal, check: Any) -> None:
    """Run `check(session, user)` (False: a failed attempt) under the login rate limit of the
    user: guessing a password or a code through these routes is counted like a login."""
    now = datetime.now(UTC)
    address = _address(request)
    with session_scope() as session:
        _refuse_when_limited(session, who.username, address, now)
        ok = check(session, _own_user(session, who))
        if not ok:
            _record_attempt(session, who.username, address, False, now)
    if not ok:
        raise Invalid("the current password or code is wrong")


@router.post("/auth/password", **NO_CONTENT, responses=RATE_LIMITED)
def change_password(data: PasswordChangeIn, request: Request, who: Principal = require()) -> None:
    """Change one's own password; one's other sessions end."""
    cookie = request.cookies.get(SESSION_COOKIE) if who.via == "session" else None

    def check(session: Session, user: User) -> bool:
        if not passwords.verify_password(user.password_hash, data.current_password):
            return False
        if data.new_password == data.current_password:
            raise _field("the new password is the current one", "new_password")
        passwords.check_policy(data.new_password, user.username, "new_password")
        set_password(session, user, data.new_password, who.username, who.request_id,
                     keep_session_digest=digest(cookie) if cookie else None)
        return True

    _attempt_with_limit(request, who, check)


def _session_only(who: Principal) -> None:
    if who.via != "session":
        raise Invalid("the second factor is managed from a browser session (POST /auth/login), "
                            "not with an API token")


@router.post("/auth/totp")
def enrol_totp(who: Principal = require()) -> TotpEnrolment:
    """Start enrolling a second factor: the secret is shown this once; it takes effect when
    confirmed with a code (POST /auth/totp/confirm)."""
    _session_only(who)
    with session_scope() as session:
        user = _own_user(session, who)
        if passwords.totp_enrolled(user.totp_secret):
            raise Conflict("a second factor is already enrolled: remove it first (DELETE /auth/totp)")
        secret = passwords.new_totp_secret()
        user.totp_secret = passwords.PENDING_PREFIX + secret
        audit(session, who.username, "totp_enrol_start", "user", user.id, None, None, request_id=who.request_id)
        return TotpEnrolment(secret=secret, otpauth_uri=passwords.totp_uri(secret, user.username))


@router.post("/auth/totp/confirm", **NO_CONTENT)
def confirm_totp(data: TotpCodeIn, who: Principal = require()) -> None:
    """Confirm the enrolment with a current code: from now on logging in needs one."""
    _session_only(who)
    with session_scope() as session:
        user = _own_user(session, who)
        pending = passwords.pending_secret(user.totp_secret)
        if pending is None:
            raise Conflict("no enrolment to confirm: start one with POST /auth/totp")
        if not passwords.verify_totp(pending, data.code):
            raise _field("the code does not match the enrolled secret (check the device's clock)", "code")
        before = user_snapshot(user)
        user.totp_secret = pending
        audit(session, who.username, "totp_enrol", "user", user.id, before, user_snapshot(user),
              request_id=who.request_id)


@router.delete("/auth/totp", **NO_CONTENT, responses=RATE_LIMITED)
def remove_totp(data: TotpCodeIn, request: Request, who: Principal = require()) -> None:
    """Remove one's own second factor, proven with a current code."""
    _session_only(who)

    def check(session: Session, user: User) -> bool:
        if not passwords.totp_enrolled(user.totp_secret):
            raise Conflict("no second factor is enrolled")
        if not passwords.verify_totp(user.totp_secret, data.code):
            return False
        before = user_snapshot(user)
        user.totp_secret = None
        audit(session, who.username, "totp_remove", "user", user.id, before, user_snapshot(user),
              request_id=who.request_id)
        return True

    _attempt_with_limit(request, who, check)


# --- one's own tokens ------------------------------------------------------------------------


@router.get("/tokens")
def list_own_tokens(query: Annotated[TokenFilter, Query()], who: Principal = require()) -> Page[TokenOut]:
    """One's own API tokens (never their plaintext, which was shown once)."""
    return token_page(who.user_id, query)


@router.post("/tokens", **CREATED)
def create_own_token(data: TokenIn, who: Principal = require()) -> TokenCreated:
    """A new API token, shown this once. Its role, restriction group and expiry only narrow
    what the request's own credential holds (a token made with a token inherits its limits)."""
    with session_scope() as session:
        user = _own_user(session, who)
        creator = session.get(ApiToken, who.token_id) if who.token_id is not None else None
        role = data.role or (creator.role if creator else None)
        if role is not None and not ROLE_PERMISSIONS[role] <= who.permissions:
            raise _field(f"a token's role only narrows yours: {role.value} needs "
                         f"{_missing(ROLE_PERMISSIONS[role], who.permissions)}", "role")
        group = data.restriction_group_id or (creator.restriction_group_id if creator else None)
        if group is not None and creator is not None and creator.restriction_group_id not in (None, group):
            if session.get(RestrictionGroup, group) is None:
                raise _field(f"restriction group {group} does not exist", "restriction_group_id")
            outside = group_olts(session, [group]) - (who.olt_ids or frozenset())
            if outside:
                raise _field(f"restriction group {group} reaches OLTs outside this token's scope: "
                             f"{', '.join(map(str, sorted(outside)))}", "restriction_group_id")
        expires_at = data.expires_at
        if creator is not None and creator.expires_at is not None:
            expires_at = expires_at or creator.expires_at
            aware = expires_at if expires_at.tzinfo else expires_at.replace(tzinfo=UTC)
            if aware > creator.expires_at:
                raise _field("a token made with a token cannot outlive it", "expires_at")
        token, plaintext = create_token(
            session, user, who.username, description=data.description, expires_at=expires_at,
            write_enabled=data.write_enabled, role=role, restriction_group_id=group, request_id=who.request_id)
        return TokenCreated(**TokenOut.model_validate(token).model_dump(), token=plaintext)


def _token_of(session: Session, user_id: int, token_id: int) -> ApiToken:
    token = session.get(ApiToken, token_id)
    if token is None or token.user_id != user_id:
        raise NotFound(f"token {token_id} does not exist")
    return token


@router.delete("/tokens/{token_id}", **NO_CONTENT)
def revoke_own_token(token_id: int, who: Principal = require()) -> None:
    """Revoke one of one's tokens: it stops working at once."""
    with session_scope() as session:
        revoke_token(session, _token_of(session, who.user_id, token_id), who.username, who.request_id)


# --- users (USERS_MANAGE) --------------------------------------------------------------------


@router.get("/users")
def list_users(query: Annotated[UserFilter, Query()], who: Principal = require(P.USERS_MANAGE)) -> Page[UserOut]:
    return users_page(query)


@router.post("/users", **CREATED)
def create_user_route(data: UserIn, who: Principal = require(P.USERS_MANAGE)) -> UserOut:
    with session_scope() as session:
        user = create_user(session, data.username, data.role, data.password, who.username,
                           full_name=data.full_name, email=data.email, request_id=who.request_id)
        return user_out(user_row(session, user.id))


@router.get("/users/{user_id}")
def get_user(user_id: int, who: Principal = require(P.USERS_MANAGE)) -> UserOut:
    with session_scope() as session:
        return user_out(user_row(session, user_id))


@router.patch("/users/{user_id}")
def update_user(user_id: int, data: UserPatch, who: Principal = require(P.USERS_MANAGE)) -> UserOut:
    """Change a user; `is_active: false` disables them (users are never deleted). One's own
    role, activity and password are changed by another admin (or POST /auth/password)."""
    changes = data.changes()
    with session_scope() as session:
        user = user_row(session, user_id)
        if user.id == who.user_id:
            own: list[str] = [k for k in ("role", "is_active") if k in changes and changes[k] != getattr(user, k)]
            own += ["password"] if "password" in changes else []
            if own:
                raise Forbidden(f"{' and '.join(own)} of one's own account are changed by another admin "
                               "(one's own password with POST /auth/password)")
        before = user_snapshot(user)
        for name in ("full_name", "email", "role"):
            if name in changes:
                setattr(user, name, changes[name])
        if before != user_snapshot(user):
            session.flush()
            audit(session, who.username, "update", "user", user.id, before, user_snapshot(user),
                  request_id=who.request_id)
        if "is_active" in changes:
            set_active(session, user, changes["is_active"], who.username, who.request_id)
        if "password" in changes:
            set_password(session, user, changes["password"], who.username, who.request_id)
        session.flush()
        session.refresh(user)
        return user_out(user)


@router.delete("/users/{user_id}/totp", **NO_CONTENT)
def reset_user_totp(user_id: int, who: Principal = require(P.USERS_MANAGE)) -> None:
    """Remove a user's second factor (a lost device); they may enrol again after logging in."""
    with session_scope() as session:
        user = user_row(session, user_id)
        if user.totp_secret is None:
            return
        before = user_snapshot(user)
        user.totp_secret = None
        audit(session, who.username, "totp_remove", "user", user.id, before, user_snapshot(user),
              request_id=who.request_id)


def _missing_ids(session: Session, table_name: str, ids: Iterable[int], field: str) -> None:
    """422 naming the ids that name no row of `table_name`."""
    wanted = set(ids)
    if not wanted:
        return
    rows = table(table_name, column("id"))
    found = set(session.scalars(select(rows.c.id).where(rows.c.id.in_(sorted(wanted)))))
    missing = sorted(wanted - found)
    if missing:
        message = f"{field}: no {table_name.replace('_', ' ')} with id {', '.join(map(str, missing))}"
        raise FieldErrors(message, [{"loc": ["body", field], "msg": message, "type": "foreign_key"}])


@router.put("/users/{user_id}/restriction-groups")
def set_user_groups(user_id: int, data: RestrictionGroupsIn, who: Principal = require(P.USERS_MANAGE)) -> UserOut:
    """The user's restriction groups (replaced): none, every OLT; several, their union."""
    with session_scope() as session:
        user = user_row(session, user_id)
        before = sorted(g.id for g in user.restriction_groups)
        wanted = sorted(set(data.group_ids))
        if user.id == who.user_id and wanted != before:
            raise Forbidden("one's own restriction groups are changed by another admin")
        _missing_ids(session, "restriction_groups", wanted, "group_ids")
        session.execute(delete(user_restriction_groups).where(user_restriction_groups.c.user_id == user.id))
        if wanted:
            session.execute(insert(user_restriction_groups), [{"user_id": user.id, "group_id": g} for g in wanted])
        if wanted != before:
            audit(session, who.username, "update", "user", user.id, {"restriction_group_ids": before},
                  {"restriction_group_ids": wanted}, request_id=who.request_id)
        session.flush()
        session.expire(user)
        return user_out(user_row(session, user_id))


@router.get("/users/{user_id}/tokens")
def list_user_tokens(user_id: int, query: Annotated[TokenFilter, Query()],
                     who: Principal = require(P.USERS_MANAGE)) -> Page[TokenOut]:
    with session_scope() as session:
        user_row(session, user_id)
    return token_page(user_id, query)


@router.delete("/users/{user_id}/tokens/{token_id}", **NO_CONTENT)
def revoke_user_token(user_id: int, token_id: int, who: Principal = require(P.USERS_MANAGE)) -> None:
    with session_scope() as session:
        revoke_token(session, _token_of(session, user_id, token_id), who.username, who.request_id)


# --- restriction groups (USERS_MANAGE) -------------------------------------------------------


def _group_snapshot(out: GroupOut) -> dict[str, Any]:
    return out.model_dump(exclude={"id", "created_at"})


def _set_members(session: Session, group_id: int, zone_ids: list[int] | None, olt_ids: list[int] | None) -> None:
    for ids, assoc, key, table_name, field in (
        (zone_ids, restriction_group_zones, "zone_id", "zones", "zone_ids"),
        (olt_ids, restriction_group_olts, "olt_id", "olts", "olt_ids"),
    ):
        if ids is None:
            continue
        wanted = sorted(set(ids))
        _missing_ids(session, table_name, wanted, field)
        session.execute(delete(assoc).where(assoc.c.group_id == group_id))
        if wanted:
            session.execute(insert(assoc), [{"group_id": group_id, key: i} for i in wanted])


@router.get("/restriction-groups")
def list_groups(query: Annotated[PageQuery, Query()], who: Principal = require(P.USERS_MANAGE)) -> Page[GroupOut]:
    return groups_page(query)


@router.get("/restriction-groups/{group_id}")
def get_group(group_id: int, who: Principal = require(P.USERS_MANAGE)) -> GroupOut:
    with session_scope() as session:
        return group_out(session, group_row(session, group_id))


@router.post("/restriction-groups", **CREATED)
def create_group(data: GroupIn, who: Principal = require(P.USERS_MANAGE)) -> GroupOut:
    """A group of zones and OLTs; its users see and act only there."""
    with session_scope() as session:
        if session.scalar(select(RestrictionGroup.id).where(RestrictionGroup.name == data.name)) is not None:
            raise Conflict(f"restriction group {data.name!r} already exists")
        group = RestrictionGroup(name=data.name, description=data.description)
        session.add(group)
        session.flush()
        _set_members(session, group.id, data.zone_ids, data.olt_ids)
        out = group_out(session, group)
        audit(session, who.username, "create", "restriction_group", group.id, None, _group_snapshot(out),
              request_id=who.request_id)
        return out


@router.patch("/restriction-groups/{group_id}")
def update_group(group_id: int, data: GroupPatch, who: Principal = require(P.USERS_MANAGE)) -> GroupOut:
    """Change a group; `zone_ids` and `olt_ids`, when sent, replace the group's."""
    changes = data.changes()
    with session_scope() as session:
        group = group_row(session, group_id)
        before = _group_snapshot(group_out(session, group))
        if "name" in changes and changes["name"] != group.name:
            taken = session.scalar(select(RestrictionGroup.id).where(RestrictionGroup.name == changes["name"]))
            if taken is not None:
                raise Conflict(f"restriction group {changes['name']!r} already exists")
        for name in ("name", "description"):
            if name in changes:
                setattr(group, name, changes[name])
        _set_members(session, group.id, changes.get("zone_ids"), changes.get("olt_ids"))
        session.flush()
        out = group_out(session, group)
        if _group_snapshot(out) != before:
            audit(session, who.username, "update", "restriction_group", group.id, before, _group_snapshot(out),
                  request_id=who.request_id)
        return out
