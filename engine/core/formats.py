"""Checks of small text formats used in element configs: email addresses, web URLs, button actions."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

# Deliberately plain: local@domain.tld, no spaces, no display names. Django's validator is not available
# here (engine/core never imports Django) and a stricter RFC 5322 reading would only confuse marketers.
_EMAIL = re.compile(
    r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,63}"
)
_TEL = re.compile(r"tel://\+?[0-9][0-9 \-]*")
_GEO = re.compile(r"geo://(-?\d{1,3}(?:\.\d+)?),\s*(-?\d{1,3}(?:\.\d+)?)")

ACTION_SCHEMES = ("tel://", "confirm://", "geo://", "http://", "https://", "mailto:")


def is_email(value: str) -> bool:
    """A plain address such as ann@example.com (at most 254 characters)."""
    return len(value) <= 254 and _EMAIL.fullmatch(value) is not None


def is_web_url(value: str) -> bool:
    """An http:// or https:// URL with a host name and no whitespace."""
    if not value or any(c.isspace() for c in value):
        return False
    try:
        parts = urlsplit(value)
    except ValueError:  # e.g. an unbalanced IPv6 bracket
        return False
    return parts.scheme in {"http", "https"} and bool(parts.hostname)


def action_problem(action: str) -> str | None:
    """Why a button action is not usable, or None when it is ("" is no action)."""
    if action == "":
        return None
    if action.startswith("tel://"):
        if _TEL.fullmatch(action):
            return None
        return (
            "A tel:// action needs a phone number (digits, +, spaces and dashes), e.g. tel://+32 9 123 45 67"
        )
    if action.startswith("confirm://"):
        if action[len("confirm://") :].strip():
            return None
        return "A confirm:// action needs the question to confirm, e.g. confirm://Are you sure?"
    if action.startswith("geo://"):
        match = _GEO.fullmatch(action)
        if match and -90 <= float(match[1]) <= 90 and -180 <= float(match[2]) <= 180:
            return None
        return "A geo:// action needs a latitude (-90..90) and longitude (-180..180), e.g. geo://51.05,3.72"
    if action.startswith(("http://", "https://")):
        if is_web_url(action):
            return None
        return "A web action needs a full address with a host name, e.g. https://example.com/page"
    if action.startswith("mailto:"):
        if is_email(action[len("mailto:") :].split("?", 1)[0]):
            return None
        return "A mailto: action needs an email address, e.g. mailto:info@example.com"
    return "The action must start with tel://, confirm://, geo://, http://, https:// or mailto: (or be empty)"
