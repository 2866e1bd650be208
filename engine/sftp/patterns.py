"""Filename patterns of the SFTP Import entry point: `*` stands for any sequence of characters (none
included), `?` for exactly one. Every other character is itself, case counts, and there are no ranges
or escapes (unlike fnmatch, where "[" starts a set): "Report[1].csv" matches only that name."""

import re
from functools import lru_cache


@lru_cache(maxsize=256)
def compile_pattern(pattern: str) -> re.Pattern[str]:
    """The regular expression a whole filename must match; an empty pattern matches every name."""
    if not pattern:
        return re.compile(r".*", re.DOTALL)
    parts = [".*" if ch == "*" else "." if ch == "?" else re.escape(ch) for ch in pattern]
    return re.compile("".join(parts), re.DOTALL)


def matches(pattern: str, name: str) -> bool:
    """Whether the filename `name` follows `pattern` (see the module docstring)."""
    return compile_pattern(pattern.strip()).fullmatch(name) is not None
