"""CLI templates in System Settings: seeded defaults, versions, audit, validation, reset, preview, API."""

from __future__ import annotations

import importlib.util
import socket
import types
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from nornir.core.inventory import Host
from sqlalchemy import delete, select

from core.db import session_scope
from core.models import AuditLog, VendorFamily
from lab.register import ensure_reference_data, new_sim, register_olt
from oms import cli_templates
from oms.dry_run import dry_run
from oms.models import CliAction, CliTemplate, JobKind, Onu, OnuLifecycle, OnuType
from tests.fixtures import api_client
from vendor_cli.render import TemplateError

REPO = Path(__file__).resolve().parents[2]
HUAWEI, ZTE_C6XX = VendorFamily.HUAWEI_SMARTAX, VendorFamily.ZTE_C6XX


def shipped_files() -> dict[tuple[str, str], str]:
    actions = {a.value for a in CliAction}
    return {
        (path.parent.parent.name, path.stem): path.read_text(encoding="utf-8")
        for path in sorted((REPO / "vendor_cli").glob("*/templates/*.j2"))
        if path.stem in actions
    }


def valid_body(marker: str) -> str:
    return (
        "config\ninterface gpon {{ frame }}/{{ slot }}\nont modify {{ port }} {{ onu_id }} desc "
        + marker
        + "\n"
    )


@pytest.fixture
def no_device_contact(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any attempt to reach a device (socket, nornir connection, scrapli) fails the test."""

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("preview tried to contact a device")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(Host, "open_connection", refuse)
    monkeypatch.setattr(Host, "get_connection", refuse)
    from scrapli.driver.base.sync_driver import Driver

    monkeypatch.setattr(Driver, "open", refuse)


@pytest.fixture
def client(db_url: str) -> TestClient:
    return api_client(db_url)


# --- seed -----------------------------------------------------------------


def test_seeded_rows_match_the_shipped_files(db_url: str) -> None:
    files = shipped_files()
    assert files, "no shipped templates found"
    with session_scope(db_url) as session:
        rows = {(t.vendor_family.value, t.action.value): t for t in cli_templates.list_templates(session)}
        assert set(rows) == set(files)
        for key, text in files.items():
            template = rows[key]
            assert template.body == template.default_body == text, key
            assert (template.version, template.updated_by) == (1, "system")
            [first] = template.versions
            assert (first.version, first.body, first.author, first.comment) == (
                1,
                text,
                "system",
                "shipped default",
            )


def test_every_family_with_files_has_every_one_of_its_actions(db_url: str) -> None:
    families = {family for family, _ in shipped_files()}
    with session_scope(db_url) as session:
        for family in families:
            seeded = {t.action.value for t in cli_templates.list_templates(session, family)}
            on_disk = {action for f, action in shipped_files() if f == family}
            assert seeded == on_disk
            assert all(t.vendor_family == family for t in cli_templates.list_templates(session, family))


def _load_seed_migration() -> types.ModuleType:
    path = REPO / "migrations" / "versions" / "0003_seed_cli_templates.py"
    spec = importlib.util.spec_from_file_location("seed_cli_templates_0003", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_seed_migration_skips_missing_families_and_unknown_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    migration = _load_seed_migration()
    templates_dir = tmp_path / "zte_c3xx" / "templates"
    templates_dir.mkdir(parents=True)
    (templates_dir / "reboot.j2").write_text("reboot {{ onu_id }}\n", encoding="utf-8")
    (templates_dir / "notes.j2").write_text("not an action\n", encoding="utf-8")
    monkeypatch.setattr(migration, "VENDOR_CLI_DIR", tmp_path)
    assert migration.shipped_templates() == [("zte_c3xx", "reboot", "reboot {{ onu_id }}\n")]


# --- edit / history / reset -------------------------------------------------


def test_update_keeps_the_old_version_with_author_and_time(db_url: str) -> None:
    with session_scope(db_url) as session:
        original = cli_templates.get_template(session, HUAWEI, CliAction.RENAME).body
        updated = cli_templates.update_template(
            session, HUAWEI, CliAction.RENAME, valid_body("v2"), "alice", "shorter"
        )
        assert (updated.version, updated.updated_by, updated.body) == (2, "alice", valid_body("v2"))

    with session_scope(db_url) as session:
        newest, oldest = cli_templates.template_history(session, HUAWEI, CliAction.RENAME)
        assert (newest.version, newest.author, newest.comment, newest.body) == (
            2,
            "alice",
            "shorter",
            valid_body("v2"),
        )
        assert (oldest.version, oldest.author, oldest.body) == (1, "system", original)
        assert oldest.created_at <= newest.created_at
        audit = session.scalars(select(AuditLog).where(AuditLog.object_type == "cli_template")).one()
        assert (audit.actor, audit.action, audit.object_id) == (
            "alice",
            "cli_template.update",
            "huawei_smartax/rename",
        )
        assert audit.before == {"version": 1, "body": original}
        assert audit.after == {"version": 2, "body": valid_body("v2")}


def test_saving_the_same_body_adds_no_version(db_url: str) -> None:
    with session_scope(db_url) as session:
        current = cli_templates.get_template(session, HUAWEI, CliAction.REBOOT).body
        assert cli_templates.update_template(session, HUAWEI, CliAction.REBOOT, current, "bob").version == 1
        assert len(cli_templates.template_history(session, HUAWEI, CliAction.REBOOT)) == 1


@pytest.mark.parametrize(
    ("body", "line", "message"),
    [
        ("config\ninterface gpon {{ frame }}/{{ slot }}\n{% endif %}\nquit\n", 3, "endif"),
        (
            "config\ninterface gpon {{ frame }}/{{ slot }}\nquit\nont add {{ profiles }}\n",
            4,
            "'profiles' is undefined",
        ),
    ],
    ids=["syntax", "undefined"],
)
def test_invalid_template_is_refused_with_its_line(db_url: str, body: str, line: int, message: str) -> None:
    with session_scope(db_url) as session, pytest.raises(TemplateError) as caught:
        cli_templates.update_template(session, ZTE_C6XX, CliAction.SUSPEND, body, "alice")
    assert caught.value.line == line
    assert message in str(caught.value)
    with session_scope(db_url) as session:
        template = cli_templates.get_template(session, ZTE_C6XX, CliAction.SUSPEND)
        assert (template.version, template.body) == (1, template.default_body)
        assert session.scalars(select(AuditLog)).all() == []


def test_reset_restores_the_default_as_a_new_version(db_url: str) -> None:
    with session_scope(db_url) as session:
        cli_templates.update_template(session, HUAWEI, CliAction.RESUME, valid_body("edited"), "alice")
    with session_scope(db_url) as session:
        reset = cli_templates.reset_to_default(session, HUAWEI, CliAction.RESUME, "carol")
        assert reset.body == reset.default_body
        assert (reset.version, reset.updated_by) == (3, "carol")
        newest = cli_templates.template_history(session, HUAWEI, CliAction.RESUME)[0]
        assert (newest.version, newest.author, newest.body) == (3, "carol", reset.default_body)
        actions = session.scalars(select(AuditLog.action).order_by(AuditLog.id)).all()
        assert actions == ["cli_template.update", "cli_template.reset"]


def test_missing_template_is_reported(db_url: str) -> None:
    with session_scope(db_url) as session:
        session.execute(delete(CliTemplate).where(CliTemplate.action == CliAction.MOVE))
    with (
        session_scope(db_url) as session,
        pytest.raises(cli_templates.TemplateNotFound, match="zte_c6xx/move"),
    ):
        cli_templates.get_template(session, ZTE_C6XX, CliAction.MOVE)


# --- preview ----------------------------------------------------------------


def test_preview_renders_commands_and_compensation_without_a_device(
    db_url: str, no_device_contact: None
) -> None:
    with session_scope(db_url) as session:
        cli_templates.update_template(
            session, ZTE_C6XX, CliAction.REMOVE, "configure terminal\nno onu {{ onu_id }}\nend\n", "alice"
        )
        cli_templates.update_template(
            session,
            ZTE_C6XX,
            CliAction.AUTHORIZE,
            "configure terminal\nonu {{ onu_id }} sn {{ serial }}\nend\n",
            "al",
        )
        result = cli_templates.preview(session, ZTE_C6XX, CliAction.AUTHORIZE, {"onu_id": 77})
    assert result == {
        "commands": ["configure terminal", "onu 77 sn HWTC11E70E9A", "end"],
        "compensation": ["configure terminal", "no onu 77", "end"],
        "compensation_action": "remove",
    }


def test_preview_of_an_action_without_compensation(db_url: str, no_device_contact: None) -> None:
    with session_scope(db_url) as session:
        result = cli_templates.preview(session, HUAWEI, CliAction.REBOOT)
    assert result["commands"] and result["compensation"] == [] and result["compensation_action"] is None


def test_preview_names_the_broken_compensation_template(db_url: str) -> None:
    with session_scope(db_url) as session:
        cli_templates.update_template(
            session, HUAWEI, CliAction.RESUME, "config\nont activate {{ port }} {{ new.onu_id }}\n", "alice"
        )
        with pytest.raises(TemplateError) as caught:
            # suspend itself does not use `new`; only its compensation breaks
            cli_templates.preview(session, HUAWEI, CliAction.SUSPEND, {"new": None})
    assert caught.value.line == 2
    assert str(caught.value).startswith("huawei_smartax/resume: line 2: ")


def _add_onu(db_url: str) -> int:
    with session_scope(db_url) as session:
        onu = Onu(serial="HWTC11E70E9A", lifecycle_state=OnuLifecycle.DISCOVERED)
        session.add(onu)
        session.flush()
        return onu.id


def _active_onu(db_url: str, family: VendorFamily = HUAWEI) -> int:
    """An ONU active at id 42 on a (never started) OLT of `family`, with its type and plan."""
    with session_scope(db_url) as session:
        plan = ensure_reference_data(session)
        olt = register_olt(session, new_sim(family, f"PREVIEW-{family.value}"), family, cli_port=1)
        type_id = session.execute(select(OnuType.id).where(OnuType.model == "EG8145V5")).scalar_one()
        onu = Onu(serial="HWTC11E70E9A", lifecycle_state=OnuLifecycle.ACTIVE, olt_id=olt.id,
                  pon_port_id=olt.pon_ports[0].id, onu_index=42, onu_type_id=type_id, desired={"plan_id": plan.id})
        session.add(onu)
        session.flush()
        return onu.id


def test_preview_for_an_onu_is_the_plan_its_job_would_send(db_url: str, no_device_contact: None) -> None:
    onu_id = _active_onu(db_url)
    with session_scope(db_url) as session:
        cli_templates.update_template(
            session, HUAWEI, CliAction.SUSPEND, "config\nont deactivate {{ port }} {{ onu_id }}\n", "alice"
        )
        result = cli_templates.preview(session, HUAWEI, CliAction.SUSPEND, onu_id=onu_id)
        planned = dry_run(session, onu_id, JobKind.SUSPEND)
    port = sorted(new_sim(HUAWEI, "x").ports)[0][2]  # type: ignore[attr-defined]
    assert result["commands"] == ["config", f"ont deactivate {port} 42"] == planned["commands"]
    assert result["compensation_action"] == "resume" and result["compensation"] == planned["compensation"]


def test_preview_refuses_an_onu_of_another_family(db_url: str) -> None:
    onu_id = _active_onu(db_url, VendorFamily.ZTE_C6XX)
    with (
        session_scope(db_url) as session,
        pytest.raises(cli_templates.PreviewUnavailable, match="zte_c6xx OLT"),
    ):
        cli_templates.preview(session, HUAWEI, CliAction.REBOOT, onu_id=onu_id)
    with session_scope(db_url) as session, pytest.raises(cli_templates.OnuNotFound, match="ONU 999999"):
        cli_templates.preview(session, HUAWEI, CliAction.REBOOT, onu_id=999_999)


# --- API --------------------------------------------------------------------

BASE = "/settings/cli-templates"


def test_api_lists_and_filters_by_family(client: TestClient) -> None:
    everything = client.get(BASE).json()
    assert len(everything) == len(shipped_files())
    zte = client.get(BASE, params={"family": "zte_c6xx"}).json()
    assert zte and {t["family"] for t in zte} == {"zte_c6xx"}
    assert all(t["version"] == 1 and t["modified"] is False for t in zte)
    assert client.get(BASE, params={"family": "nokia"}).status_code == 422
    assert client.get(BASE, params={"vendor": "zte_c6xx"}).status_code == 422, "an unknown filter is refused"


def test_api_reads_one_template(client: TestClient) -> None:
    answer = client.get(f"{BASE}/huawei_smartax/authorize")
    assert answer.status_code == 200
    template = answer.json()
    expected = shipped_files()[("huawei_smartax", "authorize")]
    assert template["body"] == template["default_body"] == expected
    assert template["version"] == 1 and "serial_hex" in template["context_doc"]
    assert client.get(f"{BASE}/huawei_smartax/explode").status_code == 422


def test_api_update_versions_and_reset(client: TestClient, db_url: str) -> None:
    url = f"{BASE}/zte_c6xx/rename"
    dave = api_client(db_url, "dave", "noc_engineer")
    put = dave.put(url, json={"body": valid_body("api"), "comment": "via api"})
    assert put.status_code == 200, put.text
    assert (put.json()["version"], put.json()["updated_by"], put.json()["modified"]) == (2, "dave", True)

    versions = client.get(f"{url}/versions").json()
    assert [(v["version"], v["author"], v["comment"]) for v in versions] == [
        (2, "dave", "via api"),
        (1, "system", "shipped default"),
    ]

    admin = client.put(url, json={"body": valid_body("admin")})
    assert admin.json()["updated_by"] == "admin"
    spoofed = client.put(url, json={"body": valid_body("spoof")}, headers={"X-Ponstack-User": "mallory"})
    assert spoofed.json()["updated_by"] == "admin", "the actor is who authenticated, never a header"

    erin = api_client(db_url, "erin", "noc_engineer")
    reset = erin.post(f"{url}/reset")
    assert reset.status_code == 200
    assert reset.json()["body"] == reset.json()["default_body"] and reset.json()["version"] == 5
    assert reset.json()["updated_by"] == "erin"
    with session_scope(db_url) as session:
        rows = session.execute(select(AuditLog).where(AuditLog.object_type == "cli_template")
                               .order_by(AuditLog.id)).scalars().all()
        assert [a.actor for a in rows] == ["dave", "admin", "admin", "erin"]
        assert all(a.request_id for a in rows)


def test_api_etag_refuses_a_stale_edit(client: TestClient, db_url: str) -> None:
    url = f"{BASE}/huawei_smartax/reboot"
    read = client.get(url)
    etag = read.headers["ETag"]
    assert etag.startswith('"') and read.json()["version"] == 1

    first = client.put(url, json={"body": valid_body("first")}, headers={"If-Match": etag})
    assert first.status_code == 200, first.text
    assert first.json()["version"] == 2 and first.headers["ETag"] != etag
    assert client.get(url).headers["ETag"] == first.headers["ETag"]

    stale = client.put(url, json={"body": valid_body("second")}, headers={"If-Match": etag})
    assert stale.status_code == 412, stale.text
    assert stale.headers["content-type"] == "application/problem+json"
    assert first.headers["ETag"] in stale.json()["detail"]
    assert client.get(url).json()["version"] == 2 and "first" in client.get(url).json()["body"], "nothing saved"
    assert client.post(f"{url}/reset", headers={"If-Match": etag}).status_code == 412
    assert client.get(url).json()["version"] == 2

    fresh = client.put(url, json={"body": valid_body("second")}, headers={"If-Match": first.headers["ETag"]})
    assert fresh.status_code == 200 and fresh.json()["version"] == 3
    assert client.put(url, json={"body": valid_body("any")}, headers={"If-Match": "*"}).status_code == 200
    assert client.put(url, json={"body": valid_body("no header")}).json()["version"] == 5

    operation = client.get("/openapi.json").json()["paths"]["/settings/cli-templates/{family}/{action}"]["put"]
    assert "412" in operation["responses"]
    assert any(p["name"] == "If-Match" and p["in"] == "header" for p in operation["parameters"])


def test_api_refuses_an_invalid_template_with_its_line(client: TestClient) -> None:
    body = "configure terminal\ninterface gpon_olt-{{ frame }}/{{ slot }}\nonu {{ onu_id }} type {{ typo }}\n"
    answer = client.put(f"{BASE}/zte_c6xx/authorize", json={"body": body})
    assert answer.status_code == 422
    assert answer.json() == {"type": "about:blank", "title": "Unprocessable Entity", "status": 422,
                             "detail": "line 3: 'typo' is undefined", "line": 3}
    assert client.get(f"{BASE}/zte_c6xx/authorize").json()["version"] == 1


def test_api_preview(client: TestClient, no_device_contact: None) -> None:
    answer = client.post(f"{BASE}/huawei_smartax/authorize/preview", json={"context": {"onu_id": 31}})
    assert answer.status_code == 200, answer.text
    preview = answer.json()
    assert preview["commands"] and preview["compensation"] and preview["compensation_action"] == "remove"
    assert any(" 31" in line for line in preview["commands"])

    broken = client.post(
        f"{BASE}/huawei_smartax/authorize/preview", json={"context": {"pppoe": "not-a-dict"}}
    )
    assert broken.status_code == 422 and broken.json()["line"] is not None

    missing_onu = client.post(f"{BASE}/huawei_smartax/authorize/preview", json={"onu_id": 999_999})
    assert missing_onu.status_code == 404


def test_api_preview_for_an_onu_says_what_data_is_missing(client: TestClient, db_url: str) -> None:
    onu_id = _add_onu(db_url)  # discovered nowhere yet: no PON port, so no context can be built
    answer = client.post(f"{BASE}/huawei_smartax/authorize/preview", json={"onu_id": onu_id})
    assert answer.status_code == 422
    assert "HWTC11E70E9A" in answer.json()["detail"]


def test_api_unknown_template_is_404(client: TestClient, db_url: str) -> None:
    with session_scope(db_url) as session:
        session.execute(delete(CliTemplate).where(CliTemplate.vendor_family == VendorFamily.ZTE_C3XX))
    assert client.get(f"{BASE}/zte_c3xx/reboot").status_code == 404
    assert client.post(f"{BASE}/zte_c3xx/reboot/reset").status_code == 404
