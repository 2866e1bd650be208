"""Message text templates: `{{ person.first_name|default("friend") }}`, `{{ variables.city }}`.

Jinja2's ImmutableSandboxedEnvironment, hardened for text written by marketers and shown to end users:

- Plain text out: autoescape is off (the inbox escapes what it shows); a missing name, attribute or key
  renders as "" (lenient undefined), and `default` also replaces None and blank strings.
- The sandbox refuses `__class__`-style attributes and calls that mutate; on top of it only the
  constructs a message needs are allowed (`{% if %}`, `{% for %}`, `{% set %}` and expressions):
  macros, call blocks, imports, includes and blocks are reported as template errors.
- Work and size are bounded, so hostile input cannot hang a worker or exhaust memory: `range()` yields
  at most MAX_RANGE items, all loops of one render together at most MAX_LOOP_ITERATIONS, and `*`, `**`,
  `+`, `~` and `replace` refuse results beyond MAX_OUTPUT characters (or MAX_INT_BITS for numbers).
  The rendered text is cut at MAX_OUTPUT characters.

Pure Python (Jinja2 is not Django), so engine/core stays free of Django.
"""

from __future__ import annotations

import contextvars
import functools
from collections.abc import Iterable, Iterator
from typing import Any

from jinja2 import ChainableUndefined, nodes
from jinja2.exceptions import TemplateSyntaxError
from jinja2.filters import FILTERS
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.visitor import NodeTransformer

MAX_OUTPUT = 10_000
MAX_RANGE = 1_000
MAX_LOOP_ITERATIONS = 10_000
MAX_INT_BITS = 10_000

# Filters a message text may use. Everything here runs in time and space linear in its input.
ALLOWED_FILTERS = (
    "abs capitalize count default d first float int join last length list lower max min reverse round "
    "sort string sum title trim truncate unique upper wordcount tojson urlencode"
).split()
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


class TemplateError(ValueError):
    """A template that cannot be used: bad syntax, a forbidden construct, or a failure while rendering."""


class LimitExceeded(TemplateError):
    """Rendering would take too much work or produce too much text."""


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


def _replace(value: object, old: object, new: object, count: int | None = None) -> str:
    text, old_s, new_s = str(value), str(old), str(new)
    hits = text.count(old_s) if count is None else min(count, text.count(old_s))
    if len(text) + hits * (len(new_s) - len(old_s)) > MAX_OUTPUT:
        raise LimitExceeded(f"replace would make a text longer than {MAX_OUTPUT} characters")
    return text.replace(old_s, new_s, -1 if count is None else count)


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


def _check_size(value: object) -> object:
    if isinstance(value, str | list | tuple) and len(value) > MAX_OUTPUT:
        raise LimitExceeded(f"A text or list in a message may be at most {MAX_OUTPUT} long")
    if isinstance(value, int) and value.bit_length() > MAX_INT_BITS:
        raise LimitExceeded("A number in a message text is too large")
    return value


def _size(value: object) -> int:
    if isinstance(value, str | list | tuple):
        return len(value)
    return 0


class _Environment(ImmutableSandboxedEnvironment):
    intercepted_binops = frozenset({"*", "**", "+"})

    def getattr(self, obj: Any, attribute: str) -> Any:
        # `variables.items` is the variable named "items", not dict.items: keys win over methods.
        if isinstance(obj, dict) and attribute in obj:
            return obj[attribute]
        return super().getattr(obj, attribute)

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        # Refuse before computing: `'x' * 10**9` or `9**9**9` would exhaust memory or time first.
        if operator == "**" and isinstance(left, int) and isinstance(right, int):
            if right > 0 and max(left.bit_length(), 1) * right > MAX_INT_BITS:
                raise LimitExceeded("A number in a message text is too large")
        if operator == "*":
            for seq, times in ((left, right), (right, left)):
                if isinstance(times, int) and _size(seq) * max(times, 0) > MAX_OUTPUT:
                    raise LimitExceeded(f"A text or list in a message may be at most {MAX_OUTPUT} long")
            if isinstance(left, int) and isinstance(right, int):
                if left.bit_length() + right.bit_length() > MAX_INT_BITS:
                    raise LimitExceeded("A number in a message text is too large")
        if operator == "+" and _size(left) + _size(right) > MAX_OUTPUT:
            raise LimitExceeded(f"A text or list in a message may be at most {MAX_OUTPUT} long")
        return super().call_binop(context, operator, left, right)


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
        return self._filter(node, "__check_size")


def _environment() -> _Environment:
    env = _Environment(autoescape=False, undefined=_Lenient, keep_trailing_newline=True)
    env.filters = {name: FILTERS[name] for name in ALLOWED_FILTERS}
    env.filters.update(
        {"default": _default, "d": _default, "replace": _replace}
        | {"__loop_budget": _loop_budget, "__check_size": _check_size}
    )
    # No lipsum/cycler/joiner/namespace/dict: nothing a message needs, and namespace would let a loop
    # carry state from one iteration to the next.
    env.globals = {"range": _range}
    return env


_ENV = _environment()


@functools.lru_cache(maxsize=512)
def _compile(source: str) -> Any:
    try:
        tree = _ENV.parse(source)
    except TemplateSyntaxError as exc:
        raise TemplateError(_describe(exc)) from None
    for node_type, label in _FORBIDDEN_NODES.items():
        found = next(tree.find_all(node_type), None)
        if found is not None:
            raise TemplateError(f"Line {found.lineno}: {label} is not allowed in a message text")
    tree = _Harden(_ENV).visit(tree)
    try:
        return _ENV.from_string(tree)
    except TemplateSyntaxError as exc:  # e.g. a filter that is not allowed ("No filter named ...")
        raise TemplateError(_describe(exc)) from None


def _describe(exc: TemplateSyntaxError) -> str:
    return f"Line {exc.lineno}: {exc.message}" if exc.lineno else str(exc.message)


def check(source: str) -> str | None:
    """Why `source` cannot be used as a message template, or None when it can."""
    try:
        _compile(source)
    except TemplateError as exc:
        return str(exc)
    return None


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
