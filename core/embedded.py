"""The embedded PostgreSQL (pgserver) used when no DATABASE_URL is given."""

from __future__ import annotations

from pathlib import Path

import psycopg

EMBEDDED_DB_NAME = "ponstack"


def start_embedded_postgres(data_dir: Path, db_name: str = EMBEDDED_DB_NAME) -> str:
    """Start (or attach to) the embedded server in `data_dir/pgdata`; return a URL to `db_name`.

    pgserver keeps the server running while any process holds a handle and stops
    it when the last one exits, so the API, worker and CLI can share it.
    """
    import pgserver  # imported lazily: only the embedded default needs it

    pgdata = (data_dir / "pgdata").resolve()
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    server = pgserver.get_server(pgdata, cleanup_mode="stop")
    admin_url = server.get_uri()
    ensure_database(admin_url, db_name)
    return server.get_uri(db_name)


def ensure_database(admin_url: str, db_name: str) -> None:
    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (db_name,)).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{db_name}"')
