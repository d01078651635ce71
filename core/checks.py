"""Schema validation: revision at head, every modelled table, column, index and
constraint present, required seed rows present.

Reads the catalog with three queries (not one inspector call per table), so the
check is cheap enough for `/health/ready` and every start.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Connection, MetaData, text
from sqlalchemy.exc import SQLAlchemyError

from core.db import get_engine
from core.migrate import alembic_config, current_heads, script_heads
from core.schema import SEED_CHECKS, load_all_models, table_domains


@dataclass
class ValidationResult:
    revision: str | None
    head: str | None
    problems: list[str] = field(default_factory=list)
    tables_checked: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems

    def one_line(self) -> str:
        return "; ".join(self.problems) if self.problems else "schema valid"

    def as_dict(self) -> dict[str, object]:
        return {
            "ok": self.ok,
            "revision": self.revision,
            "head": self.head,
            "tables_checked": self.tables_checked,
            "problems": self.problems,
        }


def validate_schema(url: str) -> ValidationResult:
    head_set = script_heads(alembic_config(url))
    head = ",".join(sorted(head_set)) or None
    try:
        current = current_heads(url)
    except SQLAlchemyError as exc:
        return ValidationResult(None, head, [f"database unreachable: {_first_line(exc)}"])
    result = ValidationResult(",".join(sorted(current)) or None, head)
    if len(head_set) != 1:
        result.problems.append(f"migration set has {len(head_set)} heads, expected one: {sorted(head_set)}")
    if current != head_set:
        result.problems.append(f"database at revision {result.revision or 'base'}, expected head {head}")
    metadata = load_all_models()
    result.tables_checked = len(metadata.tables)
    with get_engine(url).connect() as conn:
        result.problems.extend(_missing_objects(conn, metadata))
        if not any(p.startswith("tables missing") for p in result.problems):
            result.problems.extend(_missing_seeds(conn))
    return result


def _missing_objects(conn: Connection, metadata: MetaData) -> list[str]:
    columns = _pairs(conn, "SELECT table_name, column_name FROM information_schema.columns "
                           "WHERE table_schema = current_schema()")
    constraints = _pairs(conn, "SELECT c.relname, k.conname FROM pg_constraint k "
                               "JOIN pg_class c ON c.oid = k.conrelid "
                               "WHERE c.relnamespace = current_schema()::regnamespace")
    indexes = _pairs(conn, "SELECT tablename, indexname FROM pg_indexes WHERE schemaname = current_schema()")
    present_tables = {t for t, _ in columns}
    domains = table_domains()

    missing_tables = sorted(t for t in metadata.tables if t not in present_tables)
    problems = []
    if missing_tables:
        by_domain: dict[str, list[str]] = {}
        for name in missing_tables:
            by_domain.setdefault(domains.get(name, "other"), []).append(name)
        detail = "; ".join(f"{d}: {', '.join(n)}" for d, n in sorted(by_domain.items()))
        problems.append(f"tables missing ({detail})")
    missing_columns, missing_indexes, missing_constraints = [], [], []
    for name, table in sorted(metadata.tables.items()):
        if name not in present_tables:
            continue
        missing_columns += [f"{name}.{c.name}" for c in table.columns if (name, c.name) not in columns]
        missing_indexes += [str(i.name) for i in table.indexes if (name, str(i.name)) not in indexes]
        missing_constraints += [
            str(c.name) for c in table.constraints if c.name and (name, str(c.name)) not in constraints
        ]
    if missing_columns:
        problems.append(f"columns missing: {', '.join(missing_columns)}")
    if missing_indexes:
        problems.append(f"indexes missing: {', '.join(sorted(missing_indexes))}")
    if missing_constraints:
        problems.append(f"constraints missing: {', '.join(sorted(missing_constraints))}")
    return problems


def _missing_seeds(conn: Connection) -> list[str]:
    missing = []
    for label, sql, minimum in SEED_CHECKS:
        try:
            count = conn.execute(text(sql)).scalar() or 0
        except SQLAlchemyError as exc:
            conn.rollback()
            missing.append(f"{label} (check failed: {_first_line(exc)})")
            continue
        if count < minimum:
            missing.append(f"{label} ({count} of {minimum})")
    return [f"seed rows missing: {', '.join(missing)}"] if missing else []


def _pairs(conn: Connection, sql: str) -> set[tuple[str, str]]:
    return {(str(a), str(b)) for a, b in conn.execute(text(sql))}


def _first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__
