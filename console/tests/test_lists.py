"""The ONU, OLT and job lists: paged and sorted on the server (only by the list's own keys),
filtered (a bad filter is a 422 page naming it, an absurd window is clamped, never a 500),
counted exactly up to the limit and flagged as an estimate beyond, scoped to the viewer."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import select

from console import lists
from console.tests.test_dashboard import Net, net, provisioned  # noqa: F401 (the fixture)
from console.tests.test_olt_pages import olt_in_zone, restrict
from core.db import session_scope
from oms.models import Olt, OnuStatus, OnuType, PonPort, Zone
from tests.fixtures import api_client

BIG = 30  # ONUs added on the south OLT's port 1 for paging


@pytest.fixture
def many(net: Net) -> Net:  # noqa: F811
    """`net` plus BIG online ONUs on the south OLT's second port, with spread signal levels."""
    with session_scope(net.url) as session:
        south = session.get(Olt, net.south)
        assert south is not None
        for i in range(1, BIG + 1):
            provisioned(session, south, 1, i, OnuStatus.ONLINE, -15.0 - i * 0.25)
    return net


def rows_of(client: Any, path: str) -> tuple[list[str], str]:
    """(serials in the order listed, the page's HTML)."""
    page = client.get(path)
    assert page.status_code == 200, page.text[:500]
    body = page.text.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return re.findall(r'<a href="/console/onus/\d+">([^<]+)</a>', body), page.text


def count_of_page(html: str) -> int:
    match = re.search(r'<caption[^>]*data-count="(\d+)"', html)
    assert match
    return int(match.group(1))


def test_onus_page_through_in_a_stable_order(many: Net) -> None:
    client = api_client(many.url)
    everything, html = rows_of(client, "/console/onus?sort=serial&dir=asc&limit=200")
    total = count_of_page(html)
    assert total == len(everything) and total > 50
    assert everything == sorted(everything)
    pages: list[str] = []
    for offset in range(0, total, 25):
        serials, html = rows_of(client, f"/console/onus?sort=serial&dir=asc&limit=25&offset={offset}")
        assert count_of_page(html) == total and len(serials) <= 25
        assert ('rel="next"' in html) == (offset + 25 < total) and ('rel="prev"' in html) == (offset > 0)
        pages += serials
    assert pages == everything
    descending, _ = rows_of(client, "/console/onus?sort=serial&dir=desc&limit=200")
    assert descending == everything[::-1]


def test_onus_sort_by_signal_both_ways(many: Net) -> None:
    client = api_client(many.url)
    for direction in ("asc", "desc"):
        _, html = rows_of(client, f"/console/onus?status=online&sort=rx&dir={direction}&limit=200")
        levels = [float(v) for v in re.findall(r'class="dbm [a-z]+">(-?\d+\.\d+) dBm', html)]
        assert len(levels) == count_of_page(html) > BIG
        assert levels == sorted(levels, reverse=direction == "desc")
    # the header of the active key links to the other direction
    _, html = rows_of(client, "/console/onus?sort=rx&dir=asc")
    assert re.search(r'aria-sort="ascending">\s*<a href="[^"]*sort=rx&amp;dir=desc', html)


def test_onus_filter(many: Net) -> None:
    client = api_client(many.url)
    with session_scope(many.url) as session:
        north_zone = session.execute(select(Zone.id).where(Zone.name == "north")).scalar_one()
        cut_port = session.execute(select(PonPort.id).where(PonPort.olt_id == many.north)
                                   .order_by(PonPort.frame, PonPort.slot, PonPort.port).offset(1)).scalars().first()
        onu_type = session.execute(select(OnuType.id).where(OnuType.model == "EG8145V5")).scalar_one()

    def serials(query: str) -> list[str]:
        found, html = rows_of(client, f"/console/onus?{query}&limit=200")
        assert count_of_page(html) == len(found)
        return found

    north = serials(f"olt={many.north}")
    assert north and all(s.startswith("NO") or s.startswith("HWTC0000AA") for s in north)
    assert serials(f"zone={north_zone}") == north
    assert serials(f"olt_id={many.north}") == north  # the OLT page's link names it so
    cut = serials(f"olt={many.north}&port={cut_port}&status=los")
    assert len(cut) == 4 and all(s.startswith("NO01") for s in cut)
    assert serials(f"pon_port_id={cut_port}&status=los") == cut
    assert len(serials("status=online&band=warning")) == 3
    assert len(serials("status=online&band=critical")) == 2
    assert len(serials("band=none")) == 0
    typed = serials(f"type={onu_type}&state=active")
    assert typed and len(typed) < len(serials("state=active"))
    assert serials("q=HWTC0000AA") == ["HWTC0000AA02", "HWTC0000AA01"]  # newest first by default
    assert serials("q=hwtc0000aa0") == serials("q=HWTC0000AA0")  # the serial in any case
    assert serials("q=OLT-SOUTH 1-7") == ["SO0100070000"]  # by name
    assert serials("q=%25") == [] and serials("q=_") == []  # LIKE wildcards are literal


def test_bad_filters_and_absurd_windows_never_500(many: Net) -> None:
    client = api_client(many.url)
    for query in ("olt=abc", "olt=99999999999", "port=-1", "status=sleeping", "band=great", "state=x",
                  "type=1.5", "q=" + "x" * 65):
        answer = client.get(f"/console/onus?{query}")
        assert answer.status_code == 422, query
        assert "bad filter value" in answer.text and "<h1" in answer.text
    _, default = rows_of(client, "/console/onus?limit=200")
    for query in ("sort=password&dir=up", "sort=id;drop table onus", "sort=rx&dir=sideways",
                  "offset=-5", "offset=abc", "offset=99999999999999999999", "limit=0", "limit=-1",
                  "limit=1000000", "limit=x"):
        answer = client.get(f"/console/onus?{query}")
        assert answer.status_code == 200, query
    unknown, _ = rows_of(client, "/console/onus?sort=password&limit=200")
    assert unknown == rows_of(client, "/console/onus?limit=200")[0]  # the default order
    huge, html = rows_of(client, "/console/onus?offset=99999999")
    assert huge == [] and 'rel="prev"' in html
    clamped, html = rows_of(client, "/console/onus?limit=1000000")
    assert len(clamped) == count_of_page(html) and 'name="limit" value="200"' in html  # the largest page
    for path in ("/console/olts?sort=nope&offset=-3&limit=99999", "/console/jobs?sort=nope&offset=x&limit=0"):
        assert client.get(path).status_code == 200, path
    for path in ("/console/olts?family=cisco", "/console/olts?poll=great", "/console/jobs?status=x",
                 "/console/jobs?olt=abc", "/console/jobs?kind=reboot_everything"):
        assert client.get(path).status_code == 422, path


def test_the_count_is_flagged_as_an_estimate_beyond_the_exact_limit_only(many: Net,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    client = api_client(many.url)
    _, html = rows_of(client, "/console/onus?limit=25")
    total = count_of_page(html)
    assert "data-estimate" not in html and f"of {total}" in html and "about" not in html
    monkeypatch.setattr(lists, "COUNT_LIMIT", total)  # exactly at the limit: still exact
    _, html = rows_of(client, "/console/onus?limit=25")
    assert "data-estimate" not in html and count_of_page(html) == total
    monkeypatch.setattr(lists, "COUNT_LIMIT", 10)  # beyond: the planner's estimate, flagged
    _, html = rows_of(client, "/console/onus?limit=25")
    assert "data-estimate" in html and "about " in html and count_of_page(html) > 10
    _, html = rows_of(client, f"/console/onus?olt={many.north}&status=los&limit=25")
    assert "data-estimate" not in html and count_of_page(html) == 5  # a small result stays exact
    assert lists.EXACT_COUNT_LIMIT == 10_000


def test_olt_list_sorts_filters_and_pages(many: Net) -> None:
    client = api_client(many.url)
    with session_scope(many.url) as session:
        zone = session.execute(select(Zone).where(Zone.name == "north")).scalar_one()
        for name in ("OLT-EAST", "OLT-WEST", "OLT-CENTRE"):
            olt_in_zone(session, name, zone)

    def names(query: str) -> list[str]:
        page = client.get(f"/console/olts?{query}")
        assert page.status_code == 200, page.text[:300]
        body = page.text.split("<tbody>", 1)[1]
        return re.findall(r'<a href="/console/olts/\d+">([^<]+)</a>', body)

    everything = names("sort=name&dir=asc")
    assert everything == sorted(everything) and len(everything) == 5
    assert names("sort=name&dir=desc") == everything[::-1]
    assert names("sort=name&limit=2&offset=2") == everything[2:4]
    assert names("sort=offline&dir=desc")[:2] == ["OLT-NORTH", "OLT-SOUTH"]  # 10 and 1 down, then none
    assert names("sort=offline&dir=asc")[-2:] == ["OLT-SOUTH", "OLT-NORTH"]
    assert names("sort=online&dir=desc")[:2] == ["OLT-SOUTH", "OLT-NORTH"]  # 33 and 8
    assert names("sort=uptime&dir=asc")[0] == "OLT-NORTH"  # the only one known; unknown last
    assert names("zone=south") == ["OLT-SOUTH"]
    assert names("q=nor") == ["OLT-NORTH"]


def test_job_list_sorts_filters_and_pages(many: Net) -> None:
    client = api_client(many.url)

    def jobs(query: str) -> list[int]:
        page = client.get(f"/console/jobs?{query}")
        assert page.status_code == 200, page.text[:300]
        return [int(j) for j in re.findall(r'<a href="/console/jobs/(\d+)">', page.text.split("<tbody>", 1)[1])]

    everything = jobs("")
    assert everything == sorted(everything, reverse=True) and len(everything) == 3
    assert jobs("dir=asc") == everything[::-1]
    assert jobs("limit=1&offset=1") == everything[1:2]
    assert len(jobs("status=failed")) == 2 and len(jobs("status=succeeded")) == 1
    assert len(jobs(f"olt={many.south}")) == 1
    assert jobs("sort=olt&dir=asc")[-1] == jobs(f"olt={many.south}")[0]


def test_a_zone_restricted_user_lists_only_its_zones(many: Net) -> None:
    nora = api_client(many.url, "nora", "noc_engineer")
    restrict(many.url, "nora", many.group)
    serials, html = rows_of(nora, "/console/onus?limit=200")
    assert serials and not any(s.startswith("SO") or s == "HWTC0000BB01" for s in serials)
    assert count_of_page(html) == len(serials)
    assert "OLT-SOUTH" not in html  # not even among the filter's choices
    assert rows_of(nora, f"/console/onus?olt={many.south}")[0] == []
    olts = nora.get("/console/olts").text
    assert "OLT-NORTH" in olts and "OLT-SOUTH" not in olts and "south" not in olts
    jobs = nora.get("/console/jobs").text
    assert "OLT-NORTH" in jobs and "OLT-SOUTH" not in jobs
    assert "OLT-SOUTH" not in nora.get(f"/console/jobs?olt={many.south}").text
