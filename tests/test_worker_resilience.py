"""A worker that dies or loses the database never wedges an OLT: its stalled queue
jobs are put back in the queue, their device jobs settled by reading the OLT, and
every ONU ends in agreement with the OLT within a bounded time, without a hand-made
step. Real peers: worker processes, a simulated OLT over SSH, and the database
reached through a TCP proxy that the test cuts."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from api.app import create_app
from core.db import session_scope
from core.models import VendorFamily
from lab.base import Lab
from lab.register import ensure_reference_data, new_sim, register_olt
from lab.tcp_proxy import TcpProxy
from oms.jobs import FINAL_STATES as FINAL_JOB_STATES
from oms.models import Job, JobKind, JobStatus, Onu, OnuLifecycle, OnuType
from oms.services import request_and_enqueue
from ponstack.worker import BackgroundWorker
from tests.fixtures import REPO_ROOT
from tests.lab_fixtures import LabOlt, assert_in_agreement, discover_now

SERIALS = ["HWTC0000A001", "HWTC0000A002", "HWTC0000A003"]
TRANSIENT = (OnuLifecycle.AUTHORIZING, OnuLifecycle.REMOVING)
FAST_STALL = {"PONSTACK_WORKER_HEARTBEAT_S": "1", "PONSTACK_WORKER_STALLED_AFTER_S": "3", "PONSTACK_LOG_LEVEL": "INFO"}


@pytest.fixture
def slow_olt(lab: Lab, db_url: str) -> Iterator[LabOlt]:
    """A Huawei OLT that answers each command after 150 ms, with three ONUs in autofind."""
    sim = new_sim(VendorFamily.HUAWEI_SMARTAX, "SLOW-OLT", latency_s=0.15)
    port = lab.add(sim)
    with session_scope(db_url) as session:
        plan = ensure_reference_data(session)
        olt = register_olt(session, sim, VendorFamily.HUAWEI_SMARTAX, port)
        lab_olt = LabOlt(db_url, sim, olt.id, plan.id, VendorFamily.HUAWEI_SMARTAX, port)
    for serial in SERIALS:
        sim.plug_onu(*sim.ports[0], serial)  # type: ignore[attr-defined]
    discover_now(lab_olt)
    with session_scope(db_url) as session:
        f660 = session.execute(select(OnuType.id).where(OnuType.model == "F660")).scalar_one()
        for onu in session.execute(select(Onu)).scalars():
            onu.desired, onu.onu_type_id = {"plan_id": plan.id}, f660
    yield lab_olt


def start_worker(url: str, log: Path) -> subprocess.Popen[str]:
    """A `ponstack worker` process; its log goes to a file (a pipe nobody reads would fill up
    and block the worker's logging, which is not what this test is about)."""
    env = {**os.environ, "DATABASE_URL": url, **FAST_STALL}
    with log.open("a") as out:
        return subprocess.Popen([sys.executable, "-m", "ponstack", "worker", "--concurrency", "2"], cwd=REPO_ROOT,
                                env=env, stdout=out, stderr=subprocess.STDOUT, text=True)


def stop(proc: subprocess.Popen[str]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()


def wait_until(condition: Callable[[], bool], timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout_s:g} s: {what}")
        time.sleep(0.2)


def all_settled(url: str) -> bool:
    with session_scope(url) as session:
        open_jobs = session.execute(select(Job.id).where(Job.status.not_in(FINAL_JOB_STATES))).all()
        transient = session.execute(select(Onu.id).where(Onu.lifecycle_state.in_(TRANSIENT))).all()
    return not open_jobs and not transient


def authorize_all(url: str) -> list[int]:
    with session_scope(url) as session:
        ids = list(session.execute(select(Onu.id).where(Onu.serial.in_(SERIALS)).order_by(Onu.id)).scalars())
    return [request_and_enqueue(url, onu_id, JobKind.AUTHORIZE, "test") for onu_id in ids]


def proxied(url: str, proxy_port: int) -> str:
    params = psycopg.conninfo.conninfo_to_dict(url)
    password = f":{params['password']}" if params.get("password") else ""
    return f"postgresql://{params.get('user', 'postgres')}{password}@127.0.0.1:{proxy_port}/{params['dbname']}"


def proxy_target(url: str) -> Any:
    params = psycopg.conninfo.conninfo_to_dict(url)
    host, port = params.get("host") or "localhost", int(params.get("port") or 5432)
    return f"{host}/.s.PGSQL.{port}" if host.startswith("/") else (host, port)


def test_worker_killed_mid_push_is_settled_by_the_next_worker(slow_olt: LabOlt, tmp_path: Path) -> None:
    url, sim = slow_olt.url, slow_olt.sim
    first = start_worker(url, tmp_path / "first.log")
    try:
        authorize_all(url)
        wait_until(lambda: any(c.startswith("ont add") for c in sim.command_log), 60, "the push started")
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
        with session_scope(url) as session:
            assert session.execute(select(Job.id).where(Job.status == JobStatus.RUNNING)).first(), \
                "the killed worker left its job running"
    finally:
        stop(first)
    second = start_worker(url, tmp_path / "second.log")
    try:
        wait_until(lambda: all_settled(url), 90, "every job final and no ONU transient")
    finally:
        stop(second)
    with session_scope(url) as session:
        authorizations = session.execute(select(Job).where(Job.kind == JobKind.AUTHORIZE)).scalars()
        jobs = {j.id: (j.status, j.error) for j in authorizations}
    assert any(error and "worker stopped" in error for _, error in jobs.values()), jobs
    assert_in_agreement(url, slow_olt.olt_id)


def test_database_outage_while_jobs_run(slow_olt: LabOlt, tmp_path: Path) -> None:
    url, sim = slow_olt.url, slow_olt.sim
    proxy = TcpProxy(proxy_target(url))
    worker = start_worker(proxied(url, proxy.port), tmp_path / "worker.log")
    try:
        authorize_all(url)
        wait_until(lambda: any(c.startswith("ont add") for c in sim.command_log), 60, "the push started")
        proxy.cut(15)
        time.sleep(16)
        assert worker.poll() is None, "the worker exited on a database outage"
        wait_until(lambda: all_settled(url), 120, "every job final and no ONU transient after the outage")
        assert worker.poll() is None
    finally:
        stop(worker)
        proxy.close()
    assert_in_agreement(url, slow_olt.olt_id)


def test_ready_probe_reports_an_in_process_worker_without_its_database(db_url: str) -> None:
    proxy = TcpProxy(proxy_target(db_url))
    worker = BackgroundWorker(proxied(db_url, proxy.port), 2).start()
    client = TestClient(create_app(db_url, worker=worker.state))
    try:
        with client:
            wait_until(lambda: client.get("/health/ready").status_code == 200, 30, "ready with a connected worker")
            proxy.cut(10)
            wait_until(lambda: client.get("/health/ready").status_code == 503, 30, "not ready without its database")
            body = client.get("/health/ready").json()
            assert not body["worker"]["ok"] and "not connected" in body["worker"]["problems"][0]
            wait_until(lambda: client.get("/health/ready").status_code == 200, 60, "ready again, reconnected")
            assert worker.state.restarts >= 1
    finally:
        worker.stop()
        proxy.close()
    assert not worker.state.alive or not worker.state.running
