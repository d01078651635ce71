"""seed the shipped default CLI templates (one per vendor family and action)

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27 10:00:00
"""

from collections.abc import Sequence
from pathlib import Path

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Families and actions are written out here and the files are read by path (no
# application imports), so this revision keeps working whatever the code looks like later.
FAMILIES = ["huawei_smartax", "zte_c3xx", "zte_c6xx"]
ACTIONS = ["authorize", "remove", "reboot", "suspend", "resume", "rename", "replace", "move"]
VENDOR_CLI_DIR = Path(__file__).resolve().parents[2] / "vendor_cli"
AUTHOR = "system"

templates = sa.table(
    "cli_templates",
    sa.column("id", sa.Integer),
    sa.column("vendor_family", sa.String),
    sa.column("action", sa.String),
    sa.column("body", sa.Text),
    sa.column("default_body", sa.Text),
    sa.column("version", sa.Integer),
    sa.column("updated_by", sa.String),
)
versions = sa.table(
    "cli_template_versions",
    sa.column("template_id", sa.Integer),
    sa.column("version", sa.Integer),
    sa.column("body", sa.Text),
    sa.column("author", sa.String),
    sa.column("comment", sa.Text),
)


def shipped_templates() -> list[tuple[str, str, str]]:
    """(family, action, body) for every shipped template file; families without files are skipped."""
    found = []
    for family in FAMILIES:
        for action in ACTIONS:
            path = VENDOR_CLI_DIR / family / "templates" / f"{action}.j2"
            if path.is_file():
                found.append((family, action, path.read_text(encoding="utf-8")))
    return found


def upgrade() -> None:
    conn = op.get_bind()
    for family, action, body in shipped_templates():
        template_id = conn.execute(
            templates.insert()
            .values(
                vendor_family=family,
                action=action,
                body=body,
                default_body=body,
                version=1,
                updated_by=AUTHOR,
            )
            .returning(templates.c.id)
        ).scalar_one()
        conn.execute(
            versions.insert().values(
                template_id=template_id, version=1, body=body, author=AUTHOR, comment="shipped default"
            )
        )


def downgrade() -> None:
    # Versions go with their template (ON DELETE CASCADE).
    conn = op.get_bind()
    conn.execute(templates.delete().where(templates.c.vendor_family.in_(FAMILIES)))
