from __future__ import annotations

import pytest

from core.models import VendorFamily
from vendor_cli.huawei_smartax import DRIVER
from vendor_cli.huawei_smartax.connection import huawei_on_open


def test_family_and_compensation() -> None:
    assert DRIVER.family is VendorFamily.HUAWEI_SMARTAX
    assert DRIVER.compensation["authorize"] == "remove"


def test_ssh_options_use_the_system_transport_without_host_key_checks() -> None:
    options = DRIVER.scrapli_options("ssh")
    assert options["platform"] == "huawei_smartax" and options["port"] is None
    extras = options["extras"]
    assert (extras["transport"], extras["auth_strict_key"]) == ("paramiko", False)
    assert extras["on_open"] is huawei_on_open
    assert extras["timeout_ops"] >= 30
    assert any("KexAlgorithms=+" in item for item in extras["transport_options"]["open_cmd"])


def test_telnet_options_use_port_23() -> None:
    options = DRIVER.scrapli_options("telnet")
    assert (options["port"], options["extras"]["transport"]) == (23, "telnet")
    assert "transport_options" not in options["extras"]


def test_unknown_transport_is_refused() -> None:
    with pytest.raises(ValueError, match="netconf"):
        DRIVER.scrapli_options("netconf")


def test_show_commands() -> None:
    assert DRIVER.cmd_autofind() == ["display ont autofind all"]
    assert DRIVER.cmd_onu_list(0, 1, 2) == ["display ont info summary 0/1/2"]
    assert DRIVER.cmd_onu_detail(0, 1, 2, 3) == ["display ont info 0 1 2 3"]
    assert DRIVER.cmd_onu_optical(0, 1, 2, 3) == [
        "config", "interface gpon 0/1", "display ont optical-info 2 3", "quit", "quit",
    ]
    assert DRIVER.cmd_version() == ["display version", "display board 0"]
