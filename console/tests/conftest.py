"""Browser-test machinery: the whole application served on loopback by uvicorn, and Debian's
chromium driven by Playwright (no browser download). Without chromium the browser tests skip
and say how to enable them; the rest of the suite still runs."""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.fixtures import REPO_ROOT

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SCREENSHOTS = REPO_ROOT / "test-artifacts" / "screenshots"
#: flags that keep chromium off the network it cannot reach here (and off Google's hosts)
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class LiveApp:
    base_url: str
    db_url: str


@pytest.fixture
def live_app(db_url: str) -> Iterator[LiveApp]:
    """The real application (API and console) on a loopback port, in this process."""
    import uvicorn

    from api.app import create_app

    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(db_url), host="127.0.0.1", port=port, log_level="warning",
                                           lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the application did not start on loopback")
        time.sleep(0.05)
    yield LiveApp(f"http://127.0.0.1:{port}", db_url)
    server.should_exit = True
    thread.join(10)


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    """Playwright's sync API leaves its event loop marked running in this thread while it is
    open, so `asyncio.run` fails until it stops: the browser lives for one module only, and
    its tests run anything asyncio off this thread (tests.lab_fixtures' helpers do)."""
    if not Path(CHROMIUM).exists():
        pytest.skip("browser tests need Debian's chromium: `apt-get install chromium` (make test does it as root)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("browser tests need playwright: `pip install -e '.[dev]'`")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@dataclass
class Browser:
    """One logged-in (or not yet) browser tab, recording every URL the pages request."""

    page: Any
    base_url: str
    requested: list[str] = field(default_factory=list)

    def goto(self, path: str) -> Any:
        return self.page.goto(self.base_url + path)

    def login(self, username: str, password: str) -> None:
        self.goto("/login")
        self.page.fill("#username", username)
        self.page.fill("#password", password)
        self.page.click("button[type=submit]")
        self.page.wait_for_url(lambda url: "/login" not in url)

    def screenshot(self, name: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def foreign_requests(self) -> list[str]:
        return [url for url in self.requested if not url.startswith(self.base_url) and not url.startswith("data:")]


@pytest.fixture
def browser(chromium: Any, live_app: LiveApp) -> Iterator[Browser]:
    context = chromium.new_context(viewport={"width": 1366, "height": 900})
    page = context.new_page()
    page.set_default_timeout(20_000)
    tab = Browser(page, live_app.base_url)
    page.on("request", lambda request: tab.requested.append(request.url))
    yield tab
    assert tab.foreign_requests() == [], "a page requested something outside the app's origin"
    context.close()


def make_login(url: str, username: str, role: str = "admin", password: str = "correct horse battery 9") -> str:
    """A user who can log in through the login page; returns the password."""
    from sqlalchemy import select

    from api.accounts import create_user
    from core.db import session_scope
    from core.models import Role, User

    with session_scope(url) as session:
        if session.scalars(select(User).where(User.username == username)).first() is None:
            create_user(session, username, Role(role), password, "test")
    return password
