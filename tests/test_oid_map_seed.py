"""The OID maps seeded by migration 0005 are the shipped defaults, and every one of them is usable."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import psycopg
import pytest
from alembic import command

from core.db import libpq_url, session_scope
from core.migrate import alembic_config
from oms.models import SnmpOidMap
from oms.monitoring.oid_defaults import DEFAULT_OID_MAPS
from oms.monitoring.oidmap import OidMapEntry, validate_entry

MIGRATION = Path(__file__).resolve().parents[1] / "migrations" / "versions" / "0005_seed_snmp_oid_maps.py"
ADD_A_REVISION = (
    "oms.monitoring.oid_defaults.DEFAULT_OID_MAPS no longer matches the rows migration 0005 seeds. "
    "Existing installs only get a change through a migration: add a new revision that updates the "
    "changed rows (leaving operator-edited ones alone) and freezes its data like 0005 does; "
    "never edit migrations/data/0005_snmp_oid_maps.json."
)


def _key(row: dict[str, Any]) -> tuple[str, str]:
    return row["vendor_family"], row["metric"]


def _seeded(url: str) -> dict[tuple[str, str], dict[str, Any]]:
    with session_scope(url) as session:
        rows = [OidMapEntry.from_row(r).as_dict() for r in session.query(SnmpOidMap)]
    return {_key(row): row for row in rows}


def test_seeded_rows_equal_the_shipped_defaults(db_url: str) -> None:
    seeded = _seeded(db_url)
    defaults = {_key(row): OidMapEntry.from_dict(row).as_dict() for row in DEFAULT_OID_MAPS}
    assert set(seeded) == set(defaults), ADD_A_REVISION
    for key, default in defaults.items():
        assert seeded[key] == default, f"{key[0]}/{key[1]} differs. {ADD_A_REVISION}"


@pytest.mark.parametrize("row", DEFAULT_OID_MAPS, ids=lambda r: f"{r['vendor_family']}/{r['metric']}")
def test_every_seeded_row_passes_validation(row: dict[str, Any]) -> None:
    assert validate_entry(OidMapEntry.from_dict(row)) == []


def test_the_migration_imports_no_application_code() -> None:
    tree = ast.parse(MIGRATION.read_text())
    imported = {
        name.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for name in ([a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""])
    }
    assert imported <= {"json", "collections", "pathlib", "typing", "sqlalchemy", "alembic"}, imported


def test_downgrade_removes_the_seeded_rows_and_upgrade_restores_them(db_url: str) -> None:
    cfg = alembic_config(db_url)
    command.downgrade(cfg, "0004")
    with psycopg.connect(libpq_url(db_url)) as conn:
        assert conn.execute("SELECT count(*) FROM snmp_oid_maps").fetchone() == (0,)
    command.upgrade(cfg, "head")
    assert len(_seeded(db_url)) == len(DEFAULT_OID_MAPS)
