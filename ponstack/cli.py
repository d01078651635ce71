"""`ponstack` command line: migrate, check, up, worker, lab, onu, acs, parse, genkey, user, token.

The composition layer: it may import every package. Sub-commands import what they
need when they run, so that `ponstack migrate` stays quick.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

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


def run_check(url: str, settings: Settings, quiet: bool = False) -> None:
    from core.checks import validate_schema
    from core.migrate import DatabaseUnreachable, wait_for_database

    try:
        wait_for_database(url, settings.db_wait_timeout)
    except DatabaseUnreachable as exc:
        raise CommandError(str(exc), EXIT_UNREACHABLE) from exc
    result = validate_schema(url)
    _raise_unless_valid(result)
    if not quiet:
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
    _exit_cleanly_on_sigterm()
    url = resolve_database_url(settings)
    run_migrate(url, settings)
    from ponstack.accounts import ensure_first_admin

    ensure_first_admin(url, settings)  # the embedded development default only
    import uvicorn

    from ponstack.worker import BackgroundWorker

    processes = args.api_processes if args.api_processes is not None else settings.api_processes
    if processes < 1:
        raise CommandError(f"--api-processes must be at least 1 (got {processes})", EXIT_CONFIG)
    host, port = args.host or settings.api_host, args.port or settings.api_port
    lab = _start_lab(url, args) if args.lab else None
    worker = None if args.no_worker else BackgroundWorker(url, args.concurrency).start()
    publisher = None
    try:
        if processes == 1:
            from api.app import create_app
            from ponstack.serve import freeze_startup_objects

            app = create_app(url, started_at=started, worker=worker.state if worker else None)
            freeze_startup_objects()
            uvicorn.run(app, host=host, port=port, log_level="info", access_log=settings.api_access_log)
        else:
            # N spawned API processes, each on a socket of its own, build the app from the
            # environment (ponstack.serve); the worker and the lab stay here, and the worker's
            # state reaches the API processes through a file.
            from ponstack import serve

            os.environ["DATABASE_URL"] = url
            os.environ[serve.STARTED_AT_ENV] = repr(started)
            if worker is not None:
                publisher = serve.WorkerStatusPublisher(worker.state).start()
                os.environ[serve.WORKER_STATUS_ENV] = str(publisher.path)
            else:
                os.environ.pop(serve.WORKER_STATUS_ENV, None)
            try:
                serve.run_api_processes(processes, host, port, settings.api_access_log)
            except OSError as exc:  # the port in use, or an address that cannot be bound
                raise CommandError(str(exc), EXIT_CONFIG) from exc
    finally:
        if publisher is not None:
            publisher.stop()
        if worker is not None:
            worker.stop()
        if lab is not None:
            lab.close()


def _exit_cleanly_on_sigterm() -> None:
    """SIGTERM ends the process through SystemExit, so that `finally` blocks and atexit
    handlers run: the lab's SNMP agent and temporary folders, the worker and the
    embedded database are stopped, not orphaned. (uvicorn re-raises the signal it
    caught after its own shutdown; it then lands here.)"""

    def terminate(signum: int, frame: object) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, terminate)


def _start_lab(url: str, args: argparse.Namespace) -> Any:
    try:
        from lab.demo import DemoLab
    except ImportError as exc:  # the simulators are an optional extra
        raise CommandError(f"the demo lab needs the simulators ({exc.name} is missing): "
                           "pip install 'ponstack[lab]' (make run/make test install it)", EXIT_CONFIG) from exc

    demo = DemoLab.start(url, args.lab_olts, args.lab_onus, args.lab_latency)
    for olt in demo.olts:
        print(f"lab: {olt.name} ({olt.family.value}) CLI on 127.0.0.1:{olt.port}, SNMP on udp/{olt.snmp_port} "
              f"community {olt.community}, {len(olt.onus)} unconfigured ONUs", file=sys.stderr)
    if demo.acs is not None:
        print(f"lab: GenieACS NBI emulator on {demo.acs.url} with one CPE per lab ONU (the platform's ACS)",
              file=sys.stderr)
    _discover_now(url, [olt.name for olt in demo.olts])
    return demo


def _discover_now(url: str, olt_names: list[str]) -> None:
    """The lab's OLTs show their unconfigured ONUs at once (the scheduled discovery would take
    `discovery.interval_s`): a discovery job each, run by the worker like any other."""
    from sqlalchemy import select

    from core.db import session_scope
    from oms.models import JobKind, Olt
    from oms.services import request_olt_job

    with session_scope(url) as session:
        olt_ids = list(session.scalars(select(Olt.id).where(Olt.name.in_(olt_names))))
    for olt_id in olt_ids:
        request_olt_job(url, olt_id, JobKind.DISCOVER, "lab")


def cmd_worker(args: argparse.Namespace) -> None:
    settings = get_settings()
    _require_secret_key()
    url = resolve_database_url(settings)
    run_check(url, settings)  # never execute device work against a schema we do not know
    from ponstack.worker import run_in_foreground

    run_in_foreground(url, args.concurrency)


def cmd_lab(args: argparse.Namespace) -> None:
    settings = get_settings()
    _require_secret_key()
    _exit_cleanly_on_sigterm()
    url = resolve_database_url(settings)
    run_migrate(url, settings)
    lab = _start_lab(url, args)
    print("lab running; Ctrl-C to stop", file=sys.stderr)
    try:
        while True:
            time.sleep(3600)
    finally:
        lab.close()


def cmd_onu(args: argparse.Namespace) -> None:
    """Act on one ONU by serial from the shell; --dry-run prints the exact commands
    (and their compensation) without contacting the OLT."""
    import json

    from core.db import session_scope
    from oms.dry_run import dry_run
    from oms.errors import OmsError
    from oms.models import JobKind
    from oms.services import onu_id_by_serial, request_and_enqueue

    settings = get_settings()
    url = resolve_database_url(settings)
    run_check(url, settings, quiet=True)  # stdout carries only the answer (JSON for --dry-run)
    kind = JobKind(args.action)
    try:
        with session_scope(url) as session:
            onu_id = onu_id_by_serial(session, args.serial)
            if args.dry_run:
                print(json.dumps(dry_run(session, onu_id, kind), indent=2, default=str))
                session.rollback()
                return
        job_id = request_and_enqueue(url, onu_id, kind, args.user)
    except OmsError as exc:
        raise CommandError(str(exc), EXIT_INVALID) from exc
    print(f"queued job {job_id}: follow it with GET /jobs/{job_id}")


def cmd_parse(args: argparse.Namespace) -> None:
    import json

    from vendor_cli.parse_command import EXIT_UNKNOWN_COMMAND, UnknownCommand, parse_capture

    try:
        parsed = parse_capture(args.vendor, args.command_text, sys.stdin.read())
    except UnknownCommand as exc:  # the message lists the family's known command forms
        raise CommandError(str(exc), EXIT_UNKNOWN_COMMAND) from exc
    except (LookupError, ValueError) as exc:
        raise CommandError(str(exc), EXIT_INVALID) from exc
    print(json.dumps(_plain(parsed), indent=2, default=str))


def _plain(value: Any) -> Any:
    """Parser results (dataclasses, lists of them, ONT id -> dataclass maps) as JSON values."""
    import dataclasses

    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    return value


def cmd_account(args: argparse.Namespace) -> None:
    """`ponstack user ...` / `ponstack token create`: the sub-command's function (ponstack.accounts)
    on a database whose schema checks out."""
    from core.errors import DomainError

    settings = get_settings()
    _require_secret_key()  # token digests and second-factor secrets need it
    url = resolve_database_url(settings)
    run_check(url, settings, quiet=True)  # stdout carries only the secret printed once
    try:
        args.account_func(args, url)
    except DomainError as exc:
        raise CommandError(str(exc), EXIT_INVALID) from exc


def cmd_acs(args: argparse.Namespace) -> None:
    """`ponstack acs ...` (ponstack.acs_cli) on a database whose schema checks out."""
    from core.errors import DomainError

    settings = get_settings()
    url = resolve_database_url(settings)
    run_check(url, settings, quiet=True)
    try:
        args.acs_func(args, url)
    except DomainError as exc:
        raise CommandError(_with_field_errors(exc), EXIT_INVALID) from exc


def _with_field_errors(exc: Exception) -> str:
    """The error, with each field's fault when it names them (`values.passphrase: ...`)."""
    details = [f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in getattr(exc, "errors", [])]
    return "; ".join([str(exc), *details])


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
    p.add_argument("--no-worker", action="store_true", help="serve the API only (run `ponstack worker` apart)")
    p.add_argument("--concurrency", type=int, default=20, help="device jobs run at once (different OLTs)")
    p.add_argument("--api-processes", type=int, default=None, metavar="N",
                   help="serve the API from N processes (default PONSTACK_API_PROCESSES, else 1); "
                        "the worker and the lab stay in this one")
    _lab_options(p)
    p.set_defaults(func=cmd_up)

    p = sub.add_parser("worker", help="run device jobs from the queue (one OLT at a time per OLT lock)")
    p.add_argument("--concurrency", type=int, default=20, help="device jobs run at once (different OLTs)")
    p.set_defaults(func=cmd_worker)

    p = sub.add_parser("lab", help="start simulated OLTs with unconfigured ONUs and register them")
    _lab_options(p)
    p.set_defaults(func=cmd_lab)

    p = sub.add_parser("onu", help="authorize/remove/reboot/suspend/resume one ONU by serial (or --dry-run)")
    p.add_argument("action", choices=["authorize", "remove", "reboot", "suspend", "resume"])
    p.add_argument("serial")
    p.add_argument("--dry-run", action="store_true", help="print the commands it would send; contact nothing")
    p.add_argument("--user", default=os.environ.get("USER", "cli"), help="recorded as who asked")
    p.set_defaults(func=cmd_onu)

    p = sub.add_parser("parse", help="parse a captured show command: ponstack parse FAMILY 'COMMAND' < capture.txt")
    p.add_argument("vendor", help="vendor family: huawei_smartax, zte_c3xx or zte_c6xx")
    p.add_argument("command_text", metavar="COMMAND", help="the show command the capture answers")
    p.set_defaults(func=cmd_parse)

    p = sub.add_parser("genkey", help="print a new PONSTACK_SECRET_KEY")
    p.set_defaults(func=cmd_genkey)

    from ponstack import acs_cli
    from ponstack.accounts import add_parsers

    add_parsers(sub)
    sub.choices["user"].set_defaults(func=cmd_account)
    sub.choices["token"].set_defaults(func=cmd_account)
    acs_cli.add_parsers(sub)
    sub.choices["acs"].set_defaults(func=cmd_acs)
    return parser


def _lab_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--lab-olts", type=int, default=1, help="simulated OLTs per vendor family")
    p.add_argument("--lab-onus", type=int, default=4, help="unconfigured ONUs per simulated OLT")
    p.add_argument("--lab-latency", type=float, default=0.05, help="seconds before each simulated answer")


def _configure_logging() -> None:
    """Log lines on stderr: ponstack's own at PONSTACK_LOG_LEVEL (INFO by default), the
    libraries' warnings and errors only (scrapli and paramiko log every command at INFO,
    which costs the device path real time)."""
    import logging

    level = os.environ.get("PONSTACK_LOG_LEVEL", "INFO").upper()
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("ponstack").setLevel(level)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    _configure_logging()
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
