"""The API served from several processes (`ponstack up --api-processes N`, N > 1).

`run_api_processes` spawns N uvicorn processes (fresh interpreters), each listening on a
socket of its own on the same port (SO_REUSEPORT); each builds the app with `app_from_env`,
from what the parent left in the environment: DATABASE_URL (also the embedded server's),
and the file through which the parent publishes the state of its in-process queue worker.

The queue worker and the demo lab run in the parent only. /health/ready in an API process
reports the worker from that file (`WorkerStatusFile`): the parent rewrites it every
second, so a file older than a few seconds (the parent hung or died) is a problem too.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import socket
import tempfile
import threading
import time
from pathlib import Path

from fastapi import FastAPI

from api.app import create_app
from api.health import WorkerHealth

#: the import string uvicorn's worker processes build the app from (factory=True)
APP_FACTORY = "ponstack.serve:app_from_env"
#: where the parent publishes its worker's state (unset: no in-process worker)
WORKER_STATUS_ENV = "PONSTACK_WORKER_STATUS_FILE"
#: monotonic clock reading when `ponstack up` started (for the "ready in" log line)
STARTED_AT_ENV = "PONSTACK_UP_STARTED_AT"

PUBLISH_EVERY_S = 1.0
STALE_AFTER_S = 5.0


class WorkerStatusPublisher:
    """In the parent: writes `health.problems()` to a file every second (atomically), until stopped."""

    def __init__(self, health: WorkerHealth, every_s: float = PUBLISH_EVERY_S) -> None:
        self.health = health
        self.every_s = every_s
        self.directory = Path(tempfile.mkdtemp(prefix="ponstack-worker-status-"))
        self.path = self.directory / "worker.json"
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._main, name="ponstack-worker-status", daemon=True)

    def start(self) -> WorkerStatusPublisher:
        self.publish()
        self._thread.start()
        return self

    def publish(self) -> None:
        try:
            problems = self.health.problems()
        except Exception as exc:  # never let the publisher die: report why instead
            problems = [f"worker state unreadable: {type(exc).__name__}: {exc}"]
        scratch = self.path.with_suffix(".tmp")
        scratch.write_text(json.dumps({"pid": os.getpid(), "at": time.time(), "problems": problems}))
        os.replace(scratch, self.path)

    def _main(self) -> None:
        while not self._stop.wait(self.every_s):
            with contextlib.suppress(OSError):
                self.publish()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(5)
        for path in (self.path, self.path.with_suffix(".tmp")):
            with contextlib.suppress(OSError):
                path.unlink()
        with contextlib.suppress(OSError):
            self.directory.rmdir()


class WorkerStatusFile:
    """In an API process: the parent's worker, as its last publication says (a WorkerHealth)."""

    def __init__(self, path: Path, stale_after_s: float = STALE_AFTER_S) -> None:
        self.path = path
        self.stale_after_s = stale_after_s

    def problems(self) -> list[str]:
        try:
            status = json.loads(self.path.read_text())
        except (OSError, ValueError) as exc:
            return [f"worker state unknown ({type(exc).__name__}: {exc})"]
        age = time.time() - float(status.get("at", 0))
        if age > self.stale_after_s:
            return [f"worker state not updated for {age:.0f} s (the `ponstack up` process "
                    f"{status.get('pid')} hung or ended)"]
        return [str(problem) for problem in status.get("problems", [])]


def run_api_processes(processes: int, host: str, port: int, access_log: bool) -> None:
    """Serve the API from `processes` uvicorn processes until SIGTERM or SIGINT, restarting one
    that dies; exit with uvicorn's STARTUP_FAILURE code when one cannot start.

    uvicorn's own supervisor (`uvicorn.run(..., workers=N)`) gives every process the same
    listening socket: the process that wakes first accepts all the pending connections, and a
    keep-alive client stays on it (measured: 10 clients, one process at 0.83 of a CPU and the
    other at 0.09). Here each process listens on a socket of its own on the same port
    (SO_REUSEPORT), so that the kernel spreads the connections over the processes.
    """
    import signal
    import sys

    from uvicorn import Config
    from uvicorn.config import STARTUP_FAILURE
    from uvicorn.supervisors.multiprocess import Process

    _check_port_free(host, port)
    config = Config(APP_FACTORY, factory=True, workers=processes, host=host, port=port, log_level="info",
                    access_log=access_log)
    stop = threading.Event()
    previous = {sig: signal.signal(sig, lambda signum, frame: stop.set()) for sig in (signal.SIGINT, signal.SIGTERM)}
    log = logging.getLogger("uvicorn.error")

    def start() -> Process:
        listener = _listener(host, port)
        process = Process(config, [listener])
        process.start()
        listener.close()  # the child has its own copy now: a dead child leaves no socket behind here
        return process

    children: list[Process] = []
    failed = False
    log.info("Started parent process [%s]: %s API processes on %s:%s", os.getpid(), processes, host, port)
    try:
        children = [start() for _ in range(processes)]
        while not stop.wait(0.5):
            for index, child in enumerate(children):
                if stop.is_set() or child.is_alive(timeout=config.timeout_worker_healthcheck):
                    continue
                child.kill()  # hung or dead
                child.join()
                if child.exitcode == STARTUP_FAILURE:
                    log.error("API process [%s] failed to start: stopping", child.pid)
                    failed = True
                    stop.set()
                    break
                log.warning("API process [%s] ended (exit code %s): starting another", child.pid, child.exitcode)
                children[index] = start()
    finally:
        for child in children:
            child.terminate()
        for child in children:
            child.join()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        log.info("Stopping parent process [%s]", os.getpid())
    if failed:
        sys.exit(STARTUP_FAILURE)


def _listener(host: str, port: int) -> socket.socket:
    """A socket bound to (host, port) with SO_REUSEPORT, for one API process (it listens)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    sock.set_inheritable(True)
    return sock


def _check_port_free(host: str, port: int) -> None:
    """SO_REUSEPORT would let the API share a port another program of this user listens on with
    the same option: refuse a port in use, as one process would."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise OSError(exc.errno, f"cannot serve the API on {host}:{port}: {exc.strerror}") from exc


def app_from_env() -> FastAPI:
    """The app of one API process (uvicorn's factory), from the environment `ponstack up` set."""
    from ponstack.cli import _configure_logging

    _configure_logging()
    url = os.environ.get("DATABASE_URL")
    if not url:
        raise RuntimeError("DATABASE_URL is not set: API processes are started by `ponstack up`")
    status_file = os.environ.get(WORKER_STATUS_ENV)
    started = os.environ.get(STARTED_AT_ENV)
    app = create_app(url, started_at=float(started) if started else None,
                     worker=WorkerStatusFile(Path(status_file)) if status_file else None)
    freeze_startup_objects()
    return app


def freeze_startup_objects() -> None:
    """Move every object alive now (modules, the app and its routes, the ORM's metadata: the
    bulk of the heap, and all for good) out of the garbage collector's sight. Otherwise each
    full collection walks them all: 170-230 ms measured, during which the process answers
    nothing (the API's p99). Call it once the app is built, in a serving process only."""
    import gc

    gc.collect()
    gc.freeze()
