"""System Settings: the CLI templates the OMS pushes, with versions, audit and previews.

Every change is validated (syntax and a sample render) before it is stored,
keeps the previous version, and leaves an audit log row. Previews render only;
they never contact a device.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.audit import audit
from core.models import VendorFamily
from oms.errors import Conflict, NotFound
from oms.models import CliAction, CliTemplate, CliTemplateVersion, Onu
from vendor_cli.registry import get_driver
from vendor_cli.render import TemplateError, merge_context, render_cli, sample_context, validate_template

PROVISIONING_CONTEXT_MODULE = "oms.provisioning_context"


class TemplateNotFound(NotFound):
    pass


class OnuNotFound(NotFound):
    pass


class PreviewUnavailable(Conflict):
    """The ONU context builder is not installed, or the ONU does not fit this template."""


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
) -> CliTemplate:
    """Store a new version of the template; raises TemplateError (with .line) if it does not render.
    Saving an unchanged body is a no-op."""
    validate_template(body, VendorFamily(family).value)
    template = get_template(session, family, action, for_update=True)
    if body == template.body:
        return template
    return _store_version(session, template, body, author, comment, audit_action="cli_template.update")


def reset_to_default(
    session: Session, family: VendorFamily | str, action: CliAction | str, author: str
) -> CliTemplate:
    """A new version whose body is the shipped default (not validated: reset must always be possible)."""
    template = get_template(session, family, action, for_update=True)
    if template.body == template.default_body:
        return template
    return _store_version(
        session, template, template.default_body, author, "reset to shipped default", "cli_template.reset"
    )


def preview(
    session: Session,
    family: VendorFamily | str,
    action: CliAction | str,
    context_overrides: Mapping[str, Any] | None = None,
    onu_id: int | None = None,
) -> dict[str, Any]:
    """Render the stored template (and its compensation) without contacting any device.

    The context is the sample context, or the one the OMS would build for ONU
    `onu_id`; `context_overrides` is applied on top of either."""
    family, action = VendorFamily(family), CliAction(action)
    template = get_template(session, family, action)
    if onu_id is None:
        context = sample_context(family.value, context_overrides)
    else:
        context = merge_context(_onu_context(session, family, action, onu_id), context_overrides)
    undo_action = get_driver(family).compensation.get(action.value)
    undo_commands: list[str] = []
    if undo_action:
        undo = get_template(session, family, undo_action)
        try:
            undo_commands = render_cli(None, undo.body, context)
        except TemplateError as exc:
            raise exc.for_template(f"compensation {family.value}/{undo_action}") from exc
    return {
        "commands": render_cli(None, template.body, context),
        "compensation": undo_commands,
        "compensation_action": undo_action,
    }


def _store_version(
    session: Session, template: CliTemplate, body: str, author: str, comment: str, audit_action: str
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
    audit(session, author, audit_action, "cli_template", object_id, before, after, message=comment)
    session.flush()
    session.refresh(template)  # updated_at is set by the database
    return template


def _onu_context(session: Session, family: VendorFamily, action: CliAction, onu_id: int) -> dict[str, Any]:
    onu = session.get(Onu, onu_id)
    if onu is None:
        raise OnuNotFound(f"ONU {onu_id} does not exist")
    try:
        builder = importlib.import_module(PROVISIONING_CONTEXT_MODULE)
    except ModuleNotFoundError as exc:
        if exc.name != PROVISIONING_CONTEXT_MODULE:
            raise
        raise PreviewUnavailable(
            f"cannot preview for ONU {onu_id}: {PROVISIONING_CONTEXT_MODULE} is not installed; "
            "preview with the sample context instead"
        ) from exc
    context = dict(builder.build_context(session, onu, action))
    onu_family = _context_family(context)
    if onu_family is not None and onu_family != family.value:
        raise PreviewUnavailable(f"ONU {onu_id} is on a {onu_family} OLT, not {family.value}")
    return context


def _context_family(context: Mapping[str, Any]) -> str | None:
    olt = context.get("olt")
    family = olt.get("family") if isinstance(olt, Mapping) else getattr(olt, "family", None)
    return str(family) if family is not None else None
