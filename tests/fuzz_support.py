"""Seed data for the API fuzz test (tests/test_api_fuzz.py): a small but realistic ISP,
so that the ids a fuzzer tries first (1, 2, 3...) name existing rows of every kind.

What is seeded (ids are those of a fresh database, in creation order):

- users 1-2 (ticket assignees and comment authors), zones 1-2, site 1 (in zone 1);
- ONU types 1-3 with their per-family mappings and the plan "FTTH 100M" mapped on every
  family (lab.register's reference data), plus two more plans through the CRM API;
- OLTs 1-3, one per vendor family, with their PON ports and OLT profiles. Their management
  address is 127.0.0.1 on a port nothing listens on, and OLT 1 has SNMP settings pointing
  at 127.0.0.1 too: nothing in the test may reach a device (no worker runs either);
- customers, subscriptions, invoices (draft, issued, paid), payments, tickets with comments,
  all created through the CRM API;
- ONUs on every OLT in each lifecycle state that matters (active, suspended, discovered,
  pre-provisioned, failed), with status readings and signal history;
- jobs (queued by ONU actions and a reconcile), one finished job with its steps, and a
  bulk run.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from core.db import session_scope
from core.models import Role, User, VendorFamily
from lab.register import ensure_reference_data, new_sim, register_olt
from oms.models import (
    Job,
    JobKind,
    JobStatus,
    JobStep,
    Olt,
    OltSnmpSettings,
    Onu,
    OnuLifecycle,
    OnuSample,
    OnuType,
    Site,
    StepStatus,
    Zone,
)
from vendor_cli.base import OnuStatus

FAMILIES = (VendorFamily.HUAWEI_SMARTAX, VendorFamily.ZTE_C3XX, VendorFamily.ZTE_C6XX)
#: serial prefix per family (4-character vendor id of a GPON serial)
VENDOR_IDS = {VendorFamily.HUAWEI_SMARTAX: "HWTC", VendorFamily.ZTE_C3XX: "ZTEG", VendorFamily.ZTE_C6XX: "ZTEG"}


@dataclass
class Seeded:
    """Ids of the seeded rows, for tests that want to name them."""

    olt_ids: list[int] = field(default_factory=list)
    onu_ids: dict[OnuLifecycle, list[int]] = field(default_factory=dict)
    customer_ids: list[int] = field(default_factory=list)
    plan_ids: list[int] = field(default_factory=list)
    subscription_ids: list[int] = field(default_factory=list)
    invoice_ids: list[int] = field(default_factory=list)
    ticket_ids: list[int] = field(default_factory=list)


def closed_tcp_port() -> int:
    """A local TCP port nothing listens on (bound then released): connecting is refused."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def seed(url: str, client: TestClient) -> Seeded:
    """Fill the database at `url`; `client` talks to the application on that database."""
    seeded = Seeded()
    dead_port = closed_tcp_port()
    with session_scope(url) as session:
        session.add_all(
            [
                User(username="alice", full_name="Alice NOC", role=Role.NOC_ENGINEER),
                User(username="bob", full_name="Bob Support", role=Role.SUPPORT),
            ]
        )
        north, south = Zone(name="north", description="northern district"), Zone(name="south")
        session.add_all([north, south])
        session.flush()
        session.add(Site(zone_id=north.id, name="POP-1", address="1 Fibre Street"))
        demo_plan = ensure_reference_data(session)
        seeded.plan_ids.append(demo_plan.id)
        for n, family in enumerate(FAMILIES, start=1):
            olt = register_olt(session, new_sim(family, f"OLT-{n}"), family, dead_port)
            olt.zone_id = north.id if n < 3 else south.id
            seeded.olt_ids.append(olt.id)
        session.add(
            OltSnmpSettings(
                olt_id=seeded.olt_ids[0], host="127.0.0.1", port=dead_port, community="public",
                timeout_s=0.1, retries=0,
            )
        )

    _seed_crm(client, seeded)
    _seed_onus(url, seeded)
    _seed_jobs(url, client, seeded)
    return seeded


def _post(client: TestClient, path: str, body: dict[str, Any] | None = None, status: int = 201) -> Any:
    response = client.post(path, json=body)
    assert response.status_code == status, f"seeding {path}: {response.status_code} {response.text}"
    return response.json()


def _seed_crm(client: TestClient, seeded: Seeded) -> None:
    for n in range(1, 6):
        customer = _post(
            client,
            "/crm/customers",
            {"code": f"C{n:04d}", "name": f"Customer {n}", "email": f"c{n}@example.net", "phone": f"+1555000{n}",
             "address": f"{n} Main Street"},
        )
        seeded.customer_ids.append(customer["id"])
    for name, down, price in (("Fibre 300", 300_000, "39.90"), ("Fibre 1G", 1_000_000, "59.90")):
        profiles = [
            {"vendor_family": "huawei_smartax", "line_profile": "LINE-100M", "service_vlan": 100, "user_vlan": 100,
             "gemport": 1},
            {"vendor_family": "zte_c3xx", "tcont_profile": "T-100M", "traffic_profile_down": "TR-100M",
             "service_vlan": 100, "user_vlan": 100, "gemport": 1},
        ]
        plan = _post(
            client,
            "/crm/service-plans",
            {"name": name, "download_kbps": down, "upload_kbps": down // 2, "price": price, "profiles": profiles},
        )
        seeded.plan_ids.append(plan["id"])
    c = seeded.customer_ids
    for n, (customer_id, plan_id, status) in enumerate(
        [(c[0], seeded.plan_ids[0], "active"), (c[1], seeded.plan_ids[1], "active"),
         (c[2], seeded.plan_ids[0], "active"), (c[3], seeded.plan_ids[2], "pending")],
        start=1,
    ):
        subscription = _post(
            client,
            "/crm/subscriptions",
            {"customer_id": customer_id, "plan_id": plan_id, "status": status, "pppoe_username": f"user{n}",
             "pppoe_password": "secret", "started_on": "2024-01-01"},
        )
        seeded.subscription_ids.append(subscription["id"])
    for customer_id, subscription_id in zip(c[:3], seeded.subscription_ids, strict=False):
        lines = [
            {"description": "Monthly fee", "quantity": "1", "unit_price": "39.90", "subscription_id": subscription_id},
            {"description": "Router rental", "quantity": "2", "unit_price": "5.00"},
        ]
        invoice = _post(client, "/crm/invoices", {"customer_id": customer_id, "lines": lines, "due_on": "2024-02-15"})
        seeded.invoice_ids.append(invoice["id"])
    issued, paid = seeded.invoice_ids[1], seeded.invoice_ids[2]
    for invoice_id in (issued, paid):
        _post(client, f"/crm/invoices/{invoice_id}/issue", {"issued_on": "2024-02-01"}, status=200)
    _post(client, "/crm/payments", {"invoice_id": paid, "amount": "49.90", "method": "card", "reference": "TX-1"})
    _post(client, "/crm/payments", {"invoice_id": issued, "amount": "10.00", "method": "cash"})
    for n, (customer_id, priority) in enumerate([(c[0], "high"), (c[1], "normal"), (None, "low")], start=1):
        ticket = _post(
            client,
            "/crm/tickets",
            {"subject": f"Ticket {n}", "customer_id": customer_id, "priority": priority, "assigned_to_id": 1},
        )
        seeded.ticket_ids.append(ticket["id"])
        _post(client, f"/crm/tickets/{ticket['id']}/comments", {"body": "called the customer", "author_id": 2})


def _seed_onus(url: str, seeded: Seeded) -> None:
    now = datetime.now(UTC)
    with session_scope(url) as session:
        type_id = session.execute(select(OnuType.id).order_by(OnuType.id)).scalars().first()
        subscriptions = iter(seeded.subscription_ids)
        serial_no = 0
        for olt_id in seeded.olt_ids:
            olt = session.get_one(Olt, olt_id)
            ports = sorted(olt.pon_ports, key=lambda p: (p.frame, p.slot, p.port))
            for n, state in enumerate(
                [OnuLifecycle.ACTIVE, OnuLifecycle.SUSPENDED, OnuLifecycle.DISCOVERED, OnuLifecycle.PREPROVISIONED,
                 OnuLifecycle.FAILED]
            ):
                serial_no += 1
                provisioned = state in (OnuLifecycle.ACTIVE, OnuLifecycle.SUSPENDED)
                onu = Onu(
                    serial=f"{VENDOR_IDS[olt.family]}{serial_no:08X}",
                    olt_id=olt.id,
                    pon_port_id=ports[0].id if n < 4 else ports[1].id,
                    onu_index=n + 1 if provisioned else None,
                    onu_type_id=type_id,
                    subscription_id=next(subscriptions, None) if state is OnuLifecycle.ACTIVE else None,
                    name=f"onu-{serial_no}",
                    lifecycle_state=state,
                    desired={"plan_id": seeded.plan_ids[0]},
                    failure_reason="port full" if state is OnuLifecycle.FAILED else None,
                    vendor_id=VENDOR_IDS[olt.family],
                    equipment_id="EG8145V5",
                    discovered_at=now - timedelta(days=3),
                    last_seen_at=now - timedelta(minutes=5),
                    authorized_at=now - timedelta(days=2) if provisioned else None,
                    status=OnuStatus.ONLINE if state is OnuLifecycle.ACTIVE else OnuStatus.OFFLINE,
                    status_read_at=now - timedelta(minutes=5),
                    rx_dbm=-21.5 if provisioned else None,
                    tx_dbm=2.1 if provisioned else None,
                    distance_m=1200 if provisioned else None,
                    optical_read_at=now - timedelta(hours=1) if provisioned else None,
                )
                session.add(onu)
                session.flush()
                seeded.onu_ids.setdefault(state, []).append(onu.id)
                if provisioned:
                    session.add_all(
                        OnuSample(onu_id=onu.id, olt_id=olt.id, sampled_at=now - timedelta(hours=h),
                                  status=OnuStatus.ONLINE, rx_dbm=-21.0 - h / 10, tx_dbm=2.0, distance_m=1200)
                        for h in range(1, 4)
                    )


def _seed_jobs(url: str, client: TestClient, seeded: Seeded) -> None:
    # Queued through the API (no worker runs: they stay queued).
    for onu_id in seeded.onu_ids[OnuLifecycle.ACTIVE][:2]:
        _post(client, f"/onus/{onu_id}/reboot", status=202)
    _post(client, f"/olts/{seeded.olt_ids[0]}/reconcile", status=202)
    _post(client, "/provisioning/bulk", {"kind": "authorize", "filter": {"lifecycle_state": "discovered"}},
          status=202)
    # One finished job with its steps, as the worker would have left it.
    onu_id = seeded.onu_ids[OnuLifecycle.ACTIVE][0]
    with session_scope(url) as session:
        started = datetime.now(UTC) - timedelta(days=1)
        job = Job(
            kind=JobKind.RENAME, status=JobStatus.SUCCEEDED, olt_id=seeded.olt_ids[0], onu_id=onu_id,
            params={"name": "renamed"}, result={"ok": True}, requested_by="alice", attempts=1,
            started_at=started, finished_at=started + timedelta(seconds=3),
        )
        job.steps = [
            JobStep(seq=1, name="plan", status=StepStatus.OK, commands=[], output="", duration_ms=1.5),
            JobStep(seq=2, name="push", status=StepStatus.OK, commands=["ont modify 0 1 desc renamed"],
                    output="ok", duration_ms=250.0),
        ]
        session.add(job)

