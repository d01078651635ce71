"""A fresh Nornir per job: file logging off, no shared failed-host memory or
connections between jobs (see the Nornir pitfalls in long-running services).

Built directly rather than through InitNornir: InitNornir rescans every
installed package's entry points on each call (tens of milliseconds, and not
thread-safe), while the plugins only need registering once per process.
"""

from __future__ import annotations

import threading
from typing import Any

from nornir.core import Nornir
from nornir.core.configuration import Config
from nornir.core.plugins.connections import ConnectionPluginRegister
from nornir.plugins.runners import ThreadedRunner

from inventory.plugin import PonstackInventory

_registered = False
_register_lock = threading.Lock()


def register_connection_plugins() -> None:
    """Register the connection plugins (nornir-scrapli's `scrapli`) once per process."""
    global _registered
    with _register_lock:
        if not _registered:
            ConnectionPluginRegister.auto_register()
            _registered = True


def build_nornir(database_url: str, num_workers: int = 50, **inventory_options: Any) -> Nornir:
    register_connection_plugins()
    config = Config.from_dict(
        inventory={"plugin": "PonstackInventory", "options": {"database_url": database_url, **inventory_options}},
        runner={"plugin": "threaded", "options": {"num_workers": num_workers}},
        logging={"enabled": False},
    )
    inventory = PonstackInventory(database_url=database_url, **inventory_options).load()
    return Nornir(inventory=inventory, config=config, runner=ThreadedRunner(num_workers=num_workers))
