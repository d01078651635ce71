"""What every console page shares: the logged-in viewer, rendering, and HTML errors.

A page declares what it needs with `viewer(Permission...)`, as an API route does with
`require`: an anonymous browser is sent to the login page, a missing permission is an
HTML 403 page (the server refuses what the page does not offer).
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import Depends, FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from core.access import (
    Forbidden,
    NotAuthenticated,
    Permission,
    Principal,
    Requirement,
)
from core.errors import DomainError

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=str(HERE / "templates"))
STATIC_DIR = HERE / "static"


class LoginRequired(Exception):
    def __init__(self, next_url: str) -> None:
        self.next_url = next_url


class PageForbidden(Exception):
    def __init__(self, message: str) -> None:
        self.message = message


class ConsoleRequirement(Requirement):
    """`Requirement` for pages: the same checks, answered in HTML (redirect or 403 page)."""

    redirects_to_login = True

    def __call__(self, request: Request) -> Principal | None:
        try:
            who = super().__call__(request)
        except NotAuthenticated as exc:
            raise LoginRequired(str(request.url.path) + (f"?{request.url.query}" if request.url.query else "")) \
                from exc
        except Forbidden as exc:
            raise PageForbidden(str(exc)) from exc
        if who is not None:
            request.state.page_viewer = who  # a DomainError of this request is answered as a page
        return who


def viewer(*permissions: Permission) -> Any:
    """Declare what a page needs; the parameter receives the logged-in Principal."""
    return Depends(ConsoleRequirement(permissions))


#: the login page and the static assets: anyone may fetch them
PUBLIC_PAGE: Any = Depends(ConsoleRequirement((), public=True, reads_credentials=False))


@dataclass(frozen=True)
class NavItem:
    label: str
    href: str
    permission: Permission


NAV = (
    NavItem("Dashboard", "/", Permission.NETWORK_READ),
    NavItem("ONUs", "/console/onus", Permission.NETWORK_READ),
    NavItem("OLTs", "/console/olts", Permission.NETWORK_READ),
    NavItem("Jobs", "/console/jobs", Permission.NETWORK_READ),
    NavItem("Customers", "/console/customers", Permission.CRM_READ),
    NavItem("Subscriptions", "/console/subscriptions", Permission.CRM_READ),
    NavItem("Tickets", "/console/tickets", Permission.CRM_READ),
    NavItem("Bulk", "/console/bulk", Permission.ONU_PROVISION),
    NavItem("Settings", "/console/settings", Permission.SETTINGS_READ),
)


def render(request: Request, template: str, who: Principal | None, status_code: int = 200,
           **context: Any) -> HTMLResponse:
    """A full page (or, with `partial=True` in the template's own logic, a fragment)."""
    nav = [item for item in NAV if who is not None and who.can(item.permission)]
    return templates.TemplateResponse(request, template, {
        "who": who, "nav": nav, "csrf_token": (who.csrf_token or "") if who is not None else "",
        "P": Permission, "path": request.url.path, **context,
    }, status_code=status_code)


def fragment(request: Request, template: str, **context: Any) -> HTMLResponse:
    """A piece of a page that the page's script loads or refreshes (no layout around it)."""
    return templates.TemplateResponse(request, template, {"P": Permission, **context})


async def _login_required(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, LoginRequired)
    return RedirectResponse(f"/login?next={quote(exc.next_url, safe='/')}", status_code=303)


async def _forbidden(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, PageForbidden)
    return templates.TemplateResponse(request, "error.html", {
        "who": None, "nav": [], "csrf_token": "", "P": Permission, "path": request.url.path,
        "title": "Not allowed", "message": exc.message}, status_code=403)


def install(app: FastAPI) -> None:
    """The pages' exception handlers. A DomainError (a missing row, a bad filter...) raised while
    answering a page is that page's HTML error; anywhere else the API's handler answers it (so
    this runs after api.errors.install_error_handlers)."""
    app.add_exception_handler(LoginRequired, _login_required)
    app.add_exception_handler(PageForbidden, _forbidden)
    api_answer = app.exception_handlers[DomainError]

    async def domain_error(request: Request, exc: Exception) -> Response:
        who = getattr(request.state, "page_viewer", None)
        if who is None or not isinstance(exc, DomainError):
            answer = api_answer(request, exc)
            return await answer if inspect.isawaitable(answer) else answer
        return page_error(request, who, exc)

    app.add_exception_handler(DomainError, domain_error)


def page_error(request: Request, who: Principal, exc: DomainError) -> HTMLResponse:
    """A domain error (404 of a missing row, 409...) as a page, with the domain's own message."""
    return render(request, "error.html", who, status_code=exc.status, title="Cannot show this page",
                  message=str(exc))


# --- lists: one paging and sorting style for every console table ------------------------------

PAGE_SIZES = (25, 50, 100, 200)


@dataclass
class Listing:
    """One page of a console list, with what the pager and the sortable headers need.

    `params` are the filters of the page (kept in every link); `sort` is one of the list's
    own sort keys (never a raw column name from the URL)."""

    path: str
    params: dict[str, str]
    sort: str
    descending: bool
    offset: int
    limit: int
    count: int
    rows: list[Any]
    count_is_estimate: bool = False

    def url(self, **changes: Any) -> str:
        query = {**self.params, "sort": self.sort, "dir": "desc" if self.descending else "asc",
                 "offset": str(self.offset), "limit": str(self.limit)}
        query.update({k: str(v) for k, v in changes.items()})
        kept = {k: v for k, v in query.items() if v not in ("", "None")}
        return self.path + "?" + "&".join(f"{quote(k)}={quote(v)}" for k, v in kept.items())

    @property
    def first_row(self) -> int:
        return self.offset + 1 if self.rows else 0

    @property
    def last_row(self) -> int:
        return self.offset + len(self.rows)

    @property
    def has_next(self) -> bool:
        return self.offset + len(self.rows) < self.count

    @property
    def prev_offset(self) -> int:
        return max(0, self.offset - self.limit)

    @property
    def count_label(self) -> str:
        return f"about {self.count:,}" if self.count_is_estimate else f"{self.count:,}"


def list_window(request: Request, sort_keys: tuple[str, ...], default_sort: str,
                default_descending: bool = False) -> tuple[str, bool, int, int]:
    """(sort key, descending, offset, limit) from the query, each clamped to what the list offers."""
    query = request.query_params
    sort = query.get("sort", default_sort)
    sort = sort if sort in sort_keys else default_sort
    direction = query.get("dir")
    descending = default_descending if direction not in ("asc", "desc") else direction == "desc"
    offset = _bounded_int(query.get("offset"), 0, 0, 10_000_000)
    limit = _bounded_int(query.get("limit"), 50, 1, max(PAGE_SIZES))
    return sort, descending, offset, limit


def _bounded_int(raw: str | None, default: int, low: int, high: int) -> int:
    try:
        value = int(raw) if raw is not None else default
    except ValueError:
        return default
    return min(max(value, low), high)
