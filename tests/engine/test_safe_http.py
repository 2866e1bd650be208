"""engine.safe_http against real servers on 127.0.0.1. Nothing here sends traffic anywhere else: names
that would need DNS are answered by a stand-in for socket.getaddrinfo, and internal literals are only
checked, never connected to."""

import ipaddress
import shutil
import socket
import ssl
import subprocess
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import certifi
import pytest

from engine import safe_http
from engine.safe_http import RequestFailed, UnsafeURL, is_internal, request, resolve_checked

LOOPBACK = ["127.0.0.0/8"]
REAL_GETADDRINFO = socket.getaddrinfo


class Recorder:
    """A real HTTP server on 127.0.0.1 that records every request and answers by path."""

    def __init__(self) -> None:
        self.requests: list[dict] = []
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (http.server's naming)
                self._answer()

            def do_POST(self):  # noqa: N802
                self._answer()

            def _answer(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                recorder.requests.append(
                    {"method": self.command, "path": self.path, "headers": dict(self.headers), "body": body}
                )
                if self.path == "/redirect":
                    self.send_response(302)
                    self.send_header("Location", "http://10.0.0.1/admin")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                elif self.path.startswith("/bytes/"):
                    size = int(self.path.removeprefix("/bytes/"))
                    self.send_response(200)
                    self.send_header("Content-Length", str(size))
                    self.end_headers()
                    self.wfile.write(b"x" * size)
                elif self.path == "/trickle":
                    self.send_response(200)
                    self.send_header("Content-Length", "1000")
                    self.end_headers()
                    try:
                        for _ in range(50):
                            self.wfile.write(b"y")
                            self.wfile.flush()
                            time.sleep(0.1)
                    except OSError:
                        pass  # the client stopped reading, as it should
                else:
                    self.send_response(201)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("X-Reply", "yes")
                    self.end_headers()
                    self.wfile.write(b'{"ok": true}')

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_port
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)


@pytest.fixture
def server() -> Iterator[Recorder]:
    recorder = Recorder()
    recorder.thread.start()
    yield recorder
    recorder.server.shutdown()
    recorder.server.server_close()


def fake_dns(monkeypatch, answers: dict[str, list[str]]) -> list[str]:
    """Answer getaddrinfo for the names in `answers` (one list per call, the last one repeating);
    IP literals go to the real function (no DNS involved). Returns the names looked up, in order."""
    calls: list[str] = []
    remaining = {name: list(lists) for name, lists in answers.items()}

    def getaddrinfo(host, port, *args, **kwargs):
        calls.append(host)
        if host in remaining:
            queue = remaining[host]
            address = queue.pop(0) if len(queue) > 1 else queue[0]
            family = socket.AF_INET6 if ":" in address else socket.AF_INET
            return [(family, socket.SOCK_STREAM, 6, "", (address, port))]
        try:
            ipaddress.ip_address(str(host).split("%")[0])
        except ValueError:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known") from None
        return REAL_GETADDRINFO(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return calls


@pytest.fixture
def localhost_v4(monkeypatch):
    """localhost as the system resolves it, without ::1: the test servers listen on 127.0.0.1 only,
    and some systems list ::1 first."""

    def getaddrinfo(host, port, *args, **kwargs):
        infos = REAL_GETADDRINFO(host, port, *args, **kwargs)
        return [info for info in infos if info[0] == socket.AF_INET] if host == "localhost" else infos

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


def get(url: str, **kwargs) -> safe_http.Response:
    options = {"timeout": 5, "max_response_bytes": 10_000, "allowed_private": LOOPBACK} | kwargs
    return request("GET", url, **options)


def test_get_arrives_with_the_original_host_name(server, localhost_v4):
    response = get(f"http://localhost:{server.port}/hello?name=mia#fragment")

    assert response.status == 201
    assert response.body == b'{"ok": true}'
    assert response.truncated is False
    assert response.headers["content-type"] == "application/json"
    assert response.headers["x-reply"] == "yes"
    assert response.duration_ms >= 0
    [received] = server.requests
    assert received["method"] == "GET"
    assert received["path"] == "/hello?name=mia"
    assert received["headers"]["Host"] == f"localhost:{server.port}"


def test_post_body_and_headers_arrive_intact(server):
    body = '{"name": "Zoë", "answers": [1, 2]}'.encode()
    response = request(
        "POST",
        f"http://127.0.0.1:{server.port}/results",
        headers={"Content-Type": "application/json", "X-Signature": "abc123", "Host": "evil.example"},
        body=body,
        timeout=5,
        max_response_bytes=1000,
        allowed_private=LOOPBACK,
    )

    assert response.status == 201
    [received] = server.requests
    assert received["method"] == "POST"
    assert received["path"] == "/results"
    assert received["body"] == body
    assert received["headers"]["Content-Type"] == "application/json"
    assert received["headers"]["X-Signature"] == "abc123"
    assert received["headers"]["Content-Length"] == str(len(body))
    # The Host header always names the URL's host: a caller's header cannot replace it.
    assert received["headers"]["Host"] == f"127.0.0.1:{server.port}"


def test_loopback_is_refused_unless_allowed(server):
    url = f"http://127.0.0.1:{server.port}/results"

    with pytest.raises(UnsafeURL) as refused:
        get(url, allowed_private=[])
    assert str(refused.value) == (
        "127.0.0.1 is an internal address; allow it in CALLBACK_ALLOWED_PRIVATE to send requests there."
    )
    assert server.requests == []

    # A malformed entry is skipped, not fatal.
    assert get(url, allowed_private=["not a network", "127.0.0.0/8"]).status == 201
    assert get(url, allowed_private=["127.0.0.1"]).status == 201
    assert len(server.requests) == 2


@pytest.mark.parametrize(
    "url, reason",
    [
        ("ftp://example.com/results", "must be http:// or https://"),
        ("file:///etc/passwd", "must be http:// or https://"),
        ("javascript:alert(1)", "must be http:// or https://"),
        ("example.com/results", "must be http:// or https://"),
        ("http:///results", "must be http:// or https://"),
        ("https://", "must be http:// or https://"),
        ("http://user:secret@example.com/", "user name or password"),
        ("http://user@example.com/", "user name or password"),
        ("http://example.com:0/", "port 0 is not valid"),
        ("http://example.com:99999/", "malformed"),
        ("http://example.com:http/", "malformed"),
        ("http://[::1/", "malformed"),
    ],
)
def test_malformed_urls_are_refused_before_any_lookup(monkeypatch, url, reason):
    lookups = fake_dns(monkeypatch, {})

    with pytest.raises(UnsafeURL, match=reason):
        resolve_checked(url, allowed_private=[])
    assert lookups == []


@pytest.mark.parametrize(
    "url",
    [
        "http://10.0.0.5/",
        "http://192.168.1.1:8080/",
        "http://169.254.169.254/latest/meta-data/",
        "http://100.100.100.200/latest/meta-data/",
        "http://[::1]/",
        "http://[::ffff:10.0.0.1]/",
        "http://[::ffff:127.0.0.1]/",
        "http://[64:ff9b::a00:5]/",
        "http://[2002:7f00:1::]/",  # 6to4 embedding 127.0.0.1
        "http://[2002:c0a8:101::1]/",  # 6to4 embedding 192.168.1.1
        "http://[2001:0:4136:e378:8000:63bf:80ff:fffe]/",  # Teredo to 127.0.0.1
        "http://100.64.1.1/",  # CGNAT
        "http://[fe80::1]/",
        "http://[fd00::1]/",
        "http://0.0.0.0/",
        "http://0/",
        "http://2130706433/",
        "http://224.0.0.1/",
        "https://255.255.255.255/",
    ],
)
def test_internal_literals_are_refused_without_connecting(url):
    # Only the guard's decision: nothing is sent to these addresses.
    with pytest.raises(UnsafeURL, match="internal address"):
        resolve_checked(url, allowed_private=[])


@pytest.mark.parametrize(
    "address, internal",
    [
        ("10.0.0.5", True),
        ("127.0.0.1", True),
        ("169.254.169.254", True),
        ("100.64.0.1", True),
        ("0.0.0.0", True),
        ("::", True),
        ("::1", True),
        ("::ffff:10.0.0.1", True),
        ("::ffff:127.0.0.1", True),
        ("64:ff9b::7f00:1", True),
        ("fe80::1", True),
        ("ff02::1", True),
        ("93.184.215.14", False),
        ("::ffff:93.184.215.14", False),
        ("2606:4700:4700::1111", False),
    ],
)
def test_is_internal(address, internal):
    assert is_internal(ipaddress.ip_address(address)) is internal


def test_target_keeps_the_checked_address_and_request_line():
    target = resolve_checked("http://[::1]:8080/a/b?c=d#frag", allowed_private=["::1"])

    assert target == safe_http.Target(
        scheme="http", host="::1", port=8080, path_and_query="/a/b?c=d", address="::1"
    )
    assert resolve_checked("HTTPS://127.0.0.1", allowed_private=LOOPBACK).port == 443


def test_a_name_resolving_to_a_private_address_is_refused(monkeypatch):
    fake_dns(monkeypatch, {"example.internal": ["10.0.0.5"]})

    with pytest.raises(UnsafeURL) as refused:
        resolve_checked("https://example.internal/hook", allowed_private=LOOPBACK)
    assert str(refused.value) == (
        "example.internal resolves to the internal address 10.0.0.5; "
        "allow it in CALLBACK_ALLOWED_PRIVATE to send requests there."
    )
    assert resolve_checked("https://example.internal/hook", allowed_private=["10.0.0.0/8"]).address == (
        "10.0.0.5"
    )


def test_one_internal_address_among_public_ones_is_enough_to_refuse(monkeypatch):
    def getaddrinfo(host, port, *args, **kwargs):
        return [
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.215.14", port)),
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.0.0.5", port)),
        ]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)

    with pytest.raises(UnsafeURL, match="internal address 10.0.0.5"):
        resolve_checked("https://mixed.example/", allowed_private=[])


def test_an_unresolvable_name_is_refused(monkeypatch):
    fake_dns(monkeypatch, {})

    with pytest.raises(UnsafeURL, match=r"The host 'nowhere\.example' could not be resolved \("):
        resolve_checked("http://nowhere.example/", allowed_private=[])


def test_dns_rebinding_cannot_redirect_the_request(server, monkeypatch):
    # The first answer passes the check; every later one points at an internal address that is not
    # allowed (still loopback, so that even a broken implementation sends nothing off this machine).
    lookups = fake_dns(monkeypatch, {"rebind.example": ["127.0.0.1", "127.0.0.2"]})

    response = get(f"http://rebind.example:{server.port}/results", allowed_private=["127.0.0.1"])

    assert response.status == 201
    [received] = server.requests
    assert received["headers"]["Host"] == f"rebind.example:{server.port}"
    assert lookups.count("rebind.example") == 1
    # The only other lookup is urllib3 turning the literal into a socket address: no DNS.
    assert set(lookups) <= {"rebind.example", "127.0.0.1"}
    # The stand-in resolver really would have rebound the name.
    with pytest.raises(UnsafeURL, match="internal address 127.0.0.2"):
        get(f"http://rebind.example:{server.port}/results", allowed_private=["127.0.0.1"])


def test_redirects_are_returned_not_followed(server):
    response = get(f"http://127.0.0.1:{server.port}/redirect")

    assert response.status == 302
    assert response.headers["location"] == "http://10.0.0.1/admin"
    assert len(server.requests) == 1


def test_a_long_body_is_cut_after_one_byte_more_than_the_limit(server):
    response = get(f"http://127.0.0.1:{server.port}/bytes/100000", max_response_bytes=1000)

    assert response.status == 200
    assert response.body == b"x" * 1001
    assert response.truncated is True

    exact = get(f"http://127.0.0.1:{server.port}/bytes/1000", max_response_bytes=1000)
    assert exact.body == b"x" * 1000
    assert exact.truncated is False


def test_a_slow_body_is_cut_at_the_deadline(server):
    started = time.monotonic()
    response = get(f"http://127.0.0.1:{server.port}/trickle", timeout=0.5)

    assert response.status == 200
    assert response.truncated is True
    assert 0 < len(response.body) < 20
    assert set(response.body) == {ord("y")}
    assert time.monotonic() - started < 2


def test_a_server_that_never_answers_times_out():
    # Listening but never accepting: the kernel completes the handshake, nobody ever replies.
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        started = time.monotonic()
        with pytest.raises(RequestFailed) as failed:
            get(f"http://127.0.0.1:{silent.getsockname()[1]}/", timeout=0.5)
        elapsed = time.monotonic() - started

    assert str(failed.value) == "Timed out after 0.5 s"
    assert 0.4 < elapsed < 2


def test_a_closed_port_is_connection_refused():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]

    with pytest.raises(RequestFailed) as failed:
        get(f"http://127.0.0.1:{port}/")
    assert str(failed.value) == "Connection refused"


def test_ipv6_addresses_are_bracketed(server):
    # ::ffff:127.0.0.1 reaches the IPv4 server through an IPv6 socket on a dual-stack kernel.
    try:
        with socket.create_connection(("::ffff:127.0.0.1", server.port), timeout=2):
            pass
    except OSError:
        pytest.skip("no dual-stack IPv6 here")
    server.requests.clear()

    response = get(f"http://[::ffff:127.0.0.1]:{server.port}/six")

    assert response.status == 201
    [received] = server.requests
    assert received["path"] == "/six"
    assert received["headers"]["Host"] == f"[::ffff:127.0.0.1]:{server.port}"


def test_https_to_a_plain_http_server_is_a_tls_error(server):
    with pytest.raises(RequestFailed, match="^TLS error: ") as failed:
        get(f"https://127.0.0.1:{server.port}/")
    assert len(str(failed.value)) <= 300


@pytest.fixture
def tls_server(tmp_path) -> Iterator[tuple[Recorder, str]]:
    """The recording server behind TLS, with a self-signed certificate for localhost only."""
    if not shutil.which("openssl"):
        pytest.skip("openssl is not installed")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        + ["-keyout", str(key), "-out", str(cert), "-days", "1", "-subj", "/CN=localhost"]
        + ["-addext", "subjectAltName=DNS:localhost"],
        check=True,
        capture_output=True,
    )
    recorder = Recorder()
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    recorder.server.socket = context.wrap_socket(recorder.server.socket, server_side=True)
    recorder.thread.start()
    yield recorder, str(cert)
    recorder.server.shutdown()
    recorder.server.server_close()


def test_https_checks_the_certificate_against_the_url_host(tls_server, monkeypatch):
    server, cert = tls_server
    fake_dns(monkeypatch, {"localhost": ["127.0.0.1"], "other.example": ["127.0.0.1"]})

    with pytest.raises(RequestFailed, match="certificate verify failed: self.signed certificate"):
        get(f"https://localhost:{server.port}/")

    # Trust the test certificate: the name in the URL matches even though we connect to 127.0.0.1 ...
    monkeypatch.setattr(certifi, "where", lambda: cert)
    response = get(f"https://localhost:{server.port}/secure")
    assert response.status == 201
    assert server.requests[-1]["headers"]["Host"] == f"localhost:{server.port}"

    # ... and a name the certificate does not cover fails, although the address is the same.
    mismatch = "^TLS error: hostname 'other.example' doesn't match 'localhost'$"
    with pytest.raises(RequestFailed, match=mismatch):
        get(f"https://other.example:{server.port}/")
    assert [r["path"] for r in server.requests] == ["/secure"]


def test_a_backslash_before_the_at_sign_is_not_a_second_host():
    # http://127.0.0.1:PORT\\@8.8.8.8/ was once checked as 8.8.8.8 and connected to 127.0.0.1.
    with pytest.raises(UnsafeURL):
        resolve_checked("http://127.0.0.1:8000\\@8.8.8.8/x", allowed_private=[])
