"""Monitoring read API: OLT health with ONU counts, ONU readings with filters and ages, history."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, select, text

from core.db import get_engine, session_scope
from core.models import Setting, Vendor
from oms.models import (
    Olt,
    OltBoard,
    OltSnmpSettings,
    Onu,
    OnuLifecycle,
    OnuSample,
    OnuStatus,
    PollClass,
    PollStatus,
    PonPort,
    Zone,
)
from oms.monitoring import queries
from oms.monitoring.collector import PollResult
from oms.monitoring.indexes import Position
from oms.monitoring.oidmap import Reading
from oms.monitoring.store import store_poll_result
from tests.fixtures import api_client

ACTIVE, SUSPENDED = OnuLifecycle.ACTIVE, OnuLifecycle.SUSPENDED


@dataclass
class Net:
    """Ids of the rows `net` created."""

    olts: dict[str, int]
    ports: dict[str, int]
    onus: dict[str, int]


@pytest.fixture
def client(db_url: str) -> TestClient:
    return api_client(db_url)


def _olt(session: Any, name: str, vendor_slug: str, family: str, zone: Zone | None) -> Olt:
    vendor = session.execute(select(Vendor).where(Vendor.slug == vendor_slug)).scalar_one()
    olt = Olt(
        name=name,
        vendor=vendor,
        family=family,
        model="lab",
        zone=zone,
        mgmt_host="192.0.2.1",
        username="u",
        password="p",
    )
    session.add(olt)
    return olt


def _onu(
    serial: str, port: PonPort, index: int | None, status: OnuStatus, rx: float | None, **kw: Any
) -> Onu:
    return Onu(
        serial=serial,
        olt=port.olt,
        pon_port=port,
        onu_index=index,
        status=status,
        rx_dbm=rx,
        lifecycle_state=kw.pop("lifecycle_state", ACTIVE),
        **kw,
    )


@pytest.fixture
def net(db_url: str) -> Net:
    """hw-a (zone north): 5 monitored ONUs + 1 discovered; zte-b (zone south): 2; hw-c: none."""
    with session_scope(db_url) as session:
        north, south = Zone(name="north"), Zone(name="south")
        hw_a = _olt(session, "hw-a", "huawei", "huawei_smartax", north)
        zte_b = _olt(session, "zte-b", "zte", "zte_c3xx", south)
        _olt(session, "hw-c", "huawei", "huawei_smartax", None)
        ports = {
            "a0": PonPort(olt=hw_a, frame=0, slot=1, port=0, oper_status="up", tx_power_dbm=4.5),
            "a1": PonPort(olt=hw_a, frame=0, slot=1, port=1),
            "b0": PonPort(olt=zte_b, frame=1, slot=1, port=1),
        }
        onus = {
            "a_ok": _onu("HWTC00000001", ports["a0"], 0, OnuStatus.ONLINE, -20.0),
            "a_weak": _onu("HWTC00000002", ports["a0"], 1, OnuStatus.ONLINE, -28.0),
            "a_los": _onu("HWTC00000003", ports["a0"], 2, OnuStatus.LOS, -29.0, last_down_cause="los"),
            "a_gasp": _onu("HWTC00000004", ports["a1"], 0, OnuStatus.DYING_GASP, None),
            "a_susp": _onu(
                "HWTC00000005", ports["a1"], 1, OnuStatus.ONLINE, -26.5, lifecycle_state=SUSPENDED
            ),
            "a_found": _onu(
                "HWTC00000006",
                ports["a1"],
                None,
                OnuStatus.UNKNOWN,
                -30.0,
                lifecycle_state=OnuLifecycle.DISCOVERED,
            ),
            "b_unk": _onu("ZTEGC0000001", ports["b0"], 1, OnuStatus.UNKNOWN, None),
            "b_ok": _onu("ZTEGC0000002", ports["b0"], 2, OnuStatus.ONLINE, -15.0),
        }
        session.add_all([*ports.values(), *onus.values()])
        session.add(OltBoard(olt=hw_a, frame=0, slot=1, board_type="GPHF", status="normal"))
        session.add(OltSnmpSettings(olt=hw_a, community="public", enabled=True))
        session.flush()
        olts = {o.name: o.id for o in session.execute(select(Olt)).scalars()}
        return Net(olts, {k: p.id for k, p in ports.items()}, {k: o.id for k, o in onus.items()})


def _counts(row: dict[str, Any]) -> tuple[int, ...]:
    return tuple(row[name] for name in queries.COUNT_NAMES)


def test_olt_overview_counts_health_and_threshold_override(client: TestClient, db_url: str, net: Net) -> None:
    with session_scope(db_url) as session:
        hw_a = session.get_one(Olt, net.olts["hw-a"])
        hw_a.sys_name, hw_a.cpu_pct, hw_a.temperature_c = "HW-A", 12.0, 41.0
        hw_a.last_poll_status, hw_a.last_poll_error = PollStatus.PARTIAL, "hw-a: onu_tx_power: timeout"

    body = client.get("/monitoring/olts").json()
    assert body["low_signal_dbm"] == -27.0  # the seeded monitoring.low_signal_dbm
    by_name = {o["name"]: o for o in body["olts"]}
    assert list(by_name) == ["hw-a", "hw-c", "zte-b"]
    # total, online, offline (every down state), los, dying gasp, unknown, low signal (online only)
    assert _counts(by_name["hw-a"]) == (5, 3, 2, 1, 1, 0, 1)
    assert _counts(by_name["zte-b"]) == (2, 1, 0, 0, 0, 1, 0)
    assert _counts(by_name["hw-c"]) == (0, 0, 0, 0, 0, 0, 0)
    hw_a_row = by_name["hw-a"]
    assert (hw_a_row["sys_name"], hw_a_row["cpu_pct"], hw_a_row["temperature_c"]) == ("HW-A", 12.0, 41.0)
    assert (hw_a_row["last_poll_status"], hw_a_row["last_poll_error"]) == (
        "partial",
        "hw-a: onu_tx_power: timeout",
    )
    assert (hw_a_row["zone"], hw_a_row["snmp_enabled"], by_name["zte-b"]["snmp_enabled"]) == (
        "north",
        True,
        False,
    )

    overridden = client.get("/monitoring/olts", params={"low_signal_dbm": -26}).json()
    assert overridden["low_signal_dbm"] == -26.0
    assert {o["name"]: o["onus_low_signal"] for o in overridden["olts"]} == {"hw-a": 2, "hw-c": 0, "zte-b": 0}
    assert [o["name"] for o in client.get("/monitoring/olts", params={"zone": "south"}).json()["olts"]] == [
        "zte-b"
    ]
    assert client.get("/monitoring/olts", params={"low_signal": -26}).status_code == 422, "unknown filter"
    assert client.get("/monitoring/olts", params={"low_signal_dbm": -61}).status_code == 422


def test_the_threshold_setting_is_read_from_system_settings(
    client: TestClient, db_url: str, net: Net
) -> None:
    with session_scope(db_url) as session:
        session.get_one(Setting, queries.LOW_SIGNAL_SETTING).value = -19.0
    body = client.get("/monitoring/olts").json()
    assert body["low_signal_dbm"] == -19.0
    assert {o["name"]: o["onus_low_signal"] for o in body["olts"]} == {"hw-a": 3, "hw-c": 0, "zte-b": 0}


def test_the_overview_is_one_statement_whatever_the_number_of_olts(db_url: str, net: Net) -> None:
    statements: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    engine = get_engine(db_url)
    event.listen(engine, "before_cursor_execute", count)
    try:
        with session_scope(db_url) as session:
            rows = queries.olt_overview(session, -27.0)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert len(rows) == 3
    assert len([s for s in statements if s.lstrip().upper().startswith("SELECT")]) == 1


def test_olt_detail_has_ports_with_counts_and_boards(client: TestClient, net: Net) -> None:
    detail = client.get(f"/monitoring/olts/{net.olts['hw-a']}").json()
    assert _counts(detail) == (5, 3, 2, 1, 1, 0, 1)
    ports = {p["fsp"]: p for p in detail["pon_ports"]}
    assert list(ports) == ["0/1/0", "0/1/1"]
    assert (ports["0/1/0"]["oper_status"], ports["0/1/0"]["tx_power_dbm"]) == ("up", 4.5)
    assert _counts(ports["0/1/0"]) == (3, 2, 1, 1, 0, 0, 1)
    assert _counts(ports["0/1/1"]) == (2, 1, 1, 0, 1, 0, 0)  # the discovered ONU is not counted
    assert [(b["slot"], b["board_type"], b["status"]) for b in detail["boards"]] == [(1, "GPHF", "normal")]

    missing = client.get("/monitoring/olts/999999")
    assert missing.status_code == 404 and "OLT 999999 does not exist" in missing.text


def _serials(client: TestClient, **params: Any) -> list[str]:
    response = client.get("/monitoring/onus", params=params)
    assert response.status_code == 200, response.text
    return [row["serial"] for row in response.json()["results"]]


def test_onu_filters(client: TestClient, net: Net) -> None:
    hw_a = net.olts["hw-a"]
    assert _serials(client, olt_id=hw_a) == [f"HWTC0000000{i}" for i in range(1, 6)]  # not the discovered one
    assert _serials(client, pon_port_id=net.ports["a1"]) == ["HWTC00000004", "HWTC00000005"]
    assert _serials(client, zone="south") == ["ZTEGC0000001", "ZTEGC0000002"]
    assert _serials(client, zone="nowhere") == []
    assert _serials(client, status=["los", "dying_gasp"]) == ["HWTC00000003", "HWTC00000004"]
    assert _serials(client, status="unknown") == ["ZTEGC0000001"]
    assert _serials(client, offline="true") == ["HWTC00000003", "HWTC00000004"]
    assert _serials(client, offline="true", zone="south") == []
    assert _serials(client, rx_below=-27) == ["HWTC00000002", "HWTC00000003"]
    assert _serials(client, rx_below=-27, status="online") == ["HWTC00000002"]
    assert client.get("/monitoring/onus", params={"status": "sleeping"}).status_code == 422


def test_onu_rows_and_pagination(client: TestClient, net: Net) -> None:
    page = client.get("/monitoring/onus", params={"limit": 2, "offset": 1}).json()
    assert (page["count"], page["limit"], page["offset"]) == (7, 2, 1)
    assert [r["serial"] for r in page["results"]] == ["HWTC00000002", "HWTC00000003"]
    los = page["results"][1]
    assert (
        los["olt"],
        los["fsp"],
        los["onu_index"],
        los["status"],
        los["rx_dbm"],
        los["last_down_cause"],
    ) == (
        "hw-a",
        "0/1/0",
        2,
        "los",
        -29.0,
        "los",
    )
    assert los["status_age_s"] is None and los["optical_age_s"] is None  # never read by a poll
    assert client.get("/monitoring/onus", params={"offset": 7}).json()["results"] == []
    assert client.get("/monitoring/onus", params={"limit": 0}).status_code == 422
    assert client.get("/monitoring/onus", params={"limit": 501}).status_code == 422
    assert client.get("/monitoring/onus", params={"rx": -20}).status_code == 422, "an unknown filter is refused"
    assert client.get("/monitoring/onus").json()["limit"] == 50


def _poll(position: Position, poll_class: PollClass, **readings: Any) -> PollResult:
    started = datetime.now(UTC)
    result = PollResult("hw-a", poll_class.value, started, started)
    result.readings[position] = {metric: Reading(value) for metric, value in readings.items()}
    return result


@pytest.fixture
def polled(db_url: str, net: Net) -> Iterator[datetime]:
    """hw-a's first ONU polled 3 h ago (optical), 90 and 10 minutes ago (status); one sample 30 h old."""
    now = datetime.now(UTC)
    position = Position(0, 1, 0, 0)
    with session_scope(db_url) as session:
        olt_id = net.olts["hw-a"]
        store_poll_result(
            session, olt_id, _poll(position, PollClass.OPTICAL, onu_rx_power=-19.5), now - timedelta(hours=3)
        )
        store_poll_result(
            session,
            olt_id,
            _poll(position, PollClass.STATUS, onu_status="offline", onu_last_down_cause="dying_gasp"),
            now - timedelta(minutes=90),
        )
        store_poll_result(
            session,
            olt_id,
            _poll(position, PollClass.STATUS, onu_status="online"),
            now - timedelta(minutes=10),
        )
        session.add(
            OnuSample(
                onu_id=net.onus["a_ok"], olt_id=olt_id, sampled_at=now - timedelta(hours=30), rx_dbm=-18.0
            )
        )
    yield now


def test_reading_ages_show_how_old_each_value_is(client: TestClient, net: Net, polled: datetime) -> None:
    row = client.get("/monitoring/onus", params={"olt_id": net.olts["hw-a"], "limit": 1}).json()["results"][0]
    assert row["serial"] == "HWTC00000001"
    assert (row["status"], row["rx_dbm"]) == ("online", -19.5)
    assert 600 <= row["status_age_s"] < 660
    assert 3 * 3600 <= row["optical_age_s"] < 3 * 3600 + 60
    # back online 10 minutes ago, after the dying gasp 90 minutes ago
    changed = datetime.fromisoformat(row["status_changed_at"])
    assert abs((polled - timedelta(minutes=10) - changed).total_seconds()) < 1


def test_history_is_time_ordered_within_the_window(client: TestClient, net: Net, polled: datetime) -> None:
    onu_id = net.onus["a_ok"]
    day = client.get(f"/monitoring/onus/{onu_id}/history").json()
    assert (day["serial"], day["hours"]) == ("HWTC00000001", 24)
    assert [(s["status"], s["rx_dbm"]) for s in day["samples"]] == [
        (None, -19.5),
        ("dying_gasp", None),
        ("online", None),
    ]
    times = [s["sampled_at"] for s in day["samples"]]
    assert times == sorted(times)

    two_hours = client.get(f"/monitoring/onus/{onu_id}/history", params={"hours": 2}).json()
    assert [s["status"] for s in two_hours["samples"]] == ["dying_gasp", "online"]
    week = client.get(f"/monitoring/onus/{onu_id}/history", params={"hours": 168}).json()
    assert [s["rx_dbm"] for s in week["samples"]][0] == -18.0 and len(week["samples"]) == 4

    assert client.get(f"/monitoring/onus/{net.onus['b_ok']}/history").json()["samples"] == []
    assert client.get("/monitoring/onus/999999/history").status_code == 404
    assert client.get(f"/monitoring/onus/{onu_id}/history", params={"hours": 0}).status_code == 422


def test_history_query_is_served_by_the_onu_time_index(db_url: str, net: Net) -> None:
    stmt = queries.history_statement(net.onus["a_ok"], datetime.now(UTC) - timedelta(hours=24))
    with session_scope(db_url) as session:
        conn = session.connection()
        compiled = stmt.compile(dialect=conn.dialect)
        conn.execute(text("SET LOCAL enable_seqscan = off"))  # tiny test tables: force the planner's hand
        plan = "\n".join(row[0] for row in conn.exec_driver_sql(f"EXPLAIN {compiled}", compiled.params))
    assert "ix_onu_samples_onu_id_sampled_at" in plan, plan
    assert "Sort" not in plan, plan  # the index order is the answer order



def test_poll_now_queues_once_under_the_snmp_lock(client: TestClient, db_url: str, net: Net) -> None:
    olt_id = net.olts["hw-a"]
    first = client.post(f"/monitoring/olts/{olt_id}/poll")
    again = client.post(f"/monitoring/olts/{olt_id}/poll")
    missing = client.post("/monitoring/olts/999999/poll")
    assert first.status_code == 202 and first.json()["queued"] is True
    assert again.json()["queued"] is False, "a second identical poll is not piled up"
    assert missing.status_code == 404
    onu_poll = client.post(f"/monitoring/onus/{next(iter(net.onus.values()))}/poll")
    assert onu_poll.status_code == 202 and onu_poll.json()["queued"] is True
    with get_engine(db_url).connect() as conn:
        locks = conn.execute(text("SELECT lock, queueing_lock FROM procrastinate_jobs ORDER BY id")).all()
    assert locks[0] == (f"snmp:{olt_id}", f"snmp:{olt_id}:status")
    assert len(locks) == 2
