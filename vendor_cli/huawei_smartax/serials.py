"""GPON serial numbers: Huawei prints them as 16 hex digits, often followed by the
vendor form in parentheses (`4857544311E70E9A (HWTC-11E70E9A)`)."""

from __future__ import annotations

import re

_VENDOR_FORM = re.compile(r"\b([A-Za-z0-9]{4})-?([0-9A-Fa-f]{8})\b")
_HEX_FORM = re.compile(r"^[0-9A-Fa-f]{16}$")


def canonical_serial(text: str) -> str:
    """`VVVVXXXXXXXX` from any Huawei spelling. Anonymised or unknown spellings are
    returned upper-cased as they are, so no information is lost."""
    raw = text.strip().strip('"')
    bracketed = re.search(r"\(([^)]*)\)", raw)
    if bracketed and (match := _VENDOR_FORM.fullmatch(bracketed.group(1).strip())):
        return _join(match)
    token = raw.split()[0] if raw.split() else raw
    if _HEX_FORM.match(token) and (vendor := _ascii_vendor(token[:8])):
        return vendor + token[8:].upper()
    if match := _VENDOR_FORM.fullmatch(token):
        return _join(match)
    return token.upper()


def serial_hex(serial: str) -> str:
    """16 hex digits for a canonical serial (the form `ont add ... sn-auth` takes)."""
    canonical = canonical_serial(serial)
    return canonical[:4].encode("ascii").hex().upper() + canonical[4:]


def _join(match: re.Match[str]) -> str:
    return match.group(1).upper() + match.group(2).upper()


def _ascii_vendor(hex_text: str) -> str | None:
    vendor = bytes.fromhex(hex_text).decode("latin-1")
    return vendor.upper() if vendor.isascii() and vendor.isalnum() else None
