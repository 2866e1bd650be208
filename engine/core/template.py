"""Message text templates: `{{ person.first_name|default("friend") }}`, `{{ variables.city }}`.

Jinja2's ImmutableSandboxedEnvironment, hardened for text written by marketers and shown to end users:

- Plain text out: autoescape is off (the inbox escapes what it shows); a missing name, attribute or key
  renders as "" (lenient undefined), and `default` also replaces None and blank strings.
- The sandbox refuses `__class__`-style attributes and calls that mutate; on top of it only the
  constructs a message needs are allowed (`{% if %}`, `{% for %}`, `{% set %}` and expressions):
  macros, call blocks, imports, includes and blocks are reported as template errors.
- Work and size are bounded, so hostile input cannot hang a worker or exhaust memory: `range()` yields
  at most MAX_RANGE items, all loops of one render together at most MAX_LOOP_ITERATIONS, and every
  operation that can build a long text or a large number works out the size of its result first and
  refuses (LimitExceeded) beyond MAX_OUTPUT characters or MAX_INT_BITS bits, before building it:
  `*`, `**`, `+`, `~`, `%` formatting, `str.format`/`format_map` (widths, precisions), the str and bytes
  methods that pad, repeat or join (`ljust`, `center`, `zfill`, `expandtabs`, `replace`, `join`,
  `translate`, ...), `int.to_bytes`, the filters `join`, `sum`, `tojson`, `round`, and printing a list or
  dict, whose text can be far longer than its memory (`[[s] * 100] * 100`). The constant parts of a
  template are evaluated with the same checks by `check()`, so `'a'.ljust(500000000)` is refused when the
  text is saved. The rendered text is cut at MAX_OUTPUT characters.

Pure Python (Jinja2 is not Django), so engine/core stays free of Django.
"""

from __future__ import annotations

import contextvars
import functools
import types
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from jinja2 import ChainableUndefined, Undefined, nodes, pass_environment, pass_eval_context
from jinja2.exceptions import TemplateSyntaxError
from jinja2.filters import FILTERS, do_round, do_tojson, make_attrgetter, sync_do_join, sync_do_sum
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.utils import _PassArg
from jinja2.visitor import NodeTransformer

from engine.core.template_limits import (
    MAX_DIGITS,
    MAX_INT_BITS,
    MAX_LOOP_ITERATIONS,
    MAX_OUTPUT,
    MAX_RANGE,
    LimitExceeded,
    SizedFormatter,
    TemplateError,
    as_text,
    check_size,
    json_len,
    printf_len,
    size_of,
    text_len,
    too_long,
)

# Filters a message text may use. Each runs in time and space linear in its input, or is wrapped below so
# that it refuses a result beyond MAX_OUTPUT before building it.
ALLOWED_FILTERS = (
    "abs capitalize count default d first float int join last length list lower max min reverse round "
    "sort string sum title trim truncate unique upper wordcount tojson urlencode"
).split()
# Filters that turn their input into text (a list or dict prints as its repr).
_TEXT_FILTERS = "capitalize lower upper title trim wordcount string urlencode".split()
# Statements a message text may use; anything else is a template error.
_FORBIDDEN_NODES: dict[type[nodes.Node], str] = {
    nodes.Macro: "{% macro %}",
    nodes.CallBlock: "{% call %}",
    nodes.Import: "{% import %}",
    nodes.FromImport: "{% from ... import %}",
    nodes.Include: "{% include %}",
    nodes.Extends: "{% extends %}",
    nodes.Block: "{% block %}",
    nodes.FilterBlock: "{% filter %}",
    nodes.AssignBlock: "{% set %}...{% endset %}",
    nodes.With: "{% with %}",
}


class _Lenient(ChainableUndefined):
    """Missing names, attributes and keys render as "", however deep (`variables.a.b.c`), even called."""

    __slots__ = ()

    def __call__(self, *args: Any, **kwargs: Any) -> _Lenient:
        return self


def _is_blank(value: object) -> bool:
    return (
        value is None
        or isinstance(value, ChainableUndefined)
        or (isinstance(value, str) and not value.strip())
    )


def _default(value: object, default_value: object = "", boolean: bool = False) -> object:
    # Jinja's own `default` only replaces undefined; a person whose first name is "" would get "".
    if _is_blank(value) or (boolean and not value):
        return default_value
    return value


# --- Calls, operators and filters that build text or numbers ------------------------------------------

_WIDTH_METHODS = frozenset({"center", "ljust", "rjust", "zfill"})


def _translated_len(text: str, table: Any) -> int:
    total = 0
    for char, count in Counter(text).items():
        try:
            mapped = table[ord(char)]
        except LookupError:
            mapped = char
        except Exception:
            return 0  # the real call fails the same way
        total += count * (len(mapped) if isinstance(mapped, str) else mapped is not None)
    return total


def _precheck_call(func: Any, args: tuple, kwargs: dict) -> tuple:
    """Refuse a call of a str, bytes or int method whose result would be too long, before it runs.

    Returns the arguments to call it with (an iterator given to `join` is read once, here).
    """
    owner = getattr(func, "__self__", None)
    name = getattr(func, "__name__", "")
    if isinstance(owner, str | bytes | bytearray):
        size = len(owner)
        if name in _WIDTH_METHODS and args and isinstance(args[0], int):
            size = max(size, args[0])
        elif name == "expandtabs":
            tabsize = args[0] if args else kwargs.get("tabsize", 8)
            if isinstance(tabsize, int):
                size += owner.count("\t" if isinstance(owner, str) else b"\t") * max(tabsize - 1, 0)
        elif name == "replace" and len(args) >= 2 and all(isinstance(a, type(owner[:0])) for a in args[:2]):
            old, new = args[0], args[1]
            count = args[2] if len(args) > 2 else kwargs.get("count", -1)
            hits = owner.count(old) if old else len(owner) + 1
            if isinstance(count, int) and count >= 0:
                hits = min(hits, count)
            size += hits * (len(new) - len(old))
        elif name == "join" and args:
            items = args[0] if isinstance(args[0], list | tuple) else list(args[0])
            args = (items, *args[1:])
            size = len(owner) * max(len(items) - 1, 0)
            for item in items:
                size += size_of(item)
                if size > MAX_OUTPUT:
                    break
            if size > MAX_OUTPUT:
                raise too_long("join()")
        elif name == "translate" and isinstance(owner, str) and args:
            size = _translated_len(owner, args[0])
        if size > max(MAX_OUTPUT, len(owner)):
            raise too_long(f"{name}()")
    elif isinstance(owner, int) and name == "to_bytes":
        length = args[0] if args else kwargs.get("length", 1)
        if isinstance(length, int) and length > MAX_OUTPUT:
            raise too_long("to_bytes()")
    return args


def _check_growth(result: Any, source_len: int, what: str) -> Any:
    # For what grows a text by a bounded factor (upper, encode, urlencode, ...): checked after the fact.
    if size_of(result) > max(MAX_OUTPUT, source_len + 1):
        raise too_long(what)
    return result


def _check_result(func: Any, result: Any) -> Any:
    owner = getattr(func, "__self__", None)
    if isinstance(owner, str | bytes | bytearray):
        return _check_growth(result, len(owner), f"{getattr(func, '__name__', '')}()")
    return result


def _precheck_binop(operator: str, left: Any, right: Any) -> None:
    # Refuse before computing: `'x' * 10**9` or `9**9**9` would exhaust memory or time first.
    if operator == "**" and isinstance(left, int) and isinstance(right, int):
        if right > 0 and max(left.bit_length(), 1) * right > MAX_INT_BITS:
            raise LimitExceeded("A number in a message text is too large")
    if operator == "*":
        for seq, times in ((left, right), (right, left)):
            if isinstance(times, int) and size_of(seq) * max(times, 0) > MAX_OUTPUT:
                raise LimitExceeded(f"A text or list in a message may be at most {MAX_OUTPUT} long")
        if isinstance(left, int) and isinstance(right, int):
            if left.bit_length() + right.bit_length() > MAX_INT_BITS:
                raise LimitExceeded("A number in a message text is too large")
    if operator == "+" and size_of(left) + size_of(right) > MAX_OUTPUT:
        raise LimitExceeded(f"A text or list in a message may be at most {MAX_OUTPUT} long")
    if operator == "%" and isinstance(left, str | bytes | bytearray):
        if printf_len(left, right) > MAX_OUTPUT:
            raise too_long("% formatting")


def _concat(parts: tuple) -> str:
    # `a ~ b`: each part is measured (a list prints as its repr) before anything is joined.
    total = 0
    for part in parts:
        total += text_len(part, MAX_OUTPUT - total)
        if total > MAX_OUTPUT:
            raise LimitExceeded(f"A text or list in a message may be at most {MAX_OUTPUT} long")
    return "".join(map(str, parts))


def _finalize(value: Any) -> Any:
    # `{{ value }}`: a list or dict is printed as its repr, which can be far longer than its memory.
    if not isinstance(value, str) and text_len(value) > MAX_OUTPUT:
        raise LimitExceeded(f"A value in a message would print as more than {MAX_OUTPUT} characters")
    return value


def _replace(value: object, old: object, new: object, count: int | None = None) -> str:
    text, old_s, new_s = as_text(value, "replace"), as_text(old, "replace"), as_text(new, "replace")
    hits = text.count(old_s) if count is None else min(count, text.count(old_s))
    if len(text) + hits * (len(new_s) - len(old_s)) > MAX_OUTPUT:
        raise LimitExceeded(f"replace would make a text longer than {MAX_OUTPUT} characters")
    return text.replace(old_s, new_s, -1 if count is None else count)


def _text_filter(name: str, func: Callable[..., Any]) -> Callable[..., Any]:
    # A filter that prints its input (a list or dict as its repr): measured first, result checked after.
    @functools.wraps(func)
    def wrapper(value: Any, *args: Any, **kwargs: Any) -> Any:
        if not isinstance(value, str) and text_len(value) > MAX_OUTPUT:
            raise too_long(name)
        return _check_growth(func(value, *args, **kwargs), size_of(value), name)

    return wrapper


def _checked_filter(func: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return check_size(func(*args, **kwargs))

    return wrapper


def _items(environment: Any, value: Iterable, attribute: str | int | None) -> list:
    items = list(value)
    if attribute is not None:
        items = list(map(make_attrgetter(environment, attribute), items))
    return items


@pass_eval_context
def _join(eval_ctx: nodes.EvalContext, value: Iterable, d: object = "", attribute: Any = None) -> str:
    items = _items(eval_ctx.environment, value, attribute)
    separator = text_len(d)  # printed even when there is nothing to separate
    total = separator if separator > MAX_OUTPUT else separator * max(len(items) - 1, 0)
    for item in items:
        if total > MAX_OUTPUT:
            break
        total += text_len(item, MAX_OUTPUT - total)
    if total > MAX_OUTPUT:
        raise too_long("join")
    return sync_do_join(eval_ctx, items, d)


@pass_environment
def _sum(environment: Any, iterable: Iterable, attribute: Any = None, start: Any = 0) -> Any:
    items = _items(environment, iterable, attribute)
    if size_of(start) + sum(map(size_of, items)) > MAX_OUTPUT:
        raise LimitExceeded(f"A text or list in a message may be at most {MAX_OUTPUT} long")
    if type(start) in (list, tuple) and all(type(item) is type(start) for item in items):
        # What sum() gives, in linear time: sum() copies the growing list once per item.
        joined = list(start)
        for item in items:
            joined.extend(item)
        return joined if type(start) is list else tuple(joined)
    return check_size(sync_do_sum(environment, items, start=start))


@pass_eval_context
def _tojson(eval_ctx: nodes.EvalContext, value: Any, indent: Any = None) -> str:
    if json_len(value, indent) > MAX_OUTPUT:
        raise too_long("tojson")
    return str(do_tojson(eval_ctx, value, indent))  # plain text: no Markup (and its escaping) in a message


def _round(value: Any, precision: Any = 0, method: str = "common") -> Any:
    # round(5, -10**9) and the ceil/floor methods compute 10 ** precision.
    if isinstance(precision, int) and abs(precision) > MAX_DIGITS:
        raise LimitExceeded("round() precision is too large")
    return do_round(value, precision, method)


def _range(*args: int) -> range:
    numbers = range(*args)
    if len(numbers) > MAX_RANGE:
        raise LimitExceeded(f"range() may give at most {MAX_RANGE} numbers")
    return numbers


_budget: contextvars.ContextVar[list[int]] = contextvars.ContextVar("template_loop_budget")


def _loop_budget(iterable: Iterable) -> Iterator:
    budget = _budget.get()
    for item in iterable:
        budget[0] -= 1
        if budget[0] < 0:
            raise LimitExceeded(f"The loops of one message may run at most {MAX_LOOP_ITERATIONS} times")
        yield item


class _Environment(ImmutableSandboxedEnvironment):
    intercepted_binops = frozenset({"*", "**", "+", "%"})

    def getattr(self, obj: Any, attribute: str) -> Any:
        # `variables.items` is the variable named "items", not dict.items: keys win over methods.
        if isinstance(obj, dict) and attribute in obj:
            return obj[attribute]
        return super().getattr(obj, attribute)

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        _precheck_binop(operator, left, right)
        return super().call_binop(context, operator, left, right)

    def call(self, context: Any, obj: Any, /, *args: Any, **kwargs: Any) -> Any:
        own = {k: v for k, v in kwargs.items() if k not in ("_loop_vars", "_block_vars")}
        args = _precheck_call(obj, args, own)
        return _check_result(obj, super().call(context, obj, *args, **kwargs))

    def wrap_str_format(self, value: Any) -> Callable[..., str] | None:
        # Jinja's own wrapper, with a formatter that sizes each field before formatting it.
        if not isinstance(value, types.MethodType | types.BuiltinMethodType):
            return None
        text = value.__self__
        if value.__name__ not in ("format", "format_map") or not isinstance(text, str):
            return None
        is_format_map = value.__name__ == "format_map"

        def wrapper(*args: Any, **kwargs: Any) -> str:
            if is_format_map:
                if kwargs or len(args) != 1:
                    raise TypeError("format_map() takes exactly one argument")
                args, kwargs = (), args[0]
            return str(SizedFormatter(self).vformat(text, args, kwargs))

        return functools.update_wrapper(wrapper, value)


class _Harden(NodeTransformer):
    """Route every loop through the iteration budget and every `~` through the size check."""

    def __init__(self, environment: _Environment) -> None:
        self.environment = environment

    def _filter(self, node: nodes.Expr, name: str) -> nodes.Filter:
        wrapped = nodes.Filter(node, name, [], [], None, None, lineno=node.lineno)
        wrapped.set_environment(self.environment)
        return wrapped

    def visit_For(self, node: nodes.For) -> nodes.For:
        self.generic_visit(node)
        node.iter = self._filter(node.iter, "__loop_budget")
        return node

    def visit_Concat(self, node: nodes.Concat) -> nodes.Filter:
        self.generic_visit(node)
        return self._filter(nodes.Tuple(node.nodes, "load", lineno=node.lineno), "__concat")


def _environment() -> _Environment:
    env = _Environment(autoescape=False, undefined=_Lenient, keep_trailing_newline=True, finalize=_finalize)
    env.filters = {name: FILTERS[name] for name in ALLOWED_FILTERS}
    env.filters.update({name: _text_filter(name, FILTERS[name]) for name in _TEXT_FILTERS})
    env.filters.update(
        {"default": _default, "d": _default, "replace": _replace, "join": _join, "sum": _sum}
        | {"tojson": _tojson, "round": _round, "int": _checked_filter(FILTERS["int"])}
        | {"__loop_budget": _loop_budget, "__concat": _concat}
    )
    # No lipsum/cycler/joiner/namespace/dict: nothing a message needs, and namespace would let a loop
    # carry state from one iteration to the next.
    env.globals = {"range": _range}
    return env


_ENV = _environment()


# --- Constant parts, checked when the template is checked ---------------------------------------------

_UNKNOWN: Any = object()
# Not evaluated at check time: comparing nested lists can be slow, and the loop budget needs a render.
_UNFOLDED_FILTERS = frozenset({"sort", "unique", "min", "max", "__loop_budget"})


def _static_call(func: Any, args: list, kwargs: dict) -> Any:
    # Only methods of a constant text or number (`__wrapped__`: str.format behind the sandbox's wrapper).
    owner = getattr(getattr(func, "__wrapped__", func), "__self__", None)
    if type(owner) not in (str, bytes, int, float) or not _ENV.is_safe_callable(func):
        return _UNKNOWN
    return _check_result(func, func(*_precheck_call(func, tuple(args), kwargs), **kwargs))


def _refuse_statically(tree: nodes.Template) -> None:
    """Evaluate the constant expressions of a template with the checks a render applies, so that
    `{% set a = 'a'.ljust(500000000) %}` is refused when the text is checked, not when it is sent.

    Only literals, operators, attribute access, calls of str/bytes/number methods and filters are
    evaluated, each through the same size checks as at run time; everything else is left to the render.
    """
    eval_ctx = nodes.EvalContext(_ENV)

    def attempt(node: nodes.Node, compute: Callable[[], Any]) -> Any:
        try:
            value = compute()
        except LimitExceeded as exc:
            raise LimitExceeded(f"Line {node.lineno}: {exc}") from None
        except Exception:
            return _UNKNOWN
        return _UNKNOWN if isinstance(value, Undefined) else value

    def known(*values: Any) -> bool:
        return all(v is not _UNKNOWN for v in values)

    def fold(node: nodes.Node) -> Any:
        if isinstance(node, nodes.Const):
            return node.value
        if isinstance(node, nodes.List | nodes.Tuple):
            items = [fold(item) for item in node.items]
            if not known(*items):
                return _UNKNOWN
            return items if isinstance(node, nodes.List) else tuple(items)
        if isinstance(node, nodes.Dict):
            pairs = [(fold(pair.key), fold(pair.value)) for pair in node.items]
            if not known(*(v for pair in pairs for v in pair)):
                return _UNKNOWN
            return attempt(node, lambda: dict(pairs))
        if isinstance(node, nodes.UnaryExpr) and node.operator in _ENV.unop_table:
            operand = fold(node.node)
            if not known(operand):
                return _UNKNOWN
            return attempt(node, lambda: _ENV.unop_table[node.operator](operand))
        if isinstance(node, nodes.BinExpr) and node.operator in _ENV.binop_table:
            left, right = fold(node.left), fold(node.right)
            if not known(left, right):
                return _UNKNOWN
            return attempt(node, lambda: _ENV.call_binop(None, node.operator, left, right))
        if isinstance(node, nodes.Getattr):
            obj = fold(node.node)
            return attempt(node, lambda: _ENV.getattr(obj, node.attr)) if known(obj) else _UNKNOWN
        if isinstance(node, nodes.Call | nodes.Filter) and node.node is not None:
            target = fold(node.node)
            args = [fold(arg) for arg in node.args]
            kwargs = {kw.key: fold(kw.value) for kw in node.kwargs}
            dynamic = [fold(d) for d in (node.dyn_args, node.dyn_kwargs) if d is not None]
            if dynamic or not known(target, *args, *kwargs.values()):
                return _UNKNOWN
            if isinstance(node, nodes.Call):
                return attempt(node, lambda: _static_call(target, args, kwargs))
            func = _ENV.filters.get(node.name)
            pass_arg = _PassArg.from_obj(func) if func else None
            if func is None or node.name in _UNFOLDED_FILTERS or pass_arg is _PassArg.context:
                return _UNKNOWN
            lead: list[Any] = [eval_ctx] if pass_arg is _PassArg.eval_context else []
            lead = [_ENV] if pass_arg is _PassArg.environment else lead
            return attempt(node, lambda: func(*lead, target, *args, **kwargs))
        if isinstance(node, nodes.Output):  # `{{ value }}` goes through finalize
            for child in node.nodes:
                value = fold(child)
                if known(value):
                    attempt(child, lambda value=value: _finalize(value))
            return _UNKNOWN
        for child in node.iter_child_nodes():
            fold(child)
        return _UNKNOWN

    try:
        fold(tree)
    except RecursionError:  # a deeply nested expression: left to the render
        pass


def _build(source: str) -> Any:
    """Parse, check and compile `source`; TemplateError when it cannot be used. Uncached: see _compile."""
    try:
        tree = _ENV.parse(source)
    except TemplateSyntaxError as exc:
        raise TemplateError(_describe(exc)) from None
    # One walk of the tree finds the first node of each forbidden type; reported in _FORBIDDEN_NODES order.
    first: dict[type[nodes.Node], nodes.Node] = {}
    for found in tree.find_all(tuple(_FORBIDDEN_NODES)):
        for node_type in _FORBIDDEN_NODES:
            if isinstance(found, node_type):
                first.setdefault(node_type, found)
    for node_type, label in _FORBIDDEN_NODES.items():
        found = first.get(node_type)
        if found is not None:
            raise TemplateError(f"Line {found.lineno}: {label} is not allowed in a message text")
    tree = _Harden(_ENV).visit(tree)
    try:
        compiled = _ENV.from_string(tree)
    except TemplateSyntaxError as exc:  # e.g. a filter that is not allowed ("No filter named ...")
        raise TemplateError(_describe(exc)) from None
    _refuse_statically(tree)
    return compiled


def _describe(exc: TemplateSyntaxError) -> str:
    return f"Line {exc.lineno}: {exc.message}" if exc.lineno else str(exc.message)


# Compiled templates for rendering, by text (texts are immutable strings, so a text compiles once per
# process). Sized for the messages of the flows a worker runs at once: a 2,000-element flow has as many
# distinct texts, and an LRU smaller than the texts walked in turn would miss on every one.
_compile = functools.lru_cache(maxsize=4096)(_build)


@functools.lru_cache(maxsize=8192)
def _verdict(source: str) -> str | None:
    # Only the verdict is kept (a short string or None), not the compiled template: checking every text
    # of a large flow on each save must not evict the templates workers render with, nor hold their code.
    try:
        _build(source)
    except TemplateError as exc:
        return str(exc)
    return None


def check(source: str) -> str | None:
    """Why `source` cannot be used as a message template, or None when it can.

    The verdict depends on the text alone, so it is computed once per distinct text and process: saving a
    flow again after a move re-checks none of its unchanged texts.
    """
    if "{" not in source:  # no `{{`, `{%` or `{#`: plain text, as render() takes it
        return None
    return _verdict(source)


def render(source: str, *, person: dict, variables: dict) -> str:
    """Render `source` with `person` and `variables`; TemplateError if it cannot be rendered.

    Text without `{{`/`{%`/`{#` is returned as is (the common case costs nothing).
    """
    if "{" not in source:
        return source[:MAX_OUTPUT]
    template = _compile(source)
    token = _budget.set([MAX_LOOP_ITERATIONS])
    out: list[str] = []
    length = 0
    try:
        for chunk in template.generate(person=person, variables=variables):
            out.append(chunk)
            length += len(chunk)
            if length >= MAX_OUTPUT:
                break
    except TemplateError:
        raise
    except Exception as exc:  # the sandbox's SecurityError, 1/0, a bad int(), RecursionError...
        raise TemplateError(f"{type(exc).__name__}: {exc}"[:300]) from None
    finally:
        _budget.reset(token)
    return "".join(out)[:MAX_OUTPUT]
