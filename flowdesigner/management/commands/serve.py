"""Run the whole product on one machine: daphne (HTTP + websockets), the engine worker (outbox and
timers) and the django-q2 cluster.

Ctrl-C (or SIGTERM) stops both; if either dies, the other is stopped too, so the product is never
left half running.
"""

import os
import signal
import subprocess
import sys
import time

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Start daphne, the engine worker and the qcluster together on 127.0.0.1; Ctrl-C stops both."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))

    def handle(self, *args, host: str, port: int, **options):
        python = sys.executable
        processes = {
            "daphne": subprocess.Popen(
                [python, "-m", "daphne", "-b", host, "-p", str(port), "flowdesigner.asgi:application"]
            ),
            "worker": subprocess.Popen([python, "manage.py", "worker"]),
            "qcluster": subprocess.Popen([python, "manage.py", "qcluster"]),
        }
        self.stdout.write(
            self.style.SUCCESS(f"Flowdesigner is running at http://{host}:{port}/ (Ctrl-C stops it)")
        )

        stopping = False

        def stop(*_):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        try:
            while not stopping and all(p.poll() is None for p in processes.values()):
                time.sleep(0.3)
        finally:
            for process in processes.values():
                if process.poll() is None:
                    process.send_signal(signal.SIGTERM)
            deadline = time.monotonic() + 15
            for name, process in processes.items():
                try:
                    process.wait(timeout=max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    process.kill()
                    self.stderr.write(f"{name} did not stop in time and was killed")
        dead = [name for name, p in processes.items() if p.returncode not in (0, -signal.SIGTERM, None)]
        if dead and not stopping:
            raise SystemExit(f"{', '.join(dead)} stopped unexpectedly; see the log above.")
