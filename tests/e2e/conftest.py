"""A live stack for browser tests: real daphne + real qcluster on 127.0.0.1 against this test
run's database, and Debian's Chromium driven by Playwright."""

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from django.db import connections

from tests.helpers import subprocess_env

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_http(url: str, process: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode} before it answered {url}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 (our own loopback server)
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {timeout} s")


@pytest.fixture(autouse=True)
def _fast_password_hashing():
    """Overrides the suite's fast hasher: the live servers must verify the passwords we set."""


@pytest.fixture(autouse=True)
def _orm_beside_playwright(monkeypatch):
    # Playwright's sync API keeps an event loop in this thread; the ORM calls the tests make between
    # browser steps are still plain synchronous code. Only this test process, never the servers.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture
def live_stack_env() -> dict[str, str]:
    """Extra environment for the live stack's processes; a test module overrides it (e.g. an SMTP port)."""
    return {}


@pytest.fixture
def live_stack(transactional_db, live_stack_env):
    """Start daphne, the engine worker and a qcluster like `make run` does; stop them after the test."""
    port = _free_port()
    env = subprocess_env(
        CALLBACK_ALLOWED_PRIVATE="127.0.0.0/8",
        Q_WORKERS="2",
        PYTHONUNBUFFERED="1",
        TRIGGER_SWEEP_SECONDS="1",
        **live_stack_env,
    )
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    log_dir = ROOT / "var" / "e2e-logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    logs = {name: open(log_dir / f"{name}.log", "w") for name in ("daphne", "worker", "qcluster")}  # noqa: SIM115
    processes = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "daphne",
                "-b",
                "127.0.0.1",
                "-p",
                str(port),
                "flowdesigner.asgi:application",
            ],
            cwd=ROOT,
            env=env,
            stdout=logs["daphne"],
            stderr=subprocess.STDOUT,
            start_new_session=True,
        ),
        subprocess.Popen(
            [sys.executable, "manage.py", "worker"],
            cwd=ROOT,
            env=env,
            stdout=logs["worker"],
            stderr=subprocess.STDOUT,
            start_new_session=True,
        ),
        subprocess.Popen(
            [sys.executable, "manage.py", "qcluster"],
            cwd=ROOT,
            env=env,
            stdout=logs["qcluster"],
            stderr=subprocess.STDOUT,
            start_new_session=True,
        ),
    ]
    base_url = f"http://127.0.0.1:{port}"
    try:
        _wait_http(f"{base_url}/login/", processes[0])
        yield base_url
    finally:
        for process in processes:
            _stop_group(process)
        for log in logs.values():
            log.close()


def _stop_group(process: subprocess.Popen, grace: float = 10) -> None:
    """Stop a server and every process it forked (qcluster's workers): a worker that outlives its
    parent keeps a database session open, and PostgreSQL then refuses to drop the test database at
    the end of the run. start_new_session=True made the server a process group leader."""
    group = process.pid
    # The leader first: qcluster stops its own workers cleanly when it alone gets SIGTERM, but not when
    # the whole group does (then it hangs until killed, 20 s per test). What is left gets the group's.
    process.send_signal(signal.SIGTERM)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=grace)
    _signal_group(group, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while _signal_group(group, 0) and time.monotonic() < deadline:
        time.sleep(0.1)
    _signal_group(group, signal.SIGKILL)
    process.wait()


def _signal_group(group: int, sig: int) -> bool:
    """Send `sig` to the process group; False when no process of it is left."""
    try:
        os.killpg(group, sig)
    except ProcessLookupError:
        return False
    return True


@pytest.fixture
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()
            # While Playwright's event loop runs, asgiref hands the ORM calls of the test a database
            # connection of their own (per context, not per thread); close it here, still inside
            # that context, or it stays open and PostgreSQL refuses to drop the test database.
            connections.close_all()


def login(browser, base_url: str, username: str, password: str, **context_options):
    """A fresh browser context (its own cookies, like another browser) logged in as `username`."""
    context = browser.new_context(**context_options)
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto(f"{base_url}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")
    return page
