from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import jinja2
import pytest

from vendor_cli.huawei_smartax import DRIVER
from vendor_cli.tests.cli_actions import CLI_ACTIONS


def context(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "olt": SimpleNamespace(name="olt-1", model="MA5800-X7", family="huawei_smartax"),
        "frame": 0, "slot": 1, "port": 3, "onu_id": 7,
        "serial": "HWTC11E70E9A", "serial_hex": "4857544311E70E9A",
        "name": "jane-doe", "description": "jane-doe-1042",
        "onu_type": None,
        "line_profile": "ftth-100m", "line_profile_id": 10,
        "service_profile": "hg8145v5", "service_profile_id": 20,
        "tcont_profile": None, "traffic_profile_up": None, "traffic_profile_down": None, "gemport": None,
        "service_vlan": 100, "user_vlan": 100, "service_port_index": 1042,
        "tr069": SimpleNamespace(acs_url=None, username=None, password=None, profile_id=None),
        "pppoe": None,
        "new": new_position(),
    }
    return {**base, **overrides}


def new_position(**values: Any) -> SimpleNamespace:
    fields = dict.fromkeys(("serial", "serial_hex", "frame", "slot", "port", "onu_id"))
    return SimpleNamespace(**{**fields, **values})


ADD_AT_0_1_3 = (
    "ont add 3 7 sn-auth 4857544311E70E9A omci ont-lineprofile-id 10 ont-srvprofile-id 20"
    ' desc "jane-doe-1042"'
)
SERVICE_PORT_SUFFIX = "gemport 1 multi-service user-vlan 100 tag-transform translate"


def render(action: str, ctx: dict[str, Any]) -> list[str]:
    env = jinja2.Environment(undefined=jinja2.StrictUndefined)
    text = env.from_string(DRIVER.default_templates()[action]).render(**ctx)
    return [line for line in text.splitlines() if line.strip() and not line.startswith("!")]


def test_a_template_for_every_action() -> None:
    assert set(DRIVER.default_templates()) == set(CLI_ACTIONS)


@pytest.mark.parametrize("action", CLI_ACTIONS)
def test_every_template_starts_and_ends_in_privileged_mode(action: str) -> None:
    new = new_position(serial_hex="48575443DE135E2D", frame=0, slot=2, port=5, onu_id=1)
    lines = render(action, context(new=new))
    depth = 0
    for line in lines:
        depth += 1 if line in ("config",) or line.startswith("interface gpon") else 0
        depth -= 1 if line == "quit" else 0
        assert depth >= 0, f"{action}: quit would log out"
    assert lines[0] == "config" and depth == 0


def test_authorize_plain() -> None:
    assert render("authorize", context()) == [
        "config",
        "interface gpon 0/1",
        ADD_AT_0_1_3,
        "quit",
        f"service-port 1042 vlan 100 gpon 0/1/3 ont 7 {SERVICE_PORT_SUFFIX}",
        "quit",
    ]


def test_authorize_with_pppoe_and_tr069() -> None:
    lines = render(
        "authorize",
        context(
            pppoe=SimpleNamespace(username="jane@isp", password="s3cret"),
            tr069=SimpleNamespace(acs_url="http://acs.isp:7547", username="acs", password="x", profile_id=2),
            service_port_index=None,
            gemport=3,
        ),
    )
    assert lines[3:6] == [
        "ont ipconfig 3 7 ip-index 0 pppoe user-account username jane@isp password s3cret"
        " vlan 100 priority 0",
        "ont internet-config 3 7 ip-index 0",
        "ont tr069-server-config 3 7 profile-id 2",
    ]
    assert lines[7] == (
        "service-port vlan 100 gpon 0/1/3 ont 7 gemport 3 multi-service user-vlan 100 tag-transform translate"
    )


def test_remove_undoes_authorize_in_reverse_order() -> None:
    assert render("remove", context()) == [
        "config", "undo service-port 1042", "interface gpon 0/1", "ont delete 3 7", "quit", "quit",
    ]
    assert render("remove", context(service_port_index=None))[1] == "undo service-port port 0/1/3 ont 7"


def test_reboot_suspend_resume_rename() -> None:
    assert render("reboot", context())[2] == "ont reset 3 7"
    assert render("suspend", context())[2] == "ont deactivate 3 7"
    assert render("resume", context())[2] == "ont activate 3 7"
    assert render("rename", context(description="new text"))[2] == 'ont modify 3 7 desc "new text"'


def test_replace_swaps_the_serial() -> None:
    new = new_position(serial="HWTCDE135E2D", serial_hex="48575443DE135E2D")
    assert render("replace", context(new=new))[2] == "ont modify 3 7 sn 48575443DE135E2D"


def test_move_deletes_then_adds_at_the_new_position() -> None:
    new = new_position(frame=0, slot=2, port=5, onu_id=1)
    assert render("move", context(new=new)) == [
        "config",
        "undo service-port 1042",
        "interface gpon 0/1",
        "ont delete 3 7",
        "quit",
        "interface gpon 0/2",
        ADD_AT_0_1_3.replace("add 3 7", "add 5 1"),
        "quit",
        f"service-port 1042 vlan 100 gpon 0/2/5 ont 1 {SERVICE_PORT_SUFFIX}",
        "quit",
    ]


def test_missing_context_variable_fails_loudly() -> None:
    ctx = context()
    del ctx["line_profile_id"]
    with pytest.raises(jinja2.UndefinedError):
        render("authorize", ctx)
