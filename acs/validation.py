"""What each intent kind accepts, checked before anything is queued.

Values are split into the desired values (stored in clear, shown to staff) and the
secrets (PPPoE password, Wi-Fi passphrase), which are stored encrypted and never shown.
The checks that depend on the ONU's model (bridge support, the radio existing) are in
`check_for_onu_type`.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field, SecretStr, StrictBool, StringConstraints, TypeAdapter, ValidationError

from acs.models import IntentKind
from core.errors import FieldErrors
from core.inputs import InputModel, NotBool

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_HEX64 = re.compile(r"^[0-9A-Fa-f]{64}$")
_PRINTABLE_ASCII = re.compile(r"^[\x20-\x7e]{8,63}$")
_HOST = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9.\-:]*[A-Za-z0-9])?$")
_FILE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._\-]{0,127}$")

Band = Literal["2.4GHz", "5GHz"]
Security = Literal["wpa2", "wpa_wpa2", "wpa3", "wpa2_wpa3", "open"]


def _ssid(value: str) -> str:
    size = len(value.encode("utf-8"))
    if not 1 <= size <= 32:
        raise ValueError(f"an SSID is 1 to 32 bytes (IEEE 802.11), this one is {size}")
    if _CONTROL.search(value):
        raise ValueError("an SSID may not hold control characters")
    return value


def _passphrase(value: SecretStr) -> SecretStr:
    text = value.get_secret_value()
    if _HEX64.match(text) or _PRINTABLE_ASCII.match(text):
        return value
    raise ValueError("a WPA passphrase is 8 to 63 printable ASCII characters, or 64 hex digits (IEEE 802.11i)")


def _no_control(value: SecretStr | str) -> SecretStr | str:
    text = value.get_secret_value() if isinstance(value, SecretStr) else value
    if _CONTROL.search(text):
        raise ValueError("may not hold control characters")
    return value


Ssid = Annotated[str, StringConstraints(max_length=32), AfterValidator(_ssid)]  # 32 bytes at most
Passphrase = Annotated[SecretStr, AfterValidator(_passphrase)]
VlanId = Annotated[int, Field(ge=1, le=4094), NotBool]
PppUser = Annotated[str, StringConstraints(min_length=1, max_length=64), AfterValidator(_no_control)]
PppPassword = Annotated[SecretStr, Field(min_length=1, max_length=64), AfterValidator(_no_control)]
Host = Annotated[str, StringConstraints(min_length=1, max_length=253, pattern=_HOST.pattern)]


class WanPppoe(InputModel):
    username: PppUser
    password: PppPassword
    vlan: VlanId | None = None


class WanDhcp(InputModel):
    vlan: VlanId | None = None


class WanBridge(InputModel):
    vlan: VlanId | None = None


class Wifi(InputModel):
    band: Band
    enabled: StrictBool = True
    ssid: Ssid | None = None
    security: Security | None = None
    passphrase: Passphrase | None = None


class Ping(InputModel):
    host: Host
    count: Annotated[int, Field(ge=1, le=100), NotBool] = 4
    timeout_ms: Annotated[int, Field(ge=100, le=60_000), NotBool] = 1000


class Traceroute(InputModel):
    host: Host
    max_hops: Annotated[int, Field(ge=1, le=64), NotBool] = 30
    timeout_ms: Annotated[int, Field(ge=100, le=60_000), NotBool] = 5000


class Firmware(InputModel):
    file_name: Annotated[str, StringConstraints(pattern=_FILE_NAME.pattern)]


class NoValues(InputModel):
    pass


SCHEMAS: dict[IntentKind, type[InputModel]] = {
    IntentKind.WAN_PPPOE: WanPppoe,
    IntentKind.WAN_DHCP: WanDhcp,
    IntentKind.WAN_BRIDGE: WanBridge,
    IntentKind.WIFI: Wifi,
    IntentKind.REBOOT: NoValues,
    IntentKind.FACTORY_RESET: NoValues,
    IntentKind.PING: Ping,
    IntentKind.TRACEROUTE: Traceroute,
    IntentKind.FIRMWARE: Firmware,
}
#: fields whose values are secrets: stored encrypted, sent, never read back or shown
SECRET_FIELDS = frozenset({"password", "passphrase"})


def validated(kind: IntentKind, values: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """(desired values, secrets) of `values` for `kind`, or FieldErrors naming each fault."""
    try:
        model = TypeAdapter(SCHEMAS[kind]).validate_python(values)
    except ValidationError as exc:
        raise FieldErrors(f"invalid {kind.value} values", [
            {"loc": ["values", *error["loc"]], "msg": error["msg"], "type": error["type"]}
            for error in exc.errors(include_url=False, include_input=False)
        ]) from None
    desired: dict[str, Any] = {}
    secrets: dict[str, str] = {}
    for name, value in model:
        if isinstance(value, SecretStr):
            secrets[name] = value.get_secret_value()
        elif value is not None:
            desired[name] = value
    _check_wifi(kind, desired, secrets)
    return desired, secrets


def _check_wifi(kind: IntentKind, desired: dict[str, Any], secrets: dict[str, str]) -> None:
    if kind is not IntentKind.WIFI:
        return
    security = desired.get("security")
    if security not in (None, "open") and "passphrase" not in secrets:
        raise FieldErrors("invalid wifi values", [
            {"loc": ["values", "passphrase"], "msg": f"security {security!r} needs a passphrase", "type": "missing"}
        ])


def check_for_onu_type(kind: IntentKind, desired: dict[str, Any], *, model: str, supports_bridge: bool,
                       bands: frozenset[str]) -> None:
    """Refuse what this ONU model cannot do (bridge mode, a radio it does not have)."""
    if kind is IntentKind.WAN_BRIDGE and not supports_bridge:
        raise FieldErrors("bridge mode is not supported", [
            {"loc": ["kind"], "msg": f"ONU type {model} does not support bridge mode", "type": "unsupported"}
        ])
    if kind is IntentKind.WIFI and desired["band"] not in bands:
        have = ", ".join(sorted(bands)) or "no Wi-Fi"
        raise FieldErrors("no such radio", [
            {"loc": ["values", "band"], "msg": f"ONU type {model} has {have}", "type": "unsupported"}
        ])


def slot_of(kind: IntentKind, desired: dict[str, Any]) -> str:
    """What a newer intent replaces: one WAN, one intent per radio, one of each action."""
    if kind in (IntentKind.WAN_PPPOE, IntentKind.WAN_DHCP, IntentKind.WAN_BRIDGE):
        return "wan"
    if kind is IntentKind.WIFI:
        return f"wifi:{desired['band']}"
    return kind.value
