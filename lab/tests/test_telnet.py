"""Each simulated OLT over telnet, driven by scrapli with its driver's telnet options."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from scrapli import Scrapli
from scrapli.exceptions import ScrapliAuthenticationFailed, ScrapliException

from core.models import VendorFamily
from lab.base import Lab
from lab.register import new_sim
from vendor_cli.registry import get_driver

SERIALS = {
    VendorFamily.HUAWEI_SMARTAX: "HWTC11E70E9A",
    VendorFamily.ZTE_C3XX: "ZTEGC0000001",
    VendorFamily.ZTE_C6XX: "ZTEGD0000001",
}


@pytest.fixture(scope="module")
def lab() -> Iterator[Lab]:
    running = Lab()
    yield running
    running.close()


def _connect(lab: Lab, family: VendorFamily, password: str = "admin") -> tuple[Scrapli, object]:
    sim = new_sim(family, f"TELNET-{family.value.upper()}-{password.upper()}")
    port = lab.add_telnet(sim)
    options = get_driver(family).scrapli_options("telnet")
    conn = Scrapli(host="127.0.0.1", port=port, auth_username="admin", auth_password=password,
                   platform=options["platform"], **{**options["extras"], "timeout_ops": 10, "timeout_socket": 5})
    return conn, sim


@pytest.mark.parametrize("family", list(SERIALS), ids=lambda f: f.value)
def test_autofind_over_telnet(lab: Lab, family: VendorFamily) -> None:
    conn, sim = _connect(lab, family)
    sim.plug_onu(*sim.ports[0], SERIALS[family])  # type: ignore[attr-defined]
    conn.open()
    try:
        driver = get_driver(family)
        output = "\n".join(a.output for a in driver.send_commands(conn, driver.cmd_autofind(), sim.name))  # type: ignore[attr-defined]
        assert [o.serial for o in driver.parse_autofind(output)] == [SERIALS[family]]
    finally:
        conn.close()


def test_wrong_password_over_telnet_is_refused(lab: Lab) -> None:
    conn, _ = _connect(lab, VendorFamily.ZTE_C3XX, password="wrong")
    with pytest.raises((ScrapliAuthenticationFailed, ScrapliException)):
        conn.open()
