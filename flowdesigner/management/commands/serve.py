"""Run the whole product on one machine: daphne (HTTP + websockets), the engine worker (outbox and
timers) and the django-q2 cluster.

Ctrl-C or SIGTERM stops all three within about 2 s, whether it reaches serve alone or serve's whole
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
import subprocess
import sys
import time

from django.core.management.base import BaseCommand

# How long the three get to stop on their own after SIGTERM (a qcluster needs about 1 s) before SIGKILL.
GRACE_SECONDS = 1.5
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


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
    help = "Start daphne, the engine worker and the qcluster together on 127.0.0.1; Ctrl-C stops them."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))

    def handle(self, *args, host: str, port: int, **options):
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
            processes["daphne"] = subprocess.Popen(
                [python, "-m", "daphne", "-b", host, "-p", str(port), "flowdesigner.asgi:application"],
                preexec_fn=stop_with_serve,
            )
            processes["worker"] = subprocess.Popen(
                [python, "manage.py", "worker"], preexec_fn=stop_with_serve
            )
            processes["qcluster"] = subprocess.Popen(
                [python, "manage.py", "qcluster"],
                stdin=subprocess.DEVNULL,
                process_group=0,  # see the module docstring
                preexec_fn=stop_with_serve,
            )
            self.stdout.write(
                self.style.SUCCESS(f"Flowdesigner is running at http://{host}:{port}/ (Ctrl-C stops it)")
            )
            while not stop_signals and all(p.poll() is None for p in processes.values()):
                select.select([wake_read], [], [], 5.0)
                with contextlib.suppress(BlockingIOError):
                    os.read(wake_read, 512)
        finally:
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


def _kill_group(pgid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)
