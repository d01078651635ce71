"""Logging in, sessions and their CSRF header, the second factor, passwords, API tokens,
users and restriction groups, against the real application on a real database."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pyotp
import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from sqlalchemy import select, text, update

from api.accounts import LOGIN_WINDOW, MAX_ADDRESS_FAILURES, MAX_USER_FAILURES
from api.app import create_app
from core.access import CSRF_HEADER, SESSION_COOKIE, digest
from core.db import session_scope
from core.models import ApiToken, AuditLog, LoginAttempt, Role, User, UserSession
from core.passwords import hash_password
from tests.fixtures import api_client, make_user

PASSWORD = "correct horse battery"


def add_user(url: str, username: str, role: str = "admin", password: str = PASSWORD, *,
             totp_secret: str | None = None, password_hash: str | None = None) -> int:
    with session_scope(url) as session:
        user = User(username=username, role=Role(role), password_hash=password_hash or hash_password(password),
                    totp_secret=totp_secret)
        session.add(user)
        session.flush()
        return user.id


def anonymous(url: str, https: bool = False) -> TestClient:
    return TestClient(create_app(url), raise_server_exceptions=False,
                      base_url="https://testserver" if https else "http://testserver")


def logged_in(url: str, username: str, password: str = PASSWORD, **extra: Any) -> tuple[TestClient, str]:
    """A client holding a session cookie, and the session's CSRF token."""
    client = anonymous(url)
    answer = client.post("/auth/login", json={"username": username, "password": password, **extra})
    assert answer.status_code == 200, answer.text
    return client, answer.json()["csrf_token"]


def audit_rows(url: str) -> list[AuditLog]:
    with session_scope(url) as session:
        return list(session.scalars(select(AuditLog).order_by(AuditLog.id)))


# --- logging in ------------------------------------------------------------------------------


def test_login_opens_a_session_in_a_safe_cookie(db_url: str) -> None:
    add_user(db_url, "alice", "support")
    client = anonymous(db_url)
    answer = client.post("/auth/login", json={"username": "alice", "password": PASSWORD},
                         headers={"X-Request-ID": "login-1"})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["username"] == "alice" and body["role"] == "support" and len(body["csrf_token"]) >= 32
    cookie = answer.headers["set-cookie"]
    flags = {part.strip().lower() for part in cookie.split(";")}
    assert "httponly" in flags and "samesite=strict" in flags and "path=/" in flags
    assert "secure" not in flags  # plain http (a test client): the browser would not send it back
    key = cookie.split(";")[0].split("=", 1)[1]
    with session_scope(db_url) as session:
        row = session.scalars(select(UserSession)).one()
        assert row.digest == digest(key) and row.csrf_token == body["csrf_token"]
        assert key not in json.dumps([row.digest, row.csrf_token])
        assert timedelta(hours=11) < row.expires_at - datetime.now(UTC) <= timedelta(hours=12)
    me = client.get("/auth/me").json()
    assert (me["username"], me["role"], me["via"], me["olt_ids"]) == ("alice", "support", "session", None)
    assert "crm:write" in me["permissions"] and "users:manage" not in me["permissions"]
    [login] = [r for r in audit_rows(db_url) if r.action == "login"]
    assert (login.actor, login.object_type, login.request_id) == ("alice", "user", "login-1")

    secure = anonymous(db_url, https=True).post("/auth/login", json={"username": "alice", "password": PASSWORD})
    assert "secure" in {part.strip().lower() for part in secure.headers["set-cookie"].split(";")}


def test_wrong_password_unknown_user_and_disabled_user_get_the_same_answer(db_url: str) -> None:
    add_user(db_url, "alice")
    disabled = add_user(db_url, "bob")
    with session_scope(db_url) as session:
        session.execute(update(User).where(User.id == disabled).values(is_active=False))
    client = anonymous(db_url)
    answers = [client.post("/auth/login", json={"username": u, "password": p})
               for u, p in (("alice", "wrong password!"), ("nobody", PASSWORD), ("bob", PASSWORD))]
    assert [a.status_code for a in answers] == [401, 401, 401]
    assert len({a.json()["detail"] for a in answers}) == 1
    assert "set-cookie" not in answers[2].headers
    with session_scope(db_url) as session:
        assert session.scalars(select(UserSession)).all() == []
        assert [a.succeeded for a in session.scalars(select(LoginAttempt))] == [False, False, False]


def test_a_login_with_an_expired_session_cookie_still_works(db_url: str) -> None:
    add_user(db_url, "alice")
    client = anonymous(db_url)
    client.cookies.set(SESSION_COOKIE, "stale-session-key")
    assert client.post("/auth/login", json={"username": "alice", "password": PASSWORD}).status_code == 200


def test_logins_are_rate_limited_per_user(db_url: str) -> None:
    add_user(db_url, "alice")
    client = anonymous(db_url)
    for _ in range(MAX_USER_FAILURES):
        assert client.post("/auth/login", json={"username": "alice", "password": "not it at all"}).status_code == 401
    refused = client.post("/auth/login", json={"username": "alice", "password": PASSWORD})
    assert refused.status_code == 429 and refused.headers["content-type"] == "application/problem+json"
    assert 0 < int(refused.headers["retry-after"]) <= LOGIN_WINDOW.total_seconds()
    # another user from the same address is not concerned
    add_user(db_url, "bob")
    assert client.post("/auth/login", json={"username": "bob", "password": PASSWORD}).status_code == 200
    # once the failures are older than the window, the right password works again
    with session_scope(db_url) as session:
        session.execute(update(LoginAttempt).where(LoginAttempt.username == "alice")
                        .values(at=LoginAttempt.at - LOGIN_WINDOW))
    assert client.post("/auth/login", json={"username": "alice", "password": PASSWORD}).status_code == 200
    with session_scope(db_url) as session:
        assert session.scalar(select(LoginAttempt.succeeded).order_by(LoginAttempt.id.desc()).limit(1)) is True


def test_a_successful_login_resets_the_users_count(db_url: str) -> None:
    add_user(db_url, "alice")
    client = anonymous(db_url)
    for _ in range(MAX_USER_FAILURES - 1):
        client.post("/auth/login", json={"username": "alice", "password": "not it at all"})
    assert client.post("/auth/login", json={"username": "alice", "password": PASSWORD}).status_code == 200
    for _ in range(MAX_USER_FAILURES - 1):
        client.post("/auth/login", json={"username": "alice", "password": "not it at all"})
    assert client.post("/auth/login", json={"username": "alice", "password": PASSWORD}).status_code == 200


def test_logins_are_rate_limited_per_address(db_url: str) -> None:
    add_user(db_url, "alice")
    client = anonymous(db_url)
    for i in range(MAX_ADDRESS_FAILURES):
        assert client.post("/auth/login", json={"username": f"guess{i}", "password": "x"}).status_code == 401
    refused = client.post("/auth/login", json={"username": "alice", "password": PASSWORD})
    assert refused.status_code == 429 and int(refused.headers["retry-after"]) > 0


def test_an_old_hash_is_upgraded_at_login(db_url: str) -> None:
    weak = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash(PASSWORD)
    user_id = add_user(db_url, "alice", password_hash=weak)
    logged_in(db_url, "alice")
    with session_scope(db_url) as session:
        upgraded = session.get(User, user_id)
        assert upgraded is not None and upgraded.password_hash != weak
        assert upgraded.password_hash.startswith("$argon2id$") and "m=1024," not in upgraded.password_hash


# --- sessions ---------------------------------------------------------------------------------


def test_a_change_through_a_session_needs_its_csrf_header(db_url: str) -> None:
    add_user(db_url, "alice")
    client, csrf = logged_in(db_url, "alice")
    assert client.get("/tokens").status_code == 200  # reads need no header
    refused = client.post("/tokens", json={"description": "no header"})
    assert refused.status_code == 403 and CSRF_HEADER in refused.json()["detail"]
    assert client.post("/tokens", json={"description": "wrong"}, headers={CSRF_HEADER: "x" * 43}).status_code == 403
    assert client.post("/tokens", json={"description": "ok"}, headers={CSRF_HEADER: csrf}).status_code == 201


def test_logout_ends_the_session(db_url: str) -> None:
    add_user(db_url, "alice")
    client, csrf = logged_in(db_url, "alice")
    key = client.cookies[SESSION_COOKIE]
    assert client.post("/auth/logout").status_code == 403  # a change: needs the CSRF header too
    answer = client.post("/auth/logout", headers={CSRF_HEADER: csrf})
    assert answer.status_code == 204
    assert f'{SESSION_COOKIE}=""' in answer.headers["set-cookie"] or "max-age=0" in answer.headers["set-cookie"].lower()
    replay = anonymous(db_url)
    replay.cookies.set(SESSION_COOKIE, key)
    assert replay.get("/auth/me").status_code == 401
    assert [r.action for r in audit_rows(db_url)] == ["login", "logout"]


def test_an_expired_session_is_refused(db_url: str) -> None:
    add_user(db_url, "alice")
    client, _ = logged_in(db_url, "alice")
    with session_scope(db_url) as session:
        session.execute(update(UserSession).values(expires_at=datetime.now(UTC) - timedelta(seconds=1)))
    assert client.get("/auth/me").status_code == 401


# --- second factor ----------------------------------------------------------------------------


def test_second_factor_enrolment_and_login(db_url: str) -> None:
    add_user(db_url, "alice")
    client, csrf = logged_in(db_url, "alice")
    enrol = client.post("/auth/totp", headers={CSRF_HEADER: csrf})
    assert enrol.status_code == 200, enrol.text
    secret = enrol.json()["secret"]
    assert enrol.json()["otpauth_uri"].startswith("otpauth://totp/ponstack:alice?secret=" + secret)
    # not yet confirmed: logging in needs no code
    logged_in(db_url, "alice")
    bad = client.post("/auth/totp/confirm", json={"code": "000000"}, headers={CSRF_HEADER: csrf})
    assert bad.status_code == 422 or pyotp.TOTP(secret).now() == "000000"
    code = pyotp.TOTP(secret).now()
    assert client.post("/auth/totp/confirm", json={"code": code}, headers={CSRF_HEADER: csrf}).status_code == 204
    assert client.get("/auth/me").json()["totp_enabled"] is True
    assert client.post("/auth/totp", headers={CSRF_HEADER: csrf}).status_code == 409

    login = anonymous(db_url)
    missing = login.post("/auth/login", json={"username": "alice", "password": PASSWORD})
    assert missing.status_code == 401 and "second factor required" in missing.json()["detail"]
    wrong_code = str((int(pyotp.TOTP(secret).now()) + 500_000) % 1_000_000).zfill(6)
    wrong = login.post("/auth/login", json={"username": "alice", "password": PASSWORD, "totp": wrong_code})
    assert wrong.status_code == 401 and "second factor invalid" in wrong.json()["detail"]
    assert login.post("/auth/login", json={"username": "alice", "password": PASSWORD,
                                           "totp": pyotp.TOTP(secret).now()}).status_code == 200
    # a wrong password with a right code says nothing about the second factor
    nope = login.post("/auth/login", json={"username": "alice", "password": "wrong password!",
                                           "totp": pyotp.TOTP(secret).now()})
    assert nope.status_code == 401 and nope.json()["detail"] == "invalid username or password"
    with session_scope(db_url) as session:
        stored = session.execute(text("SELECT totp_secret FROM users WHERE username = 'alice'")).scalar_one()
        assert secret not in stored  # encrypted at rest

    # removing it needs a current code
    removal = {"code": wrong_code}
    assert client.request("DELETE", "/auth/totp", json=removal, headers={CSRF_HEADER: csrf}).status_code == 422
    removal = {"code": pyotp.TOTP(secret).now()}
    assert client.request("DELETE", "/auth/totp", json=removal, headers={CSRF_HEADER: csrf}).status_code == 204
    assert anonymous(db_url).post("/auth/login", json={"username": "alice", "password": PASSWORD}).status_code == 200
    actions = [r.action for r in audit_rows(db_url)]
    assert {"totp_enrol_start", "totp_enrol", "totp_remove"} <= set(actions)
    assert secret not in json.dumps([[r.before, r.after, r.message] for r in audit_rows(db_url)])


def test_the_second_factor_is_not_managed_with_a_token(db_url: str) -> None:
    client = api_client(db_url, "alice")
    assert client.post("/auth/totp").status_code == 422


def test_an_admin_removes_a_lost_second_factor(db_url: str) -> None:
    secret = pyotp.random_base32()
    alice = add_user(db_url, "alice", totp_secret=secret)
    admin = api_client(db_url)
    assert admin.get(f"/users/{alice}").json()["totp_enabled"] is True
    assert admin.delete(f"/users/{alice}/totp").status_code == 204
    assert anonymous(db_url).post("/auth/login", json={"username": "alice", "password": PASSWORD}).status_code == 200


# --- passwords --------------------------------------------------------------------------------


def test_changing_ones_password(db_url: str) -> None:
    add_user(db_url, "alice")
    other_browser, _ = logged_in(db_url, "alice")
    client, csrf = logged_in(db_url, "alice")
    headers = {CSRF_HEADER: csrf}
    new = "a much longer passphrase"
    wrong = client.post("/auth/password", json={"current_password": "not it at all", "new_password": new},
                        headers=headers)
    assert wrong.status_code == 422
    short = client.post("/auth/password", json={"current_password": PASSWORD, "new_password": "short"},
                        headers=headers)
    assert short.status_code == 422
    ok = client.post("/auth/password", json={"current_password": PASSWORD, "new_password": new}, headers=headers)
    assert ok.status_code == 204, ok.text
    assert client.get("/auth/me").status_code == 200  # this session goes on
    assert other_browser.get("/auth/me").status_code == 401  # the others end
    login = anonymous(db_url)
    assert login.post("/auth/login", json={"username": "alice", "password": PASSWORD}).status_code == 401
    assert login.post("/auth/login", json={"username": "alice", "password": new}).status_code == 200
    dumped = json.dumps([[r.before, r.after, r.message] for r in audit_rows(db_url)])
    assert PASSWORD not in dumped and new not in dumped and "argon2" not in dumped


# --- tokens -----------------------------------------------------------------------------------


def test_a_token_is_shown_once_and_stored_as_a_digest(db_url: str) -> None:
    client = api_client(db_url, "alice", "noc_engineer")
    created = client.post("/tokens", json={"description": "nightly export"})
    assert created.status_code == 201, created.text
    plaintext = created.json()["token"]
    assert plaintext.startswith("pst_") and created.json()["key_prefix"] == plaintext[:12]
    listed = client.get("/tokens").json()
    assert listed["count"] == 2 and all("token" not in t for t in listed["results"])
    with session_scope(db_url) as session:
        row = session.get(ApiToken, created.json()["id"])
        assert row is not None and row.digest == digest(plaintext)
        everything = session.execute(text("SELECT row_to_json(t)::text FROM api_tokens t")).scalars().all()
        audits = session.execute(text("SELECT row_to_json(a)::text FROM audit_log a")).scalars().all()
    assert plaintext not in "".join(everything) and plaintext[12:] not in "".join(everything)
    assert plaintext[12:] not in "".join(audits) and digest(plaintext) not in "".join(audits)
    fresh = anonymous(db_url)
    me = fresh.get("/auth/me", headers={"Authorization": f"Bearer {plaintext}"}).json()
    assert (me["username"], me["via"], me["token_id"]) == ("alice", "token", created.json()["id"])
    with session_scope(db_url) as session:
        row = session.get(ApiToken, created.json()["id"])
        assert row is not None and row.last_used_at is not None


def test_a_revoked_token_stops_at_once(db_url: str) -> None:
    client = api_client(db_url, "alice", "support")
    other = client.post("/tokens", json={}).json()
    bearer = {"Authorization": f"Bearer {other['token']}"}
    assert anonymous(db_url).get("/auth/me", headers=bearer).status_code == 200
    assert client.delete(f"/tokens/{other['id']}").status_code == 204
    assert anonymous(db_url).get("/auth/me", headers=bearer).status_code == 401
    listed = client.get("/tokens", params={"revoked": "true"}).json()
    assert [t["id"] for t in listed["results"]] == [other["id"]] and listed["results"][0]["revoked_at"]
    # someone else's token is not one's own to revoke
    assert api_client(db_url, "bob", "support").delete(f"/tokens/{other['id']}").status_code == 404


def test_an_expired_token_is_refused(db_url: str) -> None:
    client = api_client(db_url, "alice", "support")
    soon = client.post("/tokens", json={"expires_at": (datetime.now(UTC) + timedelta(hours=1)).isoformat()}).json()
    bearer = {"Authorization": f"Bearer {soon['token']}"}
    assert anonymous(db_url).get("/auth/me", headers=bearer).status_code == 200
    with session_scope(db_url) as session:
        session.execute(update(ApiToken).where(ApiToken.id == soon["id"])
                        .values(expires_at=datetime.now(UTC) - timedelta(seconds=1)))
    assert anonymous(db_url).get("/auth/me", headers=bearer).status_code == 401
    past = client.post("/tokens", json={"expires_at": "2020-01-01T00:00:00Z"})
    assert past.status_code == 422


def test_a_read_only_token_cannot_change_anything(db_url: str) -> None:
    client = api_client(db_url, "alice", "admin")
    read_only = client.post("/tokens", json={"write_enabled": False}).json()
    reader = anonymous(db_url)
    reader.headers["Authorization"] = f"Bearer {read_only['token']}"
    assert reader.get("/users").status_code == 200
    refused = reader.post("/tokens", json={})
    assert refused.status_code == 403 and "read-only" in refused.json()["detail"]
    assert reader.post("/users", json={}).status_code == 403


def test_a_token_role_only_narrows(db_url: str) -> None:
    support = api_client(db_url, "sam", "support")
    escalation = support.post("/tokens", json={"role": "admin"})
    assert escalation.status_code == 422 and "users:manage" in escalation.json()["detail"]
    assert support.post("/tokens", json={"role": "noc_engineer"}).status_code == 422
    narrowed = support.post("/tokens", json={"role": "read_only"})
    assert narrowed.status_code == 201 and narrowed.json()["role"] == "read_only"
    reader = anonymous(db_url)
    reader.headers["Authorization"] = f"Bearer {narrowed.json()['token']}"
    me = reader.get("/auth/me").json()
    assert "crm:write" not in me["permissions"] and "crm:read" in me["permissions"]
    # a token made with a narrowed token inherits its role and cannot widen it
    inherited = reader.post("/tokens", json={})
    assert inherited.status_code == 201 and inherited.json()["role"] == "read_only"
    assert reader.post("/tokens", json={"role": "support"}).status_code == 422


def test_a_disabled_users_tokens_and_sessions_stop_at_once(db_url: str) -> None:
    admin = api_client(db_url)
    alice_token = make_user(db_url, "alice", "support")
    with session_scope(db_url) as session:
        alice = session.scalars(select(User).where(User.username == "alice")).one()
        alice.password_hash = hash_password(PASSWORD)
        alice_id = alice.id
    browser, _ = logged_in(db_url, "alice")
    bearer = {"Authorization": f"Bearer {alice_token}"}
    assert anonymous(db_url).get("/auth/me", headers=bearer).status_code == 200
    assert admin.patch(f"/users/{alice_id}", json={"is_active": False}).status_code == 200
    assert anonymous(db_url).get("/auth/me", headers=bearer).status_code == 401
    assert browser.get("/auth/me").status_code == 401
    assert anonymous(db_url).post("/auth/login", json={"username": "alice", "password": PASSWORD}).status_code == 401
    assert admin.patch(f"/users/{alice_id}", json={"is_active": True}).status_code == 200
    assert anonymous(db_url).get("/auth/me", headers=bearer).status_code == 200
    assert browser.get("/auth/me").status_code == 401  # ended sessions stay ended


def test_an_admin_lists_and_revokes_anyones_tokens(db_url: str) -> None:
    admin = api_client(db_url)
    alice_token = make_user(db_url, "alice", "billing")
    alice = admin.get("/users", params={"q": "alice"}).json()["results"][0]
    tokens = admin.get(f"/users/{alice['id']}/tokens").json()
    assert tokens["count"] == 1
    assert admin.delete(f"/users/{alice['id']}/tokens/{tokens['results'][0]['id']}").status_code == 204
    assert anonymous(db_url).get("/auth/me", headers={"Authorization": f"Bearer {alice_token}"}).status_code == 401
    billing = api_client(db_url, "bill", "billing")
    assert billing.get(f"/users/{alice['id']}/tokens").status_code == 403


# --- users ------------------------------------------------------------------------------------


def test_managing_users(db_url: str) -> None:
    admin = api_client(db_url, "root")
    body = {"username": "carol", "full_name": "Carol N.", "email": "carol@example.net", "role": "noc_engineer",
            "password": PASSWORD}
    created = admin.post("/users", json=body, headers={"X-Request-ID": "req-users-1"})
    assert created.status_code == 201, created.text
    carol = created.json()
    assert carol["role"] == "noc_engineer" and carol["is_active"] and "password" not in carol
    assert "password_hash" not in carol and carol["restriction_group_ids"] == []
    assert admin.post("/users", json={**body, "username": "CAROL"}).status_code == 409
    weak = admin.post("/users", json={**body, "username": "dave.davidson", "password": "Dave.Davidson"})
    assert weak.status_code == 422  # the username as password
    assert admin.post("/users", json={**body, "username": "bad name"}).status_code == 422
    logged_in(db_url, "carol")

    changed = admin.patch(f"/users/{carol['id']}", json={"role": "support", "email": None})
    assert changed.status_code == 200 and (changed.json()["role"], changed.json()["email"]) == ("support", None)
    page = admin.get("/users", params={"role": "support", "limit": 10}).json()
    assert page["count"] == 1 and page["limit"] == 10 and page["results"][0]["username"] == "carol"
    assert admin.delete(f"/users/{carol['id']}").status_code == 405  # users are never deleted
    assert admin.get("/users/999999").status_code == 404

    reset = admin.patch(f"/users/{carol['id']}", json={"password": "another long password"})
    assert reset.status_code == 200
    logged_in(db_url, "carol", "another long password")

    rows = [r for r in audit_rows(db_url) if r.object_type == "user" and r.object_id == str(carol["id"])]
    assert [r.action for r in rows] == ["create", "login", "update", "password_change", "login"]
    assert rows[0].actor == "root" and rows[0].request_id == "req-users-1"
    assert rows[2].before is not None and rows[2].after is not None
    assert (rows[2].before["role"], rows[2].after["role"]) == ("noc_engineer", "support")
    dumped = json.dumps([[r.before, r.after, r.message] for r in audit_rows(db_url)])
    assert PASSWORD not in dumped and "another long password" not in dumped and "$argon2" not in dumped

    noc = api_client(db_url, "nina", "noc_engineer")
    assert noc.get("/users").status_code == 403 and noc.post("/users", json=body).status_code == 403


def test_nobody_changes_their_own_privileges(db_url: str) -> None:
    admin = api_client(db_url, "root")
    me = admin.get("/auth/me").json()["user_id"]
    for change in ({"role": "read_only"}, {"is_active": False}, {"password": "a brand new password"}):
        assert admin.patch(f"/users/{me}", json=change).status_code == 403, change
    assert admin.patch(f"/users/{me}", json={"full_name": "Root", "role": "admin"}).status_code == 200
    group = admin.post("/restriction-groups", json={"name": "north"}).json()
    assert admin.put(f"/users/{me}/restriction-groups", json={"group_ids": [group["id"]]}).status_code == 403


# --- restriction groups -----------------------------------------------------------------------


def test_restriction_groups(db_url: str) -> None:
    admin = api_client(db_url, "root")
    zone = admin.post("/zones", json={"name": "north"})
    assert zone.status_code == 201, zone.text
    unknown = admin.post("/restriction-groups", json={"name": "g", "zone_ids": [zone.json()["id"], 9999],
                                                      "olt_ids": [4242]})
    assert unknown.status_code == 422 and "9999" in unknown.json()["detail"]
    assert unknown.json()["errors"][0]["loc"] == ["body", "zone_ids"]
    olts = admin.post("/restriction-groups", json={"name": "g", "olt_ids": [4242]})
    assert olts.status_code == 422 and "4242" in olts.json()["detail"]
    created = admin.post("/restriction-groups", json={"name": "north", "zone_ids": [zone.json()["id"]]})
    assert created.status_code == 201, created.text
    group = created.json()
    assert group["zone_ids"] == [zone.json()["id"]] and group["olt_ids"] == []
    assert admin.post("/restriction-groups", json={"name": "north"}).status_code == 409
    patched = admin.patch(f"/restriction-groups/{group['id']}", json={"description": "the north", "zone_ids": []})
    assert patched.status_code == 200 and patched.json()["zone_ids"] == []
    assert admin.get("/restriction-groups").json()["count"] == 1

    engineer_token = make_user(db_url, "eve", "noc_engineer")
    eve = admin.get("/users", params={"q": "eve"}).json()["results"][0]
    membership = f"/users/{eve['id']}/restriction-groups"
    assert admin.put(membership, json={"group_ids": [group["id"], 777]}).status_code == 422
    put = admin.put(membership, json={"group_ids": [group["id"]]})
    assert put.status_code == 200 and put.json()["restriction_group_ids"] == [group["id"]]
    me = anonymous(db_url).get("/auth/me", headers={"Authorization": f"Bearer {engineer_token}"}).json()
    assert me["olt_ids"] == []  # a group with no OLT: nothing in scope
    assert {r.action for r in audit_rows(db_url) if r.object_type == "restriction_group"} == {"create", "update"}


@pytest.mark.parametrize("path", ["/users", "/restriction-groups"])
def test_user_management_is_for_admins(db_url: str, path: str) -> None:
    for role in ("noc_engineer", "support", "billing", "read_only"):
        assert api_client(db_url, f"u-{role}", role).get(path).status_code == 403
