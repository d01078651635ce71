"""Does a device answer `display version` like a Huawei SmartAX OLT?"""

from __future__ import annotations

import re

from vendor_cli.base import OltVersion

# SmartAX GPON OLTs name themselves MA56xx / MA58xx (MA5600T, MA5603T, MA5608T, MA5680T, MA5683T,
# MA5800-X2/X7/X15/X17) in `display version`: `PRODUCT : MA5608T` (ntc-templates
# huawei_smartax_display_version.raw, tests/data/version_ntc_ma5608t.txt) and
# `VERSION : MA5800V100R018C10` (scrapli_community huawei_smartax test banner, reference §1.1).
_SMARTAX = re.compile(r"^MA5[68]\d\d", re.I)
_FAMILY = "a Huawei SmartAX OLT (MA5600T/MA5608T/MA5683T/MA5800)"


def identity_problem(version: OltVersion, raw: str) -> str | None:
    """None when `display version` names a SmartAX product or software, else why not."""
    names = [name for name in (version.model, version.software_version) if name]
    if any(_SMARTAX.match(name) for name in names):
        return None
    if names:
        return f"the device does not look like {_FAMILY}: `display version` says {' / '.join(names)}"
    return (
        f"the device does not look like {_FAMILY}: no `PRODUCT : MA5...` or `VERSION : MA5...` "
        "line in the answer to `display version`"
    )
