"""Removes what a Huawei CLI mixes into command answers before they are parsed."""

from __future__ import annotations

import re

# Huawei redraws the cursor with " ESC[1D" and similar (netmiko strips the same).
_ANSI = re.compile(r" ?\x1b\[\d*[A-Za-z]")
# Asynchronous alarm blocks can land in the middle of output (NOC rx_alarm_clean).
_ALARM_BLOCK = re.compile(r"^\s*!.*?ALARM.*?^\s*END\s*$", re.M | re.S)
_NOISE_LINES = re.compile(
    r"^\s*(Command is being executed\. Please wait.*"
    r"|\{ <cr>.*\}:.*"
    r"|Command:\s*"
    r"|---- More \( Press 'Q' to break \) ----)\s*$",
    re.M,
)


def clean_output(text: str) -> str:
    text = text.replace("\r", "")
    text = _ANSI.sub("", text)
    text = _ALARM_BLOCK.sub("", text)
    return _NOISE_LINES.sub("", text)
