"""Revision 0007: every stored olts.connection_options is checked against the closed set;
old spellings are normalised, anything else stops the upgrade naming the OLT and the key."""

from __future__ import annotations

import json
from typing import Any

import psycopg
import pytest
from alembic import command

from core.db import dispose_engine, libpq_url
from core.migrate import MigrationFailed, alembic_config, current_heads, upgrade_to_head
from oms.connection_options import ConnectionOptions
from tests.fixtures import run_ponstack


def at_0006(url: str) -> None:
    command.upgrade(alembic_config(url), "0006")
    dispose_engine(url)


def insert_olt(url: str, name: str, options: Any, cli_transport: str = "ssh") -> int:
    with psycopg.connect(libpq_url(url), autocommit=True) as conn:
        row = conn.execute(
            """INSERT INTO olts (name, vendor_id, family, model, mgmt_host, cli_transport, username, password,
                                 connection_options)
               VALUES (%s, (SELECT id FROM vendors WHERE slug = 'huawei'), 'huawei_smartax', 'MA5800-X7',
                       '192.0.2.1', %s, 'noc', 'x', %s::jsonb)
               RETURNING id""",
            (name, cli_transport, json.dumps(options)),
        ).fetchone()
        assert row is not None
        return int(row[0])


def stored_options(url: str, olt_id: int) -> Any:
    with psycopg.connect(libpq_url(url)) as conn:
        row = conn.execute("SELECT connection_options FROM olts WHERE id = %s", (olt_id,)).fetchone()
        assert row is not None
        return row[0]


ATTACK = {"transport": "system", "transport_options": {"open_cmd": ["-o", "ProxyCommand=sh -c 'id > /tmp/m'"]}}


def test_a_row_outside_the_set_stops_the_upgrade_naming_the_olt(empty_db_url: str) -> None:
    at_0006(empty_db_url)
    insert_olt(empty_db_url, "good", {"transport": "paramiko"})
    bad = insert_olt(empty_db_url, "olt-east-7", ATTACK)

    with pytest.raises(MigrationFailed) as raised:
        upgrade_to_head(alembic_config(empty_db_url))

    message = str(raised.value)
    assert "revision 0007 failed" in message and "left at revision 0006" in message
    assert f"OLT {bad} (olt-east-7)" in message and "'transport_options' is not allowed" in message
    assert "good" not in message
    assert current_heads(empty_db_url) == {"0006"}, "nothing of 0007 is applied"
    assert stored_options(empty_db_url, bad) == ATTACK, "the row is left for the operator to fix"


@pytest.mark.parametrize(
    ("options", "cli_transport", "cause"),
    [
        ({"transport": "telnet"}, "ssh", "'transport' is 'telnet' but the OLT's cli_transport is ssh"),
        ({"transport": "rsh"}, "ssh", "'transport' has an invalid value"),
        ({"timeout_ops": 0}, "ssh", "'timeout_ops_s' has an invalid value"),
        ({"timeout_ops_s": "60"}, "ssh", "'timeout_ops_s' has an invalid value"),
        ({"timeout_ops": 10, "timeout_ops_s": 20}, "ssh", "key 'timeout_ops' and key 'timeout_ops_s' both set"),
        ({"auth_strict_key": "no"}, "ssh", "'auth_strict_key' has an invalid value"),
        ({"legacy_kex": True}, "ssh", "need transport 'system'"),
        ({"snmp_context_name": "x" * 33}, "ssh", "'snmp_context_name' has an invalid value"),
        ({"on_open": "os.system"}, "telnet", "'on_open' is not allowed"),
        (["-o", "ProxyCommand=id"], "ssh", "connection_options is not an object"),
    ],
)
def test_each_kind_of_bad_row_is_named(
    empty_db_url: str, options: Any, cli_transport: str, cause: str
) -> None:
    at_0006(empty_db_url)
    olt_id = insert_olt(empty_db_url, "olt-x", options, cli_transport)

    with pytest.raises(MigrationFailed) as raised:
        upgrade_to_head(alembic_config(empty_db_url))

    assert f"OLT {olt_id} (olt-x): " in str(raised.value) and cause in str(raised.value), str(raised.value)


def test_ponstack_migrate_refuses_with_a_one_line_cause(empty_db_url: str) -> None:
    at_0006(empty_db_url)
    first = insert_olt(empty_db_url, "olt-a", ATTACK)
    second = insert_olt(empty_db_url, "olt-b", {"ssh_config_file": "/tmp/cfg", "timeout_ops": 30})

    result = run_ponstack("migrate", env={"DATABASE_URL": empty_db_url})

    assert result.returncode == 4, result.stderr
    error_lines = [line for line in result.stderr.splitlines() if "error" in line]
    assert len(error_lines) == 1, result.stderr
    line = error_lines[0]
    assert line.startswith("ponstack migrate: error: revision 0007 failed"), line
    assert f"OLT {first} (olt-a): key 'transport_options' is not allowed" in line
    assert f"OLT {second} (olt-b): key 'ssh_config_file' is not allowed" in line


def test_valid_rows_are_normalised_and_restored_on_downgrade(empty_db_url: str) -> None:
    at_0006(empty_db_url)
    rows = {
        "empty": ({}, "ssh", {}),
        "paramiko": ({"transport": "paramiko", "auth_strict_key": True}, "ssh",
                     {"transport": "paramiko", "auth_strict_key": True}),
        "system": ({"transport": "system"}, "ssh",
                   {"transport": "system", "legacy_kex": True, "legacy_host_key": True}),
        "system-set": ({"transport": "system", "legacy_kex": False}, "ssh",
                       {"transport": "system", "legacy_kex": False, "legacy_host_key": True}),
        "timeouts": ({"timeout_socket": 5, "timeout_transport": 30.5, "timeout_ops": 120}, "ssh",
                     {"timeout_socket_s": 5, "timeout_transport_s": 30.5, "timeout_ops_s": 120}),
        "telnet": ({"transport": "telnet", "timeout_ops": 40}, "telnet", {"timeout_ops_s": 40}),
        "snmp": ({"snmp_context_name": "ctx-zte-4"}, "ssh", {"snmp_context_name": "ctx-zte-4"}),
    }
    ids = {name: insert_olt(empty_db_url, name, before, cli) for name, (before, cli, _) in rows.items()}

    upgrade_to_head(alembic_config(empty_db_url))

    for name, (_, _, after) in rows.items():
        assert stored_options(empty_db_url, ids[name]) == after, name
        ConnectionOptions.model_validate(after)  # what the application accepts

    command.downgrade(alembic_config(empty_db_url), "0006")
    assert stored_options(empty_db_url, ids["timeouts"]) == rows["timeouts"][0]
    assert stored_options(empty_db_url, ids["system"]) == {"transport": "system"}
    assert stored_options(empty_db_url, ids["paramiko"]) == rows["paramiko"][0]
