"""Intents: validation with field errors, supersession, the outbox follows its transaction,
secrets stay encrypted, and the seeded mappings resolve against real device trees."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, text

from acs.intents import create_intent, secrets_of
from acs.mappings import intent_fields, plan, rows_for
from acs.models import AcsIntent, DataModel, IntentKind, IntentReason, IntentStatus
from acs.validation import validated
from core.db import session_scope
from core.errors import FieldErrors
from oms.models import Onu, OnuLifecycle, OnuType

TREES = Path(__file__).resolve().parents[2] / "lab" / "genieacs" / "trees"


def device_tree(name: str) -> dict[str, Any]:
    """path -> value of a real CPE's parameter tree (the files the ACS emulator serves)."""
    with (TREES / name).open(newline="") as handle:
        return {row["Parameter"]: row["Value"] for row in csv.DictReader(handle) if row["Object"] == "false"}


def make_onu(url: str, serial: str = "HWTC11E70E9A", **type_fields: Any) -> int:
    with session_scope(url) as session:
        onu_type = OnuType(vendor="Huawei", model=f"EG8145V5-{serial}", **type_fields) if type_fields else None
        if onu_type:
            session.add(onu_type)
            session.flush()
        onu = Onu(serial=serial, lifecycle_state=OnuLifecycle.PREPROVISIONED,
                  onu_type_id=onu_type.id if onu_type else None)
        session.add(onu)
        session.flush()
        return onu.id


@pytest.mark.parametrize(("kind", "values", "loc"), [
    (IntentKind.WIFI, {"band": "2.4GHz", "ssid": "x" * 33}, ["values", "ssid"]),
    (IntentKind.WIFI, {"band": "2.4GHz", "ssid": "é" * 17}, ["values", "ssid"]),  # 34 bytes in UTF-8
    (IntentKind.WIFI, {"band": "2.4GHz", "security": "wpa2", "passphrase": "short"}, ["values", "passphrase"]),
    (IntentKind.WIFI, {"band": "2.4GHz", "security": "wpa2", "passphrase": "x" * 64}, ["values", "passphrase"]),
    (IntentKind.WIFI, {"band": "2.4GHz", "security": "wpa2"}, ["values", "passphrase"]),
    (IntentKind.WIFI, {"band": "6GHz"}, ["values", "band"]),
    (IntentKind.WAN_PPPOE, {"username": "joao", "password": "a\nb"}, ["values", "password"]),
    (IntentKind.WAN_PPPOE, {"username": "joao"}, ["values", "password"]),
    (IntentKind.WAN_PPPOE, {"username": "joao", "password": "pw", "vlan": 4095}, ["values", "vlan"]),
    (IntentKind.PING, {"host": "8.8.8.8; reboot"}, ["values", "host"]),
    (IntentKind.REBOOT, {"now": True}, ["values", "now"]),
])
def test_values_are_refused_with_the_field_that_is_wrong(kind: IntentKind, values: dict[str, Any],
                                                          loc: list[str]) -> None:
    with pytest.raises(FieldErrors) as refused:
        validated(kind, values)
    assert [error["loc"][:2] for error in refused.value.errors] == [loc]


def test_a_64_hex_digit_psk_and_a_printable_passphrase_are_accepted() -> None:
    for passphrase in ("0123456789abcdef" * 4, "correct horse battery staple ~!"):
        desired, secrets = validated(IntentKind.WIFI, {"band": "5GHz", "security": "wpa2", "passphrase": passphrase})
        assert desired == {"band": "5GHz", "enabled": True, "security": "wpa2"}
        assert secrets == {"passphrase": passphrase}


def test_a_newer_intent_supersedes_the_open_one_of_its_slot_only(db_url: str) -> None:
    onu_id = make_onu(db_url)
    with session_scope(db_url) as session:
        first = create_intent(session, onu_id, IntentKind.WIFI, {"band": "2.4GHz", "ssid": "a"},
                              reason=IntentReason.API, actor="alice").id
        other_radio = create_intent(session, onu_id, IntentKind.WIFI, {"band": "5GHz", "ssid": "b"},
                                    reason=IntentReason.API, actor="alice").id
        wan = create_intent(session, onu_id, IntentKind.WAN_DHCP, {}, reason=IntentReason.API, actor="alice").id
        newer = create_intent(session, onu_id, IntentKind.WIFI, {"band": "2.4GHz", "ssid": "c"},
                              reason=IntentReason.TICKET, reason_ref="ticket 7", actor="bob").id
        wan_mode_change = create_intent(session, onu_id, IntentKind.WAN_BRIDGE, {}, reason=IntentReason.API,
                                        actor="bob").id
    with session_scope(db_url) as session:
        status = dict(session.execute(select(AcsIntent.id, AcsIntent.status)).all())
        keys = dict(session.execute(select(AcsIntent.id, AcsIntent.unique_key)).all())
    assert status == {first: IntentStatus.SUPERSEDED, other_radio: IntentStatus.PENDING,
                      wan: IntentStatus.SUPERSEDED, newer: IntentStatus.PENDING,
                      wan_mode_change: IntentStatus.PENDING}
    assert keys[newer] == keys[first] == f"ponstack:{onu_id}:wifi:2.4GHz"


def test_an_intent_made_in_a_rolled_back_transaction_never_exists(db_url: str) -> None:
    onu_id = make_onu(db_url)
    with pytest.raises(RuntimeError), session_scope(db_url) as session:
        create_intent(session, onu_id, IntentKind.REBOOT, {}, reason=IntentReason.API, actor="alice")
        raise RuntimeError("the change that caused it failed")
    with session_scope(db_url) as session:
        assert session.scalar(select(func.count()).select_from(AcsIntent)) == 0


def test_secrets_are_encrypted_at_rest_and_left_out_of_the_audit(db_url: str) -> None:
    onu_id = make_onu(db_url)
    with session_scope(db_url) as session:
        intent_id = create_intent(session, onu_id, IntentKind.WAN_PPPOE,
                                  {"username": "joao", "password": "Sup3r-s3cret", "vlan": 100},
                                  reason=IntentReason.SUBSCRIPTION, actor="alice").id
    with session_scope(db_url) as session:
        stored = session.execute(text("SELECT desired::text, secrets FROM acs_intents")).one()
        audit_rows = session.execute(text("SELECT after::text FROM audit_log")).scalars().all()
        intent = session.get(AcsIntent, intent_id)
        assert intent is not None and secrets_of(intent) == {"password": "Sup3r-s3cret"}
    assert "Sup3r-s3cret" not in stored[0] + stored[1]
    assert audit_rows and not any("Sup3r-s3cret" in row for row in audit_rows)


def test_the_model_is_checked_bridge_and_radios(db_url: str) -> None:
    onu_id = make_onu(db_url, wifi_24ghz=True, wifi_5ghz=False, supports_bridge=False)
    with session_scope(db_url) as session:
        with pytest.raises(FieldErrors, match="bridge"):
            create_intent(session, onu_id, IntentKind.WAN_BRIDGE, {}, reason=IntentReason.API, actor="a")
        with pytest.raises(FieldErrors) as no_radio:
            create_intent(session, onu_id, IntentKind.WIFI, {"band": "5GHz", "ssid": "x"},
                          reason=IntentReason.API, actor="a")
    assert "has 2.4GHz" in no_radio.value.errors[0]["msg"]


@pytest.mark.parametrize(("tree", "vendor", "ssid_path", "ppp_prefix", "vlan_leaf"), [
    ("huawei-EG8145V5-tr098.csv", "Huawei", "InternetGatewayDevice.LANDevice.1.WLANConfiguration.5.SSID",
     "InternetGatewayDevice.WANDevice.1.WANConnectionDevice.1.WANPPPConnection.1.", "X_HW_VLAN"),
    ("zte-H199A-tr098.csv", "ZTE", "InternetGatewayDevice.LANDevice.1.WLANConfiguration.5.SSID",
     "InternetGatewayDevice.WANDevice.1.WANConnectionDevice.1.WANPPPConnection.2.", "X_ZTE-COM_VLANID"),
])
def test_seeded_mappings_resolve_on_real_device_trees(db_url: str, tree: str, vendor: str, ssid_path: str,
                                                      ppp_prefix: str, vlan_leaf: str) -> None:
    device = device_tree(tree)
    with session_scope(db_url) as session:
        wifi_rows = rows_for(session, DataModel.TR098, IntentKind.WIFI, vendor, "any", "5GHz")
        wan_rows = rows_for(session, DataModel.TR098, IntentKind.WAN_PPPOE, vendor, "any")
    wifi = plan(wifi_rows, intent_fields(IntentKind.WIFI, {"band": "5GHz", "ssid": "casa"}, {}), device)
    wan = plan(wan_rows, intent_fields(IntentKind.WAN_PPPOE, {"username": "u", "vlan": 10}, {"password": "p"}),
               device)
    assert not wifi.problems and not wan.problems
    assert {w.field: w.path for w in wifi.writes}["ssid"] == ssid_path
    assert {w.field: w.path for w in wan.writes} == {
        "enabled": ppp_prefix + "Enable", "username": ppp_prefix + "Username",
        "password": ppp_prefix + "Password", "vlan": ppp_prefix + vlan_leaf}
    assert [w.field for w in wan.writes if w.write_only] == ["password"]


def test_a_path_the_device_lacks_is_a_problem_not_a_write(db_url: str) -> None:
    device = device_tree("huawei-BM632w-tr098.csv")  # a WiMAX CPE: one radio, no PPP WAN
    with session_scope(db_url) as session:
        wifi_rows = rows_for(session, DataModel.TR098, IntentKind.WIFI, "Huawei", "BM632w", "5GHz")
        wan_rows = rows_for(session, DataModel.TR098, IntentKind.WAN_PPPOE, "Huawei", "BM632w")
    wifi = plan(wifi_rows, intent_fields(IntentKind.WIFI, {"band": "5GHz", "ssid": "casa"}, {}), device)
    wan = plan(wan_rows, intent_fields(IntentKind.WAN_PPPOE, {"username": "u"}, {"password": "p"}), device)
    assert not wifi.writes and "WLANConfiguration.*.SSID whose Standard matches" in wifi.problems[1]
    assert not wan.writes and len(wan.problems) == 3
