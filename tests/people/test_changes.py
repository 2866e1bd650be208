"""Change events: one per change, with old and new values, published only after commit (never for a
rolled-back transaction), and logged for the timeline."""

import pytest
from django.db import transaction

from people import changes, events, services
from people.changes import AttributeChanged, CompanyChanged, EventRecorded, TagAdded, TagRemoved
from people.models import PersonChange
from tests.factories import AttributeDefinitionFactory, CompanyFactory, TagFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def received():
    seen: list[changes.PersonChanged] = []
    changes.subscribe(seen.append)
    yield seen
    changes.unsubscribe(seen.append)


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


def test_person_update_emits_one_event_per_change_after_commit(received, django_capture_on_commit_callbacks):
    person = services.person_create(first_name="Ann", email="ann@example.com")
    acme, globex = CompanyFactory(name="Acme"), CompanyFactory(name="Globex")
    services.person_update(person=person, fields={"company": acme})
    received.clear()

    with django_capture_on_commit_callbacks(execute=True):
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
        assert received == []  # not before the commit

    assert summary(received) == [
        ("attribute", "last_name", None, "Smith"),
        ("attribute", "email", "ann@example.com", "ann@example.org"),
        ("attribute", "opt_in", False, True),
        ("company", "Acme", "Globex"),
    ]
    assert {c.person_id for c in received} == {person.pk}


def test_custom_attributes_carry_old_and_new_values(received, django_capture_on_commit_callbacks):
    AttributeDefinitionFactory(key="score", data_type="NUMBER", number_kind="whole")
    AttributeDefinitionFactory(key="interests", data_type="LIST")
    AttributeDefinitionFactory(key="city", data_type="TEXT")
    person = services.person_create(first_name="Ann", attributes={"score": 1, "city": "Ghent"})

    with django_capture_on_commit_callbacks(execute=True):
        services.person_set_attributes(
            person=person, values={"score": 2, "interests": ["golf"], "city": "Ghent"}
        )
    with django_capture_on_commit_callbacks(execute=True):
        services.person_set_attributes(person=person, values={"score": None})

    assert summary(received) == [
        ("attribute", "score", 1, 2),
        ("attribute", "interests", None, ["golf"]),
        ("attribute", "score", 2, None),
    ]


def test_tags_added_and_removed(received, django_capture_on_commit_callbacks):
    vip, golf, news = TagFactory(name="vip"), TagFactory(name="golf"), TagFactory(name="news")
    person = services.person_create(first_name="Ann", tags=[vip])

    with django_capture_on_commit_callbacks(execute=True):
        services.person_update(person=person, fields={}, tags=[golf, news])
    with django_capture_on_commit_callbacks(execute=True):
        services.person_tags_add(person=person, tags=[golf, vip])  # golf: already there
        services.person_tags_remove(person=person, tags=[news, vip])

    assert summary(received) == [
        ("TagAdded", "golf"),
        ("TagAdded", "news"),
        ("TagRemoved", "vip"),
        ("TagAdded", "vip"),
        ("TagRemoved", "news"),
        ("TagRemoved", "vip"),
    ]
    assert list(person.tags.values_list("name", flat=True)) == ["golf"]


def test_a_new_person_emits_what_it_was_created_with(received, django_capture_on_commit_callbacks):
    AttributeDefinitionFactory(key="city", data_type="TEXT")
    with django_capture_on_commit_callbacks(execute=True):
        services.person_create(
            first_name="Ann",
            phone="+32470123456",
            company=CompanyFactory(name="Acme"),
            tags=[TagFactory(name="vip")],
            attributes={"city": "Ghent"},
        )

    assert summary(received) == [
        ("attribute", "first_name", None, "Ann"),
        ("attribute", "phone", None, "+32470123456"),
        ("company", None, "Acme"),
        ("TagAdded", "vip"),
        ("attribute", "city", None, "Ghent"),
    ]


def test_nothing_is_emitted_or_logged_for_a_rolled_back_transaction(
    received, django_capture_on_commit_callbacks
):
    person = services.person_create(first_name="Ann")
    PersonChange.objects.all().delete()

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            services.person_update(person=person, fields={"last_name": "Smith"})
            services.person_tags_add(person=person, tags=[TagFactory()])
            raise RuntimeError("something later in the same transaction failed")

    assert callbacks == []
    assert received == []
    assert not PersonChange.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_handlers_run_after_a_real_commit():
    seen: list = []

    def handler(change):
        # Runs after commit: the change is visible to anyone reading the database.
        seen.append((change.key, PersonChange.objects.filter(key=change.key).exists()))

    changes.subscribe(handler)
    try:
        person = services.person_create(first_name="Ann")
        with transaction.atomic():
            services.person_update(person=person, fields={"last_name": "Smith"})
            assert [key for key, _ in seen] == ["first_name"]
        assert seen == [("first_name", True), ("last_name", True)]
    finally:
        changes.unsubscribe(handler)


def test_a_failing_handler_does_not_stop_the_others(received, django_capture_on_commit_callbacks):
    def broken(change):
        raise ValueError("boom")

    changes.subscribe(broken)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            person = services.person_create(first_name="Ann")
    finally:
        changes.unsubscribe(broken)

    assert summary(received) == [("attribute", "first_name", None, "Ann")]
    assert person.pk


def test_ingested_events_are_published_once(received, django_capture_on_commit_callbacks):
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
    received.clear()

    with django_capture_on_commit_callbacks(execute=True):
        events.events_ingest(items=batch)
    with django_capture_on_commit_callbacks(execute=True):
        events.events_ingest(items=batch)  # a retry: a duplicate, no new event

    assert summary(received) == [("event", "purchase", {"total": 5})]
    assert received[0].person_id == person.pk


def test_api_writes_are_logged_with_their_source(api_client, django_capture_on_commit_callbacks):
    person = services.person_create(first_name="Ann")
    api_client.force_login(UserFactory(roles=["marketer"]))

    response = api_client.patch(f"/api/persons/{person.pk}/", {"last_name": "Smith"}, format="json")

    assert response.status_code == 200
    change = PersonChange.objects.get(key="last_name")
    assert (change.old, change.new, change.source) == (None, "Smith", "api")
