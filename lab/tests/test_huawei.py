"""The simulated MA5800 driven over real SSH by scrapli with the huawei_smartax driver."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import asyncssh
import jinja2
import pytest
from scrapli import Scrapli
from scrapli.exceptions import ScrapliException

from lab.base import Lab
from lab.huawei import MORE_PROMPT, HuaweiMa5800, optical_levels, serial_hex
from lab.profiles import HUAWEI_LINE_PROFILES, HUAWEI_SERVICE_PROFILES
from vendor_cli.base import CliCommandError
from vendor_cli.huawei_smartax import DRIVER

SERIAL = "HWTC11E70E9A"
OTHER_ONU = {"serial": "HWTCDE135E2D", "serial_hex": "48575443DE135E2D"}


@pytest.fixture(scope="module")
def lab() -> Iterator[Lab]:
    # lab/base.py serves with line_editor=False, so nothing echoes typed input and scrapli
    # (which reads its own echo) hangs. Until base.py echoes, force asyncssh's line editor.
    original = asyncssh.create_server

    async def echoing_server(*args: Any, **kwargs: Any) -> Any:
        return await original(*args, **{**kwargs, "line_editor": True})

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(asyncssh, "create_server", echoing_server)
        running = Lab()
        yield running
        running.close()


@pytest.fixture
def sim() -> HuaweiMa5800:
    olt = HuaweiMa5800("OLT-LAB-1", ports=[(0, 1, 0), (0, 1, 1)], max_onus_per_port=3)
    olt.plug_onu(0, 1, 0, SERIAL, equipment_id="EG8145V5")
    return olt


def connect(lab: Lab, olt: HuaweiMa5800) -> Any:
    options = DRIVER.scrapli_options("ssh")
    extras = {**options["extras"], "timeout_ops": 5.0, "timeout_transport": 10.0}
    conn = Scrapli(
        host="127.0.0.1", port=lab.add(olt), auth_username="admin", auth_password="admin",
        platform=options["platform"], **extras,
    )
    conn.open()
    return conn


@pytest.fixture
def conn(lab: Lab, sim: HuaweiMa5800) -> Iterator[Any]:
    connection = connect(lab, sim)
    yield connection
    connection.close()


def template_context(**overrides: Any) -> dict[str, Any]:
    new = dict.fromkeys(("serial", "serial_hex", "frame", "slot", "port", "onu_id"))
    base: dict[str, Any] = {
        "olt": SimpleNamespace(name="OLT-LAB-1", model="MA5800-X7", family="huawei_smartax"),
        "frame": 0, "slot": 1, "port": 0, "onu_id": 1, "serial": SERIAL, "serial_hex": "4857544311E70E9A",
        "name": "jane", "description": "jane-1042", "onu_type": None,
        "line_profile": "ftth", "line_profile_id": 10, "service_profile": "hg", "service_profile_id": 20,
        "tcont_profile": None, "traffic_profile_up": None, "traffic_profile_down": None, "gemport": None,
        "service_vlan": 100, "user_vlan": 100, "service_port_index": 7,
        "tr069": SimpleNamespace(acs_url="http://acs:7547", username=None, password=None, profile_id=1),
        "pppoe": SimpleNamespace(username="jane@isp", password="pw"),
        "new": SimpleNamespace(**new),
    }
    return {**base, **overrides}


def rendered(action: str, **overrides: Any) -> list[str]:
    env = jinja2.Environment(undefined=jinja2.StrictUndefined)
    text = env.from_string(DRIVER.default_templates()[action]).render(**template_context(**overrides))
    return [line for line in text.splitlines() if line.strip() and not line.startswith("!")]


def show(conn: Any, commands: list[str]) -> str:
    return "\n".join(answer.output for answer in DRIVER.send_commands(conn, commands, "OLT-LAB-1"))


def authorize(conn: Any, **overrides: Any) -> None:
    DRIVER.send_commands(conn, rendered("authorize", **overrides), "OLT-LAB-1")


def test_autofind_shows_a_plugged_onu(conn: Any) -> None:
    (onu,) = DRIVER.parse_autofind(show(conn, DRIVER.cmd_autofind()))
    assert (onu.frame, onu.slot, onu.port, onu.serial, onu.equipment_id) == (0, 1, 0, SERIAL, "EG8145V5")


def test_authorized_onu_is_listed_detailed_and_measured(conn: Any, sim: HuaweiMa5800) -> None:
    authorize(conn)
    assert DRIVER.parse_autofind(show(conn, DRIVER.cmd_autofind())) == []
    (listed,) = DRIVER.parse_onu_list(show(conn, DRIVER.cmd_onu_list(0, 1, 0)), 0, 1, 0)
    assert (listed.onu_id, listed.serial, listed.run_state) == (1, SERIAL, "online")
    assert listed.description == "jane-1042"
    assert listed.onu_type == "EG8145V5"
    detail = DRIVER.parse_onu_detail(show(conn, DRIVER.cmd_onu_detail(0, 1, 0, 1)))
    assert (detail.serial, detail.run_state, detail.distance_m) == (SERIAL, "online", listed.distance_m)
    optical = DRIVER.parse_onu_optical(show(conn, DRIVER.cmd_onu_optical(0, 1, 0, 1)))
    assert optical.rx_dbm == optical_levels(SERIAL)["rx_dbm"]
    assert -26 <= optical.rx_dbm <= -14
    assert sim.configured_onus() == [
        {"frame": 0, "slot": 1, "port": 0, "onu_id": 1, "serial": SERIAL, "description": "jane-1042",
         "name": "jane-1042", "onu_type": "EG8145V5", "admin_enabled": True, "run_state": "online"}
    ]
    settings = sim.onts[((0, 1, 0), 1)].settings
    assert [line.split()[1] for line in settings] == ["ipconfig", "internet-config", "tr069-server-config"]


def test_version_and_boards(conn: Any) -> None:
    version = DRIVER.parse_version(show(conn, DRIVER.cmd_version()))
    assert version.model == "MA5800-X7"
    assert [(b.slot, b.board_name) for b in version.boards][:1] == [(1, "H901GPHF")]


@pytest.mark.parametrize(
    ("setup", "overrides", "device_says"),
    [
        ("same serial elsewhere", {"port": 1, "onu_id": 0}, "SN already exists"),
        ("id in use", OTHER_ONU, "ONT ID has already existed"),
        ("id beyond the port range", {**OTHER_ONU, "onu_id": 3}, "Parameter error"),
    ],
)
def test_rejected_authorizations_raise(
    conn: Any, setup: str, overrides: dict[str, Any], device_says: str
) -> None:
    authorize(conn)
    with pytest.raises(CliCommandError) as failure:
        authorize(conn, service_port_index=8, **overrides)
    assert failure.value.device == "OLT-LAB-1"
    assert failure.value.command.startswith("ont add")
    assert device_says in failure.value.output, setup
    assert "OLT-LAB-1" in str(failure.value) and "ont add" in str(failure.value)
    # The session stays in the mode of the refused command: the caller decides what comes next
    # (a push returns to privileged mode, a tolerant undo goes on there).
    assert conn.get_prompt() == "OLT-LAB-1(config-if-gpon-0/1)#"


def test_full_port_without_an_id_is_refused(conn: Any, sim: HuaweiMa5800) -> None:
    for number in range(3):
        serial = f"HWTC0000000{number}"
        sim.plug_onu(0, 1, 1, serial)
        authorize(conn, port=1, onu_id=number, serial=serial, serial_hex="48575443" + serial[4:],
                  service_port_index=20 + number)
    commands = ["config", "interface gpon 0/1",
                "ont add 1 sn-auth 48575443ABCDEF01 omci ont-lineprofile-id 10 ont-srvprofile-id 20"]
    with pytest.raises(CliCommandError, match="reaches the upper limit"):
        DRIVER.send_commands(conn, commands, "OLT-LAB-1")


def test_remove_restores_autofind(conn: Any, sim: HuaweiMa5800) -> None:
    authorize(conn)
    DRIVER.send_commands(conn, rendered("remove"), "OLT-LAB-1")
    assert sim.configured_onus() == [] and sim.service_ports == {}
    (onu,) = DRIVER.parse_autofind(show(conn, DRIVER.cmd_autofind()))
    assert onu.serial == SERIAL


def test_removing_a_missing_onu_is_an_error(conn: Any) -> None:
    with pytest.raises(CliCommandError, match="service virtual port does not exist"):
        DRIVER.send_commands(conn, rendered("remove"), "OLT-LAB-1")
    DRIVER.send_commands(conn, ["return"], "OLT-LAB-1")
    with pytest.raises(CliCommandError, match="The ONT does not exist"):
        DRIVER.send_commands(conn, ["config", "interface gpon 0/1", "ont delete 0 9"], "OLT-LAB-1")


def test_reboot_answers_the_confirmation(conn: Any, sim: HuaweiMa5800) -> None:
    authorize(conn)
    answers = DRIVER.send_commands(conn, rendered("reboot"), "OLT-LAB-1")
    assert sim.reboots == [((0, 1, 0), 1)]
    assert "(y/n)[n]:" in answers[2].output
    assert conn.get_prompt() == "OLT-LAB-1#"


def test_suspend_resume_rename_replace_move(conn: Any, sim: HuaweiMa5800) -> None:
    authorize(conn)
    DRIVER.send_commands(conn, rendered("suspend"), "OLT-LAB-1")
    assert sim.configured_onus()[0]["admin_enabled"] is False
    assert sim.configured_onus()[0]["run_state"] == "offline"
    DRIVER.send_commands(conn, rendered("resume"), "OLT-LAB-1")
    DRIVER.send_commands(conn, rendered("rename", description="renamed"), "OLT-LAB-1")
    assert sim.configured_onus()[0]["description"] == "renamed"
    new = SimpleNamespace(**OTHER_ONU, frame=0, slot=1, port=1, onu_id=2)
    DRIVER.send_commands(conn, rendered("replace", new=new), "OLT-LAB-1")
    assert sim.configured_onus()[0]["serial"] == "HWTCDE135E2D"
    DRIVER.send_commands(conn, rendered("move", new=new, serial="HWTCDE135E2D"), "OLT-LAB-1")
    moved = sim.configured_onus()[0]
    assert (moved["port"], moved["onu_id"], moved["serial"]) == (1, 2, "HWTCDE135E2D")
    assert [(sp.position, sp.onu_id) for sp in sim.service_ports.values()] == [((0, 1, 1), 2)]


def test_unknown_command_is_an_error(conn: Any) -> None:
    with pytest.raises(CliCommandError, match="Unknown command"):
        DRIVER.send_commands(conn, ["display frobnicator"], "OLT-LAB-1")


def test_parameter_prompts_are_answered_when_undo_smart_has_no_effect(lab: Lab, sim: HuaweiMa5800) -> None:
    sim.ignore_undo_smart = True
    connection = connect(lab, sim)
    try:
        (onu,) = DRIVER.parse_autofind(show(connection, DRIVER.cmd_autofind()))
        assert onu.serial == SERIAL
        assert "" in sim.command_log  # the return that answered `{ <cr>||<K> }:`
    finally:
        connection.close()


def test_long_list_arrives_whole_after_scroll(lab: Lab, sim: HuaweiMa5800) -> None:
    for number in range(40):
        sim.plug_onu(0, 1, number % 2, f"HWTC1000{number:04X}")
    connection = connect(lab, sim)
    try:
        assert len(DRIVER.parse_autofind(show(connection, DRIVER.cmd_autofind()))) == 41
    finally:
        connection.close()


def test_pager_shows_more_prompt_without_scroll(lab: Lab, sim: HuaweiMa5800) -> None:
    for number in range(5):
        sim.plug_onu(0, 1, 1, f"HWTC2000{number:04X}")
    port = lab.add(sim)

    async def read_until(process: Any, *markers: str) -> str:
        seen = ""
        while not any(marker in seen for marker in markers):
            seen += await asyncio.wait_for(process.stdout.read(1024), 5)
        return seen

    async def session() -> tuple[str, str]:
        async with asyncssh.connect("127.0.0.1", port, username="admin", password="admin",
                                    known_hosts=None) as ssh:
            process = await ssh.create_process(term_type="vt100")
            await read_until(process, "OLT-LAB-1>")
            process.stdin.write("enable\nundo smart\ndisplay ont autofind all\n")
            first_page = await read_until(process, MORE_PROMPT)
            rest = ""
            for _ in range(10):
                if "autofind ONT is" in rest:
                    break
                process.stdin.write(" \n")  # space pages on; the line editor needs the newline
                rest += await read_until(process, MORE_PROMPT, "autofind ONT is")
            return first_page, rest

    first_page, rest = asyncio.run(session())
    assert "Number              : 1" in first_page and "autofind ONT is 6" not in first_page
    assert "Number              : 6" in rest


def test_latency_fault_slows_every_answer(lab: Lab, sim: HuaweiMa5800) -> None:
    connection = connect(lab, sim)
    try:
        sim.faults.latency_s = 0.3
        started = time.monotonic()
        show(connection, DRIVER.cmd_autofind())
        assert time.monotonic() - started >= 0.3
    finally:
        sim.faults.latency_s = 0.0
        connection.close()


def test_dropped_session_fails_the_next_command(lab: Lab, sim: HuaweiMa5800) -> None:
    connection = connect(lab, sim)
    sim.faults.drop_after_commands = len(sim.command_log) + 1
    show(connection, DRIVER.cmd_autofind())
    with pytest.raises((ScrapliException, CliCommandError, OSError)):
        show(connection, DRIVER.cmd_autofind())
    sim.faults.drop_after_commands = None


def test_snapshot_describes_the_olt(conn: Any, sim: HuaweiMa5800) -> None:
    authorize(conn)
    snapshot = sim.snapshot()
    assert (snapshot["model"], snapshot["sysname"]) == ("MA5800-X7", "OLT-LAB-1")
    assert {port["port"] for port in snapshot["ports"]} == {0, 1}
    (onu,) = snapshot["onus"]
    assert onu["serial"] == SERIAL and onu["run_state"] == "online"
    assert -26 <= onu["rx_dbm"] <= -14 and onu["olt_rx_dbm"] < onu["rx_dbm"]
    assert sim.snapshot() == snapshot  # deterministic
    sim.unplug_onu(SERIAL)
    unplugged = sim.snapshot()["onus"][0]
    assert (unplugged["run_state"], unplugged["rx_dbm"], unplugged["last_down_cause"]) == (
        "offline", None, "LOSi/LOBi",
    )


# --- profiles the OLT knows -------------------------------------------------------------------


def test_each_simulator_has_its_own_copy_of_the_default_profiles() -> None:
    first, second = HuaweiMa5800("A"), HuaweiMa5800("B", line_profiles={11: "LINE-1G"})
    first.line_profiles.clear()
    assert HUAWEI_LINE_PROFILES == {10: "LINE-100M"} and HUAWEI_SERVICE_PROFILES == {20: "SRV-ROUTER-4ETH"}
    assert second.line_profiles == {11: "LINE-1G"} and second.service_profiles == HUAWEI_SERVICE_PROFILES


@pytest.mark.parametrize(
    ("overrides", "device_says"),
    [
        ({"line_profile_id": 11}, "Failure: The ont-lineprofile does not exist"),
        ({"service_profile_id": 21}, "Failure: The ont-srvprofile does not exist"),
    ],
)
def test_ont_add_with_an_unknown_profile_is_refused(
    conn: Any, sim: HuaweiMa5800, overrides: dict[str, Any], device_says: str
) -> None:
    with pytest.raises(CliCommandError) as failure:
        authorize(conn, **overrides)
    assert failure.value.command.startswith("ont add") and device_says in failure.value.output
    assert sim.onts == {} and not sim.unsaved_changes


def ont_add(onu_id: int, serial: str, line: str, service: str) -> list[str]:
    return ["config", "interface gpon 0/1", f"ont add 0 {onu_id} sn-auth {serial_hex(serial)} omci {line} {service}"]


def test_profiles_by_name_and_a_profile_removed_from_the_olt(conn: Any, sim: HuaweiMa5800) -> None:
    by_name = ont_add(1, SERIAL, "ont-lineprofile-name LINE-100M", 'ont-srvprofile-name "SRV-ROUTER-4ETH"')
    DRIVER.send_commands(conn, [*by_name, "quit", "quit"], "OLT-LAB-1")
    detail = show(conn, DRIVER.cmd_onu_detail(0, 1, 0, 1))
    assert "Line profile name    : LINE-100M" in detail and "Service profile ID   : 20" in detail
    with pytest.raises(CliCommandError, match="ont-srvprofile does not exist"):
        DRIVER.send_commands(conn, ont_add(2, OTHER_ONU["serial"], "ont-lineprofile-id 10",
                                           "ont-srvprofile-name SRV-NOPE"), "OLT-LAB-1")
    DRIVER.send_commands(conn, ["return"], "OLT-LAB-1")
    sim.line_profiles.pop(10)  # e.g. deleted on the device after the database listed it
    with pytest.raises(CliCommandError, match="ont-lineprofile does not exist"):
        DRIVER.send_commands(conn, ont_add(2, OTHER_ONU["serial"], "ont-lineprofile-id 10",
                                           "ont-srvprofile-id 20"), "OLT-LAB-1")
    assert sorted(sim.onts) == [((0, 1, 0), 1)]


# --- saving the configuration -------------------------------------------------------------------


def test_save_after_a_change(conn: Any, sim: HuaweiMa5800) -> None:
    show(conn, DRIVER.cmd_autofind() + DRIVER.cmd_onu_list(0, 1, 0))
    assert (sim.saves, sim.unsaved_changes) == (0, False)  # showing changes nothing
    authorize(conn)
    assert sim.unsaved_changes
    (answer,) = DRIVER.send_commands(conn, ["save"], "OLT-LAB-1")
    assert "It will take several minutes to save configuration file, please wait" in answer.output
    assert (sim.saves, sim.unsaved_changes) == (1, False)
    DRIVER.send_commands(conn, rendered("rename", description="renamed"), "OLT-LAB-1")
    assert sim.unsaved_changes
    DRIVER.send_commands(conn, ["config", "save", "quit"], "OLT-LAB-1")  # config mode saves too
    assert (sim.saves, sim.unsaved_changes) == (2, False)
    with pytest.raises(CliCommandError, match="Unknown command"):
        DRIVER.send_commands(conn, ["config", "interface gpon 0/1", "save"], "OLT-LAB-1")
    assert sim.saves == 2


def test_save_with_smart_mode_on_and_a_confirming_firmware(lab: Lab, sim: HuaweiMa5800) -> None:
    sim.ignore_undo_smart = True
    sim.save_asks_confirmation = True
    connection = connect(lab, sim)
    try:
        (answer,) = DRIVER.send_commands(connection, ["save"], "OLT-LAB-1")
    finally:
        connection.close()
    after_save = sim.command_log[sim.command_log.index("save") + 1 :]
    assert after_save[:2] == ["", "y"]  # the driver answered both questions
    assert "{ <cr>|configuration<K>|data<K> }:" in answer.output
    assert "Are you sure to continue? (y/n)[n]:" in answer.output
    assert "please wait" in answer.output and (sim.saves, sim.unsaved_changes) == (1, False)


# --- a reset ONT is offline for a while -----------------------------------------------------------


def test_reset_ont_is_offline_until_it_registers_again(conn: Any, sim: HuaweiMa5800) -> None:
    sim.reboot_offline_s = 1.0
    authorize(conn)
    DRIVER.send_commands(conn, ["save"], "OLT-LAB-1")
    DRIVER.send_commands(conn, rendered("reboot"), "OLT-LAB-1")
    (listed,) = DRIVER.parse_onu_list(show(conn, DRIVER.cmd_onu_list(0, 1, 0)), 0, 1, 0)
    detail = DRIVER.parse_onu_detail(show(conn, DRIVER.cmd_onu_detail(0, 1, 0, 1)))
    optical = DRIVER.parse_onu_optical(show(conn, DRIVER.cmd_onu_optical(0, 1, 0, 1)))
    (onu,) = sim.snapshot()["onus"]
    assert (listed.run_state, detail.run_state, onu["run_state"]) == ("offline", "offline", "offline")
    assert optical.rx_dbm is None and onu["rx_dbm"] is None
    assert not sim.unsaved_changes  # a reset is not a configuration change
    with pytest.raises(CliCommandError, match="not online"):  # a second reset while it is down
        DRIVER.send_commands(conn, rendered("reboot"), "OLT-LAB-1")
    time.sleep(1.1)
    (listed,) = DRIVER.parse_onu_list(show(conn, DRIVER.cmd_onu_list(0, 1, 0)), 0, 1, 0)
    assert listed.run_state == "online" and sim.snapshot()["onus"][0]["run_state"] == "online"
    assert sim.reboots == [((0, 1, 0), 1)]
