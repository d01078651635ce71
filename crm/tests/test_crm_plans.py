"""Service plans and their per-vendor-family OLT profile mapping."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from core.db import session_scope
from core.models import VendorFamily
from crm.tests.crm_factories import audit_rows, make_customer, make_plan, make_subscription

HUAWEI = {"vendor_family": "huawei_smartax", "line_profile": "LP-100M", "service_vlan": 100, "gemport": 1}
ZTE = {"vendor_family": "zte_c3xx", "traffic_profile_up": "UP-50M", "traffic_profile_down": "DN-100M"}


def families(plan: dict) -> dict[str, dict]:
    return {p["vendor_family"]: p for p in plan["profiles"]}


def test_plan_with_profiles_round_trip(client: TestClient) -> None:
    plan = make_plan(client, profiles=[HUAWEI, ZTE])
    assert plan["price"] == "29.90"
    assert plan["currency"] == "USD"
    assert families(plan)["huawei_smartax"]["line_profile"] == "LP-100M"
    assert families(plan)["zte_c3xx"]["traffic_profile_down"] == "DN-100M"
    assert client.get(f"/crm/service-plans/{plan['id']}").json() == plan

    profiles = client.get(f"/crm/service-plans/{plan['id']}/profiles").json()
    assert sorted(p["vendor_family"] for p in profiles) == ["huawei_smartax", "zte_c3xx"]


def test_patch_profiles_replaces_the_mapping_in_place(client: TestClient) -> None:
    plan = make_plan(client, profiles=[HUAWEI, ZTE])
    huawei_row_id = families(plan)["huawei_smartax"]["id"]
    changed = client.patch(
        f"/crm/service-plans/{plan['id']}",
        json={"price": "35.00", "profiles": [{**HUAWEI, "line_profile": "LP-200M"}]},
    )
    assert changed.status_code == 200, changed.text
    body = changed.json()
    assert body["price"] == "35.00"
    assert list(families(body)) == ["huawei_smartax"]
    assert families(body)["huawei_smartax"]["line_profile"] == "LP-200M"
    assert families(body)["huawei_smartax"]["id"] == huawei_row_id


def test_put_and_delete_one_vendor_profile(client: TestClient) -> None:
    plan = make_plan(client, profiles=[HUAWEI])
    put = client.put(f"/crm/service-plans/{plan['id']}/profiles/zte_c6xx", json={"line_profile": "GPON-100"})
    assert put.status_code == 200, put.text
    assert families(put.json())["zte_c6xx"]["line_profile"] == "GPON-100"
    assert families(put.json())["huawei_smartax"]["line_profile"] == "LP-100M"

    replaced = client.put(f"/crm/service-plans/{plan['id']}/profiles/zte_c6xx", json={"user_vlan": 10})
    assert families(replaced.json())["zte_c6xx"]["line_profile"] is None
    assert families(replaced.json())["zte_c6xx"]["user_vlan"] == 10

    removed = client.delete(f"/crm/service-plans/{plan['id']}/profiles/huawei_smartax")
    assert removed.status_code == 200
    assert list(families(removed.json())) == ["zte_c6xx"]
    again = client.delete(f"/crm/service-plans/{plan['id']}/profiles/huawei_smartax")
    assert again.status_code == 404
    assert client.put(f"/crm/service-plans/{plan['id']}/profiles/cisco", json={}).status_code == 422
    assert client.put("/crm/service-plans/999/profiles/zte_c6xx", json={}).status_code == 404


def test_plan_validation(client: TestClient) -> None:
    make_plan(client, "Fibre 100")
    duplicate = client.post(
        "/crm/service-plans", json={"name": "Fibre 100", "download_kbps": 1, "upload_kbps": 1, "price": "1"}
    )
    assert duplicate.status_code == 409
    assert "name" in duplicate.json()["detail"]

    base = {"name": "Other", "download_kbps": 1000, "upload_kbps": 1000, "price": "1.00"}
    assert client.post("/crm/service-plans", json={**base, "download_kbps": 0}).status_code == 422
    assert client.post("/crm/service-plans", json={**base, "price": "-1"}).status_code == 422
    assert client.post("/crm/service-plans", json={**base, "price": "1.001"}).status_code == 422
    assert client.post("/crm/service-plans", json={**base, "currency": "usd"}).status_code == 422
    two_huawei = client.post("/crm/service-plans", json={**base, "profiles": [HUAWEI, HUAWEI]})
    assert two_huawei.status_code == 422
    bad_vlan = {**HUAWEI, "service_vlan": 4095}
    assert client.post("/crm/service-plans", json={**base, "profiles": [bad_vlan]}).status_code == 422


def test_plan_filters(client: TestClient) -> None:
    make_plan(client, "Fibre 100", profiles=[HUAWEI])
    make_plan(client, "Fibre 300", profiles=[ZTE])
    make_plan(client, "Legacy 20", is_active=False)

    def names(**params: str) -> list[str]:
        return [p["name"] for p in client.get("/crm/service-plans", params=params).json()["results"]]

    assert names(q="fibre") == ["Fibre 100", "Fibre 300"]
    assert names(is_active="false") == ["Legacy 20"]
    assert names(vendor_family="zte_c3xx") == ["Fibre 300"]


def test_plan_in_use_cannot_be_deleted(client: TestClient, db_url: str) -> None:
    plan = make_plan(client)
    make_subscription(client, make_customer(client)["id"], plan["id"])
    refused = client.delete(f"/crm/service-plans/{plan['id']}")
    assert refused.status_code == 409
    assert refused.json()["detail"] == (
        "service plan 'Fibre 100' is used by 1 subscription(s); move them to another plan first")

    unused = make_plan(client, "Unused")
    assert client.delete(f"/crm/service-plans/{unused['id']}").status_code == 204
    actions = [(r.action, r.object_id) for r in audit_rows(db_url, "service_plan")]
    assert client.get(f"/crm/service-plans/{plan['id']}").status_code == 200, "the refused plan is kept"
    assert actions == [
        ("create", str(plan["id"])),
        ("create", str(unused["id"])),
        ("delete", str(unused["id"])),
    ]


def test_plan_used_by_onus_cannot_be_deleted_nor_lose_a_family_mapping(client: TestClient, db_url: str) -> None:
    from oms.models import Onu, OnuLifecycle

    mapping = {"vendor_family": "huawei_smartax", "line_profile": "LINE-100M", "user_vlan": 100}
    plan = make_plan(client, profiles=[mapping])
    with session_scope(db_url) as session:
        session.add(Onu(serial="HWTC00000042", lifecycle_state=OnuLifecycle.PREPROVISIONED,
                        desired={"plan_id": plan["id"]}))
    refused = client.delete(f"/crm/service-plans/{plan['id']}")
    assert refused.status_code == 409
    assert refused.json()["detail"].startswith("service plan 'Fibre 100' is used by 1 ONU(s): HWTC00000042")
    assert client.delete(f"/crm/service-plans/{plan['id']}/profiles/zte_c6xx").status_code == 404
    with session_scope(db_url) as session:  # on a Huawei OLT, its Huawei mapping is needed
        from lab.register import new_sim, register_olt

        olt = register_olt(session, new_sim(VendorFamily.HUAWEI_SMARTAX, "OLT-P"), VendorFamily.HUAWEI_SMARTAX, 1)
        session.execute(select(Onu).where(Onu.serial == "HWTC00000042")).scalar_one().olt_id = olt.id
    kept = client.delete(f"/crm/service-plans/{plan['id']}/profiles/huawei_smartax")
    assert kept.status_code == 409 and "huawei_smartax mapping" in kept.json()["detail"]
    emptied = client.patch(f"/crm/service-plans/{plan['id']}", json={"profiles": []})
    assert emptied.status_code == 409
