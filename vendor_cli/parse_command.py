"""Pick the parser for a show command, so engineers can check captures from their
own OLTs: `ponstack parse huawei_smartax "display ont autofind all" < capture.txt`.

`COMMANDS` is the one command table: for each vendor family, every show command form
the driver sends (its `cmd_*` methods; mode changes such as `config` / `quit` are not
show commands) plus a few listing forms engineers type, each as a `CommandForm`:

- `name`: what the form is (`autofind`, `onu_list`, `onu_detail`, `onu_optical`, `port_optical`,
  `ont_add`, `version`);
- `pattern`: a regex matched against the WHOLE command (`re.fullmatch`, case-insensitive,
  after collapsing runs of whitespace to one space); its named groups capture the numbers;
- `parser`: the driver method called, `parser(text, *args)`;
- `args`: the named groups passed after the text, in order (`frame`, `slot`, `port`);
- `ports_from_text`: the command covers several PON ports (a board, a frame, the whole OLT),
  so `parse_onu_list` runs once per PON port that the answer itself names
  (`In port F/S/P` on Huawei, `F/S/P:ONU` rows on ZTE);
- `form`: the command as shown to people in the list of known forms.

Nothing is guessed: a command matching no form (a prefix, an abbreviation, another
command that merely starts the same way) raises `UnknownCommand`, which lists the forms.
`vendor_cli/tests/test_parse_command.py` renders every driver `cmd_*` and checks that it
routes here to the parser of the same name, so the table and the drivers cannot drift.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from core.models import VendorFamily
from vendor_cli.registry import get_driver

#: exit code of `ponstack parse` for a command no form matches (a usage error, like argparse's)
EXIT_UNKNOWN_COMMAND = 2


@dataclass(frozen=True)
class CommandForm:
    name: str
    form: str
    pattern: str
    parser: str
    args: tuple[str, ...] = ()
    ports_from_text: bool = False


class UnknownCommand(ValueError):
    """No form of the family's command table matches the command."""


_N = r"\d+"
_FSP = rf"(?P<frame>{_N})/(?P<slot>{_N})/(?P<port>{_N})"
_ONU = rf"{_FSP}:(?P<onu_id>{_N})"
_PORT_ARGS = ("frame", "slot", "port")

_HUAWEI = (
    CommandForm("autofind", "display ont autofind all", r"display ont autofind all", "parse_autofind"),
    CommandForm("onu_list", "display ont info summary F/S/P", rf"display ont info summary {_FSP}",
                "parse_onu_list", _PORT_ARGS),
    CommandForm("onu_list", "display ont info summary F/S  (every port of a board)",
                rf"display ont info summary (?P<frame>{_N})/(?P<slot>{_N})", "parse_onu_list", _PORT_ARGS,
                ports_from_text=True),
    # the same words in `interface gpon F/S` name port N of that board: the answer says which
    CommandForm("onu_list", "display ont info summary N  (every port of frame N; port N in interface gpon F/S)",
                rf"display ont info summary (?P<frame>{_N})", "parse_onu_list", _PORT_ARGS, ports_from_text=True),
    CommandForm("onu_list", "display ont info F S P all",
                rf"display ont info (?P<frame>{_N}) (?P<slot>{_N}) (?P<port>{_N}) all", "parse_onu_list",
                _PORT_ARGS),
    CommandForm("onu_list", "display ont info N all  (every port of frame N; port N in interface gpon F/S)",
                rf"display ont info (?P<frame>{_N}) all", "parse_onu_list", _PORT_ARGS, ports_from_text=True),
    CommandForm("onu_detail", "display ont info F S P ONU",
                rf"display ont info (?P<frame>{_N}) (?P<slot>{_N}) (?P<port>{_N}) (?P<onu_id>{_N})",
                "parse_onu_detail"),
    CommandForm("onu_detail", "display ont info P ONU  (in interface gpon F/S)",
                rf"display ont info (?P<port>{_N}) (?P<onu_id>{_N})", "parse_onu_detail"),
    CommandForm("onu_detail", "display ont info by-sn SN", r"display ont info by-sn [0-9a-z-]+", "parse_onu_detail"),
    CommandForm("onu_optical", "display ont optical-info P ONU  (in interface gpon F/S)",
                rf"display ont optical-info (?P<port>{_N}) (?P<onu_id>{_N})", "parse_onu_optical"),
    CommandForm("port_optical", "display ont optical-info P all  (in interface gpon F/S)",
                rf"display ont optical-info (?P<port>{_N}) all", "parse_port_optical"),
    # the answer to adding an ONT: the ONT id the OLT assigned (it picks one when ONU is left out)
    CommandForm("ont_add", "ont add P [ONU] sn-auth SN ...  (in interface gpon F/S)",
                rf"ont add (?P<port>{_N})(?: (?P<onu_id>{_N}))? sn-auth \S.*", "parse_ont_add"),
    CommandForm("version", "display version", r"display version", "parse_version"),
    # the parser reads the board list as frame 0 (it has no frame column)
    CommandForm("version", "display board 0", r"display board 0", "parse_version"),
)


def _zte(olt: str, onu: str, autofind: str, version: tuple[str, ...], also: tuple[str, str] = ("", "")
         ) -> tuple[CommandForm, ...]:
    """The ZXAN forms; `olt` / `onu`: the interface-name prefixes the driver sends, `also`: another
    accepted spelling of each."""
    olt_re, onu_re = (f"(?:{'|'.join(re.escape(p) for p in (name, other) if p)})" for name, other in zip(
        (olt, onu), also, strict=True))
    return (
        CommandForm("autofind", autofind, re.escape(autofind), "parse_autofind"),
        CommandForm("onu_list", f"show gpon onu state {olt}F/S/P", rf"show gpon onu state {olt_re}{_FSP}",
                    "parse_onu_list", _PORT_ARGS),
        CommandForm("onu_list", "show gpon onu state  (every PON port)", r"show gpon onu state", "parse_onu_list",
                    _PORT_ARGS, ports_from_text=True),
        CommandForm("onu_detail", f"show gpon onu detail-info {onu}F/S/P:ONU",
                    rf"show gpon onu detail-info {onu_re}{_ONU}", "parse_onu_detail"),
        CommandForm("onu_optical", f"show pon power attenuation {onu}F/S/P:ONU",
                    rf"show pon power attenuation {onu_re}{_ONU}", "parse_onu_optical"),
        # what each ONU receives: every ONU of a port in one command, or one ONU
        CommandForm("port_optical", f"show pon power onu-rx {olt}F/S/P",
                    rf"show pon power onu-rx {olt_re}{_FSP}", "parse_port_optical"),
        CommandForm("port_optical", f"show pon power onu-rx {onu}F/S/P:ONU",
                    rf"show pon power onu-rx {onu_re}{_ONU}", "parse_port_optical"),
        *(CommandForm("version", command, re.escape(command), "parse_version") for command in version),
    )


COMMANDS: dict[VendorFamily, tuple[CommandForm, ...]] = {
    VendorFamily.HUAWEI_SMARTAX: _HUAWEI,
    VendorFamily.ZTE_C3XX: _zte("gpon-olt_", "gpon-onu_", "show gpon onu uncfg", ("show system-group", "show card")),
    # C600 readers accept the C300 spelling too (zte_c6xx/names.py)
    VendorFamily.ZTE_C6XX: _zte("gpon_olt-", "gpon_onu-", "show pon onu uncfg", ("show card",),
                                also=("gpon-olt_", "gpon-onu_")),
}

# where an answer names its PON ports, for the forms with ports_from_text
_PORTS_IN_TEXT: dict[VendorFamily, re.Pattern[str]] = {
    VendorFamily.HUAWEI_SMARTAX: re.compile(r"In port (\d+)/\s*(\d+)/\s*(\d+)\s*,"),
    # a row may follow the pager's erase sequence (`--More--` then backspaces) on the same line
    VendorFamily.ZTE_C3XX: re.compile(
        r"^(?:[\s\x08]| ?--More--)*(?:gpon-onu_|gpon_onu-)?(\d+)/(\d+)/(\d+):\d+\s", re.M),
}
_PORTS_IN_TEXT[VendorFamily.ZTE_C6XX] = _PORTS_IN_TEXT[VendorFamily.ZTE_C3XX]


def known_forms(family: VendorFamily | str) -> list[str]:
    return [form.form for form in COMMANDS[VendorFamily(family)]]


def match_command(family: VendorFamily | str, command: str) -> tuple[CommandForm, dict[str, int]]:
    """The table entry whose pattern matches the whole command, and its captured numbers."""
    family = get_driver(family).family  # unknown families raise UnsupportedVendorFamily
    line = " ".join(command.split())
    for form in COMMANDS[family]:
        if match := re.fullmatch(form.pattern, line, re.IGNORECASE):
            return form, {key: int(value) for key, value in match.groupdict().items() if value is not None}
    raise UnknownCommand(f"unknown command {command!r} for {family.value}; known forms:\n  "
                         + "\n  ".join(known_forms(family)))


def parse_capture(family: VendorFamily | str, command: str, text: str) -> Any:
    """Parse `text`, the verbatim answer to `command`, with the parser the table names."""
    form, numbers = match_command(family, command)
    driver = get_driver(family)
    parse = getattr(driver, form.parser)
    if not form.ports_from_text:
        return parse(text, *(numbers[arg] for arg in form.args))
    ports = dict.fromkeys(tuple(int(n) for n in m.groups()) for m in _PORTS_IN_TEXT[driver.family].finditer(text))
    # the parser gives each ONU its port; keep each port's own rows (Huawei returns all of them)
    return [state for pon in ports for state in parse(text, *pon) if (state.frame, state.slot, state.port) == pon]
