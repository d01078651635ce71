"""A ticket shows its ONU's live state, recent signal history, jobs and ACS intents; the ONU
part follows the restriction groups (a user of zone north sees nothing of a south ONU)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import insert, select

from acs.models import AcsIntent, IntentKind, IntentReason, IntentStatus
from core.db import session_scope
from core.models import RestrictionGroup, User, VendorFamily, restriction_group_zones, user_restriction_groups
from crm.tests.crm_factories import make_customer, make_plan, make_subscription, post
from crm.tickets import SAMPLE_LIMIT
from lab.register import ensure_reference_data, new_sim, register_olt
from oms.models import Job, JobKind, JobStatus, Olt, Onu, OnuLifecycle, OnuSample, OnuStatus, Zone
from tests.fixtures import api_client

HUAWEI = VendorFamily.HUAWEI_SMARTAX


@dataclass
class Field:
    url: str
    onu_north: int
    onu_south: int
    group: int


def _olt(session: Any, name: str, zone: Zone) -> Olt:
    olt = register_olt(session, new_sim(HUAWEI, name), HUAWEI, 1)
    olt.zone = zone
    session.flush()
    return olt


def _onu(session: Any, serial: str, olt: Olt, now: datetime, rx: float) -> Onu:
    port = sorted(olt.pon_ports, key=lambda p: p.fsp)[0]
    onu = Onu(serial=serial, olt_id=olt.id, pon_port_id=port.id, onu_index=1, lifecycle_state=OnuLifecycle.ACTIVE,
              status=OnuStatus.ONLINE, rx_dbm=rx, tx_dbm=2.1, olt_rx_dbm=-24.0, distance_m=1830,
              optical_read_at=now - timedelta(minutes=5), last_seen_at=now - timedelta(minutes=1))
    session.add(onu)
    session.flush()
    # a sample every 10 minutes for 30 hours: the last 24 h (capped) are shown
    session.add_all(OnuSample(onu_id=onu.id, olt_id=olt.id, sampled_at=now - timedelta(minutes=10 * i),
                              status=OnuStatus.ONLINE, rx_dbm=rx - i / 100, tx_dbm=2.1, distance_m=1830)
                    for i in range(180))
    session.add_all(Job(kind=JobKind.REBOOT, status=JobStatus.SUCCEEDED, olt_id=olt.id, onu_id=onu.id,
                        requested_by=f"tech{i}") for i in range(12))
    session.add(AcsIntent(onu_id=onu.id, kind=IntentKind.WIFI, slot="wifi:2.4", desired={"ssid": "home"},
                          reason=IntentReason.TICKET, requested_by="support", status=IntentStatus.APPLIED,
                          unique_key=f"ponstack:{onu.id}:wifi:2.4"))
    return onu


@pytest.fixture
def field(db_url: str) -> Field:
    now = datetime.now(UTC)
    with session_scope(db_url) as session:
        ensure_reference_data(session)
        north, south = Zone(name="north"), Zone(name="south")
        session.add_all([north, south])
        onu_n = _onu(session, "HWTC000000N1", _olt(session, "OLT-NORTH", north), now, -19.5)
        onu_s = _onu(session, "HWTC000000S1", _olt(session, "OLT-SOUTH", south), now, -27.25)
        group = RestrictionGroup(name="north team")
        session.add(group)
        session.flush()
        session.execute(insert(restriction_group_zones).values(group_id=group.id, zone_id=north.id))
        return Field(db_url, onu_n.id, onu_s.id, group.id)


def _restricted(field: Field) -> TestClient:
    client: TestClient = api_client(field.url, "nora", "support")
    with session_scope(field.url) as session:
        user_id = session.execute(select(User.id).where(User.username == "nora")).scalar_one()
        session.execute(insert(user_restriction_groups).values(user_id=user_id, group_id=field.group))
    return client


def test_ticket_detail_shows_the_onu_live(client: TestClient, field: Field) -> None:
    customer = make_customer(client)
    ticket = post(client, "/crm/tickets", {"subject": "Slow since the storm", "customer_id": customer["id"],
                                           "onu_id": field.onu_north, "category": "slow_speed",
                                           "priority": "high"})
    assert (ticket["category"], ticket["subscription_id"]) == ("slow_speed", None)
    detail = client.get(f"/crm/tickets/{ticket['id']}").json()
    onu = detail["onu"]
    assert (onu["serial"], onu["status"], onu["distance_m"], detail["onu_hidden"]) == (
        "HWTC000000N1", "online", 1830, False)
    assert onu["rx_dbm"]["value"] == -19.5 and onu["tx_dbm"]["value"] == 2.1
    assert 240 <= onu["rx_dbm"]["age_s"] < 400  # read five minutes ago
    samples = detail["samples"]
    assert len(samples) == min(SAMPLE_LIMIT, 24 * 6 + 1)
    assert samples[0]["rx_dbm"] == -19.5 and samples[0]["sampled_at"] > samples[1]["sampled_at"]
    assert len(detail["jobs"]) == 10 and detail["jobs"][0]["kind"] == "reboot"
    assert [(i["kind"], i["status"]) for i in detail["intents"]] == [("wifi", "applied")]
    assert [t["id"] for t in client.get("/crm/tickets", params={"category": "slow_speed"}).json()["results"]] \
        == [ticket["id"]]


def test_ticket_without_onu_falls_back_to_its_subscription(client: TestClient, field: Field) -> None:
    customer = make_customer(client)
    subscription = make_subscription(client, customer["id"], make_plan(client)["id"])
    with session_scope(field.url) as session:
        session.get(Onu, field.onu_south).subscription_id = subscription["id"]  # type: ignore[union-attr]
    ticket = post(client, "/crm/tickets", {"subject": "No internet", "subscription_id": subscription["id"],
                                           "category": "no_service"})
    detail = client.get(f"/crm/tickets/{ticket['id']}").json()
    assert detail["onu"]["serial"] == "HWTC000000S1"
    assert detail["customer_id"] == customer["id"]  # taken from the subscription
    other = make_customer(client, "C0002")
    mismatch = client.post("/crm/tickets", json={"subject": "x", "subscription_id": subscription["id"],
                                                  "customer_id": other["id"]})
    assert mismatch.status_code == 422 and "belongs to customer" in mismatch.json()["detail"]
    plain = post(client, "/crm/tickets", {"subject": "Invoice copy", "category": "billing"})
    bare = client.get(f"/crm/tickets/{plain['id']}").json()
    assert (bare["onu"], bare["onu_hidden"], bare["samples"], bare["jobs"], bare["intents"]) == (
        None, False, [], [], [])
    assert client.post("/crm/tickets", json={"subject": "x", "category": "nonsense"}).status_code == 422
    assert client.post("/crm/tickets", json={"subject": "x", "subscription_id": 999}).status_code == 422


def test_restricted_user_does_not_see_another_zones_onu(client: TestClient, field: Field) -> None:
    north = post(client, "/crm/tickets", {"subject": "north", "onu_id": field.onu_north})
    south = post(client, "/crm/tickets", {"subject": "south", "onu_id": field.onu_south})
    with _restricted(field) as nora:
        mine = nora.get(f"/crm/tickets/{north['id']}").json()
        assert mine["onu"]["serial"] == "HWTC000000N1" and mine["samples"]
        other = nora.get(f"/crm/tickets/{south['id']}")
        assert other.status_code == 200  # the ticket is CRM data; its ONU is not hers to see
        body = other.json()
        assert (body["onu"], body["onu_hidden"], body["samples"], body["jobs"], body["intents"]) == (
            None, True, [], [], [])
        assert "HWTC000000S1" not in other.text and "-27.25" not in other.text
    with api_client(field.url, "bill", "billing") as bill:  # no network:read at all
        body = bill.get(f"/crm/tickets/{north['id']}").json()
        assert (body["onu"], body["onu_hidden"]) == (None, True)
