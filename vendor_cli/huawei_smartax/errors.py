"""Deciding whether a Huawei answer means the command failed."""

from __future__ import annotations

import re

#: substrings that always mean failure (scrapli_community's list + scrapli 2.x's + NOC's)
FAILED_WHEN_CONTAINS: tuple[str, ...] = (
    "% Ambiguous command",
    "% Incomplete command",
    "% Invalid input detected",
    "% Unknown command",
    "% Parameter error",
    "% Too many parameters",
    "Incorrect command",
    "Error:",
    "The required ONT does not exist",
)

# `Failure:` answers that are not failures: an empty autofind list, and re-creating a
# service-port that exists (idempotent for our purposes, as in public provisioning code).
_HARMLESS_FAILURES = re.compile(
    r"automatically found ONTs do not exist|service virtual port has existed already", re.I
)
# An offline ONT has no optical readings: for a display command that is "no data".
_NO_DATA_FOR_DISPLAY = re.compile(r"ONT is not online", re.I)
_COUNTED_RESULT = re.compile(
    r"Number of ONTs that can be (added|deleted|modified):\s*(\d+),\s*success:\s*(\d+)"
)
# Any other `Failure:` line is a refusal, e.g. a `save` refused with `Failure: System is busy, please
# retry after a while` or `Failure: System is reading or writing flash, please retry after a while`
# (NOC Huawei.MA5600T pattern_operation_error). A save that runs answers `It will take several
# minutes to save configuration file, please wait...`, which is no failure.
_FAILURE_LINE = re.compile(r"^\s*Failure:.*$", re.M)


class HuaweiAnswerError(ValueError):
    """A parser was given an answer that says the command failed, or that is not the answer to
    its command (`ponstack parse` reports it as invalid input)."""


def command_error(command: str, output: str) -> str | None:
    """Why `output` means `command` failed, or None."""
    for marker in FAILED_WHEN_CONTAINS:
        if marker in output:
            return f"device answered {_line_with(marker, output)!r}"
    if counted := _COUNTED_RESULT.search(output):
        verb, requested, succeeded = counted.groups()
        if int(succeeded) < int(requested) or int(succeeded) == 0:
            return f"device {verb} {succeeded} of {requested} ONTs: {counted.group(0).strip()!r}"
    for failure in _FAILURE_LINE.findall(output):
        if _HARMLESS_FAILURES.search(failure):
            continue
        if command.strip().startswith("display") and _NO_DATA_FOR_DISPLAY.search(failure):
            continue
        return f"device answered {failure.strip()!r}"
    return None


def _line_with(marker: str, output: str) -> str:
    return next((line.strip() for line in output.splitlines() if marker in line), marker)
