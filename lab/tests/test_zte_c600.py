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
from lab.profiles import ZTE_TCONT_PROFILES
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
        "onu_type": "ZTE-F660",
        "line_profile": None,
        "line_profile_id": None,
        "service_profile": None,
        "service_profile_id": None,
        "tcont_profile": "T-100M",
        "traffic_profile_up": None,
        "traffic_profile_down": "TR-100M",
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
    assert (detail.serial, detail.onu_type, detail.description) == (SERIAL, "ZTE-F660", "Main-St-1")
    optical = DRIVER.parse_onu_optical(show(conn, DRIVER.cmd_onu_optical(1, 1, 1, 1)))
    expected = sim.snapshot()["onus"][0]
    assert (optical.rx_dbm, optical.olt_rx_dbm) == (expected["rx_dbm"], expected["olt_rx_dbm"])
    assert -26 <= optical.rx_dbm <= -14
    registration = sim.registrations[(1, 1, 1, 1)]
    assert registration.vport_config[1] == [
        "service-port 1 user-vlan 100 vlan 100",
        "qos traffic-policy TR-100M direction egress",
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
        "onu 1 type ZTE-F660 sn HWTC36D05643": "The entry is existed",
        f"onu 2 type ZTE-F660 sn {SERIAL}": "The SN is existed",
        "no onu 9": "The ONU does not exist",
        "onu 300 type ZTE-F660 sn HWTC36D05643": "Invalid input detected",
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
    commands += [f"onu {n} type ZTE-F660 sn ZTEG0000000{n}" for n in (1, 2, 3)]
    DRIVER.send_commands(conn, commands + ["end"], "OLT-C600")
    with pytest.raises(CliCommandError) as error:
        DRIVER.send_commands(conn, commands[:2] + ["onu 4 type ZTE-F660 sn ZTEG00000004"], "OLT-C600")
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

    return Registration(1, 1, 1, onu_id, f"ZTEG{onu_id:08X}", "ZTE-F660")


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


# --- ONU types and profiles the OLT knows -------------------------------------------------------

ONU_IF = ["configure terminal", "interface gpon_onu-1/1/1:1"]
VPORT_IF = ["configure terminal", "interface vport-1/1/1.1:1"]


def registered(sim: ZteC600) -> Any:
    with sim.lock:
        sim.registrations[(1, 1, 1, 1)] = _registration(1)
        sim.registrations[(1, 1, 1, 1)].serial = SERIAL
    return sim.registrations[(1, 1, 1, 1)]


@pytest.mark.parametrize(
    ("commands", "device_says"),
    [
        (["configure terminal", "interface gpon_olt-1/1/1", "onu 2 type F612 sn ZTEG00000002"],
         "%Code 62394-GPONSRV : The ONU type does not exist."),
        ([*ONU_IF, "tcont 1 profile SMARTOLT-1G-UP"], "%Code 62395-GPONSRV : The T-CONT profile does not exist."),
        ([*VPORT_IF, "qos traffic-policy DOWN-1G direction egress"],
         "%Code 62396-GPONSRV : The traffic profile does not exist."),
    ],
)
def test_unknown_type_or_profile_is_refused(
    running: Lab, sim: ZteC600, commands: list[str], device_says: str
) -> None:
    registration = registered(sim)
    conn = connect(running, sim)
    with pytest.raises(CliCommandError) as error:
        DRIVER.send_commands(conn, commands, "OLT-C600")
    conn.close()
    assert error.value.command == commands[-1] and device_says in error.value.output
    assert list(sim.registrations) == [(1, 1, 1, 1)]
    assert (registration.onu_config, registration.vport_config) == ([], {})
    assert not sim.unsaved_changes


def test_profiles_added_on_one_olt_are_accepted(running: Lab, sim: ZteC600) -> None:
    registration = registered(sim)
    sim.tcont_profiles.add("T-1G")
    sim.traffic_profiles.add("TR-1G")
    conn = connect(running, sim)
    DRIVER.send_commands(conn, [*ONU_IF, "tcont 1 profile T-1G", "exit", "interface vport-1/1/1.1:1",
                                "qos traffic-policy TR-1G direction ingress", "end"], "OLT-C600")
    conn.close()
    assert registration.onu_config == ["tcont 1 profile T-1G"]
    assert registration.vport_config == {1: ["qos traffic-policy TR-1G direction ingress"]}
    assert ZteC600("OTHER").tcont_profiles == ZTE_TCONT_PROFILES  # the defaults are untouched


# --- saving, rebooting, names ------------------------------------------------------------------------


def test_write_saves_the_configuration(running: Lab, sim: ZteC600) -> None:
    conn = connect(running, sim)
    show(conn, DRIVER.cmd_autofind())
    assert (sim.saves, sim.unsaved_changes) == (0, False)
    DRIVER.send_commands(conn, render("authorize", **context()), "OLT-C600")
    assert sim.unsaved_changes
    (answer,) = DRIVER.send_commands(conn, ["write"], "OLT-C600")
    assert "[OK]" in answer.output and (sim.saves, sim.unsaved_changes) == (1, False)
    with pytest.raises(CliCommandError, match="Invalid input"):  # privileged exec only
        DRIVER.send_commands(conn, ["configure terminal", "write"], "OLT-C600")
    conn.send_command("end")
    DRIVER.send_commands(conn, render("suspend", **context()), "OLT-C600")
    conn.close()
    assert (sim.saves, sim.unsaved_changes) == (1, True)


def test_rebooted_onu_is_offline_until_it_registers_again(running: Lab, sim: ZteC600) -> None:
    sim.reboot_offline_s = 1.0
    conn = connect(running, sim)
    DRIVER.send_commands(conn, render("authorize", **context()), "OLT-C600")
    DRIVER.send_commands(conn, render("reboot", **context()), "OLT-C600")
    states = show(conn, DRIVER.cmd_onu_list(1, 1, 1))
    (state,) = DRIVER.parse_onu_list(states, 1, 1, 1)
    detail_text = show(conn, DRIVER.cmd_onu_detail(1, 1, 1, 1))
    detail = DRIVER.parse_onu_detail(detail_text)
    optical = DRIVER.parse_onu_optical(show(conn, DRIVER.cmd_onu_optical(1, 1, 1, 1)))
    (onu,) = sim.snapshot()["onus"]
    assert "OffLine" in states and (state.run_state, detail.run_state, onu["run_state"]) == ("offline",) * 3
    assert "  ONU Distance:        N/A" in detail_text.splitlines() and detail.last_down_cause == "reboot"
    assert optical.rx_dbm is None and onu["rx_dbm"] is None
    time.sleep(1.1)
    (state,) = DRIVER.parse_onu_list(show(conn, DRIVER.cmd_onu_list(1, 1, 1)), 1, 1, 1)
    conn.close()
    assert state.run_state == "online" and sim.snapshot()["onus"][0]["run_state"] == "online"


def test_name_is_one_word_and_detail_info_shows_it(running: Lab, sim: ZteC600) -> None:
    registered(sim)
    conn = connect(running, sim)
    with pytest.raises(CliCommandError) as error:
        DRIVER.send_commands(conn, [*ONU_IF, "name Jane Doe"], "OLT-C600")
    conn.send_command("end")
    DRIVER.send_commands(conn, [*ONU_IF, "name Jane_Doe", "description Jane Doe, Main St 1", "exit",
                                "interface gpon_olt-1/1/1", "onu 1 disable", "end"], "OLT-C600")
    detail = show(conn, DRIVER.cmd_onu_detail(1, 1, 1, 1)).splitlines()
    conn.close()
    caret, message = error.value.output.splitlines()[-2:]
    assert message == "%Error 140303: Invalid input detected at '^' marker."
    assert caret.index("^") == len("name Jane ")  # under the extra word
    assert "  Name:                Jane_Doe" in detail
    assert "  Description:         Jane Doe, Main St 1" in detail
    assert "  Admin state:         disable" in detail
