"""Every ONU job kind end to end over real SSH on each vendor family: the job's
plan is pushed, read back, committed, and a reconcile then finds the database and
the simulated OLT in agreement."""

from __future__ import annotations

from typing import Any

from core.models import VendorFamily
from oms.models import JobKind, JobStatus, OnuLifecycle
from tests.lab_fixtures import LabOlt, act, assert_in_agreement, discover_now, first_port, onu_row

SERIALS = {
    VendorFamily.HUAWEI_SMARTAX: ("HWTC11E70E9A", "HWTCDE135E2D"),
    VendorFamily.ZTE_C3XX: ("ZTEGC0000001", "ZTEGC0000002"),
    VendorFamily.ZTE_C6XX: ("ZTEGD0000001", "ZTEGD0000002"),
}


def on_olt(lab_olt: LabOlt) -> dict[str, dict[str, Any]]:
    return {o["serial"]: o for o in lab_olt.sim.configured_onus()}  # type: ignore[attr-defined]


def authorized(lab_olt: LabOlt, serial: str) -> None:
    lab_olt.sim.plug_onu(*first_port(lab_olt.sim), serial)  # type: ignore[attr-defined]
    discover_now(lab_olt)
    job = act(lab_olt, serial, JobKind.AUTHORIZE)
    assert job.status is JobStatus.SUCCEEDED, (job.error, [(s.name, s.error, s.output) for s in job.steps])


def succeeded(job: Any) -> None:
    assert job.status is JobStatus.SUCCEEDED, (job.error, [(s.name, s.error, s.output) for s in job.steps])
    assert any(s.name == "read onu" for s in job.steps), "every action is verified by reading the ONU back"


def test_suspend_then_resume(lab_olt: LabOlt) -> None:
    serial = SERIALS[lab_olt.family][0]
    authorized(lab_olt, serial)

    succeeded(act(lab_olt, serial, JobKind.SUSPEND))
    assert onu_row(lab_olt.url, serial).lifecycle_state is OnuLifecycle.SUSPENDED
    assert on_olt(lab_olt)[serial]["admin_enabled"] is False
    assert_in_agreement(lab_olt.url, lab_olt.olt_id)

    succeeded(act(lab_olt, serial, JobKind.RESUME))
    assert onu_row(lab_olt.url, serial).lifecycle_state is OnuLifecycle.ACTIVE
    assert on_olt(lab_olt)[serial]["admin_enabled"] is True
    assert_in_agreement(lab_olt.url, lab_olt.olt_id)


def test_rename_pushes_what_the_family_can_carry(lab_olt: LabOlt) -> None:
    serial = SERIALS[lab_olt.family][0]
    authorized(lab_olt, serial)

    job = act(lab_olt, serial, JobKind.RENAME, {"name": "Jane Doe", "description": "Main St 12"})
    succeeded(job)
    row = onu_row(lab_olt.url, serial)
    assert (row.name, row.description) == ("Jane Doe", "Main St 12"), "the database keeps what the operator typed"
    device = on_olt(lab_olt)[serial]
    if lab_olt.family is VendorFamily.HUAWEI_SMARTAX:
        assert device["description"] == "Main St 12"
    else:  # a ZTE name is one word: the space is carried as an underscore
        assert (device["name"], device["description"]) == ("Jane_Doe", "Main St 12")
    assert_in_agreement(lab_olt.url, lab_olt.olt_id)


def test_replace_serial_keeps_the_onu_id(lab_olt: LabOlt) -> None:
    old, new = SERIALS[lab_olt.family]
    authorized(lab_olt, old)
    onu_id = onu_row(lab_olt.url, old).onu_index
    lab_olt.sim.unplug_onu(old)  # type: ignore[attr-defined]
    lab_olt.sim.plug_onu(*first_port(lab_olt.sim), new)  # type: ignore[attr-defined]
    discover_now(lab_olt)  # the technician's new unit shows up in autofind first

    succeeded(act(lab_olt, old, JobKind.REPLACE, {"new": {"serial": new}}))
    row = onu_row(lab_olt.url, new)
    assert (row.lifecycle_state, row.onu_index) == (OnuLifecycle.ACTIVE, onu_id)
    assert new in on_olt(lab_olt) and old not in on_olt(lab_olt)
    assert_in_agreement(lab_olt.url, lab_olt.olt_id)


def test_move_to_another_port(lab_olt: LabOlt) -> None:
    serial = SERIALS[lab_olt.family][0]
    authorized(lab_olt, serial)
    frame, slot, port = lab_olt.sim.ports[1]  # type: ignore[attr-defined]

    succeeded(act(lab_olt, serial, JobKind.MOVE, {"new": {"frame": frame, "slot": slot, "port": port}}))
    device = on_olt(lab_olt)[serial]
    assert (device["frame"], device["slot"], device["port"]) == (frame, slot, port)
    assert onu_row(lab_olt.url, serial).onu_index == device["onu_id"]
    assert_in_agreement(lab_olt.url, lab_olt.olt_id)


def test_reboot_is_confirmed_by_the_onu_restarting(lab_olt: LabOlt) -> None:
    serial = SERIALS[lab_olt.family][0]
    authorized(lab_olt, serial)

    job = act(lab_olt, serial, JobKind.REBOOT)
    assert job.status is JobStatus.SUCCEEDED, job.error
    watch = next(s for s in job.steps if s.name == "watch restart")
    states = [line.split()[-1] for line in watch.output.splitlines()]
    assert states[0] != "online" and states[-1] == "online", "seen going offline, then back online"
    assert "restart seen" in " ".join(job.result["notes"])
    assert onu_row(lab_olt.url, serial).lifecycle_state is OnuLifecycle.ACTIVE


def test_remove_then_authorize_again(lab_olt: LabOlt) -> None:
    serial = SERIALS[lab_olt.family][0]
    authorized(lab_olt, serial)

    succeeded(act(lab_olt, serial, JobKind.REMOVE))
    assert onu_row(lab_olt.url, serial).lifecycle_state is OnuLifecycle.REMOVED
    assert serial not in on_olt(lab_olt)
    assert discover_now(lab_olt)["found"] == 1, "a removed ONU shows up in autofind again"
    assert act(lab_olt, serial, JobKind.AUTHORIZE).status is JobStatus.SUCCEEDED
    assert_in_agreement(lab_olt.url, lab_olt.olt_id)


def test_a_run_that_changed_the_olt_saves_its_configuration(lab_olt: LabOlt) -> None:
    serial = SERIALS[lab_olt.family][0]
    lab_olt.sim.plug_onu(*first_port(lab_olt.sim), serial)  # type: ignore[attr-defined]
    discover_now(lab_olt)
    saves = lab_olt.sim.saves  # type: ignore[attr-defined]

    job = act(lab_olt, serial, JobKind.AUTHORIZE)
    assert job.status is JobStatus.SUCCEEDED
    save = next(s for s in job.steps if s.name == "save configuration")
    assert save.commands == (["save"] if lab_olt.family is VendorFamily.HUAWEI_SMARTAX else ["write"])
    assert job.result["configuration_saved"] is True
    assert lab_olt.sim.saves == saves + 1 and not lab_olt.sim.unsaved_changes  # type: ignore[attr-defined]
