"""What an inbox answer costs the database: a fixed number of queries, whatever the flow's size, and never
a flow's whole document (decoding a 1,000-element flow's JSON cost more than the rest of the answer)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from engine import services as engine_services
from flowdesigner import services as flow_services
from messaging.models import Message
from tests.factories import TagFactory

pytestmark = pytest.mark.django_db

# The request's own (session, user with person, roles), the answer's transaction (message and participant
# under their locks, the person's snapshot, the writes and their outbox events in one INSERT), and the push
# relayed after commit: 23 on SQLite. Was 28 with the flow, sender and card re-read; 26 with the person read
# on its own; 25 with an INSERT per outbox event; 24 with the reply and the next message inserted apart.
MAX_QUERIES = 23


def chain(tag_id: int, messages: int, sender_name: str = "") -> dict:
    """Audience -> `messages` message steps in a chain -> exit."""
    nodes = [
        {
            "id": "audience",
            "type": "predefined_audience",
            "config": {"tags": [tag_id]},
            "exits": {"next": "m1"},
        }
    ]
    for i in range(1, messages + 1):
        nodes.append(
            {
                "id": f"m{i}",
                "type": "message",
                "config": {"text": f"Step {i}?", "buttons": [{"id": "yes", "caption": "Yes"}]},
                "exits": {"yes": f"m{i + 1}" if i < messages else "done"},
            }
        )
    nodes.append({"id": "done", "type": "exit", "config": {"name": "Done"}, "exits": {}})
    definition = {"spec_version": 1, "nodes": nodes}
    if sender_name:
        definition["settings"] = {"sender_name": sender_name}
    return definition


@pytest.fixture
def answering(api_client, enduser, settings, django_capture_on_commit_callbacks):
    """Launch a chain of `messages` steps to the end user; returns a function answering their current
    message, with the queries its request ran."""

    def launch(messages: int, sender_name: str = "") -> str:
        tag = TagFactory()
        enduser.person.tags.add(tag)
        flow = flow_services.flow_create(
            name=f"Chain {messages}", definition=chain(tag.pk, messages, sender_name)
        )
        version = flow_services.flow_publish(flow_id=flow.pk, revision=flow.draft_revision)
        with django_capture_on_commit_callbacks(execute=True):
            engine_services.launch_create(version=version, audience=None)
        return flow.name

    def answer(message_id: int | None = None):
        if message_id is None:
            message_id = current()
        # As in production: the request relays only the live push; the reports' counters and the rest of
        # its outbox events are the worker's.
        settings.OUTBOX_RELAY_ALL = False
        with CaptureQueriesContext(connection) as queries, django_capture_on_commit_callbacks(execute=True):
            response = api_client.post(
                f"/api/inbox/messages/{message_id}/answer/", {"button_id": "yes"}, format="json"
            )
        settings.OUTBOX_RELAY_ALL = True
        assert response.status_code == 200, response.content
        return response.json(), queries

    def current() -> int:
        return (
            Message.objects.filter(person=enduser.person, direction="out", answered_at=None).latest("pk").pk
        )

    api_client.force_login(enduser)
    answer.launch, answer.current = launch, current
    return answer


def test_an_answer_runs_a_fixed_small_number_of_queries(answering, django_assert_max_num_queries):
    answering.launch(4)
    answering()  # the first answer of a version also loads its definition into this process's cache
    message_id = answering.current()

    with django_assert_max_num_queries(MAX_QUERIES):
        shown, _ = answering(message_id)

    assert (shown["id"], shown["answered_button_id"], shown["locked"]) == (message_id, "yes", True)
    assert Message.objects.get(pk=answering.current()).text == "Step 3?"


def test_an_answer_on_a_large_flow_costs_the_same_queries_and_reads_no_flow_document(answering):
    flow_name = answering.launch(1000, sender_name="Acme Events")
    answering()
    shown, queries = answering()
    large = [q["sql"] for q in queries.captured_queries]
    answering.launch(3)
    answering()
    _, queries = answering()
    small = [q["sql"] for q in queries.captured_queries]

    # What the person sees still says who the message is from, without the document being read for it.
    assert (shown["flow_name"], shown["sender_name"]) == (flow_name, "Acme Events")
    assert len(large) == len(small)
    documents = [sql for sql in large if '"definition"' in sql or '"draft_definition"' in sql]
    assert documents == []


def test_an_answer_writes_one_counters_event_for_everything_it_changes(answering):
    from engine.reports.models import NodeCount
    from people.outbox.models import OutboxEvent
    from people.outbox.worker import drain

    answering.launch(3)
    drain()
    last = OutboxEvent.objects.order_by("-pk").values_list("pk", flat=True).first()
    answering()

    added = list(OutboxEvent.objects.filter(pk__gt=last).values_list("topic", flat=True))
    # The answered card read, the step left and the next one entered, the next message sent: one event.
    assert added.count("report.counts") == 1, added
    drain()
    delivery = dict(
        NodeCount.objects.filter(metric="delivery").values_list("label", "total").order_by("label")
    )
    assert delivery == {"web:read": 1, "web:sent": 1}
