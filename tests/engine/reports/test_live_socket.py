"""The flow's live websocket through the real ASGI application: who may open it, and that an answer and a
launch tell the open pages to fetch again (coalesced)."""

import asyncio

import pytest
from channels.db import database_sync_to_async as sync_to_async
from channels.testing import WebsocketCommunicator

from engine import services
from engine.models import Launch
from flowdesigner.asgi import application
from messaging.models import Message
from tests.factories import PersonFactory
from tests.messaging.test_inbox_ws import session_headers

pytestmark = pytest.mark.django_db(transaction=True)


async def connect(path: str, user=None) -> WebsocketCommunicator:
    headers = await sync_to_async(session_headers)(user) if user else [(b"origin", b"http://127.0.0.1")]
    communicator = WebsocketCommunicator(application, path, headers=headers)
    connected, _ = await communicator.connect()
    assert connected
    return communicator


async def test_anonymous_visitors_are_closed_with_4401(published_flow):
    flow, _, _ = await sync_to_async(published_flow)()
    communicator = await connect(f"/ws/flows/{flow.pk}/")
    assert await communicator.receive_output(timeout=3) == {"type": "websocket.close", "code": 4401}
    await communicator.disconnect()


async def test_end_users_are_closed_with_4403(enduser, published_flow):
    flow, _, _ = await sync_to_async(published_flow)()
    communicator = await connect(f"/ws/flows/{flow.pk}/", enduser)
    assert await communicator.receive_output(timeout=3) == {"type": "websocket.close", "code": 4403}
    await communicator.disconnect()


async def test_an_unknown_flow_closes_with_4404(marketer):
    communicator = await connect("/ws/flows/999999/", marketer)
    assert await communicator.receive_output(timeout=3) == {"type": "websocket.close", "code": 4404}
    await communicator.disconnect()


async def test_a_launch_and_an_answer_tell_the_page(staff, enduser, published_flow):
    person = await sync_to_async(lambda: enduser.person)()
    flow, version, _ = await sync_to_async(published_flow)(persons=[person])
    communicator = await connect(f"/ws/flows/{flow.pk}/", staff)

    await sync_to_async(services.launch_create)(version=version, audience=None)
    seen = [await communicator.receive_json_from(timeout=5)]
    while not await communicator.receive_nothing(timeout=1.2):
        seen.append(await communicator.receive_json_from())
    assert {event["what"] for event in seen} == {"launches", "counts"}
    assert len(seen) <= 4  # queued, running and done, and the counts: coalesced per kind

    message = await sync_to_async(Message.objects.get)(person=person, direction="out")
    await sync_to_async(services.participant_answer)(message_id=message.pk, button_id="yes", person=person)
    assert await communicator.receive_json_from(timeout=5) == {"type": "changed", "what": "counts"}
    # The answer's counts come in a burst (the step, the answered message, the next message): the page
    # hears of them at most twice a second, not once each.
    heard = 0
    while not await communicator.receive_nothing(timeout=1.2):
        assert await communicator.receive_json_from() == {"type": "changed", "what": "counts"}
        heard += 1
    assert heard <= 1
    await communicator.disconnect()


def test_a_change_made_in_a_thread_running_an_event_loop_is_not_an_error(published_flow, monkeypatch, caplog):
    # As beside Playwright's sync API: the news for the flow's pages cannot be sent from here, and that
    # must not turn the committed launch into an exception for its caller.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    person = PersonFactory()
    flow, version, _ = published_flow(persons=[person])

    async def launch_in_loop():
        return services.launch_create(version=version, audience=None)

    launch = asyncio.run(launch_in_loop())
    assert Launch.objects.filter(pk=launch.pk).exists()
    assert "Could not tell the pages of flows" in caplog.text
