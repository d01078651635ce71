"""System Settings API for the CLI templates: list, read, history, edit, preview, reset.

Handlers are plain `def`: FastAPI runs them in its threadpool, so the sync
database work never blocks the event loop.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Header
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from core.db import session_scope
from core.inputs import Id, InputModel, PlainValue
from core.models import VendorFamily
from oms import cli_templates
from oms.models import CliAction, CliTemplate
from vendor_cli.base import TEMPLATE_CONTEXT_DOC
from vendor_cli.render import MAX_TEMPLATE_CHARS

router = APIRouter(prefix="/settings/cli-templates", tags=["system settings"])

Author = Annotated[str, Header(alias="X-Ponstack-User", min_length=1, max_length=100)]
MAX_BODY_CHARS = MAX_TEMPLATE_CHARS


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


@router.get("", response_model=list[TemplateSummary])
def list_cli_templates(family: VendorFamily | None = None) -> list[TemplateSummary]:
    with session_scope() as session:
        return [_summary(t) for t in cli_templates.list_templates(session, family)]


@router.get("/{family}/{action}", response_model=TemplateDetail)
def get_cli_template(family: VendorFamily, action: CliAction) -> TemplateDetail:
    with session_scope() as session:
        return _detail(cli_templates.get_template(session, family, action))


@router.get("/{family}/{action}/versions", response_model=list[TemplateVersionOut])
def list_cli_template_versions(family: VendorFamily, action: CliAction) -> list[TemplateVersionOut]:
    with session_scope() as session:
        history = cli_templates.template_history(session, family, action)
        return [TemplateVersionOut.model_validate(v) for v in history]


@router.put("/{family}/{action}", response_model=TemplateDetail)
def update_cli_template(
    family: VendorFamily, action: CliAction, update: TemplateUpdate, author: Author = "api"
) -> TemplateDetail:
    with session_scope() as session:
        template = cli_templates.update_template(session, family, action, update.body, author, update.comment)
        return _detail(template)


@router.post("/{family}/{action}/preview", response_model=PreviewOut)
def preview_cli_template(family: VendorFamily, action: CliAction, request: PreviewRequest) -> PreviewOut:
    with session_scope() as session:
        rendered = cli_templates.preview(session, family, action, request.context, request.onu_id)
        return PreviewOut(**rendered)


@router.post("/{family}/{action}/reset", response_model=TemplateDetail)
def reset_cli_template(family: VendorFamily, action: CliAction, author: Author = "api") -> TemplateDetail:
    with session_scope() as session:
        return _detail(cli_templates.reset_to_default(session, family, action, author))


def _summary(template: CliTemplate) -> TemplateSummary:
    return TemplateSummary(
        family=template.vendor_family,
        action=template.action,
        version=template.version,
        updated_by=template.updated_by,
        updated_at=template.updated_at,
        modified=template.body != template.default_body,
    )


def _detail(template: CliTemplate) -> TemplateDetail:
    return TemplateDetail(
        **_summary(template).model_dump(), body=template.body, default_body=template.default_body
    )
