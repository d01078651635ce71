"""subscription lifecycle as jobs: the transition whose network side is in progress or failed,
the plan's WAN mode and the subscription's Wi-Fi; the `reprofile` job (a plan change on the OLT)

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-04 23:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0014'
down_revision: str | None = '0013'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _enum(*values: str, name: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=32)


JOB_KINDS = ('authorize', 'remove', 'reboot', 'suspend', 'resume', 'rename', 'replace', 'move', 'discover',
             'reconcile', 'test_connection', 'poll')


def _job_kinds(kinds: tuple[str, ...]) -> None:
    values = ', '.join(f"'{kind}'" for kind in kinds)
    for table in ('jobs', 'bulk_runs'):
        op.drop_constraint(op.f(f'ck_{table}_job_kind'), table, type_='check')
        op.create_check_constraint(op.f(f'ck_{table}_job_kind'), table, f'kind IN ({values})')


def upgrade() -> None:
    _job_kinds(JOB_KINDS + ('reprofile',))
    op.add_column('service_plans', sa.Column('wan_mode', _enum('pppoe', 'dhcp', 'bridge', name='wan_mode'),
                                             server_default='pppoe', nullable=False))
    op.add_column('subscriptions', sa.Column('wifi_ssid', sa.String(length=32), nullable=True))
    op.add_column('subscriptions', sa.Column('wifi_passphrase', sa.Text(), nullable=True))  # Fernet-encrypted
    op.add_column('subscriptions', sa.Column(
        'network_action', _enum('activate', 'change_plan', 'cancel', name='subscription_action'), nullable=True))
    op.add_column('subscriptions', sa.Column(
        'network_state', _enum('in_progress', 'failed', name='transition_state'), nullable=True))
    op.add_column('subscriptions', sa.Column('network_job_id', sa.BigInteger(), nullable=True))
    op.add_column('subscriptions', sa.Column('network_error', sa.Text(), nullable=True))
    op.create_foreign_key(op.f('fk_subscriptions_network_job_id_jobs'), 'subscriptions', 'jobs',
                          ['network_job_id'], ['id'], ondelete='SET NULL')
    op.create_index(op.f('ix_subscriptions_network_state'), 'subscriptions', ['network_state'], unique=False)


def downgrade() -> None:
    op.execute("DELETE FROM jobs WHERE kind = 'reprofile'")
    _job_kinds(JOB_KINDS)
    op.drop_index(op.f('ix_subscriptions_network_state'), table_name='subscriptions')
    op.drop_constraint(op.f('fk_subscriptions_network_job_id_jobs'), 'subscriptions', type_='foreignkey')
    for column in ('network_error', 'network_job_id', 'network_state', 'network_action', 'wifi_passphrase',
                   'wifi_ssid'):
        op.drop_column('subscriptions', column)
    op.drop_column('service_plans', 'wan_mode')
