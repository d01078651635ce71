"""Secrets (PPPoE and ACS passwords...) are pushed with their real value, but every
record of a push (job steps, results, errors, dry runs) goes through a Redactor
first, so that no copy of them is kept in clear text, whatever the device echoes."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

MARKER = "********"
#: shorter secrets are replaced only as whole words: as substrings they would garble everything
_MIN_SUBSTRING_LENGTH = 4


class Redactor:
    def __init__(self, secrets: Iterable[str | None] = ()) -> None:
        self._secrets: set[str] = set()
        self._pattern: re.Pattern[str] | None = None
        self.add(secrets)

    def add(self, secrets: Iterable[str | None]) -> None:
        fresh = {s for s in secrets if s} - self._secrets
        if not fresh:
            return
        self._secrets |= fresh
        # Longest first, so that a secret containing another is replaced whole.
        alternatives = [
            re.escape(s) if len(s) >= _MIN_SUBSTRING_LENGTH else rf"(?<!\S){re.escape(s)}(?!\S)"
            for s in sorted(self._secrets, key=len, reverse=True)
        ]
        self._pattern = re.compile("|".join(alternatives))

    def text(self, value: str) -> str:
        return self._pattern.sub(MARKER, value) if self._pattern is not None and value else value

    def lines(self, values: list[str]) -> list[str]:
        return [self.text(v) for v in values]

    def value(self, value: Any) -> Any:
        """Any JSON-like value, strings redacted at every depth."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {k: self.value(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self.value(v) for v in value]
        return value
