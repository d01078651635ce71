"""Test data: verbatim public output whose first line cites its source."""

from __future__ import annotations

from pathlib import Path

DATA = Path(__file__).parent / "data"
CARD_HEADER = "Rack Shelf Slot CfgType RealType Port  HardVer SoftVer         Status"


def sample(name: str) -> str:
    header, body = (DATA / name).read_text().split("\n", 1)
    assert header.startswith("# source:")
    return body


def c620_card_types() -> list[str]:
    """The card type of each occupied slot of a real ZXA10 C620 (SNMP, card_types_c620_snmp.txt)."""
    lines = sample("card_types_c620_snmp.txt").splitlines()
    return [line.rsplit("|", 1)[1] for line in lines if ".1082.10.1.2.4.1.4." in line]


def c620_show_card() -> str:
    """NOT a capture: no public C600 `show card` was found. The C620's real card types laid out
    in the ZXAN `show card` table (the C300's layout, which the C600 parser already assumes)."""
    rows = [
        f"1    1     {slot:<5}{card:<8}{card:<9}4     V1.0.0  V1.2.2          INSERVICE"
        for slot, card in enumerate(c620_card_types(), start=1)
    ]
    return "\n".join([CARD_HEADER, "-" * 79, *rows])
