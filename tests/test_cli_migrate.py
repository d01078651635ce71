"""`ponstack migrate` and `ponstack check` as operators and containers run them."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import psycopg
from sqlalchemy import inspect

from core.checks import validate_schema
from core.db import get_engine, libpq_url
from core.migrate import MIGRATIONS_DIR, current_heads
from tests.fixtures import REPO_ROOT, run_ponstack


def test_migrate_empty_database_then_check(empty_db_url: str) -> None:
    first = run_ponstack("migrate", env={"DATABASE_URL": empty_db_url})
    assert first.returncode == 0, first.stderr
    assert "applied 0001, 0002" in first.stdout
    assert "schema valid" in first.stdout

    again = run_ponstack("migrate", env={"DATABASE_URL": empty_db_url})
    assert again.returncode == 0, again.stderr
    assert "already at head" in again.stdout
    check = run_ponstack("check", env={"DATABASE_URL": empty_db_url})
    assert check.returncode == 0, check.stderr
    assert "schema valid" in check.stdout


def test_check_names_dropped_table_and_column(db_url: str) -> None:
    with psycopg.connect(libpq_url(db_url), autocommit=True) as conn:
        conn.execute("DROP TABLE ticket_comments")
        conn.execute("ALTER TABLE onus DROP COLUMN rx_dbm")
    result = run_ponstack("check", env={"DATABASE_URL": db_url})
    assert result.returncode == 1
    error_lines = [line for line in result.stderr.splitlines() if "error" in line]
    assert len(error_lines) == 1, result.stderr
    assert "ticket_comments" in error_lines[0]
    assert "onus.rx_dbm" in error_lines[0]
    assert "CRM" in error_lines[0]


def test_check_reports_missing_seed_rows(db_url: str) -> None:
    with psycopg.connect(libpq_url(db_url), autocommit=True) as conn:
        conn.execute("DELETE FROM settings WHERE key = 'monitoring.low_signal_dbm'")
    result = run_ponstack("check", env={"DATABASE_URL": db_url})
    assert result.returncode == 1
    assert "seed rows missing: settings" in result.stderr


def test_check_reports_database_behind_head(db_url: str) -> None:
    with psycopg.connect(libpq_url(db_url), autocommit=True) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '0001'")
    result = run_ponstack("check", env={"DATABASE_URL": db_url})
    assert result.returncode == 1
    assert "database at revision 0001, expected head" in result.stderr


def test_three_concurrent_migrates_leave_one_correct_schema(empty_db_url: str) -> None:
    env = {"DATABASE_URL": empty_db_url}
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "ponstack", "migrate"],
            cwd=REPO_ROOT,
            env={**__import__("os").environ, **env},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    outcomes = [(p.wait(timeout=120), p.stdout.read(), p.stderr.read()) for p in procs]  # type: ignore[union-attr]
    assert [code for code, _, _ in outcomes] == [0, 0, 0], outcomes
    ran_revisions = [out for _, out, _ in outcomes if "applied 0001" in out]
    assert len(ran_revisions) == 1, "exactly one process should have applied the revisions"
    assert validate_schema(empty_db_url).ok


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_unreachable_database_fails_within_timeout() -> None:
    url = f"postgresql://postgres@127.0.0.1:{_closed_port()}/nowhere"
    started = time.monotonic()
    result = run_ponstack("migrate", env={"DATABASE_URL": url, "PONSTACK_DB_WAIT_TIMEOUT": "2"})
    elapsed = time.monotonic() - started
    assert result.returncode == 3
    assert "database unreachable after 2 s" in result.stderr
    assert elapsed < 2 + 10  # the wait is bounded (interpreter start-up is the rest)


FAILING_REVISION = '''"""a revision that fails midway"""
import sqlalchemy as sa
from alembic import op

revision = "9999"
down_revision = "{head}"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("half_done", sa.Column("id", sa.Integer, primary_key=True))
    op.execute("SELECT no_such_function_at_all()")


def downgrade() -> None:
    op.drop_table("half_done")
'''


def test_failed_revision_leaves_previous_revision(empty_db_url: str, tmp_path: Path) -> None:
    scripts = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS_DIR, scripts, ignore=shutil.ignore_patterns("__pycache__"))
    head_before = run_ponstack("migrate", env={"DATABASE_URL": empty_db_url})
    assert head_before.returncode == 0, head_before.stderr
    (head,) = current_heads(empty_db_url)
    (scripts / "versions" / "9999_fails.py").write_text(FAILING_REVISION.format(head=head))

    result = run_ponstack("migrate", "--script-location", str(scripts), env={"DATABASE_URL": empty_db_url})

    assert result.returncode == 4
    assert "revision 9999 failed with error" in result.stderr
    assert "no_such_function_at_all" in result.stderr
    assert current_heads(empty_db_url) == {head}
    assert "half_done" not in inspect(get_engine(empty_db_url)).get_table_names()


def test_production_mode_refuses_to_start_without_secret_key(empty_db_url: str) -> None:
    result = run_ponstack(
        "up", env={"DATABASE_URL": empty_db_url, "PONSTACK_ENV": "production", "PONSTACK_SECRET_KEY": ""}
    )
    assert result.returncode == 6
    assert "PONSTACK_SECRET_KEY is not set" in result.stderr
