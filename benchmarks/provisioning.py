"""Bulk authorization and discovery against simulated OLTs.

1. Bulk authorization of N ONUs over K simulated OLTs that answer every command
   after L seconds, through the real queue worker (one queue job per OLT under its
   lock): wall time against the lower bound = the busiest OLT's command count x L
   (OLTs run in parallel and each serialises its own session), and the number of
   SSH sessions each OLT saw.
2. Discovery (autofind + database upsert) over M simulated OLTs in one Nornir run:
   wall time and peak memory.

Run: `make bench` (or `.venv/bin/python -m benchmarks.provisioning --help`).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
import uuid

import psycopg
from alembic import command
from sqlalchemy import select, update

from core.db import dispose_engine, libpq_url, session_scope, set_database_url
from core.models import VendorFamily
from core.settings import get_settings
from lab.base import Lab
from lab.demo import plug_demo_onus
from lab.register import ensure_reference_data, new_sim, register_olt
from lab.serve import PORTS
from oms.models import BulkRun, Job, JobKind, JobStatus, Olt, Onu
from oms.services import request_bulk
from tasks.jobs import run_jobs
from tasks.nornir_factory import build_nornir


def machine_busy_s() -> float:
    """CPU seconds the whole machine spent busy so far (all cores, from /proc/stat)."""
    with open("/proc/stat") as stat:
        fields = [int(v) for v in stat.readline().split()[1:]]
    idle = fields[3] + fields[4]
    return (sum(fields) - idle) / os.sysconf("SC_CLK_TCK")


def fresh_database() -> tuple[str, str]:
    from core.embedded import start_embedded_postgres
    from core.migrate import alembic_config

    settings = get_settings()
    server = settings.database_url or start_embedded_postgres(settings.data_dir)
    admin = libpq_url(server)
    name = f"ps_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base, _, query = admin.partition("?")
    url = base.rsplit("/", 1)[0] + f"/{name}" + (f"?{query}" if query else "")
    command.upgrade(alembic_config(url), "head")
    return admin, url


def drop_database(admin: str, url: str) -> None:
    dispose_engine(url)
    name = url.split("?")[0].rsplit("/", 1)[1]
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class LabProcess:
    """Simulated OLTs served by `python -m lab.serve` in their own process."""

    def __init__(self, count: int, onus_per_olt: int, latency_s: float) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "lab.serve", "--count", str(count), "--onus", str(onus_per_olt),
             "--latency", str(latency_s)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )
        self.ports: dict[str, int] = self._ask(None)["olts"]

    def _ask(self, command: str | None) -> dict:  # type: ignore[type-arg]
        assert self.proc.stdin and self.proc.stdout
        if command:
            self.proc.stdin.write(command + "\n")
            self.proc.stdin.flush()
        return dict(json.loads(self.proc.stdout.readline()))

    def stats(self) -> dict:  # type: ignore[type-arg]
        return self._ask("stats")

    def reset(self) -> None:
        self._ask("reset")

    def close(self) -> None:
        assert self.proc.stdin
        self.proc.stdin.write("quit\n")
        self.proc.stdin.flush()
        self.proc.wait(timeout=30)


def register_lab_process(url: str, lab: LabProcess, transport: str | None = None) -> None:
    with session_scope(url) as session:
        plan = ensure_reference_data(session)
        for name, port in lab.ports.items():
            # A local twin of the served simulator carries its name, credentials and ports.
            twin = new_sim(VendorFamily.HUAWEI_SMARTAX, name, ports=PORTS)
            olt = register_olt(session, twin, VendorFamily.HUAWEI_SMARTAX, port)
            if transport:  # the per-OLT override an operator would set (scrapli transport plugin)
                olt.connection_options = {"transport": transport}
        plan_id = plan.id
    discover_all(url)
    with session_scope(url) as session:
        session.execute(update(Onu).values(desired={"plan_id": plan_id}))


def discover_all(url: str) -> float:
    """A discovery job per OLT, run by one Nornir run over every OLT (the job runner's task)."""
    started = time.perf_counter()
    with session_scope(url) as session:
        jobs = [Job(kind=JobKind.DISCOVER, status=JobStatus.QUEUED, olt_id=olt_id, requested_by="benchmark")
                for olt_id in session.execute(select(Olt.id)).scalars()]
        session.add_all(jobs)
        session.flush()
        by_olt = {job.olt_id: [job.id] for job in jobs}
    nr = build_nornir(url, num_workers=50)
    with nr:
        result = nr.run(task=run_jobs, job_ids=by_olt, database_url=url)
    assert not result.failed, {h: r[0].result for h, r in result.failed_hosts.items()}
    return time.perf_counter() - started


def start_workers(url: str, count: int, concurrency: int) -> list[subprocess.Popen[bytes]]:
    """`ponstack worker` processes sharing the queue (the way a deployment scales out)."""
    env = {**os.environ, "DATABASE_URL": url}
    return [
        subprocess.Popen([sys.executable, "-m", "ponstack", "worker", "--concurrency", str(concurrency)],
                         env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(count)
    ]


def process_cpu_s(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wait_for_bulk_run(url: str, run_id: int, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        with session_scope(url) as session:
            if session.get_one(BulkRun, run_id).finished_at is not None:
                return
        time.sleep(0.2)
    raise TimeoutError(f"bulk run {run_id} did not finish in {timeout_s:g} s")


def bench_bulk_authorization(olts: int, onus_per_olt: int, latency_s: float, workers: int,
                             transport: str | None = None) -> None:
    admin, url = fresh_database()
    set_database_url(url)
    lab = LabProcess(olts, onus_per_olt, latency_s)
    procs = start_workers(url, workers, concurrency=-(-olts // workers))
    try:
        register_lab_process(url, lab, transport)
        lab.reset()
        with session_scope(url) as session:
            onu_ids = list(session.execute(select(Onu.id).order_by(Onu.id)).scalars())
        time.sleep(2)  # workers connected and listening
        lab_cpu_before = lab.stats()["cpu_s"]
        worker_cpu_before = sum(process_cpu_s(p.pid) for p in procs)
        busy_before = machine_busy_s()
        started = time.perf_counter()
        run_id, refused = request_bulk(url, onu_ids, JobKind.AUTHORIZE, "benchmark")
        wait_for_bulk_run(url, run_id, timeout_s=onus_per_olt * 60)
        wall = time.perf_counter() - started
        busy = machine_busy_s() - busy_before
        worker_cpu = sum(process_cpu_s(p.pid) for p in procs) - worker_cpu_before
        with session_scope(url) as session:
            statuses = list(session.execute(select(Job.status).where(Job.bulk_run_id == run_id)).scalars())
        stats = lab.stats()
        commands, logins = list(stats["commands"].values()), list(stats["logins"].values())
        bound = max(commands) * latency_s
        ok = sum(s is JobStatus.SUCCEEDED for s in statuses)
        print(f"bulk authorization: {ok}/{len(onu_ids)} ONUs succeeded over {olts} OLTs "
              f"({len(refused)} refused), latency {latency_s * 1000:.0f} ms/command, {workers} worker process(es), "
              f"SSH transport {transport or 'driver default'}")
        print(f"  wall time {wall:.2f} s; lower bound {bound:.2f} s (busiest OLT: {max(commands)} commands); "
              f"ratio {wall / bound:.3f}")
        print(f"  SSH sessions per OLT: min {min(logins)}, max {max(logins)}")
        print(f"  CPU: workers {worker_cpu:.1f} s, simulators {stats['cpu_s'] - lab_cpu_before:.1f} s, "
              f"whole machine {busy:.1f} s of {wall * (os.cpu_count() or 1):.1f} s available "
              f"({os.cpu_count()} cores)")
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(timeout=30)
        lab.close()
        drop_database(admin, url)


def bench_discovery(olts: int, onus_per_olt: int) -> None:
    admin, url = fresh_database()
    set_database_url(url)
    lab = Lab()
    try:
        with session_scope(url) as session:
            for i in range(olts):
                sim = new_sim(VendorFamily.HUAWEI_SMARTAX, f"DISC-{i:04d}")
                plug_demo_onus(sim, VendorFamily.HUAWEI_SMARTAX, i, onus_per_olt)
                register_olt(session, sim, VendorFamily.HUAWEI_SMARTAX, lab.add(sim))
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        wall = discover_all(url)
        rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        with session_scope(url) as session:
            found = len(session.execute(select(Onu.id)).all())
        print(f"discovery: {olts} OLTs, {found} ONUs upserted in {wall:.2f} s; "
              f"peak RSS {rss_after / 1024:.0f} MiB (before the run {rss_before / 1024:.0f} MiB; "
              "includes the simulators in this process)")
    finally:
        lab.close()
        drop_database(admin, url)


def bench_inventory(olts: int) -> None:
    """Load N OLTs through the Nornir inventory plugin: database time vs total."""
    from sqlalchemy import event

    from core.db import get_engine
    from core.models import Vendor
    from inventory.plugin import PonstackInventory
    from oms.models import Olt

    admin, url = fresh_database()
    try:
        with session_scope(url) as session:
            vendor_id = session.execute(select(Vendor.id).where(Vendor.slug == "huawei")).scalar_one()
            session.add_all(
                Olt(name=f"INV-{i:05d}", vendor_id=vendor_id, family=VendorFamily.HUAWEI_SMARTAX, model="MA5800-X7",
                    mgmt_host=f"10.{i // 65536}.{i // 256 % 256}.{i % 256}", username="noc", password=f"pw-{i}")
                for i in range(olts)
            )
        db_time = [0.0]
        engine = get_engine(url)

        def before(conn, cursor, statement, params, context, many):  # type: ignore[no-untyped-def]
            conn.info["t"] = time.perf_counter()

        def after(conn, cursor, statement, params, context, many):  # type: ignore[no-untyped-def]
            db_time[0] += time.perf_counter() - conn.info.pop("t")

        event.listen(engine, "before_cursor_execute", before)
        event.listen(engine, "after_cursor_execute", after)
        started = time.perf_counter()
        inventory = PonstackInventory(database_url=url).load()
        total = time.perf_counter() - started
        print(f"inventory: {len(inventory.hosts)} OLTs loaded in {total:.3f} s "
              f"(database {db_time[0]:.3f} s in 1 query; the rest is decrypting credentials and building hosts)")
    finally:
        drop_database(admin, url)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--olts", type=int, default=20)
    parser.add_argument("--onus", type=int, default=1000)
    parser.add_argument("--latency", type=float, default=0.1)
    parser.add_argument("--workers", type=int, default=2, help="`ponstack worker` processes")
    parser.add_argument("--transport", default=None, help="scrapli SSH transport override (system, paramiko)")
    parser.add_argument("--discovery-olts", type=int, default=200)
    parser.add_argument("--skip-bulk", action="store_true")
    parser.add_argument("--skip-discovery", action="store_true")
    parser.add_argument("--inventory-olts", type=int, default=5000)
    args = parser.parse_args()
    if not args.skip_bulk:
        bench_bulk_authorization(args.olts, args.onus // args.olts, args.latency, args.workers, args.transport)
    if not args.skip_discovery:
        bench_discovery(args.discovery_olts, 4)
    bench_inventory(args.inventory_olts)


if __name__ == "__main__":
    main()
