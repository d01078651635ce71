"""The OpenAPI document and its viewers.

The document declares, on every operation, what `api.errors` and `core.access` can answer
besides its own results: the problem documents (422 always; 404 where the path names a
resource; 409 for changes; 400 and 413 where there is a body; 401 and 403 where a
permission is required) and the security schemes (a Bearer token or the browser session
cookie). Swagger UI and ReDoc are served from the assets the `fastapi-offline` package
ships, so the docs render on a management network without Internet access.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from http import HTTPStatus
from pathlib import Path
from typing import Any

import fastapi_offline
from fastapi import FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.openapi.utils import get_openapi
from fastapi.responses import HTMLResponse
from fastapi.routing import iter_route_contexts
from fastapi.staticfiles import StaticFiles

from api.errors import PROBLEM_JSON, Problem
from core.access import PUBLIC, SESSION_COOKIE, Requirement

ASSETS = Path(fastapi_offline.__file__).parent / "static"
ASSETS_URL = "/docs-assets"
_REF = "#/components/schemas/Problem"
SECURITY_SCHEMES = {
    "token": {"type": "http", "scheme": "bearer", "description": "an API token (`ponstack token create`)"},
    "session": {"type": "apiKey", "in": "cookie", "name": SESSION_COOKIE,
                "description": "a browser session (POST /auth/login); changes need its X-CSRF-Token header"},
}


@dataclass(frozen=True)
class RouteInfo:
    """One route of the application as it is served: full path, methods, and the permission
    it declares (core.access.require / PUBLIC; None when it declares none)."""

    path: str
    methods: frozenset[str]
    requirement: Requirement | None
    dependant: Any  # fastapi Dependant (None for a plain Starlette route or mount)


def routes_of(app: FastAPI) -> list[RouteInfo]:
    """Every route, included routers flattened (FastAPI keeps them as included routers)."""
    found = []
    for context in iter_route_contexts(app.routes):
        dependant = getattr(context, "dependant", None)
        found.append(RouteInfo(str(context.path_format or context.path or ""), frozenset(context.methods or ()),
                               _requirement(dependant), dependant))
    return found


def _requirement(dependant: Any) -> Requirement | None:
    pending = list(dependant.dependencies) if dependant is not None else []
    while pending:
        current = pending.pop()
        if isinstance(current.call, Requirement):
            return current.call
        pending.extend(current.dependencies)
    return None


def install_openapi(app: FastAPI) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(title=app.title, version=app.version, routes=app.routes,
                                 description=app.description)
            _declare(schema, app)
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    _serve_docs(app)


def _declare(schema: dict[str, Any], app: FastAPI) -> None:
    components = schema.setdefault("components", {})
    problem_schema = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    components.setdefault("schemas", {}).update(problem_schema.pop("$defs", {}))
    components["schemas"]["Problem"] = problem_schema
    components["schemas"].pop("HTTPValidationError", None)
    components["schemas"].pop("ValidationError", None)
    components["securitySchemes"] = SECURITY_SCHEMES
    requirements = {(route.path, method.lower()): route.requirement
                    for route in routes_of(app) for method in route.methods}
    for path, operations in schema.get("paths", {}).items():
        for method, operation in operations.items():
            requirement = requirements.get((path, method))
            protected = requirement is not None and not requirement.public
            if protected:
                operation["security"] = [{"token": []}, {"session": []}]
            for status in _problem_statuses(path, method, operation, protected):
                operation.setdefault("responses", {})[str(status)] = {
                    "description": HTTPStatus(status).phrase,
                    "content": {PROBLEM_JSON: {"schema": {"$ref": _REF}}},
                }


def _problem_statuses(path: str, method: str, operation: dict[str, Any], protected: bool) -> Sequence[int]:
    statuses = [422]
    if "{" in path:
        statuses.append(404)
    if method in ("post", "put", "patch", "delete"):
        statuses.append(409)
    if "requestBody" in operation:
        statuses += [400, 413]  # a body that is not text (undecodable) / too large
    if protected:
        statuses += [401, 403]
    declared = [int(s) for s in operation.get("responses", {}) if s.isdigit() and int(s) >= 400]
    return sorted(set(statuses) | set(declared))


def _serve_docs(app: FastAPI) -> None:
    app.mount(ASSETS_URL, StaticFiles(directory=ASSETS), name="docs-assets")

    @app.get("/docs", include_in_schema=False, dependencies=[PUBLIC])
    def swagger_ui() -> HTMLResponse:
        return get_swagger_ui_html(openapi_url="/openapi.json", title="ponstack API",
                                   swagger_js_url=f"{ASSETS_URL}/swagger-ui-bundle.js",
                                   swagger_css_url=f"{ASSETS_URL}/swagger-ui.css",
                                   swagger_favicon_url=f"{ASSETS_URL}/favicon.png")

    @app.get("/redoc", include_in_schema=False, dependencies=[PUBLIC])
    def redoc() -> HTMLResponse:
        return get_redoc_html(openapi_url="/openapi.json", title="ponstack API",
                              redoc_js_url=f"{ASSETS_URL}/redoc.standalone.js",
                              redoc_favicon_url=f"{ASSETS_URL}/favicon.png", with_google_fonts=False)
