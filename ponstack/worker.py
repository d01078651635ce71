"""The worker process: runs queued jobs, survives database outages, and puts back in
the queue the jobs of workers that died.

- Supervision: procrastinate's worker stops itself when it loses the database (its
  listener fails). Here it is restarted, with a growing pause, until asked to stop;
  `WorkerState` says whether it runs and is connected (`/health/ready` reads it when
  the worker shares the API's process).
- Stalled jobs: a worker that stopped sending heartbeats (killed, machine lost) leaves
  its queue jobs `doing`, holding their OLT's lock `olt:<id>` forever. Every running
  worker checks for them and retries them; the retried job settles its device jobs
  (see oms.lifecycle), so no OLT stays wedged and no ONU stays transient.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import procrastinate
import psycopg

from core.db import libpq_url
from core.queue import base_app
from core.settings import get_settings

log = logging.getLogger("ponstack.worker")

MAX_PAUSE_S = 15.0


@dataclass
class WorkerState:
    """What /health/ready reports about an in-process worker."""

    running: bool = False
    connected: bool = False
    last_error: str | None = None
    restarts: int = 0
    since: float = field(default_factory=time.time)
    thread: threading.Thread | None = None

    def set(self, running: bool, connected: bool, error: str | None = None) -> None:
        if (running, connected) != (self.running, self.connected):
            self.since = time.time()
        self.running, self.connected = running, connected
        if error is not None:
            self.last_error = error

    @property
    def alive(self) -> bool:
        return self.thread is None or self.thread.is_alive()

    def problems(self) -> list[str]:
        if not self.alive:
            return [f"worker thread stopped ({self.last_error or 'no error recorded'})"]
        if not (self.running and self.connected):
            return [f"worker not connected to the database ({self.last_error or 'starting'}); "
                    f"{self.restarts} restart(s)"]
        return []


class WorkerStoppedItself(RuntimeError):
    pass


async def supervise(url: str, concurrency: int, state: WorkerState | None = None,
                    stop: asyncio.Event | None = None, wait: bool = True) -> None:
    """Run the worker until `stop` is set (or, with wait=False, until the queue is empty),
    restarting it whenever it fails."""
    state = state or WorkerState()
    stop = stop or asyncio.Event()
    settings = get_settings()
    _size_executor(concurrency)
    pause = 1.0
    while not stop.is_set():
        try:
            await _wait_for_database(url, state, stop)
            if stop.is_set():
                break
            await _run_once(url, concurrency, state, stop, wait, settings.worker_heartbeat_s,
                            settings.worker_stalled_after_s)
            if stop.is_set() or not wait:
                break
            raise WorkerStoppedItself("the worker stopped on its own (database connection lost?)")
        except Exception as exc:
            state.set(False, False, f"{type(exc).__name__}: {exc}")
            state.restarts += 1
            log.warning("worker failed (%s); restarting in %.0f s", state.last_error, pause)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), pause)
            pause = min(pause * 2, MAX_PAUSE_S)
        else:
            pause = 1.0
    state.set(False, state.connected)


async def _run_once(url: str, concurrency: int, state: WorkerState, stop: asyncio.Event, wait: bool,
                    heartbeat_s: float, stalled_after_s: float) -> None:
    connector = procrastinate.PsycopgConnector(conninfo=libpq_url(url))
    # Periodic tasks defer their jobs through base_app, so the worker runs on base_app itself.
    with base_app.replace_connector(connector) as app:
        async with app.open_async():
            state.set(True, True)
            watch = asyncio.create_task(_release_stalled_jobs(app, url, stalled_after_s, heartbeat_s),
                                        name="stalled")
            runner = asyncio.create_task(app.run_worker_async(
                concurrency=concurrency, wait=wait, install_signal_handlers=False,
                update_heartbeat_interval=heartbeat_s, stalled_worker_timeout=stalled_after_s,
            ), name="worker")
            stopper = asyncio.create_task(stop.wait(), name="stop")
            try:
                done, _ = await asyncio.wait({runner, stopper, watch}, return_when=asyncio.FIRST_COMPLETED)
                if stopper in done:
                    runner.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await runner
                    return
                if watch in done:
                    watch.result()  # raises what stopped the watch (database lost)
                runner.result()
            finally:
                for task in (watch, stopper, runner):
                    task.cancel()
                await asyncio.gather(watch, stopper, runner, return_exceptions=True)


async def _release_stalled_jobs(app: procrastinate.App, url: str, stalled_after_s: float, every_s: float) -> None:
    """Put back in the queue the jobs of workers that stopped sending heartbeats, and queue
    again device jobs whose queue job ended without finishing them."""
    from oms.services import requeue_orphans

    loop = asyncio.get_running_loop()
    while True:
        for job in await app.job_manager.get_stalled_jobs(seconds_since_heartbeat=stalled_after_s):
            try:
                await app.job_manager.retry_job(job)
            except Exception as exc:  # another worker released it first
                log.debug("stalled job %s not retried: %s", job.id, exc)
                continue
            log.warning("queue job %s (%s, lock %s) was left by a dead worker: put back in the queue",
                        job.id, job.task_name, job.lock)
        requeued = await loop.run_in_executor(None, requeue_orphans, url)
        if requeued:
            log.warning("device jobs %s had lost their queue job: queued again", requeued)
        await asyncio.sleep(every_s)


async def _wait_for_database(url: str, state: WorkerState, stop: asyncio.Event) -> None:
    pause = 0.5
    while not stop.is_set():
        try:
            conn = await psycopg.AsyncConnection.connect(libpq_url(url), connect_timeout=5)
            await conn.close()
            return
        except psycopg.OperationalError as exc:
            state.set(False, False, f"database unreachable: {str(exc).strip().splitlines()[0]}")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), pause)
            pause = min(pause * 2, MAX_PAUSE_S)


def _size_executor(concurrency: int) -> None:
    """Device tasks are synchronous and run in the loop's default executor, which by
    default has only cpu+4 threads: size it so that `concurrency` OLTs really proceed at once."""
    from concurrent.futures import ThreadPoolExecutor

    asyncio.get_running_loop().set_default_executor(
        ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="ponstack-job")
    )


def run_in_foreground(url: str, concurrency: int) -> None:
    """`ponstack worker`: until SIGINT/SIGTERM, then finish the running jobs."""

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await supervise(url, concurrency, stop=stop)

    asyncio.run(main())


class BackgroundWorker:
    """The worker on a thread of its own (`ponstack up`): started, watched, stopped."""

    def __init__(self, url: str, concurrency: int) -> None:
        self.state = WorkerState()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._ready = threading.Event()
        self.state.thread = threading.Thread(target=self._main, args=(url, concurrency), name="ponstack-worker",
                                             daemon=True)

    def start(self) -> BackgroundWorker:
        assert self.state.thread is not None
        self.state.thread.start()
        self._ready.wait(10)
        return self

    def _main(self, url: str, concurrency: int) -> None:
        async def main() -> None:
            self._loop, self._stop = asyncio.get_running_loop(), asyncio.Event()
            self._ready.set()
            await supervise(url, concurrency, self.state, self._stop)

        try:
            asyncio.run(main())
        except BaseException as exc:  # recorded for /health/ready, then the thread ends
            self.state.set(False, False, f"{type(exc).__name__}: {exc}")
            log.exception("worker thread ended")

    def stop(self, timeout_s: float = 30) -> None:
        if self._loop is not None and self._stop is not None and not self._loop.is_closed():
            with contextlib.suppress(RuntimeError):
                self._loop.call_soon_threadsafe(self._stop.set)
        if self.state.thread is not None:
            self.state.thread.join(timeout_s)


def run_until_empty(url: str, concurrency: int = 2) -> Any:
    """Run queued jobs until the queue is empty (tests, scripts)."""
    return asyncio.run(supervise(url, concurrency, wait=False))
