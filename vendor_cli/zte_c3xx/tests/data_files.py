"""Test data: verbatim public device output whose first line cites its source."""

from __future__ import annotations

from pathlib import Path

DATA = Path(__file__).parent / "data"


def sample(name: str) -> str:
    """The device output of tests/data/`name` (its first line, the source, dropped)."""
    header, _, body = (DATA / name).read_text().partition("\n")
    assert header.startswith("# source"), f"{name} must cite its source on line 1"
    return body
