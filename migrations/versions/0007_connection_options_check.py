"""OLT connection options: check every stored row against the closed set

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-10 10:00:00

`olts.connection_options` was merged as is into scrapli's arguments; it is now a closed,
typed set (oms.connection_options). This revision normalises the rows that used the old
spelling and refuses to go on while a row holds anything outside the set, naming the
OLT (id and name) and the key, so that the operator fixes or clears it first (e.g.
`UPDATE olts SET connection_options = '{}' WHERE id = ...`) and migrates again.

Normalised (the behaviour the OLT had stays the same):
- `timeout_socket`, `timeout_transport`, `timeout_ops` (scrapli's names) become
  `timeout_socket_s`, `timeout_transport_s`, `timeout_ops_s`;
- `transport: "system"`: the drivers added SHA-1 key exchange and ssh-rsa host keys to
  OpenSSH's algorithms; that is now explicit: `legacy_kex` and `legacy_host_key` on
  (unless the row already sets them);
- `transport: "telnet"` on an OLT whose cli_transport is telnet only repeated it: dropped.
  On an OLT reached over SSH it contradicts cli_transport and is refused.

The allowed keys and checks are written out here (not imported from the application),
so that this revision always checks the same thing.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TRANSPORTS = ("paramiko", "system")
TIMEOUTS = ("timeout_socket_s", "timeout_transport_s", "timeout_ops_s")
LEGACY_SWITCHES = ("legacy_kex", "legacy_host_key", "legacy_ciphers")
SWITCHES = (*LEGACY_SWITCHES, "auth_strict_key")
ALLOWED = ("transport", *TIMEOUTS, *SWITCHES, "snmp_context_name")
RENAMED = {"timeout_socket": "timeout_socket_s", "timeout_transport": "timeout_transport_s",
           "timeout_ops": "timeout_ops_s"}
MIN_TIMEOUT_S, MAX_TIMEOUT_S = 1, 600
MAX_SNMP_CONTEXT_CHARS = 32


def _normalised(options: dict[str, Any], cli_transport: str) -> tuple[dict[str, Any], list[str]]:
    """The row in the new spelling, and what is wrong with it (empty: valid)."""
    options = dict(options)
    problems: list[str] = []
    for old, new in RENAMED.items():
        if old in options:
            if new in options:
                problems.append(f"key {old!r} and key {new!r} both set")
            else:
                options[new] = options.pop(old)
    transport = options.get("transport")
    if transport == "telnet":
        if cli_transport == "telnet":
            del options["transport"]
            transport = None
        else:
            problems.append("key 'transport' is 'telnet' but the OLT's cli_transport is ssh "
                            "(set cli_transport to telnet instead)")
    if transport == "system":
        for switch in ("legacy_kex", "legacy_host_key"):
            options.setdefault(switch, True)
    for key, value in options.items():
        problems.extend(_problems(key, value))
    if transport != "system" and any(options.get(s) is True for s in LEGACY_SWITCHES):
        problems.append("keys 'legacy_*' need transport 'system'")
    return options, problems


def _problems(key: str, value: Any) -> list[str]:
    if key not in ALLOWED:
        return [f"key {key!r} is not allowed"]
    if key == "transport":
        ok = value in TRANSPORTS or (value == "telnet")  # telnet: reported by _normalised
    elif key in TIMEOUTS:
        ok = (isinstance(value, int | float) and not isinstance(value, bool)
              and MIN_TIMEOUT_S <= value <= MAX_TIMEOUT_S)
    elif key in SWITCHES:
        ok = isinstance(value, bool)
    else:  # snmp_context_name
        ok = (isinstance(value, str) and len(value) <= MAX_SNMP_CONTEXT_CHARS
              and all(" " <= ch <= "~" for ch in value))
    return [] if ok else [f"key {key!r} has an invalid value"]


def upgrade() -> None:
    conn = op.get_bind()
    rows = conn.execute(
        sa.text("SELECT id, name, cli_transport, connection_options FROM olts ORDER BY id")
    ).all()
    refused: list[str] = []
    changed: list[tuple[int, dict[str, Any]]] = []
    for olt_id, raw_name, cli_transport, stored in rows:
        name = " ".join(str(raw_name).split())  # the cause is reported on one line
        stored = {} if stored is None else stored
        if not isinstance(stored, dict):
            refused.append(f"OLT {olt_id} ({name}): connection_options is not an object")
            continue
        options, problems = _normalised(stored, cli_transport)
        if problems:
            refused.append(f"OLT {olt_id} ({name}): " + ", ".join(problems))
        elif options != stored:
            changed.append((olt_id, options))
    if refused:
        # One line: `ponstack migrate` reports the first line of the error as the cause.
        raise RuntimeError(
            "olts.connection_options outside the allowed set: " + "; ".join(refused)
            + f" (allowed keys: {', '.join(ALLOWED)}; fix or clear these rows and migrate again)"
        )
    for olt_id, options in changed:
        conn.execute(
            sa.text("UPDATE olts SET connection_options = CAST(:options AS jsonb) WHERE id = :id"),
            {"options": json.dumps(options), "id": olt_id},
        )


def downgrade() -> None:
    """Back to scrapli's names; the legacy switches go (before this revision the drivers
    added the legacy key exchange and host keys on `system` anyway)."""
    conn = op.get_bind()
    rows = conn.execute(sa.text("SELECT id, connection_options FROM olts ORDER BY id")).all()
    for olt_id, stored in rows:
        if not isinstance(stored, dict):
            continue
        options = {k: v for k, v in stored.items() if k not in LEGACY_SWITCHES}
        for old, new in RENAMED.items():
            if new in options:
                options[old] = options.pop(new)
        if options != stored:
            conn.execute(
                sa.text("UPDATE olts SET connection_options = CAST(:options AS jsonb) WHERE id = :id"),
                {"options": json.dumps(options), "id": olt_id},
            )
