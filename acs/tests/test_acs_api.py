"""The ACS API: intents answer 202 and never show a secret, bad values are field errors,
device events need the event token, settings keep secrets and warn, mappings are validated."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from acs.models import AcsDevice, AcsIntent
from core.db import session_scope
from oms.models import Onu, OnuLifecycle
from tests.fixtures import api_client


@pytest.fixture
def onu_id(db_url: str) -> int:
    with session_scope(db_url) as session:
        onu = Onu(serial="HWTC11E70E9A", lifecycle_state=OnuLifecycle.PREPROVISIONED)
        session.add(onu)
        session.flush()
        return onu.id


def test_a_wifi_intent_is_queued_and_its_passphrase_never_shown(db_url: str, onu_id: int) -> None:
    client = api_client(db_url, "agent", "support")
    answer = client.post(f"/onus/{onu_id}/acs/wifi", json={
        "band": "2.4GHz", "ssid": "Casa", "security": "wpa2", "passphrase": "s3cret-passphrase",
        "reason_ref": "ticket 42"})
    assert answer.status_code == 202, answer.text
    body = answer.json()
    assert (body["status"], body["reason"], body["requested_by"], body["secrets"]) == (
        "pending", "ticket", "agent", ["passphrase"])
    listed = client.get(f"/onus/{onu_id}/acs/intents").json()
    assert listed["count"] == 1 and listed["results"][0]["id"] == body["id"]
    audit = api_client(db_url, "auditor", "admin").get("/audit").text
    for text in (answer.text, client.get(f"/acs/intents/{body['id']}").text, listed.__repr__(), audit):
        assert "s3cret-passphrase" not in text


@pytest.mark.parametrize(("path", "body", "field"), [
    ("wifi", {"band": "2.4GHz", "ssid": "x" * 33}, "ssid"),
    ("wifi", {"band": "5GHz", "security": "wpa2", "passphrase": "1234567"}, "passphrase"),
    ("wan", {"mode": "pppoe", "username": "u", "password": "p", "vlan": 0}, "vlan"),
    ("wan", {"mode": "pppoe", "username": "u"}, "password"),
    ("ping", {"host": "-oProxyCommand=x"}, "host"),
])
def test_bad_values_are_field_errors_and_queue_nothing(db_url: str, onu_id: int, path: str,
                                                       body: dict[str, Any], field: str) -> None:
    answer = api_client(db_url).post(f"/onus/{onu_id}/acs/{path}", json=body)
    assert answer.status_code == 422, answer.text
    assert field in {str(part) for error in answer.json()["errors"] for part in error["loc"]}
    with session_scope(db_url) as session:
        assert session.scalars(select(AcsIntent)).first() is None


def test_a_dry_run_answers_what_would_be_set_and_stores_nothing(db_url: str, onu_id: int) -> None:
    client = api_client(db_url, "agent", "support")
    open_intent = client.post(f"/onus/{onu_id}/acs/wifi", json={"band": "2.4GHz", "ssid": "Old"}).json()["id"]
    auditor = api_client(db_url, "auditor", "admin")
    audited = auditor.get("/audit", params={"object_type": "acs_intent"}).json()["count"]
    body = {"band": "2.4GHz", "ssid": "Casa", "security": "wpa2", "passphrase": "s3cret-passphrase"}
    answer = client.post(f"/onus/{onu_id}/acs/wifi", json={**body, "dry_run": True})
    assert answer.status_code == 200, answer.text
    plan = answer.json()
    assert (plan["serial"], plan["kind"], plan["slot"]) == ("HWTC11E70E9A", "wifi", "wifi:2.4GHz")
    parameters = {p["name"]: p for p in plan["parameters"]}
    assert parameters["ssid"] == {"name": "ssid", "value": "Casa", "secret": False}
    assert parameters["security"]["value"] == "wpa2" and parameters["enabled"]["value"] is True
    assert parameters["passphrase"]["secret"] and "s3cret-passphrase" not in answer.text
    assert plan["supersedes"] == [open_intent] and str(open_intent) in plan["note"]
    wan = client.post(f"/onus/{onu_id}/acs/wan", json={"mode": "pppoe", "username": "u1", "password": "pw-9",
                                                       "vlan": 100, "dry_run": True})
    assert wan.status_code == 200 and wan.json()["slot"] == "wan" and "pw-9" not in wan.text
    assert {p["name"]: p["value"] for p in wan.json()["parameters"] if not p["secret"]} == {
        "enabled": True, "username": "u1", "vlan": 100}
    # nothing stored: the open intent is still the only one, still open; nothing audited
    with session_scope(db_url) as session:
        intents = session.scalars(select(AcsIntent)).all()
        assert [(i.id, i.status.value) for i in intents] == [(open_intent, "pending")]
    assert auditor.get("/audit", params={"object_type": "acs_intent"}).json()["count"] == audited == 1
    assert client.post(f"/onus/{onu_id}/acs/wifi", json={**body, "dry_run": "yes"}).status_code == 422
    assert api_client(db_url, "viewer", "read_only").post(
        f"/onus/{onu_id}/acs/wifi", json={**body, "dry_run": True}).status_code == 403
    assert client.post("/onus/999999/acs/wifi", json={**body, "dry_run": True}).status_code == 404


@pytest.mark.parametrize(("path", "body"), [
    ("wifi", {"band": "2.4GHz", "ssid": "x" * 33}),
    ("wifi", {"band": "5GHz", "security": "wpa2", "passphrase": "1234567"}),
    ("wifi", {"band": "2.4GHz", "security": "wpa2"}),  # refused by the intent's own check, not the body model
    ("wifi", {"band": "6GHz", "ssid": "x"}),
    ("wan", {"mode": "pppoe", "username": "u", "password": "p", "vlan": 0}),
    ("wan", {"mode": "pppoe", "username": "u"}),
])
def test_a_dry_run_refuses_what_the_request_refuses(db_url: str, onu_id: int, path: str,
                                                     body: dict[str, Any]) -> None:
    client = api_client(db_url)
    dry = client.post(f"/onus/{onu_id}/acs/{path}", json={**body, "dry_run": True})
    real = client.post(f"/onus/{onu_id}/acs/{path}", json=body)
    assert dry.status_code == real.status_code == 422, (dry.text, real.text)
    assert dry.json()["errors"] == real.json()["errors"]
    with session_scope(db_url) as session:
        assert session.scalars(select(AcsIntent)).first() is None


def test_read_only_may_look_but_not_configure(db_url: str, onu_id: int) -> None:
    client = api_client(db_url, "viewer", "read_only")
    assert client.post(f"/onus/{onu_id}/acs/reboot").status_code == 403
    assert client.get(f"/onus/{onu_id}/acs/intents").status_code == 200
    assert client.post("/onus/999999/acs/reboot").status_code == 403


def test_an_unknown_onu_is_404(db_url: str) -> None:
    assert api_client(db_url).post("/onus/999999/acs/reboot").status_code == 404


def test_device_events_need_the_event_token_and_link_by_serial(db_url: str, onu_id: int) -> None:
    admin = api_client(db_url)
    inform = {"informs": [{"device_id": "00259E-EG8145V5-4857544311E70E9A", "serial": "4857544311E70E9A",
                           "oui": "00259E", "product_class": "EG8145V5", "events": ["0 BOOTSTRAP"]}]}
    assert admin.post("/acs/events", json=inform).status_code == 401  # a user's token is not the event token
    token = admin.post("/settings/acs/event-token").json()["token"]
    from fastapi.testclient import TestClient

    from api.app import create_app

    with TestClient(create_app(db_url)) as acs:
        assert acs.post("/acs/events", json=inform, headers={"Authorization": "Bearer wrong"}).status_code == 401
        answer = acs.post("/acs/events", json=inform, headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 202 and answer.json() == {"events": 1, "linked": 1, "intents_due": 0}
    with session_scope(db_url) as session:
        device = session.scalar(select(AcsDevice))
        assert device is not None and device.onu_id == onu_id and device.last_events == ["0 BOOTSTRAP"]


def test_settings_keep_their_secrets_and_warn_about_a_public_nbi(db_url: str) -> None:
    client = api_client(db_url)
    answer = client.put("/settings/acs", json={
        "nbi_url": "http://203.0.113.7:7557", "nbi_password": "proxy-pw",
        "nbi_headers": [{"name": "X-Api-Key", "value": "k-123"}]})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["nbi_password_set"] and body["nbi_header_names"] == ["X-Api-Key"] and body["warnings"] == []
    public = client.put("/settings/acs", json={"nbi_url": "http://203.0.113.7:7557", "nbi_headers": []}).json()
    assert public["nbi_password_set"] and public["nbi_header_names"] == [] and public["warnings"] == []
    for text in (answer.text, client.get("/settings/acs").text, client.get("/audit").text):
        assert "proxy-pw" not in text and "k-123" not in text


def test_a_public_nbi_without_credentials_is_warned_about(db_url: str) -> None:
    body = api_client(db_url).put("/settings/acs", json={"nbi_url": "http://acs.example.net:7557"}).json()
    assert "CVE-2025-56015" in body["warnings"][0]


def test_mappings_are_validated_and_editable(db_url: str) -> None:
    client = api_client(db_url)
    seeded = client.get("/settings/tr069-mappings", params={"kind": "wifi", "data_model": "tr098"}).json()
    assert seeded["count"] == 10 and all(row["source"] for row in seeded["results"])
    bad = client.post("/settings/tr069-mappings", json={
        "data_model": "tr181", "kind": "wifi", "field": "ssid", "variant": "5GHz",
        "path": "InternetGatewayDevice.LANDevice.1.WLANConfiguration.*.SSID", "selector_param": "Standard",
        "selector_match": "(unclosed"})
    assert bad.status_code == 422
    assert {error["loc"][-1] for error in bad.json()["errors"]} == {"selector_match", "path"}
    good = client.post("/settings/tr069-mappings", json={
        "data_model": "tr098", "vendor": "ZTE", "model": "F670L", "kind": "wifi", "field": "ssid",
        "variant": "5GHz", "path": "InternetGatewayDevice.LANDevice.1.WLANConfiguration.5.SSID",
        "source": "operator: F670L firmware V9"})
    assert good.status_code == 201 and good.json()["edited"] is True
