"""`ponstack acs`: intents from the shell (secrets from stdin only), their outcomes, the
connection test and the event token."""

from __future__ import annotations

import json

from sqlalchemy import select

from acs.intents import secrets_of
from acs.models import AcsIntent, AcsSettings
from core.access import digest
from core.db import session_scope
from lab.genieacs.server import start_emulator
from oms.models import Onu, OnuLifecycle
from tests.fixtures import run_ponstack


def add_onu(url: str, serial: str = "HWTC11E70E9A") -> int:
    with session_scope(url) as session:
        onu = Onu(serial=serial, lifecycle_state=OnuLifecycle.PREPROVISIONED)
        session.add(onu)
        session.flush()
        return onu.id


def test_a_wifi_intent_from_the_shell_reads_its_passphrase_from_stdin(db_url: str) -> None:
    onu_id = add_onu(db_url)
    env = {"DATABASE_URL": db_url}
    done = run_ponstack("acs", "wifi", "hwtc11e70e9a", "--band", "5GHz", "--ssid", "Casa", "--security", "wpa2",
                        "--passphrase-stdin", env=env, stdin="from stdin only\n")
    assert done.returncode == 0, done.stderr
    assert "queued" in done.stdout
    with session_scope(db_url) as session:
        intent = session.scalar(select(AcsIntent))
        assert intent is not None and intent.onu_id == onu_id and intent.requested_by.startswith("cli:")
        assert intent.desired == {"band": "5GHz", "enabled": True, "ssid": "Casa", "security": "wpa2"}
        assert secrets_of(intent) == {"passphrase": "from stdin only"}
    listed = run_ponstack("acs", "intents", "HWTC11E70E9A", env=env)
    assert listed.returncode == 0, listed.stderr
    rows = json.loads(listed.stdout)
    assert [(r["kind"], r["status"], r["secrets"]) for r in rows] == [("wifi", "pending", ["passphrase"])]
    assert "from stdin only" not in listed.stdout


def test_bad_values_and_unknown_serials_exit_1_with_the_reason(db_url: str) -> None:
    add_onu(db_url)
    env = {"DATABASE_URL": db_url}
    short = run_ponstack("acs", "wifi", "HWTC11E70E9A", "--band", "2.4GHz", "--security", "wpa2",
                         "--passphrase-stdin", env=env, stdin="short\n")
    assert short.returncode == 1 and "passphrase" in short.stderr
    unknown = run_ponstack("acs", "reboot", "HWTC00000000", env=env)
    assert unknown.returncode == 1 and "no ONU with serial HWTC00000000" in unknown.stderr


def test_connection_test_and_event_token(db_url: str) -> None:
    env = {"DATABASE_URL": db_url}
    with start_emulator() as emulator:
        with session_scope(db_url) as session:
            settings = session.get(AcsSettings, 1)
            assert settings is not None
            settings.nbi_url = emulator.url
        reached = run_ponstack("acs", "test", env=env)
    assert reached.returncode == 0 and reached.stdout.startswith("ok:"), reached.stdout + reached.stderr
    down = run_ponstack("acs", "test", env=env)  # the emulator is stopped: nothing listens there now
    assert down.returncode == 1 and down.stdout.startswith("FAILED:")
    token = run_ponstack("acs", "event-token", env=env)
    assert token.returncode == 0
    with session_scope(db_url) as session:
        settings = session.get(AcsSettings, 1)
        assert settings is not None and settings.event_token_digest == digest(token.stdout.strip())
