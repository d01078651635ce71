"""Pick the parser for a show command, so engineers can check captures from their
own OLTs: `ponstack parse huawei_smartax "display ont autofind all" < capture.txt`."""

from __future__ import annotations

import re
from typing import Any

from vendor_cli.registry import get_driver

# (what the command contains, which parser); first match wins.
ROUTES: list[tuple[str, str]] = [
    (r"autofind|uncfg", "autofind"),
    (r"optical-info|power attenuation", "optical"),
    (r"detail-info|ont info \d+ \d+ \d+ \d+\s*$", "detail"),
    (r"ont info summary|ont info \d+ \d+ \d+ all|onu state", "onu_list"),
    (r"version|board|card|system-group", "version"),
]


def parse_capture(family: str, command: str, text: str) -> Any:
    driver = get_driver(family)
    kind = next((kind for pattern, kind in ROUTES if re.search(pattern, command)), None)
    if kind is None:
        raise ValueError(f"no parser for {command!r}; known: " + ", ".join(k for _, k in ROUTES))
    if kind == "onu_list":
        frame, slot, port = _port_of(command)
        return driver.parse_onu_list(text, frame, slot, port)
    return getattr(driver, f"parse_{kind}")(text)


def _port_of(command: str) -> tuple[int, int, int]:
    numbers = [int(n) for n in re.findall(r"\d+", command)][:3]
    if len(numbers) < 3:
        raise ValueError(f"cannot tell the PON port (frame/slot/port) from {command!r}")
    return numbers[0], numbers[1], numbers[2]
