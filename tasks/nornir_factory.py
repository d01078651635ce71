"""A fresh Nornir per job: file logging off, no shared failed-host memory or
connections between jobs (see the Nornir pitfalls in long-running services)."""

from __future__ import annotations

import threading
from typing import Any

from nornir import InitNornir
from nornir.core import Nornir

# InitNornir auto-registers entry-point plugins into class-level registries; two
# threads doing it at once can raise PluginAlreadyRegistered (worker jobs run in threads).
_init_lock = threading.Lock()


def build_nornir(database_url: str, num_workers: int = 50, **inventory_options: Any) -> Nornir:
    with _init_lock:
        return InitNornir(
            runner={"plugin": "threaded", "options": {"num_workers": num_workers}},
            inventory={"plugin": "PonstackInventory", "options": {"database_url": database_url, **inventory_options}},
            logging={"enabled": False},
        )
