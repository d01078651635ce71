"""core.paging: `count_of` is exact up to its limit and PostgreSQL's estimate beyond (flagged),
for any statement the lists build (IN lists, enums, datetimes, LIKE/ILIKE binds, pg_trgm
operators); `page_of` carries the flag in `Page.count_is_estimate`."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
import pytest
from sqlalchemy import Select, event, literal, literal_column, select, text
from sqlalchemy.orm import Session

from core.db import get_engine, libpq_url, session_scope
from core.paging import Page, PageQuery, _Explain, count_of, page_of
from oms.models import Onu, OnuLifecycle

ONUS = 60


def _seed(url: str, count: int) -> None:
    with session_scope(url) as session:
        session.execute(text(
            "INSERT INTO onus (serial, name, description, lifecycle_state) "
            "SELECT 'HWTC' || lpad(to_hex(n), 8, '0'), 'onu-' || n, '', 'discovered' "
            "FROM generate_series(1, :count) AS n"), {"count": count})
    with psycopg.connect(libpq_url(url), autocommit=True) as conn:
        conn.execute("ANALYZE onus")  # the planner's estimate then knows the table's size


@pytest.fixture
def onus_url(db_url: str) -> str:
    _seed(db_url, ONUS)
    return db_url


@pytest.fixture
def session(onus_url: str) -> Iterator[Session]:
    with session_scope(onus_url) as opened:
        yield opened


def _statements() -> dict[str, Select[Any]]:
    """Every statement matches all ONUS rows, with binds of the kinds the lists use."""
    now = datetime.now(UTC)
    return {
        "plain": select(Onu),
        "in list": select(Onu).where(Onu.id.in_(list(range(1, ONUS + 1)))),
        "enum": select(Onu).where(Onu.lifecycle_state == OnuLifecycle.DISCOVERED),
        "enum in list": select(Onu).where(Onu.lifecycle_state.in_([OnuLifecycle.DISCOVERED, OnuLifecycle.ACTIVE])),
        "datetime": select(Onu).where(Onu.created_at < now + timedelta(days=1),
                                      Onu.created_at > now - timedelta(days=1)),
        "ilike": select(Onu).where(Onu.serial.ilike("%hwtc%")),
        "contains autoescape": select(Onu).where(Onu.serial.contains("HWTC", autoescape=True)),
        "literal percent, no bind": select(Onu).where(Onu.serial.like(literal_column("'HW%'"))),
        "trigram operator": select(Onu).where(literal("hwtc").op("<%")(Onu.serial)),
        "ordered": select(Onu).order_by(Onu.serial.desc()),
    }


def test_exact_below_and_at_the_limit(session: Session) -> None:
    assert count_of(session, select(Onu)) == (ONUS, False)  # the default limit (10,000)
    assert count_of(session, select(Onu), exact_limit=ONUS) == (ONUS, False)
    assert count_of(session, select(Onu).where(Onu.id <= 7), exact_limit=10) == (7, False)
    assert count_of(session, select(Onu).where(Onu.id < 0), exact_limit=10) == (0, False)


def test_above_the_limit_the_planner_estimate_flagged(session: Session) -> None:
    # ANALYZEd: a plain scan's estimate is the table's size
    assert count_of(session, select(Onu), exact_limit=ONUS - 1) == (ONUS, True)
    assert count_of(session, select(Onu), exact_limit=10) == (ONUS, True)


@pytest.mark.parametrize("name", list(_statements()))
def test_estimate_of_statements_with_binds(session: Session, name: str) -> None:
    stmt = _statements()[name]
    if name == "trigram operator":
        if session.scalar(text("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")) is None:
            pytest.skip("pg_trgm is not installed on this server (the embedded one has no contrib extensions)")
        session.execute(text("SET LOCAL pg_trgm.word_similarity_threshold = 0.1"))
    assert count_of(session, stmt, exact_limit=ONUS) == (ONUS, False)
    count, estimated = count_of(session, stmt, exact_limit=10)
    assert estimated
    # never below what the exact count saw, never absurdly above the table
    assert 11 <= count <= ONUS * 10


def test_an_estimate_below_the_limit_is_raised_to_it(session: Session) -> None:
    # every row matches, but the planner guesses LIKE patterns' selectivity: it expects a few
    stmt = select(Onu).where(Onu.serial.ilike("%tc%"), Onu.name.ilike("%nu-%"), Onu.serial.ilike("%hw%"))
    assert count_of(session, stmt, exact_limit=100) == (ONUS, False)
    planned = session.execute(_Explain(stmt)).scalar_one()[0]["Plan"]["Plan Rows"]
    assert planned < ONUS - 1
    assert count_of(session, stmt, exact_limit=ONUS - 1) == (ONUS, True)


def _queries(url: str) -> list[str]:
    seen: list[str] = []
    event.listen(get_engine(url), "before_cursor_execute",
                 lambda conn, cursor, statement, *args: seen.append(statement))
    return seen


def test_page_of_counts_exactly_up_to_the_limit(onus_url: str) -> None:
    with session_scope(onus_url) as session:
        page = page_of(session, select(Onu), PageQuery(limit=25, offset=0), lambda onu: onu.id, order_by=[Onu.id])
    assert (page.count, page.count_is_estimate, page.results) == (ONUS, False, list(range(1, 26)))
    assert Page[int](count=1, limit=1, offset=0, results=[1]).count_is_estimate is False  # additive field

    with session_scope(onus_url) as session:
        page = page_of(session, select(Onu), PageQuery(limit=5, offset=20), lambda onu: onu.id, order_by=[Onu.id],
                       exact_limit=10)
    assert (page.count, page.count_is_estimate, page.results) == (ONUS, True, [21, 22, 23, 24, 25])


def test_the_last_page_counts_itself(onus_url: str) -> None:
    with session_scope(onus_url) as session:
        seen = _queries(onus_url)
        last = page_of(session, select(Onu), PageQuery(limit=25, offset=50), lambda onu: onu.id, order_by=[Onu.id])
        single = page_of(session, select(Onu).where(Onu.id == 3), PageQuery(), lambda onu: onu.id)
        none = page_of(session, select(Onu).where(Onu.id < 0), PageQuery(), lambda onu: onu.id)
        assert not [sql for sql in seen if "count(" in sql.lower()]  # the rows said it all
        beyond = page_of(session, select(Onu), PageQuery(limit=25, offset=100), lambda onu: onu.id)
        full = page_of(session, select(Onu), PageQuery(limit=30, offset=30), lambda onu: onu.id, order_by=[Onu.id])
    assert (last.count, last.count_is_estimate, last.results) == (ONUS, False, list(range(51, 61)))
    assert (single.count, single.results) == (1, [3])
    assert (none.count, none.results) == (0, [])
    assert (beyond.count, beyond.count_is_estimate, beyond.results) == (ONUS, False, [])
    assert (full.count, len(full.results)) == (ONUS, 30)  # a full last page: counted


def test_the_api_answers_the_flag(onus_url: str) -> None:
    from tests.fixtures import api_client

    with api_client(onus_url) as client:
        answer = client.get("/onus", params={"limit": 10})
        searched = client.get("/onus", params={"serial": "0000003", "limit": 10})
    assert answer.status_code == 200, answer.text
    assert (answer.json()["count"], answer.json()["count_is_estimate"]) == (ONUS, False)
    matching = sum(1 for n in range(1, ONUS + 1) if "0000003" in f"{n:08x}")  # 3 and 0x30..0x3c
    assert (searched.json()["count"], searched.json()["count_is_estimate"]) == (matching, False)
    assert len(searched.json()["results"]) == 10


def test_the_count_reads_no_column_when_the_rows_do_not_depend_on_them(session: Session) -> None:
    from sqlalchemy import func

    from core.paging import _rows_only

    narrowed = str(_rows_only(select(Onu).where(Onu.serial.like("HW%"))).compile())
    assert narrowed.startswith("SELECT 1") and "FROM onus" in narrowed and "onus.serial LIKE" in narrowed
    labelled = select(Onu.id, Onu.serial.label("s"))
    assert str(_rows_only(labelled).compile()).startswith("SELECT 1")
    # the columns decide the rows: kept as they are
    for kept in (select(Onu.lifecycle_state).distinct(), select(func.count(Onu.id)),
                 select(Onu.lifecycle_state, func.count()).group_by(Onu.lifecycle_state)):
        assert _rows_only(kept) is kept
    assert count_of(session, select(Onu.lifecycle_state).distinct()) == (1, False)
    assert count_of(session, select(func.count(Onu.id))) == (1, False)
    assert count_of(session, select(Onu.id, Onu.serial.label("s")).where(Onu.id <= 5)) == (5, False)


def test_count_with_page_is_one_window_count(onus_url: str) -> None:
    with session_scope(onus_url) as session:
        seen = _queries(onus_url)
        page = page_of(session, select(Onu), PageQuery(limit=5, offset=10), lambda onu: onu.id,
                       order_by=[Onu.serial.desc()], exact_limit=10, count_with_page=True)
        assert len(seen) == 1 and "count(*) OVER ()" in seen[0]  # no second pass over the matches
        beyond = page_of(session, select(Onu), PageQuery(limit=5, offset=100), lambda onu: onu.id,
                         order_by=[Onu.id], count_with_page=True)
        none = page_of(session, select(Onu).where(Onu.id < 0), PageQuery(), lambda onu: onu.id,
                       count_with_page=True)
    # exact however many match (the window counted them all), in the page's order
    assert (page.count, page.count_is_estimate, page.results) == (ONUS, False, list(range(50, 45, -1)))
    assert (beyond.count, beyond.count_is_estimate, beyond.results) == (ONUS, False, [])
    assert (none.count, none.results) == (0, [])
