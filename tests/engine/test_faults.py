"""SIGKILL of the engine worker at the worst moments loses nothing and duplicates nothing.

Real `manage.py worker` processes against the test database (SQLite here; PostgreSQL + Redis when CI
runs the suite in scale mode): a worker is killed with SIGKILL in the middle of a 5,000-person launch
and in the middle of a callback delivery, a new one is started, and what people and the service see
is checked.
"""

import json
import os
import signal
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from engine import callbacks, services
from engine.models import CallbackAttempt, CallbackDelivery, Launch, Participant
from flowdesigner import services as flow_services
from messaging.models import Message
from people.models import Person, Tag
from people.outbox.models import OutboxEvent
from tests.engine.reports import counts
from tests.factories import FlowFactory, two_step_definition
from tests.helpers import subprocess_env

pytestmark = pytest.mark.django_db(transaction=True)
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def start_worker(**env: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "manage.py", "worker"],
        cwd=ROOT,
        env=subprocess_env(CALLBACK_ALLOWED_PRIVATE="127.0.0.0/8", PYTHONUNBUFFERED="1", **env),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def kill(worker: subprocess.Popen) -> None:
    try:
        os.killpg(worker.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    worker.wait()


def stop(worker: subprocess.Popen) -> None:
    if worker.poll() is None:
        os.killpg(worker.pid, signal.SIGTERM)
        try:
            worker.wait(timeout=15)
        except subprocess.TimeoutExpired:
            kill(worker)


def wait_for(condition, *, timeout: float, worker: subprocess.Popen | None = None) -> float:
    """Poll `condition` until true; return the seconds it took. Fails after `timeout`."""
    started = time.monotonic()
    while not condition():
        if worker is not None:
            assert worker.poll() is None, "the worker died on its own"
        assert time.monotonic() - started < timeout, "timed out"
        time.sleep(0.1)
    return time.monotonic() - started


@pytest.fixture
def by_workers(settings):
    # Nothing is relayed in this process: every outbox event is left to the worker processes.
    settings.OUTBOX_RELAY_ALL = False


def test_a_worker_killed_during_a_5000_person_launch_loses_and_duplicates_nothing(by_workers):
    tag = Tag.objects.create(name="everyone")
    persons = Person.objects.bulk_create(Person(first_name=f"P{i}") for i in range(5000))
    Person.tags.through.objects.bulk_create(
        Person.tags.through(person_id=p.pk, tag_id=tag.pk) for p in persons
    )
    flow = FlowFactory(draft_definition=two_step_definition(tags=[tag.pk]))
    version = flow_services.flow_publish(flow_id=flow.pk, revision=flow.draft_revision)
    launch = services.launch_create(version=version, audience=None)

    env = {"LAUNCH_BATCH_SIZE": "100", "LAUNCH_BATCH_PAUSE_SECONDS": "0.02"}
    worker = start_worker(**env)
    try:
        wait_for(lambda: Launch.objects.get(pk=launch.pk).entered >= 1250, timeout=120, worker=worker)
    finally:
        kill(worker)
    at_kill = Launch.objects.get(pk=launch.pk)
    assert at_kill.status == "running" and 1250 <= at_kill.entered < 5000

    worker = start_worker(**env)
    try:
        took = wait_for(
            lambda: (
                Launch.objects.get(pk=launch.pk).status == "done"
                and not Message.objects.filter(status="queued").exists()
                and not OutboxEvent.objects.filter(done_at=None, dead_at=None).exists()
            ),
            timeout=90,
            worker=worker,
        )
    finally:
        stop(worker)
    print(f"killed at {at_kill.entered} entered; launch done {took:.1f} s after the restart")
    assert took < 60, f"the launch finished {took:.0f} s after the restart"
    launch.refresh_from_db()
    assert (launch.entered, Participant.objects.filter(launch=launch).count()) == (5000, 5000)
    per_person = Message.objects.filter(direction="out").values("person_id").annotate(n=Count("id"))
    assert len(per_person) == 5000 and {row["n"] for row in per_person} == {1}
    # Every first message was pushed (the push marks it sent), those committed just before the kill too.
    assert set(Message.objects.values_list("status", flat=True)) == {"sent"}
    # The reports' counters agree with the histories: the killed worker's open batch counted nothing, and
    # nothing was counted twice.
    assert counts.stored([version.pk]) == counts.from_history([version.pk])
    assert counts.stored([version.pk])[(version.pk, "ask", "waiting", "")] == 5000


class SlowFirstReceiver:
    """A real HTTP server on 127.0.0.1: holds the first POST (its worker gets killed meanwhile), answers
    later ones at once with a fast-path message."""

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.release = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's naming)
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.requests.append({"headers": dict(self.headers), "body": body})
                if len(receiver.requests) == 1:
                    receiver.release.wait(60)
                reply = json.dumps({"type": "message", "message": {"text": "Thanks, noted."}}).encode()
                try:
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(reply)))
                    self.end_headers()
                    self.wfile.write(reply)
                except OSError:
                    pass  # the killed worker's connection is gone

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/results"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


def test_a_worker_killed_during_a_callback_delivery_delivers_it_once(by_workers):
    receiver = SlowFirstReceiver()
    try:
        person = Person.objects.create(first_name="Ann")
        definition = {
            "spec_version": 1,
            "nodes": [
                {
                    "id": "in",
                    "type": "predefined_audience",
                    "config": {"persons": [person.pk]},
                    "exits": {"next": "x"},
                },
                {"id": "x", "type": "exit", "config": {"name": "Done"}, "exits": {}},
            ],
        }
        flow = FlowFactory(callback_url=receiver.url, draft_definition=definition)
        version = flow_services.flow_publish(flow_id=flow.pk, revision=flow.draft_revision)
        services.launch_create(version=version, audience=None)

        env = {"CALLBACK_TIMEOUT_SECONDS": "2"}
        worker = start_worker(**env)
        try:
            wait_for(lambda: len(receiver.requests) == 1, timeout=60, worker=worker)
        finally:
            kill(worker)  # mid-POST: the service has the request, the worker never saw the answer

        worker = start_worker(**env)
        try:
            wait_for(
                lambda: CallbackDelivery.objects.filter(status="delivered").exists(),
                timeout=90,
                worker=worker,
            )
            time.sleep(1)  # room for a duplicate to show up, if there were one
        finally:
            stop(worker)
    finally:
        receiver.close()

    delivery = CallbackDelivery.objects.get()
    successes = CallbackAttempt.objects.filter(delivery=delivery, status_code=200)
    assert successes.count() == 1 and delivery.status == "delivered"
    # The service saw the same delivery id twice (at least once), and can tell the retry by it.
    assert [r["headers"]["X-Delivery-Id"] for r in receiver.requests] == [str(delivery.pk)] * 2
    # The fast path ran once: one "Thanks" in the person's inbox.
    assert Message.objects.filter(person=person, text="Thanks, noted.").count() == 1


def test_a_delivery_claimed_by_another_worker_is_not_sent_again(by_workers):
    person = Person.objects.create(first_name="Ann")
    flow = FlowFactory(callback_url="http://127.0.0.1:9/results")
    participant = Participant.objects.create(version=_version(flow), person=person)
    with transaction.atomic():
        delivery = CallbackDelivery.objects.create(
            flow=flow,
            participant=participant,
            url=flow.callback_url,
            body="{}",
            claimed_until=timezone.now() + timezone.timedelta(seconds=30),
        )
    with pytest.raises(callbacks.DeliveryBusy):
        callbacks.callback_deliver(delivery.pk)
    assert not CallbackAttempt.objects.exists()


def _version(flow):
    tag = Tag.objects.create(name="t")
    flow.draft_definition = two_step_definition(tags=[tag.pk])
    flow.save()
    return flow_services.flow_publish(flow_id=flow.pk, revision=flow.draft_revision)
