"""Per-OLT connection options: a closed, typed set. What the API takes (and refuses),
how each option reaches scrapli through the inventory, and that nothing outside the
set (the ProxyCommand attack, a row written behind the API's back) ever reaches it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update

from core.db import session_scope
from core.models import VendorFamily
from inventory.plugin import PonstackInventory
from lab.base import Lab
from lab.register import ensure_reference_data, new_sim, register_olt
from oms.connection_options import (
    LEGACY_CIPHER_OPTIONS,
    LEGACY_HOST_KEY_OPTIONS,
    LEGACY_KEX_OPTIONS,
)
from oms.models import Job, Olt
from ponstack.worker import BackgroundWorker

NEW_OLT: dict[str, Any] = {
    "name": "olt-opts-1",
    "vendor": "huawei",
    "family": "huawei_smartax",
    "model": "MA5800-X7",
    "mgmt_host": "192.0.2.10",
    "username": "ponstack",
    "password": "s3cret-pw",
}
ZTE_OLT: dict[str, Any] = {**NEW_OLT, "name": "olt-opts-zte", "vendor": "zte", "family": "zte_c3xx",
                           "model": "C320"}

EVERY_OPTION: dict[str, Any] = {
    "transport": "system",
    "timeout_socket_s": 5.0,
    "timeout_transport_s": 20.0,
    "timeout_ops_s": 90.5,
    "legacy_kex": True,
    "legacy_host_key": True,
    "legacy_ciphers": True,
    "auth_strict_key": True,
    "snmp_context_name": "ctx-north 1",
}


def attack(marker: Path) -> dict[str, Any]:
    """The payload as an attacker sends it: an OpenSSH ProxyCommand run by the worker."""
    return {
        "transport": "system",
        "transport_options": {"open_cmd": ["-o", f"ProxyCommand=sh -c 'id > {marker}'"]},
    }


def errors(answer: Any) -> list[dict[str, Any]]:
    """The field errors of a 422 (a problem document's `errors`, or FastAPI's `detail`)."""
    body = answer.json()
    found = body["errors"] if "errors" in body else body.get("detail")
    assert isinstance(found, list), body
    return found


def error_at(answer: Any, *loc: str) -> dict[str, Any]:
    """The 422's error for the field at `loc` (under the request body)."""
    assert answer.status_code == 422, answer.text
    for error in errors(answer):
        if tuple(error["loc"][-len(loc):]) == loc:
            return error
    raise AssertionError(f"no error at {loc}: {answer.text}")


def scrapli_extras_of(db_url: str, olt_id: int) -> dict[str, Any]:
    inventory = PonstackInventory(database_url=db_url, olt_ids=[olt_id], include_inactive=True).load()
    (host,) = inventory.hosts.values()
    return dict(host.get_connection_parameters("scrapli").extras or {})


def stored(db_url: str, olt_id: int) -> tuple[dict[str, Any], Any]:
    with session_scope(db_url) as session:
        olt = session.get_one(Olt, olt_id)
        return dict(olt.connection_options), olt.updated_at


def job_count(db_url: str) -> int:
    with session_scope(db_url) as session:
        return int(session.execute(select(func.count()).select_from(Job)).scalar_one())


def create(client: TestClient, body: dict[str, Any] | None = None, **options: Any) -> dict[str, Any]:
    answer = client.post("/olts", json={**(body or NEW_OLT), "connection_options": options})
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


# --- the attack -----------------------------------------------------------------------------


def test_patch_with_a_proxycommand_is_refused_and_nothing_runs(
    client: TestClient, db_url: str, tmp_path: Path
) -> None:
    olt = create(client, timeout_ops_s=30)
    before = stored(db_url, olt["id"])
    marker = tmp_path / "marker-file"

    answer = client.patch(f"/olts/{olt['id']}", json={"connection_options": attack(marker)})

    error = error_at(answer, "connection_options", "transport_options")
    assert error["type"] == "extra_forbidden"
    assert stored(db_url, olt["id"]) == before, "the row is unchanged"
    assert job_count(db_url) == 0, "no job was created"
    assert not marker.exists()
    extras = scrapli_extras_of(db_url, olt["id"])
    assert extras["transport"] == "paramiko" and extras["transport_options"] == {}
    assert "ProxyCommand" not in repr(extras)


def test_create_with_a_proxycommand_is_refused(client: TestClient, db_url: str, tmp_path: Path) -> None:
    answer = client.post("/olts", json={**NEW_OLT, "connection_options": attack(tmp_path / "marker-file")})

    error_at(answer, "connection_options", "transport_options")
    with session_scope(db_url) as session:
        assert session.execute(select(func.count()).select_from(Olt)).scalar_one() == 0
    assert job_count(db_url) == 0


def test_attack_then_connection_test_runs_nothing_of_it(
    client: TestClient, db_url: str, lab: Lab, worker: BackgroundWorker, tmp_path: Path
) -> None:
    """The attack as sent, end to end: PATCH refused, then the connection test (a real
    worker, a simulated OLT) logs in as usual and the command never ran."""
    sim = new_sim(VendorFamily.HUAWEI_SMARTAX, "OLT-OPTS-ATTACK")
    port = lab.add(sim)
    with session_scope(db_url) as session:
        ensure_reference_data(session)
        olt_id = register_olt(session, sim, VendorFamily.HUAWEI_SMARTAX, port).id
    marker = tmp_path / "marker-file"

    patched = client.patch(f"/olts/{olt_id}", json={"connection_options": attack(marker)})
    error_at(patched, "connection_options", "transport_options")
    assert job_count(db_url) == 0

    answer = client.post(f"/olts/{olt_id}/test-connection", params={"wait": 30}).json()
    assert answer["ok"] is True, answer
    assert not marker.exists(), "the ProxyCommand never ran"


def test_a_row_written_behind_the_api_never_reaches_scrapli(
    client: TestClient, db_url: str, lab: Lab, worker: BackgroundWorker, tmp_path: Path
) -> None:
    """The same payload written straight into the database: the OLT's job fails naming
    the OLT and the key; the OLT is not contacted and the command never ran."""
    sim = new_sim(VendorFamily.HUAWEI_SMARTAX, "OLT-OPTS-ROW")
    port = lab.add(sim)
    with session_scope(db_url) as session:
        ensure_reference_data(session)
        olt_id = register_olt(session, sim, VendorFamily.HUAWEI_SMARTAX, port).id
    marker = tmp_path / "marker-file"
    with session_scope(db_url) as session:
        session.execute(update(Olt).where(Olt.id == olt_id).values(connection_options=attack(marker)))

    answer = client.post(f"/olts/{olt_id}/test-connection", params={"wait": 30}).json()

    assert answer["ok"] is False, answer
    assert f"OLT {olt_id} (OLT-OPTS-ROW)" in answer["error"] and "transport_options" in answer["error"]
    assert sim.logins == 0, "the OLT was not contacted"
    assert not marker.exists()


# --- what is accepted, and how it reaches scrapli ---------------------------------------------


@pytest.mark.parametrize("body", [NEW_OLT, ZTE_OLT], ids=["huawei", "zte"])
def test_every_option_is_accepted_and_reaches_scrapli(
    client: TestClient, db_url: str, body: dict[str, Any]
) -> None:
    olt = create(client, body, **EVERY_OPTION)
    assert olt["connection_options"] == EVERY_OPTION
    assert client.get(f"/olts/{olt['id']}").json()["connection_options"] == EVERY_OPTION
    assert stored(db_url, olt["id"])[0] == EVERY_OPTION

    extras = scrapli_extras_of(db_url, olt["id"])

    assert extras["transport"] == "system"
    assert (extras["timeout_socket"], extras["timeout_transport"], extras["timeout_ops"]) == (5.0, 20.0, 90.5)
    assert extras["transport_options"] == {
        "open_cmd": [*LEGACY_KEX_OPTIONS, *LEGACY_HOST_KEY_OPTIONS, *LEGACY_CIPHER_OPTIONS]
    }
    assert extras["auth_strict_key"] is True and extras["ssh_known_hosts_file"] is True
    assert "snmp_context_name" not in extras, "not a scrapli argument"
    assert callable(extras["on_open"]), "the driver's own settings stay"


def test_without_options_the_drivers_defaults_apply(client: TestClient, db_url: str) -> None:
    olt = create(client)
    assert olt["connection_options"] == {
        "legacy_kex": False, "legacy_host_key": False, "legacy_ciphers": False, "auth_strict_key": False,
    }
    extras = scrapli_extras_of(db_url, olt["id"])
    assert extras["transport"] == "paramiko" and extras["auth_strict_key"] is False
    assert (extras["timeout_socket"], extras["timeout_ops"]) == (15.0, 60.0)
    assert extras["transport_options"] == {}, "no OpenSSH option unless a legacy switch asks for it"


@pytest.mark.parametrize(
    ("switch", "expected"),
    [("legacy_kex", LEGACY_KEX_OPTIONS), ("legacy_host_key", LEGACY_HOST_KEY_OPTIONS),
     ("legacy_ciphers", LEGACY_CIPHER_OPTIONS)],
)
def test_each_legacy_switch_adds_its_fixed_openssh_options(
    client: TestClient, db_url: str, switch: str, expected: tuple[str, ...]
) -> None:
    olt = create(client, transport="system", **{switch: True})
    assert scrapli_extras_of(db_url, olt["id"])["transport_options"] == {"open_cmd": list(expected)}


def test_system_transport_without_switches_uses_plain_openssh(client: TestClient, db_url: str) -> None:
    olt = create(client, transport="system")
    extras = scrapli_extras_of(db_url, olt["id"])
    assert extras["transport"] == "system" and extras["transport_options"] == {"open_cmd": []}


def test_patch_replaces_the_options_and_stores_only_what_was_sent(client: TestClient, db_url: str) -> None:
    olt = create(client, transport="system", legacy_kex=True, timeout_ops_s=30)

    answer = client.patch(f"/olts/{olt['id']}", json={"connection_options": {"timeout_socket_s": 7}})

    assert answer.status_code == 200, answer.text
    assert stored(db_url, olt["id"])[0] == {"timeout_socket_s": 7.0}
    extras = scrapli_extras_of(db_url, olt["id"])
    assert extras["transport"] == "paramiko" and extras["timeout_socket"] == 7.0
    assert extras["timeout_ops"] == 60.0, "back to the driver's"


def test_ssh_settings_are_kept_unused_on_a_telnet_olt(client: TestClient, db_url: str) -> None:
    olt = create(client, {**NEW_OLT, "cli_transport": "telnet", "cli_port": 23},
                 transport="system", legacy_kex=True, timeout_ops_s=45)
    extras = scrapli_extras_of(db_url, olt["id"])
    assert extras["transport"] == "telnet" and extras["timeout_ops"] == 45.0
    assert "transport_options" not in extras

    client.patch(f"/olts/{olt['id']}", json={"cli_transport": "ssh", "cli_port": 22})
    extras = scrapli_extras_of(db_url, olt["id"])
    assert extras["transport"] == "system" and extras["transport_options"] == {"open_cmd": list(LEGACY_KEX_OPTIONS)}


# --- what is refused ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "field", "message"),
    [
        ({"timeout_socket_s": 0.5}, "timeout_socket_s", "greater than or equal to 1"),
        ({"timeout_transport_s": 601}, "timeout_transport_s", "less than or equal to 600"),
        ({"timeout_ops_s": "30"}, "timeout_ops_s", "valid number"),
        ({"timeout_ops_s": -5}, "timeout_ops_s", "greater than or equal to 1"),
        ({"legacy_kex": "yes"}, "legacy_kex", "valid boolean"),
        ({"auth_strict_key": 1}, "auth_strict_key", "valid boolean"),
        ({"transport": "ssh2"}, "transport", "'paramiko' or 'system'"),
        ({"transport": "telnet"}, "transport", "cli_transport to 'telnet'"),
        ({"transport": ["system"]}, "transport", ""),
        ({"snmp_context_name": "x" * 33}, "snmp_context_name", "at most 32 characters"),
        ({"snmp_context_name": "ctx\nname"}, "snmp_context_name", "pattern"),
        ({"snmp_context_name": "contexté"}, "snmp_context_name", "pattern"),
        ({"snmp_context_name": 12}, "snmp_context_name", "valid string"),
    ],
)
def test_bad_values_are_refused_per_field(
    client: TestClient, db_url: str, options: dict[str, Any], field: str, message: str
) -> None:
    olt = create(client)
    before = stored(db_url, olt["id"])
    for answer in (
        client.patch(f"/olts/{olt['id']}", json={"connection_options": options}),
        client.post("/olts", json={**NEW_OLT, "name": "other", "connection_options": options}),
    ):
        error = error_at(answer, "connection_options", field)
        assert message in error["msg"], error
    assert stored(db_url, olt["id"]) == before


@pytest.mark.parametrize("switch", ["legacy_kex", "legacy_host_key", "legacy_ciphers"])
@pytest.mark.parametrize("transport", [None, "paramiko"])
def test_legacy_switches_need_the_openssh_transport(
    client: TestClient, switch: str, transport: str | None
) -> None:
    options: dict[str, Any] = {switch: True} | ({"transport": transport} if transport else {})
    answer = client.post("/olts", json={**NEW_OLT, "connection_options": options})
    error = error_at(answer, "connection_options")
    assert switch in error["msg"] and "transport 'system'" in error["msg"]


@pytest.mark.parametrize(
    "key", ["transport_options", "ssh_config_file", "on_open", "auth_username", "host", "timeout_ops", "Transport"]
)
def test_unknown_keys_are_refused_by_name(client: TestClient, key: str) -> None:
    answer = client.post("/olts", json={**NEW_OLT, "connection_options": {key: "x"}})
    assert error_at(answer, "connection_options", key)["type"] == "extra_forbidden"


def test_openssh_with_every_legacy_switch_logs_in(
    client: TestClient, db_url: str, lab: Lab, worker: BackgroundWorker
) -> None:
    """The fixed OpenSSH options are valid for the OpenSSH client: a connection test over
    the `system` transport with every legacy switch on succeeds (the "+" form keeps the
    modern algorithms the simulated OLT negotiates)."""
    sim = new_sim(VendorFamily.HUAWEI_SMARTAX, "OLT-OPTS-OPENSSH")
    port = lab.add(sim)
    with session_scope(db_url) as session:
        ensure_reference_data(session)
        olt_id = register_olt(session, sim, VendorFamily.HUAWEI_SMARTAX, port).id
    options = {"transport": "system", "legacy_kex": True, "legacy_host_key": True, "legacy_ciphers": True,
               "timeout_ops_s": 30}
    assert client.patch(f"/olts/{olt_id}", json={"connection_options": options}).status_code == 200

    answer = client.post(f"/olts/{olt_id}/test-connection", params={"wait": 60}).json()

    assert answer["ok"] is True, answer
    assert sim.logins == 1
