"""Does a device answer `show system-group` / `show card` like a ZTE C300/C320?"""

from __future__ import annotations

import re

from vendor_cli.base import OltVersion
from vendor_cli.zte_common import C6XX_CARDS

# `System Description: C320 Version V2.1.0 Software, ...` (tests/data/system_group_c320.txt; NOC
# ZTE.ZXA10 get_version reads the platform from the same line). C300, C320 and C350 (and their
# suffixed variants such as C300M) share this CLI.
_C3XX_MODEL = re.compile(r"^C3[025]0", re.I)
_DESCRIPTION_LINE = re.compile(r"^\s*System Description:\s*(.+?)\s*$", re.M)
_FAMILY = "a ZTE C300/C320"


def identity_problem(version: OltVersion, raw: str) -> str | None:
    """None when `show system-group` describes a C300/C320/C350, else why not."""
    if version.model and _C3XX_MODEL.match(version.model):
        return None
    if described := _DESCRIPTION_LINE.search(raw):
        return f"the device does not look like {_FAMILY}: `show system-group` says {described.group(1)!r}"
    newer = sorted({board.board_name for board in version.boards} & C6XX_CARDS)
    hint = f" (its `show card` lists C600-family cards: {', '.join(newer)})" if newer else ""
    return (
        f"the device does not look like {_FAMILY}: no `System Description: C300/C320 ...` line "
        f"in the answer to `show system-group`{hint}"
    )
