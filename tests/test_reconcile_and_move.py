"""Reconcile: report, then repair the database against the OLT's real list, over
real SSH for each vendor family."""

from __future__ import annotations

from nornir.core.task import Result, Task
from sqlalchemy import select

from core.db import session_scope
from oms.models import CliTemplate, JobKind, Onu, OnuLifecycle
from oms.provisioning_context import build_context
from tasks.nornir_factory import build_nornir
from tests.lab_fixtures import LabOlt, discover_now, first_port, onu_row, reconcile_report, request, run_jobs
from vendor_cli.render import render_cli
from vendor_cli.session import NornirDeviceSession

SECOND = {"huawei_smartax": "HWTC00C0FFEE", "zte_c3xx": "ZTEGC00C0FEE", "zte_c6xx": "ZTEGD00C0FEE"}


def authorized(lab_olt: LabOlt, *serials: str) -> None:
    for serial in serials:
        lab_olt.sim.plug_onu(*first_port(lab_olt.sim), serial)  # type: ignore[attr-defined]
    discover_now(lab_olt)
    for serial in serials:
        run_jobs(lab_olt, request(lab_olt, serial, JobKind.AUTHORIZE))
        assert onu_row(lab_olt.url, serial).lifecycle_state is OnuLifecycle.ACTIVE


def remove_by_hand(lab_olt: LabOlt, serial: str) -> None:
    """What an engineer typing on the OLT would do, bypassing ponstack."""
    with session_scope(lab_olt.url) as session:
        onu = session.execute(select(Onu).where(Onu.serial == serial)).scalar_one()
        context = build_context(session, onu, "remove")
        body = session.execute(
            select(CliTemplate.body).where(CliTemplate.vendor_family == lab_olt.family, CliTemplate.action == "remove")
        ).scalar_one()

    def type_it(task: Task) -> Result:
        NornirDeviceSession(task).send(render_cli(body, context))
        return Result(host=task.host)

    nr = build_nornir(lab_olt.url, olt_ids=[lab_olt.olt_id])
    with nr:
        assert not nr.run(task=type_it).failed


def reconcile(lab_olt: LabOlt, repair: bool) -> dict:
    return reconcile_report(lab_olt.url, lab_olt.olt_id, repair)


def test_reconcile_reports_then_repairs(lab_olt: LabOlt) -> None:
    first = {"huawei_smartax": "HWTC11E70E9A", "zte_c3xx": "ZTEGC0000001", "zte_c6xx": "ZTEGD0000001"}
    a, b = first[lab_olt.family.value], SECOND[lab_olt.family.value]
    authorized(lab_olt, a, b)
    a_index = onu_row(lab_olt.url, a).onu_index
    remove_by_hand(lab_olt, b)
    with session_scope(lab_olt.url) as session:
        session.delete(session.execute(select(Onu).where(Onu.serial == a)).scalar_one())

    report = reconcile(lab_olt, repair=False)
    assert any(b in item for item in report["only_in_db"]), report
    assert any(a in item for item in report["only_on_olt"]), report
    assert onu_row(lab_olt.url, b).lifecycle_state is OnuLifecycle.ACTIVE, "a report changes nothing"

    repaired = reconcile(lab_olt, repair=True)
    assert repaired["repaired"] is True
    imported = onu_row(lab_olt.url, a)
    assert imported.lifecycle_state is OnuLifecycle.ACTIVE and imported.onu_index == a_index
    missing = onu_row(lab_olt.url, b)
    assert missing.lifecycle_state is OnuLifecycle.FAILED and "reconcile" in (missing.failure_reason or "")
    again = reconcile(lab_olt, repair=False)
    assert again["only_in_db"] == [] and again["only_on_olt"] == [] and again["in_agreement"] == 1
