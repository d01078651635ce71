"""`ponstack parse FAMILY COMMAND < capture`: every command form of every family's table
(vendor_cli.parse_command.COMMANDS), fed the verbatim captures the parser tests use."""

from __future__ import annotations

import json
import subprocess
from typing import Any

import pytest

from tests.fixtures import REPO_ROOT, run_ponstack
from vendor_cli.parse_command import COMMANDS, EXIT_UNKNOWN_COMMAND, known_forms, match_command


def _parse(family: str, command: str, capture: str) -> subprocess.CompletedProcess[str]:
    return run_ponstack("parse", family, command, stdin=capture)


def _capture(family: str, name: str) -> str:
    """The device output of a parser-test data file (its first line cites the source);
    `other_family/name` for a file kept with another family's data."""
    folder, _, name = name.rpartition("/")
    path = REPO_ROOT / "vendor_cli" / (folder or family) / "tests" / "data" / name
    header, _, body = path.read_text().partition("\n")
    assert header.startswith("# source"), name
    return body


H, C3, C6 = "huawei_smartax", "zte_c3xx", "zte_c6xx"

# (family, command, capture file, check of the printed JSON); the command is the one the
# capture answered where its source says so. Every form of COMMANDS must appear (see below).
CASES: list[tuple[str, str, str, Any]] = [
    (H, "display ont autofind all", "autofind_ntc_two.txt",
     lambda out: len(out) == 2 and all(len(onu["serial"]) == 12 for onu in out)),
    (H, "display ont info summary 0/1/0", "summary_ntc_23_online.txt",
     lambda out: len(out) == 23 and {(o["frame"], o["slot"], o["port"]) for o in out} == {(0, 1, 0)}),
    (H, "display ont info summary 0/2", "summary_ntc_two_ports.txt",
     lambda out: [(o["slot"], o["port"], o["onu_id"]) for o in out] == [(2, 11, 0), (2, 12, 0)]),
    (H, "display ont info summary 0", "summary_ntc_two_ports.txt",
     lambda out: [(o["slot"], o["port"], o["onu_id"]) for o in out] == [(2, 11, 0), (2, 12, 0)]),
    (H, "display ont info 0 1 0 all", "port_all_ntc_two_line_header.txt",
     lambda out: out and {(o["frame"], o["slot"], o["port"]) for o in out} == {(0, 1, 0)}),
    (H, "display ont info 0 1 1 131", "detail_ntc_vendor_sn.txt",
     lambda out: (out["frame"], out["slot"], out["port"], out["onu_id"]) == (0, 1, 1, 131)),
    (H, "display ont optical-info 0 62", "optical_10g_module_capture.txt",
     lambda out: out["rx_dbm"] is not None and out["tx_dbm"] is not None),
    (H, "display ont optical-info 0 all", "optical_ntc_port_all.txt",
     lambda out: sorted(out, key=int) == [str(i) for i in range(10)] and out["9"]["olt_rx_dbm"] == -23.77),
    (H, "display version", "version_ntc_ma5608t.txt", lambda out: out["model"] == "MA5608T"),
    (H, "display board 0", "board_ntc.txt", lambda out: out["boards"] and out["boards"][0]["frame"] == 0),
    (C3, "show gpon onu uncfg", "uncfg_c300.txt", lambda out: out and out[0]["serial"] == "HWTC12930F9D"),
    (C3, "show gpon onu state gpon-olt_1/1/1", "state_blog_c320.txt",
     lambda out: out and {(o["frame"], o["slot"], o["port"]) for o in out} == {(1, 1, 1)}),
    (C3, "show gpon onu detail-info gpon-onu_1/1/1:1", "detail_blog_c320.txt",
     lambda out: (out["frame"], out["slot"], out["port"], out["onu_id"]) == (1, 1, 1, 1)),
    (C3, "show pon power attenuation gpon-onu_1/1/1:1", "attenuation_blog_c320.txt",
     lambda out: out["rx_dbm"] is not None and out["olt_rx_dbm"] is not None),
    (C3, "show system-group", "system_group_c320.txt", lambda out: out["model"] == "C320"),
    (C3, "show card", "card_c320.txt", lambda out: len(out["boards"]) > 1),
    (C6, "show pon onu uncfg", "uncfg_c600_model_sn_pw.txt", lambda out: out and out[0]["slot"] == 1),
    (C6, "show gpon onu state gpon-olt_1/1/1", "state_o7_prefixed.txt",
     lambda out: out and {(o["frame"], o["slot"], o["port"]) for o in out} == {(1, 1, 1)}),
    (C6, "show gpon onu state", "state_c600_speed_mode.txt",
     lambda out: [(o["port"], o["onu_id"]) for o in out] == [(1, 1), (1, 2)]),
    (C6, "show gpon onu detail-info gpon-onu_1/1/1:1", "detail_basic.txt",
     lambda out: (out["frame"], out["slot"], out["port"], out["onu_id"]) == (1, 1, 1, 1)),
    (C6, "show pon power attenuation gpon-onu_1/1/1:1", "attenuation.txt",
     lambda out: out["rx_dbm"] is not None and out["olt_rx_dbm"] is not None),
    (C6, "show card", "show_card.txt", lambda out: len(out["boards"]) > 1),
]
# C300 capture of `show gpon onu state` over three ports (kept with the C600 data)
CASES.append((C3, "show gpon onu state", "zte_c6xx/state_channel_pager_remnants.txt",
              lambda out: {(o["slot"], o["port"]) for o in out} == {(2, 1), (2, 3), (2, 4)}))
# Huawei forms answered by the captures named (each as its source typed it, prompts and echoes kept)
_ONT_ADD = ('ont add 1 sn-auth "5555554555555555" omci ont-lineprofile-id 11 ont-srvprofile-name IPTVM12'
            ' desc "1_1_0_0_0_1_1"')
CASES.extend([
    (H, "display ont info summary 0/3/10", "summary_ma5603t_prompt_echo.txt",
     lambda out: [(o["onu_id"], o["rx_dbm"], o["tx_dbm"]) for o in out][::4] == [(0, -23.87, 1.98), (4, -25.85, 2.2)]),
    (H, "display ont info summary 10", "summary_ma5603t_prompt_echo.txt",  # typed in interface gpon 0/3
     lambda out: {(o["frame"], o["slot"], o["port"]) for o in out} == {(0, 3, 10)} and len(out) == 5),
    (H, "display ont info 0 all", "port_all_ntc_two_ports.txt",
     lambda out: [(o["slot"], o["port"], o["onu_id"]) for o in out] == [(1, 0, 0), (1, 2, 0)]),
    (H, "display ont info 2 all", "port_all_interface_view_ma5800.txt",  # typed in interface gpon 0/3
     lambda out: [(o["slot"], o["port"], o["onu_id"], o["serial"]) for o in out] == [(3, 2, 0, "HWTCFEFCC9A2")]),
    (H, "display ont info 2 0", "detail_interface_view_ma5800.txt",
     lambda out: (out["slot"], out["port"], out["onu_id"], out["match_state"]) == (3, 2, 0, "mismatch")),
    (H, "display ont info by-sn HWTCFEFCC9A2", "detail_by_sn_ma5800_paging.txt",
     lambda out: (out["serial"], out["distance_m"], out["description"]) == (
         "HWTCFEFCC9A2", 39, "PRUEBA_zone_D1Z10_authd_20260610")),
    (H, "display ont info by-sn 4857544300FFDC9B", "detail_by_sn_ma5608t_prompt_wrapped_description.txt",
     lambda out: (out["port"], out["run_state"], out["last_down_cause"]) == (15, "online", "LOS")),
    (H, "display ont optical-info 8 all", "optical_port_ma5800_paging_80_rows.txt",
     lambda out: len(out) == 80 and out["125"]["olt_rx_dbm"] == -30.97),
    (H, _ONT_ADD, "ont_add_ma5608t_commented_session.txt", lambda out: out == 2),
])

# ZTE: the port-wide Rx command (and its one-ONU form), `show gpon onu state` of the whole OLT
CASES.extend([
    (C3, "show pon power onu-rx gpon-olt_1/1/1", "onu_rx_blog_c320.txt",
     lambda out: len(out) == 12 and out["1"]["rx_dbm"] == -16.676 and out["3"]["rx_dbm"] is None),
    (C3, "show pon power onu-rx gpon-olt_1/2/9", "onu_rx_c300_echo_elided.txt",  # echo + elision marks
     lambda out: {onu: o["rx_dbm"] for onu, o in out.items()} == {"1": -22.07, "2": -20.362}),
    (C3, "show pon power onu-rx gpon-onu_1/5/12:3", "onu_rx_c300_one_onu.txt",
     lambda out: out == {"3": {"rx_dbm": -20.222, "tx_dbm": None, "olt_rx_dbm": None, "temperature_c": None,
                               "voltage_v": None, "bias_ma": None}}),
    (C6, "show pon power onu-rx gpon_olt-1/1/1", "onu_rx_blog_c320.txt",
     lambda out: [onu for onu, o in out.items() if o["rx_dbm"] is None] == ["3", "8", "9", "10"]),
    (C6, "show pon power onu-rx gpon-onu_1/5/12:3", "zte_c3xx/onu_rx_c300_one_onu.txt",
     lambda out: out["3"]["rx_dbm"] == -20.222),
    (C6, "show gpon onu state", "state_c600_prompt_echo_trailing_blanks.txt",  # after the prompt echo
     lambda out: [(o["onu_id"], o["run_state"], o["omcc_state"]) for o in out][2:5] == [
         (12, "dying_gasp", "disabled"), (26, "dying_gasp", "disabled"), (32, "los", "disabled")]),
    (C6, "show gpon onu state", "state_channel_pager_remnants.txt",  # three ports of a C300
     lambda out: [(o["slot"], o["port"], o["onu_id"]) for o in out] == [
         (2, 1, 1), (2, 1, 2), (2, 3, 6), (2, 3, 7), (2, 4, 9)]),
])


def test_every_form_of_every_family_is_run() -> None:
    run = {(family, match_command(family, command)[0]) for family, command, _, _ in CASES}
    assert run == {(family, form) for family, forms in COMMANDS.items() for form in forms}


@pytest.mark.parametrize(("family", "command", "data", "check"), CASES, ids=[f"{c[0]}:{c[1]}" for c in CASES])
def test_parse_prints_json(family: str, command: str, data: str, check: Any) -> None:
    result = _parse(family, command, _capture(family, data))
    assert result.returncode == 0, result.stderr
    assert check(json.loads(result.stdout)), result.stdout


@pytest.mark.parametrize(
    ("family", "command"),
    [
        (H, "display ont version summary 0"),  # used to print an empty ONU list
        (H, "display board serial-number 0"),  # used to print an empty version
        (C6, "show running-config"),
    ],
)
def test_unknown_command_exits_2_listing_the_forms(family: str, command: str) -> None:
    result = _parse(family, command, "")
    assert result.returncode == EXIT_UNKNOWN_COMMAND == 2
    assert result.stdout == ""
    assert f"unknown command {command!r}" in result.stderr
    assert all(form in result.stderr for form in known_forms(family))


def test_refused_ont_add_exits_1_with_the_reason() -> None:
    command = 'ont add 1 sn-auth "5A544547C9E3311B" omci ont-lineprofile-id 60 ont-srvprofile-id 1 desc "DR_ORLANDO"'
    result = _parse(H, command, _capture(H, "error_sn_exists.txt"))
    assert result.returncode == 1 and result.stdout == ""
    assert "Failure: SN already exists" in result.stderr
