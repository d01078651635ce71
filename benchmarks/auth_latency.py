"""What authentication adds to a request: `GET /onus` on the API before access control
(a git revision, default BEFORE_REV) and now, with an API token and with a browser
session, measured in one run on loopback.

Each API runs in its own `ponstack api` process (uvicorn) on its own fresh database with
the same 200 ONUs; the requests go one at a time, in rounds that alternate between the
three ways so that the machine's load drifts alike over all of them.

    python -m benchmarks.auth_latency [--requests 3000] [--before REV]
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from cryptography.fernet import Fernet
from sqlalchemy import text

from benchmarks.provisioning import drop_database
from core.db import session_scope

REPO = Path(__file__).resolve().parent.parent
#: the last revision before access control (issue 9)
BEFORE_REV = "2aa7d9f"
ONUS = 200
PASSWORD = "bench-password-1234"


def empty_database() -> tuple[str, str]:
    import uuid

    import psycopg

    from core.db import libpq_url
    from core.embedded import start_embedded_postgres
    from core.settings import get_settings

    settings = get_settings()
    admin = libpq_url(settings.database_url or start_embedded_postgres(settings.data_dir))
    name = f"ps_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base, _, query = admin.partition("?")
    return admin, base.rsplit("/", 1)[0] + f"/{name}" + (f"?{query}" if query else "")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_api(source: Path, url: str, env: dict[str, str],
              api_processes: int | None = None) -> tuple[subprocess.Popen[bytes], str]:
    """`ponstack up --no-worker` from `source` on a free port; `api_processes`: its
    `--api-processes` (None: the option is not passed, as an older revision lacks it)."""
    port = free_port()
    processes = [] if api_processes is None else ["--api-processes", str(api_processes)]
    process = subprocess.Popen(
        [sys.executable, "-m", "ponstack", "up", "--no-worker", "--port", str(port), *processes],
        cwd=source, env={**env, "DATABASE_URL": url, "PYTHONPATH": str(source)},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/health/live", timeout=1).status_code == 200:
                return process, base
        except httpx.HTTPError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"the API of {source} did not start")


def seed_onus(url: str) -> None:
    with session_scope(url) as session:
        session.execute(text(
            "INSERT INTO onus (serial, name, description, lifecycle_state) "
            "SELECT 'HWTC' || lpad(to_hex(n), 8, '0'), 'onu-' || n, '', 'discovered' "
            "FROM generate_series(1, :count) AS n"
        ), {"count": ONUS})


def credentials(url: str) -> str:
    """An admin with a password (for the session) and an API token; returns the token."""
    from argon2 import PasswordHasher

    from core.models import User
    from tests.fixtures import make_user

    token = make_user(url, "bench", "admin")
    with session_scope(url) as session:
        user = session.query(User).filter_by(username="bench").one()
        user.password_hash = PasswordHasher().hash(PASSWORD)
    return token


def timed(client: httpx.Client, path: str, count: int, **kwargs: object) -> list[float]:
    samples = []
    for _ in range(count):
        started = time.perf_counter()
        answer = client.get(path, **kwargs)  # type: ignore[arg-type]
        samples.append((time.perf_counter() - started) * 1000)
        if answer.status_code != 200:
            raise RuntimeError(f"{path}: {answer.status_code} {answer.text[:200]}")
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=3000, help="per way of asking")
    parser.add_argument("--before", default=BEFORE_REV, help="git revision without access control")
    args = parser.parse_args()

    env = {**os.environ, "PONSTACK_LOG_LEVEL": "WARNING"}
    env.setdefault("PONSTACK_SECRET_KEY", Fernet.generate_key().decode())
    os.environ["PONSTACK_SECRET_KEY"] = env["PONSTACK_SECRET_KEY"]
    before_tree = Path(tempfile.mkdtemp(prefix="ponstack-before-"))
    subprocess.run(["git", "worktree", "add", "--detach", str(before_tree), args.before], cwd=REPO, check=True,
                   capture_output=True)
    admin_before, url_before = empty_database()  # each `ponstack up` migrates its own to its head
    admin_now, url_now = empty_database()
    processes = []
    try:
        old, old_base = start_api(before_tree, url_before, env)
        processes.append(old)
        new, new_base = start_api(REPO, url_now, env)
        processes.append(new)
        for url in (url_before, url_now):
            seed_onus(url)
        token = credentials(url_now)
        path = "/onus?limit=50"
        with httpx.Client(base_url=old_base) as before, httpx.Client(base_url=new_base) as now_token, \
                httpx.Client(base_url=new_base) as now_session:
            now_token.headers["Authorization"] = f"Bearer {token}"
            login = now_session.post("/auth/login", json={"username": "bench", "password": PASSWORD})
            login.raise_for_status()
            results: dict[str, list[float]] = {"before (no authentication)": [], "token": [], "session": []}
            rounds = 10
            for _ in range(rounds):
                results["before (no authentication)"] += timed(before, path, args.requests // rounds)
                results["token"] += timed(now_token, path, args.requests // rounds)
                results["session"] += timed(now_session, path, args.requests // rounds)
        base_median = statistics.median(results["before (no authentication)"])
        print(f"\nGET {path} on loopback, {args.requests} requests each, {ONUS} ONUs, one at a time")
        print(f"{'':28} {'median ms':>10} {'p99 ms':>8} {'added (median)':>15}")
        for name, samples in results.items():
            median = statistics.median(samples)
            p99 = statistics.quantiles(samples, n=100)[98]
            print(f"{name:28} {median:10.2f} {p99:8.2f} {median - base_median:+14.2f}")
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=30)
        drop_database(admin_before, url_before)
        drop_database(admin_now, url_now)
        subprocess.run(["git", "worktree", "remove", "--force", str(before_tree)], cwd=REPO, capture_output=True)
        shutil.rmtree(before_tree, ignore_errors=True)


if __name__ == "__main__":
    main()
