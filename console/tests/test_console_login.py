"""Logging in to the console, and what an anonymous or unauthorised browser gets."""

from __future__ import annotations

from playwright.sync_api import expect

from console.tests.conftest import Browser, LiveApp, make_login
from tests.fixtures import api_client


def test_an_anonymous_page_request_is_sent_to_the_login_page(db_url: str) -> None:
    client = api_client(db_url)
    client.headers.pop("Authorization")
    answer = client.get("/?band=critical", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/login?next=/%3Fband%3Dcritical"


def test_the_login_page_never_redirects_to_another_site(db_url: str) -> None:
    client = api_client(db_url)
    page = client.get("/login", params={"next": "//evil.example/x"}).text
    assert 'data-next="/"' in page


def test_assets_are_served_by_the_app_itself(db_url: str) -> None:
    client = api_client(db_url)
    assert client.get("/static/console.js").headers["content-type"].startswith("text/javascript")
    assert client.get("/static/console.css").status_code == 200
    assert client.get("/static/../app.py").status_code == 404


def test_log_in_and_out_in_the_browser(browser: Browser, live_app: LiveApp) -> None:
    password = make_login(live_app.db_url, "noc1", "noc_engineer")
    browser.goto("/")
    assert "/login" in browser.page.url
    browser.page.fill("#username", "noc1")
    browser.page.fill("#password", "wrong password here")
    browser.page.click("button[type=submit]")
    expect(browser.page.locator("[data-out]")).to_contain_text("401")
    browser.login("noc1", password)
    assert browser.page.locator("h1").inner_text() == "Dashboard"
    assert "noc1 · noc_engineer" in browser.page.locator(".me").inner_text()
    browser.page.click("[data-logout]")
    browser.page.wait_for_url("**/login")
    browser.goto("/")
    assert "/login" in browser.page.url
