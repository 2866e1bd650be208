"""The inbox websocket through the real ASGI application (auth, origin check, routing)."""

import pytest
from channels.db import database_sync_to_async as sync_to_async  # closes its DB connections
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client

from engine import services
from flowdesigner.asgi import application
from messaging.models import Message
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db(transaction=True)


def session_headers(user) -> list[tuple[bytes, bytes]]:
    client = Client()
    client.force_login(user)
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
    return [(b"cookie", cookie.encode()), (b"origin", b"http://127.0.0.1")]


async def connect(user=None) -> WebsocketCommunicator:
    """An inbox socket as the browser opens it: for a person, open and synced (from then on every push
    reaches it); for anyone else, open, with the close that follows still to be read."""
    headers = await sync_to_async(session_headers)(user) if user else [(b"origin", b"http://127.0.0.1")]
    communicator = WebsocketCommunicator(application, "/ws/inbox/", headers=headers)
    connected, _ = await communicator.connect()
    assert connected
    if user is not None and await sync_to_async(lambda: getattr(user, "person", None) is not None)():
        await communicator.send_json_to({"type": "sync"})
        assert (await communicator.receive_json_from(timeout=10))["type"] == "messages"
    return communicator


def launch_to(person, published_flow):
    flow, version, _ = published_flow(persons=[person])
    services.launch_create(version=version, audience=None)  # transaction=True: on_commit runs at once
    return Message.objects.get(person=person, direction="out")


async def test_anonymous_visitors_are_closed_with_4401():
    communicator = await connect()
    assert await communicator.receive_output(timeout=3) == {"type": "websocket.close", "code": 4401}
    # As a browser does once closed: the consumer ends now, not when the test's event loop is torn down
    # (cancelling a channel layer receive at teardown could hang there).
    await communicator.disconnect()


async def test_users_without_an_inbox_are_closed_with_4403(staff):
    communicator = await connect(staff)
    assert await communicator.receive_output(timeout=3) == {"type": "websocket.close", "code": 4403}
    await communicator.disconnect()


async def test_foreign_origins_are_rejected(enduser):
    headers = await sync_to_async(session_headers)(enduser)
    headers = [h for h in headers if h[0] != b"origin"] + [(b"origin", b"http://evil.example")]
    communicator = WebsocketCommunicator(application, "/ws/inbox/", headers=headers)
    connected, _ = await communicator.connect()
    assert not connected


async def test_sync_returns_only_my_messages(enduser, published_flow):
    mine = await sync_to_async(launch_to)(await sync_to_async(lambda: enduser.person)(), published_flow)
    await sync_to_async(launch_to)(await sync_to_async(PersonFactory)(), published_flow)

    communicator = await connect(enduser)
    await communicator.send_json_to({"type": "sync"})
    reply = await communicator.receive_json_from(timeout=5)
    assert reply["type"] == "messages"
    assert [m["id"] for m in reply["messages"]] == [mine.pk]
    assert reply["messages"][0]["buttons"] == [
        {"id": "yes", "caption": "Yes", "action": ""},
        {"id": "no", "caption": "No", "action": ""},
    ]
    await communicator.disconnect()


async def test_new_and_answered_messages_are_pushed_live(enduser, published_flow):
    person = await sync_to_async(lambda: enduser.person)()
    communicator = await connect(enduser)

    first = await sync_to_async(launch_to)(person, published_flow)
    pushed = await communicator.receive_json_from(timeout=5)
    assert pushed["type"] == "message"
    assert (pushed["message"]["id"], pushed["message"]["text"], pushed["message"]["locked"]) == (
        first.pk,
        "Coming on Friday?",
        False,
    )

    await sync_to_async(services.participant_answer)(message_id=first.pk, button_id="yes", person=person)
    updates = [await communicator.receive_json_from(timeout=5) for _ in range(2)]
    by_id = {u["message"]["id"]: u["message"] for u in updates}
    assert by_id[first.pk]["locked"] is True and by_id[first.pk]["answered_caption"] == "Yes"
    (follow_up,) = [m for i, m in by_id.items() if i != first.pk]
    assert follow_up["text"] == "Great!"
    await communicator.disconnect()


async def test_garbage_frames_get_an_error_and_the_socket_stays_open(enduser):
    communicator = await connect(enduser)
    await communicator.send_to(text_data="{not json")
    assert (await communicator.receive_json_from(timeout=3))["type"] == "error"
    await communicator.send_json_to({"type": "sync"})
    assert (await communicator.receive_json_from(timeout=3))["type"] == "messages"
    await communicator.disconnect()


async def test_what_the_person_writes_reaches_their_other_open_tabs(enduser):
    from messaging.inbound import web_inbound

    person = await sync_to_async(lambda: enduser.person)()
    other_tab = await connect(enduser)
    written = await sync_to_async(web_inbound)(person, "Hello <b>there</b>")
    pushed = await other_tab.receive_json_from(timeout=5)
    assert pushed["type"] == "message"
    assert (pushed["message"]["id"], pushed["message"]["direction"], pushed["message"]["text"]) == (
        written.pk,
        "in",
        "Hello <b>there</b>",
    )
    await other_tab.disconnect()
