"""Reference data the OMS provisions from: ONU types, zones, OLT profiles. What ONUs or
OLTs still use is refused with 409 naming how many and which; poll classes that do not
run are not offered."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from core.db import session_scope
from core.models import VendorFamily
from lab.register import ensure_reference_data, new_sim, register_olt
from oms.models import Olt, OltProfile, Onu, OnuLifecycle, OnuType, Zone
from tests.fixtures import api_client

HUAWEI = VendorFamily.HUAWEI_SMARTAX


@pytest.fixture
def api(db_url: str) -> TestClient:
    return api_client(db_url)


@pytest.fixture
def active_onu(db_url: str) -> dict[str, Any]:
    """An OLT in a zone, with an ONU active on it (type EG8145V5, the demo plan)."""
    with session_scope(db_url) as session:
        plan = ensure_reference_data(session)
        zone = Zone(name="north")
        session.add(zone)
        session.flush()
        olt = register_olt(session, new_sim(HUAWEI, "OLT-REF"), HUAWEI, cli_port=1)
        olt.zone_id = zone.id
        onu_type = session.execute(select(OnuType).where(OnuType.model == "EG8145V5")).scalar_one()
        session.add(Onu(serial="HWTC0000BEEF", lifecycle_state=OnuLifecycle.ACTIVE, olt_id=olt.id,
                        pon_port_id=olt.pon_ports[0].id, onu_index=3, onu_type_id=onu_type.id,
                        desired={"plan_id": plan.id}))
        return {"olt_id": olt.id, "zone_id": zone.id, "onu_type_id": onu_type.id, "plan_id": plan.id}


def test_onu_type_in_use_cannot_be_deleted(api: TestClient, active_onu: dict[str, Any]) -> None:
    refused = api.delete(f"/onu-types/{active_onu['onu_type_id']}")
    assert refused.status_code == 409
    assert refused.json()["detail"].startswith("ONU type Huawei EG8145V5 is used by 1 ONU(s): HWTC0000BEEF")

    created = api.post("/onu-types", json={
        "vendor": "Acme", "model": "X1", "equipment_ids": ["X1"],
        "olt_mappings": [{"vendor_family": "zte_c6xx", "olt_onu_type": "ACME-X1"}]})
    assert created.status_code == 201, created.text
    assert api.post("/onu-types", json={"vendor": "Acme", "model": "X1"}).status_code == 409
    replaced = api.put(f"/onu-types/{created.json()['id']}", json={"vendor": "Acme", "model": "X1", "eth_ports": 4})
    assert replaced.status_code == 200 and replaced.json()["olt_mappings"] == []
    assert api.delete(f"/onu-types/{created.json()['id']}").status_code == 204


def test_zone_holding_olts_cannot_be_deleted(api: TestClient, active_onu: dict[str, Any]) -> None:
    refused = api.delete(f"/zones/{active_onu['zone_id']}")
    assert refused.status_code == 409 and "holds 1 OLT(s): OLT-REF" in refused.json()["detail"]
    empty = api.post("/zones", json={"name": "south"}).json()
    assert api.delete(f"/zones/{empty['id']}").status_code == 204
    assert [z["name"] for z in api.get("/zones").json()] == ["north"]


def test_olt_profile_in_use_cannot_be_deleted(api: TestClient, db_url: str, active_onu: dict[str, Any]) -> None:
    olt_id = active_onu["olt_id"]
    with session_scope(db_url) as session:
        profiles = {p.name: p.id for p in session.execute(
            select(OltProfile).where(OltProfile.olt_id == olt_id)).scalars()}
    for name in ("LINE-100M", "SRV-ROUTER-4ETH"):  # the plan's line profile, the ONU type's service profile
        refused = api.delete(f"/olts/{olt_id}/profiles/{profiles[name]}")
        assert refused.status_code == 409 and "HWTC0000BEEF" in refused.json()["detail"], name
    spare = api.post(f"/olts/{olt_id}/profiles", json={"kind": "line", "name": "LINE-1G", "profile_id": 11})
    assert api.delete(f"/olts/{olt_id}/profiles/{spare.json()['id']}").status_code == 204
    assert api.delete(f"/olts/{olt_id}/profiles/{profiles['LINE-100M'] + 1000}").status_code == 404

    with session_scope(db_url) as session:  # once the ONU is gone, the profile can go
        session.execute(select(Onu)).scalar_one().lifecycle_state = OnuLifecycle.REMOVED
        session.execute(select(Onu)).scalar_one().onu_index = None
    assert api.delete(f"/olts/{olt_id}/profiles/{profiles['LINE-100M']}").status_code == 204


def test_only_poll_classes_that_run_are_offered(api: TestClient, active_onu: dict[str, Any]) -> None:
    olt_id = active_onu["olt_id"]
    answer = api.post(f"/monitoring/olts/{olt_id}/poll", params={"poll_class": "inventory"})
    assert answer.status_code == 422, answer.text
    with session_scope() as session:
        assert session.get(Olt, olt_id) is not None
