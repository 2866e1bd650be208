"""JSON request bodies with bounded nesting, for every DRF endpoint (REST_FRAMEWORK's default JSON parser)
and the Flow API's own parser.

Python's json parser recurses once per level: a body nested about 1,000 deep raises RecursionError (a 500)
and anything nested a few hundred deep is a hazard for whatever walks the data next (serializers,
renderers, conditions). The nesting is therefore measured on the text, without parsing or recursing, and
a body deeper than MAX_JSON_DEPTH is refused before json sees it.
"""

import codecs
import re
from itertools import accumulate
from typing import Any

from rest_framework import parsers
from rest_framework.exceptions import ParseError
from rest_framework.utils import json

MAX_JSON_DEPTH = 64
TOO_DEEP = f"The JSON is nested too deeply (at most {MAX_JSON_DEPTH} levels)."

# A JSON string (an unterminated one runs to the end of the text), and the brackets outside strings.
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"?', re.DOTALL)
_BRACKETS = re.compile(r"[\[\]{}]")
_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}


def json_too_deep(text: str, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether the JSON `text` nests arrays and objects deeper than `limit` levels. Reads the text only
    (no parsing, no recursion), in C-speed passes, so any body can be checked before json.loads."""
    if text.count("[") + text.count("{") <= limit:
        return False
    brackets = _BRACKETS.findall(_STRING.sub("", text))
    return max(accumulate(map(_STEP.__getitem__, brackets)), default=0) > limit


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser (same errors, same strict constants), refusing nesting deeper than
    MAX_JSON_DEPTH with a 400 {"detail": TOO_DEEP}."""

    def parse(self, stream, media_type=None, parser_context=None) -> Any:
        encoding = parsers.get_encoding(parser_context or {})
        try:
            text = codecs.getreader(encoding)(stream).read()
        except ValueError as exc:  # not text in that encoding
            raise ParseError(f"JSON parse error - {exc}") from None
        if json_too_deep(text):
            raise ParseError(TOO_DEEP)
        try:
            return json.loads(text, parse_constant=json.strict_constant if self.strict else None)
        except RecursionError:  # not reached within MAX_JSON_DEPTH; kept so depth can never be a 500
            raise ParseError(TOO_DEEP) from None
        except ValueError as exc:
            raise ParseError(f"JSON parse error - {exc}") from None
