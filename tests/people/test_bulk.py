"""Writes of many rows at once: the change log of a large batch of changes (changes.record) and the
inserts and updates of people.bulk that imports use."""

import datetime as dt

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from people import bulk, changes
from people.changes import AttributeChanged, CompanyChanged, EventRecorded, TagAdded, TagRemoved
from people.models import AttributeDefinition, AttributeValue, Person, PersonChange, Tag
from people.outbox.models import OutboxEvent
from tests.factories import AttributeDefinitionFactory, TagFactory
from tests.helpers import last_outbox_id, published_changes

pytestmark = pytest.mark.django_db


def test_a_large_batch_is_logged_change_for_change_and_written_to_the_outbox_with_it():
    persons = Person.objects.bulk_create(Person(first_name=f"P{i}") for i in range(300))
    at = timezone.now()
    batch: list[changes.PersonChanged] = []
    for i, person in enumerate(persons):
        pk = person.pk
        batch += [
            AttributeChanged(person_id=pk, at=at, source="import:1", key="first_name", old=None, new=f"P{i}"),
            AttributeChanged(person_id=pk, at=at, source="import:1", key="opt_in", old=False, new=True),
            AttributeChanged(person_id=pk, at=at, source="import:1", key="tags", old=["a"], new=["a", "b"]),
            AttributeChanged(person_id=pk, at=at, source="import:1", key="score", old=i, new=None),
            CompanyChanged(person_id=pk, at=at, source="import:1", old=None, new={"id": 1, "name": "Acme"}),
            TagAdded(person_id=pk, at=at, source="import:1", tag_id=1, tag="fair"),
            TagRemoved(person_id=pk, at=at, source="import:1", tag_id=2, tag="news"),
            EventRecorded(person_id=pk, at=at, event_id=i, event="visit", occurred_at=at, properties={}),
        ]
    mark = last_outbox_id()
    with transaction.atomic():
        with CaptureQueriesContext(connection) as queries:
            changes.record(batch)
        assert len(queries) < 30  # a few multi-row statements, not one per change
        # The whole batch is one outbox event, in the transaction of the change, and reads back as given.
        assert OutboxEvent.objects.filter(pk__gt=mark).count() == 1
        assert published_changes(mark) == batch

    # Every change but the events, on the person's timeline, values as given; "no value" is SQL NULL.
    assert PersonChange.objects.count() == 300 * 7
    last = persons[-1]
    assert list(last.changes.order_by("id").values_list("kind", "key", "old", "new", "source", "at")) == [
        ("attribute", "first_name", None, "P299", "import:1", at),
        ("attribute", "opt_in", False, True, "import:1", at),
        ("attribute", "tags", ["a"], ["a", "b"], "import:1", at),
        ("attribute", "score", 299, None, "import:1", at),
        ("company", "company", None, {"id": 1, "name": "Acme"}, "import:1", at),
        ("tag_added", "fair", None, None, "import:1", at),
        ("tag_removed", "news", None, None, "import:1", at),
    ]
    assert PersonChange.objects.filter(old__isnull=True).count() == 300 * 4
    assert PersonChange.objects.filter(new__isnull=True).count() == 300 * 3


def test_insert_returns_the_ids_in_row_order_over_several_statements():
    at = timezone.now()
    rows = [(f"p{i}@example.com", f"P{i}", "", "en", "UTC", i % 2 == 0, at, at) for i in range(700)]
    ids = bulk.insert(
        Person,
        ("email", "first_name", "last_name", "language", "timezone", "opt_in", "created_at", "updated_at"),
        rows,
        returning="id",
    )
    stored = dict(Person.objects.values_list("pk", "email"))
    assert [stored[pk] for pk in ids] == [row[0] for row in rows]
    assert Person.objects.filter(opt_in=True).count() == 350


def test_insert_updates_on_conflict_and_update_sets_fields():
    definition = AttributeDefinitionFactory(key="score", data_type=AttributeDefinition.DataType.NUMBER)
    ann, bob = Person.objects.bulk_create([Person(first_name="Ann"), Person(first_name="Bob")])
    AttributeValue.objects.create(person=ann, definition=definition, value_number=1)
    at = timezone.now()
    fields = ("person", "definition", "value_number", "updated_at")
    bulk.insert(
        AttributeValue,
        fields,
        [(ann.pk, definition.pk, "2.5", at), (bob.pk, definition.pk, "7", at)],
        unique_fields=("person", "definition"),
        update_fields=("value_number", "updated_at"),
    )
    stored = dict(AttributeValue.objects.values_list("person_id", "value_number"))
    assert {pk: str(value.normalize()) for pk, value in stored.items()} == {ann.pk: "2.5", bob.pk: "7"}

    bulk.update(
        Person, ("first_name", "birth_date"), [(ann.pk, "Anna", dt.date(1990, 2, 3)), (bob.pk, "Bo", None)]
    )
    assert list(Person.objects.order_by("pk").values_list("first_name", "birth_date")) == [
        ("Anna", dt.date(1990, 2, 3)),
        ("Bo", None),
    ]


def test_a_refused_insert_is_an_integrity_error():
    # What an import's batch catches to fall back to row by row, on every database.
    person = Person.objects.create(first_name="Ann")
    tag = TagFactory(name="fair")
    person.tags.add(tag)
    with pytest.raises(IntegrityError), transaction.atomic():
        bulk.insert(Person.tags.through, ("person", "tag"), [(person.pk, tag.pk)])
    assert Tag.objects.get().persons.count() == 1


def test_create_stores_instances_as_bulk_create_would_and_gives_them_their_ids():
    from engine.models import Participant
    from flowdesigner import services as flow_services
    from tests.factories import FlowFactory, two_step_definition

    people = [Person.objects.create(first_name=f"P{i}") for i in range(3)]
    flow = FlowFactory(draft_definition=two_step_definition(persons=[p.pk for p in people]))
    version = flow_services.flow_publish(flow_id=flow.pk, revision=flow.draft_revision)
    # Defaults left to the model; one built before its person had an id (its id is taken when stored).
    late = Person(first_name="Late")
    participants = [Participant(version=version, person=person) for person in [*people[:2], late]]
    late.save()
    people = [*people[:2], late]
    before = timezone.now()
    bulk.create(participants)

    stored = {p.pk: p for p in Participant.objects.filter(pk__in=[p.pk for p in participants])}
    assert len(stored) == 3
    for built, person in zip(participants, people, strict=True):
        row = stored[built.pk]
        assert (row.person_id, row.version_id, row.status, row.state) == (person.pk, version.pk, "active", {})
        assert row.uuid == built.uuid and row.created_at >= before
        assert not built._state.adding and built.person is person  # the instance is kept, not re-read
