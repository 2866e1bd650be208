"""One outbound HTTP(S) request to a URL a user typed (a result callback, a "Call URL" step), made safe
against server-side request forgery.

The host is resolved once, every address it resolves to is checked, and the connection goes to exactly
the checked address: the name is never looked up again, so a DNS answer that changes between the check
and the connect (DNS rebinding) cannot steer the request into the internal network. The original host
name still travels in the Host header and, for https, in SNI and the certificate check.
"""

import http.client
import ipaddress
import socket
import ssl
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import certifi
import urllib3
from urllib3.exceptions import (
    ConnectTimeoutError,
    HTTPError,
    NewConnectionError,
    ProtocolError,
    ReadTimeoutError,
    SSLError,
)

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

DEFAULT_PORTS = {"http": 80, "https": 443}
# Large enough to keep the number of reads low, small enough that one read cannot overshoot the
# response limit or the deadline by much.
CHUNK_BYTES = 16 * 1024
# RFC 6052's well-known NAT64 prefix: a NAT64 gateway turns 64:ff9b::a00:5 into 10.0.0.5.
NAT64_PREFIX = ipaddress.IPv6Network("64:ff9b::/96")
MAX_REASON_CHARS = 300


class UnsafeURL(ValueError):
    """The URL is refused before any connection is made; the message says why, for a marketer."""


class RequestFailed(Exception):
    """The request could not be completed (refused, timed out, TLS, broken connection); the message is a
    short readable reason."""


@dataclass(frozen=True)
class Target:
    """A checked URL: where to connect (`address`, `port`) and what to ask for (`host`, `path_and_query`).

    `host` is the URL's host name in ASCII (IDNA) form, without brackets for an IPv6 literal."""

    scheme: str
    host: str
    port: int
    path_and_query: str
    address: str


@dataclass(frozen=True)
class Response:
    """What came back. `headers` has lower-cased names (repeated headers joined with ", ").
    `body` holds at most max_response_bytes + 1 bytes; `truncated` is True when the body was not read to
    its end: it was longer than max_response_bytes, the deadline passed, or the connection broke off."""

    status: int
    headers: dict[str, str]
    body: bytes
    truncated: bool
    duration_ms: int


def is_internal(address: IPAddress) -> bool:
    """True for addresses that are not on the public internet: private, loopback, link-local,
    reserved, multicast, unspecified, shared (CGNAT, where some clouds put their metadata service), and
    IPv6 forms that embed such an IPv4 address (::ffff:10.0.0.1, 64:ff9b::a00:1, 6to4 2002:a00:1::,
    Teredo)."""
    embedded = _embedded_ipv4(address)
    if embedded is not None:
        # The IPv6 block itself counts as reserved; where the packets end up is the IPv4 address.
        return is_internal(embedded)
    return (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_reserved
        or address.is_multicast
        or address.is_unspecified
        or not address.is_global
    )


def resolve_checked(url: str, *, allowed_private: list[str]) -> Target:
    """Parse `url`, resolve its host once and check every address it resolves to.

    Raises UnsafeURL when the URL is not http(s) with a host name, carries user:password@, has a bad
    port, cannot be resolved, or resolves to any internal address (see is_internal) that is not inside
    one of `allowed_private` (IPs or CIDRs; an entry that is neither is ignored)."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        # urlsplit refuses malformed brackets; .port refuses non-numbers and numbers past 65535.
        raise UnsafeURL("The URL is malformed (check the host name and port).") from None
    if parts.scheme not in DEFAULT_PORTS or not parts.hostname:
        raise UnsafeURL("Callback URLs must be http:// or https:// with a host name.")
    if "@" in parts.netloc:
        raise UnsafeURL("URLs with a user name or password (user:password@host) are not allowed.")
    if port is None:
        port = DEFAULT_PORTS[parts.scheme]
    if not 1 <= port <= 65535:
        raise UnsafeURL(f"The port {port} is not valid; use a port from 1 to 65535.")
    host = parts.hostname
    try:
        # The Host header and SNI need the ASCII form of an international name.
        host = host.encode("idna").decode("ascii")
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise UnsafeURL(f"The host {parts.hostname!r} could not be resolved ({exc}).") from None
    if not infos:
        raise UnsafeURL(f"The host {parts.hostname!r} could not be resolved (no addresses).")
    networks = _networks(allowed_private)
    for info in infos:
        text = str(info[4][0])
        address = ipaddress.ip_address(text)
        if is_internal(address) and not _allowed(address, networks):
            what = "is an internal address" if text == host else f"resolves to the internal address {address}"
            raise UnsafeURL(f"{host} {what}; allow it in CALLBACK_ALLOWED_PRIVATE to send requests there.")
    path_and_query = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Target(parts.scheme, host, port, path_and_query, address=str(infos[0][4][0]))


def request(
    method: str,
    url: str,
    *,
    headers: dict[str, str] | None = None,
    body: bytes | None = None,
    timeout: float,
    max_response_bytes: int,
    allowed_private: list[str],
) -> Response:
    """Send one request to `url` after resolve_checked() and return the response. Redirects are
    returned, never followed (a redirect could point anywhere). `timeout` bounds the connect, each
    read, and reading the body as a whole; a body cut short by it is returned as far as it got.

    Raises UnsafeURL (nothing was sent) or RequestFailed (network, timeout or TLS failure)."""
    started = time.monotonic()
    deadline = started + timeout
    target = resolve_checked(url, allowed_private=allowed_private)
    send_headers = {name: value for name, value in (headers or {}).items() if name.lower() != "host"}
    send_headers["Host"] = _host_header(target)
    urllib3_timeout = urllib3.Timeout(connect=timeout, read=timeout)
    pool: urllib3.HTTPConnectionPool
    if target.scheme == "https":
        pool = urllib3.HTTPSConnectionPool(
            target.address,
            target.port,
            timeout=urllib3_timeout,
            retries=False,
            maxsize=1,
            server_hostname=target.host,
            assert_hostname=target.host,
            cert_reqs="CERT_REQUIRED",
            ca_certs=certifi.where(),
        )
    else:
        pool = urllib3.HTTPConnectionPool(
            target.address, target.port, timeout=urllib3_timeout, retries=False, maxsize=1
        )
    with pool:
        try:
            response = pool.urlopen(
                method.upper(),
                target.path_and_query,
                body=body,
                headers=send_headers,
                redirect=False,
                preload_content=False,
                assert_same_host=False,
            )
        except (HTTPError, OSError, http.client.HTTPException) as exc:
            raise RequestFailed(_reason(exc, timeout)) from None
        except ValueError as exc:
            # http.client refuses header names or values with line breaks and the like.
            raise RequestFailed(_short(f"Invalid request: {exc}")) from None
        try:
            content, truncated = _read_body(response, limit=max_response_bytes + 1, deadline=deadline)
        finally:
            response.close()
    return Response(
        status=response.status,
        headers={name.lower(): response.headers[name] for name in response.headers},
        body=content,
        truncated=truncated or len(content) > max_response_bytes,
        duration_ms=int((time.monotonic() - started) * 1000),
    )


def _embedded_ipv4(address: IPAddress) -> ipaddress.IPv4Address | None:
    if isinstance(address, ipaddress.IPv4Address):
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address in NAT64_PREFIX:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    # 6to4 (2002:AABB:CCDD::/48) and Teredo tunnels deliver to the IPv4 address they embed.
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    return None


def is_allowed(address: IPAddress, allowed_private: list[str]) -> bool:
    """Whether an internal address is inside one of `allowed_private` (IPs or CIDRs; bad ones ignored)."""
    return _allowed(address, _networks(allowed_private))


def _networks(allowed_private: list[str]) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    networks = []
    for entry in allowed_private:
        try:
            networks.append(ipaddress.ip_network(str(entry).strip(), strict=False))
        except ValueError:
            continue
    return networks


def _allowed(address: IPAddress, networks: list[ipaddress.IPv4Network | ipaddress.IPv6Network]) -> bool:
    # ::ffff:127.0.0.1 reaches the same socket as 127.0.0.1, so an IPv4 allowance covers both forms.
    candidates: list[IPAddress] = [address]
    embedded = _embedded_ipv4(address)
    if embedded is not None:
        candidates.append(embedded)
    return any(candidate in network for candidate in candidates for network in networks)


def _host_header(target: Target) -> str:
    host = f"[{target.host}]" if ":" in target.host else target.host
    if target.port == DEFAULT_PORTS[target.scheme]:
        return host
    return f"{host}:{target.port}"


def _read_body(response: urllib3.BaseHTTPResponse, *, limit: int, deadline: float) -> tuple[bytes, bool]:
    """Up to `limit` bytes, read before `deadline`, and whether reading stopped before the end."""
    chunks: list[bytes] = []
    size = 0
    while size < limit:
        if time.monotonic() > deadline:
            return b"".join(chunks), True
        try:
            # read1 returns whatever one read brings: a slow trickle cannot hold us past the deadline
            # by more than one read timeout.
            chunk = response.read1(min(CHUNK_BYTES, limit - size))
        except (HTTPError, OSError, http.client.HTTPException):
            return b"".join(chunks), True
        if not chunk:
            return b"".join(chunks), False
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)[:limit], True


def _reason(exc: BaseException, timeout: float) -> str:
    """A short, readable reason for a failed request, without urllib3's object reprs."""
    # NewConnectionError subclasses ConnectTimeoutError for historical reasons; it is not a timeout.
    if isinstance(exc, (ConnectTimeoutError, ReadTimeoutError, TimeoutError)) and not isinstance(
        exc, NewConnectionError
    ):
        return f"Timed out after {timeout:g} s"
    cause = _root_cause(exc)
    if isinstance(exc, SSLError) or isinstance(cause, (ssl.SSLError, ssl.CertificateError)):
        if isinstance(cause, ssl.SSLCertVerificationError) and cause.verify_message:
            return _short(f"TLS error: certificate verify failed: {cause.verify_message}")
        if isinstance(cause, ssl.SSLError) and cause.reason:
            return _short(f"TLS error: {cause.reason.replace('_', ' ').lower()}")
        return _short(f"TLS error: {cause}")
    if isinstance(cause, ConnectionRefusedError):
        return "Connection refused"
    if isinstance(cause, (ConnectionResetError, ConnectionAbortedError, BrokenPipeError)):
        return "Connection reset by the server"
    if isinstance(cause, http.client.RemoteDisconnected):
        return "The server closed the connection without answering"
    if isinstance(cause, OSError) and cause.strerror:
        return _short(f"Connection failed: {cause.strerror}")
    if isinstance(exc, ProtocolError):
        return _short(f"Connection failed: {cause}")
    return _short(f"Request failed: {cause}")


def _root_cause(exc: BaseException) -> BaseException:
    # urllib3 wraps the OS or TLS error: NewConnectionError via `from`, ProtocolError and SSLError as
    # their second or first argument.
    seen = {id(exc)}
    while True:
        inner = exc.__cause__
        if inner is None and isinstance(exc, (ProtocolError, SSLError)):
            inner = next((arg for arg in exc.args if isinstance(arg, BaseException)), None)
        if inner is None or id(inner) in seen:
            return exc
        seen.add(id(inner))
        exc = inner


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= MAX_REASON_CHARS else text[: MAX_REASON_CHARS - 1] + "…"
