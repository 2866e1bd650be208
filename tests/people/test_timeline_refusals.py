"""Refusals on a person's timeline (kind flow_refused, with the flow and the reason, newest first among
the other entries, on the person page and in the timeline API), and the People list's "Created via"
filter."""

import datetime as dt

import pytest
from django.utils import timezone

from engine.models import EntryRefusal
from people import selectors, services
from people.models import PersonChange
from tests.factories import FlowFactory, PersonFactory, TagFactory

pytestmark = pytest.mark.django_db


def _refuse(person, flow, reason: str, *, at: dt.datetime, source: str = "launch 3") -> EntryRefusal:
    refusal = EntryRefusal.objects.create(
        person=person, flow=flow, node_id="audience", source=source, reason=reason
    )
    EntryRefusal.objects.filter(pk=refusal.pk).update(created_at=at)  # auto_now_add: set the moment after
    return refusal


@pytest.fixture
def refused_ann():
    """Ann: created and tagged an hour ago, refused by "Welcome" half an hour ago and by "<b>Promo</b>"
    just now."""
    now = timezone.now()
    ann = services.person_create(first_name="Ann", email="ann@example.com")
    services.person_tags_add(person=ann, tags=[TagFactory(name="vip")])
    PersonChange.objects.filter(person=ann).update(at=now - dt.timedelta(hours=1))
    welcome, promo = FlowFactory(name="Welcome"), FlowFactory(name="<b>Promo</b>")
    _refuse(ann, welcome, "Already entered this flow once.", at=now - dt.timedelta(minutes=30))
    _refuse(
        ann,
        promo,
        "Frequency cap: already entered 1 flow within 1 day.",
        at=now,
        source="added by staff",
    )
    return ann, welcome, promo


def test_refusals_are_on_the_timeline_newest_first(refused_ann):
    ann, welcome, promo = refused_ann

    entries = selectors.person_timeline(ann, limit=50)

    kinds = [e["kind"] for e in entries]
    assert kinds[:2] == ["flow_refused", "flow_refused"]
    assert "tag_added" in kinds[2:] and "flow_refused" not in kinds[2:]
    assert [e["at"] for e in entries] == sorted((e["at"] for e in entries), reverse=True)
    newest = entries[0]
    assert newest["summary"] == (
        "Not entered into flow <b>Promo</b>: Frequency cap: already entered 1 flow within 1 day."
    )
    assert newest["data"] == {
        "flow_id": promo.pk,
        "flow": "<b>Promo</b>",
        "node_id": "audience",
        "reason": "Frequency cap: already entered 1 flow within 1 day.",
        "source": "added by staff",
    }
    assert entries[1]["data"]["flow"] == "Welcome"


def test_the_timeline_limit_counts_refusals_too(refused_ann):
    ann, _, promo = refused_ann

    [only] = selectors.person_timeline(ann, limit=1)

    assert (only["kind"], only["data"]["flow_id"]) == ("flow_refused", promo.pk)


def test_the_person_page_shows_refusals_escaped(client, marketer, refused_ann):
    ann, _, _ = refused_ann
    client.force_login(marketer)

    page = client.get(f"/people/{ann.pk}/").content.decode()

    assert page.count('data-kind="flow_refused"') == 2
    assert "Not entered into flow &lt;b&gt;Promo&lt;/b&gt;: Frequency cap" in page
    assert "<b>Promo</b>" not in page
    assert "(added by staff)" in page


def test_the_timeline_api_has_refusals(api_client, staff, refused_ann):
    ann, welcome, _ = refused_ann
    api_client.force_login(staff)

    body = api_client.get(f"/api/persons/{ann.pk}/timeline/").json()

    items = body["results"] if isinstance(body, dict) else body
    assert [i["kind"] for i in items][:2] == ["flow_refused", "flow_refused"]
    assert items[1]["data"]["flow_id"] == welcome.pk


# --- Created via ---------------------------------------------------------------------------------------


@pytest.fixture
def created_ways():
    return {
        "sftp": PersonFactory(first_name="Sia", created_via="sftp:7"),
        "api": PersonFactory(first_name="Api", created_via="flow api:8"),
        "hand": PersonFactory(first_name="Hand"),
    }


def _listed(client, **query) -> set[str]:
    page = client.get("/people/", query).content.decode()
    return {name for name in ("Sia", "Api", "Hand") if f">{name} Person<" in page}


@pytest.mark.parametrize(
    ("via", "listed"),
    [
        ("", {"Sia", "Api", "Hand"}),
        ("sftp", {"Sia"}),
        ("flow_api", {"Api"}),
        ("hand", {"Hand"}),
        ("bogus", set()),
    ],
)
def test_the_people_list_filters_by_created_via(client, marketer, created_ways, via, listed):
    client.force_login(marketer)

    assert _listed(client, via=via) == listed


def test_created_via_combines_with_the_other_filters(client, staff, created_ways):
    vip = TagFactory(name="vip")
    created_ways["sftp"].tags.add(vip)
    PersonFactory(first_name="Other", created_via="sftp:9")
    client.force_login(staff)

    assert _listed(client, via="sftp", tag=vip.pk) == {"Sia"}
    assert _listed(client, via="hand", tag=vip.pk) == set()


def test_the_list_and_the_person_page_show_where_a_person_came_from(client, marketer, created_ways):
    client.force_login(marketer)

    page = client.get("/people/").content.decode()
    detail = client.get(f"/people/{created_ways['api'].pk}/").content.decode()
    by_hand = client.get(f"/people/{created_ways['hand'].pk}/").content.decode()

    sia = created_ways["sftp"].pk
    assert f'data-testid="via-{sia}">SFTP import (<a href="/flows/7/">flow 7</a>)</td>' in page
    assert f'data-testid="via-{created_ways["hand"].pk}">—</td>' in page
    assert 'data-testid="created-via">Flow API (flow 8)</td>' in detail
    assert 'data-testid="created-via">—</td>' in by_hand


def test_a_created_via_filter_keeps_the_pages_the_export_and_tagging_all(client, marketer):
    sftp = PersonFactory.create_batch(51, created_via="sftp:1")
    by_hand = PersonFactory()
    tag = TagFactory(name="Imported")
    client.force_login(marketer)

    page = client.get("/people/", {"via": "sftp"}).content.decode()
    assert "People <small>(51)</small>" in page
    assert "via=sftp&page=2" in page
    assert 'data-testid="export-people"' in page and 'data-testid="bulk-scope-all"' in page

    export = b"".join(client.get("/people/export.csv", {"via": "sftp"}).streaming_content).decode()
    assert len(export.strip().splitlines()) == 1 + 51
    assert by_hand.email not in export

    client.post(
        "/people/bulk-tag/",
        {"tag": tag.pk, "action": "add", "scope": "all", "filter_via": "sftp"},
    )
    assert set(tag.persons.values_list("pk", flat=True)) == {p.pk for p in sftp}
    listed = client.get("/api/persons/", {"via": "hand", "page_size": 100}).json()["results"]
    assert [p["id"] for p in listed] == [by_hand.pk]
