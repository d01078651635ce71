"""Dry runs: the commands an action would send, chosen and rendered from the database only,
by the planning function the job itself uses."""

from __future__ import annotations

import socket
from typing import Any

import pytest
from nornir.core.inventory import Host
from sqlalchemy import select

from core.db import session_scope
from core.models import VendorFamily
from lab.register import ensure_reference_data, new_sim, register_olt
from oms.dry_run import dry_run
from oms.errors import Conflict, NotFound, OmsError, PortFull, ProvisioningDataMissing
from oms.models import CliAction, CliTemplate, Job, JobKind, JobStatus, Onu, OnuLifecycle, OnuType, PonPort

SERIAL = "HWTC11E70E9A"


@pytest.fixture(autouse=True)
def no_device_contact(monkeypatch: pytest.MonkeyPatch) -> None:
    """A dry run that tries to reach a device fails the test."""

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("dry run tried to contact a device")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(Host, "open_connection", refuse)
    monkeypatch.setattr(Host, "get_connection", refuse)


def setup_onu(
    url: str, family: VendorFamily = VendorFamily.HUAWEI_SMARTAX, taken: tuple[int, ...] = (), **onu: Any
) -> int:
    """An OLT of `family` (never started), a discovered ONU on its first port with type and plan,
    and ONUs already holding the ONU ids `taken` on that port."""
    with session_scope(url) as session:
        plan = ensure_reference_data(session)
        olt = register_olt(session, new_sim(family, f"DRY-{family.value}"), family, cli_port=1)
        port = olt.pon_ports[0]
        for index in taken:
            session.add(_onu(f"HWTC0000{index:04X}", olt.id, port, OnuLifecycle.ACTIVE, onu_index=index))
        type_id = session.execute(select(OnuType.id).where(OnuType.model == "EG8145V5")).scalar_one()
        fields = {"onu_type_id": type_id, "desired": {"plan_id": plan.id}, **onu}
        state = fields.pop("lifecycle_state", OnuLifecycle.DISCOVERED)
        row = _onu(SERIAL, fields.pop("olt_id", olt.id), port, state, **fields)
        session.add(row)
        session.flush()
        return row.id


def _onu(serial: str, olt_id: int, port: PonPort, state: OnuLifecycle, **fields: Any) -> Onu:
    position = {"olt_id": olt_id, "pon_port_id": port.id}
    return Onu(serial=serial, lifecycle_state=state, **{**position, **fields})


def plan(url: str, onu_id: int, kind: JobKind, params: dict[str, Any] | None = None) -> dict[str, Any]:
    with session_scope(url) as session:
        return dry_run(session, onu_id, kind, params)


def test_authorize_takes_lowest_id_free_in_database_and_renders_compensation(db_url: str) -> None:
    onu_id = setup_onu(db_url, taken=(0, 1, 3))

    result = plan(db_url, onu_id, JobKind.AUTHORIZE)

    assert result["onu_id"] == 2
    assert result["action"] == "authorize" and result["compensation_action"] == "remove"
    assert any("ont add" in c and "4857544311E70E9A" in c and c.split()[3] == "2" for c in result["commands"])
    assert any(c.endswith(" 2") and c.startswith("ont delete") for c in result["compensation"])
    assert "reads the OLT's list" in result["note"]


def test_zte_counts_onu_ids_from_one(db_url: str) -> None:
    onu_id = setup_onu(db_url, VendorFamily.ZTE_C6XX)

    result = plan(db_url, onu_id, JobKind.AUTHORIZE)

    assert result["onu_id"] == 1
    assert any(f"{result['fsp']}:1" in c for c in result["commands"]), result["commands"]


def test_dry_run_changes_nothing(db_url: str) -> None:
    onu_id = setup_onu(db_url)

    plan(db_url, onu_id, JobKind.AUTHORIZE)

    with session_scope(db_url) as session:
        onu = session.get_one(Onu, onu_id)
        assert (onu.lifecycle_state, onu.onu_index) == (OnuLifecycle.DISCOVERED, None)
        assert session.execute(select(Job)).first() is None


def test_rename_shows_the_new_name(db_url: str) -> None:
    onu_id = setup_onu(db_url, lifecycle_state=OnuLifecycle.ACTIVE, onu_index=7, name="old")

    result = plan(db_url, onu_id, JobKind.RENAME, {"name": "new", "description": 'Jane "Doe"\nquit'})

    assert result["onu_id"] == 7
    assert result["compensation_action"] == "rename", "a partial rename is undone by renaming back"
    assert any('desc "old"' in c for c in result["compensation"])
    desc = next(c for c in result["commands"] if "desc" in c)
    assert desc.endswith('desc "Jane Doe quit"'), "description made CLI-safe, no injected line"


def test_full_port_is_refused(db_url: str) -> None:
    onu_id = setup_onu(db_url, taken=(0, 1))
    with session_scope(db_url) as session:
        session.get_one(Onu, onu_id).pon_port.max_onus = 2  # type: ignore[union-attr]

    with pytest.raises(PortFull, match="is full"):
        plan(db_url, onu_id, JobKind.AUTHORIZE)


@pytest.mark.parametrize(
    ("change", "error", "message"),
    [
        ({"onu_type_id": None}, ProvisioningDataMissing, "has no ONU type"),
        ({"desired": {}}, ProvisioningDataMissing, "has no service plan"),
        ({"lifecycle_state": OnuLifecycle.ACTIVE, "onu_index": 0}, Conflict, "it is active"),
        ({"pon_port_id": None, "olt_id": None}, Conflict, "has not been seen"),
    ],
)
def test_refusals_name_what_to_fix(
    db_url: str, change: dict[str, Any], error: type[OmsError], message: str
) -> None:
    onu_id = setup_onu(db_url, **change)

    with pytest.raises(error, match=message):
        plan(db_url, onu_id, JobKind.AUTHORIZE)


def test_open_job_unknown_onu_missing_template_and_non_cli_kind(db_url: str) -> None:
    onu_id = setup_onu(db_url)
    with pytest.raises(NotFound):
        plan(db_url, onu_id + 100, JobKind.AUTHORIZE)
    with pytest.raises(OmsError, match="not an ONU action"):
        plan(db_url, onu_id, JobKind.DISCOVER)
    with session_scope(db_url) as session:
        session.execute(
            CliTemplate.__table__.delete().where(
                CliTemplate.vendor_family == VendorFamily.HUAWEI_SMARTAX,
                CliTemplate.action == CliAction.REMOVE,
            )
        )
    with pytest.raises(ProvisioningDataMissing, match="no CLI template for huawei_smartax / remove"):
        plan(db_url, onu_id, JobKind.AUTHORIZE)
    with session_scope(db_url) as session:
        session.add(Job(kind=JobKind.REBOOT, status=JobStatus.QUEUED, onu_id=onu_id))
    with pytest.raises(Conflict, match="already has job"):
        plan(db_url, onu_id, JobKind.AUTHORIZE)


def test_authorization_is_undone_by_the_remove_template() -> None:
    """What undoes each action is OMS knowledge, the same for every family (oms.actions)."""
    from oms.actions import COMPENSATION_OF

    assert COMPENSATION_OF[CliAction.AUTHORIZE] == (CliAction.REMOVE,)
