"""Run the whole product on one machine: WEB_WORKERS daphne processes (HTTP + websockets) sharing one
port, the engine worker (outbox and timers) and the django-q2 cluster.

serve binds the port itself and hands each daphne a listening socket (`daphne --fd`). On Linux each
daphne gets a socket of its own, all bound to HOST:PORT with SO_REUSEPORT, and the kernel spreads new
connections over them by a hash of the client's address and port. One socket shared by all would let
whichever process wakes first take a whole burst (Twisted accepts up to 100 connections per wake-up):
64 clients connecting at once could all land on one daphne. Every daphne holds websockets; the channel
layer (Redis, or channels-lite in the SQLite file) carries a push from any process to a socket on any
other. Before binding, serve checks that nothing listens on the port yet: SO_REUSEPORT would otherwise
let a second serve of the same user quietly share the port with the first.

Ctrl-C or SIGTERM stops them all within about 2 s, whether it reaches serve alone or serve's whole
process group. If one of them dies, the others are stopped too, so the product is never left half
running.

The qcluster runs in a process group of its own, and serve passes the stop on to it. django-q2 stops
cleanly, in about 1 s, only when its main process alone gets SIGTERM. Its Sentinel (the child that
runs the workers) resets SIGTERM to the default action. A SIGTERM sent to the whole group therefore
kills the Sentinel while it sleeps in stop_event.wait(). The main process, handling the same SIGTERM,
then calls stop_event.set(), and multiprocessing's Condition.notify() waits forever for the dead
sleeper. That was the 15 s hang: the qcluster stopped only when it was killed, and its children could
be left behind. As a last resort, whatever has not stopped after GRACE_SECONDS is killed: the qcluster
with its whole group, so none of its processes are left.
"""

import contextlib
import ctypes
import gc
import os
import select
import signal
import socket
import subprocess
import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

# How long the three get to stop on their own after SIGTERM (a qcluster needs about 1 s) before SIGKILL.
GRACE_SECONDS = 1.5
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)
WEBSOCKET_CONNECT_TIMEOUT = 60  # seconds

# Connections the kernel queues per listening socket until a daphne accepts them: a restart that
# reconnects thousands of websockets at once must not see them refused (Twisted's own default is 50).
LISTEN_BACKLOG = 2048


def _stop_with_parent():
    """A preexec_fn: the kernel sends the child SIGTERM when serve dies, even when serve is killed (the
    OOM killer, kill -9). No child outlives serve. This matters most for the qcluster, which is outside
    serve's process group, so a kill of that group does not reach it."""
    if not sys.platform.startswith("linux"):
        return None
    serve = os.getpid()
    prctl = ctypes.CDLL(None, use_errno=True).prctl  # looked up here, not in the forked child
    pr_set_pdeathsig = 1  # <sys/prctl.h>

    def arm() -> None:
        prctl(pr_set_pdeathsig, signal.SIGTERM)
        if os.getppid() != serve:  # serve died before the prctl took effect
            os.kill(os.getpid(), signal.SIGTERM)

    return arm


class Command(BaseCommand):
    help = (
        "Start WEB_WORKERS daphne processes on one port, the engine worker and the qcluster together "
        "on 127.0.0.1; Ctrl-C stops them."
    )

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))

    def handle(self, *args, host: str, port: int, **options):
        web_workers = settings.WEB_WORKERS
        if web_workers > 1 and settings.IN_MEMORY_CHANNEL_LAYER:
            raise CommandError(
                f"WEB_WORKERS={web_workers} needs a channel layer that links processes, and the in-memory "
                "one (PostgreSQL without Redis) does not: set REDIS_URL, or WEB_WORKERS=1."
            )
        sockets = _listening_sockets(host, port, web_workers)
        port = sockets[0].getsockname()[1]  # the one chosen by the system for --port 0
        stop_signals: list[int] = []

        def request_stop(signum, _frame):
            stop_signals.append(signum)

        for sig in STOP_SIGNALS:
            signal.signal(sig, request_stop)
        # Any signal (a stop request, or SIGCHLD when a child exits) writes to this pipe and wakes the
        # loop below at once.
        wake_read, wake_write = os.pipe()
        os.set_blocking(wake_read, False)
        os.set_blocking(wake_write, False)
        previous_wakeup_fd = signal.set_wakeup_fd(wake_write)
        signal.signal(signal.SIGCHLD, lambda *_: None)

        python = sys.executable
        stop_with_serve = _stop_with_parent()
        processes: dict[str, subprocess.Popen] = {}
        try:
            # serve starts no threads, so preexec_fn is safe here.
            for number, sock in enumerate(sockets, start=1):
                name = "daphne" if web_workers == 1 else f"daphne {number}"
                processes[name] = subprocess.Popen(
                    daphne_command(sock.fileno()),
                    pass_fds=(sock.fileno(),),
                    preexec_fn=stop_with_serve,
                )
            # Only the daphnes hold the port now: once they stop, nothing answers (or queues) on it.
            for sock in sockets:
                sock.close()
            processes["worker"] = subprocess.Popen(
                [python, "manage.py", "worker"], preexec_fn=stop_with_serve
            )
            processes["qcluster"] = subprocess.Popen(
                [python, "manage.py", "qcluster"],
                stdin=subprocess.DEVNULL,
                process_group=0,  # see the module docstring
                preexec_fn=stop_with_serve,
            )
            web = "1 web process" if web_workers == 1 else f"{web_workers} web processes"
            self.stdout.write(
                self.style.SUCCESS(
                    f"Flowdesigner is running at http://{host}:{port}/ ({web}; Ctrl-C stops it)"
                )
            )
            while not stop_signals and all(p.poll() is None for p in processes.values()):
                select.select([wake_read], [], [], 5.0)
                with contextlib.suppress(BlockingIOError):
                    os.read(wake_read, 512)
        finally:
            for sock in sockets:
                sock.close()  # a second close does nothing
            self._stop(processes)
            signal.set_wakeup_fd(previous_wakeup_fd)
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            os.close(wake_read)
            os.close(wake_write)
            # serve exits next. Freezing skips the interpreter's final collection of the ~1,500 modules
            # Django loaded: 0.2-0.4 s of a stop that should take under 2 s.
            gc.freeze()
        dead = [name for name, p in processes.items() if p.returncode not in (0, -signal.SIGTERM)]
        if dead and not stop_signals:
            raise SystemExit(f"{', '.join(dead)} stopped unexpectedly; see the log above.")

    def _stop(self, processes: dict[str, subprocess.Popen]) -> None:
        """SIGTERM to each, GRACE_SECONDS to stop, then SIGKILL: nothing of them is left running."""
        for process in processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + GRACE_SECONDS
        for name, process in processes.items():
            try:
                process.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                self.stderr.write(f"{name} did not stop within {GRACE_SECONDS:g} s and was killed")
                if name == "qcluster":
                    _kill_group(process.pid)  # before the leader is reaped: the group id is surely its own
                process.kill()
                process.wait()
        qcluster = processes.get("qcluster")
        if qcluster is not None and qcluster.returncode != 0:
            # A qcluster that died on its own, or was killed, can leave its Sentinel and workers behind.
            # (After a clean stop, django-q2 has joined all of them.)
            _kill_group(qcluster.pid)


def daphne_command(fd: int, *options: str) -> list[str]:
    """The command line of one daphne serving the application on the listening socket `fd` (also what
    bench/sockets.py starts), with extra daphne `options`."""
    return [
        sys.executable,
        "-m",
        "daphne",
        "--fd",
        str(fd),
        # A handshake may wait this long for its turn: after a restart every open inbox reconnects at once,
        # and daphne's default (5 s) dropped them faster than they were served, so none came back
        # (bench/sockets.py).
        "--websocket_connect_timeout",
        str(WEBSOCKET_CONNECT_TIMEOUT),
        *options,
        "flowdesigner.asgi:application",
    ]


def _listening_sockets(host: str, port: int, count: int) -> list[socket.socket]:
    """`count` sockets listening on host:port for the daphnes (see the module docstring): one each in
    an SO_REUSEPORT group on Linux, else the one socket all of them share."""
    # IPv4 only: daphne's --fd adopts a socket as IPv4, and the client addresses of an IPv6 one (which
    # login throttling counts by) come out garbled.
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, family=socket.AF_INET, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
    except socket.gaierror as error:
        raise CommandError(
            f"HOST must be an IPv4 address or a name with one, not {host!r}: {error}"
        ) from None
    reuse_port = count > 1 and sys.platform.startswith("linux")
    sockets: list[socket.socket] = []
    try:
        with socket.socket(family, kind, proto) as probe:
            # Fails when anything listens there, SO_REUSEPORT or not (TIME_WAIT leftovers are fine).
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind(address)
            address = probe.getsockname()  # the port the system chose for port 0
        for _ in range(count if reuse_port else 1):
            sock = socket.socket(family, kind, proto)
            sockets.append(sock)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if reuse_port:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
            sock.bind(address)
            sock.listen(LISTEN_BACKLOG)
    except OSError as error:
        for sock in sockets:
            sock.close()
        raise CommandError(f"Cannot listen on {host}:{port}: {error.strerror or error}") from None
    return sockets if reuse_port else sockets * count


def _kill_group(pgid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)
