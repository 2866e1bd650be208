"""Request body limits, enforced before anything reads or parses a body.

Every HTTP request may carry at most REQUEST_MAX_BYTES (default 2.5 MiB: Django's form limit
DATA_UPLOAD_MAX_MEMORY_SIZE plus room for a multipart envelope). The paths that take files accept what
their views accept (BODY_LIMITS below): the file limit the view enforces itself, plus MULTIPART_ENVELOPE
for the boundaries, part headers and small fields around the file. A path never gets less than the
default, except a `strict` one (the gateways' webhooks: the view refuses more itself). A body over the
limit is answered 413 with {"detail": "The request body is larger than N MiB."} under /api/, /moments/
and /webhooks/ (the Flow API also gets its errorCode 41301), and with a short HTML page elsewhere.

Two layers enforce the limits, using the same table:

* BodyLimitMiddleware, the ASGI layer (flowdesigner/asgi.py wraps Django's HTTP app with it). It works
  under any ASGI server. It answers 413 from Content-Length without reading the body, and it counts the
  bytes of a streamed body, answering 413 as soon as the count passes the limit. Django then gets
  `http.disconnect` and never builds a request.
* LimitedWebRequest, the daphne layer (install_daphne_guard, called by asgi.py). daphne does not stream:
  Twisted receives the whole body into a temporary file before daphne creates the application instance,
  and then daphne queues all of it at once. For multipart and urlencoded POSTs, Twisted also parses the
  whole body into `request.args`, which daphne never uses. That parse made daphne's RSS about 12x the
  body (1.2 GB for 100 MiB). So under daphne, an ASGI middleware would see an oversized body only after
  the damage. The guard turns Twisted's form parsing off. It answers 413 from the headers, before any
  body byte is read, or as soon as a chunked body passes the limit. Then it discards what the client
  still sends, like nginx's lingering close, so that a client that sends everything first still reads
  the answer, and it closes the connection.
"""

from __future__ import annotations

import html
import importlib
import json
from dataclasses import dataclass
from io import BytesIO
from typing import Any
from urllib.parse import unquote

from daphne.http_protocol import WebRequest  # importing it installs no Twisted reactor
from django.conf import settings
from twisted.web import http

MiB = 1024 * 1024
# Room for the multipart envelope around a file: boundaries, part headers, the CSRF token and small fields.
MULTIPART_ENVELOPE = 64 * 1024


@dataclass(frozen=True)
class BodyLimit:
    """The largest body for paths starting with `prefix`: the value of `source` plus `envelope` bytes.
    `source` names a setting, or "module:CONSTANT" for a limit a view keeps as a constant. `strict`: the
    limit holds even below the default (the view accepts no more, so nothing it takes is refused)."""

    prefix: str
    source: str
    envelope: int = 0
    strict: bool = False

    def value(self) -> int:
        if ":" in self.source:
            module, name = self.source.split(":")
            return int(getattr(importlib.import_module(module), name))
        return int(getattr(settings, self.source))


DEFAULT_LIMIT = BodyLimit("/", "REQUEST_MAX_BYTES")
BODY_LIMITS: tuple[BodyLimit, ...] = (
    # Form photos (messaging.services.upload_create checks the file).
    BodyLimit("/api/inbox/uploads/", "UPLOAD_MAX_BYTES", MULTIPART_ENVELOPE),
    # People CSV/TSV imports, API and page (people.imports.person_import_create checks the file).
    BodyLimit("/api/imports/", "IMPORT_MAX_BYTES", MULTIPART_ENVELOPE),
    BodyLimit("/people/import/", "IMPORT_MAX_BYTES", MULTIPART_ENVELOPE),
    # Flow API "Add participants" JSON (engine.flow_api.payload reads at most this much).
    BodyLimit("/moments/", "FLOW_API_MAX_BODY_BYTES"),
    # Gateways' webhooks: inbound SMS and email, delivery reports, calls (messaging.inbound refuses more).
    BodyLimit("/webhooks/", "WEBHOOK_MAX_BYTES", strict=True),
    # These files are smaller than the default body limit. They are listed so that a lower default
    # never refuses a file the view accepts.
    BodyLimit("/api/flows/import/", "flowdesigner.rogerthat.schema:MAX_XML_BYTES", MULTIPART_ENVELOPE),
    BodyLimit("/api/brandings/", "flowdesigner.branding:MAX_ZIP_BYTES", MULTIPART_ENVELOPE),
    BodyLimit("/brandings/", "flowdesigner.branding:MAX_ZIP_BYTES", MULTIPART_ENVELOPE),
)


@dataclass(frozen=True)
class Allowance:
    """What a path accepts: `max_bytes` of body, told to callers as `shown_bytes` (the file limit)."""

    max_bytes: int
    shown_bytes: int


def allowance_for(path: str) -> Allowance:
    """The body limit for a request path, as Django sees it (percent-decoded, no query string)."""
    default = DEFAULT_LIMIT.value()
    matches = [limit for limit in BODY_LIMITS if path.startswith(limit.prefix)]
    if matches:
        limit = max(matches, key=lambda m: len(m.prefix))
        value = limit.value()
        if value + limit.envelope > default or limit.strict:
            return Allowance(value + limit.envelope, value)
    return Allowance(default, default)


def size_text(n: int) -> str:
    """2.5 MiB, 400 KiB, 1000 bytes."""
    if n >= MiB:
        return f"{n / MiB:.4g} MiB"
    if n >= 1024:
        return f"{n / 1024:.4g} KiB"
    return f"{n} bytes"


def too_large_response(path: str, allowance: Allowance) -> tuple[list[tuple[bytes, bytes]], bytes]:
    """Headers and body of the 413 answer: JSON for API paths, a short page otherwise."""
    message = f"The request body is larger than {size_text(allowance.shown_bytes)}."
    if path.startswith(("/api/", "/moments/", "/webhooks/")):
        payload: dict[str, Any] = {"detail": message}
        if path.startswith("/moments/"):  # the Flow API's own error shape (docs/flow-api.md)
            payload.update(errorCode="41301", errorMessage=message)
        body, content_type = json.dumps(payload).encode(), b"application/json"
    else:
        text = html.escape(message)
        body = (
            '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>Request too large</title>'
            f"</head><body><h1>Request too large</h1><p>{text}</p></body></html>\n"
        ).encode()
        content_type = b"text/html; charset=utf-8"
    headers = [
        (b"content-type", content_type),
        (b"content-length", str(len(body)).encode()),
        (b"connection", b"close"),
    ]
    return headers, body


def _declared_length(scope: dict) -> int | None:
    for name, value in scope.get("headers", []):
        if name.lower() == b"content-length":
            return int(value) if value.isdigit() else None
    return None


class BodyLimitMiddleware:
    """ASGI middleware for the HTTP app: at most allowance_for(path).max_bytes of body reach the app."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        path = scope.get("path", "")
        allowance = allowance_for(path)

        async def refuse() -> None:
            headers, body = too_large_response(path, allowance)
            await send({"type": "http.response.start", "status": 413, "headers": headers})
            await send({"type": "http.response.body", "body": body})

        declared = _declared_length(scope)
        if declared is not None and declared > allowance.max_bytes:
            await refuse()  # the body is never read, and the app never runs
            return

        received = 0
        refused = False
        started = False

        async def limited_receive():
            nonlocal received, refused
            if refused:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > allowance.max_bytes:
                    # This chunk and the rest never reach the app. A disconnect makes Django drop the
                    # request before building it (ASGIHandler.read_body raises RequestAborted).
                    refused = True
                    if not started:
                        await refuse()
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message):
            nonlocal started
            if refused:
                return  # the 413 was the answer
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        await self.app(scope, limited_receive, guarded_send)


# --- daphne ---------------------------------------------------------------------------------------------

# After a refusal, what the client still sends is discarded, up to this much and this long. A client that
# sends the whole body before it reads (many HTTP libraries do) then still gets the 413, not a reset.
DRAIN_MAX_BYTES = 64 * MiB
DRAIN_SECONDS = 10.0


class LimitedWebRequest(WebRequest):
    """daphne's request, with the body limits enforced while the body arrives, and without Twisted's
    in-memory form parsing."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Twisted parses urlencoded and multipart POSTs into request.args, in memory (about 12x the body).
        # daphne never reads request.args: it gives the application the raw body.
        self._parsePOSTFormSubmission = False
        self._limit_path = "/"
        self._allowance: Allowance | None = None
        self._body_seen = 0
        self._refused = False
        self._drained = 0
        self._drain_timer = None

    # Twisted calls gotLength once the headers are in, before any body byte is read.
    def gotLength(self, length):
        if not isinstance(self.channel, http.HTTPChannel):  # HTTP/2: left to BodyLimitMiddleware
            return super().gotLength(length)
        target = getattr(self.channel, "_path", b"/")  # the request target, e.g. b"/login/?next=/"
        self._limit_path = unquote(target.split(b"?", 1)[0].decode("ascii", "replace"))
        self._allowance = allowance_for(self._limit_path)
        if length is not None and length > self._allowance.max_bytes:
            self.content = BytesIO()
            self._refuse()
            return None
        return super().gotLength(length)

    def handleContentChunk(self, data):
        if self._refused:
            return
        self._body_seen += len(data)
        if self._allowance is not None and self._body_seen > self._allowance.max_bytes:
            self._refuse()
            return
        super().handleContentChunk(data)

    def requestReceived(self, command, path, version):
        if self._refused:
            return  # answered already; no application instance is created
        super().requestReceived(command, path, version)

    def connectionLost(self, reason):
        if self._refused:
            if self._drain_timer is not None and self._drain_timer.active():
                self._drain_timer.cancel()
            http.Request.connectionLost(self, reason)  # daphne's own cleanup is for requests it ran
            return
        super().connectionLost(reason)

    def check_timeouts(self):
        if not self._refused:
            super().check_timeouts()

    def _refuse(self):
        from twisted.internet import reactor  # daphne installed its asyncio reactor before any request

        self._refused = True
        self.content.close()
        self.content = BytesIO()
        # Twisted answers "Expect: 100-continue" right after gotLength; there is nothing to continue.
        self.requestHeaders.removeHeader(b"Expect")
        headers, body = too_large_response(self._limit_path, self._allowance)
        head = b"HTTP/1.1 413 Content Too Large\r\n" + b"".join(
            name + b": " + value + b"\r\n" for name, value in headers
        )
        transport = self.channel.transport
        transport.write(head + b"\r\n" + body)
        # No application instance will ever exist for this request: daphne must forget it now, or its
        # shutdown (kill_all_applications) trips over the missing application_instance.
        self.server.connections.pop(self, None)
        # From here on the connection's bytes are counted and dropped, not parsed or stored.
        self.channel.dataReceived = self._drain
        if hasattr(transport, "loseWriteConnection"):
            transport.loseWriteConnection()  # the answer is complete: FIN after it
        self._drain_timer = reactor.callLater(DRAIN_SECONDS, transport.abortConnection)

    def _drain(self, data):
        self._drained += len(data)
        if self._drained > DRAIN_MAX_BYTES:
            self.channel.transport.abortConnection()


def install_daphne_guard() -> None:
    """Make daphne build LimitedWebRequest for every HTTP request. daphne's HTTPFactory reads the module's
    WebRequest each time it builds a connection. Importing daphne.http_protocol installs no reactor.
    Calling this again changes nothing."""
    from daphne import http_protocol

    http_protocol.WebRequest = LimitedWebRequest
