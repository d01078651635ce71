"""Customer search: one term against name, code, e-mail, phone, address and the serials of
the customer's ONUs, fuzzy (misspelt names) and ranked by similarity, in one query.

With PostgreSQL's pg_trgm (migration 0013) every branch is served by a trigram GIN index:
`ix_customers_search_trgm` (name, code, email, phone, address), `ix_customers_phone_digits_trgm`
(the phone's digits, so "555 12" finds "+1 (555) 123-4567") and `ix_onus_serial_trgm`. The
matching ids are gathered as a UNION ALL of index scans, one per field (an OR with the ONU
branch would force a sequential scan; an OR of the fields in one scan would recheck every
condition on every candidate row, the fuzzy name's thousand near misses included); the page
comes with its count (one window count: ranking visits every match anyway). Misspellings are
caught on the name only, each word of the term having to be alike a word of the name
(pg_trgm's `<%`, threshold WORD_SIMILARITY_THRESHOLD). Ranking: an exact code, e-mail or serial
first, then the best of the name's word similarity, the serial's similarity and a fixed score
per other field that matched a substring (code > e-mail > phone > address); ties by id.

Without pg_trgm (the embedded pgserver build ships no contrib extensions) the same fields are
matched as case-insensitive substrings (ILIKE, no misspellings), ranked exact > prefix > other.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Float,
    Select,
    and_,
    case,
    cast,
    func,
    literal,
    literal_column,
    or_,
    select,
    text,
    union_all,
)
from sqlalchemy.orm import Session

from crm.models import PHONE_DIGITS_SQL, Customer, Subscription
from oms.models import Onu

#: how alike a word of a field must be to the term (pg_trgm's default, 0.6, misses "Jonh")
WORD_SIMILARITY_THRESHOLD = 0.4
#: fewer digits than this in the term: no phone-digits branch (too many matches to be useful)
MIN_DIGITS = 3

_trigram_by_database: dict[str, bool] = {}


def trigram_available(session: Session) -> bool:
    """Whether pg_trgm is installed in the session's database (asked once per database)."""
    key = str(session.get_bind().engine.url)
    if key not in _trigram_by_database:
        found = session.execute(text("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")).first()
        _trigram_by_database[key] = found is not None
    return _trigram_by_database[key]


def _contains(term: str) -> str:
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _phone_digits() -> ColumnElement[str]:
    return literal_column(PHONE_DIGITS_SQL)  # the indexed expression, verbatim


def _search_fields() -> tuple[Any, ...]:
    return Customer.name, Customer.code, Customer.email, Customer.phone, Customer.address


def search_customers(session: Session, stmt: Select[Any], term: str) -> tuple[Select[Any], list[Any]]:
    """`stmt` (a select of Customer) narrowed to customers matching `term`, and the ORDER BY
    that ranks them best first (ties by id)."""
    term = term.strip()
    digits = re.sub(r"\D", "", term)
    pattern = _contains(term)
    serial_pattern = _contains(term.upper())
    fuzzy = trigram_available(session)
    if fuzzy:
        session.execute(text(f"SET LOCAL pg_trgm.word_similarity_threshold = {WORD_SIMILARITY_THRESHOLD}"))

    own: list[ColumnElement[bool]] = [field.ilike(pattern) for field in _search_fields()]
    if fuzzy:
        # `word <% name`: some word of the name is alike (index-served, threshold above). Only the
        # name: misspelt e-mails and addresses matched fuzzily flood the result with near misses
        # ("...tonville"), which then all have to be ranked.
        # Every word of the term must be alike some word of the name: "William Walschton" is not
        # every William.
        words = re.findall(r"\w+", term)
        if words:
            own.append(and_(*(literal(word).op("<%")(Customer.name) for word in words)))
    if len(digits) >= MIN_DIGITS:
        own.append(_phone_digits().like(_contains(digits)))
    upper = term.upper()
    # each branch gives (customer id, serial score): an exact serial outranks everything
    serial_score: ColumnElement[Any] = (
        case((Onu.serial == upper, 2.0), else_=func.similarity(upper, Onu.serial)) if fuzzy
        else case((Onu.serial == upper, 2.0), else_=0.5)
    )
    # with the trigram indexes, one branch (one index scan, rechecking its own condition) per
    # field; without them every field is a sequential scan: one branch for all
    own_branches = list(own) if fuzzy else [or_(*own)]
    matching = union_all(
        *(select(Customer.id.label("id"), literal(0.0, Float).label("serial_score")).where(cond)
          for cond in own_branches),
        select(Subscription.customer_id.label("id"), cast(serial_score, Float).label("serial_score"))
        .join(Onu, Onu.subscription_id == Subscription.id)
        .where(Onu.serial.like(serial_pattern)),
    ).subquery()
    best = (
        select(matching.c.id, func.max(matching.c.serial_score).label("serial_score"))
        .group_by(matching.c.id)
        .subquery("search_match")
    )
    stmt = stmt.join(best, best.c.id == Customer.id)

    lowered = term.lower()
    exact = or_(func.lower(Customer.code) == lowered, func.lower(Customer.email) == lowered)
    if fuzzy:
        # the name by trigram similarity; the other fields matched a substring: a fixed score,
        # by how telling the field is (computing five similarities per match costs too much
        # when a common term matches thousands)
        others = case(
            (Customer.code.ilike(pattern), 0.9), (Customer.email.ilike(pattern), 0.8),
            (Customer.phone.ilike(pattern), 0.7), (Customer.address.ilike(pattern), 0.6), else_=0.0)
        similarities: list[ColumnElement[Any]] = [func.word_similarity(term, Customer.name), others]
        if len(digits) >= MIN_DIGITS:
            similarities.append(case((_phone_digits().like(_contains(digits)), 0.7), else_=0.0))
        rank: ColumnElement[Any] = func.greatest(best.c.serial_score, *similarities)
    else:
        prefix = _contains(term)[1:]
        rank = func.greatest(best.c.serial_score, case(*((f.ilike(prefix), 0.5) for f in _search_fields()),
                                                        else_=0.0))
    score = cast(case((exact, 1.0), else_=0.0), Float) + rank
    return stmt, [score.desc(), Customer.id]
