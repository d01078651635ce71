"""The full model set. Import this (not the domain modules one by one) wherever
the whole schema is needed: migrations, validation, tests."""

from __future__ import annotations

import importlib

from core.db import metadata

# Domain model modules, named rather than imported so that core keeps no
# import-time dependency on the domain packages.
MODEL_MODULES = ("core.models", "crm.models", "oms.models")

# Which domain owns each table: used to report missing tables per domain.
DOMAIN_OF_MODULE = {"core.models": "shared", "crm.models": "CRM", "oms.models": "OMS"}


def load_all_models():  # type: ignore[no-untyped-def]
    for name in MODEL_MODULES:
        importlib.import_module(name)
    return metadata


def table_domains() -> dict[str, str]:
    from core.db import Base

    load_all_models()
    domains: dict[str, str] = {}
    for mapper in Base.registry.mappers:
        table = mapper.local_table
        domains[table.name] = DOMAIN_OF_MODULE.get(mapper.class_.__module__, "other")
    return domains
