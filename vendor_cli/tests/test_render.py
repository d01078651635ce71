"""Rendering CLI templates: command splitting, error lines, the sample context, sanitising."""

from __future__ import annotations

import inspect
import re
from pathlib import Path
from typing import Any

import pytest

from vendor_cli.base import TEMPLATE_CONTEXT_DOC
from vendor_cli.render import (
    SAMPLE_CONTEXT,
    TemplateError,
    cli_environment,
    cli_safe,
    render_cli,
    sample_context,
    validate_template,
)

VENDOR_CLI_DIR = Path(__file__).resolve().parents[1]
SHIPPED = sorted(VENDOR_CLI_DIR.glob("*/templates/*.j2"))


def test_environment_is_sandboxed_strict_and_shared() -> None:
    env = cli_environment()
    assert env is cli_environment()
    assert env.is_safe_callable is not None and env.sandboxed
    with pytest.raises(TemplateError, match="unsafe"):
        render_cli("{{ ''.__class__.__mro__ }}", {})


def test_splits_into_commands_dropping_blank_and_comment_lines() -> None:
    body = "! explain the template\nconfig   \n\n   \ninterface gpon {{ frame }}/{{ slot }}\n"
    body += "  ! indented\nquit\n"
    assert render_cli(body, {"frame": 0, "slot": 1}) == ["config", "interface gpon 0/1", "quit"]


@pytest.mark.parametrize(
    "body",
    [
        # inline blocks at the end of a line
        "config\n{% if name %}name {{ name }}{% endif %}\n"
        "{% if pppoe %}pppoe {{ pppoe.username }}{% endif %}\nend\n",
        # whitespace-control blocks on their own lines
        "config\n{%- if name %}\nname {{ name }}\n{%- endif %}\n"
        "{%- if pppoe %}\npppoe {{ pppoe.username }}\n{%- endif %}\nend\n",
        # plain, indented blocks on their own lines
        "config\n  {% if name %}\nname {{ name }}\n  {% endif %}\n"
        "{% if pppoe %}\npppoe {{ pppoe.username }}\n{% endif %}\nend\n",
    ],
)
def test_block_tags_never_glue_two_commands_together(body: str) -> None:
    context = {"name": "cust-1", "pppoe": {"username": "u1"}}
    assert render_cli(body, context) == ["config", "name cust-1", "pppoe u1", "end"]
    assert render_cli(body, {"name": "", "pppoe": None}) == ["config", "end"]


def test_the_nornir_host_is_not_available_to_a_template() -> None:
    # Templates see only their context: no `host` (and so no host.password) to reach.
    assert list(inspect.signature(render_cli).parameters) == ["body", "context"]
    with pytest.raises(TemplateError) as caught:
        render_cli("display version\nsys {{ host.name }}", {})
    assert caught.value.line == 2 and "'host' is undefined" in str(caught.value)
    with pytest.raises(TemplateError, match="reserved name"):
        render_cli("sys {{ host.name }}", {"host": {"name": "olt-7"}})


def test_syntax_error_names_the_template_line() -> None:
    body = "config\ninterface gpon {{ frame }}/{{ slot }}\nquit\n{% endif %}\nquit\n"
    with pytest.raises(TemplateError) as caught:
        validate_template(body)
    assert caught.value.line == 4
    assert str(caught.value).startswith("line 4: ") and "endif" in str(caught.value)

    with pytest.raises(TemplateError) as caught:
        render_cli("config\nont add {{ port }\nquit\n", {"port": 1})
    assert caught.value.line == 2


def test_undefined_variable_names_the_template_line() -> None:
    body = (
        "config\ninterface gpon {{ frame }}/{{ slot }}\nont add {{ port }}\nont-lineprofile {{ profiles }}\n"
    )
    with pytest.raises(TemplateError) as caught:
        validate_template(body)
    assert caught.value.line == 4
    assert str(caught.value) == "line 4: 'profiles' is undefined"


def test_runtime_error_inside_a_loop_names_the_line() -> None:
    body = "config\n{% for vlan in [1, 2] %}\nvlan {{ vlan }}\nvlan {{ vlan.tag.id }}\n{% endfor %}\n"
    with pytest.raises(TemplateError) as caught:
        render_cli(body, {})
    assert caught.value.line == 4


def test_validate_refuses_unguarded_optional_values() -> None:
    # Valid with the full sample, but an ONU without PPPoE would break it at push time.
    body = "config\nont ipconfig 1 1 pppoe user-account username {{ pppoe.username }}\nquit\n"
    render_cli(body, SAMPLE_CONTEXT)
    with pytest.raises(TemplateError) as caught:
        validate_template(body)
    assert caught.value.line == 2
    assert "without PPPoE" in str(caught.value)


def test_validate_refuses_a_template_without_commands() -> None:
    with pytest.raises(TemplateError, match="no commands"):
        validate_template("! nothing to do\n{% if pppoe %}\n{% endif %}\n")


def test_validate_accepts_a_template_using_the_documented_context() -> None:
    validate_template(
        "interface gpon {{ frame }}/{{ slot }}\n"
        'ont add {{ port }} {{ onu_id }} sn-auth {{ serial_hex }} desc "{{ description or name }}"\n'
        "{% if tr069 and tr069.acs_url %}ont tr069-server-config {{ port }} {{ onu_id }} "
        "profile-id {{ tr069.profile_id }}{% endif %}\n"
        "ont modify {{ new.port }} {{ new.onu_id }} sn {{ new.serial }}\n",
        "huawei_smartax",
    )


def test_reserved_context_names_are_refused() -> None:
    with pytest.raises(TemplateError, match="reserved name"):
        render_cli("x", {"host": "y"})


def _documented_variables() -> list[str]:
    names = []
    for line in TEMPLATE_CONTEXT_DOC.splitlines():
        match = re.match(r"^\s+((?:[a-z_][a-z0-9_.]*,\s*)*[a-z_][a-z0-9_.]*)", line)
        if match:
            names += [n.strip() for n in match.group(1).split(",")]
    return names


def _lookup(context: dict[str, Any], dotted: str) -> Any:
    value: Any = context
    for part in dotted.split("."):
        value = value[part]
    return value


def test_sample_context_covers_every_documented_variable() -> None:
    names = _documented_variables()
    assert {"olt.family", "serial_hex", "service_profile_id", "tr069.profile_id", "new.onu_id"} <= set(names)
    for name in names:
        assert _lookup(SAMPLE_CONTEXT, name) is not None, name


def test_overrides_change_only_the_nested_keys_they_name() -> None:
    context = sample_context(None, {"tr069": {"acs_url": ""}, "pppoe": None, "user_vlan": 200})
    assert context["tr069"] == {**SAMPLE_CONTEXT["tr069"], "acs_url": ""}
    assert context["pppoe"] is None and context["user_vlan"] == 200
    assert SAMPLE_CONTEXT["tr069"]["acs_url"]


def test_sample_context_follows_the_family_and_is_a_copy() -> None:
    zte = sample_context("zte_c6xx", {"onu_id": 77})
    assert zte["olt"]["family"] == "zte_c6xx" and zte["frame"] == 1 and zte["onu_id"] == 77
    zte["olt"]["name"] = "changed"
    assert SAMPLE_CONTEXT["olt"]["name"] != "changed"
    assert SAMPLE_CONTEXT["olt"]["family"] == "huawei_smartax"


@pytest.mark.skipif(not SHIPPED, reason="no shipped templates yet")
@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: f"{p.parent.parent.name}/{p.stem}")
def test_every_shipped_template_validates(path: Path) -> None:
    validate_template(path.read_text(), path.parent.parent.name)


def test_cli_safe_strips_what_could_break_a_command() -> None:
    assert (
        cli_safe('Jane "JD" O\'Neil\nundo service-port all\r\x07?') == "Jane JD O Neil undo service-port all"
    )
    assert cli_safe("  tab\there   ") == "tab here"
    assert cli_safe(None) == ""
    assert cli_safe("abcdef", max_length=3) == "abc"
