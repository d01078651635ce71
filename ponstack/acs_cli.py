"""`ponstack acs ...`: TR-069 intents for one ONU by serial, its intents, the ACS connection
test and the event token, from the shell. Intents go to the outbox like the API's; the
worker sends them. Secrets (a passphrase, a PPPoE password) are read from stdin, never
from the command line (where `ps` and shell history would show them).

    ponstack acs wifi HWTC11E70E9A --band 5GHz --ssid Casa --security wpa2 --passphrase-stdin <<< 'secret...'
    ponstack acs intents HWTC11E70E9A
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from ponstack.accounts import cli_actor


def add_parsers(sub: Any) -> None:
    acs = sub.add_parser("acs", help="TR-069 through the ACS: wifi, wan, reboot, ping, intents, test, event-token")
    commands = acs.add_subparsers(dest="acs_command", required=True)

    p = commands.add_parser("wifi", help="set one radio's SSID/security/passphrase")
    p.add_argument("serial")
    p.add_argument("--band", required=True, choices=["2.4GHz", "5GHz"])
    p.add_argument("--ssid")
    p.add_argument("--security", choices=["wpa2", "wpa_wpa2", "wpa3", "wpa2_wpa3", "open"])
    p.add_argument("--passphrase-stdin", action="store_true", help="read the passphrase from stdin's first line")
    p.add_argument("--disable", action="store_true", help="turn the radio off")
    p.set_defaults(acs_func=_wifi)

    p = commands.add_parser("wan", help="set the internet WAN: pppoe, dhcp or bridge")
    p.add_argument("serial")
    p.add_argument("--mode", required=True, choices=["pppoe", "dhcp", "bridge"])
    p.add_argument("--username")
    p.add_argument("--password-stdin", action="store_true", help="read the PPPoE password from stdin's first line")
    p.add_argument("--vlan", type=int)
    p.set_defaults(acs_func=_wan)

    for action in ("reboot", "factory-reset"):
        p = commands.add_parser(action, help=f"{action} the ONU through the ACS")
        p.add_argument("serial")
        p.set_defaults(acs_func=_action, kind=action.replace("-", "_"))

    p = commands.add_parser("ping", help="ping from the ONU (results in `ponstack acs intents`)")
    p.add_argument("serial")
    p.add_argument("host")
    p.add_argument("--count", type=int, default=4)
    p.set_defaults(acs_func=_ping)

    p = commands.add_parser("intents", help="the ONU's latest intents and their outcomes (JSON)")
    p.add_argument("serial")
    p.add_argument("--limit", type=int, default=20)
    p.set_defaults(acs_func=_intents)

    p = commands.add_parser("test", help="reach the ACS NBI with the stored settings")
    p.set_defaults(acs_func=_test)

    p = commands.add_parser("event-token", help="a new token for the GenieACS extension (printed once)")
    p.set_defaults(acs_func=_event_token)


def _first_line() -> str:
    return sys.stdin.readline().rstrip("\r\n")


def _intend(url: str, serial: str, kind_name: str, values: dict[str, Any]) -> None:
    from acs.intents import create_intent
    from acs.jobs import kick_dispatcher
    from acs.models import IntentKind, IntentReason
    from core.db import session_scope
    from oms.services import onu_id_by_serial

    with session_scope(url) as session:
        intent = create_intent(session, onu_id_by_serial(session, serial), IntentKind(kind_name), values,
                               reason=IntentReason.API, actor=cli_actor(), reason_ref="ponstack acs")
        intent_id = intent.id
    kick_dispatcher(url)
    print(f"intent {intent_id} queued: follow it with `ponstack acs intents {serial}` or GET /acs/intents/{intent_id}")


def _wifi(args: argparse.Namespace, url: str) -> None:
    values: dict[str, Any] = {"band": args.band, "enabled": not args.disable}
    for name in ("ssid", "security"):
        if getattr(args, name) is not None:
            values[name] = getattr(args, name)
    if args.passphrase_stdin:
        values["passphrase"] = _first_line()
    _intend(url, args.serial, "wifi", values)


def _wan(args: argparse.Namespace, url: str) -> None:
    values: dict[str, Any] = {} if args.vlan is None else {"vlan": args.vlan}
    if args.mode == "pppoe":
        values["username"] = args.username
        values["password"] = _first_line() if args.password_stdin else None
    _intend(url, args.serial, f"wan_{args.mode}", {k: v for k, v in values.items() if v is not None})


def _action(args: argparse.Namespace, url: str) -> None:
    _intend(url, args.serial, args.kind, {})


def _ping(args: argparse.Namespace, url: str) -> None:
    _intend(url, args.serial, "ping", {"host": args.host, "count": args.count})


def _intents(args: argparse.Namespace, url: str) -> None:
    from acs.intents import intents_of
    from acs.schemas import IntentOut
    from core.db import session_scope
    from oms.services import onu_id_by_serial

    with session_scope(url) as session:
        rows = intents_of(session, onu_id_by_serial(session, args.serial), limit=args.limit)
        out = [IntentOut.of(row).model_dump(mode="json") for row in rows]
    print(json.dumps(out, indent=2))


def _test(args: argparse.Namespace, url: str) -> None:
    from acs.connection import acs_client, load_settings
    from core.db import session_scope

    with session_scope(url) as session:
        config = load_settings(session)
    with acs_client(config) as client:
        check = client.check()
    print(f"{'ok' if check.ok else 'FAILED'}: {check.text}")
    if not check.ok:
        raise SystemExit(1)


def _event_token(args: argparse.Namespace, url: str) -> None:
    from acs.models import AcsSettings
    from core.access import digest, new_token
    from core.audit import audit
    from core.db import session_scope

    token, _ = new_token()
    with session_scope(url) as session:
        settings = session.get(AcsSettings, 1, with_for_update=True)
        assert settings is not None
        settings.event_token_digest = digest(token)
        audit(session, cli_actor(), "acs.event_token.create", "acs_settings", 1, None, {"event_token": "new"})
    print("the GenieACS extension's PONSTACK_EVENT_TOKEN (shown once):", file=sys.stderr)
    print(token)
