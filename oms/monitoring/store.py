"""Write a PollResult for one OLT into the database, in a few batched statements.

ONU rows get the latest reading (one `UPDATE ... FROM (VALUES ...)`), history
goes to onu_samples (one multi-row INSERT), ports and boards likewise. A
reading without a value (sentinel, out of range, failed column) never
overwrites the last good one, so the ONU keeps it together with its age
(status_read_at / optical_read_at). Statements are only split when one would
exceed PostgreSQL's 65535 bind parameters (about 9000 ONUs).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Float, Integer, String, case, cast, column, delete, func, select, update, values
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session

from oms.models import Olt, OltBoard, Onu, OnuSample, OnuStatus, PollClass, PonPort
from oms.monitoring.collector import PollResult
from oms.monitoring.indexes import Position
from oms.monitoring.oidmap import Reading

MAX_BIND_PARAMS = 65_000

#: last down causes that tell why an ONU is offline (Huawei's run status only says online/offline)
CAUSE_TO_STATUS = {
    "los": OnuStatus.LOS,
    "losi": OnuStatus.LOS,
    "losi_lobi": OnuStatus.LOS,
    "lofi": OnuStatus.LOS,
    "dying_gasp": OnuStatus.DYING_GASP,
    "power_off": OnuStatus.POWER_OFF,
}
_OPTICAL = {"onu_rx_power": "rx_dbm", "onu_tx_power": "tx_dbm", "onu_olt_rx_power": "olt_rx_dbm"}


@dataclass
class StoreStats:
    onus_updated: int = 0
    samples_written: int = 0
    ports_updated: int = 0
    boards_written: int = 0
    #: readings whose position matches no ONU / PON port of this OLT (reported, not fatal)
    unmatched_positions: int = 0
    unmatched_examples: list[str] = field(default_factory=list)
    serial_mismatches: list[tuple[int, str, str]] = field(default_factory=list)  # onu id, ours, device's


def _value(metrics: dict[str, Reading], metric: str) -> Any:
    reading = metrics.get(metric)
    return None if reading is None else reading.value


def effective_status(metrics: dict[str, Reading]) -> str | None:
    """The ONU status of one poll; a plain 'offline' is refined by a cause read in the same poll."""
    status = _value(metrics, "onu_status")
    if status == OnuStatus.OFFLINE.value:
        cause = CAUSE_TO_STATUS.get(str(_value(metrics, "onu_last_down_cause")))
        return cause.value if cause else status
    return status


def _chunks(rows: Sequence[dict[str, Any]], width: int) -> Iterable[Sequence[dict[str, Any]]]:
    size = max(1, MAX_BIND_PARAMS // max(1, width))
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def _onu_positions(session: Session, olt_id: int) -> dict[Position, tuple[int, str, str]]:
    rows = session.execute(
        select(PonPort.frame, PonPort.slot, PonPort.port, Onu.onu_index, Onu.id, Onu.status, Onu.serial)
        .join(Onu, Onu.pon_port_id == PonPort.id)
        .where(PonPort.olt_id == olt_id, Onu.onu_index.is_not(None))
    )
    return {
        Position(f, s, p, i): (onu_id, str(status), serial) for f, s, p, i, onu_id, status, serial in rows
    }


def _port_ids(session: Session, olt_id: int) -> dict[Position, int]:
    rows = session.execute(
        select(PonPort.frame, PonPort.slot, PonPort.port, PonPort.id).where(PonPort.olt_id == olt_id)
    )
    return {Position(f, s, p): port_id for f, s, p, port_id in rows}


def _onu_row(onu_id: int, metrics: dict[str, Reading]) -> dict[str, Any]:
    distance = _value(metrics, "onu_distance")
    return {
        "id": onu_id,
        "status": effective_status(metrics),
        "rx_dbm": _value(metrics, "onu_rx_power"),
        "tx_dbm": _value(metrics, "onu_tx_power"),
        "olt_rx_dbm": _value(metrics, "onu_olt_rx_power"),
        "distance_m": None if distance is None else int(distance),
        "last_down_cause": _value(metrics, "onu_last_down_cause"),
    }


def _has_reading(row: dict[str, Any]) -> bool:
    return any(row[key] is not None for key in row if key != "id")


def _update_onus(session: Session, rows: Sequence[dict[str, Any]], now: datetime) -> None:
    for chunk in _chunks(rows, 7):
        v = values(
            column("id", Integer),
            column("status", String),
            column("rx_dbm", Float),
            column("tx_dbm", Float),
            column("olt_rx_dbm", Float),
            column("distance_m", Integer),
            column("last_down_cause", String),
            name="v",
        ).data([tuple(row.values()) for row in chunk])
        new_status = cast(v.c.status, String)
        optical = func.coalesce(
            cast(v.c.rx_dbm, Float),
            cast(v.c.tx_dbm, Float),
            cast(v.c.olt_rx_dbm, Float),
            cast(v.c.distance_m, Float),
        )
        stmt = (
            update(Onu)
            .where(Onu.id == v.c.id)
            .values(
                status=func.coalesce(new_status, Onu.status),
                status_changed_at=case(
                    (new_status.is_not(None) & (new_status != Onu.status), now), else_=Onu.status_changed_at
                ),
                status_read_at=case((new_status.is_not(None), now), else_=Onu.status_read_at),
                rx_dbm=func.coalesce(cast(v.c.rx_dbm, Float), Onu.rx_dbm),
                tx_dbm=func.coalesce(cast(v.c.tx_dbm, Float), Onu.tx_dbm),
                olt_rx_dbm=func.coalesce(cast(v.c.olt_rx_dbm, Float), Onu.olt_rx_dbm),
                distance_m=func.coalesce(cast(v.c.distance_m, Integer), Onu.distance_m),
                last_down_cause=func.coalesce(cast(v.c.last_down_cause, String), Onu.last_down_cause),
                optical_read_at=case((optical.is_not(None), now), else_=Onu.optical_read_at),
            )
            .execution_options(synchronize_session=False)
        )
        session.execute(stmt)


def _insert_samples(session: Session, olt_id: int, rows: Sequence[dict[str, Any]], now: datetime) -> int:
    samples = [
        {
            "onu_id": row["id"],
            "olt_id": olt_id,
            "sampled_at": now,
            "status": row["status"],
            "rx_dbm": row["rx_dbm"],
            "tx_dbm": row["tx_dbm"],
            "olt_rx_dbm": row["olt_rx_dbm"],
            "distance_m": row["distance_m"],
        }
        for row in rows
        if any(row[k] is not None for k in ("status", "rx_dbm", "tx_dbm", "olt_rx_dbm", "distance_m"))
    ]
    for chunk in _chunks(samples, 8):
        session.execute(pg_insert(OnuSample).values(list(chunk)))
    return len(samples)


def _update_ports(session: Session, rows: Sequence[dict[str, Any]], now: datetime) -> None:
    if not rows:
        return
    v = values(
        column("id", Integer), column("oper_status", String), column("tx_power_dbm", Float), name="v"
    ).data([(r["id"], r["oper_status"], r["tx_power_dbm"]) for r in rows])
    status = cast(v.c.oper_status, String)
    session.execute(
        update(PonPort)
        .where(PonPort.id == v.c.id)
        .values(
            oper_status=func.coalesce(status, PonPort.oper_status),
            tx_power_dbm=func.coalesce(cast(v.c.tx_power_dbm, Float), PonPort.tx_power_dbm),
            status_at=case((status.is_not(None), now), else_=PonPort.status_at),
        )
        .execution_options(synchronize_session=False)
    )


def _upsert_boards(session: Session, olt_id: int, boards: dict[Position, str]) -> None:
    if not boards:
        return
    stmt = pg_insert(OltBoard).values(
        [
            {"olt_id": olt_id, "frame": p.frame, "slot": p.slot, "status": status}
            for p, status in boards.items()
        ]
    )
    session.execute(
        stmt.on_conflict_do_update(
            index_elements=[OltBoard.olt_id, OltBoard.frame, OltBoard.slot],
            set_={"status": stmt.excluded.status, "updated_at": func.now()},
        )
    )


def _note_unmatched(stats: StoreStats, position: Position) -> None:
    stats.unmatched_positions += 1
    if len(stats.unmatched_examples) < 10:
        stats.unmatched_examples.append("/".join(str(x) for x in position if x is not None))


def _olt_health(result: PollResult) -> dict[str, float]:
    health: dict[str, float] = {}
    for metric, attribute in (("olt_cpu", "cpu_pct"), ("olt_temperature", "temperature_c")):
        found = [
            float(value)
            for m in result.readings.values()
            if metric in m and isinstance(value := m[metric].value, int | float)
        ]
        if found:
            health[attribute] = max(found)  # busiest / hottest board speaks for the OLT
    return health


def _record_olt(session: Session, olt_id: int, result: PollResult, now: datetime) -> None:
    fields: dict[str, Any] = {
        "last_poll_status": result.status,
        "last_poll_error": result.error_text(),
        "last_poll_at": now,
    }
    if result.poll_class == PollClass.STATUS.value:
        fields["last_status_poll_at"] = now
    elif result.poll_class == PollClass.OPTICAL.value:
        fields["last_optical_poll_at"] = now
    health = _olt_health(result)
    if health:
        fields.update(health, health_at=now)
    session.execute(update(Olt).where(Olt.id == olt_id).values(**fields))


def store_poll_result(
    session: Session, olt_id: int, result: PollResult, now: datetime | None = None
) -> StoreStats:
    """Apply one OLT's poll to its ONUs, ports, boards, history and poll status (caller commits)."""
    now = now or result.finished_at or datetime.now(UTC)
    stats = StoreStats()
    onus = _onu_positions(session, olt_id)
    ports = _port_ids(session, olt_id)
    onu_rows: list[dict[str, Any]] = []
    port_rows: list[dict[str, Any]] = []
    boards: dict[Position, str] = {}
    for position, metrics in result.readings.items():
        if position.onu_id is not None:
            known = onus.get(position)
            if known is None:
                _note_unmatched(stats, position)
                continue
            row = _onu_row(known[0], metrics)
            serial = _value(metrics, "onu_serial")
            if serial and serial != known[2]:
                stats.serial_mismatches.append((known[0], known[2], str(serial)))
            if _has_reading(row):
                onu_rows.append(row)
        elif position.port is not None:
            port_id = ports.get(position)
            if port_id is None:
                _note_unmatched(stats, position)
                continue
            status, tx = _value(metrics, "pon_port_status"), _value(metrics, "pon_port_tx_power")
            if status is not None or tx is not None:
                port_rows.append({"id": port_id, "oper_status": status, "tx_power_dbm": tx})
        elif position.slot is not None and _value(metrics, "board_status") is not None:
            boards[position] = str(_value(metrics, "board_status"))
    if onu_rows:
        _update_onus(session, onu_rows, now)
        stats.samples_written = _insert_samples(session, olt_id, onu_rows, now)
    _update_ports(session, port_rows, now)
    _upsert_boards(session, olt_id, boards)
    _record_olt(session, olt_id, result, now)
    stats.onus_updated, stats.ports_updated, stats.boards_written = len(onu_rows), len(port_rows), len(boards)
    return stats


def prune_history(session: Session, retention_days: int, now: datetime | None = None) -> int:
    """Delete onu_samples older than `retention_days`; returns how many rows went."""
    if retention_days < 1:
        raise ValueError(f"retention_days must be at least 1, got {retention_days}")
    cutoff = (now or datetime.now(UTC)) - timedelta(days=retention_days)
    result = session.execute(delete(OnuSample).where(OnuSample.sampled_at < cutoff))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
