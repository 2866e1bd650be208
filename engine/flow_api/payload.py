"""Reading the body of "Add participants to flow": at most FLOW_API_MAX_BODY_BYTES of strict JSON, its
top-level shape checked. Each participant is checked later, on its own (engine/flow_api/participants.py),
so one bad participant never refuses the others; only a body that cannot be an operation at all is a 4xx.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from rest_framework.parsers import BaseParser

from engine.flow_api import errors
from flowdesigner.parsers import MAX_JSON_DEPTH, json_too_deep

MAX_PARTICIPANTS = 1000
MAX_NOTIFY_URL = 1000
MAX_CALLBACK_DATA = 2000
DEFAULT_MAX_BODY_BYTES = 4 * 1024 * 1024
MAX_DEPTH = 32
SIMPLE_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
TOO_DEEP_BODY = f"The body is not valid JSON: it is nested too deeply (at most {MAX_JSON_DEPTH} levels)."


def max_body_bytes() -> int:
    return int(getattr(settings, "FLOW_API_MAX_BODY_BYTES", DEFAULT_MAX_BODY_BYTES))


def _too_large(limit: int) -> errors.FlowApiError:
    return errors.FlowApiError(
        413,
        errors.BODY_TOO_LARGE,
        f"The request body is larger than {limit} bytes. Send fewer participants per request.",
    )


def _refuse_constant(name: str) -> Any:
    # Python's json reads NaN and Infinity, which are not JSON and which PostgreSQL's jsonb refuses.
    raise ValueError(f"{name} is not valid JSON")


def _finite_float(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):  # 1e400 would be stored as Infinity
        raise ValueError(f"the number {text[:30]} is too large")
    return number


class LimitedJSONParser(BaseParser):
    """application/json, read up to the limit (never the whole of a huge body), strict: UTF-8 only, no
    NaN/Infinity, no absurd nesting."""

    media_type = "application/json"

    def parse(self, stream, media_type=None, parser_context=None) -> Any:
        limit = max_body_bytes()
        request = (parser_context or {}).get("request")
        declared = request.META.get("CONTENT_LENGTH") if request is not None else None
        if declared and str(declared).isascii() and str(declared).isdigit() and int(declared) > limit:
            raise _too_large(limit)
        raw = stream.read(limit + 1) if stream is not None else b""
        if len(raw) > limit:
            raise _too_large(limit)
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise errors.bad_request("The body is not UTF-8 text.") from None
        if json_too_deep(text):
            raise errors.bad_request(TOO_DEEP_BODY)
        try:
            return json.loads(text, parse_constant=_refuse_constant, parse_float=_finite_float)
        except RecursionError:  # not reached within MAX_JSON_DEPTH; kept so depth can never be a 500
            raise errors.bad_request(TOO_DEEP_BODY) from None
        except ValueError as exc:
            raise errors.bad_request(f"The body is not valid JSON: {exc}") from None


def path_join(path: str, key: str | int) -> str:
    """participants[3].person.firstName; odd keys quoted: variables["my var"]."""
    if isinstance(key, int):
        return f"{path}[{key}]"
    if SIMPLE_KEY.fullmatch(key):
        return f"{path}.{key}" if path else key
    return f"{path}[{json.dumps(key)}]"


def text_problem(value: Any, path: str = "") -> str | None:
    """The first place in `value` that cannot be stored as it is, as "path: reason": text with a NUL
    character or half of a surrogate pair (databases refuse both), or nesting deeper than MAX_DEPTH
    (storing it again could exhaust the stack). None when there is none. Iterative, so depth cannot
    exhaust this walk."""
    stack: list[tuple[Any, str, int]] = [(value, path, 0)]
    while stack:
        item, where, depth = stack.pop()
        if depth > MAX_DEPTH and isinstance(item, dict | list):
            return f"{where or 'body'}: nested deeper than {MAX_DEPTH} levels"
        if isinstance(item, str):
            reason = _bad_text(item)
            if reason:
                return f"{where or 'body'}: {reason}"
        elif isinstance(item, dict):
            for key, inner in item.items():
                reason = _bad_text(key)
                if reason:
                    return f"{where or 'body'}: a key {reason.replace('contains', 'that contains')}"
                stack.append((inner, path_join(where, key), depth + 1))
        elif isinstance(item, list):
            stack.extend((inner, path_join(where, i), depth + 1) for i, inner in enumerate(item))
    return None


def _bad_text(text: str) -> str:
    if "\x00" in text:
        return "contains the NUL character (\\u0000)"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "contains an unpaired surrogate (not valid Unicode)"
    return ""


@dataclass(frozen=True)
class AddRequest:
    """The checked top level of an "Add participants to flow" body."""

    participants: list[Any]
    notify_url: str
    callback_data: str


def add_request_parse(data: Any) -> AddRequest:
    """The body's participants (1 to 1000, each still unchecked), notifyUrl and callbackData; FlowApiError
    (400) naming the field otherwise."""
    if not isinstance(data, dict):
        raise errors.bad_request("The body must be a JSON object with participants.")
    if data.get("participants") is None:
        raise errors.bad_request("Mandatory fields are absent: [participants]")
    participants = data["participants"]
    if not isinstance(participants, list):
        raise errors.bad_request("participants: must be an array of participants.")
    if not 1 <= len(participants) <= MAX_PARTICIPANTS:
        raise errors.bad_request(
            f"Number of participants must be between 1 and {MAX_PARTICIPANTS}. Received: {len(participants)}"
        )
    notify_url = _optional_text(data, "notifyUrl", MAX_NOTIFY_URL)
    if notify_url:
        _check_url_syntax(notify_url)
    callback_data = _optional_text(data, "callbackData", MAX_CALLBACK_DATA)
    problem = text_problem(data)
    if problem:
        raise errors.bad_request(problem)
    return AddRequest(participants=participants, notify_url=notify_url, callback_data=callback_data)


def _optional_text(data: dict, name: str, limit: int) -> str:
    value = data.get(name)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise errors.bad_request(f"{name}: must be a string.")
    if len(value) > limit:
        raise errors.bad_request(f"{name}: at most {limit} characters (received {len(value)}).")
    return value


def _check_url_syntax(url: str) -> None:
    """Only the form here; whether the address may be reached is checked when the report is sent."""
    try:
        parts = urlsplit(url.strip())
        parts.port  # noqa: B018 (raises ValueError for a bad port)
    except ValueError:
        raise errors.bad_request("notifyUrl: not a valid URL.") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise errors.bad_request("notifyUrl: must be an http:// or https:// URL with a host name.")
