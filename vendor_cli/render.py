"""The one place that renders vendor CLI from Jinja2 templates.

Templates are rendered through nornir-jinja2 in a sandboxed environment with
StrictUndefined, so a template can neither reach Python internals nor silently
render a missing variable as an empty string. The variables a template can use
are documented in `vendor_cli.base.TEMPLATE_CONTEXT_DOC`.
"""

from __future__ import annotations

import copy
import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import Any

import jinja2
from jinja2.sandbox import SandboxedEnvironment
from nornir.core.inventory import Host
from nornir_jinja2.plugins.tasks import template_string

#: keyword names template_string() takes itself; a context key with one of these names would collide
RESERVED_CONTEXT_KEYS = frozenset({"task", "template", "jinja_filters", "jinja_env", "host"})

# A realistic context covering every variable in TEMPLATE_CONTEXT_DOC, used for
# previews and to validate edited templates before they are stored.
SAMPLE_CONTEXT: dict[str, Any] = {
    "olt": {"name": "olt-sample-01", "model": "MA5800-X7", "family": "huawei_smartax"},
    "frame": 0,
    "slot": 1,
    "port": 3,
    "onu_id": 5,
    "serial": "HWTC11E70E9A",
    "serial_hex": "4857544311E70E9A",
    "name": "cust-10042",
    "description": "Jane Doe Main St 12",
    "onu_type": "ZTE-F660",
    "line_profile": "FTTH-100M",
    "line_profile_id": 10,
    "service_profile": "HG8245H",
    "service_profile_id": 20,
    "tcont_profile": "T-100M",
    "traffic_profile_up": "UP-100M",
    "traffic_profile_down": "DOWN-100M",
    "gemport": 1,
    "service_vlan": 1000,
    "user_vlan": 100,
    "service_port_index": 1205,
    "tr069": {
        "acs_url": "http://acs.example.net:7547",
        "username": "acs-user",
        "password": "acs-secret",
        "profile_id": 1,
    },
    "pppoe": {"username": "jane.doe@isp.example", "password": "pppoe-secret"},
    "new": {
        "serial": "ZTEGC0FFEE01",
        "serial_hex": "5A544547C0FFEE01",
        "frame": 0,
        "slot": 2,
        "port": 7,
        "onu_id": 9,
    },
}

# What the sample looks like on each family's OLTs (ZTE numbers racks from 1).
_FAMILY_SAMPLE: dict[str, dict[str, Any]] = {
    "huawei_smartax": {"model": "MA5800-X7", "frame": 0},
    "zte_c3xx": {"model": "C320", "frame": 1},
    "zte_c6xx": {"model": "C600", "frame": 1},
}

# Optional values that are None/empty for many real ONUs (no PPPoE, no reserved
# service-port index, no name): a template must also render for those.
_SPARSE_OVERRIDES: dict[str, Any] = {"pppoe": None, "service_port_index": None, "name": "", "description": ""}


class TemplateError(RuntimeError):
    """A CLI template failed to compile or render; `line` is the template line (None if unknown)."""

    def __init__(self, reason: str, line: int | None = None, template: str | None = None) -> None:
        self.reason, self.line, self.template = reason, line, template
        where = f"line {line}: " if line is not None else ""
        prefix = f"{template}: " if template else ""
        super().__init__(f"{prefix}{where}{reason}")

    def for_template(self, template: str) -> TemplateError:
        """The same error, naming the template it came from."""
        return TemplateError(self.reason, self.line, template)


@dataclass(frozen=True)
class _TaskShim:
    """template_string() only reads `task.host`; a full nornir Task is not needed to render."""

    host: Host | None


class _CompilingCache(SandboxedEnvironment):
    """Compiles each template body once: bulk runs render the same few bodies thousands of times."""

    @functools.lru_cache(maxsize=256)  # noqa: B019 - one environment per process, bodies are small
    def _compiled(self, source: str) -> jinja2.Template:
        return super().from_string(source)

    def from_string(self, source, globals=None, template_class=None):
        if globals is None and template_class is None and isinstance(source, str):
            return self._compiled(source)
        return super().from_string(source, globals, template_class)


@functools.lru_cache(maxsize=1)
def cli_environment() -> SandboxedEnvironment:
    # trim_blocks stays off: it eats the newline after a block tag, so a line
    # ending in `{% endif %}` would be glued to the next command. Rendering is
    # line-oriented and drops blank lines, so tag-only lines cost nothing.
    return _CompilingCache(undefined=jinja2.StrictUndefined, trim_blocks=False, lstrip_blocks=True)


def sample_context(family: str | None = None, overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """A fresh copy of SAMPLE_CONTEXT, adapted to `family`, with `overrides` merged on top."""
    context = copy.deepcopy(SAMPLE_CONTEXT)
    if family in _FAMILY_SAMPLE:
        shape = _FAMILY_SAMPLE[family]
        context["olt"].update(family=family, model=shape["model"])
        context["frame"] = context["new"]["frame"] = shape["frame"]
    return merge_context(context, overrides)


def merge_context(base: Mapping[str, Any], overrides: Mapping[str, Any] | None) -> dict[str, Any]:
    """`base` with `overrides` on top; a dict override of a dict (e.g. {"tr069": {"acs_url": ""}})
    changes only the keys it names, any other value (None included) replaces."""
    merged = dict(base)
    for key, value in (overrides or {}).items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = {**merged[key], **value}
        else:
            merged[key] = value
    return merged


def render_cli(host: Host | None, body: str, context: Mapping[str, Any]) -> list[str]:
    """Render `body` for `host` (None for previews) into CLI command lines."""
    reserved = RESERVED_CONTEXT_KEYS & set(context)
    if reserved:
        raise TemplateError(f"context uses reserved name(s): {', '.join(sorted(reserved))}")
    try:
        result = template_string(task=_TaskShim(host), template=body, jinja_env=cli_environment(), **context)
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateError(exc.message or "syntax error", exc.lineno) from exc
    except Exception as exc:  # a template can raise anything (undefined, sandbox, 1/0, bad filter args)
        raise TemplateError(_describe(exc), _template_line(exc.__traceback__)) from exc
    return command_lines(result.result)


def command_lines(text: str) -> list[str]:
    """One command per line; blank lines and '!' comment lines are dropped."""
    lines = (line.rstrip() for line in text.splitlines())
    return [line for line in lines if line.strip() and not line.lstrip().startswith("!")]


def validate_template(body: str, family: str | None = None) -> None:
    """Raise TemplateError unless `body` compiles and renders to at least one
    command, both with the full sample context and with its optional values empty."""
    try:
        cli_environment().parse(body)
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateError(exc.message or "syntax error", exc.lineno) from exc
    for label, overrides in (("", {}), (" (sample without PPPoE/name)", _SPARSE_OVERRIDES)):
        try:
            commands = render_cli(None, body, sample_context(family, overrides))
        except TemplateError as exc:
            raise TemplateError(exc.reason + label, exc.line) from exc
        if not commands:
            raise TemplateError("template renders no commands" + label)


_UNSAFE_CHARS = re.compile(r"[\"'`?\x00-\x1f\x7f]")
_SPACES = re.compile(r"\s+")


def cli_safe(text: str | None, max_length: int | None = None) -> str:
    """Free text (ONU name, description) made safe to put into a CLI command.

    The OMS calls this when it builds the template context, so templates can use
    `name`/`description` as they are. Quotes would end a quoted argument, a
    newline or control character would end the command (a second command could
    be injected), and `?` opens the CLI's inline help on Huawei and ZTE.
    """
    cleaned = _SPACES.sub(" ", _UNSAFE_CHARS.sub(" ", text or "")).strip()
    return cleaned[:max_length].rstrip() if max_length else cleaned


def _describe(exc: Exception) -> str:
    if isinstance(exc, jinja2.TemplateError):
        return exc.message or type(exc).__name__
    return f"{type(exc).__name__}: {exc}"


def _template_line(tb: TracebackType | None) -> int | None:
    # jinja2 rewrites tracebacks so that template frames carry the template's
    # file name ('<template>' for from_string) and its line; take the innermost.
    line = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == "<template>":
            line = tb.tb_lineno
        tb = tb.tb_next
    return line
