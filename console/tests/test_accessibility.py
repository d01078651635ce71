"""Accessibility basics on every main page, as an admin sees them (every form and action shown):
the page's language, one main heading, a label for every field, a name for every button, link
and image. What a screen reader or a keyboard user needs first; checked on the served HTML."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

import pytest
from sqlalchemy import select

from console.tests.test_olt_pages import Network, network  # noqa: F401
from core.db import session_scope
from oms.models import Onu, OnuLifecycle
from tests.fixtures import api_client

FIELDS = {"input", "select", "textarea"}
UNLABELLED_INPUTS = {"hidden", "submit", "button", "reset", "image"}


@dataclass
class Audit:
    """What one page's HTML lacks."""

    lang: str | None = None
    h1: int = 0
    label_for: set[str] = field(default_factory=set)
    fields: list[tuple[str, str | None, bool]] = field(default_factory=list)  # (tag, id, named otherwise)
    unnamed: list[str] = field(default_factory=list)  # buttons, links, images without a name

    def problems(self, full_page: bool) -> list[str]:
        found = [f"{tag} without a label (id={ident})" for tag, ident, named in self.fields
                 if not named and (ident is None or ident not in self.label_for)]
        found += self.unnamed
        if full_page and not self.lang:
            found.append("<html> has no lang")
        if full_page and self.h1 != 1:
            found.append(f"{self.h1} <h1> headings (one expected)")
        return found


class _Auditor(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.audit = Audit()
        self.in_label = 0
        self.open: list[tuple[str, dict[str, str | None], list[str]]] = []  # buttons and links being read

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "html":
            self.audit.lang = a.get("lang")
        elif tag == "h1":
            self.audit.h1 += 1
        elif tag == "label":
            self.in_label += 1
            if a.get("for"):
                self.audit.label_for.add(str(a["for"]))
        elif tag in FIELDS and not (tag == "input" and (a.get("type") or "text") in UNLABELLED_INPUTS):
            named = self.in_label > 0 or bool(a.get("aria-label") or a.get("aria-labelledby") or a.get("title"))
            self.audit.fields.append((tag, a.get("id"), named))
        elif tag == "img" and a.get("alt") is None:
            self.audit.unnamed.append(f"img without alt ({a.get('src')})")
        if tag in ("button", "a"):
            self.open.append((tag, a, []))
        elif tag == "img" and self.open:
            self.open[-1][2].append(a.get("alt") or "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "label":
            self.in_label = max(0, self.in_label - 1)
        if tag in ("button", "a") and self.open and self.open[-1][0] == tag:
            _, attrs, text = self.open.pop()
            if not "".join(text).strip() and not attrs.get("aria-label") and not attrs.get("title"):
                self.audit.unnamed.append(f"<{tag}> without a name ({attrs.get('href') or attrs.get('data-api')})")

    def handle_data(self, data: str) -> None:
        for _, _, text in self.open:
            text.append(data)


def audit(html: str) -> Audit:
    parser = _Auditor()
    parser.feed(html)
    return parser.audit


def test_the_auditor_finds_what_is_missing() -> None:
    page = ('<html><body><h1>A</h1><h1>B</h1><input id="x"><label for="y">Y</label><input id="y">'
            '<label>Z <select></select></label><button></button><a href="/q"><img src="i.png"></a></body></html>')
    problems = sorted(audit(page).problems(full_page=True))
    assert problems == sorted(["input without a label (id=x)", "img without alt (i.png)",
                               "<button> without a name (None)", "<a> without a name (/q)", "<html> has no lang",
                               "2 <h1> headings (one expected)"])


def _pages(network: Network) -> list[str]:  # noqa: F811
    with session_scope(network.url) as session:
        onu_id = session.scalar(select(Onu.id).where(Onu.lifecycle_state == OnuLifecycle.ACTIVE).limit(1))
    return ["/", "/console/onus", "/console/olts", "/console/jobs", "/console/customers", "/console/subscriptions",
            "/console/tickets", f"/console/olts/{network.north}", f"/console/onus/{onu_id}", "/console/bulk",
            "/console/settings"]


FRAGMENT = re.compile(r'data-src="([^"]+)"')
SETTINGS_LINK = re.compile(r'href="(/console/settings/[^"?#]+)"')


def test_every_main_page_is_labelled_and_named(network: Network) -> None:  # noqa: F811
    client = api_client(network.url, "ada", "admin")
    pages = _pages(network)
    settings = client.get("/console/settings").text
    pages += sorted(set(SETTINGS_LINK.findall(settings)))
    problems: dict[str, list[str]] = {}
    for path in pages:
        answer = client.get(path)
        assert answer.status_code == 200, path
        found = audit(answer.text).problems(full_page=True)
        for fragment in FRAGMENT.findall(answer.text):  # the parts loaded after the frame
            part = client.get(fragment.replace("&amp;", "&"))
            assert part.status_code == 200, fragment
            found += [f"{fragment}: {p}" for p in audit(part.text).problems(full_page=False)]
        if found:
            problems[path] = found
    assert len(pages) > 15
    assert problems == {}


@pytest.mark.parametrize("path", ["/login"])
def test_the_login_page_is_labelled(network: Network, path: str) -> None:  # noqa: F811
    from fastapi.testclient import TestClient

    from api.app import create_app

    answer = TestClient(create_app(network.url)).get(path)
    assert audit(answer.text).problems(full_page=True) == []
