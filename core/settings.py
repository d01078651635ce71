"""Runtime settings, read once from the environment.

Every knob has one environment variable; nothing is read from files except the
generated secret key of the embedded (development) default.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path


def _env_float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    return float(raw) if raw not in (None, "") else default


def _env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw in (None, ""):
        return default
    return raw.strip().lower() in ("1", "true", "yes", "on")


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    return int(raw) if raw not in (None, "") else default


@dataclass(frozen=True)
class Settings:
    database_url: str | None = None
    data_dir: Path = field(default_factory=lambda: Path(".ponstack"))
    production: bool = False
    secret_key: str | None = None
    db_wait_timeout: float = 30.0
    migration_lock_timeout: float = 60.0
    api_host: str = "127.0.0.1"
    api_port: int = 8000
    api_processes: int = 1  # processes serving the API (`ponstack up`); the worker and lab stay in one
    api_access_log: bool = False  # uvicorn's line per request (costs CPU on every request)
    worker_heartbeat_s: float = 10.0  # a worker's sign of life in the queue's table
    worker_stalled_after_s: float = 30.0  # no sign of life that long: its jobs are put back in the queue

    @classmethod
    def from_env(cls) -> Settings:
        return cls(
            database_url=os.environ.get("DATABASE_URL") or None,
            data_dir=Path(os.environ.get("PONSTACK_DATA_DIR", ".ponstack")),
            production=os.environ.get("PONSTACK_ENV", "development").lower() == "production",
            secret_key=os.environ.get("PONSTACK_SECRET_KEY") or None,
            db_wait_timeout=_env_float("PONSTACK_DB_WAIT_TIMEOUT", 30.0),
            migration_lock_timeout=_env_float("PONSTACK_MIGRATION_LOCK_TIMEOUT", 60.0),
            api_host=os.environ.get("PONSTACK_API_HOST", "127.0.0.1"),
            api_port=int(os.environ.get("PONSTACK_API_PORT", "8000")),
            api_processes=_env_int("PONSTACK_API_PROCESSES", 1),
            api_access_log=_env_bool("PONSTACK_API_ACCESS_LOG", False),
            worker_heartbeat_s=_env_float("PONSTACK_WORKER_HEARTBEAT_S", 10.0),
            worker_stalled_after_s=_env_float("PONSTACK_WORKER_STALLED_AFTER_S", 30.0),
        )


def get_settings() -> Settings:
    return Settings.from_env()
