"""Shared fixtures (loaded for every package by the root conftest.py): a real PostgreSQL
and fresh databases per test.

With DATABASE_URL set, tests create their databases on that server; without
it they start an embedded PostgreSQL (pgserver). Every test database is created
for the test and dropped after it, so nothing depends on an earlier run.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from cryptography.fernet import Fernet

os.environ.setdefault("PONSTACK_SECRET_KEY", Fernet.generate_key().decode())

from core.db import dispose_engine, libpq_url  # noqa: E402

REPO_ROOT = Path(__file__).resolve().parent.parent


TEST_SERVER_ENV = "PONSTACK_TEST_PG_URL"


def embedded_test_server_dir() -> Path:
    """Private to this checkout (two checkouts on one machine never share a server) and
    short (the server's Unix socket lives in it, and socket paths are length-limited)."""
    digest = hashlib.sha256(str(REPO_ROOT).encode()).hexdigest()[:10]
    return Path(tempfile.gettempdir()) / f"ponstack-test-pg-{digest}"


def pytest_configure(config: pytest.Config) -> None:
    """The controlling pytest process starts the embedded server before any xdist worker
    exists, so workers never race to create it; they inherit its URL. It is stopped when
    the run ends (pytest_unconfigure), whatever happened."""
    if os.environ.get("DATABASE_URL") or hasattr(config, "workerinput") or os.environ.get(TEST_SERVER_ENV):
        return
    import pgserver

    server = pgserver.get_server(embedded_test_server_dir(), cleanup_mode="stop")
    config.stash[_SERVER_KEY] = server
    os.environ[TEST_SERVER_ENV] = server.get_uri()


def pytest_unconfigure(config: pytest.Config) -> None:
    server = config.stash.get(_SERVER_KEY, None)
    if server is not None:
        os.environ.pop(TEST_SERVER_ENV, None)
        server.cleanup()


_SERVER_KEY = pytest.StashKey[object]()


def _server_admin_url() -> str:
    url = os.environ.get("DATABASE_URL")
    if url:
        return _with_database(libpq_url(url), "postgres")
    return os.environ[TEST_SERVER_ENV]


def _with_database(url: str, name: str) -> str:
    """Replace the database name in a libpq URL, keeping host and query options."""
    base, _, query = url.partition("?")
    scheme, _, rest = base.partition("://")
    authority = rest.split("/", 1)[0]
    return f"{scheme}://{authority}/{name}" + (f"?{query}" if query else "")


@pytest.fixture(scope="session")
def pg_admin_url() -> str:
    return _server_admin_url()


class Databases:
    """Creates and drops uniquely named databases on the test server."""

    def __init__(self, admin_url: str) -> None:
        self.admin_url = admin_url
        self.created: list[str] = []

    def create(self, template: str | None = None) -> str:
        name = f"ps_test_{uuid.uuid4().hex[:12]}"
        clause = f' TEMPLATE "{template}"' if template else ""
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"{clause}')
        self.created.append(name)
        return _with_database(self.admin_url, name)

    def drop(self, url: str) -> None:
        dispose_engine(url)
        name = url.split("?")[0].rsplit("/", 1)[1]
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def databases(pg_admin_url: str) -> Databases:
    return Databases(pg_admin_url)


@pytest.fixture(scope="session")
def migrated_template(databases: Databases) -> Iterator[str]:
    """One database migrated to head, used as the template of every `db_url`."""
    from alembic import command

    from core.migrate import alembic_config

    url = databases.create()
    command.upgrade(alembic_config(url), "head")
    dispose_engine(url)
    yield url.split("?")[0].rsplit("/", 1)[1]
    databases.drop(url)


@pytest.fixture
def db_url(databases: Databases, migrated_template: str) -> Iterator[str]:
    """A fresh database at head (with seed rows), dropped after the test."""
    url = databases.create(template=migrated_template)
    yield url
    databases.drop(url)


@pytest.fixture
def empty_db_url(databases: Databases) -> Iterator[str]:
    """A fresh empty database, dropped after the test."""
    url = databases.create()
    yield url
    databases.drop(url)


def run_ponstack(
    *args: str, env: dict[str, str] | None = None, timeout: float = 120, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the real `ponstack` console entry point in a subprocess (`stdin`: what it reads)."""
    full_env = {**os.environ, **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "ponstack", *args],
        cwd=REPO_ROOT,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=timeout,
        input=stdin,
    )


# --- authenticated API clients ----------------------------------------------------------------


def make_user(url: str, username: str, role: str = "admin", *, write_enabled: bool = True,
              token_role: str | None = None, restriction_group_id: int | None = None) -> str:
    """A user with one API token (its plaintext returned), written straight to the database.
    Calling it again for the same username adds a token."""
    from sqlalchemy import select

    from core.access import digest, new_token
    from core.db import session_scope
    from core.models import ApiToken, Role, User

    plaintext, prefix = new_token()
    with session_scope(url) as session:
        user = session.execute(select(User).where(User.username == username)).scalar_one_or_none()
        if user is None:
            user = User(username=username, role=Role(role))
            session.add(user)
            session.flush()
        session.add(ApiToken(user_id=user.id, key_prefix=prefix, digest=digest(plaintext), description="test",
                             write_enabled=write_enabled, role=Role(token_role) if token_role else None,
                             restriction_group_id=restriction_group_id))
    return plaintext


def api_client(url: str, username: str = "admin", role: str = "admin", **token: Any) -> Any:
    """A TestClient on the whole application, authenticated as `username` (created with `role`)."""
    from fastapi.testclient import TestClient

    from api.app import create_app

    client = TestClient(create_app(url), raise_server_exceptions=False)
    client.headers["Authorization"] = f"Bearer {make_user(url, username, role, **token)}"
    return client
