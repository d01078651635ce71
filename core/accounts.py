"""The read side of users, API tokens and restriction groups: what the API answers about them
and the queries behind it, shared by the API (api/accounts.py, which also changes them) and
the console's settings pages."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from core import passwords
from core.access import Role
from core.db import session_scope
from core.errors import NotFound
from core.inputs import SearchText
from core.models import ApiToken, RestrictionGroup, User, restriction_group_olts, restriction_group_zones
from core.paging import Page, PageQuery, page_of


class TokenOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    user_id: int
    key_prefix: str
    description: str
    write_enabled: bool
    role: Role | None
    restriction_group_id: int | None
    expires_at: datetime | None
    last_used_at: datetime | None
    created_at: datetime
    revoked_at: datetime | None


class UserOut(BaseModel):
    id: int
    username: str
    full_name: str
    email: str | None
    role: Role
    is_active: bool
    totp_enabled: bool
    restriction_group_ids: list[int]
    created_at: datetime
    updated_at: datetime


class UserFilter(PageQuery):
    role: Role | None = None
    is_active: bool | None = None
    q: SearchText | None = Field(None, description="substring of username, full name or email")


class TokenFilter(PageQuery):
    revoked: bool | None = Field(None, description="true: revoked tokens only; false: not revoked")


class GroupOut(BaseModel):
    id: int
    name: str
    description: str
    zone_ids: list[int]
    olt_ids: list[int]
    created_at: datetime


def token_page(user_id: int, query: TokenFilter) -> Page[TokenOut]:
    stmt = select(ApiToken).where(ApiToken.user_id == user_id)
    if query.revoked is not None:
        stmt = stmt.where(ApiToken.revoked_at.is_not(None) if query.revoked else ApiToken.revoked_at.is_(None))
    with session_scope() as session:
        return page_of(session, stmt, query, TokenOut.model_validate, order_by=[ApiToken.id])


def user_out(user: User) -> UserOut:
    return UserOut(id=user.id, username=user.username, full_name=user.full_name, email=user.email, role=user.role,
                   is_active=user.is_active, totp_enabled=passwords.totp_enrolled(user.totp_secret),
                   restriction_group_ids=sorted(g.id for g in user.restriction_groups),
                   created_at=user.created_at, updated_at=user.updated_at)


def user_row(session: Session, user_id: int) -> User:
    user = session.get(User, user_id, options=[selectinload(User.restriction_groups)])
    if user is None:
        raise NotFound(f"user {user_id} does not exist")
    return user


def contains(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def users_page(query: UserFilter) -> Page[UserOut]:
    stmt = select(User).options(selectinload(User.restriction_groups))
    if query.role is not None:
        stmt = stmt.where(User.role == query.role)
    if query.is_active is not None:
        stmt = stmt.where(User.is_active.is_(query.is_active))
    if query.q:
        like = contains(query.q)
        stmt = stmt.where(or_(User.username.ilike(like), User.full_name.ilike(like), User.email.ilike(like)))
    with session_scope() as session:
        return page_of(session, stmt, query, user_out, order_by=[User.id])


def group_out(session: Session, group: RestrictionGroup) -> GroupOut:
    zones = session.scalars(select(restriction_group_zones.c.zone_id)
                            .where(restriction_group_zones.c.group_id == group.id)
                            .order_by(restriction_group_zones.c.zone_id)).all()
    olts = session.scalars(select(restriction_group_olts.c.olt_id)
                           .where(restriction_group_olts.c.group_id == group.id)
                           .order_by(restriction_group_olts.c.olt_id)).all()
    return GroupOut(id=group.id, name=group.name, description=group.description, zone_ids=list(zones),
                    olt_ids=list(olts), created_at=group.created_at)


def group_row(session: Session, group_id: int) -> RestrictionGroup:
    group = session.get(RestrictionGroup, group_id)
    if group is None:
        raise NotFound(f"restriction group {group_id} does not exist")
    return group


def groups_page(query: PageQuery) -> Page[GroupOut]:
    with session_scope() as session:
        return page_of(session, select(RestrictionGroup), query, lambda g: group_out(session, g),
                       order_by=[RestrictionGroup.id])
