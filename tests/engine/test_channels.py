"""Which channel a message step's message goes out on (engine/channels.py): the step's choice, the
person's preferred channel, and the number or address it is sent from. Checked on the stored message
that the person would receive."""

import pytest

from engine import services as engine_services
from flowdesigner import services as flow_services
from messaging.models import Channel, Message
from people import services as people_services
from tests.factories import FlowFactory, PersonFactory, UserFactory

pytestmark = pytest.mark.django_db


def launched(person, channel: str, *, before_launch=None) -> Message:
    doc = {
        "spec_version": 1,
        "nodes": [
            {
                "id": "a",
                "type": "predefined_audience",
                "config": {"persons": [person.pk]},
                "exits": {"next": "m"},
            },
            {
                "id": "m",
                "type": "message",
                "config": {"text": "Hi", "buttons": [{"id": "ok", "caption": "OK"}], "channel": channel},
                "exits": {"ok": "done"},
            },
            {"id": "done", "type": "exit", "config": {"name": "Done"}, "exits": {}},
        ],
    }
    flow = FlowFactory(draft_definition=doc)
    version = flow_services.flow_publish(flow_id=flow.pk, revision=flow.draft_revision)
    if before_launch:
        before_launch()
    engine_services.launch_run(engine_services.launch_create(version=version, audience=None).pk)
    return Message.objects.filter(person=person, direction="out").latest("id")


@pytest.fixture
def accounts(db):
    first = Channel.objects.create(kind="sms", name="Main", identities=["+3225550100"], secret="a")
    second = Channel.objects.create(kind="sms", name="Promo", identities=["+3225550200"], secret="b")
    mail = Channel.objects.create(kind="email", name="Mail", identities=["hi@shop.example"], secret="c")
    return first, second, mail


def test_an_sms_goes_from_the_number_the_person_last_texted(accounts):
    first, second, _ = accounts
    person = PersonFactory(phone="+32470000001")
    Message.objects.create(
        person=person, direction="in", channel="sms", transport=second, identity="+3225550200", text="hi"
    )
    sent = launched(person, "sms")
    assert (sent.channel, sent.transport_id, sent.identity, sent.address) == (
        "sms",
        second.pk,
        "+3225550200",
        "+32470000001",
    )
    other = launched(PersonFactory(phone="+32470000002"), "sms")
    assert (other.transport_id, other.identity) == (first.pk, "+3225550100")


def test_the_preferred_channel_follows_the_attribute_then_the_last_channel_then_the_inbox(accounts):
    people_services.attribute_definition_create(key="preferred_channel", label="Preferred", data_type="TEXT")
    chooser = PersonFactory(phone="+32470000003", email="ann@example.com")
    people_services.person_set_attributes(person=chooser, values={"preferred_channel": "Email"})
    assert launched(chooser, "preferred").channel == "email"

    texter = PersonFactory(phone="+32470000004", email="bob@example.com")
    Message.objects.create(person=texter, direction="in", channel="sms", text="hi")
    assert launched(texter, "preferred").channel == "sms"

    with_login = PersonFactory(phone="+32470000005", user=UserFactory())
    assert launched(with_login, "preferred").channel == "web"

    phone_only = PersonFactory(phone="+32470000006", email=None)
    assert launched(phone_only, "preferred").channel == "sms"


def test_a_preference_the_person_cannot_be_reached_on_is_passed_over(accounts):
    people_services.attribute_definition_create(key="preferred_channel", label="Preferred", data_type="TEXT")
    person = PersonFactory(phone="+32470000007", email=None, user=UserFactory())
    people_services.person_set_attributes(person=person, values={"preferred_channel": "email"})
    assert launched(person, "preferred").channel == "web"


def test_without_an_account_of_that_kind_the_send_fails_with_the_reason(
    db, django_capture_on_commit_callbacks
):
    # Publishing needs an SMS channel; staff deactivate it afterwards.
    account = Channel.objects.create(kind="sms", name="Main", identities=["+3225550100"], secret="a")
    person = PersonFactory(phone="+32470000008")
    with django_capture_on_commit_callbacks(execute=True):
        sent = launched(
            person, "sms", before_launch=lambda: Channel.objects.filter(pk=account.pk).update(active=False)
        )
    sent.refresh_from_db()
    assert sent.status == Message.Status.FAILED
    assert "no active SMS channel" in sent.error
