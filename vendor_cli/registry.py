"""Look up the driver of a vendor family (imported on first use)."""

from __future__ import annotations

import functools
import importlib

from core.models import VendorFamily
from vendor_cli.base import VendorDriver


class UnsupportedVendorFamily(LookupError):
    pass


@functools.cache
def get_driver(family: VendorFamily | str) -> VendorDriver:
    try:
        family = VendorFamily(family)
        module = importlib.import_module(f"vendor_cli.{family.value}")
    except (ValueError, ModuleNotFoundError) as exc:
        raise UnsupportedVendorFamily(f"no CLI driver for vendor family {family!r}") from exc
    driver = module.DRIVER
    assert isinstance(driver, VendorDriver)
    return driver
