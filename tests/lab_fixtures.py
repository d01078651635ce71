"""Fixtures and helpers for tests that drive simulated OLTs over real SSH
(loaded for every package by the root conftest.py)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import select

from core.db import session_scope, set_database_url
from core.models import VendorFamily
from lab.base import Lab, SimulatedOlt
from lab.register import ensure_reference_data, new_sim, register_olt
from oms.models import JobKind, Onu, OnuType
from oms.services import request_onu_action
from tasks.discovery import discover
from tasks.nornir_factory import build_nornir
from tasks.worker import run_olt_jobs

FAMILIES = [VendorFamily.HUAWEI_SMARTAX, VendorFamily.ZTE_C3XX, VendorFamily.ZTE_C6XX]


@dataclass
class LabOlt:
    url: str
    sim: SimulatedOlt
    olt_id: int
    plan_id: int
    family: VendorFamily


@pytest.fixture(scope="module")
def lab() -> Iterator[Lab]:
    running = Lab()
    yield running
    running.close()


@pytest.fixture(params=FAMILIES, ids=lambda f: f.value)
def lab_olt(request: pytest.FixtureRequest, lab: Lab, db_url: str) -> LabOlt:
    """A simulated OLT of each vendor family, registered in a fresh database."""
    family: VendorFamily = request.param
    sim = new_sim(family, f"LAB-{family.value.upper()}")
    port = lab.add(sim)
    set_database_url(db_url)
    with session_scope(db_url) as session:
        plan = ensure_reference_data(session)
        olt = register_olt(session, sim, family, port)
        return LabOlt(db_url, sim, olt.id, plan.id, family)


def discover_now(lab_olt: LabOlt) -> dict[str, Any]:
    nr = build_nornir(lab_olt.url, olt_ids=[lab_olt.olt_id])
    with nr:
        result = nr.run(task=discover, database_url=lab_olt.url)
    host_result = next(iter(result.values()))[0]
    assert not host_result.failed, host_result.result
    return dict(host_result.result)


def request(lab_olt: LabOlt, serial: str, kind: JobKind, params: dict[str, Any] | None = None) -> int:
    with session_scope(lab_olt.url) as session:
        onu = session.execute(select(Onu).where(Onu.serial == serial)).scalar_one()
        if kind is JobKind.AUTHORIZE:
            onu.desired = {**onu.desired, "plan_id": lab_olt.plan_id}
            if onu.onu_type_id is None:  # what an operator picks when autofind cannot tell
                onu.onu_type_id = session.execute(select(OnuType.id).where(OnuType.model == "F660")).scalar_one()
        return request_onu_action(session, onu.id, kind, "test", params).id


def run_jobs(lab_olt: LabOlt, *job_ids: int) -> None:
    run_olt_jobs(olt_id=lab_olt.olt_id, job_ids=list(job_ids))


def onu_row(url: str, serial: str) -> Onu:
    with session_scope(url) as session:
        return session.execute(select(Onu).where(Onu.serial == serial)).scalar_one()


def first_port(sim: SimulatedOlt) -> tuple[int, int, int]:
    return sim.ports[0]  # type: ignore[attr-defined,no-any-return]
