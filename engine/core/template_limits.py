"""How long a value's text would be, found without building it: the sizes and limits the template sandbox
(engine/core/template.py) checks before it pads, formats, joins or prints anything, so hostile text can
never make a worker build a huge string or number first.

`text_len` (str/repr of nested lists and dicts, bounded walk), `json_len`, `_field_len` (one
`str.format` field), `SizedFormatter` (`str.format`/`format_map` sized field by field), `printf_len` (`%`
formatting, following CPython's rules), and the limits themselves.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from typing import Any

from jinja2.sandbox import SandboxedFormatter

MAX_OUTPUT = 10_000
MAX_RANGE = 1_000
MAX_LOOP_ITERATIONS = 10_000
MAX_INT_BITS = 10_000
MAX_DIGITS = MAX_INT_BITS * 3 // 10  # 10 ** MAX_DIGITS still fits in MAX_INT_BITS bits


class TemplateError(ValueError):
    """A template that cannot be used: bad syntax, a forbidden construct, or a failure while rendering."""


class LimitExceeded(TemplateError):
    """Rendering would take too much work or produce too much text."""


def too_long(what: str) -> LimitExceeded:
    return LimitExceeded(f"{what} would make a text longer than {MAX_OUTPUT} characters")


# --- How long a value's text would be, found without building it ------------------------------------

_BYTES = (bytes, bytearray)
_ITEMS = type({}.items())
# Characters around the items of a container's repr: "[...]", "(...)", "{...}", "frozenset({...})", ...
_FRAMES: dict[type, int] = {
    list: 2,
    tuple: 2,
    dict: 2,
    set: 2,
    frozenset: 13,
    type({}.keys()): 13,
    type({}.values()): 15,
    _ITEMS: 14,
}


def _frame(item: object) -> int | None:
    frame = _FRAMES.get(type(item))
    if frame is None and isinstance(item, list | tuple | dict | set | frozenset):
        frame = 4 + len(type(item).__name__)  # a subclass: "Name([...])"
    return frame


def text_len(value: object, limit: int = MAX_OUTPUT, how: Callable[[object], str] = str) -> int:
    """The length of `how(value)` (how is str, repr or ascii), or a number over `limit` once it is over.

    Containers are walked item by item instead of printed: lists and dicts built in a template share
    their items (`[[s] * 100] * 100` takes little memory but prints 10,000 copies of `s`). Each step adds
    at least one character, so the walk stops after at most `limit` steps.
    """
    if isinstance(value, str) and how is str:
        return len(value)
    if _frame(value) is None:
        return len(how(value))
    leaf = ascii if how is ascii else repr
    total, stack = 0, [value]
    while stack:
        item = stack.pop()
        frame = _frame(item)
        if frame is None:
            total += len(leaf(item))
        else:
            n = len(item)
            if n == 0:
                total += {set: 5, frozenset: 11}.get(type(item), frame)  # set(), frozenset()
            else:
                total += frame + 2 * (n - 1) + (type(item) is tuple and n == 1)  # ", " and "(x,)"
                if isinstance(item, dict):
                    total += 2 * n  # ": "
                elif type(item) is _ITEMS:
                    total += 4 * n  # "(" ", " ")"
            if total > limit:
                return limit + 1
            if isinstance(item, dict):
                stack.extend(item.keys())
                stack.extend(item.values())
            elif type(item) is _ITEMS:
                stack.extend(part for pair in item for part in pair)
            else:
                stack.extend(item)
        if total > limit:
            return limit + 1
    return total


def _json_leaf_len(value: object) -> int:
    try:
        text = json.dumps(value)
    except (TypeError, ValueError):
        return 0  # json.dumps refuses it in the real call too
    # htmlsafe_json_dumps writes < > & ' as \u003c and so on.
    return len(text) + 5 * sum(text.count(c) for c in "<>&'")


def _json_key(key: object) -> str:
    # json writes a key 1.5 as "1.5", True as "true", inf as "Infinity"; it refuses other types.
    try:
        return json.dumps(key)
    except (TypeError, ValueError):
        return ""


def json_len(value: object, indent: object, limit: int = MAX_OUTPUT) -> int:
    """The length of `value|tojson(indent)`, or a number over `limit` once it is over (see text_len)."""
    step = len(indent) if isinstance(indent, str) else None if indent is None else max(int(indent), 0)
    total, stack = 0, [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, list | tuple | dict) and item:
            n = len(item)
            if step is None:
                total += 2 + 2 * (n - 1)
            else:  # each item on its own line, indented, and the closing bracket too
                total += 2 + (n - 1) + n * (1 + step * (depth + 1)) + 1 + step * depth
            if isinstance(item, dict):
                total += 2 * n
                if total > limit:
                    return limit + 1
                total += sum(_json_leaf_len(k if isinstance(k, str) else _json_key(k)) for k in item)
                stack.extend((v, depth + 1) for v in item.values())
            else:
                if total > limit:
                    return limit + 1
                stack.extend((v, depth + 1) for v in item)
        else:
            total += 2 if isinstance(item, list | tuple | dict) else _json_leaf_len(item)
        if total > limit:
            return limit + 1
    return total


def size_of(value: object) -> int:
    if isinstance(value, str | list | tuple | bytes | bytearray):
        return len(value)
    return 0


def check_size(value: object) -> object:
    if isinstance(value, str | list | tuple | bytes | bytearray) and len(value) > MAX_OUTPUT:
        raise LimitExceeded(f"A text or list in a message may be at most {MAX_OUTPUT} long")
    if isinstance(value, int) and value.bit_length() > MAX_INT_BITS:
        raise LimitExceeded("A number in a message text is too large")
    return value


def as_text(value: object, what: str) -> str:
    """str(value), refused when it would be longer than MAX_OUTPUT (a str is returned as it is)."""
    if isinstance(value, str):
        return value
    if text_len(value) > MAX_OUTPUT:
        raise too_long(what)
    return str(value)


def _digits(text: str) -> int:
    # int() of a very long digit string is slow (and refused past 4300 digits): such a width is too big.
    return int(text) if len(text) < 19 else 10**18


def _number_len(value: object, precision: int | None, kind: str) -> int:
    """The most characters a number formats to with this precision and type ("%.3f", "{:,.3f}", ...)."""
    if isinstance(value, float):
        whole = len(str(int(abs(value)))) if math.isfinite(value) else 3
    elif isinstance(value, int):
        bits = max(abs(value).bit_length(), 1)
        whole = {"b": bits, "o": bits // 3 + 1, "x": bits // 4 + 1, "X": bits // 4 + 1}.get(
            kind, bits * 31 // 100 + 2
        )
    else:
        return 0  # not a number: formatting it with a number type fails
    # sign, "0x", grouping separators, "%" (x100), point, fraction (17 digits when unspecified), exponent
    return 3 + whole * 4 // 3 + 3 + 1 + max(precision or 0, 17) + 6


# [[fill]align][sign][z][#][0][width][grouping][.precision][grouping][type]
_FORMAT_SPEC = re.compile(r"(?:.?[<>=^])?[-+ ]?z?#?0?(\d*)[,_]?(?:\.(\d*))?[,_]?([a-zA-Z%]?)", re.S)


def _field_len(value: object, spec: str, limit: int) -> int:
    """The most characters `format(value, spec)` gives, without calling it."""
    if not spec:
        return text_len(value, limit)
    match = _FORMAT_SPEC.fullmatch(spec)
    if match is None:  # not the standard mini-language: bound it by every number in it
        widest = max((_digits(d) for d in re.findall(r"\d+", spec)), default=0)
        return 2 * widest + text_len(value, limit) + 64
    width = _digits(match[1]) if match[1] else 0
    precision = _digits(match[2]) if match[2] else None
    if width > limit or (precision or 0) > limit:
        return max(width, precision or 0)
    if isinstance(value, str):
        length = len(value) if precision is None else min(len(value), precision)
    elif isinstance(value, int | float):
        length = _number_len(value, precision, match[3])
    else:  # object.__format__ refuses a non-empty spec
        length = text_len(value, limit)
    return max(width, length)


class SizedFormatter(SandboxedFormatter):
    """str.format with the sandbox's attribute rules that adds up the size of each field before
    formatting it: `'{:>999999999}'.format(x)` is refused without padding anything."""

    def vformat(self, format_string: str, args: Any, kwargs: Any) -> str:
        self._total = sum(len(literal) for literal, *_ in self.parse(format_string))
        if self._total > MAX_OUTPUT:
            raise too_long("format()")
        return super().vformat(format_string, args, kwargs)

    def convert_field(self, value: Any, conversion: str | None) -> Any:
        how = {"r": repr, "s": str, "a": ascii}.get(conversion or "")
        if how is not None and text_len(value, MAX_OUTPUT - self._total, how) > MAX_OUTPUT - self._total:
            raise too_long("format()")
        return super().convert_field(value, conversion)

    def format_field(self, value: Any, format_spec: str) -> Any:
        self._total += _field_len(value, format_spec, MAX_OUTPUT - self._total)
        if self._total > MAX_OUTPUT:
            raise too_long("format()")
        return super().format_field(value, format_spec)


def _printf_number(text: str, i: int, take: Callable[[], object]) -> tuple[int, int]:
    """A width or precision of a %-format at text[i]: digits or "*" (the next argument)."""
    if i < len(text) and text[i] == "*":
        value = take()
        return (abs(value) if isinstance(value, int) else 0), i + 1
    j = i
    while j < len(text) and "0" <= text[j] <= "9":
        j += 1
    return (_digits(text[i:j]) if j > i else 0), j


def printf_len(fmt: str | bytes | bytearray, values: object) -> int:
    """The most characters `fmt % values` gives, without computing it; follows CPython's parser."""
    binary = isinstance(fmt, bytes | bytearray)
    text = fmt.decode("latin-1") if binary else fmt
    positional = values if isinstance(values, tuple) else (values,)
    next_arg = 0

    def take() -> object:
        nonlocal next_arg
        next_arg += 1
        return positional[next_arg - 1] if next_arg <= len(positional) else None

    total, i, n = 0, 0, len(text)
    while total <= MAX_OUTPUT:
        j = text.find("%", i)
        if j < 0:
            return total + n - i
        total, i = total + j - i, j + 1
        if i < n and text[i] == "%":
            total, i = total + 1, i + 1
            continue
        key = None
        if i < n and text[i] == "(":
            depth, start, i = 1, i + 1, i + 1
            while i < n and depth:
                depth += {"(": 1, ")": -1}.get(text[i], 0)
                i += 1
            key = text[start : i - 1]
        while i < n and text[i] in "-+ #0":
            i += 1
        width, i = _printf_number(text, i, take)
        precision = None
        if i < n and text[i] == ".":
            precision, i = _printf_number(text, i + 1, take)
        if width > MAX_OUTPUT or (precision or 0) > MAX_OUTPUT:
            return max(width, precision or 0)
        if i < n and text[i] in "hlL":
            i += 1
        if i >= n:
            return total  # incomplete format: Python refuses it
        kind, i = text[i], i + 1
        if key is None:
            value = take()
        else:
            try:
                value = values[key.encode("latin-1") if binary else key]
            except Exception:
                return total  # Python refuses it
        limit = MAX_OUTPUT - total
        if kind in "sb":
            length = len(value) if isinstance(value, _BYTES) else text_len(value, limit)
        elif kind in "ra":
            length = text_len(value, limit, ascii if binary or kind == "a" else repr)
        elif kind == "c":
            length = 1
        elif kind in "diouxXeEfFgG":
            length = _number_len(value, precision, kind)
            precision = None
        else:
            return total  # an unsupported format character: Python refuses it
        if length > limit:
            return MAX_OUTPUT + 1  # "%.5s" % value prints all of value before cutting it
        if precision is not None:
            length = min(length, precision)
        total += max(width, length)
    return total
