"""/health/live and /health/ready, and the API's refusal to start on a bad schema."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import psycopg
import pytest
from fastapi.testclient import TestClient

from api.app import SchemaInvalid, create_app
from core.db import libpq_url
from tests.fixtures import REPO_ROOT


def test_ready_reports_revision_when_schema_valid(db_url: str) -> None:
    with TestClient(create_app(db_url)) as client:
        assert client.get("/health/live").json() == {"status": "ok"}
        ready = client.get("/health/ready")
    assert ready.status_code == 200
    schema = ready.json()["schema"]
    assert schema["ok"] is True
    assert schema["revision"] == schema["head"]


def test_ready_turns_503_when_schema_breaks(db_url: str) -> None:
    with TestClient(create_app(db_url)) as client:
        assert client.get("/health/ready").status_code == 200
        with psycopg.connect(libpq_url(db_url), autocommit=True) as conn:
            conn.execute("DROP TABLE onu_samples")
        ready = client.get("/health/ready")
        live = client.get("/health/live")
    assert ready.status_code == 503
    assert any("onu_samples" in p for p in ready.json()["schema"]["problems"])
    assert live.status_code == 200


def test_api_refuses_to_start_on_invalid_schema(empty_db_url: str) -> None:
    with pytest.raises(SchemaInvalid, match="expected head"), TestClient(create_app(empty_db_url)):
        pass


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_ready(port: int, proc: subprocess.Popen[str], timeout: float) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
        try:
            response = httpx.get(f"http://127.0.0.1:{port}/health/ready", timeout=1)
            if response.status_code == 200:
                return dict(response.json())
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise AssertionError("ponstack up did not become ready")


@pytest.mark.slow
def test_up_on_embedded_default_serves_ready(tmp_path: Path) -> None:
    # Short data dir: the embedded server's Unix socket lives inside it.
    data_dir = Path(f"/tmp/ps-up-{os.getpid()}")
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update({"PONSTACK_DATA_DIR": str(data_dir), "PONSTACK_SECRET_KEY": ""})
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "ponstack", "up", "--port", str(port)],
        cwd=REPO_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        body = _wait_ready(port, proc, timeout=90)
        assert body["schema"]["ok"] is True
        assert body["worker"] == {"ok": True, "problems": []}, "the in-process worker runs and is connected"
        assert (data_dir / "secret.key").exists(), "the embedded default keeps a generated key"
        assert _postgres_serving(data_dir, expected=True), "the embedded server runs from the data directory"
    finally:
        proc.terminate()  # SIGTERM, as a service manager stops it
        proc.wait(timeout=30)
    try:
        assert not _postgres_serving(data_dir, expected=False), "SIGTERM stops the embedded PostgreSQL (no orphan)"
    finally:
        subprocess.run(["rm", "-rf", str(data_dir)], check=False)


def _postgres_serving(data_dir: Path, expected: bool) -> bool:
    """Whether a postgres process serves `data_dir`, waiting a little for it to become `expected`."""
    import psutil

    deadline = time.monotonic() + 10
    while True:
        running = any(
            str(data_dir) in " ".join(p.info["cmdline"] or [])
            for p in psutil.process_iter(attrs=["name", "cmdline"]) if p.info["name"] == "postgres"
        )
        if running is expected or time.monotonic() > deadline:
            return running
        time.sleep(0.2)


@pytest.mark.slow
def test_sigterm_stops_the_lab_and_removes_its_files(tmp_path: Path) -> None:
    """`ponstack up --lab` stopped as a service manager stops it: no snmpsim agent, no
    embedded database and no temporary folder of the lab is left behind."""
    import psutil

    data_dir = Path(f"/tmp/ps-lab-{os.getpid()}")
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update({"PONSTACK_DATA_DIR": str(data_dir), "PONSTACK_SECRET_KEY": "", "TMPDIR": str(scratch)})
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "ponstack", "up", "--lab", "--lab-onus", "1", "--port", str(port)],
        cwd=REPO_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, text=True,
    )
    try:
        _wait_ready(port, proc, timeout=120)
        children = [p.pid for p in psutil.Process(proc.pid).children(recursive=True)]
        assert any("snmpsim" in " ".join(psutil.Process(pid).cmdline()) for pid in children), "the lab's agent runs"
        assert any(scratch.iterdir()), "the lab keeps its recordings in temporary folders"
    finally:
        proc.terminate()
        proc.wait(timeout=60)
    try:
        deadline = time.monotonic() + 10
        while any(psutil.pid_exists(pid) and psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
                  for pid in children) and time.monotonic() < deadline:
            time.sleep(0.2)
        left = [pid for pid in children if psutil.pid_exists(pid)
                and psutil.Process(pid).status() != psutil.STATUS_ZOMBIE]
        assert not left, f"processes left behind: {[psutil.Process(p).cmdline() for p in left]}"
        assert not any(p.name.startswith("ponstack-") for p in scratch.iterdir()), list(scratch.iterdir())
        assert not _postgres_serving(data_dir, expected=False)
    finally:
        subprocess.run(["rm", "-rf", str(data_dir)], check=False)
