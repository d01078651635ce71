"""seed what every install needs: vendor list and default System Settings

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 21:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Data is written out here (not imported from the application) so that this
# revision always seeds the same rows, whatever later code looks like.
VENDORS = [
    {"slug": "huawei", "name": "Huawei", "families": ["huawei_smartax"]},
    {"slug": "zte", "name": "ZTE", "families": ["zte_c3xx", "zte_c6xx"]},
    {"slug": "fiberhome", "name": "FiberHome", "families": []},
    {"slug": "vsol", "name": "VSOL", "families": []},
    {"slug": "cdata", "name": "C-Data", "families": []},
    {"slug": "bdcom", "name": "BDCOM", "families": []},
    {"slug": "nokia", "name": "Nokia", "families": []},
]

SETTINGS = [
    ("acs.url", "", "CWMP URL the ONUs are told to contact (TR-069 ACS), e.g. http://acs.example.net:7547"),
    ("acs.username", "", "CWMP username ONUs use towards the ACS"),
    ("acs.password", "", "CWMP password ONUs use towards the ACS"),
    ("acs.nbi_url", "http://127.0.0.1:7557", "GenieACS northbound (NBI) API base URL"),
    ("acs.huawei_profile_id", 1, "Huawei OLT tr069-server-profile id bound to new ONTs"),
    ("monitoring.status_interval_s", 300, "Default interval for ONU status and OLT health polls"),
    ("monitoring.optical_interval_s", 3600, "Default interval for per-ONU optical power polls"),
    ("monitoring.history_retention_days", 30, "How long signal/status samples are kept"),
    ("monitoring.low_signal_dbm", -27.0, "ONU RX power at or below this counts as low signal"),
    ("provisioning.default_user_vlan", 100, "User VLAN when neither the plan nor the ONU sets one"),
    ("provisioning.verify_after_push", True, "Read the ONU back from the OLT before marking it active"),
]


def upgrade() -> None:
    vendors = sa.table(
        "vendors", sa.column("slug", sa.String), sa.column("name", sa.String), sa.column("families", JSONB)
    )
    settings = sa.table(
        "settings", sa.column("key", sa.String), sa.column("value", JSONB), sa.column("description", sa.Text)
    )
    op.bulk_insert(vendors, VENDORS)
    op.bulk_insert(settings, [{"key": k, "value": v, "description": d} for k, v, d in SETTINGS])


def downgrade() -> None:
    keys = ", ".join(f"'{k}'" for k, _, _ in SETTINGS)
    slugs = ", ".join(f"'{v['slug']}'" for v in VENDORS)
    op.execute(f"DELETE FROM settings WHERE key IN ({keys})")
    op.execute(f"DELETE FROM vendors WHERE slug IN ({slugs})")
