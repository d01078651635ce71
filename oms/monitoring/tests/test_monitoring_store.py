"""Writing poll results into PostgreSQL (uses the project's `db_url` fixture)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql

from core.db import session_scope
from core.models import Vendor
from oms.models import Olt, OltBoard, Onu, OnuLifecycle, OnuSample, OnuStatus, PollStatus, PonPort
from oms.monitoring.collector import MetricError, PollResult
from oms.monitoring.indexes import Position
from oms.monitoring.oidmap import Reading
from oms.monitoring.store import prune_history, store_poll_result

T0 = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def olt(db_url):
    """One OLT with PON ports 0/1/0 and 0/1/1 and three active ONUs on 0/1/0 (ids 0, 1, 2)."""
    with session_scope(db_url) as session:
        vendor = Vendor(slug="snmp-test", name="SNMP test", families=["huawei_smartax"])
        olt = Olt(
            name="olt-1",
            vendor=vendor,
            family="huawei_smartax",
            model="MA5800-X7",
            mgmt_host="127.0.0.1",
            username="u",
            password="p",
        )
        ports = [PonPort(olt=olt, frame=0, slot=1, port=p) for p in (0, 1)]
        session.add_all([olt, *ports])
        session.flush()
        onus = [
            Onu(
                serial=f"HWTC0000000{i}",
                olt_id=olt.id,
                pon_port_id=ports[0].id,
                onu_index=i,
                lifecycle_state=OnuLifecycle.ACTIVE,
            )
            for i in range(3)
        ]
        session.add_all(onus)
        session.flush()
        ids = {"olt": olt.id, "onus": [o.id for o in onus], "ports": [p.id for p in ports]}
    return db_url, ids


def result(poll_class: str, readings: dict, errors: list | None = None, at: datetime = T0) -> PollResult:
    wrapped = {
        pos: {m: v if isinstance(v, Reading) else Reading(v) for m, v in ms.items()}
        for pos, ms in readings.items()
    }
    return PollResult(
        "olt-1 (127.0.0.1:161)", poll_class, at, at, wrapped, errors or [], polled_metrics=["x"]
    )


def onu_rows(url):
    with session_scope(url) as session:
        return {o.onu_index: o for o in session.scalars(select(Onu).order_by(Onu.onu_index))}


def test_status_poll_updates_onus_ports_boards_health_and_history(olt):
    url, ids = olt
    poll = result(
        "status",
        {
            Position(0, 1, 0, 0): {"onu_status": "online", "onu_last_down_cause": "dying_gasp"},
            Position(0, 1, 0, 1): {"onu_status": "offline", "onu_last_down_cause": "dying_gasp"},
            Position(0, 1, 0, 2): {"onu_status": "offline", "onu_last_down_cause": "losi_lobi"},
            Position(0, 1, 0): {"pon_port_status": "up"},
            Position(0, 1): {"olt_cpu": 12.0, "olt_temperature": 41.0, "board_status": "1"},
            Position(0, 9): {"olt_cpu": 35.0, "olt_temperature": 39.0},
        },
    )
    with session_scope(url) as session:
        stats = store_poll_result(session, ids["olt"], poll)
    assert (stats.onus_updated, stats.samples_written, stats.ports_updated, stats.boards_written) == (
        3,
        3,
        1,
        1,
    )
    rows = onu_rows(url)
    # Huawei only says "offline"; the cause read in the same poll says why
    assert [rows[i].status for i in range(3)] == [OnuStatus.ONLINE, OnuStatus.DYING_GASP, OnuStatus.LOS]
    assert all(rows[i].status_read_at == T0 and rows[i].status_changed_at == T0 for i in range(3))
    assert rows[0].optical_read_at is None
    with session_scope(url) as session:
        olt_row = session.get(Olt, ids["olt"])
        assert (olt_row.cpu_pct, olt_row.temperature_c, olt_row.health_at) == (35.0, 41.0, T0)
        assert (olt_row.last_poll_status, olt_row.last_poll_error, olt_row.last_status_poll_at) == (
            PollStatus.OK,
            None,
            T0,
        )
        assert session.get(PonPort, ids["ports"][0]).oper_status == "up"
        assert session.scalar(select(OltBoard.status).where(OltBoard.slot == 1)) == "1"
        statuses = session.scalars(select(OnuSample.status).order_by(OnuSample.onu_id)).all()
        assert statuses == [OnuStatus.ONLINE, OnuStatus.DYING_GASP, OnuStatus.LOS]


def test_failed_readings_keep_the_last_good_value_and_its_age(olt):
    url, ids = olt
    first = result(
        "optical",
        {
            Position(0, 1, 0, 0): {"onu_rx_power": -19.5, "onu_tx_power": 2.1, "onu_distance": 1532.0},
            Position(0, 1, 0, 1): {"onu_rx_power": -21.0},
        },
    )
    later = T0 + timedelta(hours=1)
    second = result(
        "optical",
        {
            Position(0, 1, 0, 0): {
                "onu_rx_power": Reading(None, 2147483647, "sentinel"),
                "onu_tx_power": 2.2,
            },
            Position(0, 1, 0, 1): {"onu_rx_power": -22.5},
        },
        errors=[MetricError("onu_olt_rx_power", "1.3.6", "timeout", "no response")],
        at=later,
    )
    with session_scope(url) as session:
        store_poll_result(session, ids["olt"], first)
    with session_scope(url) as session:
        store_poll_result(session, ids["olt"], second)
    rows = onu_rows(url)
    assert (rows[0].rx_dbm, rows[0].tx_dbm, rows[0].distance_m) == (-19.5, 2.2, 1532)
    assert rows[1].rx_dbm == -22.5 and rows[1].optical_read_at == later
    assert rows[2].rx_dbm is None and rows[2].optical_read_at is None
    with session_scope(url) as session:
        olt_row = session.get(Olt, ids["olt"])
        assert olt_row.last_poll_status is PollStatus.PARTIAL
        assert "onu_olt_rx_power" in olt_row.last_poll_error and "timeout" in olt_row.last_poll_error
        assert olt_row.last_optical_poll_at == later
        assert session.scalar(select(func.count()).select_from(OnuSample)) == 4


def test_status_change_time_moves_only_on_change(olt):
    url, ids = olt
    for minute, state in ((0, "online"), (5, "online"), (10, "offline")):
        poll = result(
            "status", {Position(0, 1, 0, 0): {"onu_status": state}}, at=T0 + timedelta(minutes=minute)
        )
        with session_scope(url) as session:
            store_poll_result(session, ids["olt"], poll)
        row = onu_rows(url)[0]
        expected_change = T0 if minute < 10 else T0 + timedelta(minutes=10)
        assert row.status_changed_at == expected_change
        assert row.status_read_at == T0 + timedelta(minutes=minute)


def test_readings_for_unknown_positions_are_counted_not_fatal(olt):
    url, ids = olt
    poll = result(
        "status",
        {
            Position(0, 1, 0, 0): {"onu_status": "online", "onu_serial": "HWTC99999999"},
            Position(0, 1, 0, 77): {"onu_status": "online"},  # no such ONU id
            Position(0, 3, 5, 1): {"onu_status": "online"},  # no such port
            Position(0, 3, 5): {"pon_port_status": "down"},
        },
    )
    with session_scope(url) as session:
        stats = store_poll_result(session, ids["olt"], poll)
    assert stats.onus_updated == 1
    assert stats.unmatched_positions == 3
    assert stats.unmatched_examples == ["0/1/0/77", "0/3/5/1", "0/3/5"]
    assert stats.serial_mismatches == [(ids["onus"][0], "HWTC00000000", "HWTC99999999")]


def test_failed_poll_is_recorded_against_the_olt_and_touches_no_onu(olt):
    url, ids = olt
    failed = result(
        "status", {}, errors=[MetricError("onu_status", "1.3.6", "timeout", "no response from olt-1")]
    )
    with session_scope(url) as session:
        store_poll_result(session, ids["olt"], failed)
    with session_scope(url) as session:
        olt_row = session.get(Olt, ids["olt"])
        assert olt_row.last_poll_status is PollStatus.ERROR
        assert olt_row.last_poll_error.startswith("olt-1 (127.0.0.1:161): onu_status (1.3.6): timeout")
    assert all(
        row.status is OnuStatus.UNKNOWN and row.status_read_at is None for row in onu_rows(url).values()
    )


def test_history_is_written_in_one_statement_per_table_and_pruned(olt, monkeypatch):
    url, ids = olt
    import oms.monitoring.store as store

    statements = []
    with session_scope(url) as session:
        real_execute = session.execute
        monkeypatch.setattr(
            session, "execute", lambda stmt, *a, **k: statements.append(stmt) or real_execute(stmt, *a, **k)
        )
        poll = result("optical", {Position(0, 1, 0, i): {"onu_rx_power": -20.0 - i} for i in range(3)}, at=T0)
        store.store_poll_result(session, ids["olt"], poll)
    # two look-ups, then one UPDATE for all ONUs, one INSERT for all samples, one UPDATE of the OLT
    assert [type(s).__name__ for s in statements] == ["Select", "Select", "Update", "Insert", "Update"]
    sql = str(statements[2].compile(dialect=postgresql.dialect()))
    assert sql.startswith("UPDATE onus SET") and "FROM (VALUES" in sql
    with session_scope(url) as session:
        session.add(OnuSample(onu_id=ids["onus"][0], olt_id=ids["olt"], sampled_at=T0 - timedelta(days=40)))
    with session_scope(url) as session:
        assert prune_history(session, 30, now=T0) == 1
        assert session.scalar(select(func.count()).select_from(OnuSample)) == 3
    with pytest.raises(ValueError), session_scope(url) as session:
        prune_history(session, 0)
