"""ZTE ZXA10 C600/C620/C650 (TITAN, `gpon_olt-1/1/1` syntax, vport service-ports)."""

from vendor_cli.zte_c6xx.driver import ZteC6xxDriver

DRIVER = ZteC6xxDriver()

__all__ = ["DRIVER", "ZteC6xxDriver"]
