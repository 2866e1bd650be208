"""Pushing web messages: only to people with an inbox open, from the rows just written, never stale."""

import pytest
from channels.db import database_sync_to_async as sync_to_async
from django.db import transaction

from engine import services
from messaging.models import Message
from messaging.services import message_out_build, messages_dispatch, messages_push, messages_queue
from tests.factories import PersonFactory
from tests.messaging.test_inbox_ws import connect

pytestmark = pytest.mark.django_db(transaction=True)


async def test_a_launch_pushes_to_the_open_inbox_and_the_others_find_it_on_opening(enduser, published_flow):
    online = await sync_to_async(lambda: enduser.person)()
    offline = await sync_to_async(PersonFactory)()
    inbox = await connect(enduser)

    def launch():
        flow, version, _ = published_flow(persons=[online, offline])
        services.launch_create(version=version, audience=None)
        return {m.person_id: m for m in Message.objects.filter(direction="out")}

    sent = await sync_to_async(launch)()
    pushed = await inbox.receive_json_from(timeout=5)
    assert pushed["message"]["id"] == sent[online.pk].pk
    assert await inbox.receive_nothing(timeout=0.3)
    await inbox.disconnect()
    # Sent once stored: the person without an open inbox sees it whenever they open it.
    assert {m.status for m in sent.values()} == {Message.Status.SENT}


def test_a_dispatch_for_people_without_an_open_inbox_reads_no_message(django_assert_num_queries):
    people = PersonFactory.create_batch(3)
    ids = []
    with transaction.atomic():
        for person in people:
            message = message_out_build(
                person_id=person.pk, participant=None, node_id="", text="Hi", buttons=[], options={}
            )
            messages_queue([message])
            ids.append(message.pk)
    # As the outbox event carries them: the messages and their persons. One query: who of them is online.
    with django_assert_num_queries(1):
        messages_dispatch(ids, [person.pk for person in people])


async def test_a_change_rolled_back_is_never_pushed_from_memory(enduser):
    person = await sync_to_async(lambda: enduser.person)()
    inbox = await connect(enduser)

    def store():
        message = message_out_build(
            person_id=person.pk, participant=None, node_id="", text="Stored", buttons=[], options={}
        )
        messages_queue([message])
        return message

    message = await sync_to_async(store)()
    assert (await inbox.receive_json_from(timeout=5))["message"]["text"] == "Stored"

    def change_and_roll_back():
        try:
            with transaction.atomic():
                message.text = "Never committed"
                message.save(update_fields=["text"])
                messages_push([message])
                raise RuntimeError("rolled back")
        except RuntimeError:
            pass
        messages_dispatch([message.pk])  # e.g. a later push of the same message (an expiry)

    await sync_to_async(change_and_roll_back)()
    assert (await inbox.receive_json_from(timeout=5))["message"]["text"] == "Stored"
    await inbox.disconnect()


def test_pushing_an_answers_messages_reads_no_flow_version_once_its_sender_is_known(
    published_flow, django_assert_num_queries
):
    from messaging.selectors import message_payloads

    person = PersonFactory()
    flow, version, _ = published_flow(persons=[person])
    services.launch_create(version=version, audience=None)

    def as_an_answer_has_them():  # the participant locked with its version and flow, as participant_answer
        return list(Message.objects.filter(person=person).select_related("participant__version__flow"))

    first = message_payloads(as_an_answer_has_them())  # this process learns the version's sender name
    messages = as_an_answer_has_them()
    with django_assert_num_queries(0):
        again = message_payloads(messages)
    assert again == first and first[0]["sender_name"] == "Flowdesigner"

    # The flow's name is not frozen like its version: it comes from the row the answer loaded.
    flow.name = "Renamed"
    flow.save(update_fields=["name"])
    assert message_payloads(as_an_answer_has_them())[0]["flow_name"] == "Renamed"
