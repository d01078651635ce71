"""search: trigram indexes for customers and ONU serials; tickets' categories

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04 19:20:00

The customer search (crm.search) and `GET /onus?serial=` match fragments anywhere in a
field, misspelt names included: GIN indexes with pg_trgm's `gin_trgm_ops`. pg_trgm ships
with PostgreSQL's contrib package; a server without it (the embedded pgserver build has no
contrib extensions) gets plain btree indexes under the same names, so the schema check
(core.checks) still holds, and crm.search falls back to ILIKE substring matching.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0013'
down_revision: str | None = '0012'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SEARCH_COLUMNS = ('name', 'code', 'email', 'phone', 'address')
PHONE_DIGITS = "regexp_replace(coalesce(phone, ''), '[^0-9]', '', 'g')"
CATEGORIES = ('no_service', 'slow_speed', 'intermittent', 'wifi', 'installation', 'billing', 'other')


def _trigram_available() -> bool:
    bind = op.get_bind()
    available = bind.execute(sa.text("SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'")).first()
    if available is None:
        return False
    op.execute('CREATE EXTENSION IF NOT EXISTS pg_trgm')
    return True


def upgrade() -> None:
    if _trigram_available():
        columns = ', '.join(f'{c} gin_trgm_ops' for c in SEARCH_COLUMNS)
        op.execute(f'CREATE INDEX ix_customers_search_trgm ON customers USING gin ({columns})')
        op.execute(f'CREATE INDEX ix_customers_phone_digits_trgm ON customers USING gin (({PHONE_DIGITS}) gin_trgm_ops)')
        op.execute('CREATE INDEX ix_onus_serial_trgm ON onus USING gin (serial gin_trgm_ops)')
    else:  # no pg_trgm: prefix-capable btrees under the same names (crm.search uses ILIKE then)
        op.execute('CREATE INDEX ix_customers_search_trgm ON customers (lower(name) text_pattern_ops)')
        op.execute(f'CREATE INDEX ix_customers_phone_digits_trgm ON customers (({PHONE_DIGITS}) text_pattern_ops)')
        op.execute('CREATE INDEX ix_onus_serial_trgm ON onus (serial text_pattern_ops)')

    op.add_column('tickets', sa.Column('subscription_id', sa.Integer(), nullable=True))
    op.create_foreign_key(op.f('fk_tickets_subscription_id_subscriptions'), 'tickets', 'subscriptions',
                          ['subscription_id'], ['id'], ondelete='SET NULL')
    op.create_index(op.f('ix_tickets_subscription_id'), 'tickets', ['subscription_id'])
    op.add_column('tickets', sa.Column('category', sa.String(32), server_default='other', nullable=False))
    values = ', '.join(f"'{v}'" for v in CATEGORIES)
    op.create_check_constraint(op.f('ck_tickets_ticket_category'), 'tickets', f'category IN ({values})')


def downgrade() -> None:
    op.drop_constraint(op.f('ck_tickets_ticket_category'), 'tickets', type_='check')
    op.drop_column('tickets', 'category')
    op.drop_index(op.f('ix_tickets_subscription_id'), table_name='tickets')
    op.drop_constraint(op.f('fk_tickets_subscription_id_subscriptions'), 'tickets', type_='foreignkey')
    op.drop_column('tickets', 'subscription_id')
    op.execute('DROP INDEX IF EXISTS ix_onus_serial_trgm')
    op.execute('DROP INDEX IF EXISTS ix_customers_phone_digits_trgm')
    op.execute('DROP INDEX IF EXISTS ix_customers_search_trgm')
    # the pg_trgm extension stays: other objects may use it
