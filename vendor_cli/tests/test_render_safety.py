"""CLI templates are edited by operators: rendering must hold up against a hostile template.

Each test is an attack a template editor (or a crafted context value) could try: reading
credentials, smuggling a second command through a value, or exhausting memory or time.
"""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Any

import jinja2
import pytest
from jinja2.sandbox import SandboxedEnvironment
from nornir.core.inventory import Host

from vendor_cli.render import (
    MAX_OUTPUT_CHARS,
    MAX_RENDER_SECONDS,
    MAX_TEMPLATE_CHARS,
    TemplateError,
    command_lines,
    render_cli,
    sample_context,
    validate_template,
)

VENDOR_CLI_DIR = Path(__file__).resolve().parents[1]
SHIPPED = sorted(VENDOR_CLI_DIR.glob("*/templates/*.j2"))


def refused(body: str, context: dict[str, Any] | None = None, match: str | None = None) -> TemplateError:
    with pytest.raises(TemplateError, match=match) as caught:
        render_cli(body, sample_context("zte_c6xx", context))
    return caught.value


# --- only the documented context is visible ---------------------------------------


def test_a_template_cannot_reach_the_olt_credentials() -> None:
    assert list(inspect.signature(render_cli).parameters) == ["body", "context"]
    body = "config\ndesc \"{{ ('PW=' ~ host.username ~ ':' ~ host.password) if host else name }}\"\n"
    error = refused(body, match="'host' is undefined")
    assert error.line == 2
    with pytest.raises(TemplateError, match="'host' is undefined"):
        validate_template(body, "huawei_smartax")


def test_python_objects_cannot_be_smuggled_in_through_the_context() -> None:
    device = Host(name="olt-1", username="admin", password="s3cret")
    with pytest.raises(TemplateError, match="reserved name"):
        render_cli("x {{ host }}", {"host": device})
    with pytest.raises(TemplateError, match="'device' is a Host"):
        render_cli("x {{ device['password'] }}", {"device": device})
    with pytest.raises(TemplateError, match=r"'olt.conn' is a Host"):
        render_cli("x {{ olt.conn }}", {"olt": {"name": "a", "conn": device}})
    with pytest.raises(TemplateError, match=r"'vlans\[1\]' is a object"):
        render_cli("x", {"vlans": [1, object()]})


@pytest.mark.parametrize(
    "body",
    [
        "x {{ ''.__class__ }}",
        "x {{ ''.__class__.__mro__[1].__subclasses__() }}",
        "x {{ olt.__class__ }}",
        "x {{ olt['__class__'] }}",
        "x {{ range.__call__ }}",
        "x {{ namespace.__init__.__globals__ }}",
        "x {{ tr069.password.__len__() }}",
        "{% for i in range(1) %}x {{ loop.__class__ }}{% endfor %}",
    ],
)
def test_python_internals_stay_out_of_reach(body: str) -> None:
    assert "unsafe" in refused(body).reason


@pytest.mark.parametrize("name", ["lipsum", "cycler", "joiner"])
def test_only_harmless_globals_exist(name: str) -> None:
    refused(f"x {{{{ {name}() }}}}", match=f"'{name}' is undefined")


# --- a value can never start a command of its own ----------------------------------

INJECTIONS = [
    "T-100M\nno onu 1",
    "TR-100M\rreboot",
    "T\r\nreboot",
    "T\x0breboot",
    "T\x0creboot",
    "T\x1ereboot",
    "T\x85reboot",
    "T\u2028reboot",
    "T\u2029reboot",
]
CONTROL = ["T\x00", "T\x07", "T\x1b[2J", "T\x7f", "T\treboot"]


@pytest.mark.parametrize("value", INJECTIONS)
@pytest.mark.parametrize(
    ("key", "body"),
    [
        ("tcont_profile", "config\ntcont 1 profile {{ tcont_profile }}\nend"),
        ("onu_type", "config\nonu 1 type {{ onu_type }} sn {{ serial }}\nend"),
        ("name", "config\n{% if name %}name {{ name }}{% endif %}\nend"),
        ("description", 'config\nont add 1 1 desc "{{ description or name }}"\nend'),
        ("pppoe", "config\n{% if pppoe %}pppoe user {{ pppoe.username }}{% endif %}\nend"),
        ("tr069", "config\ntr069-mgmt 1 acs {{ tr069.acs_url }}\nend"),
    ],
)
def test_a_line_break_in_a_value_is_refused(key: str, body: str, value: str) -> None:
    override = {"username": value} if key == "pppoe" else {"acs_url": value} if key == "tr069" else value
    error = refused(body, {key: override})
    assert error.line == 2
    assert "contains a line break: a CLI value cannot span lines" in error.reason
    assert repr(value)[:8] in error.reason


def test_the_error_shows_the_value() -> None:
    error = refused("config\ntcont 1 profile {{ tcont_profile }}", {"tcont_profile": "T-100M\nno onu 1"})
    assert str(error) == ("line 2: value 'T-100M\\nno onu 1' contains a line break: a CLI value cannot span lines")


@pytest.mark.parametrize("value", CONTROL)
def test_a_control_character_in_a_value_is_refused(value: str) -> None:
    error = refused("config\ntcont 1 profile {{ tcont_profile }}", {"tcont_profile": value})
    assert error.line == 2 and "control character" in error.reason


@pytest.mark.parametrize(
    "expression",
    [
        "v",
        "v|string",
        "v|trim",
        "v|lower",
        "v|title",
        "v|replace('x', 'y')",
        "v|default('T-100M')",
        "v|truncate(200)",
        "[v]|join(' ')",
        "[v]|first",
        "v.strip()",
        "v.split('.')|join('.')",
        "'T-' ~ v",
        "'%s' % v",
        "'x'|replace('x', v)",
        "v if v else 'T-100M'",
    ],
)
def test_no_filter_or_expression_lets_a_line_break_through(expression: str) -> None:
    error = refused(f"config\ntcont 1 profile {{{{ {expression} }}}}", {"v": "T-100M\nno onu 1"})
    assert error.line == 2 and "line break" in error.reason


@pytest.mark.parametrize(
    "body",
    [
        "{% set p = v %}tcont 1 profile {{ p }}",
        "{% macro profile(p) %}{{ p }}{% endmacro %}tcont 1 profile {{ profile(v) }}",
        "{% macro profile() %}{{ caller() }}{% endmacro %}tcont 1 profile {% call profile() %}{{ v }}{% endcall %}",
        "{% for p in [v] %}tcont 1 profile {{ p }}{% endfor %}",
        "{% set ns = namespace(p=v) %}tcont 1 profile {{ ns.p }}",
    ],
)
def test_variables_macros_and_loops_do_not_launder_a_line_break(body: str) -> None:
    assert "line break" in refused(body, {"v": "T-100M\nno onu 1"}).reason


def test_safe_and_escaping_filters_do_not_exist() -> None:
    for name in ("safe", "e", "escape", "forceescape"):
        error = refused(f"tcont 1 profile {{{{ v|{name} }}}}", {"v": "T-100M\nno onu 1"})
        assert f"No filter named '{name}'" in error.reason


@pytest.mark.parametrize(
    "body",
    [
        "{% filter replace('X', v) %}tcont 1 profile X{% endfilter %}",
        "{% autoescape false %}tcont 1 profile {{ v }}{% endautoescape %}",
        "{% include 'other' %}",
        "{% import 'other' as o %}x",
        "{% extends 'other' %}",
    ],
)
def test_blocks_that_bypass_the_output_guard_are_refused_at_compile_time(body: str) -> None:
    assert "not allowed" in refused(body, {"v": "T\nreboot"}).reason or "cannot extend" in refused(body).reason


@pytest.mark.parametrize("body", ["x {{ olt }}", "x {{ olt.items() }}", "x {{ [1, 2] }}", "x {{ range }}"])
def test_only_text_and_numbers_can_be_rendered(body: str) -> None:
    assert refused(body).reason.startswith("only text and numbers can be rendered, not a ")


def test_a_call_block_must_render_a_macro() -> None:
    refused("{% call dict(a=1) %}{% endcall %}", match="must call a macro")


# --- rendering is bounded -------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        "x {{ 'a' * 100000000 }}",
        "x {{ 100000000 * 'a' }}",
        "x {{ [1] * 100000000 }}",
        "x {{ ('a',) * 100000000 }}",
        "x {{ (name * 1000) + (name * 1000) * 30 }}",
        "x {{ '%0999999d' % 1 }}",
        "x {{ '%s%s%s%s' % (name * 20000, name, name, name) }}",
        "x {{ 'a'|replace('', name * 6000) }}",
        "x {{ (name * 6000)|replace('c', name * 100) }}",
        "x {{ range(5000)|join(name * 100) }}",
    ],
)
def test_a_huge_value_is_refused_before_it_is_built(body: str) -> None:
    error = refused(body, match=f"would produce .* characters \\(the limit is {MAX_OUTPUT_CHARS}\\)")
    assert error.line == 1


@pytest.mark.parametrize("body", ["x {{ 10 ** 100000 }}", "x {{ 9 ** (9 ** 9) }}", "x {{ (2 ** 4000) * (2 ** 4000) }}"])
def test_a_huge_number_is_refused_before_it_is_computed(body: str) -> None:
    refused(body, match="number too large")


@pytest.mark.parametrize("operator", ["~", "+"])
def test_doubling_a_string_in_a_loop_is_refused(operator: str) -> None:
    body = (
        "{% set ns = namespace(s=name) %}\n{% for i in range(64) %}\n"
        f"{{% set ns.s = ns.s {operator} ns.s %}}\n{{% endfor %}}\nx {{{{ ns.s|length }}}}"
    )
    error = refused(body, match=f"'\\{operator}' would produce")
    assert error.line == 3


@pytest.mark.parametrize(
    "body",
    [
        "x {{ 'x'.ljust(10**9) }}",
        "x {{ 'x'.rjust(10**9) }}",
        "x {{ 'x'.center(10**9) }}",
        "x {{ 'x'.zfill(10**9) }}",
        "x {{ '{:>1000000000}'.format('x') }}",
        "x {{ '{x:>1000000000}'.format_map({'x': 1}) }}",
        "x {{ ','.join(['a'] * 10) }}",
        "x {{ 'x'.expandtabs(10**9) }}",
        "x {{ 'x'.replace('x', 'yy') }}",
        "x {{ olt.pop('name') }}",
        "x {{ olt.update(name='y') }}",
    ],
)
def test_methods_outside_the_short_list_are_refused(body: str) -> None:
    assert "unsafe" in refused(body).reason


@pytest.mark.parametrize("name", ["center", "format", "indent", "wordwrap", "tojson", "batch", "sum", "map", "attr"])
def test_filters_outside_the_short_list_are_refused(name: str) -> None:
    assert f"No filter named '{name}'" in refused(f"x {{{{ 'x'|{name}(10**9) }}}}").reason


def test_round_cannot_be_made_to_compute_a_huge_power_of_ten() -> None:
    refused("x {{ 5|round(-1000000000) }}", match="precision")


def test_the_output_is_capped() -> None:
    body = "{% for i in range(10000) %}\nservice-port {{ i }} vlan {{ service_vlan }}\n{% endfor %}"
    refused(body, match=f"template output is longer than {MAX_OUTPUT_CHARS} characters")


def test_range_is_budgeted_per_render() -> None:
    refused("x {{ range(10**9)|length }}", match=r"range\(\) would produce more than")
    nested = (
        "{% for a in range(100) %}{% for b in range(100) %}{% for c in range(100) %}"
        "{% endfor %}{% endfor %}{% endfor %}x"
    )
    refused(nested, match=r"range\(\) would produce more than|took longer than")


@pytest.mark.parametrize(
    "body",
    [
        # loops over a string: no range() involved, 8e9 empty iterations
        "{% set s = name * 200 %}\n"
        "{% for a in s %}{% for b in s %}{% for c in s %}{% endfor %}{% endfor %}{% endfor %}x",
        # exponential recursion without any loop
        "{% macro m(n) %}{% if n %}{{ m(n - 1) }}{{ m(n - 1) }}{% endif %}{% endmacro %}\nx {{ m(60) }}",
    ],
)
def test_a_runaway_render_is_stopped_by_the_time_bound(body: str) -> None:
    refused(body, match=f"template took longer than {MAX_RENDER_SECONDS:g} s to render")


def test_the_template_body_is_capped() -> None:
    body = "display version\n" * (MAX_TEMPLATE_CHARS // 16 + 1)
    assert len(body) > MAX_TEMPLATE_CHARS
    with pytest.raises(TemplateError, match="characters long"):
        render_cli(body, {})
    with pytest.raises(TemplateError, match="characters long"):
        validate_template(body)
    render_cli("display version\n" * (MAX_TEMPLATE_CHARS // 16), {})


def test_absurd_nesting_is_a_template_error() -> None:
    with pytest.raises(TemplateError):
        validate_template("x {{ " + "(" * 5000 + "1" + ")" * 5000 + " }}")
    with pytest.raises(TemplateError, match="RecursionError"):
        render_cli("{% macro m() %}{{ m() }}{% endmacro %}x {{ m() }}", {})


# --- what a CLI template needs still works -----------------------------------------------


def test_the_allowed_building_blocks_render() -> None:
    body = (
        "{% set ns = namespace(n=0) %}"
        "{% for vlan in [service_vlan, user_vlan] if vlan is number %}{% set ns.n = ns.n + vlan %}{% endfor %}"
        "x {{ ns.n }} {{ '%04d' % onu_id }} {{ 'p-' ~ port }} {{ name|upper|replace('-', '_') }}"
        " {{ olt.get('model')|lower }} {{ serial.startswith('HWTC') }} {{ name.split('-')|last }}"
        " {{ [frame, slot, port]|join('/') }} {{ description|truncate(9, true, '') }} {{ missing|default('-') }}"
        " {{ (gemport or 1) * 2 }} {{ (3.14159|round(2)) }} {{ olt|length }} {{ olt.keys()|list|first }}"
        " {% for k, v in tr069.items() if k == 'profile_id' %}{{ k }}={{ v }}{% endfor %}"
        " {% for i in range(2) %}{{ loop.index }}{{ loop.cycle('a', 'b') }}{% endfor %}"
        " {{ dict(a=1)|length }} {{ pppoe is mapping }} {{ service_port_index is none }}"
    )
    context = sample_context("huawei_smartax", {"service_port_index": None})
    assert render_cli(body, context) == [
        "x 1100 0005 p-3 CUST_10042 ma5800-x7 True 10042 0/1/3 Jane Doe  - 2 3.14 3 name profile_id=1 1a2b 1 True True"
    ]


def test_none_still_renders_as_before() -> None:
    assert render_cli("x {{ service_port_index }}", {"service_port_index": None}) == ["x None"]


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: f"{p.parent.parent.name}/{p.stem}")
@pytest.mark.parametrize("sparse", [False, True], ids=["full", "sparse"])
def test_shipped_templates_render_exactly_as_plain_jinja_does(path: Path, sparse: bool) -> None:
    family = path.parent.parent.name
    overrides = {"pppoe": None, "service_port_index": None, "name": "", "description": ""} if sparse else {}
    context = sample_context(family, overrides)
    plain = SandboxedEnvironment(undefined=jinja2.StrictUndefined, trim_blocks=False, lstrip_blocks=True)
    body = path.read_text()
    assert render_cli(body, context) == command_lines(plain.from_string(body).render(context))
