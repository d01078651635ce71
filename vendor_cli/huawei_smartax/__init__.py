"""Huawei SmartAX GPON OLTs: scrapli settings, show commands, parsers, templates."""

from vendor_cli.huawei_smartax.driver import HuaweiSmartaxDriver

DRIVER = HuaweiSmartaxDriver()

__all__ = ["DRIVER", "HuaweiSmartaxDriver"]
