"""The README's dependency map, checked: every import in every module (at any depth
in the file), tests excepted."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.fixtures import REPO_ROOT

PACKAGES = ("ponstack", "api", "console", "crm", "oms", "acs", "tasks", "inventory", "vendor_cli", "core", "lab")
#: what each package may not import
FORBIDDEN = {
    "core": {"ponstack", "api", "console", "crm", "oms", "acs", "tasks", "inventory", "vendor_cli", "lab"},
    "vendor_cli": {"ponstack", "api", "console", "crm", "oms", "acs", "tasks", "inventory", "lab"},
    "oms": {"ponstack", "api", "console", "crm", "acs", "tasks", "lab"},
    "acs": {"ponstack", "api", "console", "crm", "tasks", "inventory", "lab"},
    "crm": {"ponstack", "api", "console", "tasks", "lab"},
    "inventory": {"ponstack", "api", "console", "crm", "acs", "tasks", "lab"},
    "tasks": {"ponstack", "api", "console", "crm", "lab"},
    "console": {"ponstack", "api", "tasks", "lab"},
    "api": {"ponstack", "lab"},
    "lab": {"ponstack", "api", "console"},
}


def imported_packages(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found & set(PACKAGES)


def modules(package: str) -> list[Path]:
    return [p for p in (REPO_ROOT / package).rglob("*.py") if "tests" not in p.relative_to(REPO_ROOT).parts]


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_dependencies_point_one_way(package: str) -> None:
    breaches = {
        str(path.relative_to(REPO_ROOT)): sorted(imported_packages(path) & FORBIDDEN[package])
        for path in modules(package)
    }
    assert not {k: v for k, v in breaches.items() if v}, "imports against the README's map"


def test_the_service_runs_without_the_lab() -> None:
    """The simulators are an optional extra: only the CLI's `--lab` reaches them, lazily."""
    for package in ("api", "console", "crm", "oms", "acs", "tasks", "inventory", "vendor_cli", "core"):
        for path in modules(package):
            assert "lab" not in imported_packages(path), path
