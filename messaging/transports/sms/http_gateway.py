"""The generic HTTP gateway (SMS, and voice's spoken text): one signed JSON POST per message.

    POST <config.url>   X-Signature: sha256=<hex HMAC-SHA256 of the body with the channel's secret>
    {"from": "<our number>", "to": "<the person's number>", "text": "...", "reference": "<message id>"}

A 2xx answer carrying {"id": "<the gateway's message id>"} means sent; delivery reports later name that id.
The request goes through engine.safe_http: a URL resolving into the internal network is refused unless
settings.GATEWAY_ALLOWED_PRIVATE allows it, and the connection goes to the very address that was checked.
"""

from __future__ import annotations

import json
from urllib.parse import urlsplit

from django.conf import settings

from engine import safe_http
from messaging import signatures
from messaging.models import Channel, Message
from messaging.transports import SendFailed, Transport, outbound_text

USER_AGENT = "Flowdesigner-Gateway/1"
MAX_RESPONSE_BYTES = 64 * 1024
# Headers we set ourselves; a channel's config cannot replace them.
OWN_HEADERS = frozenset({"content-type", "user-agent", "x-signature", "host", "content-length"})
EXCERPT_CHARS = 200


class HttpGateway(Transport):
    name = "http"

    def send(self, message: Message, channel: Channel) -> str:
        body = json.dumps(
            {
                "from": message.identity,
                "to": message.address,
                "text": outbound_text(message),
                "reference": str(message.pk),
            }
        ).encode()
        headers = {
            name: value
            for name, value in (channel.config.get("headers") or {}).items()
            if name.lower() not in OWN_HEADERS
        }
        headers.update(
            {
                "Content-Type": "application/json",
                "User-Agent": USER_AGENT,
                signatures.HEADER: signatures.sign(body, channel.secret),
            }
        )
        try:
            response = safe_http.request(
                "POST",
                channel.config.get("url", ""),
                headers=headers,
                body=body,
                timeout=settings.GATEWAY_TIMEOUT_SECONDS,
                max_response_bytes=MAX_RESPONSE_BYTES,
                allowed_private=settings.GATEWAY_ALLOWED_PRIVATE,
            )
        except safe_http.UnsafeURL as exc:
            # Refused again on every retry until an operator changes the setting or the URL.
            reason = str(exc).replace("CALLBACK_ALLOWED_PRIVATE", "GATEWAY_ALLOWED_PRIVATE")
            raise SendFailed(f"The gateway URL is refused: {reason}", retry=False) from None
        except safe_http.RequestFailed as exc:
            raise SendFailed(f"The gateway could not be reached: {exc}", retry=True) from None
        return _gateway_id(response)

    def config_problems(self, channel: Channel) -> list[str]:
        config = channel.config if isinstance(channel.config, dict) else {}
        problems = []
        url = config.get("url")
        if not url or not isinstance(url, str):
            problems.append("Enter the URL of the gateway (https://...).")
        else:
            try:
                parts = urlsplit(url.strip())
                parts.port  # noqa: B018 (raises ValueError on a bad port)
            except ValueError:
                parts = None
            if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
                problems.append("The gateway URL must start with https:// or http:// and name a host.")
            elif "@" in parts.netloc:
                problems.append("The gateway URL must not carry a user name or password.")
        headers = config.get("headers", {})
        if not isinstance(headers, dict):
            problems.append("Headers must be names with their values.")
        else:
            for name, value in headers.items():
                if not isinstance(value, str) or not name or any(c in name for c in " :\r\n"):
                    problems.append(f"The header name {name!r} is not valid.")
                elif "\r" in value or "\n" in value:
                    problems.append(f"The header {name!r} has a line break in its value.")
                elif name.lower() in OWN_HEADERS:
                    problems.append(f"The header {name!r} is set by Flowdesigner itself.")
        return problems


def _gateway_id(response: safe_http.Response) -> str:
    """The message id from a gateway's answer, or SendFailed saying whether a retry may help."""
    status = response.status
    excerpt = " ".join(response.body[:EXCERPT_CHARS].decode("utf-8", errors="replace").split())
    said = f": {excerpt}" if excerpt else ""
    if status == 429 or status == 408 or status >= 500:
        raise SendFailed(f"The gateway answered HTTP {status}{said}", retry=True)
    if not 200 <= status < 300:
        # A 4xx says the request itself is wrong (a bad number, our credentials): the same again fails too.
        raise SendFailed(f"The gateway refused the message (HTTP {status}){said}", retry=False)
    try:
        data = json.loads(response.body.decode("utf-8"))
    except ValueError:
        data = None
    gateway_id = data.get("id") if isinstance(data, dict) else None
    if isinstance(gateway_id, int) and not isinstance(gateway_id, bool):
        gateway_id = str(gateway_id)
    if not isinstance(gateway_id, str) or not gateway_id.strip():
        raise SendFailed("The gateway answered without a message id", retry=False)
    return gateway_id.strip()[:100]
