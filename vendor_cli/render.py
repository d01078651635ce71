"""The one place that renders vendor CLI from Jinja2 templates.

Template bodies are edited by operators in System Settings and rendered for every
ONU action, so a template is treated as untrusted code:

* It sees only the context dict it is rendered with (the variables documented in
  `vendor_cli.base.TEMPLATE_CONTEXT_DOC`): plain text, numbers, None, and dicts/lists
  of those. There is no `host` or any other Python object to reach credentials from.
* It runs in a sandbox with StrictUndefined: Python internals, most methods, and all
  but a short list of filters, tests and globals are refused, and a missing variable
  is an error rather than an empty string.
* A value can never start a command of its own: every `{{ ... }}` output goes
  through `finalize`, which refuses text containing a line break or another control
  character, and anything that is not text or a number (whatever the filters). Line
  breaks come only from the template's own text: a macro, `{% call %}` or `{% set %}`
  block printed with `{{ ... }}` must render to a single line as well.
* Rendering is bounded: the template body, every value the template builds (by
  operators, `~`, filters and method calls), `range()`, the output, and the time a
  render may take are all capped (see the MAX_* constants).

Every failure, a limit included, is a `TemplateError` naming the template line
where it is known.
"""

from __future__ import annotations

import contextvars
import copy
import functools
import re
import time
from collections.abc import Callable, Generator, Iterable, Iterator, Mapping
from itertools import islice
from types import BuiltinMethodType, MethodType, TracebackType
from typing import Any, cast

import jinja2
from jinja2 import nodes
from jinja2.compiler import CodeGenerator, Frame
from jinja2.filters import (
    FILTERS,
    do_capitalize,
    do_float,
    do_int,
    do_lower,
    do_round,
    do_title,
    do_truncate,
    do_upper,
)
from jinja2.runtime import LoopContext, Macro
from jinja2.sandbox import SandboxedEnvironment, SecurityError
from jinja2.tests import TESTS
from jinja2.utils import Namespace, pass_context, pass_environment

from core.errors import DomainError

#: longest template body accepted (characters)
MAX_TEMPLATE_CHARS = 16_384
#: most characters one render may produce, and the largest text/list any template expression may build
MAX_OUTPUT_CHARS = 65_536
#: largest integer a template may compute (bits; ~1200 decimal digits)
MAX_INT_BITS = 4_096
#: numbers all the `range()` calls of one render may produce together
MAX_RANGE_ITEMS = 10_000
#: wall-clock time one render may take
MAX_RENDER_SECONDS = 0.5

#: names a template resolves itself (globals, loop/macro variables) or that must never be
#: given to a template; a context key with one of them is refused
RESERVED_CONTEXT_KEYS = frozenset({"host", "range", "dict", "namespace", "loop", "self", "caller", "varargs", "kwargs"})

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


class TemplateError(DomainError):
    """A CLI template failed to compile or render; `line` is the template line (None if unknown)."""

    status = 422

    def __init__(self, reason: str, line: int | None = None, template: str | None = None) -> None:
        self.reason, self.line, self.template = reason, line, template
        where = f"line {line}: " if line is not None else ""
        prefix = f"{template}: " if template else ""
        super().__init__(f"{prefix}{where}{reason}")

    def for_template(self, template: str) -> TemplateError:
        """The same error, naming the template it came from."""
        return TemplateError(self.reason, self.line, template)

    def extensions(self) -> dict[str, Any]:
        return {"line": self.line}


class _Refused(jinja2.TemplateRuntimeError):
    """Something a CLI template may not do or produce; the message is the reason shown to the editor."""


# --- the per-render budget ----------------------------------------------------


class _Budget:
    """What is left of one render's allowance: time and range() numbers."""

    __slots__ = ("deadline", "ticks", "range_left")

    def __init__(self) -> None:
        self.deadline = time.monotonic() + MAX_RENDER_SECONDS
        self.ticks = 0
        self.range_left = MAX_RANGE_ITEMS

    def tick(self) -> None:
        """Called once per loop iteration and per call: the only template constructs that
        repeat work. Everything between two ticks is a bounded amount of work (a bounded
        template body of operations on size-capped values; the few operations that loop
        over a large value in Python check the clock themselves, see _check_deadline), so
        checking the clock here bounds the render time. It is read every 32 ticks to keep
        this cheap.

        Why not sys.settrace: a tracer slows every Python call made during a render (Jinja's
        runtime, the sandbox), and it collides with coverage, debuggers and profilers, which
        use the same hook (chaining to them or skipping the bound would both be worse)."""
        self.ticks += 1
        if not self.ticks & 31:
            self.check_deadline()

    def check_deadline(self) -> None:
        if time.monotonic() > self.deadline:
            raise _Refused(f"template took longer than {MAX_RENDER_SECONDS:g} s to render")


_BUDGET: contextvars.ContextVar[_Budget | None] = contextvars.ContextVar("cli_render_budget", default=None)


def _check_deadline() -> None:
    """For operations that loop over a large value in Python (see _Budget.tick)."""
    budget = _BUDGET.get()
    if budget is not None:
        budget.check_deadline()


def _counted(iterable: Iterable[Any], budget: _Budget) -> Iterator[Any]:
    for item in iterable:
        budget.tick()
        yield item


class _BoundedRange:
    """`range()` for templates: at most MAX_RANGE_ITEMS numbers over all calls of one render."""

    def __call__(self, *args: int) -> range:
        numbers = range(*args)
        try:
            count = len(numbers)
        except OverflowError:
            count = MAX_RANGE_ITEMS + 1
        budget = _BUDGET.get()
        left = budget.range_left if budget is not None else MAX_RANGE_ITEMS
        if count > left:
            raise _Refused(f"range() would produce more than {MAX_RANGE_ITEMS} numbers in one render")
        if budget is not None:
            budget.range_left = left - count
        return numbers

    def __repr__(self) -> str:
        return "range"


# --- sizes --------------------------------------------------------------------

_SCALARS = (str, int, float, type(None))  # bool is an int


def _size(value: Any) -> int:
    """Roughly how many characters `value` takes (an upper bound for text and numbers)."""
    if isinstance(value, str):
        return len(value)
    if isinstance(value, bool) or value is None:
        return 5
    if isinstance(value, int):
        return value.bit_length() // 3 + 2  # octal is the longest rendering
    if isinstance(value, float):
        return 330  # '%f' of 1e308
    if isinstance(value, (list, tuple, dict)):
        items = value.items() if isinstance(value, dict) else value
        size = len(value) + sum(map(_size, items))
        if len(value) > 64:
            _check_deadline()
        return size
    return 1


def _check_size(size: int, what: str) -> None:
    if size > MAX_OUTPUT_CHARS:
        raise _Refused(f"{what} would produce {size} characters (the limit is {MAX_OUTPUT_CHARS})")


_INT_LIMIT = 1 << MAX_INT_BITS


def _check_int(value: int) -> int:
    if value.bit_length() > MAX_INT_BITS:
        raise _Refused(f"number too large (more than {MAX_INT_BITS} bits)")
    return value


def _kind(value: Any) -> str:
    return type(value).__name__


def _text(value: Any, what: str) -> str:
    """`value` as text, for filters and `~`; only text and numbers (and None) qualify."""
    if isinstance(value, str):
        return value
    if isinstance(value, int):
        return str(_check_int(value))
    if value is None or isinstance(value, float):
        return str(value)
    if isinstance(value, jinja2.Undefined):
        return str(value)  # StrictUndefined: raises "'x' is undefined"
    raise _Refused(f"{what} works on text and numbers only, not on a {_kind(value)}")


# --- the guard on every {{ ... }} output ---------------------------------------

# What str.splitlines() splits on: each would end the command on the device.
_LINE_BREAKS = frozenset("\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")
_FORBIDDEN = re.compile("[\x00-\x1f\x7f\x85\u2028\u2029]")


def _shown(text: str) -> str:
    return repr(text) if len(text) <= 60 else repr(text[:60]) + "..."


def _check_text(text: str) -> str:
    # isprintable() is a fast C check; only a value failing it is looked at closely
    # (it also fails on harmless characters such as a no-break space).
    if not text.isprintable():
        found = _FORBIDDEN.search(text)
        if found is not None:
            char = found.group()
            if char in _LINE_BREAKS:
                raise _Refused(f"value {_shown(text)} contains a line break: a CLI value cannot span lines")
            raise _Refused(
                f"value {_shown(text)} contains the control character {char!r}: a CLI value cannot contain one"
            )
    return text


@pass_context  # a context-passing finalize also stops Jinja evaluating outputs at compile time
def _finalize(context: Any, value: Any) -> str:
    """Applied to the value of every `{{ ... }}`, whatever filters it went through; the
    generated code prints what this returns (see _CliCodeGenerator._output_child_pre)."""
    kind = type(value)  # the common cases first, kept fast: bulk runs render many values
    if kind is str:
        if value.isprintable():
            return value
    elif kind is int and -_INT_LIMIT < value < _INT_LIMIT:
        return str(value)
    if isinstance(value, str):
        return _check_text(str(value))
    if isinstance(value, int):
        return str(_check_int(value))
    if value is None or isinstance(value, (float, jinja2.Undefined)):
        return str(value)  # None renders as before; an Undefined raises its own error here
    raise _Refused(f"only text and numbers can be rendered, not a {_kind(value)}")


# --- operators ----------------------------------------------------------------

_FORMAT_SPEC = re.compile(r"%(?:\(([^)]*)\))?[-#0 +]*(\*|\d+)?(?:\.(\*|\d*))?[hlL]?(.?)", re.S)


def _format(fmt: str, args: Any) -> str:
    """`fmt % args` with the result size bounded before it is built."""
    specs = keyed = 0
    estimate = len(fmt)
    for key, width, precision, conversion in _FORMAT_SPEC.findall(fmt):
        if conversion == "%":
            continue
        if "*" in (width, precision):
            raise _Refused("'*' widths are not allowed in % formatting")
        if conversion in ("r", "a"):
            raise _Refused(f"%{conversion} is not allowed in % formatting")
        if len(width) > 6 or len(precision) > 6:
            raise _Refused(f"% format width or precision too large (the limit is {MAX_OUTPUT_CHARS})")
        estimate += int(width or 0) + int(precision or 0)
        specs += 1
        keyed += bool(key)
    if isinstance(args, dict) and keyed:
        values = list(args.values())
    elif isinstance(args, tuple):
        values = list(args)
    else:
        values = [args]
    for value in values:
        if not isinstance(value, _SCALARS):
            raise _Refused(f"% formatting works on text and numbers only, not on a {_kind(value)}")
    _check_size(estimate + specs * max(map(_size, values), default=0), "% formatting")
    return fmt % args


def _check_repeat(left: Any, right: Any) -> None:
    if isinstance(left, int) and isinstance(right, int):
        if left.bit_length() + right.bit_length() > MAX_INT_BITS + 1:
            raise _Refused(f"number too large (more than {MAX_INT_BITS} bits)")
        return
    sequence, times = (left, right) if isinstance(right, int) else (right, left)
    if isinstance(sequence, (str, list, tuple)) and isinstance(times, int) and times > 0:
        _check_size(_size(sequence) * times, "'*'")


def _check_power(base: Any, exponent: Any) -> None:
    # base ** exponent has at least (bits(base) - 1) * exponent + 1 bits; a result just over
    # the limit is caught after it is computed (at most twice the limit)
    if (
        isinstance(base, int)
        and isinstance(exponent, int)
        and abs(base) > 1
        and (base.bit_length() - 1) * exponent >= MAX_INT_BITS
    ):
        raise _Refused(f"number too large (more than {MAX_INT_BITS} bits)")


def _check_add(left: Any, right: Any) -> None:
    if (isinstance(left, str) and isinstance(right, str)) or (
        isinstance(left, (list, tuple)) and isinstance(right, (list, tuple))
    ):
        _check_size(_size(left) + _size(right), "'+'")


# --- filters, tests, globals, methods -------------------------------------------


def _replace(s: Any, old: Any, new: Any, count: Any = None) -> str:
    text, old, new = _text(s, "replace"), _text(old, "replace"), _text(new, "replace")
    limit = -1 if count is None else int(count)
    hits = text.count(old)
    if limit >= 0:
        hits = min(hits, limit)
    _check_size(len(text) + hits * (len(new) - len(old)), "replace")
    return text.replace(old, new, limit)


def _join(value: Any, d: Any = "") -> str:
    separator = _text(d, "join")
    parts: list[str] = []
    total = 0
    for item in value:
        part = _text(item, "join")
        total += len(part) + len(separator)
        _check_size(total, "join")
        parts.append(part)
    _check_deadline()
    return separator.join(parts)


def _list(value: Any) -> list[Any]:
    items: list[Any] = []
    total = 0
    for item in value:
        total += 1 + _size(item)
        _check_size(total, "list")
        items.append(item)
    _check_deadline()
    return items


def _round(value: Any, precision: Any = 0, method: str = "common") -> float:
    if not isinstance(precision, int) or abs(precision) > 64:
        raise _Refused("round() precision must be a whole number between -64 and 64")
    return do_round(value, precision, method)  # type: ignore[arg-type]  # method is checked by Jinja


@pass_environment
def _truncate(
    environment: jinja2.Environment,
    s: Any,
    length: int = 255,
    killwords: bool = False,
    end: Any = "...",
    leeway: int | None = None,
) -> str:
    return do_truncate(environment, _text(s, "truncate"), length, killwords, _text(end, "truncate"), leeway)


def _text_filter(name: str, apply: Callable[[str], str]) -> Callable[[Any], str]:
    def text_filter(value: Any) -> str:
        result = apply(_text(value, name))
        _check_size(len(result), name)  # case changes can lengthen text ('ß'.upper() == 'SS')
        _check_deadline()
        return result

    return text_filter


def _trim(value: Any, chars: Any = None) -> str:
    return _text(value, "trim").strip(None if chars is None else _text(chars, "trim"))


def _int(value: Any, default: int = 0, base: int = 10) -> int:
    return _check_int(do_int(value, default, base))


#: the filters a CLI template can use; anything else is "No filter named ..."
ALLOWED_FILTERS: dict[str, Callable[..., Any]] = {
    "default": FILTERS["default"],
    "d": FILTERS["default"],
    "int": _int,
    "float": do_float,
    "string": lambda value: _text(value, "string"),
    "lower": _text_filter("lower", do_lower),
    "upper": _text_filter("upper", do_upper),
    "title": _text_filter("title", do_title),
    "capitalize": _text_filter("capitalize", do_capitalize),
    "trim": _trim,
    "truncate": _truncate,
    "replace": _replace,
    "join": _join,
    "length": len,
    "count": len,
    "first": FILTERS["first"],
    "last": FILTERS["last"],
    "min": FILTERS["min"],
    "max": FILTERS["max"],
    "list": _list,
    "abs": abs,
    "round": _round,
}

#: the tests a CLI template can use (`x is defined`, `x is not none`, ...)
ALLOWED_TESTS: dict[str, Callable[..., Any]] = {
    name: cast(Callable[..., Any], TESTS[name])
    for name in (
        "defined", "undefined", "none", "boolean", "true", "false", "integer", "float", "number", "string",
        "mapping", "sequence", "iterable", "odd", "even", "divisibleby", "sameas", "in",
        "==", "eq", "equalto", "!=", "ne", "<", "lt", "lessthan", "<=", "le", ">", "gt", "greaterthan", ">=", "ge",
    )
}  # fmt: skip

#: methods a template can call on a value; nothing else (no ljust/center/zfill/format/join ...)
ALLOWED_STR_METHODS = frozenset(
    {"lower", "upper", "title", "strip", "lstrip", "rstrip", "startswith", "endswith", "split", "isdigit"}
)
ALLOWED_DICT_METHODS = frozenset({"get", "items", "keys", "values"})
_LOOP_METHODS = frozenset({"cycle", "changed"})


# --- the environment ------------------------------------------------------------


class _CliCodeGenerator(CodeGenerator):
    """Jinja's code generator with the few changes that bound a CLI template."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._loop_iterables: set[int] = set()  # id() of the `x` of each `{% for ... in x %}`

    def visit_For(self, node: nodes.For, frame: Frame) -> None:
        # Jinja allows no custom node types, so the loop's iterable is marked and
        # wrapped when it is written (see visit): every iteration is counted.
        self._loop_iterables.add(id(node.iter))
        super().visit_For(node, frame)

    def visit(self, node: nodes.Node, *args: Any, **kwargs: Any) -> Any:
        if id(node) not in self._loop_iterables:
            return super().visit(node, *args, **kwargs)
        self.write("environment.iterate(")
        super().visit(node, *args, **kwargs)
        self.write(")")
        return None

    # Every `{{ ... }}` compiles to `environment.finalize(context, <value>)`, which returns
    # the text to print (Jinja writes `str(environment.finalize(context, <value>))`).
    def _output_child_pre(self, node: nodes.Expr, frame: Frame, finalize: Any) -> None:
        if frame.eval_ctx.volatile or frame.eval_ctx.autoescape or finalize.src is None:
            super()._output_child_pre(node, frame, finalize)
        else:
            self.write(finalize.src)

    def _output_child_post(self, node: nodes.Expr, frame: Frame, finalize: Any) -> None:
        if frame.eval_ctx.volatile or frame.eval_ctx.autoescape or finalize.src is None:
            super()._output_child_post(node, frame, finalize)
        else:
            self.write(")")

    def visit_CallBlock(self, node: nodes.CallBlock, frame: Frame) -> None:
        # As Jinja's, with the result checked like any `{{ ... }}`: `{% call x() %}` prints
        # what x returns, which must be a macro's one-line text (not e.g. a dict).
        call_frame, macro_ref = self.macro_body(node, frame)
        self.writeline("caller = ")
        self.macro_def(macro_ref, call_frame)
        self.start_write(frame, node)
        self.write("environment.call_block_text(")
        self.visit_Call(node.call, frame, forward_caller=True)
        self.write(")")
        self.end_write(frame)

    def visit_Concat(self, node: nodes.Concat, frame: Frame) -> None:
        # `a ~ b`: Jinja's str_join, with the result size checked before it is built
        self.write("environment.join_text((")
        for arg in node.nodes:
            self.visit(arg, frame)
            self.write(", ")
        self.write("))")

    # Filter blocks would apply a filter to text that never went through finalize, and
    # autoescape blocks change how text is joined; neither is needed to write CLI.
    def visit_FilterBlock(self, node: nodes.FilterBlock, frame: Frame) -> None:
        self.fail("{% filter %} blocks are not allowed in CLI templates", node.lineno)

    def visit_ScopedEvalContextModifier(self, node: nodes.ScopedEvalContextModifier, frame: Frame) -> None:
        self.fail("{% autoescape %} blocks are not allowed in CLI templates", node.lineno)

    def visit_EvalContextModifier(self, node: nodes.EvalContextModifier, frame: Frame) -> None:
        self.fail("{% autoescape %} blocks are not allowed in CLI templates", node.lineno)

    def _no_other_templates(self, node: nodes.Node) -> None:
        self.fail("a CLI template cannot extend, include or import other templates", node.lineno)

    def visit_Extends(self, node: nodes.Extends, frame: Frame) -> None:
        self._no_other_templates(node)

    def visit_Include(self, node: nodes.Include, frame: Frame) -> None:
        self._no_other_templates(node)

    def visit_Import(self, node: nodes.Import, frame: Frame) -> None:
        self._no_other_templates(node)

    def visit_FromImport(self, node: nodes.FromImport, frame: Frame) -> None:
        self._no_other_templates(node)


class _CliEnvironment(SandboxedEnvironment):
    """The sandbox, narrowed to what a CLI template needs, with every way of building a
    large value bounded. Compiles each template body once: bulk runs render the same few
    bodies thousands of times."""

    code_generator_class = _CliCodeGenerator
    intercepted_binops = frozenset({"*", "**", "+", "-", "%"})  # "-" only for the result size check

    def __init__(self) -> None:
        # trim_blocks stays off: it eats the newline after a block tag, so a line
        # ending in `{% endif %}` would be glued to the next command. Rendering is
        # line-oriented and drops blank lines, so tag-only lines cost nothing.
        # optimized=False: nothing is evaluated at compile time, where no limit applies.
        super().__init__(
            undefined=jinja2.StrictUndefined, trim_blocks=False, lstrip_blocks=True, autoescape=False,
            finalize=_finalize, optimized=False,
        )  # fmt: skip
        self.globals.clear()
        self.globals.update(range=_BoundedRange(), dict=dict, namespace=Namespace)
        self.filters = dict(ALLOWED_FILTERS)
        self.tests = dict(ALLOWED_TESTS)

    @functools.lru_cache(maxsize=256)  # noqa: B019 - one environment per process, bodies are small
    def _compiled(self, source: str) -> jinja2.Template:
        return super().from_string(source)

    def from_string(self, source, globals=None, template_class=None):
        if globals is None and template_class is None and isinstance(source, str):
            return self._compiled(source)
        return super().from_string(source, globals, template_class)

    # -- what a template may touch and call

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        if attr.startswith("_"):
            return False
        if isinstance(obj, str):
            return attr in ALLOWED_STR_METHODS
        if isinstance(obj, dict):
            return attr in ALLOWED_DICT_METHODS
        if isinstance(obj, (LoopContext, Namespace)):
            return super().is_safe_attribute(obj, attr, value)
        return False

    def is_safe_callable(self, obj: Any) -> bool:
        if isinstance(obj, (Macro, LoopContext, _BoundedRange)) or obj is dict or obj is Namespace:
            return True
        if isinstance(obj, (BuiltinMethodType, MethodType)):
            owner, name = obj.__self__, obj.__name__
            if isinstance(owner, str):
                return name in ALLOWED_STR_METHODS
            if isinstance(owner, dict):
                return name in ALLOWED_DICT_METHODS
            if isinstance(owner, LoopContext):
                return name in _LOOP_METHODS
        return False

    def wrap_str_format(self, value: Any) -> None:
        return None  # str.format/format_map are simply not allowed (see is_safe_attribute)

    def call(self, context: jinja2.runtime.Context, obj: Any, /, *args: Any, **kwargs: Any) -> Any:
        budget = _BUDGET.get()
        if budget is not None:
            budget.tick()
        if isinstance(obj, jinja2.Undefined):
            obj()  # raises its own error: "'x' is undefined", "access to attribute 'ljust' ... is unsafe"
        if not self.is_safe_callable(obj):
            raise SecurityError(f"a {_kind(obj)} cannot be called in a CLI template")
        if isinstance(obj, LoopContext) and args:  # loop(children) in a recursive loop
            args = (self.iterate(args[0]), *args[1:])
        result = context.call(obj, *args, **kwargs)
        if isinstance(result, (str, list)):
            _check_size(_size(result), f"{getattr(obj, '__name__', 'call')}()")
        return result

    # -- bounded building blocks the generated code calls

    def call_binop(self, context: jinja2.runtime.Context, operator: str, left: Any, right: Any) -> Any:
        if operator == "*":
            _check_repeat(left, right)
        elif operator == "**":
            _check_power(left, right)
        elif operator == "+":
            _check_add(left, right)
        elif operator == "%" and isinstance(left, str):
            return _format(left, right)
        result = self.binop_table[operator](left, right)
        if isinstance(result, int):
            _check_int(result)
        return result

    def call_block_text(self, value: Any) -> str:
        if not isinstance(value, str):
            raise _Refused(f"{{% call %}} must call a macro; this one gave a {_kind(value)}")
        return _check_text(value)

    def join_text(self, parts: tuple[Any, ...]) -> str:
        texts = [_text(part, "'~'") for part in parts]
        _check_size(sum(map(len, texts)), "'~'")
        return "".join(texts)

    def concat(self, parts: Iterable[str]) -> str:
        """Joins the output of a macro or a `{% set %}` block."""
        parts = parts if isinstance(parts, list) else list(parts)
        _check_size(sum(map(len, parts)), "a block")
        return "".join(parts)

    def iterate(self, iterable: Any) -> Any:
        budget = _BUDGET.get()
        return iterable if budget is None else _counted(iterable, budget)


@functools.lru_cache(maxsize=1)
def cli_environment() -> SandboxedEnvironment:
    return _CliEnvironment()


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


def render_cli(body: str, context: Mapping[str, Any]) -> list[str]:
    """Render `body` with `context` (nothing else is visible to the template) into CLI command lines."""
    return command_lines(_render(body, _checked_context(context)))


def _render(body: str, context: dict[str, Any]) -> str:
    _check_body(body)
    try:
        template = cli_environment().from_string(body)
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateError(_with_hint(exc.message or "syntax error"), exc.lineno) from exc
    except Exception as exc:  # e.g. a numeric literal too long to parse
        raise TemplateError(_describe(exc)) from exc
    token = _BUDGET.set(_Budget())
    try:
        return _collect(cast(Generator[str, None, None], template.generate(context)))
    except Exception as exc:  # a template can raise anything (undefined, sandbox, limits, 1/0, bad filter args)
        raise TemplateError(_describe(exc), _template_line(exc.__traceback__)) from exc
    finally:
        _BUDGET.reset(token)


def _collect(stream: Generator[str, None, None]) -> str:
    """The rendered text, at most MAX_OUTPUT_CHARS of it. A refusal is thrown into the
    template, so that the error names the line being rendered."""
    # Read in batches to keep the per-chunk cost in C. A chunk is template text, a context
    # value or a size-capped value the template built, so a batch overshoots the limit
    # by a bounded amount before it is refused.
    parts: list[str] = []
    total = 0
    while batch := list(islice(stream, 64)):
        try:
            text = "".join(batch)
        except TypeError:  # e.g. {% call dict() %}{% endcall %} yields the dict itself
            odd = next(chunk for chunk in batch if not isinstance(chunk, str))
            stream.throw(_Refused(f"only text and numbers can be rendered, not a {_kind(odd)}"))
            raise
        total += len(text)
        if total > MAX_OUTPUT_CHARS:
            refusal = _Refused(f"template output is longer than {MAX_OUTPUT_CHARS} characters")
            stream.throw(refusal)
            raise refusal  # only if the template swallowed it
        parts.append(text)
    return "".join(parts)


def _check_body(body: str) -> None:
    if len(body) > MAX_TEMPLATE_CHARS:
        raise TemplateError(f"template is {len(body)} characters long (the limit is {MAX_TEMPLATE_CHARS})")


def _checked_context(context: Mapping[str, Any]) -> dict[str, Any]:
    reserved = RESERVED_CONTEXT_KEYS & set(context)
    if reserved:
        raise TemplateError(f"context uses reserved name(s): {', '.join(sorted(reserved))}")
    checked = dict(context)
    if not _is_plain(checked, 0):
        raise TemplateError(_plain_problem(checked, "", 0) or "context is not plain data")
    return checked


# Only plain data reaches a template: a Python object could hand it more than its value.
_SCALAR_TYPES = frozenset({str, int, float, bool, type(None)})
_MAX_CONTEXT_DEPTH = 8


def _is_plain(value: Any, depth: int) -> bool:
    kind = type(value)
    if kind in _SCALAR_TYPES:
        return True
    if depth > _MAX_CONTEXT_DEPTH:
        return False
    if kind is dict:
        for key, item in value.items():
            if not isinstance(key, str) or (type(item) not in _SCALAR_TYPES and not _is_plain(item, depth + 1)):
                return False
        return True
    if kind is list or kind is tuple:
        return all(type(item) in _SCALAR_TYPES or _is_plain(item, depth + 1) for item in value)
    return isinstance(value, _SCALARS)  # e.g. a StrEnum member


def _plain_problem(value: Any, path: str, depth: int) -> str | None:
    """Why `value` (at `path` in the context) is not plain data, None if it is."""
    if _is_plain(value, depth):
        return None
    if depth > _MAX_CONTEXT_DEPTH:
        return f"context value {path!r} is nested too deeply"
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                return f"context name {key!r}{f' in {path!r}' if path else ''} is not text"
            problem = _plain_problem(item, f"{path}.{key}" if path else key, depth + 1)
            if problem:
                return problem
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            problem = _plain_problem(item, f"{path}[{index}]", depth + 1)
            if problem:
                return problem
    return (
        f"context value {path!r} is a {_kind(value)}: a template can only be given text, numbers, "
        "None and lists/dicts of those"
    )


def command_lines(text: str) -> list[str]:
    """One command per line; blank lines and '!' comment lines are dropped."""
    lines = (line.rstrip() for line in text.splitlines())
    return [line for line in lines if line.strip() and not line.lstrip().startswith("!")]


def validate_template(body: str, family: str | None = None) -> None:
    """Raise TemplateError unless `body` compiles and renders to at least one
    command, both with the full sample context and with its optional values empty."""
    _check_body(body)
    try:
        cli_environment().parse(body)
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateError(exc.message or "syntax error", exc.lineno) from exc
    except Exception as exc:  # e.g. RecursionError on absurdly nested expressions
        raise TemplateError(_describe(exc)) from exc
    for label, overrides in (("", {}), (" (sample without PPPoE/name)", _SPARSE_OVERRIDES)):
        try:
            commands = render_cli(body, sample_context(family, overrides))
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
        return _with_hint(exc.message or type(exc).__name__)
    return f"{type(exc).__name__}: {exc}"


def _with_hint(reason: str) -> str:
    """Jinja's "No filter named 'x'" (at compile or, inside a block, at render time), with the allowed ones."""
    if reason.startswith("No filter named"):
        return f"{reason} Allowed filters: {', '.join(sorted(ALLOWED_FILTERS))}"
    if reason.startswith("No test named"):
        return f"{reason} Allowed tests: {', '.join(sorted(n for n in ALLOWED_TESTS if n.isidentifier()))}"
    return reason


def _template_line(tb: TracebackType | None) -> int | None:
    # jinja2 rewrites tracebacks so that template frames carry the template's
    # file name ('<template>' for from_string) and its line; take the innermost.
    line = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == "<template>":
            line = tb.tb_lineno
        tb = tb.tb_next
    return line
