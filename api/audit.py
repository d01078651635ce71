"""The audit log, read: who changed what, when, in which request (AUDIT_READ: admins)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from core.access import Permission, Principal, require
from core.db import session_scope
from core.inputs import IsoDateTime, SearchText
from core.models import AuditLog
from core.paging import Page, PageQuery, page_of

router = APIRouter(tags=["audit"])


class AuditFilter(PageQuery):
    model_config = ConfigDict(populate_by_name=True)

    actor: SearchText | None = Field(None, description="who made the change (exact)")
    object_type: SearchText | None = Field(None, description="e.g. user, api_token, olt, customer")
    object_id: SearchText | None = None
    action: SearchText | None = Field(None, description="e.g. create, update, delete, login, revoke")
    since: IsoDateTime | None = Field(None, alias="from", description="changes at or after this moment")
    until: IsoDateTime | None = Field(None, alias="to", description="changes before this moment")


class AuditOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    at: datetime
    actor: str
    action: str
    object_type: str
    object_id: str | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    request_id: str | None
    message: str


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@router.get("/audit")
def list_audit(query: Annotated[AuditFilter, Query()],
               who: Principal = require(Permission.AUDIT_READ)) -> Page[AuditOut]:
    """The audit log, newest first, narrowed by the filters sent (a time without a zone is UTC)."""
    stmt = select(AuditLog)
    for column, value in ((AuditLog.actor, query.actor), (AuditLog.object_type, query.object_type),
                          (AuditLog.object_id, query.object_id), (AuditLog.action, query.action)):
        if value is not None:
            stmt = stmt.where(column == value)
    if query.since is not None:
        stmt = stmt.where(AuditLog.at >= _aware(query.since))
    if query.until is not None:
        stmt = stmt.where(AuditLog.at < _aware(query.until))
    with session_scope() as session:
        return page_of(session, stmt, query, AuditOut.model_validate, order_by=[AuditLog.at.desc(), AuditLog.id.desc()])
