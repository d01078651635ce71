"""The one paging style of every list in the API: `limit` (1..MAX_LIMIT, default
DEFAULT_LIMIT) and `offset`, answered as a `Page` with the total `count`; rows in a
stable order (by id unless the list says otherwise)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, Field
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from core.inputs import Count, InputModel

T = TypeVar("T")
DEFAULT_LIMIT = 50
MAX_LIMIT = 500


class PageQuery(InputModel):
    """Base of every list's query model (`Annotated[XFilter, Query()]`); unknown parameters are
    refused (422) so a misspelt filter never silently returns everything."""

    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)
    offset: Count = 0


class Page(BaseModel, Generic[T]):
    count: int  # rows matching, all pages together
    limit: int
    offset: int
    results: list[T]


#: up to this many matching rows a list's count is exact; beyond, the planner's estimate
#: (counting 100,000 joined rows on every page costs more than the page itself)
EXACT_COUNT_LIMIT = 10_000


def count_of(session: Session, stmt: Select[Any], exact_limit: int = EXACT_COUNT_LIMIT) -> tuple[int, bool]:
    """(rows matching `stmt`, whether that is an estimate): exact up to `exact_limit`, else
    PostgreSQL's own estimate of the statement's rows (never below the exact limit)."""
    unordered = stmt.order_by(None)
    capped = session.scalar(select(func.count()).select_from(unordered.limit(exact_limit + 1).subquery())) or 0
    if capped <= exact_limit:
        return capped, False
    compiled = unordered.compile(session.get_bind(), compile_kwargs={"render_postcompile": True})
    plan = session.connection().exec_driver_sql(f"EXPLAIN (FORMAT JSON) {compiled.string}",
                                                compiled.params).scalar_one()
    estimate = int(plan[0]["Plan"]["Plan Rows"])
    return max(estimate, exact_limit + 1), True


def page_of(session: Session, stmt: Select[Any], query: PageQuery, convert: Callable[[Any], T],
            order_by: Sequence[Any] = ()) -> Page[T]:
    """One page of `stmt` (a select of ORM rows) with its total count."""
    count = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    ordered = stmt.order_by(*order_by) if order_by else stmt
    rows = session.scalars(ordered.limit(query.limit).offset(query.offset)).all()
    return Page[T](count=count, limit=query.limit, offset=query.offset, results=[convert(r) for r in rows])
