"""Choosing the ONU id for an authorization or a move."""

from __future__ import annotations

from collections.abc import Container

from sqlalchemy import select
from sqlalchemy.orm import Session

from oms.errors import PortFull
from oms.models import Onu, PonPort
from vendor_cli.base import VendorDriver


def free_onu_id(
    session: Session, driver: VendorDriver, port: PonPort, onu: Onu, on_device: Container[int] = ()
) -> int:
    """The lowest id on `port` that neither the OLT (`on_device`, its real list when read)
    nor another ONU row holds."""
    taken = set(
        session.execute(
            select(Onu.onu_index).where(Onu.pon_port_id == port.id, Onu.onu_index.is_not(None), Onu.id != onu.id)
        ).scalars()
    )
    first = driver.first_onu_id
    for candidate in range(first, first + port.max_onus):
        if candidate not in on_device and candidate not in taken:
            return candidate
    raise PortFull(f"PON port {port.fsp} on {port.olt.name} is full ({port.max_onus} ONUs)")
