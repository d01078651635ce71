"""plan OLT profiles move to the OMS; settings for saving the OLT configuration and reboot checks

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04 13:00:00

The plan -> OLT profile mapping is OMS data keyed by the CRM's plan id: the table
`service_plan_profiles` becomes `plan_olt_profiles` (rows kept, constraints renamed to
the naming convention's names for the new table).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD, NEW = "service_plan_profiles", "plan_olt_profiles"
CONSTRAINTS = [
    ("pk_{}", "pk_{}"),
    ("uq_{}_plan_id_vendor_family", "uq_{}_plan_id_vendor_family"),
    ("fk_{}_plan_id_service_plans", "fk_{}_plan_id_service_plans"),
    ("ck_{}_vendor_family", "ck_{}_vendor_family"),
]

# Written out here so that this revision always seeds the same rows.
SETTINGS = [
    (
        "provisioning.save_config",
        {"huawei_smartax": True, "zte_c3xx": True, "zte_c6xx": True},
        "Per vendor family: save the OLT configuration (Huawei `save`, ZTE `write`) once after a run "
        "of jobs that changed it",
    ),
    (
        "provisioning.reboot_down_timeout_s",
        30,
        "After an ONU reboot, how long to watch for it going offline before trusting the OLT's answer alone",
    ),
    (
        "provisioning.reboot_up_timeout_s",
        180,
        "After an ONU reboot was seen taking it offline, how long it may take to come back online",
    ),
]


def _rename(table_from: str, table_to: str) -> None:
    op.rename_table(table_from, table_to)
    op.execute(f"ALTER SEQUENCE {table_from}_id_seq RENAME TO {table_to}_id_seq")
    for old, new in CONSTRAINTS:
        op.execute(f"ALTER TABLE {table_to} RENAME CONSTRAINT {old.format(table_from)} TO {new.format(table_to)}")


def upgrade() -> None:
    _rename(OLD, NEW)
    settings = sa.table(
        "settings", sa.column("key", sa.String), sa.column("value", JSONB), sa.column("description", sa.Text)
    )
    op.bulk_insert(settings, [{"key": k, "value": v, "description": d} for k, v, d in SETTINGS])


def downgrade() -> None:
    keys = ", ".join(f"'{k}'" for k, _, _ in SETTINGS)
    op.execute(f"DELETE FROM settings WHERE key IN ({keys})")
    _rename(NEW, OLD)
