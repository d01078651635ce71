"""Shared helpers for the monitoring tests: entries, agents and running the collector."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from oms.monitoring.collector import SnmpTarget, close_engine_for_loop, engine_for_loop
from oms.monitoring.oid_defaults import default_maps_for
from oms.monitoring.oidmap import OidMapEntry

DATA = Path(__file__).parent / "data"
V3_USER, V3_AUTH, V3_PRIV = "monitor", "auth-secret-1", "priv-secret-1"


def entries(family: str) -> list[OidMapEntry]:
    return [OidMapEntry.from_dict(row) for row in default_maps_for(family)]


def copy_recordings(data_dir: Path) -> None:
    for path in DATA.glob("*.snmprec"):
        shutil.copy(path, data_dir / path.name)


def target(port: int, community: str, **overrides: Any) -> SnmpTarget:
    options: dict[str, Any] = {"timeout_s": 0.5, "retries": 0, "name": community}
    options.update(overrides)
    return SnmpTarget("127.0.0.1", port, community=community, **options)


def v3_target(port: int, context: str, auth_key: str = V3_AUTH, **overrides: Any) -> SnmpTarget:
    return SnmpTarget(
        "127.0.0.1",
        port,
        version="v3",
        v3_username=V3_USER,
        v3_auth_protocol="sha",
        v3_auth_key=auth_key,
        v3_priv_protocol="aes128",
        v3_priv_key=V3_PRIV,
        context_name=context,
        timeout_s=0.5,
        retries=0,
        **overrides,
    )


def run(work: Callable[[Any], Awaitable[Any]]) -> Any:
    """Run `work(engine)` in a fresh event loop with that loop's engine, then release it."""

    async def main() -> Any:
        try:
            return await work(engine_for_loop())
        finally:
            close_engine_for_loop()

    return asyncio.run(main())
