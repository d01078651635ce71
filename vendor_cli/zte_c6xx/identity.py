"""Does a device answer `show card` like a ZTE C600/C620/C650 (TITAN)?"""

from __future__ import annotations

from vendor_cli.base import OltVersion
from vendor_cli.zte_common import C3XX_CONTROL_CARDS

_FAMILY = "a ZTE C600/C6xx"


def identity_problem(version: OltVersion, raw: str) -> str | None:
    """None when `show card` holds a ZXAN card table without a C300/C320 control card.

    Every C300/C320 lists its main control card (SCXN, SMXA ...) in `show card`, which a C600
    has not; the C600 card set is known only in part (zte_common.C6XX_CARDS), so an unknown
    card does not count against the device."""
    if not version.boards:
        return f"the device does not look like {_FAMILY}: no C6xx card table in the answer to `show card`"
    older = sorted({board.board_name for board in version.boards} & C3XX_CONTROL_CARDS)
    if older:
        return (
            f"the device does not look like {_FAMILY}: `show card` lists the C300/C320 control "
            f"card {', '.join(older)}"
        )
    return None
