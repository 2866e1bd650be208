"""`manage.py serve` with WEB_WORKERS=2: two daphne processes accept on the one port, each holds
websockets, and a push published while one of them serves a request reaches a socket held by the other
(through the channel layer: channels-lite in the SQLite file embedded, Redis in scale mode). A bad
WEB_WORKERS value stops start-up with a message naming it."""

import base64
import http.client
import json
import os
import re
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from engine import services as engine_services
from messaging.models import Message
from tests.helpers import subprocess_env
from tests.test_serve_stop import answers, command_line, descendants, free_port, kill_all

ROOT = Path(__file__).resolve().parents[1]
CSRF_TOKEN = "a" * 32  # any 32 letters: Django compares the header with the cookie


@dataclass
class Serve:
    port: int
    daphnes: list[int]  # pids of the web processes
    output: list[str]
    process: subprocess.Popen
    started: dict[int, str]  # every process serve started

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=10)
            finally:
                kill_all(self.process, self.started)


@pytest.fixture
def serve(transactional_db):
    """`manage.py serve` with two web processes against the test database. Stopped before the test
    database is emptied: on PostgreSQL, emptying it (TRUNCATE) while the worker runs can deadlock."""
    if settings.IN_MEMORY_CHANNEL_LAYER:
        pytest.skip("PostgreSQL without Redis: the in-memory channel layer links no processes")
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "manage.py", "serve", "--port", str(port)],
        cwd=ROOT,
        env=subprocess_env(WEB_WORKERS="2", PYTHONUNBUFFERED="1"),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    output: list[str] = []
    threading.Thread(target=lambda: output.extend(process.stdout), daemon=True).start()
    deadline = time.monotonic() + 60
    while not ("Worker running" in "".join(output) and answers(port)):
        if process.poll() is not None or time.monotonic() > deadline:
            kill_all(process, descendants(process.pid))
            pytest.fail("serve did not come up within 60 s:\n" + "".join(output))
        time.sleep(0.2)
    started = descendants(process.pid)
    daphnes = [pid for pid in started if " -m daphne " in command_line(pid)]
    server = Serve(port, daphnes, output, process, started)
    try:
        yield server
    finally:
        server.stop()


# One test, for serve starts real processes (seconds each).
@pytest.mark.django_db(transaction=True)
def test_two_web_processes_share_the_port_and_a_push_crosses_from_one_to_the_other(
    serve, enduser, published_flow
):
    assert f"running at http://127.0.0.1:{serve.port}/ (2 web processes;" in "".join(serve.output)
    assert len(serve.daphnes) == 2
    # Both accept on the one port: each holds a listening socket bound to it.
    assert all(serve.port in listening_ports(pid) for pid in serve.daphnes), "".join(serve.output)

    # The kernel picks a web process per connection by a hash of the client's port: among 16
    # connections, both get some (all on one would happen once in 30,000 runs).
    connections = [http.client.HTTPConnection("127.0.0.1", serve.port, timeout=10) for _ in range(16)]
    try:
        served_by = set()
        for conn in connections:
            conn.request("GET", "/login/")
            response = conn.getresponse()
            assert response.status == 200 and b"Log in" in response.read()
            served_by.add(serving_pid(conn.sock, serve))
        assert served_by == set(serve.daphnes)
    finally:
        for conn in connections:
            conn.close()

    # A push published while one web process serves an answer reaches the socket the other holds.
    flow, version, _ = published_flow(persons=[enduser.person])
    engine_services.launch_create(version=version, audience=None)
    question = wait_for(lambda: Message.objects.filter(person=enduser.person, direction="out").first())
    client = Client()
    client.force_login(enduser)
    cookies = f"sessionid={client.cookies['sessionid'].value}; csrftoken={CSRF_TOKEN}"

    ws = websocket_connect(serve.port, "/ws/inbox/", cookies)
    try:
        # The answer to "sync" comes after the consumer joined the person's group. The first question
        # may also come pushed (the worker dispatches it), before or after that answer.
        ws_send_json(ws, {"type": "sync"})
        synced = ws_receive_json(ws)
        while synced["type"] == "message" and synced["message"]["id"] == question.pk:
            synced = ws_receive_json(ws)
        assert synced["type"] == "messages" and question.pk in [m["id"] for m in synced["messages"]]
        socket_holder = serving_pid(ws, serve)

        # An HTTP connection the other web process accepted.
        other = None
        for _ in range(50):
            conn = http.client.HTTPConnection("127.0.0.1", serve.port, timeout=10)
            conn.request("GET", "/login/")
            conn.getresponse().read()
            if serving_pid(conn.sock, serve) != socket_holder:
                other = conn
                break
            conn.close()
        assert other is not None, "50 connections in a row went to the web process holding the socket"
        try:
            other.request(
                "POST",
                f"/api/inbox/messages/{question.pk}/answer/",
                body=json.dumps({"button_id": "yes"}),
                headers={"Content-Type": "application/json", "Cookie": cookies, "X-CSRFToken": CSRF_TOKEN},
            )
            response = other.getresponse()
            assert response.status == 200, response.read()
            response.read()
        finally:
            other.close()

        pushed = ws_receive_json(ws)
        while pushed["type"] == "message" and pushed["message"]["id"] == question.pk:
            pushed = ws_receive_json(ws)
        assert pushed["type"] == "message" and pushed["message"]["text"] == "Great!"
    finally:
        ws.close()


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("0", "WEB_WORKERS must be at least 1, not 0"),
        ("two", "WEB_WORKERS must be a whole number, not 'two'"),
    ],
)
def test_a_bad_web_workers_value_stops_start_up(value, message):
    port = free_port()
    result = subprocess.run(
        [sys.executable, "manage.py", "serve", "--port", str(port)],
        cwd=ROOT,
        env=dict(os.environ, WEB_WORKERS=value),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert message in result.stderr
    assert not answers(port)


def test_several_web_workers_need_a_channel_layer_linking_them():
    # PostgreSQL without Redis: the in-memory layer, which cannot carry a push between processes.
    # (Refused before anything connects to the database.)
    result = subprocess.run(
        [sys.executable, "manage.py", "serve", "--port", str(free_port())],
        cwd=ROOT,
        env=dict(
            os.environ, DATABASE_URL="postgres://nobody@127.0.0.1:1/nothing", REDIS_URL="", WEB_WORKERS="2"
        ),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "WEB_WORKERS=2 needs a channel layer that links processes" in result.stderr
    assert "set REDIS_URL, or WEB_WORKERS=1" in result.stderr


# --- which process holds a connection (/proc) -------------------------------------------------------


def _tcp_table() -> list[tuple[int, int, int, str]]:
    """IPv4 TCP sockets of this network namespace: (local port, remote port, inode, state)."""
    rows = []
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local, remote, state, inode = fields[1], fields[2], fields[3], int(fields[9])
        rows.append((int(local.split(":")[1], 16), int(remote.split(":")[1], 16), inode, state))
    return rows


def _socket_inodes(pid: int) -> set[int]:
    inodes = set()
    fds = Path(f"/proc/{pid}/fd")
    for fd in fds.iterdir() if fds.exists() else ():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if match := re.fullmatch(r"socket:\[(\d+)\]", target):
            inodes.add(int(match.group(1)))
    return inodes


def listening_ports(pid: int) -> set[int]:
    inodes = _socket_inodes(pid)
    return {local for local, _, inode, state in _tcp_table() if inode in inodes and state == "0A"}


def serving_pid(client: socket.socket, serve: Serve) -> int:
    """The web process holding the server's end of this client connection."""
    client_port = client.getsockname()[1]
    ends = {inode for local, remote, inode, _ in _tcp_table() if (local, remote) == (serve.port, client_port)}
    holders = [pid for pid in serve.daphnes if _socket_inodes(pid) & ends]
    assert len(holders) == 1, f"{client_port=} {ends=} {holders=}\n" + "".join(serve.output)[-5000:]
    return holders[0]


def wait_for(find, timeout: float = 20):
    deadline = time.monotonic() + timeout
    while (found := find()) is None:
        assert time.monotonic() < deadline, "not there after 20 s"
        time.sleep(0.1)
    return found


# --- a minimal websocket client (RFC 6455: text frames, client frames masked) ---------------------


def websocket_connect(port: int, path: str, cookies: str) -> socket.socket:
    key = base64.b64encode(os.urandom(16)).decode()
    request = (
        f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\nOrigin: http://127.0.0.1:{port}\r\n"
        f"Cookie: {cookies}\r\n\r\n"
    )
    sock = socket.create_connection(("127.0.0.1", port), timeout=20)
    sock.sendall(request.encode())
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = sock.recv(1)
        assert chunk, "the server closed the connection during the handshake"
        head += chunk
    assert head.startswith(b"HTTP/1.1 101"), head
    return sock


def ws_send_json(sock: socket.socket, data: dict) -> None:
    payload = json.dumps(data).encode()
    assert len(payload) < 126
    mask = os.urandom(4)
    masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    sock.sendall(bytes([0x81, 0x80 | len(payload)]) + mask + masked)


def ws_receive_json(sock: socket.socket) -> dict:
    """The next text frame (within the socket's 20 s timeout), skipping pings."""
    while True:
        first, second = _read(sock, 2)
        length = second & 0x7F
        if length == 126:
            (length,) = struct.unpack("!H", _read(sock, 2))
        elif length == 127:
            (length,) = struct.unpack("!Q", _read(sock, 8))
        payload = _read(sock, length)
        opcode = first & 0x0F
        assert opcode != 0x8, f"closed by the server: {payload!r}"
        if opcode == 0x1:
            return json.loads(payload)


def _read(sock: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        assert chunk, "the server closed the connection"
        data += chunk
    return data
