"""Customer search (crm.search): fuzzy, ranked, over name, code, phone, e-mail, address and the
serials of the customer's ONUs; and the trigram indexes behind it."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from core.db import session_scope
from crm.tests.crm_factories import make_customer, make_plan, make_subscription
from oms.models import Onu, OnuLifecycle


@pytest.fixture
def people(client: TestClient, db_url: str) -> dict[str, int]:
    rows = {
        "C1001": {"name": "John Smith", "email": "john.smith@example.net", "phone": "+1 (555) 123-4567",
                  "address": "12 Harbour Road, Portsmouth"},
        "C1002": {"name": "Joan Smithers", "email": "joan@mail.test", "phone": "+44 20 7946 0018",
                  "address": "3 Mill Lane, Leeds"},
        "C1003": {"name": "Katharina Schmidt", "email": "k.schmidt@beispiel.de", "phone": "0049 30 901820",
                  "address": "Torstraße 5, Berlin"},
        "C1004": {"name": "Ana Pérez", "email": "ana@ejemplo.es", "phone": "+34 600 111 222",
                  "address": "Calle Mayor 7, Madrid"},
    }
    ids = {code: make_customer(client, code, **fields)["id"] for code, fields in rows.items()}
    plan = make_plan(client)
    subscription = make_subscription(client, ids["C1004"], plan["id"])
    with session_scope(db_url) as session:
        session.add(Onu(serial="ZTEGC0FFEE42", lifecycle_state=OnuLifecycle.PREPROVISIONED,
                        subscription_id=subscription["id"]))
    return ids


def codes(client: TestClient, **params: str) -> list[str]:
    response = client.get("/crm/customers", params=params)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["count"] == len(body["results"])
    return [c["code"] for c in body["results"]]


def _has_trigram(db_url: str) -> bool:
    with session_scope(db_url) as session:
        return session.execute(text("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")).first() is not None


def test_misspelt_name_finds_the_customer(client: TestClient, db_url: str, people: dict[str, int]) -> None:
    if not _has_trigram(db_url):
        pytest.skip("pg_trgm is not installed on this server: substring search only")
    assert codes(client, q="Jonh Smith")[0] == "C1001"
    assert codes(client, q="katarina")[0] == "C1003"
    assert codes(client, q="schmitd")[0] == "C1003"


def test_phone_fragments_email_address_code(client: TestClient, people: dict[str, int]) -> None:
    assert codes(client, q="555 123") == ["C1001"]  # the digits, whatever the punctuation
    assert codes(client, q="5551234") == ["C1001"]
    assert codes(client, q="7946") == ["C1002"]
    assert codes(client, q="beispiel.de") == ["C1003"]
    assert codes(client, q="JOAN@MAIL.TEST") == ["C1002"]
    assert codes(client, q="Harbour Road") == ["C1001"]
    assert codes(client, q="torstraße")[0] == "C1003"
    assert codes(client, q="c1004")[0] == "C1004"


def test_onu_serial_finds_its_customer(client: TestClient, people: dict[str, int]) -> None:
    assert codes(client, q="c0ffee") == ["C1004"]
    assert codes(client, q="ZTEGC0FFEE42") == ["C1004"]


def test_ranked_by_similarity_and_other_filters_kept(client: TestClient, people: dict[str, int]) -> None:
    found = codes(client, q="smith")
    assert found[:2] == ["C1001", "C1002"]  # "Smith" is a whole word of John's name, a part of Joan's
    assert codes(client, q="smith", code="C1002") == ["C1002"]
    client.patch(f"/crm/customers/{people['C1001']}", json={"status": "suspended"})
    assert codes(client, q="smith", status="suspended") == ["C1001"]
    assert codes(client, q="no such customer anywhere") == []
    exact = codes(client, q="C1003")
    assert exact[0] == "C1003"
    page = client.get("/crm/customers", params={"q": "smith", "limit": 1}).json()
    assert (page["count"], [c["code"] for c in page["results"]]) == (len(found), ["C1001"])


def test_wildcards_are_literal(client: TestClient, people: dict[str, int]) -> None:
    make_customer(client, "C2000", name="Carla 100%")
    assert codes(client, q="100%") == ["C2000"]
    assert codes(client, q="_") == []


def test_search_uses_the_trigram_indexes(client: TestClient, db_url: str, people: dict[str, int]) -> None:
    if not _has_trigram(db_url):
        pytest.skip("pg_trgm is not installed on this server")
    with session_scope(db_url) as session:
        indexes = dict(session.execute(text(
            "SELECT indexname, indexdef FROM pg_indexes WHERE indexname LIKE '%trgm'")).all())
        session.execute(text("SET LOCAL enable_seqscan = off"))
        plan = "\n".join(session.execute(text(
            "EXPLAIN SELECT id FROM onus WHERE serial LIKE '%C0FFEE%'")).scalars())
    assert "gin_trgm_ops" in indexes["ix_customers_search_trgm"]
    assert "gin_trgm_ops" in indexes["ix_customers_phone_digits_trgm"]
    assert "gin_trgm_ops" in indexes["ix_onus_serial_trgm"]
    assert "ix_onus_serial_trgm" in plan


def test_the_page_comes_with_its_count(client: TestClient, db_url: str, people: dict[str, int]) -> None:
    """One statement answers the ranked page and the number of matches (a window count), with
    the other filters applied to both; a page past the last still counts."""
    from sqlalchemy import event

    from core.db import get_engine

    for n in range(6):
        make_customer(client, f"C30{n:02d}", name=f"Smithson {n}")
    everyone = codes(client, q="smith")
    seen: list[str] = []
    listener = lambda conn, cursor, statement, *args: seen.append(statement)  # noqa: E731
    event.listen(get_engine(db_url), "before_cursor_execute", listener)
    try:
        page = client.get("/crm/customers", params={"q": "smith", "limit": 2, "offset": 1}).json()
    finally:
        event.remove(get_engine(db_url), "before_cursor_execute", listener)
    searches = [sql for sql in seen if "search_match" in sql]
    assert len(searches) == 1 and "count(*) OVER ()" in searches[0], searches
    assert (page["count"], page["count_is_estimate"]) == (len(everyone), False)
    assert [c["code"] for c in page["results"]] == everyone[1:3]

    client.patch(f"/crm/customers/{people['C1001']}", json={"status": "suspended"})
    filtered = client.get("/crm/customers", params={"q": "smith", "status": "active", "limit": 1}).json()
    assert filtered["count"] == len(everyone) - 1
    past = client.get("/crm/customers", params={"q": "smith", "limit": 5, "offset": 100}).json()
    assert (past["count"], past["results"]) == (len(everyone), [])
