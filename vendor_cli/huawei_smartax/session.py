"""Sending commands on an open scrapli connection, answering Huawei's questions.

Huawei can stop mid-command at a `{ <cr>|... }:` parameter prompt (when `undo smart`
is not in effect) and asks `(y/n)[n]:` before `ont reset`, logout and, on some firmware,
`save`; both would otherwise leave scrapli waiting for a prompt until timeout.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any

from vendor_cli.base import CliCommandError, CommandAnswer

PARAMETER_PROMPT = r"\{ <cr>[^\n]*\}:\s*$"
# `(y/n)[n]:` (scrapli_community, isp-crm) and `(y/n) [n]` (NOC Huawei.MA5600T pattern_more).
CONFIRM_PROMPT = r"\(y/n\) ?\[[yn]\]:?\s*$"
_MAX_QUESTIONS = 5
#: `save` prints "It will take several minutes to save configuration file, please wait..."
#: (NOC Huawei.MA5600T; reference §1.4); firmware that keeps the prompt until the save is done
#: gets this long (seconds) instead of timeout_ops.
SAVE_TIMEOUT = 600.0
_SAVE = re.compile(r"^\s*save\s*$")


def send_commands(
    conn: Any, commands: list[str], device: str, command_error: Callable[[str, str], str | None]
) -> list[CommandAnswer]:
    answers: list[CommandAnswer] = []
    for command in commands:
        started = time.monotonic()
        output = _send(conn, command, device, answers)
        answers.append(CommandAnswer(command, output, round(time.monotonic() - started, 3)))
        reason = command_error(command, output)
        if reason:
            # The session stays in the mode the refused command was sent in: the caller decides
            # (a push returns to privileged mode; a tolerant undo goes on in that mode).
            raise CliCommandError(device, command, output, reason, answers)
    return answers


def _send(conn: Any, command: str, device: str, answers: list[CommandAnswer]) -> str:
    budget = _time_budget(conn, command)
    output, raw = _send_and_read(conn, command, budget)
    for _ in range(_MAX_QUESTIONS):
        if _ends_with(PARAMETER_PROMPT, raw):
            more, raw = _send_and_read(conn, "", budget)
        elif _ends_with(CONFIRM_PROMPT, raw):
            more, raw = _confirm(conn, budget)
        else:
            break
        output += "\n" + more
    if not _ends_with(conn.comms_prompt_pattern, raw):
        raise CliCommandError(device, command, output, f"no prompt within {budget} s", answers)
    return output


def _time_budget(conn: Any, command: str) -> float:
    """Seconds to wait for the prompt after `command`."""
    return max(conn.timeout_ops, SAVE_TIMEOUT) if _SAVE.match(command) else conn.timeout_ops


def _send_and_read(conn: Any, channel_input: str, budget: float) -> tuple[str, str]:
    # read_duration bounds the read (scrapli also lowers the transport's read timeout to it), so
    # scrapli's own operation timeout is switched off for the call (timeout_ops=0): off the main
    # thread it runs every operation in a new thread of its own, one per command.
    response = conn.send_and_read(
        channel_input,
        expected_outputs=[PARAMETER_PROMPT, CONFIRM_PROMPT],
        read_duration=budget,
        timeout_ops=0,
    )
    return response.result, response.raw_result.decode(errors="replace")


def _confirm(conn: Any, budget: float) -> tuple[str, str]:
    prompt = f"^(?:{conn.comms_prompt_pattern})$"
    response = conn.send_interactive([("y", prompt, False)], timeout_ops=budget)
    raw = response.raw_result.decode(errors="replace")
    answer_lines = response.result.replace("\r", "").rstrip().split("\n")[:-1]  # drop the prompt
    return "\n".join(answer_lines), raw


def _ends_with(pattern: str, raw: str) -> bool:
    lines = raw.replace("\r", "").rstrip("\n").split("\n")
    return bool(re.search(pattern, lines[-1], flags=re.I | re.M)) if lines else False
