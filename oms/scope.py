"""What a principal sees of the network. A principal restricted to zones or OLTs
(`core.access.Principal.olt_ids`) sees only those OLTs and what is on them (ports, ONUs,
jobs, profiles, SNMP settings); anything else answers exactly as if it did not exist (404
with the same message), so its existence does not leak. An ONU on no OLT yet is seen
only by unrestricted principals.

Every OMS router goes through these helpers: single rows through `get_visible` (or
`check_visible` when the row was read otherwise), lists through `visible_only`.
"""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from core.access import Principal
from oms.errors import NotFound, get_or_404
from oms.models import Olt, Onu

M = TypeVar("M", bound=Any)
S = TypeVar("S", bound=Select[Any])


def olt_of(row: Any) -> int | None:
    """The OLT a row belongs to (an OLT is its own)."""
    return row.id if isinstance(row, Olt) else row.olt_id


def check_visible(who: Principal, olt_id: int | None, what: str, obj_id: object) -> None:
    """NotFound ("<what> <id> does not exist") when the OLT is outside the principal's scope."""
    if not who.sees_olt(olt_id):
        raise NotFound(f"{what} {obj_id} does not exist")


def get_visible(session: Session, who: Principal, model: type[M], obj_id: int, what: str, *,
                lock: bool = False) -> M:
    """The row, or NotFound saying "<what> <id> does not exist" when there is none or it is
    on an OLT outside the principal's scope (the same answer: existence does not leak)."""
    row = get_or_404(session, model, obj_id, what, lock=lock)
    check_visible(who, olt_of(row), what, obj_id)
    return row


def visible_only(stmt: S, who: Principal, olt_id_column: Any) -> S:
    """`stmt` keeping only rows of OLTs in the principal's scope."""
    condition = who.olt_condition(olt_id_column)
    return stmt if condition is None else stmt.where(condition)


def visible_onu_id_by_serial(session: Session, who: Principal, serial: str) -> int:
    """The id of the ONU with this serial, or NotFound ("no ONU with serial ...") when there is
    none or it is outside the principal's scope."""
    wanted = serial.upper()
    row = session.execute(select(Onu.id, Onu.olt_id).where(Onu.serial == wanted)).first()
    if row is None or not who.sees_olt(row.olt_id):
        raise NotFound(f"no ONU with serial {wanted}")
    return int(row.id)
