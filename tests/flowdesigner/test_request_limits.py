"""Request body limits (flowdesigner/limits.py): enforced before anything parses a body, in the ASGI
application and inside a real daphne."""

import json
import os
import re
import select
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from asgiref.testing import ApplicationCommunicator
from channels.db import database_sync_to_async
from django.core.signals import request_started
from rest_framework.authtoken.models import Token

from flowdesigner.asgi import application
from flowdesigner.limits import BodyLimitMiddleware
from messaging.models import Upload
from tests.factories import UserFactory

ROOT = Path(__file__).resolve().parents[2]
MiB = 1024 * 1024
PNG = b"\x89PNG\r\n\x1a\n"
BOUNDARY = "limitsboundary"


def http_scope(path: str, *, method: str = "POST", headers: list[tuple[bytes, bytes]] = ()) -> dict:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"testserver"), *headers],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }


async def read_response(communicator) -> tuple[int, dict[bytes, bytes], bytes]:
    start = await communicator.receive_output(timeout=10)
    assert start["type"] == "http.response.start", start
    body = b""
    while True:
        message = await communicator.receive_output(timeout=10)
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    headers: dict[bytes, bytes] = {}
    for name, value in start["headers"]:  # lower-cased names; repeated ones (Set-Cookie) joined
        key = name.lower()
        headers[key] = headers[key] + b"\n" + value if key in headers else value
    return start["status"], headers, body


def multipart(name: str, filename: str, content: bytes) -> bytes:
    return (
        (
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
            f"Content-Type: application/octet-stream\r\n\r\n"
        ).encode()
        + content
        + f"\r\n--{BOUNDARY}--\r\n".encode()
    )


@pytest.fixture
def django_requests():
    """Every request Django starts to handle (request_started fires once the body is in)."""
    started = []

    def receiver(sender, scope=None, **kwargs):
        started.append(scope["path"] if scope else None)

    request_started.connect(receiver)
    yield started
    request_started.disconnect(receiver)


# --- the ASGI layer -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "content_type", "expected"),
    [
        ("/login/", "text/html", "The request body is larger than 2.5 MiB."),
        ("/api/inbox/uploads/", "application/json", {"detail": "The request body is larger than 10 MiB."}),
        ("/api/imports/", "application/json", {"detail": "The request body is larger than 50 MiB."}),
        (
            "/moments/1/flows/7/participants",
            "application/json",
            {
                "detail": "The request body is larger than 4 MiB.",
                "errorCode": "41301",
                "errorMessage": "The request body is larger than 4 MiB.",
            },
        ),
    ],
)
async def test_a_content_length_over_the_limit_is_refused_before_any_body_is_read(
    django_requests, path, content_type, expected
):
    scope = http_scope(path, headers=[(b"content-length", str(300 * MiB).encode())])
    communicator = ApplicationCommunicator(application, scope)
    await communicator.send_input({"type": "http.request", "body": b"x" * 1024, "more_body": True})

    status, headers, body = await read_response(communicator)

    assert status == 413
    assert headers[b"content-type"].startswith(content_type.encode())
    if content_type == "text/html":
        assert expected in body.decode()
    else:
        assert json.loads(body) == expected
    assert communicator.input_queue.qsize() == 1  # the body chunk was never read
    assert django_requests == []
    await communicator.wait(timeout=1)


async def test_a_streamed_body_is_refused_as_soon_as_it_passes_the_limit(django_requests):
    communicator = ApplicationCommunicator(application, http_scope("/login/"))  # no Content-Length
    chunk = b"x" * (256 * 1024)
    sent = 0
    while sent + len(chunk) <= int(2.5 * MiB):  # up to the limit: nothing answered yet
        await communicator.send_input({"type": "http.request", "body": chunk, "more_body": True})
        sent += len(chunk)
        assert await communicator.receive_nothing(timeout=0.05)

    await communicator.send_input({"type": "http.request", "body": chunk, "more_body": True})
    status, _, body = await read_response(communicator)

    assert status == 413
    assert "larger than 2.5 MiB" in body.decode()
    await communicator.wait(timeout=1)
    assert django_requests == []  # Django dropped it before building a request


async def test_the_app_gets_at_most_the_limit_then_a_disconnect(settings):
    settings.REQUEST_MAX_BYTES = 1000
    seen = []

    async def app(scope, receive, send):
        while True:
            message = await receive()
            seen.append((message["type"], len(message.get("body", b""))))
            if message["type"] == "http.disconnect" or not message.get("more_body"):
                return

    communicator = ApplicationCommunicator(BodyLimitMiddleware(app), http_scope("/login/"))
    for _ in range(5):
        await communicator.send_input({"type": "http.request", "body": b"x" * 300, "more_body": True})

    status, _, body = await read_response(communicator)
    await communicator.wait(timeout=1)

    assert status == 413 and "larger than 1000 bytes" in body.decode()
    assert seen == [("http.request", 300)] * 3 + [("http.disconnect", 0)]


@pytest.mark.django_db(transaction=True)
async def test_a_login_under_the_limit_still_works():
    await database_sync_to_async(UserFactory)(username="mia", roles=["marketer"])
    communicator = ApplicationCommunicator(application, http_scope("/login/", method="GET"))
    await communicator.send_input({"type": "http.request", "body": b""})
    status, headers, page = await read_response(communicator)
    assert status == 200
    csrf_cookie = re.search(rb"csrftoken=([^;]+)", headers[b"set-cookie"]).group(1)
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)

    form = b"csrfmiddlewaretoken=" + token + b"&username=mia&password=pw-123456"
    scope = http_scope(
        "/login/",
        headers=[
            (b"cookie", b"csrftoken=" + csrf_cookie),
            (b"content-type", b"application/x-www-form-urlencoded"),
            (b"content-length", str(len(form)).encode()),
        ],
    )
    communicator = ApplicationCommunicator(application, scope)
    await communicator.send_input({"type": "http.request", "body": form[:10], "more_body": True})
    await communicator.send_input({"type": "http.request", "body": form[10:]})
    status, headers, _ = await read_response(communicator)

    assert status == 302 and headers[b"location"] == b"/"


@pytest.fixture
def small_limits(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.REQUEST_MAX_BYTES = 64 * 1024
    settings.UPLOAD_MAX_BYTES = 256 * 1024


@pytest.mark.django_db(transaction=True)
async def test_the_upload_path_accepts_bodies_up_to_its_own_larger_limit(small_limits, enduser):
    token = await database_sync_to_async(Token.objects.create)(user=enduser)
    body = multipart("file", "photo.png", PNG + b"\x00" * (256 * 1024 - len(PNG)))  # a file of the limit
    assert len(body) > 4 * 64 * 1024  # four times the default limit

    def scope(path):
        return http_scope(
            path,
            headers=[
                (b"authorization", f"Token {token.key}".encode()),
                (b"content-type", f"multipart/form-data; boundary={BOUNDARY}".encode()),
                (b"content-length", str(len(body)).encode()),
            ],
        )

    communicator = ApplicationCommunicator(application, scope("/api/inbox/uploads/"))
    for offset in range(0, len(body), 64 * 1024):
        await communicator.send_input(
            {"type": "http.request", "body": body[offset : offset + 64 * 1024], "more_body": True}
        )
    await communicator.send_input({"type": "http.request", "body": b""})
    status, _, answer = await read_response(communicator)
    assert status == 201, answer
    assert (await database_sync_to_async(Upload.objects.get)()).size == 256 * 1024

    # The same body elsewhere is over the default limit.
    communicator = ApplicationCommunicator(application, scope("/api/events/"))
    status, _, answer = await read_response(communicator)
    assert status == 413
    assert json.loads(answer) == {"detail": "The request body is larger than 64 KiB."}

    # Past the upload limit and its multipart envelope, even without Content-Length.
    headers = [h for h in scope("/api/inbox/uploads/")["headers"] if h[0] != b"content-length"]
    communicator = ApplicationCommunicator(application, {**scope("/api/inbox/uploads/"), "headers": headers})
    for _ in range(6):
        await communicator.send_input({"type": "http.request", "body": b"x" * 64 * 1024, "more_body": True})
    status, _, answer = await read_response(communicator)
    assert status == 413
    assert json.loads(answer) == {"detail": "The request body is larger than 256 KiB."}


# --- a real daphne ------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def memory_mib(pid: int) -> dict[str, float]:
    """VmRSS (now) and VmHWM (the peak so far) of a process, in MiB."""
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            values[key] = int(rest.split()[0]) / 1024
    return values


@pytest.fixture(scope="module")
def daphne(tmp_path_factory):
    """daphne serving flowdesigner.asgi:application on 127.0.0.1. It has no migrated database: every
    request below is answered before a query would run."""
    var = tmp_path_factory.mktemp("daphne-var")
    env = dict(
        os.environ,
        DJANGO_SETTINGS_MODULE="flowdesigner.settings",
        FLOWDESIGNER_VAR_DIR=str(var),
        DATABASE_URL=f"sqlite:///{var / 'db.sqlite3'}",
    )
    env.pop("REDIS_URL", None)
    port = free_port()
    log = open(var / "daphne.log", "w")
    process = subprocess.Popen(
        [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "flowdesigner.asgi:application"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/login/", timeout=5) as response:
                    assert response.status == 200
                break
            except OSError:
                assert process.poll() is None, (var / "daphne.log").read_text()
                assert time.monotonic() < deadline, "daphne did not answer within 60 s"
                time.sleep(0.2)
        yield process, port
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()


def post_in_chunks(port: int, path: str, *, total: int, chunked: bool, content_type: bytes):
    """POST `total` bytes in 1 MiB pieces; stop as soon as an answer arrives. Returns (answer, bytes sent)."""
    head = (
        b"POST " + path.encode() + b" HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: " + content_type + b"\r\n"
    )
    head += b"Transfer-Encoding: chunked\r\n" if chunked else f"Content-Length: {total}\r\n".encode()
    piece = b"x" * MiB
    sent = 0
    answer = b""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
        conn.sendall(head + b"\r\n")
        while sent < total:
            if select.select([conn], [], [], 0)[0]:
                break  # answered while the body is still on its way
            data = f"{len(piece):x}\r\n".encode() + piece + b"\r\n" if chunked else piece
            try:
                conn.sendall(data)
            except OSError:
                break
            sent += len(piece)
        while b"\r\n\r\n" not in answer or len(answer.split(b"\r\n\r\n", 1)[1]) < content_length(answer):
            data = conn.recv(65536)
            if not data:
                break
            answer += data
    return answer, sent


def content_length(answer: bytes) -> int:
    found = re.search(rb"(?i)content-length: (\d+)", answer)
    return int(found.group(1)) if found else 0


def test_daphne_refuses_a_300_mib_body_while_it_arrives_without_growing(daphne):
    process, port = daphne
    multipart_type = f"multipart/form-data; boundary={BOUNDARY}".encode()
    before = memory_mib(process.pid)

    # Streamed (chunked, so no Content-Length) to the photo upload path, with no login.
    answer, sent = post_in_chunks(
        port, "/api/inbox/uploads/", total=300 * MiB, chunked=True, content_type=multipart_type
    )
    assert answer.startswith(b"HTTP/1.1 413 "), answer[:200]
    assert json.loads(answer.split(b"\r\n\r\n", 1)[1]) == {
        "detail": "The request body is larger than 10 MiB."
    }
    assert sent < 30 * MiB  # daphne answered while the body arrived, not after 300 MiB
    streamed = memory_mib(process.pid)

    # A declared 300 MiB multipart login form: refused from the headers, before the body.
    answer, sent = post_in_chunks(
        port, "/login/", total=300 * MiB, chunked=False, content_type=multipart_type
    )
    assert answer.startswith(b"HTTP/1.1 413 "), answer[:200]
    assert b"larger than 2.5 MiB" in answer
    assert sent < 30 * MiB
    after = memory_mib(process.pid)

    assert after["VmRSS"] - before["VmRSS"] < 50, (before, streamed, after)
    assert after["VmHWM"] - before["VmHWM"] < 50, (before, streamed, after)  # not even for a moment


def test_daphne_hands_a_body_under_the_limit_to_django_without_parsing_it(daphne):
    process, port = daphne
    before = memory_mib(process.pid)
    body = multipart("file", "photo.png", PNG + b"\x00" * (9 * MiB))
    head = (
        f"POST /api/inbox/uploads/ HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
        f"Content-Type: multipart/form-data; boundary={BOUNDARY}\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode()
    with socket.create_connection(("127.0.0.1", port), timeout=30) as conn:
        conn.sendall(head + body)
        answer = b""
        while data := conn.recv(65536):
            answer += data

    # Not logged in: Django's answer, not a 413. Twisted's form parsing of this body alone took about
    # 12x its size (110 MiB); daphne now only queues it once for the app.
    assert answer.startswith((b"HTTP/1.1 401 ", b"HTTP/1.1 403 ")), answer[:200]
    assert memory_mib(process.pid)["VmHWM"] - before["VmHWM"] < 50
