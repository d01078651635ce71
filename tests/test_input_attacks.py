"""The command-injection and credential-exfiltration attacks of the input-safety audit,
sent as an attacker would, against the real application and simulated OLTs over SSH.
Each asserts that nothing ran, nothing reached the OLT and nothing leaked into a job.
(The connection-options attack is in oms/tests/test_connection_options.py.)"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update
from sqlalchemy.exc import DataError

from acs.models import AcsSettings
from core.db import session_scope
from core.models import VendorFamily
from oms.models import CliAction, CliTemplate, JobKind, JobStatus, Olt, OltProfile, OnuLifecycle, PlanOltProfile
from tests.fixtures import api_client
from tests.lab_fixtures import LabOlt, act, discover_now, first_port, job_row, onu_row

INJECTED = ("no onu 1", "reboot")
SERIALS = {
    VendorFamily.HUAWEI_SMARTAX: "HWTC11E70E9A",
    VendorFamily.ZTE_C3XX: "ZTEGC0000001",
    VendorFamily.ZTE_C6XX: "ZTEGD0000001",
}
CREDENTIAL_TEMPLATE = (
    'desc "{{ (\'PW=\' ~ host.username ~ \':\' ~ host.password) if host else (description or name) }}"'
)


@pytest.fixture
def client(db_url: str) -> Iterator[TestClient]:
    with api_client(db_url) as test_client:
        yield test_client


# --- 2. OLT command injection through CRM data ----------------------------------------------


def test_a_plan_profile_that_would_inject_commands_is_refused(client: TestClient) -> None:
    plan = {
        "name": "100M", "download_kbps": 100_000, "upload_kbps": 50_000, "price": "20.00",
        "profiles": [{"vendor_family": "zte_c3xx", "tcont_profile": "T-100M\nno onu 1",
                      "traffic_profile_down": "TR-100M\nreboot"}],
    }
    answer = client.post("/crm/service-plans", json=plan)
    assert answer.status_code == 422, answer.text
    fields = {tuple(error["loc"][-1:]) for error in answer.json()["errors"]}
    assert {("tcont_profile",), ("traffic_profile_down",)} <= fields
    assert client.get("/crm/service-plans").json()["count"] == 0


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/onu-types", {"vendor": "ZTE", "model": "F660",
                        "olt_mappings": [{"vendor_family": "zte_c3xx", "olt_onu_type": "ZTE-F660\nreboot"}]}),
        ("/onu-types", {"vendor": "ZTE", "model": "F660", "equipment_ids": ["F660 reboot"]}),
        ("/crm/subscriptions", {"customer_id": 1, "plan_id": 1, "pppoe_username": "jane\rreboot"}),
        ("/crm/subscriptions", {"customer_id": 1, "plan_id": 1, "pppoe_username": "jane",
                                "pppoe_password": "s3cret\nreboot"}),
    ],
)
def test_values_a_cli_cannot_carry_are_refused_where_they_are_stored(
    client: TestClient, path: str, body: dict[str, object]
) -> None:
    answer = client.post(path, json=body)
    assert answer.status_code == 422, answer.text
    assert answer.json()["errors"], "a field-level answer"
    assert "s3cret" not in answer.text, "a refused password is not echoed back"


def _poison_stored_data(lab_olt: LabOlt) -> None:
    """Values stored before they were checked (or written around the API)."""
    with session_scope(lab_olt.url) as session:
        session.execute(update(PlanOltProfile).values(tcont_profile="T-100M\nno onu 1",
                                                      traffic_profile_down="TR-100M\nreboot"))
        session.execute(update(OltProfile).where(OltProfile.name == "T-100M").values(name="T-100M\nno onu 1"))
        session.execute(update(OltProfile).where(OltProfile.name == "TR-100M").values(name="TR-100M\nreboot"))


def test_stored_values_that_would_inject_commands_never_reach_the_olt(lab_olt: LabOlt) -> None:
    if lab_olt.family is VendorFamily.HUAWEI_SMARTAX:
        # Its commands name profiles by id; the one stored text that used to reach them, the ACS
        # profile id (a JSON setting), is an integer column since migration 0010.
        with pytest.raises(DataError), session_scope(lab_olt.url) as session:
            session.execute(update(AcsSettings).values(huawei_tr069_profile_id="1\nreboot"))
        return
    serial = SERIALS[lab_olt.family]
    lab_olt.sim.plug_onu(*first_port(lab_olt.sim), serial)  # type: ignore[attr-defined]
    discover_now(lab_olt)
    _poison_stored_data(lab_olt)
    sent_before = len(lab_olt.sim.command_log)

    job = act(lab_olt, serial, JobKind.AUTHORIZE)

    assert job.status is JobStatus.FAILED
    assert "line break" in (job.error or ""), job.error
    sent = lab_olt.sim.command_log[sent_before:]
    assert not [line for line in sent if line.strip() in INJECTED], sent
    assert not [line for line in sent if line.startswith(("ont add", "onu ", "service-port"))], sent
    assert onu_row(lab_olt.url, serial).lifecycle_state is OnuLifecycle.DISCOVERED


# --- 3. credential exfiltration and unbounded output through a CLI template -----------------


def test_a_template_cannot_read_the_olt_credentials(client: TestClient) -> None:
    url = "/settings/cli-templates/huawei_smartax/rename"
    before = client.get(url).json()
    answer = client.put(url, json={"body": "config\n" + CREDENTIAL_TEMPLATE, "comment": "x"})
    assert answer.status_code == 422, answer.text
    assert "host" in answer.json()["detail"]
    assert client.get(url).json()["version"] == before["version"]


def test_a_template_that_would_grow_without_bound_is_refused(client: TestClient) -> None:
    url = "/settings/cli-templates/huawei_smartax/rename"
    for body in ("{{ 'a' * 100000000 }}", "{% for i in range(100000000) %}a{% endfor %}"):
        answer = client.put(url, json={"body": body})
        assert answer.status_code == 422, answer.text
        preview = client.post(f"{url}/preview", json={"context": {}})
        assert preview.status_code == 200 and len(preview.content) < 10_000


def test_a_preview_context_cannot_inject_a_command(client: TestClient) -> None:
    answer = client.post("/settings/cli-templates/zte_c3xx/authorize/preview",
                         json={"context": {"tcont_profile": "T-100M\nno onu 1"}})
    assert answer.status_code == 422, answer.text
    assert "line break" in answer.json()["detail"]


def test_a_template_written_around_the_api_leaks_nothing_into_the_job(lab_olt: LabOlt) -> None:
    serial = SERIALS[lab_olt.family]
    lab_olt.sim.plug_onu(*first_port(lab_olt.sim), serial)  # type: ignore[attr-defined]
    discover_now(lab_olt)
    secret = "Zq9-olt-Secret"
    lab_olt.sim.password = secret  # type: ignore[attr-defined]
    with session_scope(lab_olt.url) as session:
        session.get_one(Olt, lab_olt.olt_id).password = secret
        template = session.execute(select(CliTemplate).where(
            CliTemplate.vendor_family == lab_olt.family, CliTemplate.action == CliAction.AUTHORIZE)).scalar_one()
        template.body = template.body.replace("config", "config\n" + CREDENTIAL_TEMPLATE, 1)
    sent_before = len(lab_olt.sim.command_log)

    job = act(lab_olt, serial, JobKind.AUTHORIZE)

    assert job.status is JobStatus.FAILED, job.error
    record = job_row(lab_olt.url, job.id)
    everything = " ".join([record.error or "", str(record.result), str(record.params)]
                          + [f"{s.commands} {s.output} {s.error}" for s in record.steps])
    assert secret not in everything and "PW=" not in everything
    assert not [line for line in lab_olt.sim.command_log[sent_before:] if "PW=" in line]
