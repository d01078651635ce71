"""Serve simulated OLTs from a separate process (benchmarks keep the simulators'
CPU off the process being measured).

    python -m lab.serve --family huawei_smartax --count 20 --onus 50 --latency 0.1

Prints one JSON line {"olts": {name: port}} when ready, then answers lines on
stdin: "stats" -> {"commands": {name: n}, "logins": {name: n}}, "reset" clears
the counters, "quit" stops.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys

from core.models import VendorFamily
from lab.base import Lab
from lab.demo import plug_demo_onus
from lab.register import new_sim

PORTS = [(0, 1, 0), (0, 1, 1)]


def sim_name(prefix: str, index: int) -> str:
    return f"{prefix}-{index:04d}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--family", default=VendorFamily.HUAWEI_SMARTAX.value)
    parser.add_argument("--count", type=int, default=20)
    parser.add_argument("--onus", type=int, default=50)
    parser.add_argument("--latency", type=float, default=0.1)
    parser.add_argument("--prefix", default="BENCH")
    args = parser.parse_args()
    family = VendorFamily(args.family)
    lab = Lab()
    sims = {}
    for i in range(args.count):
        sim = new_sim(family, sim_name(args.prefix, i), latency_s=args.latency, ports=PORTS)
        plug_demo_onus(sim, family, i, args.onus)
        sims[sim.name] = (sim, lab.add(sim))
    print(json.dumps({"olts": {name: port for name, (_, port) in sims.items()}}), flush=True)
    for line in sys.stdin:
        command = line.strip()
        if command == "stats":
            usage = resource.getrusage(resource.RUSAGE_SELF)
            print(json.dumps({"commands": {n: len(s.command_log) for n, (s, _) in sims.items()},
                              "logins": {n: s.logins for n, (s, _) in sims.items()},
                              "cpu_s": usage.ru_utime + usage.ru_stime}), flush=True)
        elif command == "reset":
            for sim, _ in sims.values():
                sim.command_log.clear()
                sim.logins = 0
            print("{}", flush=True)
        elif command == "quit":
            break
    lab.close()


if __name__ == "__main__":
    main()
