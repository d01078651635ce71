"""Wait for the database, upgrade to head under the advisory lock, report."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import psycopg
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from core.db import get_engine, libpq_url

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


class DatabaseUnreachable(RuntimeError):
    pass


class MigrationFailed(RuntimeError):
    pass


def alembic_config(url: str, script_location: Path | None = None, lock_timeout: float | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(script_location or MIGRATIONS_DIR))
    cfg.attributes["database_url"] = url
    if lock_timeout is not None:
        cfg.attributes["lock_timeout"] = lock_timeout
    return cfg


def wait_for_database(url: str, timeout_s: float) -> float:
    """Return seconds waited; raise DatabaseUnreachable naming the last error."""
    started = time.monotonic()
    deadline = started + timeout_s
    last_error = ""
    while True:
        remaining = deadline - time.monotonic()
        try:
            with psycopg.connect(libpq_url(url), connect_timeout=max(1, min(5, int(remaining) or 1))):
                return time.monotonic() - started
        except psycopg.OperationalError as exc:
            last_error = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        if time.monotonic() >= deadline:
            raise DatabaseUnreachable(f"database unreachable after {timeout_s:g} s: {last_error}")
        time.sleep(min(0.5, max(0.0, deadline - time.monotonic())))


def script_heads(cfg: Config) -> set[str]:
    return set(ScriptDirectory.from_config(cfg).get_heads())


def current_heads(url: str) -> set[str]:
    with get_engine(url).connect() as conn:
        return set(MigrationContext.configure(conn).get_current_heads())


def upgrade_to_head(cfg: Config) -> None:
    """Upgrade; on failure raise MigrationFailed naming the revision and the error."""
    url = cfg.attributes["database_url"]
    script = ScriptDirectory.from_config(cfg)
    try:
        command.upgrade(cfg, "head")
    except Exception as exc:
        at = ",".join(sorted(current_heads(url))) or "base"
        failed = _next_revision(script, at)
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise MigrationFailed(
            f"revision {failed} failed with error: {reason} (database left at revision {at})"
        ) from exc


def _next_revision(script: ScriptDirectory, current: str) -> str:
    for rev in script.walk_revisions():
        down = rev.down_revision
        downs = down if isinstance(down, tuple) else (down,)
        if (current == "base" and downs == (None,)) or current in downs:
            return rev.revision
    return "?"


@dataclass
class MigrateReport:
    waited_s: float
    applied: list[str]  # revisions this process applied (empty: already at head)
    after: set[str]
    elapsed_s: float


def migrate(url: str, wait_timeout: float, lock_timeout: float, script_location: Path | None = None) -> MigrateReport:
    started = time.monotonic()
    waited = wait_for_database(url, wait_timeout)
    cfg = alembic_config(url, script_location, lock_timeout)
    upgrade_to_head(cfg)
    applied = [str(rev) for rev in cfg.attributes.get("applied", [])]
    return MigrateReport(waited, applied, current_heads(url), time.monotonic() - started)
