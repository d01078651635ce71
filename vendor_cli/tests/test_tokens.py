"""What a value must look like to enter a CLI line: each kind refuses, with its reason,
what would split a command, start a new one or end a quoted argument."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import SecretStr, TypeAdapter, ValidationError

from vendor_cli.tokens import CliLabel, CliPassword, CliSecret, CliUsername, ProfileName, VlanId


def refusal(kind: Any, value: Any) -> str:
    with pytest.raises(ValidationError) as caught:
        TypeAdapter(kind).validate_python(value)
    return str(caught.value.errors()[0]["msg"])


@pytest.mark.parametrize(
    ("kind", "value", "reason"),
    [
        (ProfileName, "T-100M\nno onu 1", "line break"),
        (ProfileName, "TR-100M\rreboot", "line break"),
        (ProfileName, "T 100M", "contains a space"),
        (ProfileName, 'T"100M', "cannot carry it"),
        (ProfileName, "-T", "cannot carry it"),
        (ProfileName, "x" * 65, "at most 64"),
        (CliLabel, "Jane\nreboot", "line break"),
        (CliLabel, "Jane\x07", "control character"),
        (CliUsername, "jane doe", "contains a space"),
        (CliPassword, "pa'ss", "cannot carry it"),
        (CliPassword, "pa?ss", "cannot carry it"),
        (CliSecret, "s3cret\nreboot", "line break"),
        (VlanId, 4095, "less than or equal to 4094"),
    ],
)
def test_values_a_cli_line_cannot_carry_are_refused_with_a_reason(kind: Any, value: Any, reason: str) -> None:
    assert reason in refusal(kind, value)


@pytest.mark.parametrize(
    ("kind", "value"),
    [
        (ProfileName, "SMARTOLT_FLEXIBLE_GPON"),
        (ProfileName, "FTTH-100M"),
        (ProfileName, "1G/500M"),
        (CliLabel, "Jane O'Brien, Main St 12 (2nd floor)?"),
        (CliUsername, "jane.doe@isp.example"),
        (CliPassword, "P@ss-w0rd!#%&()*+,./:;<=>[]^_{|}~"),
    ],
)
def test_real_values_pass_unchanged(kind: Any, value: str) -> None:
    assert TypeAdapter(kind).validate_python(value) == value


def test_the_reason_for_refusing_a_secret_does_not_quote_it() -> None:
    """The API answers `loc`, `msg` and `type` of each error (never pydantic's input echo)."""
    with pytest.raises(ValidationError) as caught:
        TypeAdapter(CliSecret).validate_python("s3cret\nreboot")
    assert not any("s3cret" in str(error["msg"]) for error in caught.value.errors())
    assert TypeAdapter(CliSecret).validate_python("ok-secret") == SecretStr("ok-secret")
