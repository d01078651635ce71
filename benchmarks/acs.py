"""The ACS (issue 11), measured in one run on loopback:

1. the GenieACS NBI emulator's own capacity: the NBI calls one Wi-Fi intent costs the
   dispatcher (find the device by serial, twice: text then hex; read the Wi-Fi objects;
   push the setParameterValues with a connection request; read the objects again; push a
   getParameterValues with a connection request; read the values back), made directly
   with `GenieAcsClient` from as many threads as the dispatcher uses, no database;
2. intents dispatched and confirmed per second: N emulated CPEs, N ONUs in the database
   with one Wi-Fi intent each, `acs.dispatcher.dispatch` run until none is due; the rate,
   the time from the intent's creation to `applied` (all N are created before the first
   dispatch, so this includes the wait in the backlog) and from its sending to `applied`;
   the ratio to (1);
3. inform events ingested per second by a real `ponstack api` process (`POST /acs/events`
   with the event token) from concurrent clients: N distinct devices, half of them with an
   ONU to link to, first contact (insert + link) and then a periodic inform each (update);
   and the batched form (100 informs per request).

The emulator runs in its own process (as GenieACS would), each CWMP session takes
`--latency` seconds, and the NBI polls for a session's start and end every
`--poll-interval` seconds (GenieACS: 0.5 s, lib/api-functions.ts L234, L247).
Every measurement uses a fresh database, dropped at the end.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres python -m benchmarks.acs [--cpes 10000]
"""

from __future__ import annotations

import argparse
import os
import resource
import signal
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx
from cryptography.fernet import Fernet
from sqlalchemy import select, text

from benchmarks.auth_latency import REPO, empty_database, start_api
from benchmarks.provisioning import drop_database, fresh_database, machine_busy_s, process_cpu_s
from core.db import session_scope

HW_OUI, HW_CLASS, HW_HEX = "00259E", "EG8145V5", "48575443"  # the EG8145V5 reports "HWTC" in hex
CR_TIMEOUT_MS = 4000  # AcsSettings.connection_request_timeout_ms (default)
WORKERS = 8  # acs.dispatcher.dispatch's default


def onu_serial(i: int) -> str:
    return f"HWTC{i:08d}"


def cpe_serial(i: int) -> str:
    return f"{HW_HEX}{i:08d}"


def device_id(i: int) -> str:
    return f"{HW_OUI}-{HW_CLASS}-{cpe_serial(i)}"


def quantile(samples: list[float], q: int) -> float:
    return statistics.quantiles(samples, n=100)[q - 1] if len(samples) > 1 else (samples or [0.0])[0]


# --- the emulator, in its own process --------------------------------------------------------
def serve_emulator(cpes: int, latency: float, poll_interval: float) -> None:
    """The child process: N CPEs with serials 48575443xxxxxxxx; prints the URL, runs until stdin closes."""
    from lab.genieacs.server import start_emulator

    emulator = start_emulator(poll_interval=poll_interval)
    emulator.add_devices(cpes, prefix=HW_HEX, latency=latency)
    print(emulator.url, flush=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.stdin.close())
    sys.stdin.read()
    emulator.stop()


@contextmanager
def emulator_process(cpes: int, latency: float, poll_interval: float) -> Iterator[tuple[str, int]]:
    process = subprocess.Popen(
        [sys.executable, "-m", "benchmarks.acs", "--serve-emulator", "--cpes", str(cpes), "--latency", str(latency),
         "--poll-interval", str(poll_interval)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=REPO,
    )
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        if not url.startswith("http"):
            raise RuntimeError("the emulator did not start")
        yield url, process.pid
    finally:
        assert process.stdin is not None
        process.stdin.close()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()


def emulator_requests(url: str) -> int:
    return int(httpx.get(f"{url}/_emulator/stats").json()["requests"])


def acs_client(url: str) -> Any:
    from acs.genieacs import GenieAcsClient

    return GenieAcsClient(url)


# --- 1. the emulator alone ---------------------------------------------------------------------
def bench_emulator(args: argparse.Namespace) -> dict[str, float]:
    from acs.dispatcher import _values
    from acs.mappings import intent_fields, object_roots, plan

    with emulator_process(args.cpes, args.latency, args.poll_interval) as (url, pid), acs_client(url) as client:
        # the same plans the dispatcher makes (the mapping rows are read from the database once, untimed)
        rows_db = work_rows(args.rows_url)
        roots = object_roots(rows_db)

        def one(i: int) -> None:
            assert client.find_device(onu_serial(i)) is None  # the dispatcher tries the text form first
            found = client.find_device(cpe_serial(i))
            assert found is not None
            dev = found.device_id
            key = f"ponstack:{i}:wifi:2.4GHz"
            fields = intent_fields(_wifi_kind(), {"band": "2.4GHz", "ssid": f"cap-{i}"}, {})
            mapped = plan(rows_db, fields, _values(client.parameters(dev, roots)))
            task = {"name": "setParameterValues", "parameterValues": [[w.path, w.value] for w in mapped.writes],
                    "uniqueKey": key, "expiry": 24 * 3600}
            assert client.push(dev, task, connection_request=True, timeout_ms=CR_TIMEOUT_MS).outcome.value == "applied"
            compared = [w.path for w in plan(rows_db, fields, _values(client.parameters(dev, roots))).writes]
            read = {"name": "getParameterValues", "parameterNames": compared, "uniqueKey": f"{key}:read",
                    "expiry": 300}
            assert client.push(dev, read, connection_request=True, timeout_ms=CR_TIMEOUT_MS).outcome.value == "applied"
            values = _values(client.values(dev, compared))
            assert all(values.get(w.path) == w.value for w in mapped.writes), values

        count = min(args.cpes, args.capacity_intents)
        requests_before, cpu_before = emulator_requests(url), process_cpu_s(pid)
        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=WORKERS) as pool:
            list(pool.map(one, range(count)))
        wall = time.perf_counter() - started
        cpu = process_cpu_s(pid) - cpu_before
        requests = emulator_requests(url) - requests_before - 1
    return {"intents": count, "wall": wall, "rate": count / wall, "requests_per_intent": requests / count,
            "emulator_cpu": cpu / wall}


def _wifi_kind() -> Any:
    from acs.models import IntentKind

    return IntentKind.WIFI


_ROWS: dict[str, Any] = {}


def work_rows(url: str) -> Any:
    """The mapping rows for the EG8145V5's 2.4 GHz Wi-Fi, detached from their session."""
    if url not in _ROWS:
        from acs.mappings import rows_for
        from acs.models import DataModel, IntentKind

        with session_scope(url) as session:
            rows = rows_for(session, DataModel.TR098, IntentKind.WIFI, "Huawei", HW_CLASS, "2.4GHz")
            for row in rows.values():
                session.expunge(row)
        _ROWS[url] = rows
    return _ROWS[url]


# --- 2. the dispatcher ---------------------------------------------------------------------------
def seed_intents(url: str, count: int) -> None:
    from acs.intents import create_intent
    from acs.models import IntentKind, IntentReason
    from oms.models import OnuType

    with session_scope(url) as session:
        onu_type = session.scalar(select(OnuType).where(OnuType.model == HW_CLASS))
        if onu_type is None:
            onu_type = OnuType(vendor="Huawei", model=HW_CLASS, wifi_24ghz=True, wifi_5ghz=True)
            session.add(onu_type)
            session.flush()
        session.execute(text(
            "INSERT INTO onus (serial, name, description, lifecycle_state, onu_type_id) "
            "SELECT 'HWTC' || lpad(n::text, 8, '0'), 'onu-' || n, '', 'preprovisioned', :type "
            "FROM generate_series(0, :count - 1) AS n"
        ), {"count": count, "type": onu_type.id})
    with session_scope(url) as session:
        ids = list(session.scalars(text("SELECT id FROM onus ORDER BY id")))
    for start in range(0, len(ids), 500):
        with session_scope(url) as session:
            for onu_id in ids[start:start + 500]:
                create_intent(session, onu_id, IntentKind.WIFI, {"band": "2.4GHz", "ssid": f"bench-{onu_id}"},
                              reason=IntentReason.API, actor="bench")


def bench_dispatcher(args: argparse.Namespace, url: str) -> dict[str, Any]:
    import acs.dispatcher as dispatcher

    # When each intent was first picked up and when the step that set `applied` committed
    # (`finished_at` is stamped when that step starts, before its read-back).
    advance = dispatcher.advance
    picked: dict[int, float] = {}
    confirmed: dict[int, float] = {}

    def timed_advance(url: str, client: Any, intent_id: int) -> str:
        picked.setdefault(intent_id, time.time())
        status = advance(url, client, intent_id)
        if status == "applied":
            confirmed[intent_id] = time.time()
        return status

    dispatcher.advance = timed_advance
    try:
        return _bench_dispatcher(args, url, picked, confirmed)
    finally:
        dispatcher.advance = advance


def _bench_dispatcher(args: argparse.Namespace, url: str, picked: dict[int, float],
                      confirmed: dict[int, float]) -> dict[str, Any]:
    from acs.dispatcher import dispatch

    with emulator_process(args.cpes, args.latency, args.poll_interval) as (nbi, pid), acs_client(nbi) as client:
        with session_scope(url) as session:
            session.execute(text("UPDATE acs_settings SET nbi_url = :nbi, connection_request_timeout_ms = :ms"),
                            {"nbi": nbi, "ms": CR_TIMEOUT_MS})
        requests_before, cpu_before, busy_before = emulator_requests(nbi), process_cpu_s(pid), machine_busy_s()
        started = time.perf_counter()
        rounds = 0
        while dispatch(url, client, limit=args.limit, rate_per_second=1e9, workers=WORKERS).advanced:
            rounds += 1
        wall = time.perf_counter() - started
        emulator_cpu = process_cpu_s(pid) - cpu_before
        busy = machine_busy_s() - busy_before
        requests = emulator_requests(nbi) - requests_before - 1
    with session_scope(url) as session:
        by_status: dict[str, int] = dict(session.execute(
            text("SELECT status::text, count(*) FROM acs_intents GROUP BY 1")).all())
        times = session.execute(text(
            "SELECT id, extract(epoch FROM created_at), extract(epoch FROM finished_at - created_at), attempts "
            "FROM acs_intents WHERE status = 'applied'")).all()
    finished = [float(t[2]) for t in times]
    created = [confirmed[t[0]] - float(t[1]) for t in times]
    service = [confirmed[t[0]] - picked[t[0]] for t in times]
    applied = len(times)
    return {"applied": applied, "wall": wall, "rate": applied / wall, "rounds": rounds, "by_status": by_status,
            "created_p50": quantile(created, 50), "created_p99": quantile(created, 99),
            "finished_p50": quantile(finished, 50), "finished_p99": quantile(finished, 99),
            "sent_p50": quantile(service, 50), "sent_p99": quantile(service, 99),
            "resent": sum(1 for t in times if t[3] > 1), "requests_per_intent": requests / max(1, applied),
            "emulator_cpu": emulator_cpu / wall, "machine_cpu": busy / wall}


# --- 3. inform events through the API ------------------------------------------------------------
def postgres_cpu_s() -> float:
    """CPU seconds of this machine's PostgreSQL processes so far (0 when it runs elsewhere)."""
    total = 0.0
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                with open(f"/proc/{pid}/comm") as comm:
                    if comm.read().strip() != "postgres":
                        continue
                total += process_cpu_s(int(pid))
            except OSError:
                continue
    return total


def own_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def inform(i: int, events: list[str]) -> dict[str, Any]:
    return {"device_id": device_id(i), "serial": cpe_serial(i), "oui": HW_OUI, "product_class": HW_CLASS,
            "events": events}


def post_all(base: str, token: str, bodies: list[dict[str, Any]], clients: int) -> float:
    """POST every body to /acs/events from `clients` threads; the wall time."""
    local = threading.local()
    lock = threading.Lock()
    errors: list[str] = []

    def send(body: dict[str, Any]) -> None:
        client = getattr(local, "client", None)
        if client is None:
            client = local.client = httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"},
                                                 timeout=60)
            with lock:
                opened.append(client)
        answer = client.post("/acs/events", json=body)
        if answer.status_code != 202:
            errors.append(f"{answer.status_code} {answer.text[:200]}")

    opened: list[httpx.Client] = []
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        list(pool.map(send, bodies))
    wall = time.perf_counter() - started
    for client in opened:
        client.close()
    if errors:
        raise RuntimeError(f"{len(errors)} failed: {errors[0]}")
    return wall


@contextmanager
def api_with_onus(count: int, env: dict[str, str]) -> Iterator[tuple[str, str, str, int]]:
    """A `ponstack api` process on a fresh database with ONUs for the even devices; (base, url, token, pid)."""
    from core.access import digest, new_token

    admin, url = empty_database()
    process = None
    try:
        process, base = start_api(REPO, url, env)
        with session_scope(url) as session:
            session.execute(text(
                "INSERT INTO onus (serial, name, description, lifecycle_state) "
                "SELECT 'HWTC' || lpad(n::text, 8, '0'), 'onu-' || n, '', 'discovered' "
                "FROM generate_series(0, :count - 1, 2) AS n"), {"count": count})
            token, _ = new_token()
            session.execute(text("UPDATE acs_settings SET event_token_digest = :d"), {"d": digest(token)})
        yield base, url, token, process.pid
    finally:
        if process is not None:
            process.terminate()
            process.wait(timeout=30)
        drop_database(admin, url)


@dataclass
class EventRun:
    what: str
    informs: int
    wall: float
    api_cpu: float  # CPU seconds of the API process
    postgres_cpu: float
    client_cpu: float  # this process: the clients sending the events
    machine_cpu: float


def bench_events(args: argparse.Namespace, env: dict[str, str]) -> list[EventRun]:
    n, rows = args.informs, []

    def measured(what: str, base: str, token: str, pid: int, bodies: list[dict[str, Any]], informs: int) -> None:
        cpu, pg, own, busy = process_cpu_s(pid), postgres_cpu_s(), own_cpu_s(), machine_busy_s()
        wall = post_all(base, token, bodies, args.clients)
        rows.append(EventRun(what, informs, wall, process_cpu_s(pid) - cpu, postgres_cpu_s() - pg, own_cpu_s() - own,
                             machine_busy_s() - busy))

    with api_with_onus(n, env) as (base, url, token, pid):
        post_all(base, token, [{"informs": [inform(n + i, ["2 PERIODIC"])]} for i in range(200)], args.clients)  # warm
        measured("single, first contact", base, token, pid,
                 [{"informs": [inform(i, ["0 BOOTSTRAP", "1 BOOT"])]} for i in range(n)], n)
        measured("single, periodic", base, token, pid,
                 [{"informs": [inform(i, ["2 PERIODIC"])]} for i in range(n)], n)
        check_linked(url, n)
    with api_with_onus(n, env) as (base, url, token, pid):
        post_all(base, token, [{"informs": [inform(n + i, ["2 PERIODIC"])]} for i in range(200)], args.clients)
        size = args.batch
        measured(f"batch of {size}, first contact", base, token, pid,
                 [{"informs": [inform(j, ["0 BOOTSTRAP", "1 BOOT"]) for j in range(i, min(n, i + size))]}
                  for i in range(0, n, size)], n)
        measured(f"batch of {size}, periodic", base, token, pid,
                 [{"informs": [inform(j, ["2 PERIODIC"]) for j in range(i, min(n, i + size))]}
                  for i in range(0, n, size)], n)
        check_linked(url, n)
    return rows


def check_linked(url: str, n: int) -> None:
    with session_scope(url) as session:
        linked = session.scalar(text("SELECT count(*) FROM acs_devices WHERE onu_id IS NOT NULL AND informs >= 2"))
    if linked != (n + 1) // 2:
        raise RuntimeError(f"{linked} devices linked to their ONU, expected {(n + 1) // 2}")


# --- the run -------------------------------------------------------------------------------------
def timed_phase(name: str, fn: Callable[[], Any]) -> Any:
    print(f"... {name}", file=sys.stderr, flush=True)
    started = time.perf_counter()
    result = fn()
    print(f"    {time.perf_counter() - started:.1f} s", file=sys.stderr, flush=True)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cpes", type=int, default=10_000, help="emulated CPEs, ONUs and Wi-Fi intents")
    parser.add_argument("--latency", type=float, default=0.05, help="seconds each emulated CWMP session takes")
    parser.add_argument("--poll-interval", type=float, default=0.05,
                        help="the NBI's poll of a session's start and end (GenieACS: 0.5 s, which makes every "
                             "push last >= 0.5 s and a 10,000-intent run last about 20 minutes)")
    parser.add_argument("--capacity-intents", type=int, default=10_000,
                        help="intents-worth of NBI calls for the emulator-alone measurement (at most --cpes)")
    parser.add_argument("--limit", type=int, default=200, help="intents per dispatch() call")
    parser.add_argument("--informs", type=int, default=10_000, help="distinct devices that inform")
    parser.add_argument("--clients", type=int, default=8, help="concurrent clients posting events")
    parser.add_argument("--batch", type=int, default=100, help="informs per request in the batched form")
    parser.add_argument("--phases", default="dispatch,events", help="dispatch (1 and 2), events (3), or both")
    parser.add_argument("--serve-emulator", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_emulator:
        serve_emulator(args.cpes, args.latency, args.poll_interval)
        return

    env = {**os.environ, "PONSTACK_LOG_LEVEL": "WARNING"}
    env.setdefault("PONSTACK_SECRET_KEY", Fernet.generate_key().decode())
    os.environ["PONSTACK_SECRET_KEY"] = env["PONSTACK_SECRET_KEY"]
    import logging

    logging.getLogger("ponstack").setLevel(logging.WARNING)  # the client logs every push at INFO

    phases = set(args.phases.split(","))
    if "dispatch" in phases:
        admin, url = fresh_database()
        try:
            args.rows_url = url
            capacity = timed_phase("emulator alone", lambda: bench_emulator(args))
            timed_phase(f"{args.cpes} ONUs and intents", lambda: seed_intents(url, args.cpes))
            dispatched = timed_phase("dispatcher", lambda: bench_dispatcher(args, url))
        finally:
            drop_database(admin, url)
        print_dispatch(args, capacity, dispatched)
    if "events" in phases:
        events = timed_phase("inform events", lambda: bench_events(args, env))
        print_events(args, events)


def print_dispatch(args: argparse.Namespace, capacity: dict[str, Any], dispatched: dict[str, Any]) -> None:
    cores = os.cpu_count()
    print(f"\nACS on loopback, {cores} cores; emulated GenieACS NBI in its own process: {args.cpes} CPEs "
          f"(Huawei EG8145V5), each CWMP session {args.latency * 1000:.0f} ms, NBI session poll "
          f"{args.poll_interval * 1000:.0f} ms, connection-request timeout {CR_TIMEOUT_MS} ms; {WORKERS} threads")
    print(f"{'':52} {'count':>7} {'wall s':>7} {'per s':>8}")
    print(f"{'1. emulator alone, Wi-Fi intents-worth of NBI calls':52} {capacity['intents']:7d} "
          f"{capacity['wall']:7.1f} {capacity['rate']:8.1f}")
    print(f"{'2. intents dispatched and applied (read back)':52} {dispatched['applied']:7d} "
          f"{dispatched['wall']:7.1f} {dispatched['rate']:8.1f}")
    print(f"   ratio dispatcher / emulator alone: {dispatched['rate'] / capacity['rate']:.2f}")
    print(f"   NBI requests per intent: emulator alone {capacity['requests_per_intent']:.1f}, "
          f"dispatcher {dispatched['requests_per_intent']:.1f}; emulator process CPU: "
          f"{capacity['emulator_cpu']:.2f} / {dispatched['emulator_cpu']:.2f} cores; machine CPU during "
          f"dispatch {dispatched['machine_cpu']:.2f} of {cores} cores")
    print(f"   statuses {dispatched['by_status']}; {dispatched['resent']} sent twice; "
          f"{dispatched['rounds']} dispatch() calls of up to {args.limit}")
    print(f"   intent created -> applied committed: p50 {dispatched['created_p50']:.1f} s, "
          f"p99 {dispatched['created_p99']:.1f} s (all {args.cpes} created before the first dispatch: "
          f"includes the wait in the backlog)")
    print(f"   created_at -> finished_at (as stored): p50 {dispatched['finished_p50']:.1f} s, "
          f"p99 {dispatched['finished_p99']:.1f} s (finished_at is stamped before the read-back)")
    print(f"   picked up -> applied committed: p50 {dispatched['sent_p50'] * 1000:.0f} ms, "
          f"p99 {dispatched['sent_p99'] * 1000:.0f} ms (one intent's own time: 7 NBI calls, 2 of them "
          f"pushes that wait for a CWMP session)")


def print_events(args: argparse.Namespace, events: list[EventRun]) -> None:
    cores = os.cpu_count()
    print(f"\n3. POST /acs/events on a `ponstack api` process, {args.clients} concurrent clients, "
          f"{args.informs} distinct devices, half with an ONU to link (goal >= 400 informs/s)")
    print(f"{'':32} {'informs':>8} {'wall s':>7} {'informs/s':>10}   CPU ms per inform: {'API':>5} {'PG':>5} "
          f"{'clients':>7}  machine busy")
    for run in events:
        per = 1000 / run.informs
        print(f"{run.what:32} {run.informs:8d} {run.wall:7.1f} {run.informs / run.wall:10.0f} {'':20}"
              f"{run.api_cpu * per:5.2f} {run.postgres_cpu * per:5.2f} {run.client_cpu * per:7.2f}  "
              f"{run.machine_cpu / run.wall:5.2f}/{cores}")


if __name__ == "__main__":
    main()
