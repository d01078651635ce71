"""`ponstack up --api-processes N`: the API from N uvicorn processes, the worker in the parent
only (its state reaches the API processes through a file), SIGTERM stops them all."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import psutil

from ponstack.serve import WorkerStatusFile, WorkerStatusPublisher
from tests.fixtures import REPO_ROOT, make_user, run_ponstack


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_ready(base: str, proc: subprocess.Popen[str], timeout: float = 90) -> httpx.Response:
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
        try:
            last = httpx.get(f"{base}/health/ready", timeout=2)
            if last.status_code == 200:
                return last
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"ponstack up did not become ready: {last and last.text}")


@contextmanager
def _up(url: str, tmp_path: Path, *extra: str) -> Iterator[tuple[subprocess.Popen[str], str]]:
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": url, "TMPDIR": str(tmp_path), "PONSTACK_LOG_LEVEL": "WARNING"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "ponstack", "up", "--api-processes", "2", "--port", str(port), *extra],
        cwd=REPO_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )
    try:
        yield proc, f"http://127.0.0.1:{port}"
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                for child in psutil.Process(proc.pid).children(recursive=True):
                    child.kill()
                proc.kill()
                raise


def _api_children(proc: subprocess.Popen[str]) -> list[psutil.Process]:
    return [child for child in psutil.Process(proc.pid).children()
            if "spawn_main" in " ".join(child.cmdline())]


def _serving_pids(children: list[psutil.Process], port: int) -> set[int]:
    """The API processes holding an accepted connection on `port`."""
    return {child.pid for child in children
            for conn in child.net_connections(kind="tcp")
            if conn.status == psutil.CONN_ESTABLISHED and conn.laddr and conn.laddr.port == port}


def test_two_api_processes_serve_and_sigterm_stops_them_all(empty_db_url: str, tmp_path: Path) -> None:
    with _up(empty_db_url, tmp_path, "--no-worker") as (proc, base):
        ready = _wait_ready(base, proc)
        assert ready.json()["schema"]["ok"] is True
        assert "worker" not in ready.json(), "no worker in this `ponstack up`: none reported"
        children = _api_children(proc)
        assert len(children) == 2, [c.cmdline() for c in psutil.Process(proc.pid).children()]
        token = make_user(empty_db_url, "procs", "admin")
        port = int(base.rsplit(":", 1)[1])
        seen: set[int] = set()
        clients = [httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}) for _ in range(16)]
        try:
            for _ in range(20):  # connections spread over the processes that accept them
                for client in clients:
                    answer = client.get("/onus")
                    assert answer.status_code == 200, answer.text
                seen |= _serving_pids(children, port)
                if seen == {child.pid for child in children}:
                    break
                for client in clients:  # new connections, another chance for each process to accept
                    client.close()
                clients = [httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"})
                           for _ in range(16)]
        finally:
            for client in clients:
                client.close()
        assert seen == {child.pid for child in children}, "both API processes answered requests"
        descendants = psutil.Process(proc.pid).children(recursive=True)  # and multiprocessing's helper
        proc.terminate()  # SIGTERM to the parent only, as a service manager stops it
        assert proc.wait(timeout=30) == 0
        deadline = time.monotonic() + 10
        while _running(descendants) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not _running(descendants), "SIGTERM stops every API process"


def _running(processes: list[psutil.Process]) -> list[list[str]]:
    left = []
    for process in processes:
        try:
            if process.is_running() and process.status() != psutil.STATUS_ZOMBIE:
                left.append(process.cmdline())
        except psutil.NoSuchProcess:
            pass
    return left


def test_api_processes_report_the_parents_worker(empty_db_url: str, tmp_path: Path) -> None:
    with _up(empty_db_url, tmp_path) as (proc, base):
        ready = _wait_ready(base, proc)
        assert ready.json()["worker"] == {"ok": True, "problems": []}, "the parent's worker, seen from a child"
        assert len(_api_children(proc)) == 2, "the worker is not an API process"
        assert list(tmp_path.glob("ponstack-worker-status-*/worker.json"))
        proc.terminate()
        assert proc.wait(timeout=30) == 0
    assert not list(tmp_path.glob("ponstack-worker-status-*")), "the status file is removed on SIGTERM"


class _Health:
    def __init__(self, problems: list[str]) -> None:
        self.current = problems

    def problems(self) -> list[str]:
        return self.current


def test_worker_status_file_follows_the_publisher_and_goes_stale(tmp_path: Path) -> None:
    health = _Health([])
    publisher = WorkerStatusPublisher(health, every_s=0.05).start()
    reader = WorkerStatusFile(publisher.path, stale_after_s=1.0)
    try:
        assert reader.problems() == []
        health.current = ["worker not connected to the database (starting); 0 restart(s)"]
        time.sleep(0.3)
        assert reader.problems() == health.current
    finally:
        publisher.stop()
    assert not publisher.directory.exists()
    assert reader.problems()[0].startswith("worker state unknown")
    stale = tmp_path / "worker.json"
    stale.write_text(json.dumps({"pid": 1, "at": time.time() - 60, "problems": []}))
    assert "not updated for 60 s" in WorkerStatusFile(stale, stale_after_s=5).problems()[0]


def test_a_port_in_use_is_refused(empty_db_url: str) -> None:
    """Each API process listens with SO_REUSEPORT: `ponstack up` must still refuse a port that
    another program listens on, as one process does, not share it."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run_ponstack("up", "--api-processes", "2", "--no-worker", "--port", str(port),
                              env={"DATABASE_URL": empty_db_url}, timeout=120)
    assert result.returncode == 6, result.stderr[-2000:]
    assert f"cannot serve the API on 127.0.0.1:{port}" in result.stderr
