"""A person's timeline: attribute, tag and company changes, events, flows entered and exited, and
messages, newest first — in the selector, the API and the person page (escaped)."""

import datetime as dt

import pytest

from engine import services as engine_services
from messaging.models import Message
from people import events, selectors, services
from tests.factories import CompanyFactory, PersonFactory, TagFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def history(published_flow, django_capture_on_commit_callbacks):
    """Ann: created, tagged, launched into a flow that she leaves by answering "no", then an event
    dated in the past, a company and a name change."""
    events.event_definition_create(
        key="purchase", label="Purchase", properties=[{"key": "total", "label": "", "data_type": "NUMBER"}]
    )
    ann = services.person_create(first_name="Ann", email="ann@example.com")
    services.person_tags_add(person=ann, tags=[TagFactory(name="vip")])
    flow, version, _ = published_flow(persons=[ann])
    with django_capture_on_commit_callbacks(execute=True):
        engine_services.launch_create(version=version, audience=None)
    question = Message.objects.get(person=ann, direction="out")
    with django_capture_on_commit_callbacks(execute=True):
        engine_services.participant_answer(message_id=question.pk, button_id="no", person=ann)
    events.events_ingest(
        items=[
            {
                "idempotency_key": "p1",
                "event": "purchase",
                "person": {"id": ann.pk},
                "occurred_at": "2020-01-01T10:00:00Z",
                "properties": {"total": 12},
            }
        ]
    )
    services.person_update(person=ann, fields={"company": CompanyFactory(name="Acme")})
    services.person_update(person=ann, fields={"last_name": "<b>Smith</b>"})
    return ann, flow


def test_the_timeline_has_every_kind_newest_first(history):
    ann, flow = history

    entries = selectors.person_timeline(ann, limit=50)

    kinds = [e["kind"] for e in entries]
    assert kinds[:2] == ["attribute_changed", "company_changed"]
    assert kinds[-1] == "event"  # it occurred in 2020, although received last
    assert set(kinds) == {
        "attribute_changed",
        "company_changed",
        "tag_added",
        "flow_entered",
        "flow_exited",
        "message_out",
        "message_in",
        "event",
    }
    assert kinds.index("flow_exited") < kinds.index("flow_entered") < kinds.index("tag_added")
    assert [e["at"] for e in entries] == sorted((e["at"] for e in entries), reverse=True)
    by_kind = {}
    for entry in entries:  # the newest of each kind
        by_kind.setdefault(entry["kind"], entry)
    assert by_kind["attribute_changed"]["data"] == {
        "key": "last_name",
        "old": None,
        "new": "<b>Smith</b>",
        "source": "",
    }
    assert by_kind["company_changed"]["summary"] == "Company changed from (empty) to Acme"
    assert by_kind["tag_added"]["summary"] == "Tag vip added"
    assert by_kind["event"]["summary"] == "Purchase (total: 12)"
    assert by_kind["event"]["at"] == dt.datetime(2020, 1, 1, 10, tzinfo=dt.UTC)
    assert by_kind["flow_entered"]["data"]["flow"] == flow.name
    assert by_kind["flow_exited"]["data"]["status"] == "completed"
    assert by_kind["message_out"]["data"]["text"] == "Coming on Friday?"


def test_the_limit_keeps_the_newest(history):
    ann, _ = history
    everything = selectors.person_timeline(ann, limit=200)
    assert selectors.person_timeline(ann, limit=3) == everything[:3]


def test_the_timeline_api(history, api_client):
    ann, _ = history
    other = PersonFactory()
    api_client.force_login(UserFactory(roles=["staff"]))

    response = api_client.get(f"/api/persons/{ann.pk}/timeline/?limit=2")
    empty = api_client.get(f"/api/persons/{other.pk}/timeline/")
    bad_limit = api_client.get(f"/api/persons/{ann.pk}/timeline/?limit=0")
    missing = api_client.get("/api/persons/999999/timeline/")

    assert response.status_code == 200
    results = response.json()["results"]
    assert [r["kind"] for r in results] == ["attribute_changed", "company_changed"]
    assert results[0]["summary"] == "last_name changed from (empty) to <b>Smith</b>"
    assert results[0]["at"].endswith("Z")
    assert empty.json() == {"results": []}
    assert bad_limit.status_code == 400
    assert missing.status_code == 404


@pytest.mark.parametrize(("role", "status"), [("marketer", 200), ("staff", 200), ("enduser", 403)])
def test_who_may_read_a_timeline(api_client, role, status):
    person = PersonFactory()
    api_client.force_login(UserFactory(roles=[role]))
    assert api_client.get(f"/api/persons/{person.pk}/timeline/").status_code == status


def test_the_person_page_shows_the_timeline_escaped(history, client):
    ann, flow = history
    client.force_login(UserFactory(roles=["marketer"]))

    page = client.get(f"/people/{ann.pk}/").content.decode()

    timeline = page[page.index('data-testid="timeline"') :]
    assert "last_name changed from (empty) to &lt;b&gt;Smith&lt;/b&gt;" in timeline
    assert "<b>Smith</b>" not in page
    assert "Purchase (total: 12)" in timeline
    assert f"Entered flow {flow.name}" in timeline
    assert "Tag vip added" in timeline
