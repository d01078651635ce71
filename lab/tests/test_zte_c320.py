"""The simulated ZTE C320 driven over real SSH by scrapli with the zte_c3xx driver."""

from __future__ import annotations

import contextlib
import re
import time
from collections.abc import Iterator
from typing import Any

import jinja2
import pytest
from nornir.core import Nornir
from nornir.core.configuration import Config
from nornir.core.inventory import ConnectionOptions, Host, Hosts, Inventory
from nornir.core.plugins.connections import ConnectionPluginRegister
from nornir.plugins.runners import SerialRunner
from nornir_scrapli.tasks import send_command
from scrapli.driver import GenericDriver
from scrapli.exceptions import ScrapliConnectionNotOpened, ScrapliException

from lab.base import Faults, Lab
from lab.profiles import ZTE_ONU_TYPES, ZTE_TCONT_PROFILES, ZTE_TRAFFIC_PROFILES
from lab.zte_c320 import ZteC320
from vendor_cli.base import CliCommandError
from vendor_cli.zte_c3xx import DRIVER

SERIAL = "ZTEGC0FFEE01"


@pytest.fixture(scope="module")
def olt_lab() -> Iterator[Lab]:
    running = Lab()
    yield running
    running.close()


def _connect(olt_lab: Lab, sim: ZteC320, **overrides: Any) -> GenericDriver:
    port = olt_lab.servers[sim.name][2] if sim.name in olt_lab.servers else olt_lab.add(sim)
    options = DRIVER.scrapli_options("ssh")
    extras = {**options["extras"], "timeout_ops": 5, **overrides}
    conn = GenericDriver(host="127.0.0.1", port=port, auth_username="admin", auth_password="admin", **extras)
    conn.open()
    return conn


def _render(action: str, **context: Any) -> list[str]:
    template = jinja2.Environment(undefined=jinja2.StrictUndefined).from_string(DRIVER.default_templates()[action])
    return [ln.strip() for ln in template.render(**context).splitlines() if ln.strip() and not ln.startswith("!")]


def _context(**changes: Any) -> dict[str, Any]:
    context: dict[str, Any] = {
        "olt": {"name": "lab", "model": "C320", "family": "zte_c3xx"},
        "frame": 1,
        "slot": 1,
        "port": 1,
        "onu_id": 5,
        "serial": SERIAL,
        "serial_hex": "5A544547C0FFEE01",
        "name": "cust-1001",
        "description": "Jane_Doe_Main_St_1",
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
        "tr069": {"acs_url": None, "username": None, "password": None, "profile_id": None},
        "pppoe": None,
        "new": None,
    }
    context.update(changes)
    return context


@pytest.fixture
def sim(olt_lab: Lab, request: pytest.FixtureRequest) -> ZteC320:
    olt = ZteC320(f"C320-{re.sub(r'[^A-Za-z0-9]+', '-', request.node.name)[-24:]}", max_onus_per_port=3)
    olt_lab.add(olt)
    return olt


def test_autofind_shows_plugged_onu(olt_lab: Lab, sim: ZteC320) -> None:
    conn = _connect(olt_lab, sim)
    assert DRIVER.parse_autofind(conn.send_command(DRIVER.cmd_autofind()[0]).result) == []
    sim.plug_onu(1, 1, 2, SERIAL, equipment_id="F660")
    found = DRIVER.parse_autofind(conn.send_command(DRIVER.cmd_autofind()[0]).result)
    conn.close()
    assert [(o.frame, o.slot, o.port, o.serial) for o in found] == [(1, 1, 2, SERIAL)]


def test_authorize_then_show_and_remove(olt_lab: Lab, sim: ZteC320) -> None:
    sim.plug_onu(1, 1, 1, SERIAL)
    conn = _connect(olt_lab, sim)
    DRIVER.send_commands(conn, _render("authorize", **_context()), sim.name)
    [state] = DRIVER.parse_onu_list(conn.send_command(DRIVER.cmd_onu_list(1, 1, 1)[0]).result, 1, 1, 1)
    detail = DRIVER.parse_onu_detail(conn.send_command(DRIVER.cmd_onu_detail(1, 1, 1, 5)[0]).result)
    optical = DRIVER.parse_onu_optical(conn.send_command(DRIVER.cmd_onu_optical(1, 1, 1, 5)[0]).result)
    expected_rx = sim.snapshot()["onus"][0]["rx_dbm"]
    assert (state.onu_id, state.run_state) == (5, "online")
    assert (detail.serial, detail.description, detail.onu_type) == (SERIAL, "Jane_Doe_Main_St_1", "ZTE-F660")
    assert optical.rx_dbm == expected_rx and -26 <= optical.rx_dbm <= -14
    assert DRIVER.parse_autofind(conn.send_command("show gpon onu uncfg").result) == []

    DRIVER.send_commands(conn, _render("remove", **_context()), sim.name)
    found = DRIVER.parse_autofind(conn.send_command("show gpon onu uncfg").result)
    conn.close()
    assert sim.configured_onus() == []
    assert [o.serial for o in found] == [SERIAL]


@pytest.mark.parametrize(
    ("command", "setup"),
    [
        ("onu 5 type ZTE-F660 sn ZTEGC0FFEE02", "same_id"),
        ("onu 6 type ZTE-F660 sn ZTEGC0FFEE01", "same_serial"),
        ("onu 9 type ZTE-F660 sn ZTEGC0FFEE09", "port_full"),
        ("no onu 77", "missing"),
    ],
)
def test_vendor_errors_raise_cli_command_error(olt_lab: Lab, sim: ZteC320, command: str, setup: str) -> None:
    with sim.lock:
        sim.add_onu((1, 1, 1), 5, "ZTE-F660", SERIAL)
        if setup == "port_full":
            sim.add_onu((1, 1, 1), 6, "ZTE-F660", "ZTEGC0FFEE06")
            sim.add_onu((1, 1, 1), 7, "ZTE-F660", "ZTEGC0FFEE07")
    conn = _connect(olt_lab, sim)
    with pytest.raises(CliCommandError) as failure:
        DRIVER.send_commands(conn, ["configure terminal", "interface gpon-olt_1/1/1", command], sim.name)
    conn.close()
    assert failure.value.device == sim.name and failure.value.command == command
    assert "GPONSRV" in failure.value.output
    assert sim.name in str(failure.value) and command in str(failure.value)


def test_opens_through_nornir_scrapli(olt_lab: Lab, sim: ZteC320) -> None:
    ConnectionPluginRegister.auto_register()
    port = olt_lab.port_of(sim.name)
    options = DRIVER.scrapli_options("ssh")
    host = Host(
        name=sim.name,
        hostname="127.0.0.1",
        port=port,
        username="admin",
        password="admin",
        connection_options={"scrapli": ConnectionOptions(**options)},
    )
    nr = Nornir(
        inventory=Inventory(hosts=Hosts({sim.name: host})),
        runner=SerialRunner(),
        config=Config.from_dict(logging={"enabled": False}),
    )
    result = nr.run(task=send_command, command="show system-group")
    nr.close_connections()
    assert not result.failed, result[sim.name].exception
    assert f"System name:  {sim.name}" in result[sim.name].result


def test_syntax_error_is_reported(olt_lab: Lab, sim: ZteC320) -> None:
    conn = _connect(olt_lab, sim)
    with pytest.raises(CliCommandError) as failure:
        DRIVER.send_commands(conn, ["show gpon onu bogus"], sim.name)
    conn.close()
    assert "Invalid input" in failure.value.reason


def test_reboot_answers_confirmation(olt_lab: Lab, sim: ZteC320) -> None:
    with sim.lock:
        sim.add_onu((1, 1, 1), 5, "ZTE-F660", SERIAL)
    conn = _connect(olt_lab, sim)
    DRIVER.send_commands(conn, _render("reboot", **_context()), sim.name)
    prompt = conn.get_prompt()
    conn.close()
    assert sim.onus[((1, 1, 1), 5)].reboots == 1
    assert prompt.endswith(f"{sim.name}#")


def test_suspend_resume_rename_replace_move(olt_lab: Lab, sim: ZteC320) -> None:
    sim.plug_onu(1, 1, 1, SERIAL)
    conn = _connect(olt_lab, sim)
    DRIVER.send_commands(conn, _render("authorize", **_context()), sim.name)
    DRIVER.send_commands(conn, _render("suspend", **_context()), sim.name)
    suspended = sim.configured_onus()[0]
    DRIVER.send_commands(conn, _render("resume", **_context()), sim.name)
    DRIVER.send_commands(conn, _render("rename", **_context(name="cust-2002", description="New_Owner")), sim.name)
    renamed = sim.configured_onus()[0]
    new = {"serial": "ZTEGC0FFEE77", "serial_hex": None, "frame": 1, "slot": 1, "port": 1, "onu_id": 5}
    DRIVER.send_commands(conn, _render("replace", **_context(new=new)), sim.name)
    replaced = sim.configured_onus()[0]
    moved_to = {"serial": SERIAL, "serial_hex": None, "frame": 1, "slot": 2, "port": 3, "onu_id": 9}
    DRIVER.send_commands(conn, _render("move", **_context(new=moved_to)), sim.name)
    conn.close()
    assert (suspended["admin_enabled"], suspended["run_state"]) == (False, "offline")
    assert (renamed["name"], renamed["description"], renamed["admin_enabled"]) == ("cust-2002", "New_Owner", True)
    assert replaced["serial"] == "ZTEGC0FFEE77"
    assert [(o["slot"], o["port"], o["onu_id"]) for o in sim.configured_onus()] == [(2, 3, 9)]


def test_paging_long_list(olt_lab: Lab) -> None:
    big = ZteC320("C320-PAGING", max_onus_per_port=128)
    for n in range(40):
        big.plug_onu(1, 1, 1 + n % 4, f"ZTEGC00000{n:02X}")
    conn = _connect(olt_lab, big)
    listed = DRIVER.parse_autofind(conn.send_command("show gpon onu uncfg").result)
    conn.close()
    raw = GenericDriver(
        host="127.0.0.1",
        port=olt_lab.port_of(big.name),
        auth_username="admin",
        auth_password="admin",
        auth_strict_key=False,
        comms_prompt_pattern=DRIVER.scrapli_options("ssh")["extras"]["comms_prompt_pattern"],
        timeout_ops=5,
    )
    raw.open()
    paged = raw.send_interactive([("show gpon onu uncfg", " --More--", False)]).result
    raw.close()
    assert len(listed) == 40
    assert "--More--" in paged and paged.count("unknown") < 40


def test_user_mode_login_reaches_enable(olt_lab: Lab) -> None:
    olt = ZteC320("C320-USERMODE", start_in_user_mode=True, enable_password="admin")
    conn = _connect(olt_lab, olt)
    prompt = conn.get_prompt()
    version = DRIVER.parse_version("\n".join(conn.send_command(c).result for c in DRIVER.cmd_version()))
    conn.close()
    assert prompt == "C320-USERMODE#"
    assert (version.model, version.software_version) == ("C320", "V2.1.0")
    assert [b.board_name for b in version.boards][:2] == ["GTGOG", "GTGOG"]


def test_latency_fault_slows_answers(olt_lab: Lab) -> None:
    slow = ZteC320("C320-SLOW", faults=Faults(latency_s=0.3))
    conn = _connect(olt_lab, slow)
    started = time.monotonic()
    conn.send_command("show card")
    elapsed = time.monotonic() - started
    conn.close()
    assert elapsed >= 0.3


def test_drop_after_commands_closes_session(olt_lab: Lab) -> None:
    # on_open sends a bare return (get_prompt) and `terminal length 0`; `show card` is the 3rd line.
    flaky = ZteC320("C320-DROP", faults=Faults(drop_after_commands=3))
    conn = _connect(olt_lab, flaky, timeout_ops=2)
    conn.send_command("show card")
    with pytest.raises((ScrapliException, ScrapliConnectionNotOpened, OSError)):
        conn.send_command("show system-group")
        conn.send_command("show system-group")
    with contextlib.suppress(ScrapliException, OSError):
        conn.close()


# --- ONU types and profiles the OLT knows -------------------------------------------------------


def test_each_simulator_has_its_own_copy_of_the_defaults() -> None:
    first, second = ZteC320("C320-A"), ZteC320("C320-B", tcont_profiles={"T-1G"})
    first.onu_types.clear()
    assert {"ZTE-F660", "ZTE-F670L", "HG8245H"} == ZTE_ONU_TYPES == second.onu_types
    assert (second.tcont_profiles, second.traffic_profiles) == ({"T-1G"}, ZTE_TRAFFIC_PROFILES)
    assert first.tcont_profiles == ZTE_TCONT_PROFILES == {"T-100M"}


ONU_IF = ["configure terminal", "interface gpon-onu_1/1/1:5"]


@pytest.mark.parametrize(
    ("commands", "device_says"),
    [
        (["configure terminal", "interface gpon-olt_1/1/1", "onu 6 type ZTE-F999 sn ZTEGC0FFEE06"],
         "%Code 32318-GPONSRV : The ONU type does not exist."),
        ([*ONU_IF, "tcont 1 profile T-1G"], "%Code 32319-GPONSRV : The T-CONT profile does not exist."),
        ([*ONU_IF, "gemport 1 traffic-limit upstream TR-100M downstream TR-1G"],
         "%Code 32320-GPONSRV : The traffic profile does not exist."),
        ([*ONU_IF, "gemport 1 traffic-limit upstream TR-1G"], "The traffic profile does not exist."),
    ],
)
def test_unknown_type_or_profile_is_refused(olt_lab: Lab, sim: ZteC320, commands: list[str], device_says: str) -> None:
    with sim.lock:
        sim.add_onu((1, 1, 1), 5, "ZTE-F660", SERIAL)
    conn = _connect(olt_lab, sim)
    with pytest.raises(CliCommandError) as failure:
        DRIVER.send_commands(conn, commands, sim.name)
    conn.close()
    assert failure.value.command == commands[-1] and device_says in failure.value.output
    assert list(sim.onus) == [((1, 1, 1), 5)] and sim.onus[((1, 1, 1), 5)].interface_config == []
    assert not sim.unsaved_changes


def test_profiles_added_on_one_olt_are_accepted(olt_lab: Lab, sim: ZteC320) -> None:
    with sim.lock:
        sim.add_onu((1, 1, 1), 5, "ZTE-F660", SERIAL)
    sim.tcont_profiles.add("T-1G")
    sim.traffic_profiles.add("TR-1G")
    lines = ["tcont 1 profile T-1G", "gemport 1 tcont 1", "gemport 1 traffic-limit upstream TR-1G downstream TR-100M"]
    conn = _connect(olt_lab, sim)
    DRIVER.send_commands(conn, [*ONU_IF, *lines, "end"], sim.name)
    conn.close()
    assert sim.onus[((1, 1, 1), 5)].interface_config == lines


# --- saving, rebooting, names ------------------------------------------------------------------------


def test_write_saves_the_configuration(olt_lab: Lab, sim: ZteC320) -> None:
    sim.plug_onu(1, 1, 1, SERIAL)
    conn = _connect(olt_lab, sim)
    conn.send_command("show gpon onu uncfg")
    assert (sim.saves, sim.unsaved_changes) == (0, False)
    DRIVER.send_commands(conn, _render("authorize", **_context()), sim.name)
    assert sim.unsaved_changes
    (answer,) = DRIVER.send_commands(conn, ["write"], sim.name)
    assert "[OK]" in answer.output and (sim.saves, sim.unsaved_changes) == (1, False)
    with pytest.raises(CliCommandError, match="Invalid input"):  # privileged exec only
        DRIVER.send_commands(conn, ["configure terminal", "write"], sim.name)
    conn.send_command("end")
    DRIVER.send_commands(conn, _render("suspend", **_context()), sim.name)
    conn.close()
    assert (sim.saves, sim.unsaved_changes) == (1, True)


def test_rebooted_onu_is_offline_until_it_registers_again(olt_lab: Lab, sim: ZteC320) -> None:
    sim.reboot_offline_s = 1.0
    sim.plug_onu(1, 1, 1, SERIAL)
    with sim.lock:
        sim.add_onu((1, 1, 1), 5, "ZTE-F660", SERIAL)
    conn = _connect(olt_lab, sim)
    DRIVER.send_commands(conn, _render("reboot", **_context()), sim.name)
    states = conn.send_command(DRIVER.cmd_onu_list(1, 1, 1)[0]).result
    detail = DRIVER.parse_onu_detail(conn.send_command(DRIVER.cmd_onu_detail(1, 1, 1, 5)[0]).result)
    optical = DRIVER.parse_onu_optical(conn.send_command(DRIVER.cmd_onu_optical(1, 1, 1, 5)[0]).result)
    [state] = DRIVER.parse_onu_list(states, 1, 1, 1)
    (onu,) = sim.snapshot()["onus"]
    assert "OffLine" in states and (state.run_state, detail.run_state, onu["run_state"]) == ("offline",) * 3
    assert optical.rx_dbm is None and onu["rx_dbm"] is None and detail.last_down_cause == "reboot"  # the SNMP map name
    time.sleep(1.1)
    [state] = DRIVER.parse_onu_list(conn.send_command(DRIVER.cmd_onu_list(1, 1, 1)[0]).result, 1, 1, 1)
    conn.close()
    assert state.run_state == "online" and sim.snapshot()["onus"][0]["run_state"] == "online"
    assert sim.onus[((1, 1, 1), 5)].reboots == 1 and not sim.unsaved_changes


def test_name_is_one_word_and_detail_info_shows_it(olt_lab: Lab, sim: ZteC320) -> None:
    with sim.lock:
        sim.add_onu((1, 1, 1), 5, "ZTE-F660", SERIAL)
    conn = _connect(olt_lab, sim)
    with pytest.raises(CliCommandError) as failure:
        DRIVER.send_commands(conn, [*ONU_IF, "name Jane Doe"], sim.name)
    conn.send_command("end")
    DRIVER.send_commands(conn, [*ONU_IF, "name Jane_Doe", "description Jane Doe, Main St 1", "shutdown", "end"],
                         sim.name)
    detail = conn.send_command(DRIVER.cmd_onu_detail(1, 1, 1, 5)[0]).result
    conn.close()
    caret, error = failure.value.output.splitlines()[-2:]
    assert error == "%Error 20200: Invalid input detected at '^' marker."
    assert caret.index("^") == len(f"{sim.name}(config-if)#name Jane ")  # under the extra word
    assert "  Name:                Jane_Doe" in detail.splitlines()
    assert "  Description:         Jane Doe, Main St 1" in detail.splitlines()
    assert "  Admin state:         disable" in detail.splitlines()
