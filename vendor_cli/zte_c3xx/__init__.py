"""ZTE ZXA10 C300/C320 family (classic `gpon-olt_1/1/1` / `gpon-onu_1/1/1:5` syntax)."""

from vendor_cli.zte_c3xx.driver import ZteC3xxDriver

DRIVER = ZteC3xxDriver()

__all__ = ["DRIVER", "ZteC3xxDriver"]
