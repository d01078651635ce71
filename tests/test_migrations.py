"""The migration set: one head, up/down/up, models == database, seeds."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from core.db import get_engine, metadata
from core.migrate import alembic_config, current_heads
from core.schema import include_object, load_all_models


def test_single_head() -> None:
    script = ScriptDirectory.from_config(alembic_config("postgresql://unused/x"))
    assert len(script.get_heads()) == 1
    # Linear history: every revision has at most one parent.
    assert all(not isinstance(rev.down_revision, tuple) for rev in script.walk_revisions())


def test_upgrade_downgrade_upgrade(empty_db_url: str) -> None:
    cfg = alembic_config(empty_db_url)
    expected = set(load_all_models().tables)

    command.upgrade(cfg, "head")
    assert expected <= set(inspect(get_engine(empty_db_url)).get_table_names())

    command.downgrade(cfg, "base")
    leftover = set(inspect(get_engine(empty_db_url)).get_table_names()) - {"alembic_version"}
    assert leftover == set()
    assert current_heads(empty_db_url) == set()

    command.upgrade(cfg, "head")
    assert expected <= set(inspect(get_engine(empty_db_url)).get_table_names())
    head = ScriptDirectory.from_config(cfg).get_current_head()
    assert current_heads(empty_db_url) == {head}


def test_models_match_migrated_database(db_url: str) -> None:
    with get_engine(db_url).connect() as conn:
        ctx = MigrationContext.configure(
            conn, opts={"compare_type": True, "include_object": include_object, "target_metadata": metadata}
        )
        diff = compare_metadata(ctx, load_all_models())
        has_trgm = conn.execute(text("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")).first() is not None
    if not has_trgm:
        # Without pg_trgm (the embedded server), 0013 builds btree stand-ins under the trigram
        # indexes' names: their definitions differ from the models' by design.
        diff = [d for d in diff if not (d[0] in ("add_index", "remove_index") and d[1].name.endswith("_trgm"))]
    assert diff == []


def test_metadata_has_naming_convention() -> None:
    assert {"ix", "uq", "ck", "fk", "pk"} <= set(metadata.naming_convention)
    # Every constraint and index got a deterministic name.
    for table in load_all_models().tables.values():
        for constraint in table.constraints:
            assert constraint.name, f"unnamed constraint on {table.name}"


def test_seed_rows_present(db_url: str) -> None:
    with get_engine(db_url).connect() as conn:
        slugs = set(conn.execute(text("SELECT slug FROM vendors")).scalars())
        keys = set(conn.execute(text("SELECT key FROM settings")).scalars())
        acs = conn.execute(text("SELECT nbi_url, cwmp_url FROM acs_settings WHERE id = 1")).one()
    assert {"huawei", "zte"} <= slugs
    assert {"monitoring.low_signal_dbm", "monitoring.history_retention_days"} <= keys
    assert not {key for key in keys if key.startswith("acs.")}  # moved to acs_settings by 0010
    assert tuple(acs) == ("http://127.0.0.1:7557", "")
