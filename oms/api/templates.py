"""System Settings API for the CLI templates: list, read, history, edit, preview, reset.

A template read answers its `ETag`; an edit or a reset may send it back as `If-Match`,
and is refused (412, nothing saved) when someone stored another version meanwhile.

Handlers are plain `def`: FastAPI runs them in its threadpool, so the sync
database work never blocks the event loop.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Response
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from core.access import Permission, Principal, require
from core.db import session_scope
from core.inputs import Id, InputModel, PlainValue
from core.models import VendorFamily
from oms import cli_templates
from oms.models import CliAction, CliTemplate, Onu
from oms.scope import get_visible
from vendor_cli.base import TEMPLATE_CONTEXT_DOC
from vendor_cli.render import MAX_TEMPLATE_CHARS

router = APIRouter(prefix="/settings/cli-templates", tags=["system settings"])

MAX_BODY_CHARS = MAX_TEMPLATE_CHARS
#: the optional precondition of a change: the ETag the client read
IfMatch = Annotated[str | None, Header(
    alias="If-Match", max_length=1000,
    description="the ETag of the version you read: refused (412) when the template changed since")]
#: the answers of a read or a change: the template with its ETag
WITH_ETAG: dict[int | str, dict[str, Any]] = {
    200: {"headers": {"ETag": {"description": "the template's version, for If-Match", "schema": {"type": "string"}}}}
}
STALE: dict[int | str, dict[str, Any]] = {
    **WITH_ETAG, 412: {"description": "If-Match names another version: read the template again"}
}


class TemplateSummary(BaseModel):
    family: VendorFamily
    action: CliAction
    version: int
    updated_by: str
    updated_at: datetime
    modified: bool  # differs from the shipped default


class TemplateDetail(TemplateSummary):
    body: str
    default_body: str
    context_doc: str = TEMPLATE_CONTEXT_DOC


class TemplateVersionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    version: int
    body: str
    author: str
    comment: str
    created_at: datetime


class TemplateUpdate(InputModel):
    body: str = Field(min_length=1, max_length=MAX_BODY_CHARS)
    comment: str = Field(default="", max_length=1000)


#: a plain value of the template context (what TEMPLATE_CONTEXT_DOC lists)
ContextScalar = PlainValue
ContextKey = Annotated[str, StringConstraints(min_length=1, max_length=64)]
ContextValue = ContextScalar | dict[ContextKey, ContextScalar] | list[ContextScalar]


class PreviewRequest(InputModel):
    #: overrides on top of the sample / ONU context
    context: dict[ContextKey, ContextValue] = Field(default_factory=dict, max_length=100)
    onu_id: Id | None = None


class PreviewOut(BaseModel):
    commands: list[str]
    compensation: list[str]
    compensation_action: str | None


class TemplateFilter(InputModel):
    """GET /settings/cli-templates (every template, by family and action; unknown parameters refused)."""

    family: VendorFamily | None = None


@router.get("", response_model=list[TemplateSummary])
def list_cli_templates(
    query: Annotated[TemplateFilter, Query()], who: Principal = require(Permission.SETTINGS_READ)
) -> list[TemplateSummary]:
    with session_scope() as session:
        return [_summary(t) for t in cli_templates.list_templates(session, query.family)]


@router.get("/{family}/{action}", response_model=TemplateDetail, responses=WITH_ETAG)
def get_cli_template(
    family: VendorFamily, action: CliAction, response: Response, who: Principal = require(Permission.SETTINGS_READ)
) -> TemplateDetail:
    with session_scope() as session:
        return _detail(cli_templates.get_template(session, family, action), response)


@router.get("/{family}/{action}/versions", response_model=list[TemplateVersionOut])
def list_cli_template_versions(
    family: VendorFamily, action: CliAction, who: Principal = require(Permission.SETTINGS_READ)
) -> list[TemplateVersionOut]:
    with session_scope() as session:
        history = cli_templates.template_history(session, family, action)
        return [TemplateVersionOut.model_validate(v) for v in history]


@router.put("/{family}/{action}", response_model=TemplateDetail, responses=STALE)
def update_cli_template(
    family: VendorFamily, action: CliAction, update: TemplateUpdate, response: Response,
    if_match: IfMatch = None, who: Principal = require(Permission.SETTINGS_WRITE),
) -> TemplateDetail:
    """Store a new version (its author: the authenticated user)."""
    with session_scope() as session:
        template = cli_templates.update_template(session, family, action, update.body, who.username,
                                                 update.comment, if_match=if_match, request_id=who.request_id)
        return _detail(template, response)


@router.post("/{family}/{action}/preview", response_model=PreviewOut)
def preview_cli_template(
    family: VendorFamily, action: CliAction, request: PreviewRequest,
    who: Principal = require(Permission.SETTINGS_READ),
) -> PreviewOut:
    """Render only (nothing is stored, no device is contacted): a read."""
    with session_scope() as session:
        if request.onu_id is not None:
            get_visible(session, who, Onu, request.onu_id, "ONU")
        rendered = cli_templates.preview(session, family, action, request.context, request.onu_id)
        return PreviewOut(**rendered)


@router.post("/{family}/{action}/reset", response_model=TemplateDetail, responses=STALE)
def reset_cli_template(
    family: VendorFamily, action: CliAction, response: Response, if_match: IfMatch = None,
    who: Principal = require(Permission.SETTINGS_WRITE),
) -> TemplateDetail:
    with session_scope() as session:
        template = cli_templates.reset_to_default(session, family, action, who.username, if_match=if_match,
                                                  request_id=who.request_id)
        return _detail(template, response)


def _summary(template: CliTemplate) -> TemplateSummary:
    return TemplateSummary(
        family=template.vendor_family,
        action=template.action,
        version=template.version,
        updated_by=template.updated_by,
        updated_at=template.updated_at,
        modified=template.body != template.default_body,
    )


def _detail(template: CliTemplate, response: Response) -> TemplateDetail:
    response.headers["ETag"] = cli_templates.template_etag(template)
    return TemplateDetail(
        **_summary(template).model_dump(), body=template.body, default_body=template.default_body
    )
