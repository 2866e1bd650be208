"""Change events: one per change, with old and new values, written to the outbox in the transaction
that made the change (never for a rolled-back one), handled after commit, and logged for the timeline."""

import pytest
from django.db import transaction

from people import changes, events, services
from people.changes import AttributeChanged, CompanyChanged, EventRecorded, TagAdded, TagRemoved
from people.models import Event, PersonChange
from people.outbox.models import OutboxEvent
from tests.factories import AttributeDefinitionFactory, CompanyFactory, TagFactory, UserFactory
from tests.helpers import last_outbox_id, published_changes

pytestmark = pytest.mark.django_db


def summary(seen) -> list[tuple]:
    out = []
    for c in seen:
        if isinstance(c, AttributeChanged):
            out.append(("attribute", c.key, c.old, c.new))
        elif isinstance(c, TagAdded | TagRemoved):
            out.append((type(c).__name__, c.tag))
        elif isinstance(c, CompanyChanged):
            out.append(("company", c.old and c.old["name"], c.new and c.new["name"]))
        elif isinstance(c, EventRecorded):
            out.append(("event", c.event, c.properties))
    return out


def test_person_update_writes_one_change_per_changed_value_with_the_change():
    person = services.person_create(first_name="Ann", email="ann@example.com")
    acme, globex = CompanyFactory(name="Acme"), CompanyFactory(name="Globex")
    services.person_update(person=person, fields={"company": acme})
    mark = last_outbox_id()
    expected = [
        ("attribute", "last_name", None, "Smith"),
        ("attribute", "email", "ann@example.com", "ann@example.org"),
        ("attribute", "opt_in", False, True),
        ("company", "Acme", "Globex"),
    ]

    with transaction.atomic():
        services.person_update(
            person=person,
            fields={
                "first_name": "Ann",  # unchanged: no event
                "last_name": "Smith",
                "email": "ANN@example.org",
                "opt_in": True,
                "birth_date": None,
                "company": globex,
            },
        )
        # In the transaction of the change itself: they commit (or roll back) together.
        assert summary(published_changes(mark)) == expected

    published = published_changes(mark)
    assert summary(published) == expected
    assert {c.person_id for c in published} == {person.pk}


def test_custom_attributes_carry_old_and_new_values():
    AttributeDefinitionFactory(key="score", data_type="NUMBER", number_kind="whole")
    AttributeDefinitionFactory(key="interests", data_type="LIST")
    AttributeDefinitionFactory(key="city", data_type="TEXT")
    person = services.person_create(first_name="Ann", attributes={"score": 1, "city": "Ghent"})
    mark = last_outbox_id()

    services.person_set_attributes(person=person, values={"score": 2, "interests": ["golf"], "city": "Ghent"})
    services.person_set_attributes(person=person, values={"score": None})

    assert summary(published_changes(mark)) == [
        ("attribute", "score", 1, 2),
        ("attribute", "interests", None, ["golf"]),
        ("attribute", "score", 2, None),
    ]


def test_tags_added_and_removed():
    vip, golf, news = TagFactory(name="vip"), TagFactory(name="golf"), TagFactory(name="news")
    person = services.person_create(first_name="Ann", tags=[vip])
    mark = last_outbox_id()

    services.person_update(person=person, fields={}, tags=[golf, news])
    services.person_tags_add(person=person, tags=[golf, vip])  # golf: already there
    services.person_tags_remove(person=person, tags=[news, vip])

    assert summary(published_changes(mark)) == [
        ("TagAdded", "golf"),
        ("TagAdded", "news"),
        ("TagRemoved", "vip"),
        ("TagAdded", "vip"),
        ("TagRemoved", "news"),
        ("TagRemoved", "vip"),
    ]
    assert list(person.tags.values_list("name", flat=True)) == ["golf"]


def test_a_new_person_emits_what_it_was_created_with():
    AttributeDefinitionFactory(key="city", data_type="TEXT")
    mark = last_outbox_id()
    services.person_create(
        first_name="Ann",
        phone="+32470123456",
        company=CompanyFactory(name="Acme"),
        tags=[TagFactory(name="vip")],
        attributes={"city": "Ghent"},
    )

    assert summary(published_changes(mark)) == [
        ("attribute", "first_name", None, "Ann"),
        ("attribute", "phone", None, "+32470123456"),
        ("company", None, "Acme"),
        ("TagAdded", "vip"),
        ("attribute", "city", None, "Ghent"),
    ]


def test_nothing_is_written_to_the_outbox_or_logged_for_a_rolled_back_transaction():
    person = services.person_create(first_name="Ann")
    PersonChange.objects.all().delete()
    mark = last_outbox_id()

    with pytest.raises(RuntimeError), transaction.atomic():
        services.person_update(person=person, fields={"last_name": "Smith"})
        services.person_tags_add(person=person, tags=[TagFactory()])
        assert len(published_changes(mark)) == 2  # written, until the rollback
        raise RuntimeError("something later in the same transaction failed")

    assert last_outbox_id() == mark
    assert not PersonChange.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_change_events_are_handled_after_a_real_commit():
    person = services.person_create(first_name="Ann")
    created = OutboxEvent.objects.get(topic=changes.TOPIC)
    assert created.done_at is not None  # no transaction around it: committed, then handled at once

    with transaction.atomic():
        services.person_update(person=person, fields={"last_name": "Smith"})
        update = OutboxEvent.objects.get(topic=changes.TOPIC, pk__gt=created.pk)
        assert update.done_at is None  # not handled before its transaction commits

    update.refresh_from_db()
    assert (update.done_at is not None, update.attempts, update.last_error) == (True, 1, "")
    assert summary(published_changes(created.pk)) == [("attribute", "last_name", None, "Smith")]


def test_ingested_events_are_written_once():
    events.event_definition_create(
        key="purchase", label="Purchase", properties=[{"key": "total", "label": "", "data_type": "NUMBER"}]
    )
    person = services.person_create(email="ann@example.com")
    batch = [
        {
            "idempotency_key": "e1",
            "event": "purchase",
            "person": {"id": person.pk},
            "properties": {"total": 5},
        }
    ]
    mark = last_outbox_id()

    events.events_ingest(items=batch)
    events.events_ingest(items=batch)  # a retry: a duplicate, no new event

    published = published_changes(mark)
    assert summary(published) == [("event", "purchase", {"total": 5})]
    stored = Event.objects.get()
    assert (published[0].person_id, published[0].event_id, published[0].occurred_at) == (
        person.pk,
        stored.pk,
        stored.occurred_at,
    )


def test_api_writes_are_logged_with_their_source(api_client):
    person = services.person_create(first_name="Ann")
    api_client.force_login(UserFactory(roles=["marketer"]))
    mark = last_outbox_id()

    response = api_client.patch(f"/api/persons/{person.pk}/", {"last_name": "Smith"}, format="json")

    assert response.status_code == 200
    change = PersonChange.objects.get(key="last_name")
    assert (change.old, change.new, change.source) == (None, "Smith", "api")
    assert [(c.key, c.source) for c in published_changes(mark)] == [("last_name", "api")]
