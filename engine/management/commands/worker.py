"""The engine worker: the outbox loop and the timer loop, each on its own thread and database connection.

Start any number of them (scale mode); `manage.py serve` starts one. SIGTERM/Ctrl-C stop it after the
work in hand; SIGKILL loses nothing (claims expire and are taken up again).
"""

import signal
import threading

from django.conf import settings
from django.core.management.base import BaseCommand

from engine import timers, triggers
from people.outbox import worker as outbox_worker


class Command(BaseCommand):
    help = "Handle outbox events and fire participant timers until stopped."

    def add_arguments(self, parser):
        parser.add_argument("--only", choices=["outbox", "timers"], help="Run one loop only.")
        parser.add_argument("--once", action="store_true", help="Handle what is due now, then exit.")

    def handle(self, *args, only: str | None, once: bool, **options):
        if once:
            fired = timers.timers_fire() + triggers.triggers_sweep() if only != "outbox" else 0
            handled = outbox_worker.drain() if only != "timers" else 0
            self.stdout.write(f"{handled} outbox events handled, {fired} timers fired")
            return
        stop = threading.Event()

        def on_signal(*_):
            stop.set()

        signal.signal(signal.SIGTERM, on_signal)
        signal.signal(signal.SIGINT, on_signal)
        poll = settings.WORKER_POLL_SECONDS
        loops = {"outbox": outbox_worker.run, "timers": timers.run}
        threads = [
            threading.Thread(target=loop, args=(stop,), kwargs={"poll_seconds": poll}, name=name, daemon=True)
            for name, loop in loops.items()
            if only in (None, name)
        ]
        for thread in threads:
            thread.start()
        self.stdout.write(f"Worker running: {', '.join(t.name for t in threads)} (Ctrl-C stops it)")
        self.stdout.flush()
        while not stop.is_set():
            stop.wait(0.5)
        for thread in threads:
            thread.join(timeout=30)
