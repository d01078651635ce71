"""The full model set. Import this (not the domain modules one by one) wherever
the whole schema is needed: migrations, validation, tests."""

from __future__ import annotations

import importlib

from sqlalchemy import MetaData, Table

from core.db import metadata

# Domain model modules, named rather than imported so that core keeps no
# import-time dependency on the domain packages.
MODEL_MODULES = ("core.models", "crm.models", "oms.models", "acs.models")

# Which domain owns each table: used to report missing tables per domain.
DOMAIN_OF_MODULE = {"core.models": "shared", "crm.models": "CRM", "oms.models": "OMS", "acs.models": "ACS"}


def load_all_models() -> MetaData:
    for name in MODEL_MODULES:
        importlib.import_module(name)
    return metadata


def table_domains() -> dict[str, str]:
    from core.db import Base

    load_all_models()
    domains: dict[str, str] = {}
    for mapper in Base.registry.mappers:
        table = mapper.local_table
        assert isinstance(table, Table)
        domains[table.name] = DOMAIN_OF_MODULE.get(mapper.class_.__module__, "other")
    return domains


# Tables in the database that belong to other components (the job queue's own
# schema) and are not ours to compare or validate.
FOREIGN_TABLE_PREFIXES = ("procrastinate_",)


def include_object(obj: object, name: str | None, type_: str, reflected: bool, compare_to: object) -> bool:
    return not (type_ == "table" and name is not None and name.startswith(FOREIGN_TABLE_PREFIXES))


# Seed rows every install needs: (label, SQL returning a count, minimum count).
# Kept as SQL so validation needs no domain imports and runs in one round-trip each.
REQUIRED_SETTINGS = (
    "monitoring.status_interval_s",
    "monitoring.optical_interval_s",
    "monitoring.history_retention_days",
    "monitoring.low_signal_dbm",
    "provisioning.save_config",
)
SEED_CHECKS: list[tuple[str, str, int]] = [
    (
        "job queue schema",
        "SELECT count(*) FROM pg_class WHERE relname IN ('procrastinate_jobs', 'procrastinate_events') "
        "AND relnamespace = current_schema()::regnamespace",
        2,
    ),
    ("vendors", "SELECT count(*) FROM vendors WHERE slug IN ('huawei', 'zte')", 2),
    ("acs settings", "SELECT count(*) FROM acs_settings WHERE id = 1", 1),
    (
        "snmp oid maps",  # 3 vendor families x 13 metrics
        "SELECT count(*) FROM snmp_oid_maps WHERE vendor_family IN ('huawei_smartax', 'zte_c3xx', 'zte_c6xx')",
        39,
    ),
    (
        "cli templates",  # 3 vendor families x 8 actions, each with its version history
        "SELECT count(*) FROM cli_templates t "
        "WHERE EXISTS (SELECT 1 FROM cli_template_versions v WHERE v.template_id = t.id)",
        24,
    ),
    (
        "settings",
        "SELECT count(*) FROM settings WHERE key IN ("
        + ", ".join(f"'{k}'" for k in REQUIRED_SETTINGS)
        + ")",
        len(REQUIRED_SETTINGS),
    ),
]
