"""The one paging style of every list in the API: `limit` (1..MAX_LIMIT, default
DEFAULT_LIMIT) and `offset`, answered as a `Page` with the total `count` (exact up to
EXACT_COUNT_LIMIT rows, PostgreSQL's estimate beyond, flagged by `count_is_estimate`); rows in
a stable order (by id unless the list says otherwise)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, Field
from sqlalchemy import Column, Select, func, literal_column, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import ClauseElement, Executable, Label

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
    """One page of a list. `count` is the number of rows matching, all pages together: exact
    up to EXACT_COUNT_LIMIT rows; beyond, PostgreSQL's estimate, flagged by
    `count_is_estimate` (counting 100,000 rows exactly on every page cost more than the page)."""

    count: int  # rows matching, all pages together
    count_is_estimate: bool = False  # `count` is the planner's estimate (above EXACT_COUNT_LIMIT)
    limit: int
    offset: int
    results: list[T]


#: up to this many matching rows a list's count is exact; beyond, the planner's estimate
#: (counting 100,000 joined rows on every page costs more than the page itself)
EXACT_COUNT_LIMIT = 10_000


class _Explain(Executable, ClauseElement):
    """`EXPLAIN (FORMAT JSON) <statement>`, compiled and bound like the statement itself (so
    enums, expanding IN lists, dates and LIKE patterns reach the server as they would run)."""

    inherit_cache = False  # a one-off wrapper: not worth a cache key

    def __init__(self, statement: Select[Any]) -> None:
        self.statement = statement


@compiles(_Explain)
def _compile_explain(element: _Explain, compiler: Any, **kw: Any) -> str:
    return "EXPLAIN (FORMAT JSON) " + compiler.process(element.statement, **kw)


def _plain_column(column: Any) -> bool:
    """A table's column, labelled or not (no expression that could aggregate or number rows)."""
    return isinstance(column, Column) or (isinstance(column, Label) and isinstance(column.element, Column))


def _rows_only(stmt: Select[Any]) -> Select[Any]:
    """`stmt` selecting a constant instead of its columns, when that keeps its rows (plain
    columns only: no aggregate, window or DISTINCT that the columns decide; no LIMIT, no loader
    options): counting then reads no column, often an index-only scan, instead of whole rows."""
    if (stmt._distinct or stmt._group_by_clauses or stmt._having_criteria or stmt._with_options
            or stmt._limit_clause is not None or stmt._offset_clause is not None or stmt._fetch_clause is not None
            or not all(_plain_column(c) for c in stmt.selected_columns)):
        return stmt
    return stmt.with_only_columns(literal_column("1"), maintain_column_froms=True)


def count_of(session: Session, stmt: Select[Any], exact_limit: int = EXACT_COUNT_LIMIT) -> tuple[int, bool]:
    """(rows matching `stmt`, whether that is an estimate): exact up to `exact_limit`, else
    PostgreSQL's own estimate of the statement's rows (never below the exact limit)."""
    rows = _rows_only(stmt.order_by(None))
    capped = session.scalar(select(func.count()).select_from(rows.limit(exact_limit + 1).subquery())) or 0
    if capped <= exact_limit:
        return capped, False
    plan = session.execute(_Explain(rows)).scalar_one()  # the same estimate, a smaller statement to compile
    estimate = int(plan[0]["Plan"]["Plan Rows"])
    return max(estimate, exact_limit + 1), True


def page_of(session: Session, stmt: Select[Any], query: PageQuery, convert: Callable[[Any], T],
            order_by: Sequence[Any] = (), exact_limit: int = EXACT_COUNT_LIMIT, *,
            count_with_page: bool = False) -> Page[T]:
    """One page of `stmt` (a select of ORM rows) with its total count (see `count_of`).

    `count_with_page`: for a statement whose order visits every matching row anyway (a ranked
    search sorts all its matches to find the best 50), the count comes with the page as a window
    count, exact and at no further cost, instead of matching everything a second time."""
    ordered = stmt.order_by(*order_by) if order_by else stmt
    paged = ordered.limit(query.limit).offset(query.offset)
    if count_with_page:
        counted = session.execute(paged.add_columns(func.count().over().label("page_total"))).all()
        if counted:
            return Page[T](count=counted[0][-1], limit=query.limit, offset=query.offset,
                           results=[convert(row[0]) for row in counted])
        rows: Sequence[Any] = []
    else:
        rows = session.scalars(paged).all()
    if (rows and len(rows) < query.limit) or (not rows and query.offset == 0):
        # the last page (or no match at all): its rows give the exact count, no count query
        count, estimated = query.offset + len(rows), False
    else:
        count, estimated = count_of(session, stmt, exact_limit)
        if estimated:  # an estimate may fall short of the rows already seen
            count = max(count, query.offset + len(rows))
    return Page[T](count=count, count_is_estimate=estimated, limit=query.limit, offset=query.offset,
                   results=[convert(r) for r in rows])
