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


def page_of(session: Session, stmt: Select[Any], query: PageQuery, convert: Callable[[Any], T],
            order_by: Sequence[Any] = ()) -> Page[T]:
    """One page of `stmt` (a select of ORM rows) with its total count."""
    count = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    ordered = stmt.order_by(*order_by) if order_by else stmt
    rows = session.scalars(ordered.limit(query.limit).offset(query.offset)).all()
    return Page[T](count=count, limit=query.limit, offset=query.offset, results=[convert(r) for r in rows])
