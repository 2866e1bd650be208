"""An email from a flow that chose a sender name carries it as From's display name (issue 12, item 9);
without one, From stays our bare address."""

from email import message_from_bytes, policy

import pytest

from engine import services as engine_services
from engine.models import Participant
from flowdesigner import services as flow_services
from messaging.services import message_out_build, messages_queue
from tests.factories import FlowFactory, PersonFactory, two_step_definition
from tests.messaging.channels_support import (
    OUR_ADDRESS,
    MailServer,
    _gateway_settings,  # noqa: F401 (autouse fixture)
    make_channel,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def mail_server(settings):
    with MailServer() as server:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST = "127.0.0.1"
        settings.EMAIL_PORT = server.port
        settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
        settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
        yield server


def _email_from_flow(capture, mail_server, *, settings: dict | None) -> str:
    """Launch a flow (its own first message goes to the web inbox), then email the participant a message
    of that flow; the From header the mail server received."""
    person = PersonFactory(email="ann@example.com")
    definition = two_step_definition(persons=[person.pk])
    if settings is not None:
        definition["settings"] = settings
    flow = FlowFactory(name="Internal: Q3 churn test", draft_definition=definition)
    version = flow_services.flow_publish(flow_id=flow.pk, revision=flow.draft_revision)
    channel = make_channel("email", gateway="smtp")
    with capture(execute=True):
        engine_services.launch_create(version=version, audience=None)
    participant = Participant.objects.get(person=person)
    with capture(execute=True):
        message = message_out_build(
            person_id=person.pk,
            participant=participant,
            node_id="ask",
            text="Coming on Friday?",
            buttons=[],
            options={"allow_dismiss": False},
            channel="email",
            transport_id=channel.pk,
        )
        messages_queue([message])
    (envelope,) = mail_server.envelopes
    return message_from_bytes(envelope.content, policy=policy.default)["From"]


def test_an_email_is_from_the_flows_sender_name(mail_server, django_capture_on_commit_callbacks):
    sender = _email_from_flow(
        django_capture_on_commit_callbacks, mail_server, settings={"sender_name": "City of Gent"}
    )

    assert sender == f"City of Gent <{OUR_ADDRESS}>"


def test_without_a_sender_name_the_email_is_from_our_bare_address(
    mail_server, django_capture_on_commit_callbacks
):
    assert _email_from_flow(django_capture_on_commit_callbacks, mail_server, settings=None) == OUR_ADDRESS
