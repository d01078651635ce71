"""Removes what a Huawei CLI mixes into command answers before they are parsed."""

from __future__ import annotations

import re

# The pager prints `---- More ( Press 'Q' to break ) ----`, and once a key is pressed erases it
# with "ESC[37D", 37 blanks, "ESC[37D" (sometimes "ESC[1A"), on the SAME line as the next line of
# the answer (the clean-up strings of public telnet scripts, e.g. code-search index ids 2524011,
# 40780191066, 5130533923). Dropping the marker and the erase keeps that next line.
_PAGER = re.compile(r"-{4} More \( Press 'Q' to break \) -{4}(?:[ \t]*\x1b\[\d*[A-Za-z])*")
# Huawei redraws the cursor with " ESC[1D" and similar (netmiko strips the same).
_ANSI = re.compile(r" ?\x1b\[\d*[A-Za-z]")
# Asynchronous alarm blocks can land in the middle of output (NOC rx_alarm_clean).
_ALARM_BLOCK = re.compile(r"^\s*!.*?ALARM.*?^\s*END\s*$", re.M | re.S)
# Rulers as blogs and forums retype them: `===`, or em/en dashes (U+2014/U+2013) from "smart"
# typography. The parsers only know the device's `---` ruler.
_TYPOGRAPHIC_RULER = re.compile(r"^(\s*)[-=\u2013\u2014]{10,}\s*$", re.M)
# `HOST#command`, `HOST(config-if-gpon-0/1)#command`, `HOST>`: a prompt and its echo. The host name
# is one token directly followed by `#`/`>` (an ONT row starts with a number and blanks).
_PROMPT_LINE = re.compile(r"^[ \t]*[A-Za-z][\w.-]*(?:\([^)\n]*\))?[#>].*$", re.M)
_NOISE_LINES = re.compile(
    r"^\s*(Command is being executed\. Please wait.*"
    r"|\{ <cr>.*\}:.*"
    r"|Command:\s*"
    r"|---- More \( Press 'Q' to break \) ----)\s*$",
    re.M,
)


def clean_output(text: str) -> str:
    text = text.replace("\r", "")
    text = _PAGER.sub("", text)
    text = _ANSI.sub("", text)
    text = _ALARM_BLOCK.sub("", text)
    text = _TYPOGRAPHIC_RULER.sub(lambda ruler: ruler.group(1) + "-" * 20, text)
    text = _PROMPT_LINE.sub("", text)
    return _NOISE_LINES.sub("", text)
