"""System Settings: the CLI templates the OMS pushes, with versions, audit and previews.

Every change is validated (syntax and a sample render) before it is stored,
keeps the previous version, and leaves an audit log row. Previews render only;
they never contact a device.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.audit import audit
from core.concurrency import check_if_match, etag
from core.models import VendorFamily
from oms.actions import COMPENSATION_OF, Templates, compensation_label, plan_action
from oms.errors import Conflict, NotFound, ProvisioningDataMissing
from oms.models import CliAction, CliTemplate, CliTemplateVersion, JobKind, Onu
from oms.redaction import Redactor
from vendor_cli.render import sample_context, validate_template


class TemplateNotFound(NotFound):
    pass


class OnuNotFound(NotFound):
    pass


class PreviewUnavailable(Conflict):
    """The ONU does not fit this template (another family, or not on any OLT yet)."""


def list_templates(session: Session, family: VendorFamily | str | None = None) -> list[CliTemplate]:
    query = select(CliTemplate).order_by(CliTemplate.vendor_family, CliTemplate.action)
    if family is not None:
        query = query.where(CliTemplate.vendor_family == VendorFamily(family))
    return list(session.scalars(query))


def get_template(
    session: Session, family: VendorFamily | str, action: CliAction | str, for_update: bool = False
) -> CliTemplate:
    query = select(CliTemplate).where(
        CliTemplate.vendor_family == VendorFamily(family), CliTemplate.action == CliAction(action)
    )
    if for_update:
        # Serialises concurrent edits of one template, so version numbers never collide.
        query = query.with_for_update().execution_options(populate_existing=True)
    template = session.scalars(query).one_or_none()
    if template is None:
        raise TemplateNotFound(f"no CLI template for {family}/{action}")
    return template


def template_etag(template: CliTemplate) -> str:
    """The template's ETag: changes with every stored version."""
    return etag("cli_template", template.vendor_family.value, template.action.value, template.version)


def template_history(
    session: Session, family: VendorFamily | str, action: CliAction | str
) -> list[CliTemplateVersion]:
    """Every stored version, newest first."""
    template = get_template(session, family, action)
    query = (
        select(CliTemplateVersion)
        .where(CliTemplateVersion.template_id == template.id)
        .order_by(CliTemplateVersion.version.desc())
    )
    return list(session.scalars(query))


def update_template(
    session: Session,
    family: VendorFamily | str,
    action: CliAction | str,
    body: str,
    author: str,
    comment: str = "",
    *,
    if_match: str | None = None,
    request_id: str | None = None,
) -> CliTemplate:
    """Store a new version of the template; raises TemplateError (with .line) if it does not render.
    Saving an unchanged body is a no-op. `if_match` (an ETag of `template_etag`) refuses the
    change (PreconditionFailed) when the template has another version by now."""
    validate_template(body, VendorFamily(family).value)
    template = get_template(session, family, action, for_update=True)
    check_if_match(if_match, template_etag(template), _label(template))
    if body == template.body:
        return template
    return _store_version(session, template, body, author, comment, "cli_template.update", request_id)


def reset_to_default(
    session: Session, family: VendorFamily | str, action: CliAction | str, author: str, *,
    if_match: str | None = None, request_id: str | None = None,
) -> CliTemplate:
    """A new version whose body is the shipped default (not validated: reset must always be possible)."""
    template = get_template(session, family, action, for_update=True)
    check_if_match(if_match, template_etag(template), _label(template))
    if template.body == template.default_body:
        return template
    return _store_version(
        session, template, template.default_body, author, "reset to shipped default", "cli_template.reset",
        request_id,
    )


def preview(
    session: Session,
    family: VendorFamily | str,
    action: CliAction | str,
    context_overrides: Mapping[str, Any] | None = None,
    onu_id: int | None = None,
) -> dict[str, Any]:
    """Render the stored template (and its compensation) without contacting any device.

    For ONU `onu_id` this is the plan the job would build (oms.actions.plan_action, the
    one the job and the dry run use), secrets redacted; without one, the sample context.
    `context_overrides` is applied on top of either."""
    family, action = VendorFamily(family), CliAction(action)
    get_template(session, family, action)
    if onu_id is not None:
        return _onu_preview(session, family, action, onu_id, context_overrides)
    context = sample_context(family.value, context_overrides)
    templates = Templates(session)
    undo: list[str] = []
    for undo_action in COMPENSATION_OF.get(action, ()):
        undo += templates.render(family.value, undo_action, context)
    return {
        "commands": templates.render(family.value, action, context),
        "compensation": undo,
        "compensation_action": compensation_label(action),
    }


def _onu_preview(session: Session, family: VendorFamily, action: CliAction, onu_id: int,
                 overrides: Mapping[str, Any] | None) -> dict[str, Any]:
    onu = session.get(Onu, onu_id)
    if onu is None:
        raise OnuNotFound(f"ONU {onu_id} does not exist")
    if onu.pon_port is None:
        raise ProvisioningDataMissing(f"ONU {onu.serial} has no PON port yet (not discovered): "
                                      "preview with the sample context")
    if onu.pon_port.olt.family is not family:
        raise PreviewUnavailable(f"ONU {onu_id} is on a {onu.pon_port.olt.family.value} OLT, not {family.value}")
    plan = plan_action(session, onu, JobKind(action.value), overrides=overrides)
    redact = Redactor(plan.secrets)
    return {
        "commands": redact.lines(plan.commands),
        "compensation": redact.lines(plan.compensation),
        "compensation_action": compensation_label(action) if plan.compensation else None,
    }


def _label(template: CliTemplate) -> str:
    return f"CLI template {template.vendor_family.value}/{template.action.value}"


def _store_version(
    session: Session, template: CliTemplate, body: str, author: str, comment: str, audit_action: str,
    request_id: str | None = None,
) -> CliTemplate:
    before = {"version": template.version, "body": template.body}
    template.body = body
    template.version += 1
    template.updated_by = author
    session.add(
        CliTemplateVersion(
            template_id=template.id, version=template.version, body=body, author=author, comment=comment
        )
    )
    object_id = f"{template.vendor_family.value}/{template.action.value}"
    after = {"version": template.version, "body": body}
    audit(session, author, audit_action, "cli_template", object_id, before, after, message=comment,
          request_id=request_id)
    session.flush()
    session.refresh(template)  # updated_at is set by the database
    return template
