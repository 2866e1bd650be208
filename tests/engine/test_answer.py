import threading

import pytest
from django.db import connection

from engine import services
from engine.models import Participant, ParticipantStep
from messaging.models import Message
from tests.factories import PersonFactory


@pytest.fixture
def launched(published_flow, enduser, django_capture_on_commit_callbacks):
    person = enduser.person
    flow, version, _ = published_flow(persons=[person])
    with django_capture_on_commit_callbacks(execute=True):
        services.launch_create(version=version, audience=None)
    return person, Message.objects.get(person=person, direction="out")


def test_answer_locks_the_message_and_sends_the_next_step(launched, django_capture_on_commit_callbacks):
    person, first = launched
    with django_capture_on_commit_callbacks(execute=True):
        answered = services.participant_answer(message_id=first.pk, button_id="yes", person=person)

    assert (answered.answered_button_id, answered.answered_caption) == ("yes", "Yes")
    outbound = list(Message.objects.filter(person=person, direction="out").values_list("text", flat=True))
    assert outbound == ["Coming on Friday?", "Great!"]
    reply = Message.objects.get(person=person, direction="in")
    assert (reply.text, reply.reply_to_id) == ("Yes", first.pk)
    participant = Participant.objects.get(person=person)
    assert (participant.status, participant.current_node) == ("waiting", "thanks")
    assert list(
        ParticipantStep.objects.filter(participant=participant).values_list("node_id", "exit_name")
    ) == [
        ("audience", "next"),
        ("ask", "yes"),
        ("thanks", ""),
    ]


def test_last_answer_completes_the_participant(launched, django_capture_on_commit_callbacks):
    person, first = launched
    with django_capture_on_commit_callbacks(execute=True):
        services.participant_answer(message_id=first.pk, button_id="no", person=person)
    participant = Participant.objects.get(person=person)
    assert participant.status == "completed" and participant.completed_at is not None
    assert participant.state["exit"] == {"node_id": "declined", "name": "Declined"}
    assert Message.objects.filter(direction="out").count() == 1


@pytest.mark.parametrize(
    ("button", "code", "message"),
    [("maybe", "invalid", "not one of this message's buttons")],
)
def test_unknown_button_is_refused_and_changes_nothing(launched, button, code, message):
    person, first = launched
    with pytest.raises(services.AnswerRefused, match=message) as exc:
        services.participant_answer(message_id=first.pk, button_id=button, person=person)
    assert exc.value.code == code
    first.refresh_from_db()
    assert first.answered_at is None
    assert Participant.objects.get(person=person).current_node == "ask"


def test_second_answer_to_the_same_message_is_refused(launched):
    person, first = launched
    services.participant_answer(message_id=first.pk, button_id="yes", person=person)
    with pytest.raises(services.AnswerRefused, match="already answered"):
        services.participant_answer(message_id=first.pk, button_id="no", person=person)
    assert Message.objects.filter(direction="in").count() == 1


def test_someone_elses_message_cannot_be_answered(launched):
    _, first = launched
    stranger = PersonFactory()
    with pytest.raises(services.AnswerRefused) as exc:
        services.participant_answer(message_id=first.pk, button_id="yes", person=stranger)
    assert exc.value.code == "not_found"


@pytest.mark.django_db(transaction=True)
def test_two_answers_at_the_same_moment_advance_the_participant_once(published_flow, enduser):
    person = enduser.person
    flow, version, _ = published_flow(persons=[person])
    services.launch_create(version=version, audience=None)
    first = Message.objects.get(person=person, direction="out")

    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def answer(button: str) -> None:
        barrier.wait()
        try:
            services.participant_answer(message_id=first.pk, button_id=button, person=person)
            outcomes.append("advanced")
        except services.AnswerRefused as exc:
            outcomes.append(exc.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=answer, args=(b,)) for b in ("yes", "no")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)

    assert sorted(outcomes) == ["advanced", "answered"]
    participant = Participant.objects.get(person=person)
    assert participant.step_count == 2  # start + exactly one answer
    assert Message.objects.filter(person=person, direction="in").count() == 1
    assert ParticipantStep.objects.filter(participant=participant, node_id="ask").count() == 1
