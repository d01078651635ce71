"""Every shipped template renders (StrictUndefined) to what a NOC engineer types."""

from __future__ import annotations

from typing import Any

import jinja2
import pytest

from vendor_cli.tests.cli_actions import CLI_ACTIONS
from vendor_cli.zte_c6xx import DRIVER

BASE: dict[str, Any] = {
    "olt": {"name": "OLT-C600", "model": "C600", "family": "zte_c6xx"},
    "frame": 1,
    "slot": 2,
    "port": 2,
    "onu_id": 1,
    "serial": "ZTEGDA11A47B",
    "serial_hex": "5A544547DA11A47B",
    "name": "ygson",
    "description": "Rua-1-casa-2",
    "onu_type": "F670L",
    "line_profile": None,
    "line_profile_id": None,
    "service_profile": None,
    "service_profile_id": None,
    "tcont_profile": "SMARTOLT-1G-UP",
    "traffic_profile_up": None,
    "traffic_profile_down": "SMARTOLT-1G-DOWN",
    "gemport": 1,
    "service_vlan": 28,
    "user_vlan": 200,
    "service_port_index": None,
    "tr069": {
        "acs_url": "http://179.197.226.140:7547",
        "username": "acs",
        "password": "acs",
        "profile_id": None,
    },
    "pppoe": None,
    "new": None,
}

AUTHORIZE = [
    "configure terminal",
    "interface gpon_olt-1/2/2",
    "onu 1 type F670L sn ZTEGDA11A47B",
    "exit",
    "interface gpon_onu-1/2/2:1",
    "name ygson",
    "description Rua-1-casa-2",
    "tcont 1 profile SMARTOLT-1G-UP",
    "gemport 1 tcont 1",
    "exit",
    "interface vport-1/2/2.1:1",
    "service-port 1 user-vlan 200 vlan 28",
    "qos traffic-policy SMARTOLT-1G-DOWN direction egress",
    "exit",
    "pon-onu-mng gpon_onu-1/2/2:1",
    "service internet gemport 1 vlan 200",
    "tr069-mgmt 1 state unlock",
    "tr069-mgmt 1 acs http://179.197.226.140:7547 validate basic username acs password acs",
    "exit",
    "end",
]
REMOVE = [
    "configure terminal",
    "interface vport-1/2/2.1:1",
    "no service-port 1",
    "exit",
    "interface gpon_olt-1/2/2",
    "no onu 1",
    "exit",
    "end",
]


def render(action: str, **overrides: Any) -> list[str]:
    env = jinja2.Environment(undefined=jinja2.StrictUndefined)
    text = env.from_string(DRIVER.default_templates()[action]).render(**{**BASE, **overrides})
    return [line for line in (raw.strip() for raw in text.splitlines()) if line and not line.startswith("!")]


def test_a_template_for_every_action() -> None:
    assert set(DRIVER.default_templates()) == set(CLI_ACTIONS)


@pytest.mark.parametrize("action", CLI_ACTIONS)
def test_templates_start_and_end_in_privileged_exec(action: str) -> None:
    new = {"serial": "ZTEGD420E6A8", "serial_hex": None, "frame": 1, "slot": 1, "port": 1, "onu_id": 4}
    lines = render(action, new=new)
    assert lines[0] == "configure terminal" and lines[-1] == "end"


def test_authorize_without_pppoe() -> None:
    assert render("authorize") == AUTHORIZE


def test_authorize_with_pppoe_and_without_tr069() -> None:
    lines = render("authorize", pppoe={"username": "joao", "password": "s3cret"}, tr069=None, name=None)
    assert "wan-ip ipv4 mode pppoe username joao password s3cret vlan-profile vlan200 host 1" in lines
    assert "wan 1 service internet host 1" in lines
    assert not any(line.startswith(("tr069-mgmt", "name ")) for line in lines)


def test_remove_undoes_authorize() -> None:
    assert render("remove") == REMOVE
    authorize = render("authorize")
    assert authorize.index("onu 1 type F670L sn ZTEGDA11A47B") < authorize.index(
        "service-port 1 user-vlan 200 vlan 28"
    )


def test_reboot_enters_onu_management() -> None:
    assert render("reboot") == ["configure terminal", "pon-onu-mng gpon_onu-1/2/2:1", "reboot", "exit", "end"]


def test_suspend_and_resume() -> None:
    assert render("suspend")[1:4] == ["interface gpon_olt-1/2/2", "onu 1 disable", "exit"]
    assert render("resume")[1:4] == ["interface gpon_olt-1/2/2", "onu 1 enable", "exit"]


def test_rename() -> None:
    assert render("rename") == [
        "configure terminal",
        "interface gpon_onu-1/2/2:1",
        "name ygson",
        "description Rua-1-casa-2",
        "exit",
        "end",
    ]


def test_replace_recreates_the_same_id_with_the_new_serial() -> None:
    lines = render(
        "replace",
        new={
            "serial": "ZTEGD420E6A8",
            "serial_hex": None,
            "frame": None,
            "slot": None,
            "port": None,
            "onu_id": None,
        },
    )
    assert lines[:7] == REMOVE[:6] + ["onu 1 type F670L sn ZTEGD420E6A8"]
    assert lines[7:] == AUTHORIZE[3:]


def test_move_deletes_old_and_authorizes_new_position() -> None:
    new = {"serial": None, "serial_hex": None, "frame": 1, "slot": 1, "port": 1, "onu_id": 4}
    lines = render("move", new=new)
    assert lines[:7] == REMOVE[:7]
    moved = [
        line.replace("1/2/2", "1/1/1")
        .replace("onu 1 ", "onu 4 ")
        .replace(".1:1", ".4:1")
        .replace("1/1/1:1", "1/1/1:4")
        for line in AUTHORIZE[1:]
    ]
    assert lines[7:] == moved
