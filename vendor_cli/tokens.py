"""What a value must look like to enter a vendor CLI line: one typed validator per kind.

Every value a template puts into a command (profile names, ONU types, VLANs, ONU ids,
names, descriptions, serials, credentials, addresses) is checked where it is stored, with
these types, and again where it is rendered (`vendor_cli.render` refuses any line break
or control character in a rendered value, whatever the template says).

Why these rules: Huawei MA5600/MA5800 and ZTE ZXAN CLIs split arguments on spaces, end a
command at a line break, open inline help at `?`, and end a quoted argument at a quote;
profile and ONU-type names are single words of letters, digits and `_-.` on both (Huawei
`ont-lineprofile gpon profile-name`, ZTE `onu-type` / `tcont-profile` names, at most 32
characters on ZTE and 64 on Huawei).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Annotated, Any

from pydantic import AfterValidator, Field, SecretStr, StringConstraints

from core.inputs import NotBool

#: a single CLI word: profile names, OLT-side ONU type names
WORD_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.:/+@-]*$"
#: printable ASCII except space, quotes, backtick and `?` (credentials the OLT CLI carries)
SECRET_PATTERN = r"^[!#-&(->@-_a-~]+$"
#: any text without control characters (names, descriptions: quotes and `?` are replaced
#: by spaces when rendered, see render.cli_safe)
TEXT_PATTERN = r"^[^\x00-\x1f\x7f\u0085\u2028\u2029]*$"

_LINE_BREAK = re.compile(r"[\n\r\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def why_not_carried(value: str, pattern: str, rule: str) -> str | None:
    """Why a CLI line cannot carry `value` (None when it can): the reason an operator can act on."""
    if re.fullmatch(pattern, value):
        return None
    if _LINE_BREAK.search(value):
        return "contains a line break: a CLI value cannot span commands"
    if _CONTROL.search(value):
        return "contains a control character"
    if " " in value and not re.fullmatch(pattern, "a b"):
        return "contains a space: the CLI would read it as two values"
    return f"the OLT CLI cannot carry it: {rule}"


def _carried(pattern: str, rule: str) -> Callable[[Any], Any]:
    def check(value: Any) -> Any:
        text = value.get_secret_value() if isinstance(value, SecretStr) else value
        reason = why_not_carried(text, pattern, rule)
        if reason:
            raise ValueError(reason)
        return value

    return check


def _cli_value(pattern: str, rule: str, **constraints: Any) -> Any:
    """A text type checked against `pattern` with a message saying why; the pattern is in
    the OpenAPI schema too."""
    return (StringConstraints(**constraints), Field(description=rule, json_schema_extra={"pattern": pattern}),
            AfterValidator(_carried(pattern, rule)))


_WORD_RULE = "one word of letters, digits and _ . : / + @ - (starting with a letter or digit)"
_SECRET_RULE = "printable characters without spaces, quotes, backtick or ?"

#: an OLT profile name (line, service, T-CONT, traffic, DBA)
ProfileName = Annotated[str, *_cli_value(WORD_PATTERN, _WORD_RULE, strip_whitespace=True, min_length=1,
                                         max_length=64)]
#: the OLT-side name of an ONU type (ZTE `type`, Huawei equipment id)
OnuTypeName = ProfileName
#: a VLAN id
VlanId = Annotated[int, Field(ge=1, le=4094), NotBool]
#: an ONU id on a PON port (Huawei 0-127/255, ZTE 1-128/256)
OnuIndex = Annotated[int, Field(ge=0, le=255), NotBool]
#: a GEM port id
GemPort = Annotated[int, Field(ge=0, le=65535), NotBool]
#: an OLT profile's numeric id
ProfileId = Annotated[int, Field(ge=0, le=65535), NotBool]
#: an ONU name or description: one line of text
CliLabel = Annotated[str, *_cli_value(TEXT_PATTERN, "one line of text", max_length=200)]
#: a username the CLI carries (PPPoE, ACS)
CliUsername = Annotated[str, *_cli_value(SECRET_PATTERN, _SECRET_RULE, min_length=1, max_length=100)]
#: a password the CLI carries (PPPoE, ACS)
CliPassword = Annotated[str, *_cli_value(SECRET_PATTERN, _SECRET_RULE, min_length=1, max_length=128)]
#: one line of text that is not sent to a CLI but must not carry control characters
OneLine = Annotated[str, *_cli_value(TEXT_PATTERN, "one line of text")]
#: CliPassword kept secret (never echoed back, not even in a validation error)
CliSecret = Annotated[
    SecretStr,
    Field(min_length=1, max_length=128, description=_SECRET_RULE, json_schema_extra={"pattern": SECRET_PATTERN}),
    AfterValidator(_carried(SECRET_PATTERN, _SECRET_RULE)),
]
