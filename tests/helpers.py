"""Helpers for tests that start real processes or servers on loopback."""

import json
import os
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import quote

from django.db import connection


def subprocess_env(**extra: str) -> dict[str, str]:
    """Environment for a child process that must use the test database this test is using."""
    s = connection.settings_dict
    if connection.vendor == "sqlite":
        url = f"sqlite:///{s['NAME']}"
    else:
        auth = f"{quote(s['USER'] or '')}:{quote(s['PASSWORD'] or '')}@" if s["USER"] else ""
        url = f"postgres://{auth}{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"
    env = dict(os.environ, DATABASE_URL=url, DJANGO_SETTINGS_MODULE="flowdesigner.settings")
    env.update(extra)
    return env


class CallbackReceiver:
    """A real HTTP server on 127.0.0.1 that records POSTs and answers with queued status codes and
    queued bodies (a JSON value, or bytes sent as they are; default {"ok": true/false})."""

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.statuses: list[int] = []
        self.bodies: list[object] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's naming)
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.requests.append({"path": self.path, "headers": dict(self.headers), "body": body})
                code = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                reply = receiver.bodies.pop(0) if receiver.bodies else {"ok": code < 300}
                self.wfile.write(reply if isinstance(reply, bytes) else json.dumps(reply).encode())

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/results"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> "CallbackReceiver":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


def published_changes(after_id: int = 0) -> list:
    """Every person change written to the outbox (topic "person.changed") after event id `after_id`,
    decoded, in order: what the engine's handlers receive."""
    from people import changes
    from people.outbox.models import OutboxEvent

    found = []
    for event in OutboxEvent.objects.filter(topic=changes.TOPIC, pk__gt=after_id).order_by("pk"):
        found.extend(changes.decode(event.payload))
    return found


def last_outbox_id() -> int:
    from people.outbox.models import OutboxEvent

    return OutboxEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def timer_due(participant) -> None:
    """What the passing of time does to a waiting participant: its timer is now due. The indexed column
    the timer worker selects by and the participant's state the core reads both say when; both move."""
    from datetime import timedelta

    from django.utils import timezone

    from engine.models import Participant

    due = timezone.now() - timedelta(seconds=1)
    state = Participant.objects.get(pk=participant.pk).state
    state["wait"]["wake_at"] = due.isoformat()
    Participant.objects.filter(pk=participant.pk).update(wake_at=due, state=state)
