"""Sending commands on an open scrapli connection, answering Huawei's questions.

Huawei can stop mid-command at a `{ <cr>|... }:` parameter prompt (when `undo smart`
is not in effect) and asks `(y/n)[n]:` before `ont reset` and logout; both would
otherwise leave scrapli waiting for a prompt until timeout.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from contextlib import suppress
from typing import Any

from vendor_cli.base import CliCommandError, CommandAnswer

PARAMETER_PROMPT = r"\{ <cr>[^\n]*\}:\s*$"
CONFIRM_PROMPT = r"\(y/n\)\[[yn]\]:\s*$"
_MAX_QUESTIONS = 5


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
            _back_to_privileged(conn)
            raise CliCommandError(device, command, output, reason, answers)
    return answers


def _back_to_privileged(conn: Any) -> None:
    """Leave config mode after a failure: scrapli's privilege_exec pattern also matches
    `(config)#`, so it would not notice and would log out from the wrong mode."""
    with suppress(Exception):  # the command error is what the caller needs to see
        if "(config" in conn.get_prompt():
            conn.send_command("return")


def _send(conn: Any, command: str, device: str, answers: list[CommandAnswer]) -> str:
    output, raw = _send_and_read(conn, command)
    for _ in range(_MAX_QUESTIONS):
        if _ends_with(PARAMETER_PROMPT, raw):
            more, raw = _send_and_read(conn, "")
        elif _ends_with(CONFIRM_PROMPT, raw):
            more, raw = _confirm(conn)
        else:
            break
        output += "\n" + more
    if not _ends_with(conn.comms_prompt_pattern, raw):
        raise CliCommandError(
            device, command, output, f"no prompt within {conn.timeout_ops} s", answers
        )
    return output


def _send_and_read(conn: Any, channel_input: str) -> tuple[str, str]:
    response = conn.send_and_read(
        channel_input,
        expected_outputs=[PARAMETER_PROMPT, CONFIRM_PROMPT],
        read_duration=conn.timeout_ops,
    )
    return response.result, response.raw_result.decode(errors="replace")


def _confirm(conn: Any) -> tuple[str, str]:
    prompt = f"^(?:{conn.comms_prompt_pattern})$"
    response = conn.send_interactive([("y", prompt, False)])
    raw = response.raw_result.decode(errors="replace")
    answer_lines = response.result.replace("\r", "").rstrip().split("\n")[:-1]  # drop the prompt
    return "\n".join(answer_lines), raw


def _ends_with(pattern: str, raw: str) -> bool:
    lines = raw.replace("\r", "").rstrip("\n").split("\n")
    return bool(re.search(pattern, lines[-1], flags=re.I | re.M)) if lines else False
