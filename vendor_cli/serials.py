"""GPON serial numbers, the one place every family, the OMS and SNMP read them.

A GPON serial is a 4-character vendor id and 8 hex digits (`HWTC11E70E9A`). Devices print
it as that (`ZTEGC97E6BC5`), with a separator (`ZTEG-c97e6bc5`, `ZTEG:C97E6BC5`), as 16 hex
digits with the vendor id in ASCII hex (`4857544311E70E9A`), or both
(`4857544311E70E9A (HWTC-11E70E9A)`, Huawei); SNMP gives 8 raw bytes.
"""

from __future__ import annotations

import re

_VENDOR_FORM = re.compile(r"([A-Za-z0-9]{4})[-:]?([0-9A-Fa-f]{8})")
_HEX_FORM = re.compile(r"[0-9A-Fa-f]{16}")
_BRACKETED = re.compile(r"\(([^)]*)\)")

#: the canonical form: 4 upper-case vendor characters + 8 upper-case hex digits
SERIAL_PATTERN = re.compile(r"^[A-Z0-9]{4}[0-9A-F]{8}$")


def parse_serial(text: str | None) -> str | None:
    """`VVVVXXXXXXXX` from any spelling above; None when the text is not a serial."""
    raw = (text or "").strip().strip('"')
    bracketed = _BRACKETED.search(raw)
    if bracketed and (match := _VENDOR_FORM.fullmatch(bracketed.group(1).strip())):
        return _join(match)
    token = raw.split()[0] if raw.split() else ""
    if _HEX_FORM.fullmatch(token) and (vendor := _ascii_vendor(token[:8])):
        return vendor + token[8:].upper()
    if match := _VENDOR_FORM.fullmatch(token):
        return _join(match)
    return None


def canonical_serial(text: str) -> str:
    """Like `parse_serial`, but an anonymised or unknown spelling comes back upper-cased as it
    is, so a parser never loses what the device printed."""
    if serial := parse_serial(text):
        return serial
    words = text.strip().strip('"').split()
    return words[0].upper() if words else ""


def serial_hex(serial: str) -> str:
    """16 hex digits for a serial (the form Huawei's `ont add ... sn-auth` takes)."""
    canonical = canonical_serial(serial)
    return canonical[:4].encode("ascii").hex().upper() + canonical[4:]


def serial_from_bytes(data: bytes) -> str:
    """An SNMP OCTET STRING: 8 raw bytes (4 ASCII vendor + 4 binary) or a text spelling."""
    if len(data) == 8 and data[:4].isascii() and data[:4].isalnum():
        return data[:4].decode().upper() + data[4:].hex().upper()
    return canonical_serial(data.decode("ascii", "replace").strip("\x00 "))


def _join(match: re.Match[str]) -> str:
    return match.group(1).upper() + match.group(2).upper()


def _ascii_vendor(hex_text: str) -> str | None:
    vendor = bytes.fromhex(hex_text).decode("latin-1")
    return vendor.upper() if vendor.isascii() and vendor.isalnum() else None
