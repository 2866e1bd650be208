import signal
import subprocess
import sys
import time
from datetime import timedelta

import pytest
from django.db.models import Count
from django.utils import timezone

from engine import services
from engine.models import Launch, Participant, ParticipantStep
from messaging.models import Message
from people.models import Person
from people.outbox.models import OutboxEvent
from people.outbox.worker import drain
from tests.factories import PersonFactory
from tests.helpers import subprocess_env


def test_launch_to_predefined_audience_sends_each_person_the_first_message(
    published_flow, django_capture_on_commit_callbacks
):
    people = PersonFactory.create_batch(3)
    outsider = PersonFactory()
    flow, version, tag = published_flow(persons=people)

    with django_capture_on_commit_callbacks(execute=True):
        launch = services.launch_create(version=version, audience=None, launch_tag="spring")

    launch.refresh_from_db()
    assert (launch.status, launch.total, launch.entered) == ("done", 3, 3)
    first = Message.objects.filter(direction="out").order_by("person_id")
    assert [m.person_id for m in first] == [p.pk for p in people]
    assert {m.text for m in first} == {"Coming on Friday?"}
    assert all(
        m.status == "sent" and m.buttons[0] == {"id": "yes", "caption": "Yes", "action": ""} for m in first
    )
    assert not Message.objects.filter(person=outsider).exists()
    participant = Participant.objects.get(person=people[0])
    assert (participant.status, participant.current_node) == ("waiting", "ask")
    steps = list(ParticipantStep.objects.filter(participant=participant).values_list("node_id", "exit_name"))
    assert steps == [("audience", "next"), ("ask", "")]


def test_launch_to_a_tag_overrides_the_predefined_audience(
    published_flow, django_capture_on_commit_callbacks
):
    flow, version, _ = published_flow(persons=PersonFactory.create_batch(2))
    other = PersonFactory.create_batch(4)
    from tests.factories import TagFactory

    tag = TagFactory(name="vip")
    for p in other:
        p.tags.add(tag)
    with django_capture_on_commit_callbacks(execute=True):
        launch = services.launch_create(version=version, audience={"tags": [tag.pk], "persons": []})
    assert Launch.objects.get(pk=launch.pk).entered == 4
    assert set(Message.objects.values_list("person_id", flat=True)) == {p.pk for p in other}


def test_launch_with_nobody_in_the_audience_is_refused(published_flow):
    flow, version, _ = published_flow()
    with pytest.raises(services.LaunchRefused, match="Nobody is in this audience"):
        services.launch_create(version=version, audience=None)
    assert not Launch.objects.exists()


def test_running_a_finished_launch_again_sends_nothing_more(
    published_flow, django_capture_on_commit_callbacks
):
    flow, version, _ = published_flow(persons=PersonFactory.create_batch(5))
    with django_capture_on_commit_callbacks(execute=True):
        launch = services.launch_create(version=version, audience=None)
    Launch.objects.filter(pk=launch.pk).update(status="running", cursor=0)  # as if the task were retried
    services.launch_run(launch.pk)
    assert Message.objects.count() == 5
    assert Participant.objects.count() == 5


@pytest.mark.django_db(transaction=True)
def test_launch_to_1000_killed_midway_and_retried_messages_each_person_exactly_once(published_flow, settings):
    people = Person.objects.bulk_create(
        Person(first_name=f"P{i}", email=f"p{i}@example.com") for i in range(1000)
    )
    flow, version, tag = published_flow()
    Person.tags.through.objects.bulk_create(
        Person.tags.through(person_id=p.pk, tag_id=tag.pk) for p in people
    )
    settings.OUTBOX_RELAY_ALL = False  # leave the launch's outbox event to the worker process
    launch = services.launch_create(version=version, audience=None)

    worker = subprocess.Popen(
        [sys.executable, "manage.py", "worker", "--only", "outbox"],
        env=subprocess_env(LAUNCH_BATCH_SIZE="50", LAUNCH_BATCH_PAUSE_SECONDS="0.05"),
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        entered = Launch.objects.get(pk=launch.pk).entered
        if entered >= 200:
            break
        assert worker.poll() is None, "the launch worker died before it was killed"
        time.sleep(0.01)
    worker.send_signal(signal.SIGKILL)
    worker.wait()
    killed_at = Launch.objects.get(pk=launch.pk)
    assert killed_at.status == "running" and 200 <= killed_at.entered < 1000

    # The killed worker's claim on the launch event runs out (what its lease does in 30 s), and the
    # next worker takes the event up again and continues after the committed cursor.
    OutboxEvent.objects.filter(topic="launch.run", done_at__isnull=True).update(
        claimed_until=timezone.now() - timedelta(seconds=1)
    )
    drain()

    launch.refresh_from_db()
    assert (launch.status, launch.entered) == ("done", 1000)
    assert Participant.objects.filter(launch=launch).count() == 1000
    per_person = Message.objects.filter(direction="out").values("person_id").annotate(n=Count("id"))
    assert len(per_person) == 1000
    assert {row["n"] for row in per_person} == {1}


def test_launch_to_a_segment_and_a_company(published_flow, django_capture_on_commit_callbacks):
    from tests.factories import CompanyFactory, SegmentFactory

    flow, version, _ = published_flow(persons=[PersonFactory()])
    anna, alex, _bob = (PersonFactory(first_name=n) for n in ("Anna", "alex", "Bob"))
    acme = CompanyFactory(name="Acme")
    colleague = PersonFactory(first_name="Zed", company=acme)
    segment = SegmentFactory(
        rules={"op": "and", "rules": [{"attribute": "first_name", "operator": "starts_with", "value": "a"}]}
    )
    with django_capture_on_commit_callbacks(execute=True):
        launch = services.launch_create(
            version=version, audience={"segments": [segment.pk], "companies": [acme.pk]}
        )
    assert Launch.objects.get(pk=launch.pk).entered == 3
    assert set(Message.objects.values_list("person_id", flat=True)) == {anna.pk, alex.pk, colleague.pk}
