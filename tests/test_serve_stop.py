"""`manage.py serve` stops within 2 s of SIGTERM or Ctrl-C, and nothing it started is left running:
the web processes (two daphnes here, WEB_WORKERS=2), the worker, the qcluster and the qcluster's own
children (Sentinel, workers, monitor, pusher).

The signal goes to serve alone (a process manager, `kill <pid>`) or to serve's whole process group
(Ctrl-C in a terminal, `kill -- -<pgid>`). Before the fix, a SIGTERM to the group hung the qcluster until
it was killed 15 s later."""

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings

from tests.helpers import subprocess_env

ROOT = Path(__file__).resolve().parents[1]
# Two web processes, unless the channel layer cannot link them (PostgreSQL without Redis).
WEB_WORKERS = 1 if settings.IN_MEMORY_CHANNEL_LAYER else 2


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _stat(pid: int) -> list[str] | None:
    """The fields of /proc/<pid>/stat after the command name: state, ppid, pgrp, ... (None: no process)."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    return text.rsplit(")", 1)[1].split()


def descendants(root: int) -> dict[int, str]:
    """Every process below `root`, as {pid: start time} (the start time tells a reused pid apart)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (fields := _stat(int(entry.name))) is not None:
            children.setdefault(int(fields[1]), []).append(int(entry.name))
    found: dict[int, str] = {}
    todo = [root]
    while todo:
        for child in children.get(todo.pop(), []):
            if (fields := _stat(child)) is not None:
                found[child] = fields[19]
                todo.append(child)
    return found


def running(processes: dict[int, str]) -> list[int]:
    """The ones still running (an exited process waiting to be reaped is not)."""
    left = []
    for pid, started in processes.items():
        fields = _stat(pid)
        if fields is not None and fields[19] == started and fields[0] != "Z":
            left.append(pid)
    return left


def command_line(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode().strip()
    except OSError:
        return "?"


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("sig", "whole_group"),
    [
        pytest.param(signal.SIGTERM, False, id="SIGTERM-to-serve"),
        pytest.param(signal.SIGINT, False, id="SIGINT-to-serve"),
        pytest.param(signal.SIGTERM, True, id="SIGTERM-to-the-group"),
        pytest.param(signal.SIGINT, True, id="Ctrl-C-in-a-terminal"),
    ],
)
def test_serve_stops_everything_within_2_s(sig, whole_group):
    serve, output, started = start_serve()
    try:
        stopped_at = time.monotonic()
        if whole_group:
            os.killpg(serve.pid, sig)
        else:
            serve.send_signal(sig)
        left = wait_until_gone(started, stopped_at + 2.0)
        elapsed = time.monotonic() - stopped_at
        assert not left, f"still running {elapsed:.1f} s after the signal: " + ", ".join(
            f"{pid} {command_line(pid)}" for pid in left
        )
        assert serve.wait(timeout=1) == 0, "".join(output)
    finally:
        kill_all(serve, started)


@pytest.mark.django_db(transaction=True)
def test_nothing_outlives_a_killed_serve():
    """The qcluster is in a process group of its own; the kernel still stops it when serve dies."""
    serve, _, started = start_serve()
    try:
        stopped_at = time.monotonic()
        serve.kill()
        left = wait_until_gone(started, stopped_at + 5.0)
        assert not left, "left running: " + ", ".join(f"{pid} {command_line(pid)}" for pid in left)
    finally:
        kill_all(serve, started)


def start_serve() -> tuple[subprocess.Popen, list[str], dict[int, str]]:
    """serve on a free port against the test database, once daphne answers and the qcluster runs."""
    port = free_port()
    serve = subprocess.Popen(
        [sys.executable, "manage.py", "serve", "--port", str(port)],
        cwd=ROOT,
        env=subprocess_env(PYTHONUNBUFFERED="1", WEB_WORKERS=str(WEB_WORKERS)),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    output: list[str] = []
    threading.Thread(target=lambda: output.extend(serve.stdout), daemon=True).start()
    deadline = time.monotonic() + 60
    while True:
        text = "".join(output)
        if re.search(r"Q Cluster .* running\.", text) and "Worker running" in text and answers(port):
            break
        if serve.poll() is not None or time.monotonic() > deadline:
            kill_all(serve, descendants(serve.pid))
            pytest.fail(f"serve did not come up within 60 s:\n{text}")
        time.sleep(0.2)
    started = descendants(serve.pid)
    names = [command_line(pid) for pid in started]
    assert sum("daphne" in n for n in names) == WEB_WORKERS, names
    assert sum("manage.py worker" in n for n in names) == 1, names
    assert sum("manage.py qcluster" in n for n in names) >= 4, names  # main, Sentinel, workers, ...
    started[serve.pid] = _stat(serve.pid)[19]
    return serve, output, started


def answers(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/login/", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def wait_until_gone(processes: dict[int, str], deadline: float) -> list[int]:
    while (left := running(processes)) and time.monotonic() < deadline:
        time.sleep(0.02)
    return left


def kill_all(serve: subprocess.Popen, processes: dict[int, str]) -> None:
    for pid in running(processes):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    if serve.poll() is None:
        serve.kill()
    serve.wait()
