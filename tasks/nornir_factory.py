"""A fresh Nornir per job: file logging off, no shared failed-host memory or
connections between jobs (see the Nornir pitfalls in long-running services)."""

from __future__ import annotations

from typing import Any

from nornir import InitNornir
from nornir.core import Nornir


def build_nornir(database_url: str, num_workers: int = 50, **inventory_options: Any) -> Nornir:
    return InitNornir(
        runner={"plugin": "threaded", "options": {"num_workers": num_workers}},
        inventory={"plugin": "PonstackInventory", "options": {"database_url": database_url, **inventory_options}},
        logging={"enabled": False},
    )
