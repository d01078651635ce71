"""Runs our own TextFSM templates (shipped in ./textfsm) on device output."""

from __future__ import annotations

import io
from functools import cache
from pathlib import Path

import textfsm

TEMPLATE_DIR = Path(__file__).parent / "textfsm"


@cache
def _template_text(name: str) -> str:
    return (TEMPLATE_DIR / f"{name}.textfsm").read_text()


def parse_table(name: str, text: str) -> list[dict[str, str]]:
    """Records of template `name` as dicts keyed by lower-case value names."""
    fsm = textfsm.TextFSM(io.StringIO(_template_text(name)))
    header = [column.lower() for column in fsm.header]
    return [dict(zip(header, row, strict=True)) for row in fsm.ParseText(text)]
