"""The login page and the console's static assets (both public)."""

from __future__ import annotations

import mimetypes

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, Response

from console.web import PUBLIC_PAGE, STATIC_DIR, render

router = APIRouter(include_in_schema=False)
_ASSETS = {p.name: p for p in STATIC_DIR.iterdir() if p.is_file()}


@router.get("/login", dependencies=[PUBLIC_PAGE])
def login_page(request: Request, next: str = "/") -> HTMLResponse:
    # only a path of this site: never an open redirect to another origin
    target = next if next.startswith("/") and not next.startswith("//") else "/"
    return render(request, "login.html", None, next_url=target)


@router.get("/static/{name}", dependencies=[PUBLIC_PAGE])
def asset(name: str) -> Response:
    path = _ASSETS.get(name)
    if path is None:
        return Response("no such asset", status_code=404, media_type="text/plain")
    media_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return FileResponse(path, media_type=media_type, headers={"Cache-Control": "public, max-age=3600"})
