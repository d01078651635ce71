"""`python -m lab.genieacs --port 7557 --devices N [--model EG8145V5]`: run the GenieACS NBI emulator."""

from __future__ import annotations

import argparse
import signal
import threading

from .server import start_emulator
from .tree import MODELS


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="python -m lab.genieacs", description=__doc__)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=7557)
    ap.add_argument("--devices", type=int, default=0, help="emulated CPEs to register (serials PSLB00000000...)")
    ap.add_argument("--model", default="EG8145V5", help=f"one of {', '.join(MODELS)} or a CSV path")
    ap.add_argument("--latency", type=float, default=0.0, help="seconds each CWMP session takes")
    ap.add_argument("--inform-interval", type=float, default=None, help="periodic informs every N seconds")
    ap.add_argument("--poll-interval", type=float, default=0.5,
                    help="NBI poll of session start/end (GenieACS: 0.5 s, api-functions.ts L234, L247)")
    args = ap.parse_args(argv)
    emu = start_emulator(
        args.host, args.port, inform_interval=args.inform_interval, poll_interval=args.poll_interval
    )
    if args.devices:
        emu.add_devices(args.devices, args.model, latency=args.latency)
    print(f"GenieACS NBI emulator on {emu.url} (control: {emu.control_url}), {args.devices} devices", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    stop.wait()
    emu.stop()


if __name__ == "__main__":
    main()
