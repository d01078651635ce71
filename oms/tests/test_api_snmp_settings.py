"""System Settings for SNMP: OID map editing (validated, audited, resettable) and per-OLT
SNMP settings (secrets write-only and encrypted), with the live test against snmpsim."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, text

from core.db import session_scope
from core.models import AuditLog, Vendor
from lab.snmp import SnmpAgent, free_udp_port
from lab.zte_c320 import ZteC320
from oms.models import Olt, OltSnmpSettings, SnmpOidMap
from oms.monitoring.oid_defaults import DEFAULT_OID_MAPS
from oms.monitoring.settings import CONTEXT_OPTION, target_for_olt
from tests.fixtures import api_client

COMMUNITY = "c0mmunity-str1ng"
AUTH_KEY, PRIV_KEY = "auth-key-secret-1", "priv-key-secret-2"


@pytest.fixture
def client(db_url: str) -> TestClient:
    return api_client(db_url)


@pytest.fixture
def alice(db_url: str) -> TestClient:
    """A NOC engineer: the actor of the audit rows of her changes."""
    return api_client(db_url, "alice", "noc_engineer")


def _map_id(db_url: str, family: str, metric: str) -> int:
    with session_scope(db_url) as session:
        return session.execute(
            select(SnmpOidMap.id).where(SnmpOidMap.vendor_family == family, SnmpOidMap.metric == metric)
        ).scalar_one()


def _audit(db_url: str, object_type: str) -> list[AuditLog]:
    with session_scope(db_url) as session:
        rows = session.execute(
            select(AuditLog).where(AuditLog.object_type == object_type).order_by(AuditLog.id)
        )
        result = list(rows.scalars())
        session.expunge_all()
        return result


# --- OID maps ---------------------------------------------------------------------------------


def test_list_filters_by_family_metric_and_enabled(client: TestClient) -> None:
    zte = client.get("/settings/snmp-oid-maps", params={"family": "zte_c6xx"}).json()
    assert len(zte) == sum(r["vendor_family"] == "zte_c6xx" for r in DEFAULT_OID_MAPS)
    assert {r["vendor_family"] for r in zte} == {"zte_c6xx"} and not any(r["modified"] for r in zte)
    status = client.get("/settings/snmp-oid-maps", params={"metric": "onu_status"}).json()
    assert sorted(r["vendor_family"] for r in status) == ["huawei_smartax", "zte_c3xx", "zte_c6xx"]
    disabled = client.get("/settings/snmp-oid-maps", params={"enabled": "false"}).json()
    expected = {(r["vendor_family"], r["metric"]) for r in DEFAULT_OID_MAPS if not r["enabled"]}
    assert {(r["vendor_family"], r["metric"]) for r in disabled} == expected and expected
    assert client.get("/settings/snmp-oid-maps", params={"family": "nokia_isam"}).status_code == 422
    assert client.get("/settings/snmp-oid-maps", params={"famly": "zte_c6xx"}).status_code == 422


def test_a_typo_is_refused_with_every_problem_and_nothing_is_saved(
    client: TestClient, alice: TestClient, db_url: str
) -> None:
    map_id = _map_id(db_url, "huawei_smartax", "onu_rx_power")
    before = client.get(f"/settings/snmp-oid-maps/{map_id}").json()
    response = alice.put(
        f"/settings/snmp-oid-maps/{map_id}",
        json={
            "oid": "1.3.6.1.4.1.2011.6.128.1.1.2.51.1.4O",
            "index_format": "huawei_gpon_onuu",
            "scale": 0.1,
        },
    )
    assert response.status_code == 422, response.text
    problems = [error["msg"] for error in response.json()["errors"]]
    assert len(problems) == 2
    assert "1.3.6.1.4.1.2011.6.128.1.1.2.51.1.4O" in problems[0] and "not a numeric OID" in problems[0]
    assert "unknown index_format 'huawei_gpon_onuu'" in problems[1]
    assert "huawei_smartax/onu_rx_power" in response.json()["detail"]
    assert client.get(f"/settings/snmp-oid-maps/{map_id}").json() == before
    assert _audit(db_url, "snmp_oid_map") == []

    misspelt_field = client.put(f"/settings/snmp-oid-maps/{map_id}", json={"offest": -100})
    assert misspelt_field.status_code == 422 and "offest" in misspelt_field.text
    wrong_target = client.put(f"/settings/snmp-oid-maps/{map_id}", json={"vendor_family": "zte_c3xx"})
    assert wrong_target.status_code == 422
    assert client.get(f"/settings/snmp-oid-maps/{map_id}").json() == before


def test_edit_is_audited_and_reset_restores_the_shipped_default(
    client: TestClient, alice: TestClient, db_url: str
) -> None:
    map_id = _map_id(db_url, "zte_c3xx", "onu_rx_power")
    shipped = client.get(f"/settings/snmp-oid-maps/{map_id}").json()
    assert shipped["modified"] is False and shipped["default"]["scale"] == shipped["scale"] == 0.002

    edited = alice.put(
        f"/settings/snmp-oid-maps/{map_id}",
        json={"scale": 0.001, "valid_min": None, "enabled": False, "source": "checked on our C320 walk"},
    )
    assert edited.status_code == 200, edited.text
    body = edited.json()
    assert (body["scale"], body["valid_min"], body["enabled"], body["modified"]) == (0.001, None, False, True)
    assert body["oid"] == shipped["oid"]  # fields not sent stay as they were
    assert client.get("/settings/snmp-oid-maps", params={"enabled": "false", "family": "zte_c3xx"}).json()

    reset = alice.post(f"/settings/snmp-oid-maps/{map_id}/reset").json()
    assert reset["modified"] is False
    assert {k: reset[k] for k in shipped["default"]} == shipped["default"]

    update, restore = _audit(db_url, "snmp_oid_map")
    assert (update.actor, update.action, update.object_id) == ("alice", "update", str(map_id))
    assert restore.actor == "alice" and update.request_id and restore.request_id != update.request_id
    assert (update.before["scale"], update.after["scale"]) == (0.002, 0.001)
    assert (restore.action, restore.before["scale"], restore.after["scale"]) == ("reset", 0.001, 0.002)
    assert client.get("/settings/snmp-oid-maps/999999").status_code == 404


def test_a_stale_if_match_is_refused_and_nothing_is_saved(client: TestClient, db_url: str) -> None:
    url = f"/settings/snmp-oid-maps/{_map_id(db_url, 'zte_c6xx', 'onu_rx_power')}"
    read = client.get(url)
    etag = read.headers["ETag"]

    first = client.put(url, json={"source": "first"}, headers={"If-Match": etag})
    assert first.status_code == 200, first.text
    assert first.headers["ETag"] != etag and client.get(url).headers["ETag"] == first.headers["ETag"]

    stale = client.put(url, json={"source": "second"}, headers={"If-Match": etag})
    assert stale.status_code == 412 and stale.headers["content-type"] == "application/problem+json"
    assert client.get(url).json()["source"] == "first", "nothing saved"
    assert client.post(f"{url}/reset", headers={"If-Match": etag}).status_code == 412
    assert len(_audit(db_url, "snmp_oid_map")) == 1

    again = client.put(url, json={"source": "second"}, headers={"If-Match": first.headers["ETag"]})
    assert again.status_code == 200 and again.json()["source"] == "second"
    assert client.put(url, json={"source": "no precondition"}).status_code == 200

    operation = client.get("/openapi.json").json()["paths"]["/settings/snmp-oid-maps/{map_id}"]["put"]
    assert "412" in operation["responses"]
    assert any(p["name"] == "If-Match" and p["in"] == "header" for p in operation["parameters"])


# --- per-OLT SNMP settings --------------------------------------------------------------------


def _add_olt(db_url: str, name: str, **options: Any) -> int:
    with session_scope(db_url) as session:
        vendor = session.execute(select(Vendor).where(Vendor.slug == "zte")).scalar_one()
        olt = Olt(
            name=name,
            vendor=vendor,
            family="zte_c3xx",
            model="C320",
            mgmt_host="127.0.0.1",
            username="u",
            password="p",
            connection_options=options,
        )
        session.add(olt)
        session.flush()
        return olt.id


def _raw_secrets(db_url: str, olt_id: int) -> tuple[str | None, ...]:
    with session_scope(db_url) as session:
        row = session.execute(
            text("SELECT community, v3_auth_key, v3_priv_key FROM olt_snmp_settings WHERE olt_id = :id"),
            {"id": olt_id},
        ).one()
        return tuple(row)


def test_settings_round_trip_hides_secrets_and_stores_them_encrypted(
    client: TestClient, alice: TestClient, db_url: str
) -> None:
    olt_id = _add_olt(db_url, "zte-1")
    fresh = client.get(f"/olts/{olt_id}/snmp").json()
    assert (fresh["configured"], fresh["version"], fresh["has_community"], fresh["port"]) == (
        False,
        "v2c",
        False,
        161,
    )

    v2c = alice.put(
        f"/olts/{olt_id}/snmp",
        json={"community": COMMUNITY, "timeout_s": 1.5, "status_poll_interval_s": 120},
    )
    assert v2c.status_code == 200, v2c.text
    assert COMMUNITY not in v2c.text and "community" not in {
        k for k in v2c.json() if not k.startswith("has_")
    }
    assert (v2c.json()["configured"], v2c.json()["has_community"], v2c.json()["timeout_s"]) == (
        True,
        True,
        1.5,
    )
    assert v2c.json()["status_poll_interval_s"] == 120
    stored = _raw_secrets(db_url, olt_id)[0]
    assert stored and COMMUNITY not in stored

    kept = client.put(f"/olts/{olt_id}/snmp", json={"port": 1161}).json()  # no community sent: kept
    assert (kept["has_community"], kept["port"], kept["status_poll_interval_s"]) == (True, 1161, 120)

    v3 = client.put(
        f"/olts/{olt_id}/snmp",
        json={
            "version": "v3",
            "community": "",
            "v3_username": "monitor",
            "v3_auth_protocol": "sha256",
            "v3_auth_key": AUTH_KEY,
            "v3_priv_protocol": "aes128",
            "v3_priv_key": PRIV_KEY,
            "optical_poll_interval_s": 1800,
        },
    )
    assert v3.status_code == 200, v3.text
    shown = v3.json()
    assert (shown["has_community"], shown["has_auth_key"], shown["has_priv_key"]) == (False, True, True)
    assert (shown["v3_auth_protocol"], shown["optical_poll_interval_s"]) == ("sha256", 1800)
    community, auth, priv = _raw_secrets(db_url, olt_id)
    assert community is None
    assert auth and priv and AUTH_KEY not in auth and PRIV_KEY not in priv
    with session_scope(db_url) as session:
        row = session.get_one(OltSnmpSettings, olt_id)
        assert (row.v3_auth_key, row.v3_priv_key) == (AUTH_KEY, PRIV_KEY)  # decrypts back

    trail = _audit(db_url, "olt_snmp")
    assert [(a.actor, a.before is None) for a in trail] == [("alice", True), ("admin", False), ("admin", False)]
    assert trail[2].message == "changed: community, v3_auth_key, v3_priv_key"
    assert not any(secret in str(a.before) + str(a.after) for a in trail for secret in (COMMUNITY, AUTH_KEY))


@pytest.mark.parametrize(
    ("body", "problems"),
    [
        ({"version": "v2c"}, ["SNMP v2c needs a community"]),
        (
            {"version": "v3", "v3_auth_protocol": "sha", "v3_auth_key": "short"},
            ["SNMP v3 needs a user name (v3_username)", "v3_auth_key must be at least 8 characters"],
        ),
        (
            {"version": "v3", "v3_username": "m", "v3_priv_protocol": "aes128", "v3_priv_key": PRIV_KEY},
            ["SNMP v3 privacy (encryption) needs an authentication protocol too"],
        ),
        (
            {"community": COMMUNITY, "status_poll_interval_s": 30, "optical_poll_interval_s": 299, "port": 0},
            [
                "port 0 is not between 1 and 65535",
                "status_poll_interval_s must be at least 60 s, got 30",
                "optical_poll_interval_s must be at least 300 s, got 299",
            ],
        ),
        ({"community": COMMUNITY, "max_repetitions": 500, "retries": -1}, None),
    ],
)
def test_invalid_settings_are_refused_and_not_saved(
    client: TestClient, db_url: str, body: dict[str, Any], problems: list[str] | None
) -> None:
    olt_id = _add_olt(db_url, "zte-2")
    response = client.put(f"/olts/{olt_id}/snmp", json=body)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    if problems is not None:
        assert [error["msg"] for error in response.json()["errors"]] == problems
    else:
        detail = response.json()["detail"]
        assert "max_repetitions 500" in detail and "retries must be 0 or more" in detail
    assert client.get(f"/olts/{olt_id}/snmp").json()["configured"] is False
    with session_scope(db_url) as session:
        olt = session.get_one(Olt, olt_id)
        assert (olt.status_poll_interval_s, olt.optical_poll_interval_s) == (300, 3600)


def test_unknown_olt_and_unknown_values(client: TestClient, db_url: str) -> None:
    assert client.get("/olts/999999/snmp").status_code == 404
    assert client.put("/olts/999999/snmp", json={"community": COMMUNITY}).status_code == 404
    olt_id = _add_olt(db_url, "zte-3")
    assert client.put(f"/olts/{olt_id}/snmp", json={"version": "v1", "community": "x"}).status_code == 422
    assert client.post(f"/olts/{olt_id}/snmp/test").status_code == 409


def test_target_for_olt_maps_the_row(db_url: str) -> None:
    olt_id = _add_olt(db_url, "zte-4", **{CONTEXT_OPTION: "ctx-zte-4"})
    with session_scope(db_url) as session:
        olt = session.get_one(Olt, olt_id)
        settings = OltSnmpSettings(olt_id=olt_id, version="v3", v3_username="m", v3_auth_protocol="sha")
        settings.v3_auth_key, settings.port, settings.timeout_s = AUTH_KEY, 1161, 0.7
        settings.retries, settings.max_repetitions, settings.max_outstanding = 3, 40, 2
        settings.max_requests_per_s, settings.v3_priv_protocol = 20.0, "none"
        target = target_for_olt(olt, settings)
        assert (target.host, target.port, target.name, target.label) == (
            "127.0.0.1",
            1161,
            "zte-4",
            "zte-4 (127.0.0.1:1161)",
        )
        assert (target.version, target.v3_auth_protocol, target.v3_auth_key, target.context_name) == (
            "v3",
            "sha",
            AUTH_KEY,
            "ctx-zte-4",
        )
        assert (target.timeout_s, target.retries, target.max_repetitions, target.max_outstanding) == (
            0.7,
            3,
            40,
            2,
        )
        settings.host = "192.0.2.99"
        assert target_for_olt(olt, settings).host == "192.0.2.99"


def test_the_test_endpoint_reads_a_real_agent_and_reports_a_timeout(client: TestClient, db_url: str) -> None:
    sim = ZteC320("zte-lab")
    olt_id = _add_olt(db_url, "zte-lab", **{CONTEXT_OPTION: "zte-lab"})
    with SnmpAgent(v3_user="labuser", v3_auth_key=AUTH_KEY, v3_priv_key=PRIV_KEY) as agent:
        agent.publish("zte-lab", sim.snapshot(), "zte_c3xx")
        agent.start()
        v2c = {"community": "zte-lab", "port": agent.port, "timeout_s": 0.5, "retries": 0}
        assert client.put(f"/olts/{olt_id}/snmp", json=v2c).status_code == 200
        answer = client.post(f"/olts/{olt_id}/snmp/test").json()
        assert answer["ok"] is True, answer
        assert answer["sys_name"] == "zte-lab" and answer["sys_descr"].startswith("ZXA10 C320")
        assert answer["target"] == f"zte-lab (127.0.0.1:{agent.port})" and answer["error"] is None

        v3 = {
            "version": "v3",
            "v3_username": "labuser",
            "v3_auth_protocol": "sha",
            "v3_auth_key": AUTH_KEY,
            "v3_priv_protocol": "aes128",
            "v3_priv_key": PRIV_KEY,
            "port": agent.port,
            "timeout_s": 0.5,
            "retries": 0,
        }
        assert client.put(f"/olts/{olt_id}/snmp", json=v3).status_code == 200
        answer = client.post(f"/olts/{olt_id}/snmp/test").json()
        assert answer["ok"] is True and answer["sys_name"] == "zte-lab", answer

    closed = free_udp_port()
    client.put(
        f"/olts/{olt_id}/snmp", json={"community": "zte-lab", "port": closed, "timeout_s": 0.2, "retries": 0}
    )
    failed = client.post(f"/olts/{olt_id}/snmp/test").json()
    assert (failed["ok"], failed["kind"], failed["sys_name"]) == (False, "timeout", None)
    assert f"no response from zte-lab (127.0.0.1:{closed}) within 0.2 s x 1 tries" in failed["error"]
