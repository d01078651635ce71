"""`ponstack user ...` and `ponstack token create` end to end (the real entry point in a
subprocess, then the application), and the first administrator of the embedded default."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from api.app import create_app
from core.access import digest
from core.db import session_scope
from core.models import ApiToken, AuditLog, User
from core.settings import Settings
from ponstack.accounts import ADMIN_PASSWORD_FILE, ensure_first_admin
from tests.fixtures import REPO_ROOT, run_ponstack


def ponstack_with_stdin(stdin: str, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "ponstack", *args], cwd=REPO_ROOT, env={**os.environ, **env},
                          input=stdin, capture_output=True, text=True, timeout=120)


def login(url: str, username: str, password: str) -> int:
    client = TestClient(create_app(url), raise_server_exceptions=False)
    return client.post("/auth/login", json={"username": username, "password": password}).status_code


def test_a_user_and_a_token_made_with_the_cli_work_against_the_api(db_url: str) -> None:
    env = {"DATABASE_URL": db_url, "USER": "operator"}
    created = run_ponstack("user", "create", "alice", "--role", "support", "--full-name", "Alice", env=env)
    assert created.returncode == 0, created.stderr
    password = created.stdout.strip()
    assert len(password) >= 12 and "\n" not in password  # stdout: the password alone
    assert login(db_url, "alice", password) == 200

    made = run_ponstack("token", "create", "alice", "--description", "ci", "--read-only", "--expires-days", "7",
                        env=env)
    assert made.returncode == 0, made.stderr
    token = made.stdout.strip()
    assert token.startswith("pst_") and token not in made.stderr
    client = TestClient(create_app(db_url), raise_server_exceptions=False)
    client.headers["Authorization"] = f"Bearer {token}"
    me = client.get("/auth/me").json()
    assert (me["username"], me["role"], me["write_enabled"]) == ("alice", "support", False)
    assert client.post("/tokens", json={}).status_code == 403  # read-only
    with session_scope(db_url) as session:
        row = session.scalars(select(ApiToken).where(ApiToken.digest == digest(token))).one()
        assert row.description == "ci" and row.expires_at is not None
        assert timedelta(days=6, hours=23) < row.expires_at - datetime.now(UTC) <= timedelta(days=7)
        actors = set(session.scalars(select(AuditLog.actor).where(AuditLog.object_type.in_(["user", "api_token"]))))
        assert "cli:operator" in actors

    disabled = run_ponstack("user", "disable", "alice", env=env)
    assert disabled.returncode == 0, disabled.stderr
    assert client.get("/auth/me").status_code == 401
    assert login(db_url, "alice", password) == 401
    refused = run_ponstack("token", "create", "alice", env=env)
    assert refused.returncode == 1 and "disabled" in refused.stderr and refused.stdout == ""
    assert run_ponstack("user", "enable", "alice", env=env).returncode == 0
    assert client.get("/auth/me").status_code == 200


def test_a_password_from_stdin_and_an_admin(db_url: str) -> None:
    env = {"DATABASE_URL": db_url}
    created = ponstack_with_stdin("a long enough password\n", "user", "create", "root", "--admin",
                                  "--password-stdin", env=env)
    assert created.returncode == 0, created.stderr
    assert created.stdout == ""  # nothing generated, nothing to show
    assert login(db_url, "root", "a long enough password") == 200
    with session_scope(db_url) as session:
        assert session.scalars(select(User.role).where(User.username == "root")).one().value == "admin"

    short = ponstack_with_stdin("short\n", "user", "create", "bob", "--role", "billing", "--password-stdin", env=env)
    assert short.returncode == 1 and "at least 12 characters" in short.stderr
    taken = run_ponstack("user", "create", "ROOT", "--role", "billing", env=env)
    assert taken.returncode == 1 and "already taken" in taken.stderr and taken.stdout == ""
    unknown = run_ponstack("user", "create", "bob", "--role", "superuser", env=env)
    assert unknown.returncode == 1 and "unknown role" in unknown.stderr
    missing = run_ponstack("token", "create", "nobody", env=env)
    assert missing.returncode == 1 and "no user 'nobody'" in missing.stderr

    reset = run_ponstack("user", "password", "root", env=env)
    assert reset.returncode == 0, reset.stderr
    assert login(db_url, "root", reset.stdout.strip()) == 200

    narrowed = run_ponstack("token", "create", "root", "--role", "read_only", env=env)
    assert narrowed.returncode == 0, narrowed.stderr
    client = TestClient(create_app(db_url), raise_server_exceptions=False)
    me = client.get("/auth/me", headers={"Authorization": f"Bearer {narrowed.stdout.strip()}"}).json()
    assert "users:manage" not in me["permissions"] and "crm:read" in me["permissions"]


def _users(url: str) -> int:
    with session_scope(url) as session:
        return session.scalar(select(func.count()).select_from(User)) or 0


@pytest.mark.parametrize("settings", [
    Settings(database_url="postgresql://db.example/ponstack"),  # an explicit database
    Settings(production=True),  # production mode
], ids=["database-url", "production"])
def test_no_first_admin_outside_the_embedded_default(db_url: str, tmp_path: Path, settings: Settings) -> None:
    settings = Settings(database_url=settings.database_url, production=settings.production, data_dir=tmp_path)
    assert _users(db_url) == 0
    assert ensure_first_admin(db_url, settings) is None
    assert _users(db_url) == 0 and not (tmp_path / ADMIN_PASSWORD_FILE).exists()


def test_the_first_start_of_the_embedded_default_creates_an_admin_once(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    password = ensure_first_admin(db_url, settings)
    assert password is not None
    kept = tmp_path / "data" / ADMIN_PASSWORD_FILE
    assert kept.read_text().strip() == password
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    assert password in capsys.readouterr().out
    assert login(db_url, "admin", password) == 200
    with session_scope(db_url) as session:
        admin = session.scalars(select(User).where(User.username == "admin")).one()
        assert admin.role.value == "admin" and admin.password_hash != password
    # the next start finds a user: nothing is created or rewritten
    assert ensure_first_admin(db_url, settings) is None
    assert kept.read_text().strip() == password and _users(db_url) == 1
