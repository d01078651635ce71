"""Session-level PostgreSQL advisory locks with a bounded wait."""

from __future__ import annotations

import time

from sqlalchemy import Connection, text

# "pons" in ASCII: recognisable in pg_locks.objid.
MIGRATION_LOCK_KEY = 0x706F6E73


class LockTimeout(RuntimeError):
    pass


def acquire_advisory_lock(conn: Connection, key: int, timeout_s: float, what: str) -> None:
    """Poll pg_try_advisory_lock until `timeout_s`; the lock lives as long as `conn`'s session."""
    deadline = time.monotonic() + timeout_s
    delay = 0.05
    while True:
        if conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar():
            conn.commit()
            return
        conn.rollback()
        if time.monotonic() >= deadline:
            raise LockTimeout(f"could not take the {what} lock within {timeout_s:g} s (another process holds it)")
        time.sleep(delay)
        delay = min(delay * 2, 0.5)


def release_advisory_lock(conn: Connection, key: int) -> None:
    conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
    conn.commit()
