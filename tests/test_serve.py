"""`manage.py serve` (what `make run` starts): daphne (WEB_WORKERS processes, one per core by default),
the engine worker and the qcluster together, stopped together."""

import base64
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.helpers import subprocess_env

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url: str) -> tuple[int, bytes]:
    with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 (loopback test server)
        return response.status, response.read()


def websocket_handshake(port: int, path: str) -> bytes:
    key = base64.b64encode(os.urandom(16)).decode()
    request = (
        f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\nOrigin: http://127.0.0.1:{port}\r\n\r\n"
    )
    with socket.create_connection(("127.0.0.1", port), timeout=5) as conn:
        conn.sendall(request.encode())
        return conn.recv(1024)


@pytest.mark.django_db(transaction=True)
def test_serve_answers_pages_schema_and_websocket_and_ctrl_c_stops_everything(tmp_path):
    port = free_port()
    log = tmp_path / "serve.log"
    with open(log, "wb") as out:
        serve = subprocess.Popen(
            [sys.executable, "manage.py", "serve", "--port", str(port)],
            cwd=ROOT,
            env=subprocess_env(),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                status, body = get(f"http://127.0.0.1:{port}/login/")
                break
            except OSError:
                assert serve.poll() is None, log.read_text()
                assert time.monotonic() < deadline, "serve did not answer within 30 s"
                time.sleep(0.2)
        assert status == 200 and b"Log in" in body
        status, schema = get(f"http://127.0.0.1:{port}/api/schema/")
        assert status == 200 and b"openapi: 3" in schema
        assert websocket_handshake(port, "/ws/inbox/").startswith(b"HTTP/1.1 101")
        # The web processes can answer before the worker has started (on a busy machine, by seconds).
        while "Worker running: outbox, timers" not in log.read_text():
            assert time.monotonic() < deadline, f"the worker did not start within 30 s: {log.read_text()}"
            time.sleep(0.2)

        serve.send_signal(signal.SIGINT)  # Ctrl-C
        serve.wait(timeout=20)
    finally:
        if serve.poll() is None:
            os.killpg(serve.pid, signal.SIGKILL)
    assert f"running at http://127.0.0.1:{port}/" in log.read_text()
    with pytest.raises(OSError):
        get(f"http://127.0.0.1:{port}/login/")
    # Nothing of serve's group is left running (daphne, the worker). The qcluster has a group of its own;
    # tests/test_serve_stop.py follows every process serve started, and the 2 s bound.
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            os.killpg(serve.pid, 0)  # signal 0: only asks whether any process of the group is alive
        except ProcessLookupError:
            break
        time.sleep(0.2)
    else:
        pytest.fail("daphne or the worker kept running after serve stopped")
