"""How a ZXAN answer tells failure from success.

`%Error NNNNN: ...` is always a failure. `%Code NNNNN-GPONSRV : ...` is used both
for failures (`The ONU does not exist.`, `The entry is existed.`) and for the
"no data" notice (`No related information to show.`), so it is judged by its
text. `%Info ...` (e.g. entering config mode) is informational.
"""

from __future__ import annotations

import re

from vendor_cli.zte_common import is_no_data, save_error

#: substrings that always mean the command failed
FAILED_WHEN_CONTAINS: tuple[str, ...] = (
    "%Error",
    "Invalid input detected",
    "Incomplete command",
    "Invalid command",
    "Invalid keyword",
    "Unrecognized command",
    "Ambiguous command",
)

_CODE_RE = re.compile(r"^\s*%Code\s+\S+\s*:\s*(.+)$", re.M)
_BARE_ERROR_RE = re.compile(r"^\s*Error\s+\d+\s*:\s*(.+)$", re.M)
_ONU_ADD_RE = re.compile(r"^\s*onu\s+\d+\s+type\s+\S+\s+sn\s+\S+", re.I)
_ONU_DELETE_RE = re.compile(r"^\s*no\s+onu\s+\d+\s*$", re.I)


def command_error(command: str, output: str) -> str | None:
    """Why `output` means that `command` failed, or None when it succeeded."""
    for marker in FAILED_WHEN_CONTAINS:
        if marker in output:
            return f"device answered {_first_line_with(marker, output)!r}"
    bare = _BARE_ERROR_RE.search(output)
    if bare:
        return f"device answered {bare.group(0).strip()!r}"
    for code in _CODE_RE.finditer(output):
        if not is_no_data(code.group(1)):
            return f"device answered {code.group(0).strip()!r}"
    if _ONU_ADD_RE.match(command) or _ONU_DELETE_RE.match(command):
        return _onu_change_error(output)
    return save_error(command, output)


def _onu_change_error(output: str) -> str | None:
    # C600 answers `onu N type T sn S` / `no onu N` with nothing (C300: `[Successful]`),
    # so any other text is the device refusing.
    text = output.strip()
    if not text or "Successful" in text:
        return None
    return f"device answered {text.splitlines()[0]!r} instead of an empty reply"


def _first_line_with(marker: str, output: str) -> str:
    return next((line.strip() for line in output.splitlines() if marker in line), marker)
