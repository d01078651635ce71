"""The simulated ZTE C600 over real SSH, driven by the zte_c6xx driver."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import jinja2
import pytest
from scrapli import Scrapli
from scrapli.exceptions import ScrapliException

from lab.base import Faults, Lab
from lab.zte_c600 import ZteC600
from vendor_cli.base import CliCommandError
from vendor_cli.zte_c6xx import DRIVER

SERIAL = "ZTEGC97E6BC5"



@pytest.fixture
def running() -> Iterator[Lab]:
    lab_ = Lab()
    yield lab_
    lab_.close()


@pytest.fixture
def sim() -> ZteC600:
    olt = ZteC600("OLT-C600", ports=[(1, 1, 1), (1, 1, 2)], max_onus_per_port=3)
    olt.plug_onu(1, 1, 1, SERIAL, equipment_id="F612V6.0")
    return olt


def connect(running: Lab, olt: ZteC600, **overrides: Any) -> Scrapli:
    options = DRIVER.scrapli_options("ssh")
    extras = {**options["extras"], "timeout_ops": 10, **overrides}
    conn = Scrapli(
        host="127.0.0.1",
        port=running.add(olt),
        auth_username=olt.username,
        auth_password=olt.password,
        platform=options["platform"],
        **extras,
    )
    conn.open()
    return conn


def render(action: str, **context: Any) -> list[str]:
    env = jinja2.Environment(undefined=jinja2.StrictUndefined)
    text = env.from_string(DRIVER.default_templates()[action]).render(**context)
    return [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("!")]


def context(onu_id: int = 1, serial: str = SERIAL, **overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "olt": {"name": "OLT-C600", "model": "C600", "family": "zte_c6xx"},
        "frame": 1,
        "slot": 1,
        "port": 1,
        "onu_id": onu_id,
        "serial": serial,
        "serial_hex": None,
        "name": "cust-1",
        "description": "Main-St-1",
        "onu_type": "F612",
        "line_profile": None,
        "line_profile_id": None,
        "service_profile": None,
        "service_profile_id": None,
        "tcont_profile": "SMARTOLT-1G-UP",
        "traffic_profile_up": None,
        "traffic_profile_down": "DOWN-100M",
        "gemport": 1,
        "service_vlan": 100,
        "user_vlan": 100,
        "service_port_index": None,
        "tr069": {
            "acs_url": "http://acs.example:7547",
            "username": "acs",
            "password": "acs",
            "profile_id": None,
        },
        "pppoe": {"username": "user1", "password": "pw1"},
        "new": None,
    }
    values.update(overrides)
    return values


def show(conn: Scrapli, commands: list[str]) -> str:
    return "\n".join(conn.send_command(command).result for command in commands)


def test_autofind_authorize_and_show(running: Lab, sim: ZteC600) -> None:
    conn = connect(running, sim)
    found = DRIVER.parse_autofind(show(conn, DRIVER.cmd_autofind()))
    assert [(o.slot, o.port, o.serial, o.equipment_id) for o in found] == [(1, 1, SERIAL, "F612V6.0")]

    DRIVER.send_commands(conn, render("authorize", **context()), "OLT-C600")

    assert DRIVER.parse_autofind(show(conn, DRIVER.cmd_autofind())) == []
    states = DRIVER.parse_onu_list(show(conn, DRIVER.cmd_onu_list(1, 1, 1)), 1, 1, 1)
    assert [(s.onu_id, s.run_state) for s in states] == [(1, "online")]
    detail = DRIVER.parse_onu_detail(show(conn, DRIVER.cmd_onu_detail(1, 1, 1, 1)))
    assert (detail.serial, detail.onu_type, detail.description) == (SERIAL, "F612", "Main-St-1")
    optical = DRIVER.parse_onu_optical(show(conn, DRIVER.cmd_onu_optical(1, 1, 1, 1)))
    expected = sim.snapshot()["onus"][0]
    assert (optical.rx_dbm, optical.olt_rx_dbm) == (expected["rx_dbm"], expected["olt_rx_dbm"])
    assert -26 <= optical.rx_dbm <= -14
    registration = sim.registrations[(1, 1, 1, 1)]
    assert registration.vport_config[1] == [
        "service-port 1 user-vlan 100 vlan 100",
        "qos traffic-policy DOWN-100M direction egress",
    ]
    assert any(
        line.startswith("tr069-mgmt 1 acs http://acs.example:7547") for line in registration.mng_config
    )
    version = DRIVER.parse_version(show(conn, DRIVER.cmd_version()))
    assert version.software_version == sim.snapshot()["software_version"]
    assert {b.slot for b in version.boards} >= {1, 10}
    conn.close()


def test_vendor_errors_raise_naming_device_and_command(running: Lab, sim: ZteC600) -> None:
    sim.plug_onu(1, 1, 1, "HWTC36D05643")
    conn = connect(running, sim)
    DRIVER.send_commands(conn, render("authorize", **context()), "OLT-C600")
    cases = {
        "onu 1 type F612 sn HWTC36D05643": "The entry is existed",
        f"onu 2 type F612 sn {SERIAL}": "The SN is existed",
        "no onu 9": "The ONU does not exist",
        "onu 300 type F612 sn HWTC36D05643": "Invalid input detected",
    }
    for command, message in cases.items():
        with pytest.raises(CliCommandError) as error:
            DRIVER.send_commands(
                conn, ["configure terminal", "interface gpon_olt-1/1/1", command], "OLT-C600"
            )
        assert error.value.device == "OLT-C600" and error.value.command == command
        assert message in error.value.output
        assert "OLT-C600" in str(error.value) and command in str(error.value)
        conn.send_command("end")
    conn.close()


def test_port_full(running: Lab, sim: ZteC600) -> None:
    conn = connect(running, sim)
    commands = ["configure terminal", "interface gpon_olt-1/1/2"]
    commands += [f"onu {n} type F612 sn ZTEG0000000{n}" for n in (1, 2, 3)]
    DRIVER.send_commands(conn, commands + ["end"], "OLT-C600")
    with pytest.raises(CliCommandError) as error:
        DRIVER.send_commands(conn, commands[:2] + ["onu 4 type F612 sn ZTEG00000004"], "OLT-C600")
    assert "reached the maximum" in error.value.output
    conn.close()


def test_remove_restores_autofind(running: Lab, sim: ZteC600) -> None:
    conn = connect(running, sim)
    DRIVER.send_commands(conn, render("authorize", **context()), "OLT-C600")
    DRIVER.send_commands(conn, render("remove", **context()), "OLT-C600")
    assert sim.configured_onus() == []
    assert [o.serial for o in DRIVER.parse_autofind(show(conn, DRIVER.cmd_autofind()))] == [SERIAL]
    conn.close()


def test_reboot_confirmation_and_suspend_resume(running: Lab, sim: ZteC600) -> None:
    conn = connect(running, sim)
    DRIVER.send_commands(conn, render("authorize", **context()), "OLT-C600")
    answers = DRIVER.send_commands(conn, render("reboot", **context()), "OLT-C600")
    assert sim.registrations[(1, 1, 1, 1)].reboots == 1
    assert [a.command for a in answers][-3:] == ["reboot", "exit", "end"]
    DRIVER.send_commands(conn, render("suspend", **context()), "OLT-C600")
    assert sim.configured_onus()[0]["run_state"] == "offline"
    DRIVER.send_commands(conn, render("resume", **context()), "OLT-C600")
    assert sim.configured_onus()[0]["admin_enabled"] is True
    assert conn.get_prompt() == "OLT-C600#"
    conn.close()


def test_long_list_pages_and_paging_is_disabled_on_open(running: Lab) -> None:
    olt = ZteC600("OLT-BIG", ports=[(1, 1, 1)])
    olt.registrations.update({(1, 1, 1, n): _registration(n) for n in range(1, 61)})
    conn = connect(running, olt)
    states = DRIVER.parse_onu_list(show(conn, DRIVER.cmd_onu_list(1, 1, 1)), 1, 1, 1)
    assert [s.onu_id for s in states] == list(range(1, 61))
    conn.send_command("terminal length 20")
    paged, pages = read_paged(conn, "show gpon onu state gpon_olt-1/1/1", "OLT-BIG#")
    assert pages == 3
    assert "--More--" in paged
    assert [s.onu_id for s in DRIVER.parse_onu_list(paged, 1, 1, 1)] == list(range(1, 61))
    conn.close()


def read_paged(conn: Scrapli, command: str, prompt: str) -> tuple[str, int]:
    """Type `command` and press space at every pager prompt, like a person would."""
    conn.channel.write(command)
    conn.channel.send_return()
    output, pages, deadline = "", 0, time.monotonic() + 10
    while not output.rstrip().endswith(prompt) and time.monotonic() < deadline:
        output += conn.channel.read().decode()
        if output.endswith("--More--"):
            pages += 1
            conn.channel.write(" ")
    return output, pages


def _registration(onu_id: int) -> Any:
    from lab.zte_c600 import Registration

    return Registration(1, 1, 1, onu_id, f"ZTEG{onu_id:08X}", "F612")


def test_latency_fault(running: Lab, sim: ZteC600) -> None:
    conn = connect(running, sim)
    sim.faults.latency_s = 0.3
    started = time.monotonic()
    conn.send_command("show card")
    assert time.monotonic() - started >= 0.3
    conn.close()


def test_drop_after_commands_fault(running: Lab) -> None:
    olt = ZteC600("OLT-DROP", faults=Faults(drop_after_commands=3))
    conn = connect(running, olt, timeout_ops=3)
    conn.send_command("show card")
    with pytest.raises(ScrapliException):
        conn.send_command("show card")
        conn.send_command("show card")
