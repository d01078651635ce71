"""The CRM pages of the console: customer search and list, the customer page (subscriptions with
their suspension reasons and ONU live state, invoices, payments, balance, tickets), the
subscription and ticket lists, the ticket page; who sees what, and the lifecycle actions."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import expect
from sqlalchemy import insert, select

from console.tests.conftest import Browser, LiveApp, make_login
from core.db import session_scope
from core.models import RestrictionGroup, User, VendorFamily, restriction_group_zones, user_restriction_groups
from crm.models import (
    Customer,
    Invoice,
    InvoiceStatus,
    Payment,
    PaymentMethod,
    ServicePlan,
    Subscription,
    SubscriptionStatus,
    Ticket,
    TicketComment,
    TicketPriority,
    TicketStatus,
)
from lab.register import DEMO_PLAN, ensure_reference_data, new_sim, register_olt
from oms.models import Olt, Onu, OnuLifecycle, OnuStatus, OnuType, Zone
from tests.fixtures import api_client, make_user

HUAWEI = VendorFamily.HUAWEI_SMARTAX


@dataclass
class Shop:
    url: str
    alice: int
    bob: int
    plan: int
    sub_north: int  # Alice's, on the north OLT's ONU
    sub_south: int  # Alice's, on the south OLT's ONU
    sub_plain: int  # Alice's, no ONU
    onu_north: int
    invoice: int
    ticket: int
    group: int  # the restriction group of zone north


def _olt(session: Any, name: str, zone: Zone) -> Olt:
    olt = register_olt(session, new_sim(HUAWEI, name), HUAWEI, 1)
    olt.zone = zone
    session.flush()
    return olt


def _onu(session: Any, serial: str, olt: Olt, subscription: Subscription, rx: float) -> Onu:
    port = sorted(olt.pon_ports, key=lambda p: p.fsp)[0]
    onu = Onu(serial=serial, olt_id=olt.id, pon_port_id=port.id, onu_index=1, lifecycle_state=OnuLifecycle.ACTIVE,
              status=OnuStatus.ONLINE, rx_dbm=rx, tx_dbm=2.1, subscription_id=subscription.id,
              optical_read_at=datetime.now(UTC) - timedelta(minutes=5))
    session.add(onu)
    session.flush()
    return onu


def _subscription(session: Any, customer: Customer, plan: ServicePlan) -> Subscription:
    row = Subscription(customer_id=customer.id, plan_id=plan.id, status=SubscriptionStatus.ACTIVE,
                       started_on=date(2026, 1, 15))
    session.add(row)
    session.flush()
    return row


@pytest.fixture
def shop(db_url: str) -> Shop:
    with session_scope(db_url) as session:
        ensure_reference_data(session)
        north, south = Zone(name="north"), Zone(name="south")
        alice = Customer(code="C-ALICE", name="Alice Fernsby", phone="+1 (555) 123-4567",
                         email="alice@example.net", address="1 Fibre Lane")
        bob = Customer(code="C-BOB", name="Bob Marlowe", phone="+44 20 7946 0000", address="9 Copper Road")
        plan = ServicePlan(name="Fibre 300", download_kbps=300_000, upload_kbps=100_000, price=Decimal("39.90"))
        group = RestrictionGroup(name="north team")
        session.add_all([north, south, alice, bob, plan, group])
        session.flush()
        subs = [_subscription(session, alice, plan) for _ in range(3)]
        onu_n = _onu(session, "HWTC000000N1", _olt(session, "OLT-NORTH", north), subs[0], -19.5)
        _onu(session, "HWTC000000S1", _olt(session, "OLT-SOUTH", south), subs[1], -27.25)
        session.execute(insert(restriction_group_zones).values(group_id=group.id, zone_id=north.id))
        invoice = Invoice(customer_id=alice.id, number="2026-000042", status=InvoiceStatus.ISSUED,
                          issued_on=date(2026, 11, 1), due_on=date(2026, 11, 15), total=Decimal("39.90"),
                          subtotal=Decimal("39.90"))
        ticket = Ticket(customer_id=alice.id, subscription_id=subs[0].id, subject="Slow since the storm",
                        priority=TicketPriority.HIGH)
        session.add_all([invoice, ticket,
                         Payment(customer_id=alice.id, amount=Decimal("10.00"), method=PaymentMethod.CASH,
                                 reference="RCPT-7781")])
        session.flush()
        return Shop(db_url, alice.id, bob.id, plan.id, subs[0].id, subs[1].id, subs[2].id, onu_n.id, invoice.id,
                    ticket.id, group.id)


def _restricted(shop: Shop, username: str = "nora") -> TestClient:
    client: TestClient = api_client(shop.url, username, "support")
    with session_scope(shop.url) as session:
        user_id = session.execute(select(User.id).where(User.username == username)).scalar_one()
        session.execute(insert(user_restriction_groups).values(user_id=user_id, group_id=shop.group))
    return client


def _customer_names(html: str) -> list[str]:
    """The names in the customer list, in the order shown."""
    return re.findall(r'<td><a href="/console/customers/\d+">[^<]+</a></td>\s*<td><a href="/console/customers/\d+">'
                      r'([^<]+)</a></td>', html)


# --- customer search and list ------------------------------------------------------------------


@pytest.mark.parametrize("term", ["Fernsby", "555 123", "HWTC000000N1", "alice@example.net", "fibre lane"])
def test_search_finds_a_customer_by_name_phone_serial_mail_or_address(shop: Shop, term: str) -> None:
    page = api_client(shop.url, "sue", "support").get("/console/customers", params={"q": term})
    assert page.status_code == 200
    assert _customer_names(page.text) == ["Alice Fernsby"]
    assert "best match first" in page.text and "1 customer" in page.text


def test_the_customer_list_pages_and_sorts(shop: Shop) -> None:
    with session_scope(shop.url) as session:
        session.add_all(Customer(code=f"Z{i:02}", name=f"Zed {i:02}") for i in range(30))
    client = api_client(shop.url, "sue", "support")
    everyone = client.get("/console/customers").text
    assert "32 customers" in everyone and _customer_names(everyone)[:2] == ["Alice Fernsby", "Bob Marlowe"]

    first = client.get("/console/customers", params={"q": "Zed", "sort": "name", "dir": "desc", "limit": 10}).text
    assert _customer_names(first) == [f"Zed {i:02}" for i in range(29, 19, -1)]
    assert "1–10 of 30" in first
    assert 'href="/console/customers?q=Zed&amp;sort=name&amp;dir=desc&amp;offset=10&amp;limit=10" rel="next"' \
        in first
    second = client.get("/console/customers", params={"q": "Zed", "sort": "name", "dir": "desc",
                                                      "offset": 10, "limit": 10}).text
    assert _customer_names(second)[0] == "Zed 19" and 'rel="prev"' in second
    by_code = client.get("/console/customers", params={"sort": "code", "dir": "asc", "limit": 3}).text
    assert _customer_names(by_code) == ["Alice Fernsby", "Bob Marlowe", "Zed 00"]
    # an unknown sort key falls back to the default; a bad filter value is a 422 page, never a 500
    assert _customer_names(client.get("/console/customers", params={"sort": "password"}).text)[0] == "Alice Fernsby"
    bad = client.get("/console/customers", params={"status": "bogus"})
    assert bad.status_code == 422 and "status" in bad.text


# --- the customer page ------------------------------------------------------------------------


def test_customer_page_shows_subscriptions_onu_invoices_payments_and_tickets(shop: Shop) -> None:
    client = api_client(shop.url)
    suspended = client.post(f"/crm/subscriptions/{shop.sub_plain}/suspensions",
                            json={"reason": "fraud", "note": "chargeback on card"})
    assert suspended.status_code == 202, suspended.text
    page = client.get(f"/console/customers/{shop.alice}")
    assert page.status_code == 200
    html = page.text
    assert "<h1>Alice Fernsby" in html and "+1 (555) 123-4567" in html
    for sub in (shop.sub_north, shop.sub_south, shop.sub_plain):
        assert f'data-subscription="{sub}"' in html
    assert "Fibre 300 — 300.0/100.0 Mbit/s" in html
    assert '<li data-reason="fraud"><strong>fraud</strong>: chargeback on card' in html
    assert f'<a href="/console/onus/{shop.onu_north}">HWTC000000N1</a>' in html
    assert "-19.50 dBm" in html and "5 min ago" in html and "HWTC000000S1" in html
    assert "2026-000042" in html and f'href="/crm/invoices/{shop.invoice}/html"' in html
    assert "RCPT-7781" in html and "<strong>29.90</strong>" in html  # 39.90 invoiced, 10.00 paid
    assert f'<a href="/console/tickets/{shop.ticket}">Slow since the storm</a>' in html
    # an admin is offered every action, through the JSON API
    for api in (f'data-api="/crm/subscriptions/{shop.sub_north}/suspensions"',
                f'data-api="/crm/subscriptions/{shop.sub_plain}/suspensions/lift"',
                'data-api="/crm/payments"', 'data-api="/crm/tickets"'):
        assert api in html


def test_billing_sees_invoices_and_no_network_noc_the_reverse(shop: Shop) -> None:
    billing = api_client(shop.url, "bill", "billing").get(f"/console/customers/{shop.alice}").text
    assert "2026-000042" in billing and "RCPT-7781" in billing and 'data-api="/crm/payments"' in billing
    assert "HWTC000000N1" not in billing and "-19.50" not in billing and "data-onu-hidden" in billing
    noc = api_client(shop.url, "nick", "noc_engineer").get(f"/console/customers/{shop.alice}").text
    assert "2026-000042" not in noc and "RCPT-7781" not in noc and "data-balance" not in noc
    assert "HWTC000000N1" in noc
    assert 'data-api="/crm/payments"' not in noc and "/suspensions" not in noc  # noc: no crm:write
    assert 'data-api="/crm/tickets"' in noc  # tickets:write


def test_actions_are_offered_only_to_roles_that_may_take_them(shop: Shop) -> None:
    reader = api_client(shop.url, "rita", "read_only")
    for path in (f"/console/customers/{shop.alice}", f"/console/tickets/{shop.ticket}"):
        page = reader.get(path)
        assert page.status_code == 200 and "data-api" not in page.text
    support = api_client(shop.url, "sue", "support").get(f"/console/customers/{shop.alice}").text
    assert f'data-api="/crm/subscriptions/{shop.sub_north}/suspensions"' in support
    assert "2026-000042" in support and 'data-api="/crm/payments"' not in support  # billing:read, not write


def test_a_restricted_reader_sees_only_the_onus_of_its_zones(shop: Shop) -> None:
    html = _restricted(shop).get(f"/console/customers/{shop.alice}").text
    assert "HWTC000000N1" in html and "-19.50 dBm" in html
    assert "HWTC000000S1" not in html and "-27.25" not in html and "data-onu-hidden" in html


def test_missing_rows_are_404_pages(shop: Shop) -> None:
    client = api_client(shop.url, "sue", "support")
    for path in ("/console/customers/999999", "/console/customers/0", "/console/tickets/999999"):
        page = client.get(path)
        assert page.status_code == 404 and "not found" in page.text and "<html" in page.text
    assert client.get("/console/customers/99999999999").status_code == 404  # beyond any id: the app's own 404
    anonymous = TestClient(client.app)
    assert anonymous.get(f"/console/customers/{shop.alice}", follow_redirects=False).status_code == 303


# --- subscriptions and tickets ------------------------------------------------------------------


def test_subscription_list_filters_and_sorts(shop: Shop) -> None:
    client = api_client(shop.url)
    client.post(f"/crm/subscriptions/{shop.sub_plain}/suspensions", json={"reason": "admin"})
    with session_scope(shop.url) as session:
        other = ServicePlan(name="Copper 20", download_kbps=20_000, upload_kbps=2_000, price=Decimal("9"))
        session.add(other)
        session.flush()
        session.add(Subscription(customer_id=shop.bob, plan_id=other.id, status=SubscriptionStatus.PENDING))
    everything = client.get("/console/subscriptions", params={"sort": "customer", "dir": "desc"}).text
    assert "4 subscriptions" in everything
    assert everything.index("Bob Marlowe") < everything.index("Alice Fernsby")
    suspended = client.get("/console/subscriptions", params={"status": "suspended"}).text
    assert "1 subscription<" in suspended and "admin" in suspended and "HWTC" not in suspended
    by_plan = client.get("/console/subscriptions", params={"plan_id": str(shop.plan)}).text
    assert "3 subscriptions" in by_plan and "Bob Marlowe" not in by_plan and "HWTC000000N1" in by_plan
    assert client.get("/console/subscriptions", params={"plan_id": "x"}).status_code == 422
    north_only = _restricted(shop).get("/console/subscriptions").text
    assert f'<a href="/console/onus/{shop.onu_north}">HWTC000000N1</a>' in north_only
    assert "HWTC000000S1" not in north_only


def test_ticket_list_filters_by_status_priority_assignee_and_sorts_by_urgency(shop: Shop) -> None:
    make_user(shop.url, "tess", "support")
    with session_scope(shop.url) as session:
        tess = session.execute(select(User.id).where(User.username == "tess")).scalar_one()
        session.add_all([
            Ticket(customer_id=shop.bob, subject="Router lights off", priority=TicketPriority.URGENT,
                   assigned_to_id=tess),
            Ticket(subject="Invoice copy", priority=TicketPriority.LOW, status=TicketStatus.RESOLVED),
        ])
    client = api_client(shop.url, "sue", "support")
    by_urgency = client.get("/console/tickets", params={"sort": "priority", "dir": "desc"}).text
    subjects = re.findall(r'<a href="/console/tickets/\d+">([^<]+)</a>', by_urgency)
    assert subjects == ["Router lights off", "Slow since the storm", "Invoice copy"]
    assert "3 tickets" in by_urgency and "tess" in by_urgency
    resolved = client.get("/console/tickets", params={"status": "resolved"}).text
    assert re.findall(r'<a href="/console/tickets/\d+">([^<]+)</a>', resolved) == ["Invoice copy"]
    mine = client.get("/console/tickets", params={"assigned_to_id": str(tess), "priority": "urgent"}).text
    assert "1 ticket<" in mine and "Router lights off" in mine
    assert f'<option value="{tess}" selected>tess</option>' in mine
    of_alice = client.get("/console/tickets", params={"customer_id": str(shop.alice)}).text
    assert "1 ticket<" in of_alice and "Slow since the storm" in of_alice
    assert client.get("/console/tickets", params={"priority": "whenever"}).status_code == 422


def test_ticket_page_shows_onu_state_and_comments(shop: Shop) -> None:
    with session_scope(shop.url) as session:
        session.add(TicketComment(ticket_id=shop.ticket, body="Customer says it started at 9pm"))
    client = api_client(shop.url, "sue", "support")
    html = client.get(f"/console/tickets/{shop.ticket}").text
    assert "Ticket " + str(shop.ticket) in html and "Alice Fernsby" in html
    assert f'<a href="/console/onus/{shop.onu_north}">HWTC000000N1</a>' in html and "-19.50 dBm" in html
    assert "Customer says it started at 9pm" in html
    assert f'data-api="/crm/tickets/{shop.ticket}/comments"' in html
    assert f'data-api="/crm/tickets/{shop.ticket}" data-method="PATCH"' in html
    # the ONU of another zone stays hidden from a restricted reader; the ticket itself is CRM data
    with session_scope(shop.url) as session:
        session.get(Ticket, shop.ticket).subscription_id = shop.sub_south  # type: ignore[union-attr]
    hidden = _restricted(shop).get(f"/console/tickets/{shop.ticket}").text
    assert "data-onu-hidden" in hidden and "HWTC000000S1" not in hidden and "-27.25" not in hidden


# --- in the browser -----------------------------------------------------------------------------


def test_support_finds_a_customer_and_suspends_a_subscription(shop: Shop, browser: Browser,
                                                               live_app: LiveApp) -> None:
    password = make_login(live_app.db_url, "sue", "support")
    browser.login("sue", password)
    browser.goto("/console/customers")
    browser.page.fill("#q", "Fernsby")
    browser.page.click("form.filters button[type=submit]")
    browser.page.click("text=Alice Fernsby")
    browser.page.wait_for_url(f"**/console/customers/{shop.alice}")
    card = browser.page.locator(f'[data-subscription="{shop.sub_plain}"]')
    card.locator("select[name=reason]").select_option("customer_request")
    card.locator("input[name=note]").fill("travelling until March")
    card.locator("form.crm-suspend button[type=submit]").click()
    # the page reloads once the API accepted the suspension: the reason is listed with its note
    expect(card.locator('li[data-reason="customer_request"]')).to_contain_text("travelling until March")
    browser.page.reload()
    expect(card.locator("h3")).to_contain_text("suspended")
    expect(card.locator('li[data-reason="customer_request"]')).to_contain_text("customer request")
    expect(browser.page.locator(f'[data-subscription="{shop.sub_north}"] [data-onu]')).to_contain_text("-19.50 dBm")
    browser.screenshot("customer_page")


def test_the_lifecycle_actions_start_jobs_and_the_page_shows_where_they_stand(shop: Shop) -> None:
    with session_scope(shop.url) as session:
        demo_plan = session.execute(select(ServicePlan.id).where(ServicePlan.name == DEMO_PLAN)).scalar_one()
        onu_type = session.execute(select(OnuType.id).where(OnuType.model == "EG8145V5")).scalar_one()
        pending = Subscription(customer_id=shop.bob, plan_id=demo_plan, status=SubscriptionStatus.PENDING,
                               pppoe_username="bob@isp", pppoe_password="ppp-secret-9")
        session.add(pending)
        north = session.execute(select(Olt).where(Olt.name == "OLT-NORTH")).scalar_one()
        south = session.execute(select(Olt).where(Olt.name == "OLT-SOUTH")).scalar_one()
        for olt, serial in ((north, "HWTC0000D001"), (south, "HWTC0000D002")):
            port = sorted(olt.pon_ports, key=lambda p: p.fsp)[0]
            session.add(Onu(serial=serial, olt_id=olt.id, pon_port_id=port.id, lifecycle_state=OnuLifecycle.DISCOVERED,
                            onu_type_id=onu_type, discovered_at=datetime.now(UTC)))
        session.flush()
        pending_id = pending.id
    support = _restricted(shop, "sam")
    page = support.get(f"/console/customers/{shop.bob}").text
    assert f'data-api="/crm/subscriptions/{pending_id}/activate"' in page
    assert '<option value="HWTC0000D001">' in page and "HWTC0000D002" not in page, "only the zone's ONUs"
    alice = support.get(f"/console/customers/{shop.alice}").text
    assert f'data-api="/crm/subscriptions/{shop.sub_north}/change-plan"' in alice
    assert f'data-api="/crm/subscriptions/{shop.sub_north}/cancel"' in alice
    assert "/activate" not in alice and "/retry" not in alice

    started = support.post(f"/crm/subscriptions/{pending_id}/activate", json={"serial": "HWTC0000D001"})
    assert started.status_code == 202, started.text
    after = support.get(f"/console/customers/{shop.bob}").text
    assert 'data-network-state="in_progress"' in after and f"/crm/subscriptions/{pending_id}/activate" not in after
    (job_id,) = started.json()["jobs"]
    assert f'href="/console/jobs/{job_id}"' in after
    reader = api_client(shop.url, "rita", "read_only").get(f"/console/customers/{shop.bob}").text
    assert 'data-network-state="in_progress"' in reader and "/cancel" not in reader
