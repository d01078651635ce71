"""The shipped zte_c3xx templates render to what a NOC engineer types on a C300/C320."""

from __future__ import annotations

from typing import Any

import jinja2
import pytest

from vendor_cli.tests.cli_actions import CLI_ACTIONS
from vendor_cli.zte_c3xx import DRIVER


def context(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "olt": {"name": "olt-north-1", "model": "C320", "family": "zte_c3xx"},
        "frame": 1,
        "slot": 2,
        "port": 3,
        "onu_id": 7,
        "serial": "ZTEGC86CCB88",
        "serial_hex": "5A544547C86CCB88",
        "name": "cust-1001",
        "description": "Jane_Doe_Main_St_1",
        "onu_type": "ZTE-F660",
        "line_profile": None,
        "line_profile_id": None,
        "service_profile": None,
        "service_profile_id": None,
        "tcont_profile": "UP-100M",
        "traffic_profile_up": "UP100M",
        "traffic_profile_down": "DW100M",
        "gemport": 1,
        "service_vlan": 600,
        "user_vlan": 600,
        "service_port_index": None,
        "tr069": {"acs_url": None, "username": None, "password": None, "profile_id": None},
        "pppoe": None,
        "new": {
            "serial": "ZTEGC0000002",
            "serial_hex": "5A544547C0000002",
            "frame": 1,
            "slot": 1,
            "port": 4,
            "onu_id": 9,
        },
    }
    base.update(changes)
    return base


def render(action: str, ctx: dict[str, Any]) -> list[str]:
    env = jinja2.Environment(undefined=jinja2.StrictUndefined)
    text = env.from_string(DRIVER.default_templates()[action]).render(**ctx)
    return [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("!")]


def test_every_action_has_a_template_that_starts_and_ends_in_exec() -> None:
    assert set(DRIVER.default_templates()) == set(CLI_ACTIONS)
    for action in CLI_ACTIONS:
        lines = render(action, context())
        assert lines[0] == "configure terminal" and lines[-1] == "end", action


def test_authorize_plain_bridge() -> None:
    assert render("authorize", context()) == [
        "configure terminal",
        "interface gpon-olt_1/2/3",
        "onu 7 type ZTE-F660 sn ZTEGC86CCB88",
        "exit",
        "interface gpon-onu_1/2/3:7",
        "name cust-1001",
        "description Jane_Doe_Main_St_1",
        "tcont 1 profile UP-100M",
        "gemport 1 tcont 1",
        "gemport 1 traffic-limit upstream UP100M downstream DW100M",
        "service-port 1 vport 1 user-vlan 600 vlan 600",
        "exit",
        "pon-onu-mng gpon-onu_1/2/3:7",
        "service internet gemport 1 vlan 600",
        "vlan port eth_0/1 mode tag vlan 600",
        "exit",
        "end",
    ]


def test_authorize_with_pppoe_and_tr069() -> None:
    lines = render(
        "authorize",
        context(
            pppoe={"username": "jane@isp", "password": "s3cret"},
            tr069={"acs_url": "http://acs.example.net:7547", "username": "cpe", "password": "pw", "profile_id": 1},
            traffic_profile_up=None,
        ),
    )
    assert "pppoe 1 nat enable user jane@isp password s3cret" in lines
    assert "vlan port eth_0/1 mode tag vlan 600" not in lines
    assert lines[-5:] == [
        "pppoe 1 nat enable user jane@isp password s3cret",
        "tr069-mgmt 1 state unlock",
        "tr069-mgmt 1 acs http://acs.example.net:7547 validate basic username cpe password pw",
        "exit",
        "end",
    ]
    assert "gemport 1 traffic-limit downstream DW100M" in lines


def test_remove_undoes_authorize_in_reverse() -> None:
    assert render("remove", context()) == [
        "configure terminal",
        "interface gpon-onu_1/2/3:7",
        "no service-port 1",
        "no gemport 1",
        "no tcont 1",
        "exit",
        "interface gpon-olt_1/2/3",
        "no onu 7",
        "exit",
        "end",
    ]


@pytest.mark.parametrize(
    ("action", "body"),
    [
        ("reboot", ["pon-onu-mng gpon-onu_1/2/3:7", "reboot"]),
        ("suspend", ["interface gpon-onu_1/2/3:7", "shutdown"]),
        ("resume", ["interface gpon-onu_1/2/3:7", "no shutdown"]),
        ("rename", ["interface gpon-onu_1/2/3:7", "name cust-1001", "description Jane_Doe_Main_St_1"]),
        ("replace", ["interface gpon-onu_1/2/3:7", "registration-method sn ZTEGC0000002"]),
    ],
)
def test_small_actions(action: str, body: list[str]) -> None:
    assert render(action, context()) == ["configure terminal", *body, "end"]


def test_move_deletes_old_and_adds_at_new_position() -> None:
    lines = render("move", context())
    assert lines[:7] == [
        "configure terminal",
        "interface gpon-olt_1/2/3",
        "no onu 7",
        "exit",
        "interface gpon-olt_1/1/4",
        "onu 9 type ZTE-F660 sn ZTEGC86CCB88",
        "exit",
    ]
    assert "interface gpon-onu_1/1/4:9" in lines and "pon-onu-mng gpon-onu_1/1/4:9" in lines
    assert not any("1/2/3:7" in line for line in lines)
