"""`ponstack user ...` and `ponstack token create`, and the first administrator of the
embedded development default.

Secrets (a generated password, a token) are printed once on stdout, alone on their line,
so that a script can capture them (`TOKEN=$(ponstack token create alice)`); everything
else goes to stderr. The audit log names the CLI as actor (`cli:<login name>`).
"""

from __future__ import annotations

import argparse
import os
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from core.settings import Settings

if TYPE_CHECKING:
    from core.models import Role

ADMIN_PASSWORD_FILE = "admin-password"
FIRST_ADMIN = "admin"


def cli_actor() -> str:
    return f"cli:{os.environ.get('USER') or os.environ.get('USERNAME') or 'unknown'}"


def _read_password(from_stdin: bool) -> tuple[str, bool]:
    """(password, generated): the first line of stdin, or a generated one."""
    from core.passwords import generate_password

    if not from_stdin:
        return generate_password(), True
    line = sys.stdin.readline()
    return line.rstrip("\r\n"), False


def cmd_user_create(args: argparse.Namespace, url: str) -> None:
    from api.accounts import create_user
    from core.db import session_scope
    from core.models import Role

    role = Role.ADMIN if args.admin else _role(args.role)
    password, generated = _read_password(args.password_stdin)
    with session_scope(url) as session:
        create_user(session, args.username, role, password, cli_actor(), full_name=args.full_name or "",
                    email=args.email)
    print(f"created user {args.username} ({role.value})", file=sys.stderr)
    if generated:
        print("its password (shown once; change it with POST /auth/password):", file=sys.stderr)
        print(password)


def cmd_user_active(args: argparse.Namespace, url: str) -> None:
    from api.accounts import find_user, set_active
    from core.db import session_scope

    active = args.user_command == "enable"
    with session_scope(url) as session:
        set_active(session, find_user(session, args.username), active, cli_actor())
    print(f"{'enabled' if active else 'disabled'} user {args.username}"
          + ("" if active else ": sessions ended, tokens stopped"), file=sys.stderr)


def cmd_user_password(args: argparse.Namespace, url: str) -> None:
    from api.accounts import find_user, set_password
    from core.db import session_scope

    password, generated = _read_password(args.password_stdin)
    with session_scope(url) as session:
        set_password(session, find_user(session, args.username), password, cli_actor())
    print(f"new password set for {args.username} (sessions ended)", file=sys.stderr)
    if generated:
        print(password)


def cmd_token_create(args: argparse.Namespace, url: str) -> None:
    from api.accounts import create_token, find_user
    from core.db import session_scope
    from core.errors import Invalid

    expires_at = datetime.now(UTC) + timedelta(days=args.expires_days) if args.expires_days else None
    with session_scope(url) as session:
        user = find_user(session, args.username)
        if not user.is_active:
            raise Invalid(f"user {args.username} is disabled: enable them first")
        token, plaintext = create_token(session, user, cli_actor(), description=args.description,
                                        expires_at=expires_at, write_enabled=not args.read_only,
                                        role=_role(args.role) if args.role else None)
        prefix = token.key_prefix
    limits = [w for w in ("read-only" if args.read_only else "", f"role {args.role}" if args.role else "",
                          f"expires {expires_at:%Y-%m-%d %H:%M} UTC" if expires_at else "") if w]
    print(f"token {prefix}… for {args.username}{' (' + ', '.join(limits) + ')' if limits else ''}; "
          "shown once: `Authorization: Bearer <token>`", file=sys.stderr)
    print(plaintext)


def _role(name: str) -> Role:
    from core.errors import Invalid
    from core.models import Role

    try:
        return Role(name)
    except ValueError:
        raise Invalid(f"unknown role {name!r}: one of {', '.join(r.value for r in Role)}") from None


#: in the help only: the roles are checked when the command runs (core.models is not imported
#: to build the parser, so that every other command starts quickly)
ROLES_HELP = "admin, noc_engineer, support, billing or read_only"


def add_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    user = sub.add_parser("user", help="create, disable or enable a user, or set their password")
    user_sub = user.add_subparsers(dest="user_command", required=True)
    p = user_sub.add_parser("create", help="create a user; prints a generated password once unless "
                                           "--password-stdin")
    p.add_argument("username")
    role = p.add_mutually_exclusive_group(required=True)
    role.add_argument("--role", help=ROLES_HELP)
    role.add_argument("--admin", action="store_true", help="same as --role admin")
    p.add_argument("--full-name", default="")
    p.add_argument("--email", default=None)
    p.add_argument("--password-stdin", action="store_true", help="read the password from the first line of stdin")
    p.set_defaults(account_func=cmd_user_create)
    for name, text in (("disable", "disable a user: their sessions end and tokens stop working at once"),
                       ("enable", "enable a disabled user again")):
        p = user_sub.add_parser(name, help=text)
        p.add_argument("username")
        p.set_defaults(account_func=cmd_user_active)
    p = user_sub.add_parser("password", help="set a user's password (a lost one); prints a generated one "
                                             "once unless --password-stdin")
    p.add_argument("username")
    p.add_argument("--password-stdin", action="store_true", help="read the password from the first line of stdin")
    p.set_defaults(account_func=cmd_user_password)

    token = sub.add_parser("token", help="create an API token for a user")
    token_sub = token.add_subparsers(dest="token_command", required=True)
    p = token_sub.add_parser("create", help="create an API token; prints it once")
    p.add_argument("username")
    p.add_argument("--description", default="", help="what the token is for")
    p.add_argument("--read-only", action="store_true", help="GET and HEAD only")
    p.add_argument("--expires-days", type=_positive_days, default=None, help="expires after N days")
    p.add_argument("--role", default=None, help=f"act with this role (within the user's own): {ROLES_HELP}")
    p.set_defaults(account_func=cmd_token_create)


def _positive_days(text: str) -> int:
    days = int(text)
    if not 1 <= days <= 36500:
        raise argparse.ArgumentTypeError("expires-days is 1 to 36500")
    return days


# --- the first administrator -------------------------------------------------------------------


def ensure_first_admin(url: str, settings: Settings) -> str | None:
    """On the embedded development default only (no DATABASE_URL, not production), the first
    start on a database without users creates `admin` with a generated password: printed
    once and kept in `<data_dir>/admin-password` (mode 0600). Returns the password, or None
    when nothing was created. A production deployment never gets an account silently:
    create one with `ponstack user create NAME --admin`."""
    if settings.database_url or settings.production:
        return None
    from sqlalchemy import func, select

    from api.accounts import create_user
    from core.db import session_scope
    from core.models import Role, User
    from core.passwords import generate_password

    path = settings.data_dir / ADMIN_PASSWORD_FILE
    with session_scope(url) as session:
        session.execute(select(func.pg_advisory_xact_lock(func.hashtext("ponstack-first-admin"))))
        if session.scalar(select(func.count()).select_from(User)):
            return None
        password = generate_password()
        create_user(session, FIRST_ADMIN, Role.ADMIN, password, "system", full_name="first administrator")
        _write_secret(path, password)  # before the commit: no account whose password is nowhere
    print(f"first start: created user {FIRST_ADMIN!r} with password {password} "
          f"(kept in {path}; change it after logging in)", flush=True)
    return password


def _write_secret(path: Path, secret: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.fchmod(fd, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(secret + "\n")
