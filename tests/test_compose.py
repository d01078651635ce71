"""docker-compose.yml structure (no Docker engine runs here; the commands it
runs are tested for real in test_cli_migrate.py and test_api_health.py)."""

from __future__ import annotations

from typing import Any

import yaml

from ponstack.cli import build_parser
from tests.fixtures import REPO_ROOT


def _compose() -> dict[str, Any]:
    return dict(yaml.safe_load((REPO_ROOT / "docker-compose.yml").read_text()))


def test_postgres_has_pg_isready_healthcheck_and_named_volume() -> None:
    compose = _compose()
    postgres = compose["services"]["postgres"]
    assert postgres["image"].startswith("postgres:")
    assert "pg_isready" in " ".join(postgres["healthcheck"]["test"])
    volume = postgres["volumes"][0].split(":")[0]
    assert volume in compose["volumes"]


def test_migrate_is_one_shot_after_healthy_postgres() -> None:
    migrate = _compose()["services"]["migrate"]
    assert migrate["command"] == ["ponstack", "migrate"]
    assert migrate["restart"] == "no"
    assert migrate["depends_on"]["postgres"]["condition"] == "service_healthy"


def test_api_and_worker_wait_for_successful_migration() -> None:
    services = _compose()["services"]
    for name in ("api", "worker"):
        assert services[name]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert "/health/ready" in " ".join(services["api"]["healthcheck"]["test"])


def test_services_share_one_database_and_production_mode() -> None:
    services = _compose()["services"]
    for name in ("migrate", "api", "worker"):
        env = services[name]["environment"]
        assert env["DATABASE_URL"].endswith("@postgres:5432/ponstack")
        assert env["PONSTACK_ENV"] == "production"
        assert "PONSTACK_SECRET_KEY" in env


def test_compose_commands_exist_in_the_cli() -> None:
    parser = build_parser()
    services = _compose()["services"]
    for name in ("migrate", "api", "worker"):
        command = services[name]["command"]
        assert command[0] == "ponstack"
        parser.parse_args(command[1:])  # exits (SystemExit) on an unknown command or option


def test_long_running_services_restart_and_one_worker_service_runs_jobs() -> None:
    services = _compose()["services"]
    for name in ("api", "worker"):
        assert services[name]["restart"] == "unless-stopped"
    assert "--no-worker" in services["api"]["command"], "device jobs run in the worker service"


def test_the_image_holds_every_package_the_service_imports() -> None:
    copied = {line.split()[1] for line in (REPO_ROOT / "Dockerfile").read_text().splitlines()
              if line.startswith("COPY ") and "./" in line}
    for package in ("ponstack", "core", "crm", "oms", "api", "inventory", "tasks", "vendor_cli", "migrations"):
        assert package in copied, package
