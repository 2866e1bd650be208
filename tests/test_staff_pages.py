"""Staff and end-user pages (issue 12, item 9): the launch form's audience preview and confirmation, the
form keeping its values, a published flow never called "Draft", the sender name end users see instead of
the flow's name, and no API link for end users."""

import re

import pytest

from engine import services as engine_services
from engine.models import Launch
from flowdesigner import services as flow_services
from messaging.models import Message
from tests.factories import FlowFactory, PersonFactory, SegmentFactory, TagFactory, two_step_definition

pytestmark = pytest.mark.django_db


@pytest.fixture
def launchable(published_flow):
    """A published flow whose Predefined Audience holds Ada; Bob and Cy have the 'vip' tag."""
    ada = PersonFactory(first_name="Ada", email="ada@example.com")
    vip = TagFactory(name="vip")
    PersonFactory(first_name="Bob", tags=[vip])
    PersonFactory(first_name="Cy", phone="+32470123456", tags=[vip])
    flow, version, _ = published_flow(persons=[ada])
    return flow, vip


def _preview(client, flow, **params):
    return client.get(f"/api/flows/{flow.pk}/audience-preview/", params)


# --- the audience preview ---------------------------------------------------------------------


def test_the_preview_counts_each_kind_of_audience_as_the_launch_would(api_client, staff, launchable):
    flow, vip = launchable
    segment = SegmentFactory(rules={"op": "and", "rules": [{"tag": vip.pk, "operator": "has"}]})
    api_client.force_login(staff)

    counts = {
        "predefined": _preview(api_client, flow, kind="predefined").json(),
        "tag": _preview(api_client, flow, kind="tag", tag=vip.pk).json(),
        "segment": _preview(api_client, flow, kind="segment", segment=segment.pk).json(),
        "person": _preview(api_client, flow, kind="person", person="ada@example.com, 0470 12 34 56").json(),
        "everyone": _preview(api_client, flow, kind="everyone").json(),
    }

    assert counts == {
        "predefined": {"count": 1},
        "tag": {"count": 2},
        "segment": {"count": 2},
        "person": {"count": 2},
        "everyone": {"count": 3},
    }


@pytest.mark.parametrize(
    ("params", "detail"),
    [
        ({"kind": "tag"}, "Choose the tag to launch to."),
        ({"kind": "tag", "tag": 999_999}, "Select a valid choice."),
        ({"kind": "person", "person": "nobody@example.com"}, "Nobody has this email address or phone number"),
        ({"kind": "sometimes"}, "Select a valid choice."),
        ({}, "This field is required."),
    ],
)
def test_the_preview_says_why_a_choice_cannot_be_counted(api_client, staff, launchable, params, detail):
    flow, _ = launchable
    api_client.force_login(staff)

    response = _preview(api_client, flow, **params)

    assert response.status_code == 400
    assert detail in response.json()["detail"]


def test_the_preview_of_an_unpublished_flow_is_refused(api_client, staff):
    flow = FlowFactory()
    api_client.force_login(staff)

    response = _preview(api_client, flow, kind="everyone")

    assert response.status_code == 400
    assert response.json() == {"detail": "Publish the flow before launching it."}
    assert api_client.get(f"/api/flows/{flow.pk + 1000}/audience-preview/?kind=everyone").status_code == 404


@pytest.mark.parametrize("role", ["marketer", "enduser"])
def test_only_staff_may_preview_an_audience(api_client, launchable, role, request):
    flow, _ = launchable
    api_client.force_login(request.getfixturevalue(role))

    assert _preview(api_client, flow, kind="everyone").status_code == 403


# --- the launch form: confirmation and kept values --------------------------------------------


def test_launching_asks_to_confirm_the_audience_size_first(
    client, staff, launchable, django_capture_on_commit_callbacks
):
    flow, vip = launchable
    client.force_login(staff)
    form = {"audience": "tag", "tag": vip.pk, "launch_tag": "spring", "context": "from the page"}

    asked = client.post(f"/flows/{flow.pk}/", form)

    assert asked.status_code == 200
    page = asked.content.decode()
    assert "Launch version 1 to 2 people?" in page
    assert 'name="confirmed_count" value="2"' in page
    assert '<input type="hidden" name="launch_tag" value="spring">' in page
    assert not Launch.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        confirmed = client.post(f"/flows/{flow.pk}/", {**form, "confirmed_count": 2})

    assert confirmed.status_code == 302
    launch = Launch.objects.get()
    assert (launch.total, launch.launch_tag, launch.context) == (2, "spring", "from the page")


def test_an_audience_that_changed_since_it_was_confirmed_is_asked_about_again(client, staff, launchable):
    flow, vip = launchable
    client.force_login(staff)
    PersonFactory(first_name="Dee", tags=[vip])  # joined the tag after the count was shown

    response = client.post(f"/flows/{flow.pk}/", {"audience": "tag", "tag": vip.pk, "confirmed_count": 2})

    page = response.content.decode()
    assert "The audience changed since you saw it." in page
    assert "Launch version 1 to 3 people?" in page
    assert not Launch.objects.exists()


def test_the_form_keeps_its_values_after_an_error(client, staff, launchable):
    flow, _ = launchable
    client.force_login(staff)

    response = client.post(
        f"/flows/{flow.pk}/",
        {"audience": "person", "person": "nobody@example.com", "launch_tag": "spring", "context": "why"},
    )

    page = response.content.decode()
    assert "Nobody has this email address or phone number: nobody@example.com" in page
    assert re.search(r'<input type="radio" name="audience" value="person"[^>]* checked>', page)
    assert ">\nnobody@example.com</textarea>" in page
    assert 'name="launch_tag" value="spring"' in page
    assert 'name="context" value="why"' in page
    assert not Launch.objects.exists()


# --- "Draft" is never said of a published flow ------------------------------------------------


def test_a_published_flow_is_never_called_draft(client, staff, launchable):
    flow, _ = launchable
    unpublished = FlowFactory(name="Still a draft")
    client.force_login(staff)

    listing = client.get("/flows/").content.decode()
    detail = client.get(f"/flows/{flow.pk}/").content.decode()

    assert f'data-testid="flow-status-{flow.pk}">Published v1<' in listing
    assert f'data-testid="flow-status-{unpublished.pk}">Draft<' in listing
    assert 'data-testid="flow-badge">Published v1<' in detail
    assert 'data-testid="flow-status">Published v1<' in detail
    assert ">Draft<" not in detail
    assert "unpublished changes" not in detail


def test_the_pages_say_when_the_draft_has_unpublished_changes(client, staff, launchable):
    flow, _ = launchable
    changed = two_step_definition(tags=[1])
    changed["nodes"][1]["config"]["text"] = "Coming on Saturday?"
    flow_services.flow_draft_save(flow_id=flow.pk, revision=flow.draft_revision, definition=changed)
    client.force_login(staff)

    assert f'data-testid="unpublished-{flow.pk}"' in client.get("/flows/").content.decode()
    assert 'data-testid="unpublished-changes"' in client.get(f"/flows/{flow.pk}/").content.decode()


def test_an_active_flow_shows_its_life_cycle_status(
    client, staff, launchable, django_capture_on_commit_callbacks
):
    flow, _ = launchable
    with django_capture_on_commit_callbacks(execute=True):
        engine_services.launch_create(version=flow.latest_version, audience=None)
    client.force_login(staff)

    assert 'data-testid="flow-badge">Active<' in client.get(f"/flows/{flow.pk}/").content.decode()


# --- what end users see ------------------------------------------------------------------------


def _launch_to(person, *, settings: dict | None, capture) -> None:
    definition = two_step_definition(persons=[person.pk])
    if settings is not None:
        definition["settings"] = settings
    flow = FlowFactory(name="Q3 churn-risk test (internal)", draft_definition=definition)
    version = flow_services.flow_publish(flow_id=flow.pk, revision=flow.draft_revision)
    with capture(execute=True):
        engine_services.launch_create(version=version, audience=None)


def test_the_inbox_shows_the_flows_sender_name(api_client, enduser, django_capture_on_commit_callbacks):
    _launch_to(
        enduser.person, settings={"sender_name": "City of Gent"}, capture=django_capture_on_commit_callbacks
    )
    api_client.force_login(enduser)

    [message] = api_client.get("/api/inbox/messages/").json()

    assert message["sender_name"] == "City of Gent"
    assert Message.objects.get(pk=message["id"]).participant.version.flow.name != message["sender_name"]


def test_without_a_sender_name_the_inbox_shows_the_product_not_the_flow(
    api_client, enduser, django_capture_on_commit_callbacks
):
    _launch_to(enduser.person, settings=None, capture=django_capture_on_commit_callbacks)
    api_client.force_login(enduser)

    [message] = api_client.get("/api/inbox/messages/").json()

    assert message["sender_name"] == "Flowdesigner"


def test_end_users_get_no_api_link_and_staff_do(client, enduser, staff):
    client.force_login(enduser)
    assert 'data-testid="api-link"' not in client.get("/inbox/").content.decode()

    client.force_login(staff)
    assert 'data-testid="api-link"' in client.get("/flows/").content.decode()
