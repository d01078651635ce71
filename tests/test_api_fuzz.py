"""Fuzz test of the whole HTTP API against its own OpenAPI schema (schemathesis).

Every operation of the schema gets generated requests, valid ones (positive) and invalid
ones (negative), sent to the ASGI app in-process. Every response must:

- not be a server error (no 5xx, no exception escaping the app);
- have a status code the operation documents, a documented content type, and a body and
  headers that match the documented response schema;
- for a request that violates the schema (negative data): be a 4xx refusal;
- for a request the schema allows (positive data): not be refused by the API's own request
  validation. A refusal by a business rule stays allowed (404, 409, or a 422 such as
  "customer 7 does not exist"): the schema cannot know which rows exist;
- for a method the path does not have: be a 405 whose `Allow` lists the path's methods.

One database serves the whole module (not one per example: that would cost seconds each),
seeded with a small realistic ISP (tests/fuzz_support.py) so that generated ids such as 1,
2, 3 name existing OLTs, ONUs, customers, plans, invoices... Examples change it as they go
(they create, update and delete rows); the checks compare each response with the schema
only, so they hold whatever rows are there. DELETE operations run last, in a test of their
own, so that the other operations still find the seeded rows.

No device is ever contacted: no worker runs, so device actions only queue jobs; the OLTs
point at 127.0.0.1 on a closed port; the one call the API makes itself (the SNMP settings
test) is replaced by an immediate "unreachable" answer; and the endpoints that wait for
their job (`?wait=`, up to 60 s, with nothing to finish the job) give up at once and answer
202, as they do when a job is slow. Without that, the generated `wait` values cost about
two minutes more, and every wait over 10 s fails as a schemathesis request timeout.

Knobs, for a deeper one-off run (e.g. after changing an endpoint):
  PONSTACK_FUZZ_EXAMPLES=200 PONSTACK_FUZZ_SEED=$RANDOM pytest tests/test_api_fuzz.py -p no:xdist
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from schemathesis.openapi.checks import RejectedPositiveData

import oms.api.jobs
import oms.monitoring.settings
from api.app import create_app
from tests.fixtures import Databases, make_user
from tests.fuzz_support import seed

#: generated requests per operation and generation mode (positive, negative) in the fuzzing
#: phase; the examples and coverage phases add their own, bounded by the schema.
MAX_EXAMPLES = int(os.environ.get("PONSTACK_FUZZ_EXAMPLES", "20"))
#: a fixed seed keeps the suite deterministic; set another one to explore.
SEED = int(os.environ.get("PONSTACK_FUZZ_SEED", "20240601"))
#: set (by the test's wrapper of the app's handler) on answers to a request that failed the
#: API's own request validation
REFUSED_BY_VALIDATION = "x-fuzz-refused-by-request-validation"
#: what positive data may get besides a success: the built-in check's list (authentication,
#: not found, conflict, rate limit) and a 422, which the API also uses for business rules.
#: Its request validation refusing positive data is caught by `positive_data_passes_validation`.
POSITIVE_DATA_STATUSES = ["2xx", "3xx", "401", "403", "404", "409", "412", "422", "429"]

FUZZ_SETTINGS = settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    database=None,  # nothing written under .hypothesis/
)


def positive_data_passes_validation(ctx: Any, response: schemathesis.Response, case: schemathesis.Case) -> None:
    """A request the schema allows was refused by the API's request validation: the schema
    promises more than the API accepts (a pattern, a `null`, a rule between fields...).

    Text holding a NUL character is the exception: PostgreSQL cannot store it, the API refuses
    it, and an OpenAPI string cannot say so (short of a pattern on every string)."""
    if case.meta is None or not case.meta.generation.mode.is_positive:
        return None
    if _contains_nul([case.body, case.query, case.path_parameters, case.headers, case.cookies]):
        return None
    if REFUSED_BY_VALIDATION in response.headers:
        raise RejectedPositiveData(
            operation=case.operation.label,
            message="The schema allows this request, but the API's request validation refused it",
            status_code=response.status_code,
            allowed_statuses=POSITIVE_DATA_STATUSES,
        )
    return None


def _contains_nul(value: Any) -> bool:
    """Whether a NUL character is in any string (key or value) of a JSON-like value."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_contains_nul(k) or _contains_nul(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(_contains_nul(v) for v in value)
    return False


def _mark_validation_refusals(app: FastAPI) -> None:
    """Wrap the app's RequestValidationError handler so its answers carry REFUSED_BY_VALIDATION
    (a 422 from request validation and one from a business rule look alike from outside)."""
    handler = app.exception_handlers[RequestValidationError]

    async def marked(request: Request, exc: Exception) -> Any:
        response = await handler(request, exc)
        assert isinstance(exc, RequestValidationError)
        # A custom validator's ValueError states a rule between values (one plan or one
        # subscription, one profile per vendor family...) that JSON Schema cannot express.
        if any(error.get("type") != "value_error" for error in exc.errors()):
            response.headers[REFUSED_BY_VALIDATION] = "1"
        return response

    app.exception_handlers[RequestValidationError] = marked


def _no_snmp_agent(target: Any) -> dict[str, Any]:
    """Stands in for oms.monitoring.settings.run_snmp_test: what an unreachable agent answers."""
    return {"ok": False, "kind": "transport", "error": f"{target.label}: no SNMP agent in the fuzz test"}


@pytest.fixture(scope="module")
def fuzz_db_url(databases: Databases, migrated_template: str) -> Iterator[str]:
    """One fresh migrated database for the whole module."""
    url = databases.create(template=migrated_template)
    yield url
    databases.drop(url)


@pytest.fixture(scope="module")
def tokens(fuzz_db_url: str) -> dict[str, str]:
    """Authorization headers: an admin, and a read-only token of an admin."""
    return {
        "admin": f"Bearer {make_user(fuzz_db_url, 'fuzz-admin', 'admin')}",
        "read_only": f"Bearer {make_user(fuzz_db_url, 'fuzz-reader', 'admin', write_enabled=False)}",
    }


@pytest.fixture(scope="module")
def api_schema(fuzz_db_url: str, tokens: dict[str, str]) -> Iterator[schemathesis.BaseSchema]:
    """The app on the seeded database, and its OpenAPI schema configured for the run."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(oms.api.jobs, "MAX_WAIT_S", 0.0)  # `wait` itself is still validated (0..60)
        patch.setattr(oms.monitoring.settings, "run_snmp_test", _no_snmp_agent)
        app = create_app(fuzz_db_url)
        _mark_validation_refusals(app)
        with TestClient(app) as client:
            client.headers["Authorization"] = tokens["admin"]
            seed(fuzz_db_url, client)
        schema = schemathesis.openapi.from_asgi("/openapi.json", app)
        schema.config.seed = SEED
        schema.config.generation.update(
            modes=[schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE]
        )
        schema.config.checks.positive_data_acceptance.expected_statuses = POSITIVE_DATA_STATUSES
        yield schema


@pytest.fixture(autouse=True)
def _node_id_for_schemathesis(request: pytest.FixtureRequest) -> None:
    """schemathesis' fixture-loaded schemas read and rename `node._nodeid`, which pytest 9
    no longer has (it keeps `_id`): give the node one. Failures name their operation anyway."""
    if not hasattr(request.node, "_nodeid"):
        request.node._nodeid = request.node.nodeid


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.exclude(method="DELETE").parametrize()
@FUZZ_SETTINGS
def test_api_conforms_to_its_schema(case: schemathesis.Case, tokens: dict[str, str]) -> None:
    case.call_and_validate(headers={"Authorization": tokens["admin"]},
                           additional_checks=[positive_data_passes_validation])


@schema.include(method="DELETE").parametrize()
@FUZZ_SETTINGS
def test_deletes_conform_to_the_schema(case: schemathesis.Case, tokens: dict[str, str]) -> None:
    case.call_and_validate(headers={"Authorization": tokens["admin"]},
                           additional_checks=[positive_data_passes_validation])


#: answers a request may get before its credentials are looked at: an undecodable or oversized
#: body (400/413), a NUL or an impossible id in the path or query (404/422), a method the path
#: does not have (405)
REFUSED_BEFORE_AUTHENTICATION = {400, 404, 405, 413, 422}


def _protected(case: schemathesis.Case) -> bool:
    return bool(case.operation.definition.raw.get("security"))


@schema.parametrize()
@settings(FUZZ_SETTINGS, max_examples=max(3, MAX_EXAMPLES // 4))
def test_anonymous_requests_change_and_read_nothing(case: schemathesis.Case) -> None:
    """Without credentials every protected operation answers 401 (or is refused before its
    credentials are looked at): never 2xx, 403 or 5xx."""
    if not _protected(case):
        return
    case.headers = {k: v for k, v in (case.headers or {}).items() if k.lower() != "authorization"}
    case.cookies = {}
    response = case.call()
    assert response.status_code == 401 or response.status_code in REFUSED_BEFORE_AUTHENTICATION, (
        case.operation.label, response.status_code, response.text[:200])


@schema.exclude(method=["GET", "HEAD"]).parametrize()
@settings(FUZZ_SETTINGS, max_examples=max(3, MAX_EXAMPLES // 4))
def test_a_read_only_token_changes_nothing(case: schemathesis.Case, tokens: dict[str, str]) -> None:
    """A read-only token: every state-changing operation answers 403 (or is refused before its
    credentials are looked at): never 2xx or 5xx."""
    if not _protected(case):
        return
    response = case.call(headers={"Authorization": tokens["read_only"]})
    assert response.status_code == 403 or response.status_code in REFUSED_BEFORE_AUTHENTICATION, (
        case.operation.label, response.status_code, response.text[:200])
