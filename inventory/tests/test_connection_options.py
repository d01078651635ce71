"""Stored connection options reach scrapli only through the closed, typed set: a row
written behind the API's back with anything else stops the OLT's inventory host (and
so its job) with an error naming the OLT and the key; nothing of it reaches scrapli."""

from __future__ import annotations

from typing import Any

import pytest
from nornir_scrapli.connection import ScrapliCore
from sqlalchemy import select, update

from core.db import session_scope, set_database_url
from core.models import Vendor, VendorFamily
from inventory.plugin import PonstackInventory
from oms.connection_options import InvalidConnectionOptions
from oms.models import CliTransport, JobKind, JobStatus, Olt
from tasks.worker import run_olt_jobs
from tests.lab_fixtures import job_row, olt_job

BAD_ROWS = [
    pytest.param({"transport": "system", "transport_options": {"open_cmd": ["-o", "ProxyCommand=id"]}},
                 "transport_options", id="proxycommand"),
    pytest.param({"ssh_config_file": "/tmp/evil_config"}, "ssh_config_file", id="file-path"),
    pytest.param({"on_open": "os.system"}, "on_open", id="callable-name"),
    pytest.param({"auth_username": "root"}, "auth_username", id="scrapli-argument"),
    pytest.param({"transport": "telnet"}, "transport", id="telnet-on-ssh"),
    pytest.param({"timeout_ops_s": 0}, "timeout_ops_s", id="out-of-bounds"),
    pytest.param({"timeout_ops_s": "60"}, "timeout_ops_s", id="text-number"),
    pytest.param({"legacy_kex": True}, "legacy_kex", id="legacy-without-openssh"),
    pytest.param({"snmp_context_name": "a\x1bb"}, "snmp_context_name", id="control-character"),
    pytest.param(["-o", "ProxyCommand=id"], "connection_options", id="not-an-object"),
]


def add_olt(url: str, name: str, options: Any, family: VendorFamily = VendorFamily.HUAWEI_SMARTAX) -> int:
    """An OLT row whose connection_options are written as given (no API in between)."""
    with session_scope(url) as session:
        vendor = session.execute(select(Vendor).where(Vendor.slug == family.value.split("_")[0])).scalar_one()
        olt = Olt(name=name, vendor_id=vendor.id, family=family,
                  model="MA5800-X7" if family is VendorFamily.HUAWEI_SMARTAX else "C320",
                  mgmt_host="192.0.2.1", cli_transport=CliTransport.SSH, cli_port=22, username="noc",
                  password="pw")
        session.add(olt)
        session.flush()
        olt_id = olt.id
    with session_scope(url) as session:
        session.execute(update(Olt).where(Olt.id == olt_id).values(connection_options=options))
    return olt_id


@pytest.fixture
def no_scrapli(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Every attempt to open a scrapli connection, recorded instead of made."""
    opened: list[dict[str, Any]] = []

    def record(self: ScrapliCore, *args: Any, **kwargs: Any) -> None:
        opened.append(kwargs)
        raise RuntimeError("no connection in this test")

    monkeypatch.setattr(ScrapliCore, "open", record)
    return opened


@pytest.mark.parametrize(("options", "key"), BAD_ROWS)
def test_loading_names_the_olt_and_the_key(db_url: str, options: Any, key: str) -> None:
    olt_id = add_olt(db_url, "OLT-BAD-ROW", options)

    with pytest.raises(InvalidConnectionOptions) as raised:
        PonstackInventory(database_url=db_url).load()

    message = str(raised.value)
    assert f"OLT {olt_id} (OLT-BAD-ROW)" in message and key in message, message
    assert "\n" not in message


@pytest.mark.parametrize(("options", "key"), BAD_ROWS)
def test_the_olts_job_fails_naming_the_olt_and_the_key(
    db_url: str, no_scrapli: list[dict[str, Any]], options: Any, key: str
) -> None:
    olt_id = add_olt(db_url, "OLT-BAD-JOB", options, VendorFamily.ZTE_C3XX)
    job_id = olt_job(db_url, olt_id, JobKind.TEST_CONNECTION)
    set_database_url(db_url)

    with pytest.raises(InvalidConnectionOptions):
        run_olt_jobs(olt_id=olt_id, job_ids=[job_id])

    job = job_row(db_url, job_id)
    assert job.status is JobStatus.FAILED
    assert job.error and f"OLT {olt_id} (OLT-BAD-JOB)" in job.error and key in job.error, job.error
    assert no_scrapli == [], "scrapli was never asked to connect"


def test_other_olts_load_as_usual(db_url: str) -> None:
    """A bad row stops the hosts that include it; a job for another OLT loads only its own."""
    add_olt(db_url, "OLT-BAD", {"transport_options": {}})
    good = add_olt(db_url, "OLT-GOOD", {"transport": "system", "legacy_kex": True, "timeout_ops_s": 12})

    hosts = PonstackInventory(database_url=db_url, olt_ids=[good]).load().hosts

    extras = hosts["OLT-GOOD"].get_connection_parameters("scrapli").extras or {}
    assert extras["transport"] == "system" and extras["timeout_ops"] == 12.0
    assert extras["transport_options"] == {
        "open_cmd": ["-o", "KexAlgorithms=+diffie-hellman-group14-sha1,diffie-hellman-group1-sha1"]
    }


@pytest.mark.parametrize("family", [VendorFamily.HUAWEI_SMARTAX, VendorFamily.ZTE_C3XX, VendorFamily.ZTE_C6XX])
def test_only_known_scrapli_keys_are_written(db_url: str, family: VendorFamily) -> None:
    """Whatever the options, the extras hold the driver's keys plus the SSH ones the options own."""
    from vendor_cli.registry import get_driver

    olt_id = add_olt(db_url, "OLT-KEYS", {"transport": "system", "legacy_kex": True, "legacy_host_key": True,
                                          "legacy_ciphers": True, "auth_strict_key": True, "timeout_socket_s": 3,
                                          "timeout_transport_s": 4, "timeout_ops_s": 5,
                                          "snmp_context_name": "ctx"}, family)
    hosts = PonstackInventory(database_url=db_url, olt_ids=[olt_id]).load().hosts
    extras = hosts["OLT-KEYS"].get_connection_parameters("scrapli").extras or {}
    driver_keys = set(get_driver(family).scrapli_options("ssh")["extras"])
    assert set(extras) <= driver_keys | {"ssh_known_hosts_file", "transport_options", "auth_strict_key"}
    assert all(isinstance(arg, str) and arg.startswith(("-o", "KexAlgorithms=", "HostKeyAlgorithms=",
                                                        "PubkeyAcceptedAlgorithms=", "Ciphers="))
               for arg in extras["transport_options"]["open_cmd"])
