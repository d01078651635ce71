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
