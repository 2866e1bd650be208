"""Deleting a tag or a company, from the API or the browser page: every former member gets a
TagRemoved / CompanyChanged change event, written to the outbox with the delete, and a timeline entry;
a rolled-back delete writes nothing; a tag or company that segments use is not deleted, and the reason
names them."""

import pytest
from django.contrib.messages import get_messages
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from people import services
from people.changes import CompanyChanged, TagRemoved
from people.models import Company, Person, PersonChange, Tag
from people.outbox.models import OutboxEvent
from tests.factories import CompanyFactory, PersonFactory, SegmentFactory, TagFactory, UserFactory
from tests.helpers import last_outbox_id, published_changes

pytestmark = pytest.mark.django_db

URLS = {
    ("api", "tag"): "/api/tags/{pk}/",
    ("api", "company"): "/api/companies/{pk}/",
    ("page", "tag"): "/people/tags/{pk}/delete/",
    ("page", "company"): "/people/companies/{pk}/delete/",
}


@pytest.fixture
def as_marketer(client):
    # One logged-in client serves both the API (session auth) and the pages.
    client.force_login(UserFactory(roles=["marketer"]))
    return client


def delete(client, via: str, kind: str, pk: int):
    url = URLS[via, kind].format(pk=pk)
    return client.delete(url) if via == "api" else client.post(url, follow=True)


def members_of(kind: str, count: int) -> tuple[Tag | Company, list[Person]]:
    if kind == "tag":
        target = TagFactory(name="golf")
        return target, [PersonFactory(tags=[target]) for _ in range(count)]
    target = CompanyFactory(name="Acme")
    return target, [PersonFactory(company=target) for _ in range(count)]


def timeline(client, person: Person) -> list[str]:
    return [entry["summary"] for entry in client.get(f"/api/persons/{person.pk}/timeline/").json()["results"]]


@pytest.mark.parametrize("via", ["api", "page"])
@pytest.mark.parametrize("kind", ["tag", "company"])
def test_every_former_member_gets_a_change_written_with_the_delete_and_a_timeline_entry(
    as_marketer, via, kind
):
    target, members = members_of(kind, 3)
    outsider = PersonFactory(tags=[TagFactory(name="tennis")], company=CompanyFactory(name="Globex"))
    mark = last_outbox_id()

    response = delete(as_marketer, via, kind, target.pk)

    received = published_changes(mark)
    assert response.status_code == (204 if via == "api" else 200)
    assert not type(target).objects.filter(pk=target.pk).exists()
    source = "api" if via == "api" else ""
    if kind == "tag":
        assert all(type(c) is TagRemoved for c in received)
        assert {(c.tag_id, c.tag, c.source) for c in received} == {(target.pk, "golf", source)}
        expected_line = "Tag golf removed"
    else:
        assert all(type(c) is CompanyChanged for c in received)
        assert {(c.new, c.source) for c in received} == {(None, source)}
        assert all(c.old == {"id": target.pk, "name": "Acme"} for c in received)
        expected_line = "Company changed from Acme to (empty)"
    assert sorted(c.person_id for c in received) == sorted(p.pk for p in members)
    for person in members:
        person.refresh_from_db()
        assert person.company is None and not person.tags.exists()
        assert timeline(as_marketer, person)[0] == expected_line
    assert outsider.tags.count() == 1 and outsider.company is not None
    assert not PersonChange.objects.filter(person=outsider, kind__in=["tag_removed", "company"]).exists()


@pytest.mark.parametrize("kind", ["tag", "company"])
def test_a_rolled_back_delete_writes_no_change_and_logs_nothing(kind):
    target, members = members_of(kind, 2)
    PersonChange.objects.all().delete()
    mark = last_outbox_id()

    with pytest.raises(RuntimeError), transaction.atomic():
        if kind == "tag":
            services.tag_delete(tag=target)
        else:
            services.company_delete(company=target)
        # Written in the delete's transaction, so they go with it.
        assert len(published_changes(mark)) == 2 and PersonChange.objects.count() == 2
        raise RuntimeError("something later in the same transaction failed")

    assert not OutboxEvent.objects.filter(pk__gt=mark).exists()
    assert not PersonChange.objects.exists()
    assert type(target).objects.filter(pk=target.pk).exists()
    if kind == "tag":
        assert all(p.tags.filter(pk=target.pk).exists() for p in members)
    else:
        assert Person.objects.filter(company=target).count() == 2


@pytest.mark.parametrize("kind", ["tag", "company"])
def test_a_large_membership_takes_a_bounded_number_of_queries(kind):
    target, _ = members_of(kind, 0)
    persons = Person.objects.bulk_create(
        Person(first_name=f"P{i}", company=target if kind == "company" else None) for i in range(2500)
    )
    if kind == "tag":
        through = Person.tags.through
        through.objects.bulk_create(through(person_id=p.pk, tag_id=target.pk) for p in persons)

    mark = last_outbox_id()
    with CaptureQueriesContext(connection) as queries:
        if kind == "tag":
            services.tag_delete(tag=target)
        else:
            services.company_delete(company=target)

    # Not one query per person: the ids in one read, then multi-row inserts of the change log.
    assert len(queries) < 50
    assert OutboxEvent.objects.filter(pk__gt=mark).count() == 1  # the 2500 changes in one event
    assert len(published_changes(mark)) == 2500
    assert PersonChange.objects.count() == 2500


# --- segments that use the tag or company -------------------------------------------------------


@pytest.mark.parametrize("via", ["api", "page"])
@pytest.mark.parametrize("kind", ["tag", "company"])
def test_deleting_what_segments_use_is_refused_naming_them(as_marketer, via, kind):
    target, members = members_of(kind, 2)
    has, lacks = ("has", "has_not") if kind == "tag" else ("in", "not_in")
    SegmentFactory(name="Members", rules={"op": "and", "rules": [{kind: target.pk, "operator": has}]})
    # A negated condition deep in a group: were the tag or company gone, it would match everyone.
    SegmentFactory(
        name="Everyone else",
        rules={"op": "or", "rules": [{"op": "and", "rules": [{kind: target.pk, "operator": lacks}]}]},
    )
    SegmentFactory(name="Unrelated", rules={"op": "and", "rules": [{kind: target.pk + 1, "operator": has}]})
    mark = last_outbox_id()

    response = delete(as_marketer, via, kind, target.pk)

    name = target.name
    reason = f"The {kind} '{name}' is used by the segments: Everyone else, Members."
    if via == "api":
        assert response.status_code == 409
        assert response.json() == {"detail": reason}
    else:
        shown = [str(m) for m in get_messages(response.wsgi_request)]
        assert shown == [f"The {kind} {name} was not deleted: {reason}"]
        assert reason in response.content.decode().replace("&#x27;", "'")
    assert type(target).objects.filter(pk=target.pk).exists()
    if kind == "tag":
        assert all(p.tags.filter(pk=target.pk).exists() for p in members)
    else:
        assert Person.objects.filter(company=target).count() == 2
    assert published_changes(mark) == []


def test_once_the_segment_no_longer_uses_it_the_tag_can_be_deleted(as_marketer):
    golf = TagFactory(name="golf")
    segment = SegmentFactory(
        name="Golfers", rules={"op": "and", "rules": [{"tag": golf.pk, "operator": "has"}]}
    )
    assert delete(as_marketer, "api", "tag", golf.pk).status_code == 409

    services.segment_update(segment=segment, rules={"op": "and", "rules": []})

    assert delete(as_marketer, "api", "tag", golf.pk).status_code == 204
    assert not Tag.objects.exists()
