"""Job pages: one job with its steps (the commands sent, the device's verbatim answers, stored
redacted), scope, and the job's Server-Sent Events stream: messages while it runs, `done`
with the final fragment (error and device answer included) when it ends, 404 at once for a
job that is missing or out of scope."""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from sqlalchemy import update

from console import job_pages
from console.tests.test_olt_pages import Network, network, restrict  # noqa: F401 (fixture)
from core.db import session_scope
from oms.models import Job, JobKind, JobStatus, JobStep, Onu, StepStatus
from tests.fixtures import api_client

DEVICE_ANSWER = "  % Failure: the ONT line profile does not exist\n  Command:\n    ont add 0 1 sn-auth ..."


@dataclass
class Jobs:
    failed: int  # on the north OLT, finished with a failed step
    running: int  # on the north OLT
    south: int  # on the south OLT


def _job(session: object, olt_id: int, status: JobStatus, **fields: object) -> Job:
    job = Job(kind=JobKind.AUTHORIZE, status=status, olt_id=olt_id, requested_by="nina", **fields)
    session.add(job)  # type: ignore[attr-defined]
    session.flush()  # type: ignore[attr-defined]
    return job


@pytest.fixture
def jobs(network: Network) -> Jobs:  # noqa: F811
    with session_scope(network.url) as session:
        onu_id = session.query(Onu.id).filter(Onu.serial == "HWTC0000AA01").scalar()
        failed = _job(session, network.north, JobStatus.FAILED, onu_id=onu_id, error="authorize failed at add_ont",
                      started_at=datetime.now(UTC), finished_at=datetime.now(UTC))
        session.add_all([
            JobStep(job_id=failed.id, seq=1, name="login", status=StepStatus.OK, commands=["enable"],
                    output="MA5800#", duration_ms=120.0),
            JobStep(job_id=failed.id, seq=2, name="add_ont", status=StepStatus.FAILED,
                    commands=["ont add 0 1 sn-auth 48575443 omci desc \"x\"", "pppoe password ********"],
                    output=DEVICE_ANSWER, error="the OLT refused the command"),
        ])
        running = _job(session, network.north, JobStatus.RUNNING, started_at=datetime.now(UTC))
        south = _job(session, network.south, JobStatus.SUCCEEDED)
        return Jobs(failed.id, running.id, south.id)


def test_job_page_shows_kind_onu_olt_times_steps_commands_and_answers(network: Network, jobs: Jobs) -> None:  # noqa: F811
    page = api_client(network.url, "rita", "read_only").get(f"/console/jobs/{jobs.failed}")
    assert page.status_code == 200
    html = page.text
    assert f"<h1>Job {jobs.failed}" in html and "authorize" in html and "HWTC0000AA01" in html
    assert f'href="/console/olts/{network.north}">OLT-NORTH</a>' in html and "nina" in html
    assert "authorize failed at add_ont" in html and "the OLT refused the command" in html
    assert "% Failure: the ONT line profile does not exist" in html  # verbatim, in the device-answer box
    assert "pppoe password ********" in html  # stored redacted, shown as stored
    assert 'data-stream=' not in html  # finished: nothing to follow
    running = api_client(network.url).get(f"/console/jobs/{jobs.running}").text
    assert f'data-stream="/console/jobs/{jobs.running}/stream"' in running and "in progress" in running


def test_a_job_out_of_scope_or_missing_is_not_found(network: Network, jobs: Jobs) -> None:  # noqa: F811
    client = api_client(network.url, "nora", "noc_engineer")
    restrict(network.url, "nora", network.group)
    assert client.get(f"/console/jobs/{jobs.failed}").status_code == 200
    for path in (f"/console/jobs/{jobs.south}", f"/console/jobs/{jobs.south}/stream", "/console/jobs/999999",
                 "/console/jobs/999999/stream", f"/console/jobs/{2**70}/stream"):
        answer = client.get(path)
        assert answer.status_code == 404, path
        if "2**70" not in path and str(2**70) not in path:  # the app-wide guard answers absurd ids itself
            assert "text/html" in answer.headers["content-type"], path


def _events(body: str) -> list[tuple[str, str]]:
    """(event name, data) of each SSE event; every data line must carry the `data: ` prefix."""
    events = []
    for block in body.split("\n\n"):
        if not block.strip():
            continue
        lines = block.split("\n")
        name = lines[0][len("event: "):] if lines[0].startswith("event: ") else "message"
        data_lines = lines[1:] if name != "message" else lines
        assert all(line.startswith("data: ") for line in data_lines), block[:200]
        events.append((name, "\n".join(line[len("data: "):] for line in data_lines)))
    return events


def test_the_stream_of_a_finished_job_is_done_at_once_with_the_error_and_answer(network: Network,  # noqa: F811
                                                                                jobs: Jobs) -> None:
    with api_client(network.url).stream("GET", f"/console/jobs/{jobs.failed}/stream") as answer:
        assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/event-stream")
        events = _events(answer.read().decode())
    assert [name for name, _ in events] == ["done"]
    final = events[0][1]
    assert 'data-status="failed"' in final and "authorize failed at add_ont" in final
    assert "% Failure: the ONT line profile does not exist" in final


def test_the_stream_sends_progress_while_the_job_runs_then_done(network: Network, jobs: Jobs,  # noqa: F811
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(job_pages, "POLL_INTERVAL_S", 0.1)

    def finish_later() -> None:
        time.sleep(1.0)
        with session_scope(network.url) as session:
            session.add(JobStep(job_id=jobs.running, seq=1, name="add_ont", status=StepStatus.OK,
                                commands=["ont add 0 2 sn-auth 4857"], output="Number of ONTs that can be added: 1"))
            session.execute(update(Job).where(Job.id == jobs.running)
                            .values(status=JobStatus.SUCCEEDED, finished_at=datetime.now(UTC)))

    finisher = threading.Thread(target=finish_later)
    finisher.start()
    started = time.monotonic()
    with api_client(network.url).stream("GET", f"/console/jobs/{jobs.running}/stream") as answer:
        events = _events(answer.read().decode())
    finisher.join()
    assert time.monotonic() - started < 10
    names = [name for name, _ in events]
    assert names[-1] == "done" and names.count("done") == 1 and names.count("message") >= 3
    assert all('data-status="running"' in data for name, data in events if name == "message")
    assert 'data-status="succeeded"' in events[-1][1] and "Number of ONTs that can be added: 1" in events[-1][1]


def test_a_stream_ends_after_its_lifetime_even_if_the_job_does_not(network: Network, jobs: Jobs,  # noqa: F811
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(job_pages, "POLL_INTERVAL_S", 0.05)
    monkeypatch.setattr(job_pages, "STREAM_LIFETIME_S", 0.5)
    with api_client(network.url).stream("GET", f"/console/jobs/{jobs.running}/stream") as answer:
        events = _events(answer.read().decode())
    assert events[-1][0] == "done" and 'data-status="running"' in events[-1][1]
    assert re.search(r"in progress", events[-1][1])
