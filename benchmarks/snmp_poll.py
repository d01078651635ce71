"""SNMP poll benchmark: our pysnmp collector against net-snmp's snmpbulkwalk on local snmpsim agents.

1. One OLT with 4,096 ONUs (32 PON ports x 128): walk ONU status, Rx and Tx columns with the same
   max-repetitions, once with our collector (decode included) and once with snmpbulkwalk.
2. 50 OLTs x 512 ONUs polled concurrently by poll_many: wall time and our process's CPU time.

Both clients talk to snmpsim (a single-process Python agent), so the agent's own per-request cost
is part of every figure; the ratio is what matters. Run: .venv/bin/python -m benchmarks.snmp_poll
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import subprocess
import time
from dataclasses import replace

from lab.snmp import SnmpAgent
from oms.monitoring.collector import PollJob, SnmpTarget, engine_for_loop, poll_many, poll_olt
from oms.monitoring.oid_defaults import default_maps_for
from oms.monitoring.oidmap import OidMapEntry

FAMILY = "huawei_smartax"
METRICS = ("onu_status", "onu_rx_power", "onu_tx_power")


def bench_entries() -> list[OidMapEntry]:
    rows = [OidMapEntry.from_dict(r) for r in default_maps_for(FAMILY) if r["metric"] in METRICS]
    return [replace(e, poll_class="status") for e in rows]  # one poll with all three columns


def snapshot(name: str, onus: int, per_port: int = 128) -> dict:
    ports = [(0, 1 + p // 16, p % 16) for p in range(max(1, onus // per_port))]
    return {
        "model": "MA5800-X17",
        "sysname": name,
        "software_version": "V100R019",
        "ports": [{"frame": f, "slot": s, "port": p, "admin_up": True, "tx_dbm": 4.0} for f, s, p in ports],
        "onus": [
            {
                "frame": f,
                "slot": s,
                "port": p,
                "onu_id": i,
                "run_state": "online" if i % 10 else "offline",
                "rx_dbm": -18.0 - (i % 90) / 10,
                "tx_dbm": 2.0 + (i % 20) / 10,
            }
            for f, s, p in ports
            for i in range(per_port)
        ][:onus],
    }


BACKEND = "fast"  # "fast": our v2c codec; "pysnmp": pysnmp 7's asyncio API (set by --backend)


def target(port: int, community: str, max_repetitions: int, max_outstanding: int) -> SnmpTarget:
    return SnmpTarget(
        "127.0.0.1",
        port,
        backend=BACKEND,
        community=community,
        timeout_s=5,
        retries=1,
        max_repetitions=max_repetitions,
        max_outstanding=max_outstanding,
        max_requests_per_s=10_000,
    )


def timed_poll(tgt: SnmpTarget, runs: int) -> tuple[float, float, int]:
    """Best wall time of `runs` polls, with that run's CPU time and value count."""

    async def main() -> tuple[float, float, int]:
        engine = engine_for_loop()
        await poll_olt(engine, tgt, bench_entries()[:1], "status")  # warm-up: engine, LCD, agent index
        best = (float("inf"), 0.0, 0)
        for _ in range(runs):
            cpu, started = time.process_time(), time.perf_counter()
            result = await poll_olt(engine, tgt, bench_entries(), "status")
            elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
            if result.errors:
                raise RuntimeError(f"benchmark poll failed: {result.error_text()}")
            best = min(best, (elapsed, cpu, sum(len(m) for m in result.readings.values())))
        return best

    return asyncio.run(main())


def snmpbulkwalk(port: int, community: str, max_repetitions: int, parallel: bool, runs: int = 1) -> float:
    return min(_snmpbulkwalk(port, community, max_repetitions, parallel) for _ in range(runs))


def _snmpbulkwalk(port: int, community: str, max_repetitions: int, parallel: bool) -> float:
    oids = [e.oid for e in bench_entries()]
    commands = [
        [
            "snmpbulkwalk",
            "-v2c",
            "-c",
            community,
            f"-Cr{max_repetitions}",
            "-On",
            "-t",
            "5",
            "-r",
            "1",
            f"127.0.0.1:{port}",
            oid,
        ]
        for oid in oids
    ]
    started = time.perf_counter()
    if parallel:
        procs = [subprocess.Popen(cmd, stdout=subprocess.DEVNULL) for cmd in commands]
        codes = [p.wait() for p in procs]
    else:
        codes = [subprocess.run(cmd, stdout=subprocess.DEVNULL, check=False).returncode for cmd in commands]
    elapsed = time.perf_counter() - started
    if any(codes):
        raise RuntimeError(f"snmpbulkwalk failed with {codes}")
    return elapsed


def single_olt(max_repetitions: int, runs: int) -> list[tuple[str, str]]:
    rows: list[tuple[str, str]] = []
    with SnmpAgent() as agent:
        agent.publish("big", snapshot("big", 4096), FAMILY, bench_entries())
        agent.start(timeout_s=60)
        have_netsnmp = shutil.which("snmpbulkwalk") is not None
        if have_netsnmp:
            snmpbulkwalk(agent.port, "big", max_repetitions, parallel=False)  # warm the agent's index
        seq, seq_cpu, values = timed_poll(target(agent.port, "big", max_repetitions, 1), runs)
        par, par_cpu, _ = timed_poll(target(agent.port, "big", max_repetitions, 4), runs)
        rows.append((f"1 OLT, 4,096 ONUs x 3 columns ({values} values), best of {runs}", ""))
        rows.append(
            ("  ours, columns one after another (max_outstanding=1)", f"{seq:.2f} s (CPU {seq_cpu:.2f} s)")
        )
        rows.append(
            ("  ours, columns concurrently (max_outstanding=4)", f"{par:.2f} s (CPU {par_cpu:.2f} s)")
        )
        if not have_netsnmp:
            rows.append(("  snmpbulkwalk", "MISSING: install net-snmp's Debian package `snmp` to compare"))
            return rows
        net_seq = snmpbulkwalk(agent.port, "big", max_repetitions, parallel=False, runs=runs)
        net_par = snmpbulkwalk(agent.port, "big", max_repetitions, parallel=True, runs=runs)
        rows.append(("  snmpbulkwalk, 3 walks one after another", f"{net_seq:.2f} s"))
        rows.append(("  snmpbulkwalk, 3 walks in parallel", f"{net_par:.2f} s"))
        rows.append(("  ratio ours/snmpbulkwalk, sequential", f"{seq / net_seq:.2f}x"))
        rows.append(("  ratio ours/snmpbulkwalk, concurrent vs parallel", f"{par / net_par:.2f}x"))
    return rows


def many_olts(count: int, onus: int, max_repetitions: int, agents: int) -> list[tuple[str, str]]:
    sims = [SnmpAgent() for _ in range(agents)]
    try:
        jobs = []
        for i in range(count):
            sim = sims[i % agents]
            sim.publish(f"olt{i}", snapshot(f"olt{i}", onus), FAMILY, bench_entries())
        for sim in sims:
            sim.start(probe_community=next(p.stem for p in sim.data_dir.glob("*.snmprec")), timeout_s=60)
        for i in range(count):
            jobs.append(
                PollJob(i, target(sims[i % agents].port, f"olt{i}", max_repetitions, 4), bench_entries())
            )

        async def main() -> tuple[float, float, int, int]:
            engine = engine_for_loop()
            await poll_many(engine, jobs, "status")  # warm-up (agent indexes)
            cpu, wall = time.process_time(), time.perf_counter()
            results = await poll_many(engine, jobs, "status", concurrency=count)
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            failed = sum(1 for r in results.values() if r.errors)
            values = sum(len(m) for r in results.values() for m in r.readings.values())
            return wall, cpu, failed, values

        wall, cpu, failed, values = asyncio.run(main())
    finally:
        for sim in sims:
            sim.stop()
    return [
        (f"{count} OLTs x {onus} ONUs, concurrently ({agents} snmpsim processes)", f"wall {wall:.2f} s"),
        ("  our process CPU time", f"{cpu:.2f} s ({values / cpu:,.0f} values per CPU-second)"),
        ("  OLTs with errors", str(failed)),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-repetitions", type=int, default=25)
    parser.add_argument("--olts", type=int, default=50)
    parser.add_argument("--onus-per-olt", type=int, default=512)
    parser.add_argument("--agents", type=int, default=2)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--backend", choices=["fast", "pysnmp"], default="fast", help="v2c message codec")
    args = parser.parse_args()
    global BACKEND
    BACKEND = args.backend
    if shutil.which("snmpbulkwalk") is None:
        print("NOTE: snmpbulkwalk (net-snmp) is missing; install the Debian package `snmp` to compare.")
    rows = single_olt(args.max_repetitions, args.runs)
    rows += many_olts(args.olts, args.onus_per_olt, args.max_repetitions, args.agents)
    width = max(len(label) for label, _ in rows)
    print(f"\nSNMP poll benchmark (max-repetitions {args.max_repetitions}, v2c backend {args.backend})")
    for label, value in rows:
        print(f"  {label:<{width}}  {value}".rstrip())


if __name__ == "__main__":
    main()
