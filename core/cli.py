"""`ponstack` command line: migrate, check, up, worker, lab, parse, genkey.

Sub-commands that need a domain package import it when they run, so that core
keeps no import-time dependency on the packages built on top of it.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from core.settings import Settings, get_settings

EXIT_OK = 0
EXIT_INVALID = 1  # schema validation failed
EXIT_UNREACHABLE = 3  # database did not answer within the wait timeout
EXIT_MIGRATION_FAILED = 4  # a revision failed (database left at the last good one)
EXIT_LOCK_TIMEOUT = 5  # another process held the migration lock too long
EXIT_CONFIG = 6  # configuration error (e.g. missing secret key in production)


class CommandError(Exception):
    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.code = code


def resolve_database_url(settings: Settings) -> str:
    """DATABASE_URL when set, else the embedded PostgreSQL in the data directory."""
    from core.db import set_database_url

    url = settings.database_url
    if not url:
        from core.embedded import start_embedded_postgres

        print(f"starting embedded PostgreSQL in {settings.data_dir / 'pgdata'}", file=sys.stderr)
        url = start_embedded_postgres(settings.data_dir)
        os.environ["DATABASE_URL"] = url  # children (worker, lab) share the same server
    set_database_url(url)
    return url


def run_migrate(url: str, settings: Settings, script_location: Path | None = None) -> None:
    from core.checks import validate_schema
    from core.locks import LockTimeout
    from core.migrate import DatabaseUnreachable, MigrationFailed, migrate

    try:
        report = migrate(url, settings.db_wait_timeout, settings.migration_lock_timeout, script_location)
    except DatabaseUnreachable as exc:
        raise CommandError(str(exc), EXIT_UNREACHABLE) from exc
    except MigrationFailed as exc:
        raise CommandError(str(exc), EXIT_MIGRATION_FAILED) from exc
    except LockTimeout as exc:
        raise CommandError(str(exc), EXIT_LOCK_TIMEOUT) from exc
    result = validate_schema(url)
    after = ",".join(sorted(report.after)) or "base"
    done = f"applied {', '.join(report.applied)}" if report.applied else "already at head"
    print(f"migrated to {after} ({done}) in {report.elapsed_s:.2f} s (waited {report.waited_s:.2f} s for the database)")
    _raise_unless_valid(result)
    print(f"validated {result.tables_checked} tables: {result.one_line()}")


def run_check(url: str, settings: Settings) -> None:
    from core.checks import validate_schema
    from core.migrate import DatabaseUnreachable, wait_for_database

    try:
        wait_for_database(url, settings.db_wait_timeout)
    except DatabaseUnreachable as exc:
        raise CommandError(str(exc), EXIT_UNREACHABLE) from exc
    result = validate_schema(url)
    _raise_unless_valid(result)
    print(f"revision {result.revision} (head {result.head}); {result.tables_checked} tables: {result.one_line()}")


def _raise_unless_valid(result: object) -> None:
    from core.checks import ValidationResult

    assert isinstance(result, ValidationResult)
    if not result.ok:
        raise CommandError(f"schema invalid: {result.one_line()}", EXIT_INVALID)


def _require_secret_key() -> None:
    from core.crypto import SecretKeyMissing, resolve_secret_key

    try:
        resolve_secret_key()
    except SecretKeyMissing as exc:
        raise CommandError(str(exc), EXIT_CONFIG) from exc


def cmd_migrate(args: argparse.Namespace) -> None:
    settings = get_settings()
    run_migrate(resolve_database_url(settings), settings, args.script_location)


def cmd_check(args: argparse.Namespace) -> None:
    settings = get_settings()
    run_check(resolve_database_url(settings), settings)


def cmd_up(args: argparse.Namespace) -> None:
    started = time.monotonic()
    settings = get_settings()
    _require_secret_key()
    url = resolve_database_url(settings)
    run_migrate(url, settings)
    import uvicorn

    from api.app import create_app

    app = create_app(url, started_at=started)
    uvicorn.run(app, host=args.host or settings.api_host, port=args.port or settings.api_port, log_level="info")


def cmd_genkey(args: argparse.Namespace) -> None:
    from cryptography.fernet import Fernet

    print(Fernet.generate_key().decode())


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ponstack", description="ponstack: run a fibre ISP end to end")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("migrate", help="wait for the database, upgrade to head under a lock, validate")
    p.add_argument("--script-location", type=Path, default=None, help=argparse.SUPPRESS)
    p.set_defaults(func=cmd_migrate)

    p = sub.add_parser("check", help="validate the schema without changing anything")
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("up", help="start the platform: database (embedded by default), migrations, API")
    p.add_argument("--host", default=None)
    p.add_argument("--port", type=int, default=None)
    p.add_argument("--lab", action="store_true", help="also start a demo lab of simulated OLTs")
    p.set_defaults(func=cmd_up)

    p = sub.add_parser("genkey", help="print a new PONSTACK_SECRET_KEY")
    p.set_defaults(func=cmd_genkey)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    func: Callable[[argparse.Namespace], None] = args.func
    try:
        func(args)
    except CommandError as exc:
        print(f"ponstack {args.command}: error: {exc}", file=sys.stderr)
        return exc.code
    except KeyboardInterrupt:
        return 130
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
