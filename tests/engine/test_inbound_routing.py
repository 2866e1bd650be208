"""Inbound routing through the real services: simulator channels (the same signed webhooks a gateway
sends), flows published and activated, the outbox relayed in-process (settings.OUTBOX_RELAY_ALL). Each
test checks what a person or staff would see: the SMS that goes back, the participant, the unhandled
list."""

import random
from collections import Counter

import pytest

from engine import activation, inbound
from engine.checks import definition_issues
from engine.models import Participant
from flowdesigner import services as flow_services
from flowdesigner.models import Flow
from messaging.inbound import web_inbound
from messaging.models import Channel, ChannelOptOut, Message
from messaging.transports import outbound_text
from messaging.transports.simulator import simulator_call, simulator_reply
from people.models import Person
from tests.factories import FlowFactory, PersonFactory

pytestmark = pytest.mark.django_db

OUR_NUMBER = "+3225550100"
PHONE = "+32470000001"


def node(node_id: str, type_name: str, config: dict, exits: dict | None = None) -> dict:
    return {"id": node_id, "type": type_name, "config": config, "exits": exits or {}}


def active_flow(nodes: list[dict], *, variables=None, settings=None, name=None) -> Flow:
    doc = {"spec_version": 1, "variables": variables or [], "settings": settings or {}, "nodes": nodes}
    flow = FlowFactory(draft_definition=doc, **({"name": name} if name else {}))
    try:
        flow_services.flow_publish(flow_id=flow.pk, revision=flow.draft_revision)
    except flow_services.PublishRefused as refused:
        raise AssertionError([i.as_dict() for i in refused.issues]) from None
    return activation.flow_activate(flow_id=flow.pk)


def keyword_entry(*conditions: dict, channel: str = "sms", recipient: str = "", capture=()) -> dict:
    config = {
        "channel": channel,
        "recipient": recipient,
        "conditions": list(conditions),
        "capture": list(capture),
    }
    return node("in", "inbound_message", config, {"next": "ask"})


def ask(channel: str = "sms", **extra) -> dict:
    config = {
        "text": "Do you want our news?",
        "buttons": [{"id": "yes", "caption": "Yes"}, {"id": "no", "caption": "No"}],
        "channel": channel,
        **extra,
    }
    exits = {"yes": "thanks", "no": "done"}
    if extra.get("unrecognised") == "other":
        exits["other"] = "done"
    return node("ask", "message", config, exits)


def thanks(channel: str = "sms") -> dict:
    config = {"text": "Thanks!", "buttons": [{"id": "ok", "caption": "OK"}], "channel": channel}
    return node("thanks", "message", config, {"ok": "done"})


DONE = node("done", "exit", {"name": "Done"})


@pytest.fixture
def sms(db) -> Channel:
    return Channel.objects.create(
        kind="sms", name="SMS", identities=[OUR_NUMBER], secret="s3cret", creates_people=True
    )


@pytest.fixture(autouse=True)
def _relay(django_capture_on_commit_callbacks):
    """Every outbox event a webhook causes (routing, sends, delivery reports) is handled before it
    returns, as the worker would right after."""
    global relayed

    def relayed(func, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return func(*args, **kwargs)

    yield


def texted(channel: Channel, text: str, *, sender: str = PHONE, recipient: str = OUR_NUMBER) -> Message:
    received = relayed(simulator_reply, channel, sender=sender, recipient=recipient, text=text)
    assert len(received.message_ids) == 1
    return Message.objects.get(pk=received.message_ids[0])


def sent_sms(address: str = PHONE) -> list[str]:
    """What the person's phone got, in order (the text as the gateway got it)."""
    rows = Message.objects.filter(direction="out", channel="sms", address=address).order_by("id")
    return [outbound_text(m) for m in rows]


def test_a_keyword_starts_the_flow_and_the_answer_by_number_takes_the_next_step(sms):
    active_flow([keyword_entry({"operator": "matches_text", "values": ["JOIN"]}), ask(), thanks(), DONE])

    message = texted(sms, " join ")
    assert message.routing == Message.Routing.ENTRY
    person = Person.objects.get(phone=PHONE)  # the channel creates people
    [question] = sent_sms()
    assert question.startswith("Do you want our news?") and "1" in question and "Yes" in question
    sent = Message.objects.get(direction="out", person=person)
    assert (sent.status, sent.identity, sent.transport_id) == (Message.Status.DELIVERED, OUR_NUMBER, sms.pk)

    answer = texted(sms, "1")
    assert answer.routing == Message.Routing.ANSWER
    assert sent_sms()[1].startswith("Thanks!")
    participant = Participant.objects.get(person=person)
    assert participant.state["steps"][0]["answer_id"] == "yes"


def test_a_caption_answers_too_and_an_unrecognised_reply_is_asked_again(sms):
    active_flow([keyword_entry({"operator": "matches_text", "values": ["join"]}), ask(), thanks(), DONE])
    texted(sms, "JOIN")
    texted(sms, "maybe")
    [_question, again] = sent_sms()
    assert again.startswith("Sorry, I did not understand") and "Yes" in again
    participant = Participant.objects.get(person__phone=PHONE)
    assert participant.status == Participant.Status.WAITING and participant.current_node == "ask"

    texted(sms, "no")  # by caption, case ignored
    participant.refresh_from_db()
    assert participant.status == Participant.Status.COMPLETED
    assert participant.state["steps"][0]["answer_id"] == "no"


def test_an_unrecognised_reply_takes_the_other_exit_when_the_step_says_so(sms):
    active_flow(
        [
            keyword_entry({"operator": "matches_text", "values": ["join"]}),
            ask(unrecognised="other"),
            thanks(),
            DONE,
        ]
    )
    texted(sms, "join")
    texted(sms, "tell me more")
    participant = Participant.objects.get(person__phone=PHONE)
    assert participant.status == Participant.Status.COMPLETED
    assert participant.state["steps"][0]["answer_id"] == "other"
    assert participant.state["steps"][0]["display_value"] == "other: tell me more"
    assert len(sent_sms()) == 1  # no re-prompt


def test_a_gateway_retry_is_processed_once(sms):
    active_flow([keyword_entry({"operator": "matches_text", "values": ["join"]}), ask(), thanks(), DONE])
    texted(sms, "join")
    # The same delivery again (same gateway message id), as a gateway retrying after a timeout does.
    first = Message.objects.get(direction="in")
    from messaging.transports.simulator import _signed  # the simulator's own signing, as the gateway's

    body = b'{"id": "%s", "from": "%s", "to": "%s", "text": "join"}' % (
        first.gateway_id.encode(),
        PHONE.encode(),
        OUR_NUMBER.encode(),
    )
    from messaging.inbound import inbound_receive

    again = relayed(inbound_receive, sms, body, _signed(body, sms))
    assert (again.received, again.duplicates) == (0, 1)
    assert Message.objects.filter(direction="in").count() == 1
    assert Participant.objects.count() == 1
    assert len(sent_sms()) == 1


def test_stop_opts_out_and_nothing_more_is_sent_start_opts_back_in(sms):
    active_flow([keyword_entry({"operator": "matches_text", "values": ["join"]}), ask(), thanks(), DONE])
    texted(sms, "join")
    stop = texted(sms, "Stop")
    assert stop.routing == Message.Routing.OPT_OUT
    person = Person.objects.get(phone=PHONE)
    assert ChannelOptOut.objects.filter(person=person, kind="sms").exists()

    texted(sms, "1")  # answers the question; the next SMS is refused, not sent
    refused = Message.objects.filter(direction="out", person=person).order_by("id").last()
    assert refused.status == Message.Status.FAILED
    assert "opted out" in refused.error

    assert texted(sms, "START").routing == Message.Routing.OPT_IN
    assert not ChannelOptOut.objects.filter(person=person).exists()


def test_a_message_nothing_matches_is_kept_as_unhandled(sms):
    active_flow([keyword_entry({"operator": "matches_text", "values": ["join"]}), ask(), thanks(), DONE])
    message = texted(sms, "hello there")
    assert message.routing == Message.Routing.UNHANDLED
    assert not Participant.objects.exists()


def test_an_unknown_sender_on_a_channel_that_does_not_create_people_is_unhandled(sms):
    sms.creates_people = False
    sms.save()
    active_flow([keyword_entry({"operator": "anything"}), ask(), thanks(), DONE])
    message = texted(sms, "join", sender="+32470000099")
    assert (message.person_id, message.routing) == (None, Message.Routing.UNHANDLED)
    assert not Person.objects.filter(phone="+32470000099").exists()


def test_routing_priority_exact_beats_anything_and_operators_in_the_seed_order(sms):
    anything = active_flow([keyword_entry({"operator": "anything"}), ask(), thanks(), DONE], name="Anything")
    contains = active_flow(
        [keyword_entry({"operator": "contains_text", "values": ["yes"]}), ask(), thanks(), DONE],
        name="Contains",
    )
    exact = active_flow(
        [keyword_entry({"operator": "matches_text", "values": ["yes"]}), ask(), thanks(), DONE], name="Exact"
    )
    texted(sms, "yes", sender="+32470000001")
    texted(sms, "yes please", sender="+32470000002")
    texted(sms, "hello", sender="+32470000003")
    by_phone = dict(Participant.objects.values_list("person__phone", "version__flow"))
    assert by_phone == {
        "+32470000001": exact.pk,
        "+32470000002": contains.pk,
        "+32470000003": anything.pk,
    }


def test_flows_that_tie_share_the_people_at_random(sms, monkeypatch):
    monkeypatch.setattr(inbound, "_rng", random.Random(7))
    a = active_flow([keyword_entry({"operator": "matches_text", "values": ["yes"]}), ask(), thanks(), DONE])
    b = active_flow([keyword_entry({"operator": "matches_text", "values": ["yes"]}), ask(), thanks(), DONE])
    for i in range(30):
        texted(sms, "yes", sender=f"+324700001{i:02d}")
    counts = Counter(Participant.objects.values_list("version__flow", flat=True))
    assert set(counts) == {a.pk, b.pk} and sum(counts.values()) == 30


def test_a_refused_entry_falls_through_to_the_next_flow(sms):
    never_again = active_flow(
        [keyword_entry({"operator": "matches_text", "values": ["join"]}), ask(), thanks(), DONE],
        settings={"reentry": "never"},
    )
    fallback = active_flow([keyword_entry({"operator": "anything"}), ask(), thanks(), DONE])
    texted(sms, "join")
    Participant.objects.update(status=Participant.Status.COMPLETED)
    texted(sms, "join")
    flows = list(Participant.objects.order_by("id").values_list("version__flow", flat=True))
    assert flows == [never_again.pk, fallback.pk]


def test_captured_values_become_flow_variables(sms):
    flow = active_flow(
        [
            keyword_entry(
                {"operator": "matches_regex", "pattern": r"^code\s+\d+$", "ignore_case": True},
                capture=[
                    {"source": "body", "variable": "code", "pattern": r"(\d+)"},
                    {"source": "sender", "variable": "from", "pattern": ""},
                ],
            ),
            ask(),
            thanks(),
            DONE,
        ],
        variables=[{"name": "code", "type": "number"}, {"name": "from", "type": "text"}],
    )
    texted(sms, "CODE 4711")
    participant = Participant.objects.get(version__flow=flow)
    assert participant.state["variables"]["code"] == 4711
    assert participant.state["variables"]["from"] == PHONE


def test_a_regex_that_does_not_compile_is_an_issue_on_the_element(sms):
    doc = {
        "spec_version": 1,
        "nodes": [
            keyword_entry({"operator": "matches_regex", "pattern": "(unclosed"}),
            ask(),
            thanks(),
            DONE,
        ],
    }
    issues = [(i.code, i.node_id, i.field) for i in definition_issues(doc)]
    assert any(n == "in" and f and f.startswith("config.conditions[0].pattern") for _, n, f in issues), issues


def test_an_inbound_message_on_a_channel_kind_without_an_account_is_an_issue(db):
    doc = {"spec_version": 1, "nodes": [keyword_entry({"operator": "anything"}), ask(), thanks(), DONE]}
    messages = [i.message for i in definition_issues(doc) if i.code == "no_channel"]
    assert messages and "no active SMS channel" in messages[0]


def test_evaluate_reply_takes_free_text_from_the_web_composer(db):
    person = PersonFactory()
    flow = active_flow(
        [
            node(
                "in",
                "inbound_message",
                {
                    "channel": "web",
                    "recipient": "",
                    "conditions": [{"operator": "contains_word", "values": ["help"]}],
                    "capture": [],
                },
                {"next": "which"},
            ),
            node(
                "which",
                "evaluate_reply",
                {
                    "channel": "any",
                    "branches": [
                        {
                            "id": "billing",
                            "name": "Billing",
                            "conditions": [{"operator": "contains_word", "values": ["invoice", "bill"]}],
                        },
                    ],
                    "variable": "question",
                    "timeout": None,
                },
                {"billing": "done", "other": "done"},
            ),
            DONE,
        ],
        variables=[{"name": "question", "type": "text"}],
    )
    assert relayed(web_inbound, person, "Help!").pk
    participant = Participant.objects.get(version__flow=flow, person=person)
    assert (participant.status, participant.current_node) == (Participant.Status.WAITING, "which")

    reply = relayed(web_inbound, person, "Where is my invoice?")
    reply.refresh_from_db()
    participant.refresh_from_db()
    assert reply.routing == Message.Routing.ANSWER
    assert participant.status == Participant.Status.COMPLETED
    assert participant.state["variables"]["question"] == "Where is my invoice?"
    assert participant.state["steps"][-1]["answer_id"] == "billing"


def test_an_inbound_call_enters_the_inbound_call_flow_with_the_call_details(db):
    voice = Channel.objects.create(
        kind="voice", name="Voice", identities=["+3225550199"], secret="v", creates_people=True
    )
    flow = active_flow(
        [
            node(
                "call",
                "inbound_call",
                {"recipient": "+3225550199", "variables": {"call_id": "call", "from": "caller", "to": ""}},
                {"next": "done"},
            ),
            DONE,
        ],
        variables=[{"name": "call", "type": "text"}, {"name": "caller", "type": "text"}],
    )
    received = relayed(simulator_call, voice, caller=PHONE, recipient="+3225550199")
    call = Message.objects.get(pk=received.message_ids[0])
    assert call.routing == Message.Routing.ENTRY
    participant = Participant.objects.get(version__flow=flow)
    assert participant.state["variables"] == {"call": call.gateway_id, "caller": PHONE}
    assert participant.person.phone == PHONE


def test_the_flow_page_says_what_starts_people_at_an_inbound_message(sms):
    from engine.entry_points import version_entry_points

    flow = active_flow(
        [
            keyword_entry(
                {"operator": "matches_text", "values": ["join", "yes"]},
                {"operator": "contains_word", "values": ["help"]},
                recipient=OUR_NUMBER,
            ),
            ask(),
            thanks(),
            DONE,
        ]
    )
    [row] = version_entry_points(flow.versions.get())
    assert row.does == (
        f'Starts people who send an SMS to {OUR_NUMBER} that is "join" or "yes"; or has the word "help".'
    )


def gateway_batch(channel: Channel, items: list[tuple[str, str]]) -> list[Message]:
    """One webhook carrying several messages (sender, text), as gateways batch them."""
    import json

    from messaging.inbound import inbound_receive
    from messaging.signatures import sign

    body = json.dumps(
        {
            "messages": [
                {"id": f"b{i}-{sender}", "from": sender, "to": OUR_NUMBER, "text": text}
                for i, (sender, text) in enumerate(items)
            ]
        }
    ).encode()
    received = relayed(inbound_receive, channel, body, {"X-Signature": sign(body, channel.secret)})
    return list(Message.objects.filter(pk__in=received.message_ids).order_by("id"))


def test_a_gateway_batch_is_routed_like_the_same_messages_one_by_one(sms, caplog):
    from engine.models import EntryRefusal

    news = active_flow(
        [keyword_entry({"operator": "matches_text", "values": ["news"]}), ask(), thanks(), DONE],
        settings={"reentry": "never"},
        name="News",
    )
    fallback = active_flow([keyword_entry({"operator": "anything"}), ask(), thanks(), DONE], name="Fallback")
    # Someone already in a conversation, and someone who had the News flow once already.
    texted(sms, "news", sender="+32470000010")
    texted(sms, "news", sender="+32470000011")
    Participant.objects.filter(person__phone="+32470000011").update(status=Participant.Status.COMPLETED)

    routed = gateway_batch(
        sms,
        [
            ("+32470000001", "news"),  # new people: entered together
            ("+32470000002", "NEWS"),
            ("+32470000010", "1"),  # answers the question waiting for them
            ("+32470000011", "news"),  # News refuses them again: the fallback takes them
            ("+32470000003", "news"),  # two messages of one person: one after the other
            ("+32470000003", "2"),
        ],
    )
    assert [m.routing for m in routed] == ["entry", "entry", "answer", "entry", "entry", "answer"]
    flows = {m.address: Participant.objects.get(pk=m.participant_id).version.flow.name for m in routed[:5]}
    assert flows == {
        "+32470000001": "News",
        "+32470000002": "News",
        "+32470000010": "News",
        "+32470000011": "Fallback",
        "+32470000003": "News",
    }
    assert EntryRefusal.objects.filter(person__phone="+32470000011").count() == 1
    assert [sent.split("\n")[0] for sent in sent_sms("+32470000003")] == ["Do you want our news?"]
    assert Participant.objects.get(person__phone="+32470000003").status == Participant.Status.COMPLETED
    assert news.pk != fallback.pk
    # ... by the batch path itself, not by its fallback after an error.
    assert not [r.getMessage() for r in caplog.records if r.levelname in ("ERROR", "CRITICAL")]
