"""The launches REST API: staff launch a published flow to an audience and follow its progress."""

import pytest

from engine.models import Launch, Participant
from messaging.models import Message
from tests.factories import FlowFactory, PersonFactory, TagFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def as_staff(api_client, staff):
    api_client.force_login(staff)
    return api_client


def _launch(client, flow, payload, capture):
    with capture(execute=True):
        return client.post(f"/api/flows/{flow.pk}/launches/", payload, format="json")


def _messaged() -> set[int]:
    return set(Message.objects.filter(direction="out").values_list("person_id", flat=True))


@pytest.mark.parametrize("audience", [{}, {"audience": None}], ids=["omitted", "null"])
def test_launch_without_audience_uses_the_predefined_audience(
    as_staff, staff, published_flow, django_capture_on_commit_callbacks, audience
):
    inside = PersonFactory.create_batch(2)
    PersonFactory()  # not in the flow's tag
    flow, version, _ = published_flow(persons=inside)

    response = _launch(
        as_staff, flow, {**audience, "launch_tag": "spring"}, django_capture_on_commit_callbacks
    )

    assert response.status_code == 201
    body = response.json()
    assert (body["flow"], body["version"], body["total"], body["launch_tag"]) == (flow.pk, 1, 2, "spring")
    launch = Launch.objects.get(pk=body["id"])
    assert (launch.status, launch.entered, launch.created_by) == ("done", 2, staff)
    assert _messaged() == {p.pk for p in inside}
    assert set(Message.objects.values_list("text", flat=True)) == {"Coming on Friday?"}
    flow.refresh_from_db()
    assert flow.status == "active"


def test_launch_to_tags(as_staff, published_flow, django_capture_on_commit_callbacks):
    flow, _, _ = published_flow(persons=[PersonFactory()])
    vip = TagFactory(name="vip")
    chosen = PersonFactory.create_batch(3, tags=[vip])

    response = _launch(as_staff, flow, {"audience": {"tags": [vip.pk]}}, django_capture_on_commit_callbacks)

    assert response.status_code == 201
    assert response.json()["total"] == 3
    assert response.json()["audience"] == {
        "tags": [vip.pk],
        "segments": [],
        "persons": [],
        "companies": [],
        "everyone": False,
    }
    assert _messaged() == {p.pk for p in chosen}


def test_launch_to_persons(as_staff, published_flow, django_capture_on_commit_callbacks):
    flow, _, _ = published_flow(persons=[PersonFactory()])
    one, two, _ = PersonFactory.create_batch(3)

    response = _launch(
        as_staff, flow, {"audience": {"persons": [one.pk, two.pk]}}, django_capture_on_commit_callbacks
    )

    assert response.status_code == 201
    assert _messaged() == {one.pk, two.pk}


def test_launch_to_everyone(as_staff, published_flow, django_capture_on_commit_callbacks):
    flow, _, _ = published_flow(persons=[PersonFactory()])
    PersonFactory.create_batch(4)

    response = _launch(as_staff, flow, {"audience": {"everyone": True}}, django_capture_on_commit_callbacks)

    assert response.status_code == 201
    assert response.json()["total"] == 5
    assert Participant.objects.count() == 5
    assert len(_messaged()) == 5


def test_unpublished_flow_cannot_be_launched(as_staff, django_capture_on_commit_callbacks):
    flow = FlowFactory()
    PersonFactory()

    response = _launch(as_staff, flow, {"audience": {"everyone": True}}, django_capture_on_commit_callbacks)

    assert response.status_code == 400
    assert "Publish the flow" in response.json()["detail"]
    assert not Launch.objects.exists()


def test_launch_of_an_unknown_flow_is_404(as_staff, django_capture_on_commit_callbacks):
    response = _launch(
        as_staff,
        FlowFactory.build(pk=999999),
        {"audience": {"everyone": True}},
        django_capture_on_commit_callbacks,
    )
    assert response.status_code == 404


def test_empty_audience_is_refused(as_staff, published_flow, django_capture_on_commit_callbacks):
    flow, _, _ = published_flow()  # its tag holds nobody
    empty_tag = TagFactory()

    predefined = _launch(as_staff, flow, {}, django_capture_on_commit_callbacks)
    explicit = _launch(
        as_staff, flow, {"audience": {"tags": [empty_tag.pk]}}, django_capture_on_commit_callbacks
    )

    for response in (predefined, explicit):
        assert response.status_code == 400
        assert "Nobody is in this audience" in response.json()["detail"]
    assert not Launch.objects.exists()


@pytest.mark.parametrize(
    ("audience", "field"),
    [
        ({"tags": [999999]}, "tags"),
        ({"tags": ["vip"]}, "tags"),
        ({"persons": [999999]}, "persons"),
        ({}, "non_field_errors"),
        ({"everyone": False, "tags": []}, "non_field_errors"),
    ],
)
def test_bad_audience_gets_a_field_error(
    as_staff, published_flow, django_capture_on_commit_callbacks, audience, field
):
    flow, _, _ = published_flow(persons=[PersonFactory()])

    response = _launch(as_staff, flow, {"audience": audience}, django_capture_on_commit_callbacks)

    assert response.status_code == 400
    assert field in response.json()["audience"]
    assert not Launch.objects.exists()


@pytest.mark.parametrize("role", ["marketer", "enduser", None])
def test_only_staff_launch(api_client, published_flow, django_capture_on_commit_callbacks, role):
    flow, _, _ = published_flow(persons=[PersonFactory()])
    api_client.force_login(UserFactory(roles=[role] if role else []))

    response = _launch(api_client, flow, {}, django_capture_on_commit_callbacks)

    assert response.status_code == 403
    assert not Launch.objects.exists()
    assert not Message.objects.exists()


def test_anonymous_callers_cannot_launch(api_client, published_flow, django_capture_on_commit_callbacks):
    flow, _, _ = published_flow(persons=[PersonFactory()])
    response = _launch(api_client, flow, {}, django_capture_on_commit_callbacks)
    assert response.status_code in (401, 403)
    assert not Launch.objects.exists()


def test_launch_detail_shows_progress(as_staff, published_flow, django_capture_on_commit_callbacks):
    flow, _, _ = published_flow(persons=PersonFactory.create_batch(3))
    launch_id = _launch(as_staff, flow, {}, django_capture_on_commit_callbacks).json()["id"]

    response = as_staff.get(f"/api/launches/{launch_id}/")

    assert response.status_code == 200
    body = response.json()
    assert {k: body[k] for k in ("status", "total", "entered", "progress_percent", "error")} == {
        "status": "done",
        "total": 3,
        "entered": 3,
        "progress_percent": 100,
        "error": "",
    }
    assert body["finished_at"] is not None


def test_queued_launch_reports_zero_progress(as_staff, published_flow):
    flow, _, _ = published_flow(persons=PersonFactory.create_batch(2))
    # Without running the on_commit task the launch stays queued.
    launch_id = as_staff.post(f"/api/flows/{flow.pk}/launches/", {}, format="json").json()["id"]

    body = as_staff.get(f"/api/launches/{launch_id}/").json()

    assert (body["status"], body["entered"], body["total"], body["progress_percent"]) == ("queued", 0, 2, 0)
    assert body["finished_at"] is None


@pytest.mark.parametrize(("role", "status"), [("staff", 200), ("marketer", 403), ("enduser", 403)])
def test_launch_detail_by_role(api_client, published_flow, role, status):
    flow, version, _ = published_flow(persons=[PersonFactory()])
    launch = Launch.objects.create(version=version, audience={"everyone": True}, total=1)
    api_client.force_login(UserFactory(roles=[role]))

    assert api_client.get(f"/api/launches/{launch.pk}/").status_code == status


def test_unknown_launch_is_404(as_staff):
    assert as_staff.get("/api/launches/999999/").status_code == 404


@pytest.mark.parametrize(
    ("payload", "status", "context"),
    [
        ({}, 201, ""),
        ({"context": "crm: campaign 42\nline 2"}, 201, "crm: campaign 42\nline 2"),
        ({"context": "x" * 2000}, 201, "x" * 2000),
        ({"context": "x" * 2001}, 400, None),
        ({"context": None}, 400, None),
    ],
)
def test_launch_context_is_stored_and_returned(
    as_staff, published_flow, django_capture_on_commit_callbacks, payload, status, context
):
    flow, _, _ = published_flow(persons=[PersonFactory()])

    response = _launch(as_staff, flow, payload, django_capture_on_commit_callbacks)

    assert response.status_code == status
    if status == 201:
        assert response.json()["context"] == context
        assert Launch.objects.get().context == context
        assert as_staff.get(f"/api/launches/{response.json()['id']}/").json()["context"] == context
    else:
        assert "context" in response.json()
        assert not Launch.objects.exists()


def test_staff_launch_form_takes_a_context(client, staff, published_flow, django_capture_on_commit_callbacks):
    flow, _, _ = published_flow(persons=[PersonFactory()])
    client.force_login(staff)
    page = client.get(f"/flows/{flow.pk}/").content.decode()
    assert "Context (optional)" in page and 'name="context"' in page

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/flows/{flow.pk}/",
            {"audience": "predefined", "context": "from the form", "confirmed_count": 1},
        )

    assert response.status_code == 302
    assert Launch.objects.get().context == "from the form"
