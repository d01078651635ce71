"""Per-OLT connection options (`Olt.connection_options`): the closed, typed set of
settings an operator may change on one OLT, and the one place they become scrapli
arguments (`scrapli_extras`).

Nothing given here ever reaches scrapli as is: every option is a typed, bounded value
(a transport name out of a fixed list, a number of seconds, a switch), and
`scrapli_extras` writes only known scrapli keys with values built from these and from
constants in this module. No option becomes a process argument, an OpenSSH option,
a file path or a Python object; an unknown key is refused (extra="forbid").

The options:

- `transport`: the scrapli transport plugin for SSH, "paramiko" (in-process, the
  default of every driver: vendor_cli.ssh.SSH_TRANSPORT) or "system" (the OpenSSH
  client). It is an SSH setting: it is not how an OLT is reached over telnet, which is
  `Olt.cli_transport` (it also picks the telnet port and login prompts). "telnet" is
  therefore refused here with that advice, whatever the OLT's cli_transport (with
  cli_transport "ssh" it would contradict it, with "telnet" it would only repeat it).
- `legacy_kex`, `legacy_host_key`, `legacy_ciphers`: let old firmware negotiate SHA-1
  Diffie-Hellman key exchange, ssh-rsa host keys, CBC ciphers. Each adds fixed OpenSSH
  options (the "+" form: added after OpenSSH's defaults, so modern algorithms still
  come first). They apply to the OpenSSH transport only and need `transport: "system"`:
  paramiko (5.x) has no SHA-1 key exchange nor ssh-rsa host keys at all, and scrapli's
  paramiko transport takes no algorithm settings (the CBC ciphers paramiko offers
  anyway). The drivers' own OpenSSH options are replaced by these switches: an OLT on
  `system` gets exactly the legacy algorithms switched on here (migration 0007 switched
  legacy_kex and legacy_host_key on for the OLTs that were already on `system`, which
  is what the drivers added for them until then).
- `auth_strict_key`: check the OLT's SSH host key against the known_hosts files of the
  user running the worker (~/.ssh/known_hosts, /etc/ssh/ssh_known_hosts); off by
  default, as the drivers have it.
- `timeout_socket_s`, `timeout_transport_s`, `timeout_ops_s`: scrapli's
  timeout_socket, timeout_transport and timeout_ops (seconds, 1 to 600), replacing
  the driver's; they apply to SSH and telnet.
- `snmp_context_name`: the SNMPv3 context of the OLT's agent (oms.monitoring.settings);
  not a CLI setting.

The SSH settings (transport, legacy_*, auth_strict_key) are kept but unused while the
OLT's cli_transport is "telnet", so that switching an OLT to telnet and back does not
lose them.

A stored row that does not validate (only possible by writing the database directly:
the API validates, migration 0007 checked every existing row) never reaches scrapli:
`options_for_olt` raises InvalidConnectionOptions naming the OLT and the key, and the
OLT's jobs fail with that message (see inventory.plugin).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StringConstraints,
    ValidationError,
    model_validator,
)

#: the scrapli SSH transport plugins an OLT may use
SshTransport = Literal["paramiko", "system"]
SYSTEM_TRANSPORT = "system"

MIN_TIMEOUT_S = 1.0
MAX_TIMEOUT_S = 600.0
MAX_SNMP_CONTEXT_CHARS = 32

# Fixed OpenSSH options of the legacy switches (never built from input).
LEGACY_KEX_OPTIONS = ("-o", "KexAlgorithms=+diffie-hellman-group14-sha1,diffie-hellman-group1-sha1")
LEGACY_HOST_KEY_OPTIONS = ("-o", "HostKeyAlgorithms=+ssh-rsa", "-o", "PubkeyAcceptedAlgorithms=+ssh-rsa")
LEGACY_CIPHER_OPTIONS = ("-o", "Ciphers=+aes128-cbc,aes192-cbc,aes256-cbc,3des-cbc")

#: option -> scrapli argument, for the timeouts
TIMEOUT_ARGUMENTS = {
    "timeout_socket_s": "timeout_socket",
    "timeout_transport_s": "timeout_transport",
    "timeout_ops_s": "timeout_ops",
}
LEGACY_SWITCHES = ("legacy_kex", "legacy_host_key", "legacy_ciphers")


def _refuse_telnet(value: Any) -> Any:
    if value == "telnet":
        raise ValueError(
            "'telnet' is not an SSH transport: to reach this OLT over telnet set the OLT's "
            "cli_transport to 'telnet' (it also picks the telnet port and login prompts)"
        )
    return value


def _is_none(value: Any) -> bool:
    return value is None


Transport = Annotated[SshTransport, BeforeValidator(_refuse_telnet)]
Timeout = Annotated[float, Field(ge=MIN_TIMEOUT_S, le=MAX_TIMEOUT_S, strict=True, allow_inf_nan=False)]
SnmpContextName = Annotated[
    str, StringConstraints(strict=True, max_length=MAX_SNMP_CONTEXT_CHARS, pattern=r"^[\x20-\x7e]*$")
]


#: the rule of `_legacy_needs_openssh`, in the schema too (JSON Schema if/then): clients and
#: the API's fuzz test then know that a legacy switch on needs transport "system"
_LEGACY_RULE_SCHEMA: dict[str, Any] = {
    "allOf": [
        {
            "if": {"properties": {switch: {"const": True}}, "required": [switch]},
            "then": {"properties": {"transport": {"const": SYSTEM_TRANSPORT}}, "required": ["transport"]},
        }
        for switch in LEGACY_SWITCHES
    ]
}


class ConnectionOptions(BaseModel):
    """What an operator may set on one OLT's connection (see the module's docstring).
    Unset options (None) are left out when dumped: the driver's defaults apply."""

    model_config = ConfigDict(extra="forbid", frozen=True, json_schema_extra=_LEGACY_RULE_SCHEMA)

    transport: Transport | None = Field(
        default=None, exclude_if=_is_none,
        description="scrapli SSH transport: 'paramiko' (default) or 'system' (OpenSSH); "
                    "unused while cli_transport is telnet",
    )
    timeout_socket_s: Timeout | None = Field(
        default=None, exclude_if=_is_none, description="seconds to open the TCP connection (scrapli timeout_socket)"
    )
    timeout_transport_s: Timeout | None = Field(
        default=None, exclude_if=_is_none,
        description="seconds a transport read/write may take (scrapli timeout_transport)",
    )
    timeout_ops_s: Timeout | None = Field(
        default=None, exclude_if=_is_none, description="seconds a command may take (scrapli timeout_ops)"
    )
    legacy_kex: StrictBool = Field(
        default=False, description="allow SHA-1 Diffie-Hellman key exchange (group14/group1); needs transport 'system'"
    )
    legacy_host_key: StrictBool = Field(default=False, description="allow ssh-rsa host keys; needs transport 'system'")
    legacy_ciphers: StrictBool = Field(
        default=False, description="allow AES-CBC and 3DES-CBC ciphers; needs transport 'system'"
    )
    auth_strict_key: StrictBool = Field(
        default=False, description="check the OLT's host key against the worker's known_hosts files"
    )
    snmp_context_name: SnmpContextName | None = Field(
        default=None, exclude_if=_is_none,
        description=f"SNMPv3 context name (printable ASCII, at most {MAX_SNMP_CONTEXT_CHARS} characters)",
    )

    @model_validator(mode="after")
    def _legacy_needs_openssh(self) -> ConnectionOptions:
        switched_on = [name for name in LEGACY_SWITCHES if getattr(self, name)]
        if switched_on and self.transport != SYSTEM_TRANSPORT:
            raise ValueError(
                f"{', '.join(switched_on)} needs transport 'system' (OpenSSH): scrapli's paramiko transport "
                "cannot negotiate legacy SSH algorithms"
            )
        return self

    def openssh_options(self) -> list[str]:
        """The OpenSSH command-line options of the legacy switches (fixed strings)."""
        options: list[str] = []
        if self.legacy_kex:
            options.extend(LEGACY_KEX_OPTIONS)
        if self.legacy_host_key:
            options.extend(LEGACY_HOST_KEY_OPTIONS)
        if self.legacy_ciphers:
            options.extend(LEGACY_CIPHER_OPTIONS)
        return options


class InvalidConnectionOptions(ValueError):
    """A stored `Olt.connection_options` outside the closed set: the OLT is not contacted."""


def describe_errors(exc: ValidationError) -> str:
    """One line: each problem as `key: message` (keys escaped: a stored key may hold anything)."""
    parts = []
    for error in exc.errors():
        where = ".".join(str(p).encode("unicode_escape").decode("ascii") for p in error["loc"])
        where = where or "connection_options"
        parts.append(f"{where}: {error['msg']}")
    return "; ".join(parts)


def options_for_olt(olt_id: int, olt_name: str, stored: Any) -> ConnectionOptions:
    """Parse an OLT's stored connection options; raise InvalidConnectionOptions naming
    the OLT and the offending key(s) if they are not within the closed set."""
    try:
        return ConnectionOptions.model_validate(stored if stored is not None else {})
    except ValidationError as exc:
        raise InvalidConnectionOptions(
            f"OLT {olt_id} ({' '.join(olt_name.split())}) has invalid connection_options, it is not contacted: "
            f"{describe_errors(exc)}"
        ) from None


def scrapli_extras(options: ConnectionOptions, cli_transport: str, base_extras: Mapping[str, Any]) -> dict[str, Any]:
    """The driver's scrapli extras (`base_extras`, from its scrapli_options) with the
    OLT's options applied. Only known scrapli keys are written, with values from the
    validated options and this module's constants."""
    extras = dict(base_extras)
    for option, argument in TIMEOUT_ARGUMENTS.items():
        seconds = getattr(options, option)
        if seconds is not None:
            extras[argument] = float(seconds)
    if cli_transport != "ssh":
        return extras  # telnet: the SSH settings are kept on the row, unused
    transport = options.transport or str(base_extras.get("transport", "paramiko"))
    extras["transport"] = transport
    extras["auth_strict_key"] = bool(options.auth_strict_key)
    # True: scrapli looks for the default known_hosts files (OpenSSH's own for `system`).
    extras["ssh_known_hosts_file"] = bool(options.auth_strict_key)
    extras["transport_options"] = {"open_cmd": options.openssh_options()} if transport == SYSTEM_TRANSPORT else {}
    return extras
