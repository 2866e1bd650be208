"""Email: outbound through Django's SMTP backend to a real SMTP server (aiosmtpd) on 127.0.0.1, and
inbound as raw RFC 822 messages posted to the webhook."""

from email import message_from_bytes, policy

import pytest

from messaging.models import Message
from messaging.transports.email.rfc822 import html_to_text, reply_text
from people.models import Person
from people.outbox.models import OutboxEvent
from tests.factories import PersonFactory
from tests.messaging.channels_support import (
    OUR_ADDRESS,
    MailServer,
    _gateway_settings,  # noqa: F401 (autouse fixture)
    free_port,
    make_channel,
    pending_sends,
    queue_message,
    signed_post,
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


def send_email(capture, person, **channel_fields):
    channel = make_channel("email", gateway="smtp", **channel_fields)
    return queue_message(capture, person, channel, kind="email")


def test_the_email_carries_the_numbered_text(mail_server, django_capture_on_commit_callbacks):
    person = PersonFactory(email="ann@example.com")

    message = send_email(django_capture_on_commit_callbacks, person, config={"subject": "Friday event"})

    (envelope,) = mail_server.envelopes
    assert envelope.mail_from == OUR_ADDRESS
    assert envelope.rcpt_tos == ["ann@example.com"]
    email = message_from_bytes(envelope.content, policy=policy.default)
    assert email["Subject"] == "Friday event"
    assert email["From"] == OUR_ADDRESS and email["To"] == "ann@example.com"
    # SMTP carries CRLF line ends.
    assert (
        email.get_content().replace("\r\n", "\n").strip() == "Coming on Friday?\n\nReply 1 for Yes, 2 for No"
    )
    assert message.status == "sent"
    assert message.gateway_id == email["Message-ID"]
    assert message.gateway_id.startswith("<") and message.gateway_id.endswith("@flow.example>")


def test_the_default_subject(mail_server, django_capture_on_commit_callbacks):
    send_email(django_capture_on_commit_callbacks, PersonFactory(email="ann@example.com"))

    (envelope,) = mail_server.envelopes
    assert message_from_bytes(envelope.content, policy=policy.default)["Subject"] == "A message for you"


def test_a_refused_recipient_fails_at_once(mail_server, django_capture_on_commit_callbacks):
    mail_server.refuse_rcpt = "550 5.1.1 No such user"

    message = send_email(django_capture_on_commit_callbacks, PersonFactory(email="ghost@example.com"))

    assert message.status == "failed"
    assert message.error == "The mail server refused the recipient: 550 5.1.1 No such user"
    assert pending_sends() == []


def test_a_temporary_smtp_error_is_retried(mail_server, django_capture_on_commit_callbacks):
    mail_server.data_reply = "451 4.3.0 Try again later"

    message = send_email(django_capture_on_commit_callbacks, PersonFactory(email="ann@example.com"))

    assert message.status == "queued"
    assert message.error == "The mail server answered 451 4.3.0 Try again later"
    assert len(pending_sends()) == 1


def test_a_permanent_smtp_error_fails(mail_server, django_capture_on_commit_callbacks):
    mail_server.data_reply = "554 5.7.1 Message rejected"

    message = send_email(django_capture_on_commit_callbacks, PersonFactory(email="ann@example.com"))

    assert message.status == "failed"
    assert message.error == "The mail server answered 554 5.7.1 Message rejected"


def test_an_unreachable_mail_server_is_retried(settings, django_capture_on_commit_callbacks):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()

    message = send_email(django_capture_on_commit_callbacks, PersonFactory(email="ann@example.com"))

    assert message.status == "queued"
    assert message.error.startswith("The mail server could not be reached: ")
    assert len(pending_sends()) == 1


def test_a_person_without_an_address_gets_nothing(mail_server, django_capture_on_commit_callbacks):
    message = send_email(django_capture_on_commit_callbacks, PersonFactory(email=None))

    assert mail_server.envelopes == []
    assert message.status == "failed"
    assert message.error == "Not sent: the person has no email address"


# --- inbound --------------------------------------------------------------------------------------------

REPLY = b"""\
From: Ann Example <Ann@Example.com>
To: Flow News <news@flow.example>
Subject: Re: Friday event
Message-ID: <reply-1@example.com>
In-Reply-To: <out-1@flow.example>
Content-Type: text/plain; charset=utf-8

1, and I bring a friend

On Mon, 3 Jun 2024 at 10:00, Flow News <news@flow.example> wrote:
> Coming on Friday?
>
> Reply 1 for Yes, 2 for No
"""


def post_email(client, channel, raw: bytes):
    return signed_post(client, channel, "inbound", raw, content_type="message/rfc822")


def test_an_inbound_email_keeps_only_what_the_person_wrote(client):
    person = PersonFactory(email="ann@example.com")
    channel = make_channel("email")

    response = post_email(client, channel, REPLY)

    assert response.status_code == 200
    assert response.json() == {"received": 1, "duplicates": 0}
    message = Message.objects.get()
    assert message.person == person
    assert (message.channel, message.address, message.identity) == ("email", "ann@example.com", OUR_ADDRESS)
    assert message.gateway_id == "<reply-1@example.com>"
    assert message.text == "1, and I bring a friend"
    assert message.routing == "pending"
    assert list(OutboxEvent.objects.filter(topic="message.received").values_list("payload", flat=True)) == [
        {"ids": [message.pk]}
    ]


def test_an_email_without_message_id_is_deduplicated_by_its_bytes(client):
    PersonFactory(email="ann@example.com")
    channel = make_channel("email")
    raw = REPLY.replace(b"Message-ID: <reply-1@example.com>\n", b"")

    first = post_email(client, channel, raw)
    again = post_email(client, channel, raw)

    assert first.json() == {"received": 1, "duplicates": 0}
    assert again.json() == {"received": 0, "duplicates": 1}
    assert Message.objects.get().gateway_id.startswith("sha256:")


def test_an_html_email_is_read_as_text():
    html = (
        "<html><head><style>p {color: red}</style></head><body><p>Yes &amp; thanks</p>"
        "<div>See you<br>Ann</div><blockquote>Coming on Friday?</blockquote></body></html>"
    )
    assert html_to_text(html) == "Yes & thanks\n\nSee you\nAnn"


def test_an_html_only_email_through_the_webhook(client):
    PersonFactory(email="ann@example.com")
    channel = make_channel("email")
    raw = (
        b"From: ann@example.com\nTo: news@flow.example\nMessage-ID: <h@x>\n"
        b"Content-Type: text/html; charset=utf-8\n\n<p>Count me <b>in</b></p>"
    )

    post_email(client, channel, raw)

    assert Message.objects.get().text == "Count me in"


def test_quoted_lines_and_wrapped_attributions_are_removed():
    text = (
        "Yes\n> quoted\nSee you\nOn Mon, 3 Jun 2024 at 10:00, Flow News\n<news@flow.example> wrote:\nold text"
    )
    assert reply_text(text) == "Yes\nSee you"


def test_an_email_without_a_sender_is_refused(client):
    channel = make_channel("email")

    response = post_email(client, channel, b"To: news@flow.example\nSubject: hi\n\nHello")

    assert response.status_code == 400
    assert response.json() == {"detail": "From: missing (the email's sender)."}
    assert Message.objects.count() == 0


def test_an_unknown_sender_is_created_with_the_address_lower_cased(client):
    channel = make_channel("email", creates_people=True)

    post_email(client, channel, REPLY)

    person = Person.objects.get()
    assert person.email == "ann@example.com"
    assert person.created_via == f"email:{channel.pk}"
