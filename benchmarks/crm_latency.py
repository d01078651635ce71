"""Latency of the CRM customer search and of the ONU list at scale: 100,000 customers (each with
a subscription and an ONU, so 100,000 ONUs) in a fresh database, a real `ponstack api`
process (uvicorn) on loopback, CLIENTS concurrent clients each sending its share of requests
in turn over the endpoints (so they run mixed, as in real use), with an admin's API token.

    python -m benchmarks.crm_latency [--customers 100000] [--clients 10] [--requests 3000]
                                     [--api-processes N]

Two APIs on the same database, measured one after the other in the same run: `ponstack up` with
one API process and with N (--api-processes, default the CPUs, 2 to 4). For each: the median and
p99 per endpoint (goal: p99 under 100 ms), the machine's load, the CPU time the API's processes
spent per request (one process is bound by one CPU: the GIL), and the same figures for
`GET /auth/me` (authentication and the framework, no list: the floor under any list's latency in
this setup); then the two side by side.
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import subprocess
import threading
import time
from collections import defaultdict
from itertools import cycle
from pathlib import Path

import httpx
import psycopg
from cryptography.fernet import Fernet
from sqlalchemy import text

from benchmarks.auth_latency import REPO, empty_database, start_api
from benchmarks.provisioning import drop_database
from core.db import libpq_url, session_scope

FIRST = ["James", "Mary", "John", "Patricia", "Robert", "Jennifer", "Michael", "Linda", "William", "Elizabeth",
         "David", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas", "Sarah", "Charles", "Karen",
         "Ana", "Luis", "Maria", "Carlos", "Sofia", "Miguel", "Lucia", "Jorge", "Elena", "Pedro",
         "Katharina", "Lukas", "Anna", "Felix", "Lea", "Jonas", "Mia", "Paul", "Emma", "Leon"]
SYLLABLES = ["ber", "mann", "son", "ley", "ford", "ton", "ski", "ez", "ric", "hol", "wood", "dal", "mor", "gan",
             "vic", "lin", "sch", "ott", "ra", "mi", "del", "fer", "gar", "kow", "nen", "sen", "tor", "vas",
             "wal", "zan"]
STREETS = ["High Street", "Station Road", "Main Street", "Park Road", "Church Lane", "Mill Lane", "Calle Mayor",
           "Hauptstraße", "Rue de la Paix", "Harbour Road"]


def seed(url: str, customers: int) -> float:
    """Customers, one subscription each and an ONU on each; returns the seconds it took."""
    started = time.perf_counter()
    arrays = {"first": FIRST, "syl": SYLLABLES, "streets": STREETS}
    with session_scope(url) as session:
        session.execute(text(
            "INSERT INTO service_plans (name, download_kbps, upload_kbps, price) "
            "VALUES ('Bench 100', 100000, 50000, 30)"
        ))
        session.execute(text("""
            INSERT INTO customers (code, name, email, phone, address)
            SELECT 'C' || lpad(n::text, 7, '0'), f || ' ' || l,
                   lower(f) || '.' || l || n || '@example.net',
                   '+1 (' || (200 + n % 700) || ') ' || lpad((n * 7919 % 1000)::text, 3, '0') || '-'
                       || lpad((n % 10000)::text, 4, '0'),
                   (n % 200 + 1) || ' ' || s || ', ' || initcap(l) || 'ville'
            FROM (
                SELECT n, a.first[1 + n % cardinality(a.first)] AS f,
                       initcap(a.syl[1 + n % 30] || a.syl[1 + (n / 30) % 30] || a.syl[1 + (n / 900) % 30]) AS l,
                       a.streets[1 + n % cardinality(a.streets)] AS s
                FROM generate_series(1, :count) AS n,
                     (SELECT CAST(:first AS text[]) AS first, CAST(:syl AS text[]) AS syl,
                             CAST(:streets AS text[]) AS streets) AS a
            ) AS g
        """), {"count": customers, "first": arrays["first"], "syl": arrays["syl"], "streets": arrays["streets"]})
        session.execute(text("""
            INSERT INTO subscriptions (customer_id, plan_id, status)
            SELECT c.id, (SELECT id FROM service_plans WHERE name = 'Bench 100'), 'active' FROM customers c
        """))
        session.execute(text("""
            INSERT INTO onus (serial, name, description, lifecycle_state, subscription_id)
            SELECT 'HWTC' || upper(lpad(to_hex(s.id::bigint * 40503 % 4294967291), 8, '0')), 'onu-' || s.id, '',
                   'discovered', s.id
            FROM subscriptions s
        """))
    with psycopg.connect(libpq_url(url), autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE customers, subscriptions, onus")
    return time.perf_counter() - started


def terms(url: str) -> dict[str, list[str]]:
    """Search terms from the seeded rows: misspelt names, phone fragments, e-mail and address
    parts, codes; ONU serial fragments."""
    with session_scope(url) as session:
        rows = session.execute(text(
            "SELECT c.name, c.phone, c.email, c.address, c.code, o.serial FROM customers c "
            "JOIN subscriptions s ON s.customer_id = c.id JOIN onus o ON o.subscription_id = s.id "
            "ORDER BY c.id LIMIT 40 OFFSET 5000")).all()
    customer_terms, serial_terms = [], []
    for i, (name, phone, email, address, code, serial) in enumerate(rows):
        first, last = name.split(" ", 1)
        kind = i % 6
        if kind == 0:
            customer_terms.append(last[:2] + last[3] + last[2] + last[4:])  # a swapped pair of letters
        elif kind == 1:
            customer_terms.append(f"{first} {last}")
        elif kind == 2:
            customer_terms.append(phone[-8:])  # "123-4567"
        elif kind == 3:
            customer_terms.append(email.split("@")[0])
        elif kind == 4:
            customer_terms.append(address.split(", ")[1])
        else:
            customer_terms.append(serial[-6:])  # the serial of the customer's ONU
        serial_terms.append(serial[4 + i % 3: 10 + i % 3].lower())
        _ = code
    return {"customers": customer_terms, "serials": serial_terms}


def cpu_by_process(pid: int) -> dict[int, float]:
    """User + system CPU seconds so far of a process and of each of its live descendants (the
    API processes of `ponstack up --api-processes N`), by pid; Linux /proc, empty elsewhere."""
    def own(p: int) -> float:
        fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    try:
        found = {pid: own(pid)}
    except OSError:
        return {}
    children: dict[int, list[int]] = defaultdict(list)
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                children[int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])].append(int(entry.name))
            except (OSError, IndexError, ValueError):
                continue
    pending = list(children.get(pid, []))
    while pending:
        child = pending.pop()
        pending += children.get(child, [])
        try:
            found[child] = own(child)
        except OSError:
            continue
    return found


def cpu_seconds(pid: int) -> float | None:
    """CPU seconds so far of a process and its live descendants (None without /proc)."""
    found = cpu_by_process(pid)
    return sum(found.values()) if found else None


def run(base: str, token: str, clients: int, requests: int, words: dict[str, list[str]],
        floor: bool = False) -> dict[str, list[float]]:
    endpoints: list[tuple[str, str, cycle[str] | None]] = [
        ("GET /crm/customers?q=<term>", "/crm/customers", cycle(words["customers"])),
        ("GET /onus", "/onus", None),
        ("GET /onus?serial=<fragment>", "/onus", cycle(words["serials"])),
    ]
    if floor:
        endpoints = [("GET /auth/me (floor)", "/auth/me", None)]
    lock = threading.Lock()
    results: dict[str, list[float]] = defaultdict(list)
    failures: list[str] = []

    def client(offset: int) -> None:
        with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=30) as http:
            for i in range(requests // clients):
                label, path, words_of = endpoints[(i + offset) % len(endpoints)]
                with lock:
                    word = next(words_of) if words_of is not None else None
                params = {} if word is None else ({"q": word} if label.startswith("GET /crm") else {"serial": word})
                started = time.perf_counter()
                answer = http.get(path, params=params)
                elapsed = (time.perf_counter() - started) * 1000
                if answer.status_code != 200:
                    failures.append(f"{label} {params}: {answer.status_code} {answer.text[:200]}")
                    return
                with lock:
                    results[label].append(elapsed)

    # warm-up: every term once, one client
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=30) as http:
        for word in words["customers"]:
            http.get("/crm/customers", params={"q": word}).raise_for_status()
        for word in words["serials"]:
            http.get("/onus", params={"serial": word}).raise_for_status()
    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise RuntimeError("; ".join(failures[:3]))
    return results


def machine_cpu_seconds() -> tuple[float, float] | None:
    """(CPU seconds busy, CPU seconds of postgres processes) so far, over the whole machine (Linux)."""
    try:
        ticks = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except OSError:
        return None
    hz = os.sysconf("SC_CLK_TCK")
    busy = (sum(ticks[:8]) - ticks[3] - ticks[4]) / hz  # all but idle and iowait
    postgres = 0.0
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                head, tail = (entry / "stat").read_text().rsplit(")", 1)
                if head.endswith("(postgres"):
                    fields = tail.split()
                    postgres += (int(fields[11]) + int(fields[12])) / hz
            except (OSError, ValueError):
                continue
    return busy, postgres


def measure(label: str, process: subprocess.Popen[bytes], base: str, token: str, clients: int, requests: int,
            words: dict[str, list[str]]) -> dict[str, list[float]]:
    """One API's figures, printed; returns the samples per endpoint (the floor's included)."""
    load_before = os.getloadavg()
    machine_before, client_before = machine_cpu_seconds(), time.process_time()
    split_before = cpu_by_process(process.pid)
    cpu_before = cpu_seconds(process.pid)
    started = time.perf_counter()
    results = run(base, token, clients, requests, words)
    wall = time.perf_counter() - started
    cpu_after = cpu_seconds(process.pid)
    split_after = cpu_by_process(process.pid)
    machine_after, client_after = machine_cpu_seconds(), time.process_time()
    load_after = os.getloadavg()
    floor = run(base, token, clients, requests // 3, words, floor=True)
    floor_cpu_after = cpu_seconds(process.pid)
    print(f"\n== {label}: {requests} requests in {wall:.1f} s ({requests / wall:.0f} requests/s)")
    print(f"load average (1/5/15 min) before {load_before[0]:.2f}/{load_before[1]:.2f}/{load_before[2]:.2f}, "
          f"after {load_after[0]:.2f}/{load_after[1]:.2f}/{load_after[2]:.2f}; {os.cpu_count()} CPUs")
    if cpu_before is not None and cpu_after is not None:
        print(f"API CPU (all its processes): {(cpu_after - cpu_before) * 1000 / requests:.2f} ms per request "
              f"({(cpu_after - cpu_before) / wall:.2f} of a CPU)")
        if len(split_after) > 1:
            shares = sorted(((split_after[p] - split_before.get(p, 0.0)) / wall for p in split_after), reverse=True)
            print("API CPU by process (the busiest first): " + ", ".join(f"{share:.2f}" for share in shares))
        if machine_before is not None and machine_after is not None:
            busy, postgres = (after - before for before, after in zip(machine_before, machine_after, strict=True))
            api, client = cpu_after - cpu_before, client_after - client_before
            print(f"CPUs busy {busy / wall:.2f} of {os.cpu_count()}: the API {api / wall:.2f}, PostgreSQL "
                  f"{postgres / wall:.2f}, this benchmark's clients {client / wall:.2f}, anything else "
                  f"{max(0.0, busy - api - postgres - client) / wall:.2f}")
    print(f"{'':32} {'requests':>8} {'median ms':>10} {'p99 ms':>8}")
    for name, samples in [*results.items(), *floor.items()]:
        print(f"{name:32} {len(samples):8} {statistics.median(samples):10.2f} {p99(samples):8.2f}")
    if cpu_after is not None and floor_cpu_after is not None:
        floor_requests = sum(len(samples) for samples in floor.values())
        print(f"(the floor: {(floor_cpu_after - cpu_after) * 1000 / floor_requests:.2f} ms of API CPU per request)")
    return {**results, **floor}


def p99(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=100)[98]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=100_000, help="and as many ONUs")
    parser.add_argument("--clients", type=int, default=10)
    parser.add_argument("--requests", type=int, default=3000, help="in all, over the endpoints")
    parser.add_argument("--api-processes", type=int, default=max(2, min(4, os.cpu_count() or 1)),
                        help="the API processes of the second `ponstack up` (the first has one)")
    args = parser.parse_args()

    env = {**os.environ, "PONSTACK_LOG_LEVEL": "WARNING"}
    env.setdefault("PONSTACK_SECRET_KEY", Fernet.generate_key().decode())
    os.environ["PONSTACK_SECRET_KEY"] = env["PONSTACK_SECRET_KEY"]
    admin, url = empty_database()
    processes: list[subprocess.Popen[bytes]] = []
    try:
        apis = []
        for count in (1, args.api_processes):  # one after the other: the first migrates the database
            process, base = start_api(REPO, url, env, api_processes=count)
            processes.append(process)
            apis.append((f"`ponstack up --api-processes {count}`", process, base))
        seconds = seed(url, args.customers)
        from tests.fixtures import make_user

        token = make_user(url, "bench", "admin")
        words = terms(url)
        gc.collect()
        gc.freeze()  # this process's own full collections (~100 ms here) would stall all its clients at once
        print(f"\n{args.customers} customers and {args.customers} ONUs (seeded in {seconds:.1f} s), "
              f"{args.clients} concurrent clients on loopback, the same database for both APIs")
        figures = {label: measure(label, process, base, token, args.clients, args.requests, words)
                   for label, process, base in apis}
        one_samples, many_samples = figures.values()
        print(f"\n{'p99 ms (median ms)':32} {'1 process':>18} {f'{args.api_processes} processes':>18}")
        for name in one_samples:
            cells = [f"{p99(s[name]):8.1f} ({statistics.median(s[name]):6.1f})" for s in (one_samples, many_samples)]
            print(f"{name:32} {cells[0]:>18} {cells[1]:>18}")
        print("(goal: p99 under 100 ms)")
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=30)
        drop_database(admin, url)


if __name__ == "__main__":
    main()
