"""seed the shipped SNMP OID maps (one row per vendor family and metric)

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28 12:00:00

The rows come from migrations/data/0005_snmp_oid_maps.json, generated once from
oms.monitoring.oid_defaults.DEFAULT_OID_MAPS and frozen there, so this revision
always seeds the same rows whatever the application code looks like later. A
change to the defaults ships with a new revision (tests/test_oid_map_seed.py).
"""

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SEED_FILE = Path(__file__).resolve().parents[1] / "data" / "0005_snmp_oid_maps.json"

oid_maps = sa.table(
    "snmp_oid_maps",
    sa.column("vendor_family", sa.String),
    sa.column("metric", sa.String),
    sa.column("poll_class", sa.String),
    sa.column("oid", sa.String),
    sa.column("index_format", sa.String),
    sa.column("value_type", sa.String),
    sa.column("scale", sa.Float),
    sa.column("offset", sa.Float),
    sa.column("sentinels", JSONB),
    sa.column("value_map", JSONB),
    sa.column("valid_min", sa.Float),
    sa.column("valid_max", sa.Float),
    sa.column("source", sa.Text),
    sa.column("enabled", sa.Boolean),
)


def seed_rows() -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = json.loads(SEED_FILE.read_text(encoding="utf-8"))
    return rows


def upgrade() -> None:
    op.bulk_insert(oid_maps, seed_rows())


def downgrade() -> None:
    conn = op.get_bind()
    for row in seed_rows():
        conn.execute(
            oid_maps.delete().where(
                oid_maps.c.vendor_family == row["vendor_family"], oid_maps.c.metric == row["metric"]
            )
        )
