"""access control: users' second factor, the read-only role, restriction groups, token
restrictions and revocation, browser sessions, login attempts

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04 16:51:38
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('login_attempts',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('address', sa.String(length=64), nullable=False),
    sa.Column('succeeded', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_login_attempts'))
    )
    op.create_index('ix_login_attempts_address_at', 'login_attempts', ['address', 'at'], unique=False)
    op.create_index('ix_login_attempts_username_at', 'login_attempts', ['username', 'at'], unique=False)
    op.create_table('restriction_groups',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('description', sa.Text(), server_default='', nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_restriction_groups')),
    sa.UniqueConstraint('name', name=op.f('uq_restriction_groups_name'))
    )
    op.create_table('restriction_group_zones',
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('zone_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['group_id'], ['restriction_groups.id'], name=op.f('fk_restriction_group_zones_group_id_restriction_groups'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['zone_id'], ['zones.id'], name=op.f('fk_restriction_group_zones_zone_id_zones'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('group_id', 'zone_id', name=op.f('pk_restriction_group_zones'))
    )
    op.create_table('user_restriction_groups',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['group_id'], ['restriction_groups.id'], name=op.f('fk_user_restriction_groups_group_id_restriction_groups'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_user_restriction_groups_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'group_id', name=op.f('pk_user_restriction_groups'))
    )
    op.create_table('user_sessions',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('digest', sa.String(length=128), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('csrf_token', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_user_sessions_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user_sessions')),
    sa.UniqueConstraint('digest', name=op.f('uq_user_sessions_digest'))
    )
    op.create_index(op.f('ix_user_sessions_user_id'), 'user_sessions', ['user_id'], unique=False)
    op.create_table('restriction_group_olts',
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('olt_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['group_id'], ['restriction_groups.id'], name=op.f('fk_restriction_group_olts_group_id_restriction_groups'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['olt_id'], ['olts.id'], name=op.f('fk_restriction_group_olts_olt_id_olts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('group_id', 'olt_id', name=op.f('pk_restriction_group_olts'))
    )
    op.add_column('api_tokens', sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('api_tokens', sa.Column('role', sa.Enum('admin', 'noc_engineer', 'support', 'billing', 'read_only', name='token_role', native_enum=False, create_constraint=True, length=32), nullable=True))
    op.add_column('api_tokens', sa.Column('restriction_group_id', sa.Integer(), nullable=True))
    op.create_index(op.f('ix_api_tokens_restriction_group_id'), 'api_tokens', ['restriction_group_id'], unique=False)
    op.create_foreign_key(op.f('fk_api_tokens_restriction_group_id_restriction_groups'), 'api_tokens', 'restriction_groups', ['restriction_group_id'], ['id'], ondelete='RESTRICT')
    op.add_column('users', sa.Column('totp_secret', sa.Text(), nullable=True))
    op.drop_constraint(op.f('ck_users_role'), 'users', type_='check')
    op.create_check_constraint(op.f('ck_users_role'), 'users', "role IN ('admin', 'noc_engineer', 'support', 'billing', 'read_only')")


def downgrade() -> None:
    op.execute("UPDATE users SET role = 'support', is_active = false WHERE role = 'read_only'")
    op.drop_constraint(op.f('ck_users_role'), 'users', type_='check')
    op.create_check_constraint(op.f('ck_users_role'), 'users', "role IN ('admin', 'noc_engineer', 'support', 'billing')")
    op.drop_column('users', 'totp_secret')
    op.drop_constraint(op.f('fk_api_tokens_restriction_group_id_restriction_groups'), 'api_tokens', type_='foreignkey')
    op.drop_index(op.f('ix_api_tokens_restriction_group_id'), table_name='api_tokens')
    op.drop_column('api_tokens', 'restriction_group_id')
    op.drop_column('api_tokens', 'role')
    op.drop_column('api_tokens', 'revoked_at')
    op.drop_table('restriction_group_olts')
    op.drop_index(op.f('ix_user_sessions_user_id'), table_name='user_sessions')
    op.drop_table('user_sessions')
    op.drop_table('user_restriction_groups')
    op.drop_table('restriction_group_zones')
    op.drop_table('restriction_groups')
    op.drop_index('ix_login_attempts_username_at', table_name='login_attempts')
    op.drop_index('ix_login_attempts_address_at', table_name='login_attempts')
    op.drop_table('login_attempts')
