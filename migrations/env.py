"""Alembic environment shared by `ponstack migrate` and the plain `alembic` command.

Several replicas may start at once: each takes a session-level advisory lock on
a dedicated connection (bounded wait) before upgrading, so exactly one runs the
revisions and the others find the database already at head. Each revision runs
in its own transaction, so a failing revision leaves the last good one in place.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine, pool, text

from core.db import current_database_url, sqlalchemy_url
from core.locks import MIGRATION_LOCK_KEY, acquire_advisory_lock, release_advisory_lock
from core.schema import include_object, load_all_models
from core.settings import get_settings

config = context.config
target_metadata = load_all_models()


def _database_url() -> str:
    return config.attributes.get("database_url") or current_database_url()


def _record_applied(ctx, step, heads, run_args):  # type: ignore[no-untyped-def]
    """Keep the revisions this process applied, for `ponstack migrate`'s report."""
    config.attributes.setdefault("applied", []).append(step.up_revision_id or step.down_revision_ids)


def run_migrations_offline() -> None:
    context.configure(
        url=sqlalchemy_url(_database_url()),
        target_metadata=target_metadata,
        literal_binds=True,
        include_object=include_object,
        transaction_per_migration=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    engine = create_engine(sqlalchemy_url(_database_url()), poolclass=pool.NullPool)
    lock_timeout = config.attributes.get("lock_timeout", get_settings().migration_lock_timeout)
    try:
        with engine.connect() as lock_conn:
            acquire_advisory_lock(lock_conn, MIGRATION_LOCK_KEY, lock_timeout, "migration")
            try:
                with engine.connect() as connection:
                    # Never inherit a wait timeout into DDL.
                    connection.execute(text("SET lock_timeout = 0"))
                    connection.commit()
                    context.configure(
                        connection=connection,
                        target_metadata=target_metadata,
                        include_object=include_object,
                        compare_type=True,
                        transaction_per_migration=True,
                        on_version_apply=_record_applied,
                    )
                    with context.begin_transaction():
                        context.run_migrations()
            finally:
                release_advisory_lock(lock_conn, MIGRATION_LOCK_KEY)
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
