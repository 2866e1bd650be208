"""Webhook signatures, both ways: `X-Signature: sha256=<hex HMAC-SHA256 of the raw body>` keyed with the
channel's secret. Gateways sign what they POST to /webhooks/; we sign what we POST to an HTTP gateway."""

import hashlib
import hmac
from collections.abc import Mapping

HEADER = "X-Signature"
PREFIX = "sha256="


def sign(body: bytes, secret: str) -> str:
    """The X-Signature header value for `body`."""
    return PREFIX + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def signature_valid(body: bytes, headers: Mapping[str, str], secret: str) -> bool:
    """Whether `headers` carry the right signature for `body` (the header name in any case). A channel
    without a secret accepts nothing: an empty key would be a signature anybody can make."""
    given = next((value for name, value in headers.items() if name.lower() == HEADER.lower()), "")
    if not secret or not given:
        return False
    # Constant time: a byte-by-byte comparison would tell an attacker how much of a guess was right.
    return hmac.compare_digest(given.strip().encode(), sign(body, secret).encode())
