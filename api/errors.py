"""How the API answers what it cannot do: one place, every router.

Every 4xx/5xx is an RFC 9457 problem document (`application/problem+json`, the
`Problem` schema below), whatever raised it: a domain error (core.errors.DomainError),
a request that fails validation, a value the database refuses (foreign key, unique,
range, NUL), an oversized body. The OpenAPI document declares these answers on every
operation, so a client (and the fuzzing test) can rely on the shape.
"""

from __future__ import annotations

import logging
import re
import uuid
from http import HTTPStatus
from typing import Any

import psycopg.errors as pg
from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.exc import DataError, IntegrityError
from starlette.exceptions import HTTPException
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from core.errors import DomainError
from core.inputs import INT4_MAX

log = logging.getLogger("ponstack.api")

PROBLEM_JSON = "application/problem+json"
#: the largest request body accepted (a bulk run of 10,000 serials is about 200 KB)
MAX_BODY_BYTES = 1 << 20


class FieldProblem(BaseModel):
    loc: list[str | int]
    msg: str
    type: str


class Problem(BaseModel):
    """RFC 9457 problem details; `errors` lists field-level faults, `line` is the
    template line of a CLI template error."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    errors: list[FieldProblem] | None = None
    line: int | None = None


def problem(status: int, detail: str, **extensions: Any) -> JSONResponse:
    body = {"type": "about:blank", "title": HTTPStatus(status).phrase, "status": status, "detail": detail}
    body.update({k: v for k, v in extensions.items() if v is not None})
    return JSONResponse(jsonable_encoder(body), status_code=status, media_type=PROBLEM_JSON)


# --- handlers ---------------------------------------------------------------------------------


async def _domain_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)
    return problem(exc.status, str(exc), **exc.extensions())


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    detail = exc.detail if isinstance(exc.detail, str) else HTTPStatus(exc.status_code).phrase
    response = problem(exc.status_code, detail)
    response.headers.update(exc.headers or {})
    if exc.status_code == 405:
        response.headers["Allow"] = ", ".join(_allowed_methods(request))
    return response


def _allowed_methods(request: Request) -> list[str]:
    """Every method of the path. Starlette's 405 names only the first route that matched the
    path, and FastAPI has one route per method."""
    scope = {**request.scope, "method": "GET"}
    methods: set[str] = set()
    for route in request.app.router.routes:
        match, _ = route.matches(scope)
        if match is not Match.NONE:
            methods |= set(getattr(route, "methods", None) or ())
    return sorted(methods)


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [_field_problem(error) for error in exc.errors()]
    summary = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in errors)
    return problem(422, summary or "invalid request", errors=errors)


def _field_problem(error: dict[str, Any]) -> dict[str, Any]:
    loc, message = list(error.get("loc", ())), str(error.get("msg", ""))
    nul = _NUL_AT.match(message)
    if nul:  # core.inputs.InputModel names where the NUL is: make it the error's location
        loc += nul["path"].split(".")
        message = "text cannot contain the NUL character"
    return {"loc": loc, "msg": message, "type": str(error.get("type", ""))}


_NUL_AT = re.compile(r"^Value error, (?P<path>\S+): text cannot contain the NUL character$")


_KEY_DETAIL = re.compile(r"Key \((?P<columns>[^)]*)\)=\((?P<values>.*)\) (?P<rest>.*)")


async def _integrity_error(request: Request, exc: Exception) -> JSONResponse:
    """A constraint the request broke: a foreign key names the missing row (422), a unique
    key the existing one (409); the field is the constraint's column."""
    assert isinstance(exc, IntegrityError)
    orig = exc.orig
    diag = getattr(orig, "diag", None)
    detail_text = (getattr(diag, "message_detail", None) or "").strip()
    match = _KEY_DETAIL.match(detail_text)
    field = match["columns"] if match else (getattr(diag, "column_name", None) or "body")
    if isinstance(orig, pg.ForeignKeyViolation):
        if match and "still referenced" in match["rest"]:
            return problem(409, f"{_table(diag)} is still in use ({detail_text})")
        message = f"{field} {match['values'] if match else ''} does not exist".replace("  ", " ")
        return problem(422, message, errors=[_loc(field, message, "foreign_key")])
    if isinstance(orig, pg.UniqueViolation):
        message = f"{field} {match['values'] if match else ''} is already taken".replace("  ", " ")
        return problem(409, message, errors=[_loc(field, message, "unique")])
    if isinstance(orig, pg.NotNullViolation):
        message = f"{field} is required"
        return problem(422, message, errors=[_loc(field, message, "missing")])
    constraint = getattr(diag, "constraint_name", None) or "a constraint"
    return problem(422, f"the values break {constraint}")


async def _data_error(request: Request, exc: Exception) -> JSONResponse:
    """A value the column cannot hold. Input models bound what they accept; this is the
    net under them, so that no value reaches the client as a 500."""
    assert isinstance(exc, DataError)
    orig = exc.orig
    if isinstance(orig, pg.NumericValueOutOfRange):
        return problem(422, "a number is out of range for what it is stored in")
    if isinstance(orig, pg.StringDataRightTruncation):
        return problem(422, "a text value is too long for what it is stored in")
    if isinstance(orig, pg.UntranslatableCharacter | pg.CharacterNotInRepertoire):
        return problem(422, "text cannot contain the NUL character")
    diag = getattr(orig, "diag", None)
    return problem(422, f"a value cannot be stored: {getattr(diag, 'message_primary', None) or type(orig).__name__}")


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unexpected error answering %s %s", request.method, request.url.path)
    return problem(500, "internal error: the server log has the details")


def _table(diag: Any) -> str:
    return str(getattr(diag, "table_name", None) or "the row")


def _loc(field: str, message: str, kind: str) -> dict[str, Any]:
    return {"loc": ["body", field], "msg": message, "type": kind}


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(DomainError, _domain_error)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(IntegrityError, _integrity_error)
    app.add_exception_handler(DataError, _data_error)
    app.add_exception_handler(Exception, _unexpected)
    app.add_middleware(RequestGuard)


# --- what is refused before routing -----------------------------------------------------------


async def path_ids_in_range(request: Request) -> None:
    """An application dependency: an integer path parameter beyond the range of any id is
    a resource that cannot exist (404), not a value the database must refuse (500). Async: it
    does no I/O, and FastAPI would run a plain `def` in a thread pool on every request."""
    dependant = getattr(request.scope.get("route"), "dependant", None)
    for param in getattr(dependant, "path_params", ()):
        raw = str(request.path_params.get(param.name, ""))
        digits = raw[1:] if raw.startswith("-") else raw
        if param.field_info.annotation is int and digits.isdigit() and abs(int(digits)) > INT4_MAX:
            raise HTTPException(404, f"{param.name} {raw} does not exist")


class RequestGuard:
    """Gives every request its id (X-Request-ID), and refuses, before any handler runs: a body
    over MAX_BODY_BYTES (413), a NUL byte in the query (422) or in the path (404: no such
    resource can exist)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _request_id(scope)
        scope.setdefault("state", {})["request_id"] = request_id

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", []).append((b"x-request-id", request_id.encode()))
            await send(message)

        refusal = _refusal(scope)
        if refusal is not None:
            await refusal(scope, receive, send_with_id)
            return
        await self.app(scope, _limited(receive), send_with_id)


def _request_id(scope: Scope) -> str:
    """The client's X-Request-ID when it is a plain token (correlates its logs with the audit
    log), else a new one; every response carries it."""
    given = dict(scope.get("headers") or ()).get(b"x-request-id", b"").decode("latin-1")
    return given if _REQUEST_ID.match(given) else str(uuid.uuid4())


_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def _refusal(scope: Scope) -> JSONResponse | None:
    length = dict(scope.get("headers") or ()).get(b"content-length")
    if length is not None and (not length.isdigit() or int(length) > MAX_BODY_BYTES):
        return _too_large()
    query = bytes(scope.get("query_string") or b"").lower()
    if b"%00" in query or b"\x00" in query:
        return problem(422, "the query cannot contain the NUL character",
                       errors=[{"loc": ["query"], "msg": "NUL character", "type": "nul"}])
    if "\x00" in str(scope.get("path", "")):
        return problem(404, "no resource has a NUL character in its path")
    return None


def _too_large() -> JSONResponse:
    return problem(413, f"request body larger than {MAX_BODY_BYTES} bytes")


def _limited(receive: Receive) -> Receive:
    """Counts a body sent without Content-Length (chunked) and stops it at the limit."""
    received = 0

    async def wrapped() -> Message:
        nonlocal received
        message = await receive()
        if message["type"] == "http.request":
            received += len(message.get("body", b""))
            if received > MAX_BODY_BYTES:
                raise HTTPException(413, f"request body larger than {MAX_BODY_BYTES} bytes")
        return message

    return wrapped
