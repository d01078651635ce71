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
from typing import Annotated

from pydantic import AfterValidator, Field, SecretStr, StringConstraints

#: a single CLI word: profile names, OLT-side ONU type names, usernames without spaces
_WORD = r"^[A-Za-z0-9][A-Za-z0-9_.:/+@-]*$"
#: printable ASCII except space, quotes, backtick and `?` (credentials the OLT CLI carries)
SECRET_PATTERN = r"^[!#-&(->@-_a-~]+$"
#: any text without control characters (names, descriptions: quotes and `?` are replaced
#: by spaces when rendered, see render.cli_safe)
_TEXT = r"^[^\x00-\x1f\x7f\u0085\u2028\u2029]*$"

#: an OLT profile name (line, service, T-CONT, traffic, DBA)
ProfileName = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=64, pattern=_WORD),
    Field(description="one CLI word: letters, digits and _ . : / + @ -, at most 64 characters"),
]
#: the OLT-side name of an ONU type (ZTE `type`, Huawei equipment id)
OnuTypeName = ProfileName
#: a VLAN id
VlanId = Annotated[int, Field(ge=1, le=4094)]
#: an ONU id on a PON port (Huawei 0-127/255, ZTE 1-128/256)
OnuIndex = Annotated[int, Field(ge=0, le=255)]
#: a GEM port id
GemPort = Annotated[int, Field(ge=0, le=65535)]
#: an OLT profile's numeric id
ProfileId = Annotated[int, Field(ge=0, le=65535)]
#: an ONU name or description: one line of text
CliLabel = Annotated[str, StringConstraints(max_length=200, pattern=_TEXT)]
#: a username the CLI carries (PPPoE, ACS)
CliUsername = Annotated[
    str,
    StringConstraints(min_length=1, max_length=100, pattern=SECRET_PATTERN),
    Field(description="printable characters without spaces, quotes, backtick or ?"),
]
#: a password the CLI carries (PPPoE, ACS)
CliPassword = Annotated[
    str,
    StringConstraints(min_length=1, max_length=128, pattern=SECRET_PATTERN),
    Field(description="printable characters without spaces, quotes, backtick or ?"),
]
#: one line of text that is not sent to a CLI but must not carry control characters
OneLine = Annotated[str, StringConstraints(pattern=_TEXT)]


def _cli_carries(secret: SecretStr) -> SecretStr:
    if not re.fullmatch(SECRET_PATTERN, secret.get_secret_value()):
        raise ValueError("the OLT CLI cannot carry this password: use printable characters "
                         "without spaces, quotes, backtick or ?")
    return secret


#: CliPassword kept secret (never echoed back, not even in a validation error)
CliSecret = Annotated[
    SecretStr,
    Field(min_length=1, max_length=128, json_schema_extra={"pattern": SECRET_PATTERN}),
    AfterValidator(_cli_carries),
]
