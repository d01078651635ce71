"""No route without a permission, and each role gets exactly what its permissions say.

Both tests read the application's own route table, so a route added later is covered
without touching them."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from api.app import create_app
from api.openapi import RouteInfo, routes_of
from core.access import ROLE_PERMISSIONS
from core.models import Role
from tests.fixtures import api_client

#: what the framework itself serves (the schema and the docs viewers' assets): no data, no change
FRAMEWORK_PATHS = {"/openapi.json", "/docs-assets/{path}"}


def api_routes(db_url: str) -> Iterator[RouteInfo]:
    for route in routes_of(create_app(db_url)):
        if route.dependant is None:
            assert route.path in FRAMEWORK_PATHS, f"a route outside the API's machinery: {route.path}"
        else:
            yield route


def test_every_route_declares_its_permission(db_url: str) -> None:
    routes = list(api_routes(db_url))
    undeclared = [f"{sorted(r.methods)} {r.path}" for r in routes if r.requirement is None]
    assert len(routes) > 90 and undeclared == []


def test_public_routes_are_only_the_probes_the_login_and_the_docs(db_url: str) -> None:
    """...and the ACS's device events, which carry the ACS's own event token (acs/api.py)."""
    public = {r.path for r in api_routes(db_url) if r.requirement is not None and r.requirement.public}
    assert public <= {"/health/live", "/health/ready", "/auth/login", "/docs", "/redoc", "/acs/events",
                      "/login", "/static/{name}"}, public


def _request_path(path: str) -> str:
    """The route's path with every parameter filled by a value no row has (or a valid enum)."""
    path = path.replace("{family}", "huawei_smartax").replace("{vendor_family}", "huawei_smartax")
    path = path.replace("{action}", "authorize").replace("{serial}", "HWTC00000999")
    return re.sub(r"\{[^}]+\}", "999999", path)


@pytest.mark.parametrize("role", list(Role))
def test_each_role_is_allowed_exactly_its_permissions(db_url: str, role: Role) -> None:
    """Every protected route, called as each role: a missing permission is 403, a held one is
    never 401/403 (it may be 404 for the made-up id, or 422 for the empty body)."""
    client = api_client(db_url, f"user-{role.value}", role.value)
    wrong = []
    checked = 0
    for route in api_routes(db_url):
        requirement = route.requirement
        if requirement is None or requirement.public:
            continue
        allowed = set(requirement.permissions) <= ROLE_PERMISSIONS[role]
        for method in sorted(route.methods):
            waits = any(q.name == "wait" for q in route.dependant.query_params)
            answer = client.request(method, _request_path(route.path), json={} if method != "GET" else None,
                                    params={"wait": 0} if waits else None)
            checked += 1
            denied = answer.status_code in (401, 403)
            if allowed == denied or answer.status_code >= 500:
                wrong.append(f"{method} {route.path}: {answer.status_code} {answer.text[:120]}")
    assert checked > 50 and wrong == []


def test_without_credentials_every_protected_route_is_401(db_url: str) -> None:
    from fastapi.testclient import TestClient

    client = TestClient(create_app(db_url), raise_server_exceptions=False)
    for route in api_routes(db_url):
        requirement = route.requirement
        if requirement is None or requirement.public:
            continue
        for method in route.methods:
            answer = client.request(method, _request_path(route.path), json={} if method != "GET" else None,
                                    follow_redirects=False)
            if requirement.redirects_to_login:
                assert answer.status_code == 303, (method, route.path, answer.status_code)
                assert answer.headers["location"].startswith("/login?next="), route.path
                continue
            assert answer.status_code == 401, (method, route.path, answer.status_code)
            assert answer.headers["content-type"] == "application/problem+json"


def test_a_bad_credential_is_401_not_anonymous(db_url: str) -> None:
    from fastapi.testclient import TestClient

    client = TestClient(create_app(db_url), raise_server_exceptions=False)
    assert client.get("/health/live", headers={"Authorization": "Bearer junk"}).status_code == 401
    assert client.get("/olts", headers={"Authorization": "Basic YTpi"}).status_code == 401


def test_docs_render_from_local_assets(db_url: str) -> None:
    from fastapi.testclient import TestClient

    client = TestClient(create_app(db_url))
    for page in ("/docs", "/redoc"):
        html = client.get(page).text
        assert "cdn" not in html.lower() and "/docs-assets/" in html
    assert client.get("/docs-assets/swagger-ui-bundle.js").status_code == 200
    assert client.get("/docs-assets/redoc.standalone.js").status_code == 200
    schemes = client.get("/openapi.json").json()["components"]["securitySchemes"]
    assert set(schemes) == {"token", "session"}
