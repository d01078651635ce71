"""`ponstack parse` on captures shipped as parser test data."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.fixtures import REPO_ROOT

DATA = REPO_ROOT / "vendor_cli"


def _capture(path: Path) -> str:
    lines = path.read_text().splitlines(keepends=True)
    return "".join(line for line in lines if not line.startswith("#"))


def _run(family: str, command: str, capture: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "ponstack", "parse", family, command], input=capture,
                          capture_output=True, text=True, cwd=REPO_ROOT, timeout=60)


def test_parse_prints_autofind_as_json() -> None:
    sample = DATA / "huawei_smartax" / "tests" / "data" / "autofind_ntc_two.txt"
    result = _run("huawei_smartax", "display ont autofind all", _capture(sample))
    assert result.returncode == 0, result.stderr
    parsed = json.loads(result.stdout)
    assert parsed and all(len(item["serial"]) == 12 for item in parsed)


def test_parse_onu_list_takes_port_from_command() -> None:
    sample = DATA / "zte_c3xx" / "tests" / "data" / "state_blog_c320.txt"
    result = _run("zte_c3xx", "show gpon onu state gpon-olt_1/1/1", _capture(sample))
    assert result.returncode == 0, result.stderr
    assert isinstance(json.loads(result.stdout), list)


def test_parse_unknown_command_is_a_clear_error() -> None:
    result = _run("zte_c6xx", "show running-config", "")
    assert result.returncode == 1
    assert "no parser for 'show running-config'" in result.stderr
