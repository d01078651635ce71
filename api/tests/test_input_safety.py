"""No input gives a 500: what the application's one error handler and the shared input
types refuse, checked against the real application on a real database."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.errors import MAX_BODY_BYTES
from tests.fixtures import api_client

PROBLEM = "application/problem+json"
OLT = {
    "name": "olt-fk", "vendor": "huawei", "family": "huawei_smartax", "model": "MA5800-X7",
    "mgmt_host": "127.0.0.1", "username": "admin", "password": "admin",
}


@pytest.fixture
def client(db_url: str) -> Iterator[TestClient]:
    with api_client(db_url) as test_client:
        yield test_client


def assert_problem(answer: Any, status: int) -> dict[str, Any]:
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"] == PROBLEM
    body = answer.json()
    assert body["status"] == status and body["title"] and isinstance(body["detail"], str)
    return dict(body)


# --- the schema says what is accepted -------------------------------------------------------


def _request_schemas(spec: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(where, name, schema) of every parameter and every request body property, nested ones too."""
    components = spec["components"]["schemas"]

    def walk(where: str, name: str, schema: dict[str, Any], seen: frozenset[str]) -> Iterator[Any]:
        if "$ref" in schema:
            ref = schema["$ref"].rsplit("/", 1)[1]
            if ref not in seen:
                yield from walk(where, name, components[ref], seen | {ref})
            return
        for key in ("anyOf", "oneOf", "allOf"):
            for option in schema.get(key, []):
                yield from walk(where, name, option, seen)
        for prop, sub in schema.get("properties", {}).items():
            yield from walk(where, f"{name}.{prop}", sub, seen)
        if isinstance(schema.get("additionalProperties"), dict):
            yield from walk(where, f"{name}[*]", schema["additionalProperties"], seen)
        if "items" in schema:
            yield from walk(where, f"{name}[]", schema["items"], seen)
        if schema.get("type") in ("integer", "string", "number"):
            yield where, name, schema

    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            where = f"{method.upper()} {path}"
            for param in operation.get("parameters", []):
                if param["in"] in ("query", "header"):
                    yield from walk(where, param["name"], param["schema"], frozenset())
            body = operation.get("requestBody", {}).get("content", {}).get("application/json")
            if body:
                yield from walk(where, "body", body["schema"], frozenset())


def test_every_integer_and_text_the_api_accepts_is_bounded(client: TestClient) -> None:
    """An unbounded integer reaches an INTEGER column as NumericValueOutOfRange, an unbounded
    text a column (or the memory) as whatever the client sends: both must be bounded."""
    unbounded = []
    for where, name, schema in _request_schemas(client.app.openapi()):  # type: ignore[attr-defined]
        bounded_below = {"minimum", "exclusiveMinimum"} & set(schema)
        bounded_above = {"maximum", "exclusiveMaximum"} & set(schema)
        if schema["type"] in ("integer", "number") and not (bounded_below and bounded_above):
            unbounded.append(f"{where}: {name} ({schema['type']})")
        # a pattern-typed text (a decimal number's text form) is bounded by its type's own check
        if schema["type"] == "string" and not ({"maxLength", "enum", "format", "const", "pattern"} & set(schema)):
            unbounded.append(f"{where}: {name} (text)")
    assert unbounded == []


def test_every_operation_documents_its_problems(client: TestClient) -> None:
    spec = client.app.openapi()  # type: ignore[attr-defined]
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            assert "422" in responses, (method, path)
            assert PROBLEM in responses["422"]["content"], (method, path)
            if "{" in path:
                assert "404" in responses, (method, path)
            if "requestBody" in operation:
                assert "413" in responses, (method, path)


# --- what the database would have refused ---------------------------------------------------


def test_ids_beyond_any_column_are_404_in_the_path_and_422_elsewhere(client: TestClient) -> None:
    assert_problem(client.get("/olts/2147483648"), 404)
    assert_problem(client.get("/crm/customers/99999999999999999999"), 404)
    assert_problem(client.get("/olts/-2147483649"), 404)
    assert_problem(client.get("/crm/customers", params={"offset": 9223372036854775808}), 422)
    assert_problem(client.get("/onus", params={"olt_id": 2147483648}), 422)
    answer = assert_problem(client.post("/olts", json={**OLT, "zone_id": 2147483648}), 422)
    assert answer["errors"][0]["loc"] == ["body", "zone_id"]


def test_an_unknown_foreign_key_is_422_naming_the_field(client: TestClient) -> None:
    answer = assert_problem(client.post("/olts", json={**OLT, "zone_id": 999999}), 422)
    assert "zone_id" in answer["detail"] and answer["errors"][0]["loc"] == ["body", "zone_id"]
    assert client.get("/olts").json()["count"] == 0
    customer = client.post("/crm/customers", json={"code": "C1", "name": "Jane"}).json()
    plan_less = client.post("/crm/subscriptions", json={"customer_id": customer["id"], "plan_id": 424242})
    assert plan_less.status_code in (404, 422), plan_less.text
    assert "424242" in plan_less.json()["detail"]


@pytest.mark.parametrize(
    ("method", "path", "kwargs", "status"),
    [
        ("get", "/olts", {"params": {"zone": "\x00"}}, 422),
        ("get", "/crm/customers", {"params": {"q": "a\x00b"}}, 422),
        ("post", "/onus/by-serial/HWTC%000000000/authorize", {}, 404),
        ("post", "/olts", {"json": {**OLT, "description": "a\x00b"}}, 422),
        ("post", "/crm/customers", {"json": {"code": "C9", "name": "N", "notes": "\x00"}}, 422),
    ],
)
def test_nul_is_refused_in_every_text(
    client: TestClient, method: str, path: str, kwargs: dict[str, Any], status: int
) -> None:
    assert_problem(client.request(method, path, **kwargs), status)


def test_nul_inside_a_json_object_is_refused_naming_where(client: TestClient) -> None:
    olt = client.post("/olts", json=OLT).json()
    answer = client.post(f"/olts/{olt['id']}/profiles", json={"kind": "line", "name": "x", "data": {"k": "\x00"}})
    body = assert_problem(answer, 422)
    assert body["errors"][0]["loc"] == ["body", "data", "k"]
    assert client.get(f"/olts/{olt['id']}/profiles").json() == []


def test_nested_fields_are_typed(client: TestClient) -> None:
    maps = client.get("/settings/snmp-oid-maps").json()
    answer = client.put(f"/settings/snmp-oid-maps/{maps[0]['id']}", json={"value_map": {"1": []}})
    assert_problem(answer, 422)


def test_oversized_bodies_and_fields_are_refused(client: TestClient) -> None:
    huge = "x" * (MAX_BODY_BYTES + 1)
    assert_problem(client.post("/crm/customers", content=huge, headers={"content-type": "application/json"}), 413)

    def chunks() -> Iterator[bytes]:  # no Content-Length: the body is counted as it arrives
        for _ in range(2 + MAX_BODY_BYTES // 65536):
            yield b" " * 65536

    assert_problem(client.post("/crm/customers", content=chunks(), headers={"content-type": "application/json"}), 413)
    five_mb_note = {"code": "C2", "name": "N", "notes": "n" * 5_000_000}
    assert_problem(client.post("/crm/customers", json=five_mb_note), 413)
    long_note = {"code": "C2", "name": "N", "notes": "n" * 20_000}
    answer = assert_problem(client.post("/crm/customers", json=long_note), 422)
    assert answer["errors"][0]["loc"] == ["body", "notes"]
    assert client.get("/crm/customers").json()["count"] == 0


def test_dates_are_iso_text_not_numbers(client: TestClient) -> None:
    assert_problem(client.get("/crm/invoices", params={"overdue_on": "0"}), 422)
    assert client.get("/crm/invoices", params={"overdue_on": "2026-12-04"}).status_code == 200


def test_a_business_rule_answer_has_the_documented_shape(client: TestClient) -> None:
    client.post("/olts", json=OLT)
    body = assert_problem(client.post("/olts", json=OLT), 409)
    assert "already exists" in body["detail"]
