"""Test data: verbatim device output whose first line cites its public source."""

from __future__ import annotations

from pathlib import Path

DATA_DIR = Path(__file__).parent / "data"


def device_output(name: str) -> str:
    header, _, body = (DATA_DIR / name).read_text().partition("\n")
    assert header.startswith("# source: "), f"{name} must start with its source"
    return body
