"""`manage.py demo_data` (run by `make run`): both demo flows published, and the feedback flow's timers,
tag and split do what its canvas shows."""

import io

import pytest
from django.core.management import call_command

from engine import services as engine_services
from engine.models import Participant
from engine.timers import timers_fire
from flowdesigner.management.commands.demo_data import (
    DEMO_FEEDBACK_FLOW,
    DEMO_FLOW,
    DEMO_SMS_FLOW,
    DEMO_WELCOME_FLOW,
)
from flowdesigner.models import Flow
from messaging.models import Channel, Message
from messaging.transports import outbound_text
from messaging.transports.simulator import simulator_reply
from people.models import Person
from tests.helpers import timer_due

pytestmark = pytest.mark.django_db


def test_demo_data_twice_publishes_both_flows_once():
    call_command("demo_data", stdout=io.StringIO())
    call_command("demo_data", stdout=io.StringIO())
    for name in (DEMO_FLOW, DEMO_FEEDBACK_FLOW, DEMO_WELCOME_FLOW, DEMO_SMS_FLOW):
        assert Flow.objects.get(name=name).versions.count() == 1
    assert Flow.objects.get(name=DEMO_WELCOME_FLOW).status == "active"
    assert sorted(Channel.objects.values_list("kind", "gateway")) == [
        ("email", "simulator"),
        ("sms", "simulator"),
        ("voice", "simulator"),
    ]


def test_texting_join_in_the_simulator_starts_the_sms_demo(django_capture_on_commit_callbacks):
    call_command("demo_data", stdout=io.StringIO())
    sms = Channel.objects.get(kind="sms")
    phone = "+32470123456"
    for text in ("Join", "yes"):
        with django_capture_on_commit_callbacks(execute=True):
            simulator_reply(sms, sender=phone, recipient=sms.identities[0], text=text)
    sent = [outbound_text(m) for m in Message.objects.filter(address=phone, direction="out").order_by("id")]
    assert sent[0].startswith("Welcome! Would you like our weekly news by SMS?")
    assert sent[1].startswith("Great, you are in.")
    participant = Participant.objects.get(person__phone=phone)
    assert participant.state["variables"]["sender"] == phone


def test_the_welcome_demo_greets_a_person_who_opts_in(django_capture_on_commit_callbacks):
    from people import services as people_services

    call_command("demo_data", stdout=io.StringIO())
    erin = Person.objects.get(email="enduser@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        people_services.person_update(person=erin, fields={"opt_in": True})

    texts = list(Message.objects.filter(person=erin, direction="out").values_list("text", flat=True))
    assert texts == ["Welcome, Erin! Thanks for opting in."]


def test_the_feedback_demo_reminds_tags_pauses_and_rewards(django_capture_on_commit_callbacks):
    call_command("demo_data", stdout=io.StringIO())
    erin = Person.objects.get(email="enduser@example.com")
    version = Flow.objects.get(name=DEMO_FEEDBACK_FLOW).latest_version
    with django_capture_on_commit_callbacks(execute=True):
        engine_services.launch_create(version=version, audience={"persons": [erin.pk]})
    participant = Participant.objects.get(person=erin)

    timer_due(participant)  # two minutes without an answer
    with django_capture_on_commit_callbacks(execute=True):
        assert timers_fire() == 1
    reminder = Message.objects.get(person=erin, text="Just a reminder: how was the event?")
    with django_capture_on_commit_callbacks(execute=True):
        engine_services.participant_answer(message_id=reminder.pk, button_id="good", person=erin)
    assert erin.tags.filter(name="promoter").exists()

    timer_due(participant)  # the one-minute pause
    with django_capture_on_commit_callbacks(execute=True):
        timers_fire()
    texts = list(Message.objects.filter(person=erin, direction="out").values_list("text", flat=True))
    assert texts == [
        "Hi Erin! How was the event?",
        "Just a reminder: how was the event?",
        "Thanks! Here is 10% off next time: EVENT10",
    ]
