"""The one TextFSM runner: each family ships its own templates in its `textfsm/` folder."""

from __future__ import annotations

import io
from functools import cache
from pathlib import Path

import textfsm


@cache
def _template_text(path: Path) -> str:
    return path.read_text()


def parse_table(template: Path, text: str) -> list[dict[str, str]]:
    """Records of the TextFSM template at `template`, as dicts keyed by lower-case value names."""
    fsm = textfsm.TextFSM(io.StringIO(_template_text(template)))
    header = [column.lower() for column in fsm.header]
    return [dict(zip(header, row, strict=True)) for row in fsm.ParseText(text)]
