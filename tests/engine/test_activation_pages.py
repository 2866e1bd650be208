"""The flow page's engine parts: status buttons (activate, pause, finish), the entry points list, the
real-time audience by hand (add, remove, refusals), the launches' refused counts, and the frequency cap
settings page — each with the roles that may and may not use them."""

import re

import pytest

from engine import activation, entries
from engine.models import FrequencyCap, Launch, Participant
from engine.services import launch_create
from flowdesigner import services as flow_services
from flowdesigner.models import Flow
from messaging.models import Message
from people.models import Person
from tests.factories import (
    AttributeDefinitionFactory,
    FlowFactory,
    PersonFactory,
    TagFactory,
    two_step_definition,
)

pytestmark = pytest.mark.django_db


def _publish(doc: dict, *, name: str = "Welcome") -> Flow:
    flow = FlowFactory(name=name, draft_definition=doc)
    flow_services.flow_publish(flow_id=flow.pk, revision=flow.draft_revision)
    return flow


def realtime_flow(*, reentry: str = "any_time", active: bool = True, name: str = "Welcome") -> Flow:
    """The two-step flow with a real-time Predefined Audience (one tag), activated."""
    doc = two_step_definition(tags=[TagFactory().pk])
    doc["nodes"][0]["config"]["update"] = "realtime"
    doc["settings"] = {"reentry": reentry}
    flow = _publish(doc, name=name)
    return activation.flow_activate(flow_id=flow.pk) if active else flow


def _page(client, flow: Flow) -> str:
    return client.get(f"/flows/{flow.pk}/").content.decode()


def _flashes(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def _text(html: str) -> str:
    """The page's text without tags or runs of whitespace, as a reader sees it."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


# --- status: activate, pause, finish -------------------------------------------------------------------


def test_staff_activate_pause_and_finish_a_flow(client, staff):
    flow = _publish(two_step_definition(tags=[TagFactory().pk]))
    client.force_login(staff)
    assert 'data-testid="flow-activate"' in _page(client, flow)

    response = client.post(f"/flows/{flow.pk}/activate/", follow=True)
    flow.refresh_from_db()
    assert flow.status == "active"
    assert "The flow is active: version 1 takes people through its entry points." in _flashes(response)
    page = response.content.decode()
    assert 'data-testid="flow-pause"' in page and 'data-testid="flow-finish"' in page
    assert 'data-testid="flow-activate"' not in page

    response = client.post(f"/flows/{flow.pk}/pause/", follow=True)
    flow.refresh_from_db()
    assert flow.status == "paused"
    assert "The flow is paused: nobody new enters; people already in it go on." in _flashes(response)
    assert 'data-testid="flow-activate"' in response.content.decode()

    response = client.post(f"/flows/{flow.pk}/finish/", follow=True)
    flow.refresh_from_db()
    assert flow.status == "finished"
    assert _flashes(response) == [
        "The flow is finished: nobody new will enter; people already in it go on to its end."
    ]
    page = response.content.decode()
    assert not re.search(r'data-testid="flow-(activate|pause|finish)"', page)


def test_a_finished_flow_is_not_activated_again(client, staff):
    flow = _publish(two_step_definition(tags=[TagFactory().pk]))
    activation.flow_finish(flow_id=flow.pk)
    client.force_login(staff)

    response = client.post(f"/flows/{flow.pk}/activate/", follow=True)

    assert _flashes(response) == ["This flow is finished: it cannot be activated again."]
    flow.refresh_from_db()
    assert flow.status == "finished"


@pytest.mark.parametrize(
    ("action", "message"),
    [
        ("pause", "Only an active flow can be paused; this one is draft."),
        ("finish", "Only an active or paused flow can be finished; this one is draft."),
    ],
)
def test_a_draft_flow_cannot_be_paused_or_finished(client, staff, action, message):
    flow = _publish(two_step_definition(tags=[TagFactory().pk]))
    client.force_login(staff)

    response = client.post(f"/flows/{flow.pk}/{action}/", follow=True)

    assert _flashes(response) == [message]
    flow.refresh_from_db()
    assert flow.status == "draft"


def test_activating_an_unpublished_flow_is_refused_with_a_message(client, staff):
    flow = FlowFactory()
    client.force_login(staff)

    response = client.post(f"/flows/{flow.pk}/activate/", follow=True)

    assert _flashes(response) == ["Publish the flow before activating it."]
    flow.refresh_from_db()
    assert flow.status == "draft"


def test_marketers_see_the_status_but_get_no_buttons(client, marketer):
    flow = realtime_flow()
    client.force_login(marketer)

    page = _page(client, flow)

    assert 'data-testid="flow-status">Active<' in page
    assert not re.search(r'data-testid="flow-(activate|pause|finish)"', page)
    assert client.post(f"/flows/{flow.pk}/pause/").status_code == 403
    flow.refresh_from_db()
    assert flow.status == "active"


@pytest.mark.parametrize("action", ["activate", "pause", "finish"])
def test_status_changes_are_for_staff_only(client, enduser, action):
    flow = _publish(two_step_definition(tags=[TagFactory().pk]))

    assert client.post(f"/flows/{flow.pk}/{action}/").status_code == 302  # to the login page
    client.force_login(enduser)
    assert client.post(f"/flows/{flow.pk}/{action}/").status_code == 403
    flow.refresh_from_db()
    assert flow.status == "draft"


def test_status_changes_are_posts_and_unknown_flows_404(client, staff):
    flow = _publish(two_step_definition(tags=[TagFactory().pk]))
    client.force_login(staff)

    assert client.get(f"/flows/{flow.pk}/activate/").status_code == 405
    assert client.post("/flows/999999/activate/").status_code == 404
    assert client.post("/flows/999999/audience/", {"person": "x"}).status_code == 404


# --- entry points --------------------------------------------------------------------------------------


def many_entries_definition(tag_id: int) -> dict:
    doc = two_step_definition(tags=[tag_id])
    doc["nodes"][1:1] = [
        {"id": "api", "type": "flow_api", "config": {}, "exits": {"next": "ask"}},
        {"id": "handover", "type": "existing_flow", "config": {}, "exits": {"next": "ask"}},
        {
            "id": "soon",
            "type": "date_time",
            "config": {
                "attribute": "appointmentAt",
                "operator": "is_in",
                "offset": {"amount": 4, "unit": "hours"},
            },
            "exits": {"next": "ask"},
        },
    ]
    doc["ui"] = {"nodes": {"handover": {"x": 0, "y": 0, "label": "From onboarding"}}}
    return doc


def test_the_flow_page_lists_the_entry_points_and_what_they_do(client, marketer):
    tag = TagFactory(name="june")
    AttributeDefinitionFactory(key="appointmentAt", data_type="DATETIME")
    flow = _publish(many_entries_definition(tag.pk))
    client.force_login(marketer)

    text = _text(_page(client, flow))

    assert "Of version 1 (the latest published; they take people only while the flow is active)." in text
    assert (
        "Predefined Audience (audience) Predefined Audience Starts its audience (tag june) when staff launch "
        "the flow; people who match it later do not enter." in text
    )
    assert (
        f"Flow API (api) Flow API Starts people that integrators send to the Flow API "
        f"(POST /moments/1/flows/{flow.pk}/participants), with their variables." in text
    )
    assert "From onboarding Existing Flow Starts people that another active flow" in text
    assert "Starts people when their appointmentAt is in 4 hours, in their timezone." in text


def test_an_unpublished_flow_says_where_its_entry_points_will_show(client, staff):
    client.force_login(staff)

    text = _text(_page(client, FlowFactory()))

    assert "Publish the flow in the designer to see its entry points." in text


# --- a real-time audience by hand ----------------------------------------------------------------------


def test_staff_add_a_person_by_hand_and_they_enter_the_flow(client, staff):
    flow = realtime_flow()
    ann = PersonFactory(first_name="Ann", last_name="Lee", email="ann@example.com")
    client.force_login(staff)
    page = _page(client, flow)
    assert "Nobody is in the flow right now." in page
    assert 'data-testid="audience-add-form"' in page

    response = client.post(f"/flows/{flow.pk}/audience/", {"person": " ANN@example.com "}, follow=True)

    assert response.redirect_chain[-1][0] == f"/flows/{flow.pk}/#audience"
    assert _flashes(response) == ["Ann Lee entered the flow."]
    participant = Participant.objects.get(person=ann)
    assert (participant.version.flow, participant.status, participant.current_node) == (
        flow,
        "waiting",
        "ask",
    )
    assert list(Message.objects.filter(person=ann).values_list("text", flat=True)) == ["Coming on Friday?"]
    page = response.content.decode()
    assert f'data-person="{ann.pk}"' in page
    assert f'data-testid="remove-{ann.pk}"' in page


@pytest.mark.parametrize("identifier", ["+32470123456", "0470 12 34 56", "crm-42"])
def test_a_person_is_found_by_phone_or_external_id(client, staff, identifier):
    flow = realtime_flow()
    bob = PersonFactory(first_name="Bob", phone="+32470123456", external_id="crm-42")
    client.force_login(staff)

    client.post(f"/flows/{flow.pk}/audience/", {"person": identifier})

    assert Participant.objects.filter(person=bob, version__flow=flow).count() == 1


@pytest.mark.parametrize(
    ("form", "message"),
    [
        (
            {"person": "nobody@example.com"},
            "Nobody was added. Nobody has this email address, phone number or external id.",
        ),
        ({"person": "   "}, "Nobody was added. This field is required."),
        ({}, "Nobody was added. This field is required."),
        (
            {"person": "x" * 300},
            "Nobody was added. Ensure this value has at most 254 characters (it has 300).",
        ),
    ],
)
def test_bad_add_input_says_why_and_adds_nobody(client, staff, form, message):
    flow = realtime_flow()
    client.force_login(staff)

    response = client.post(f"/flows/{flow.pk}/audience/", form, follow=True)

    assert _flashes(response) == [message]
    assert not Participant.objects.exists()


def test_a_refused_person_is_shown_with_the_reason(client, staff):
    flow = realtime_flow(reentry="never")
    ann = PersonFactory(first_name="Ann", last_name="Lee", email="ann@example.com")
    client.force_login(staff)
    client.post(f"/flows/{flow.pk}/audience/", {"person": "ann@example.com"}, follow=True)

    response = client.post(f"/flows/{flow.pk}/audience/", {"person": "ann@example.com"}, follow=True)

    reason = "Already entered this flow once; it does not let people enter again."
    assert _flashes(response) == [f"Ann Lee was not added: {reason}"]
    assert Participant.objects.filter(person=ann).count() == 1
    refusals = _text(response.content.decode().split('data-testid="refusals"')[1])
    assert f"Ann Lee added by staff {reason}" in refusals


def test_the_frequency_cap_refuses_a_person_added_by_hand(
    client, staff, published_flow, django_capture_on_commit_callbacks
):
    FrequencyCap.objects.create(pk=1, enabled=True, max_entries=1, period_amount=1, period_unit="days")
    ann = PersonFactory(first_name="Ann", last_name="Lee")
    _, other_version, _ = published_flow(persons=[ann])
    with django_capture_on_commit_callbacks(execute=True):
        launch_create(version=other_version, audience=None)  # Ann enters another flow first
    flow = realtime_flow()
    client.force_login(staff)

    response = client.post(f"/flows/{flow.pk}/audience/", {"person": ann.email}, follow=True)

    assert _flashes(response) == [
        "Ann Lee was not added: Frequency cap: already entered 1 flow within 1 day."
    ]
    assert not Participant.objects.filter(person=ann, version__flow=flow).exists()


def test_staff_remove_a_person_and_their_run_ends(client, staff):
    flow = realtime_flow()
    ann = PersonFactory(first_name="Ann", last_name="Lee")
    entries_added = _add(flow, ann)
    client.force_login(staff)

    response = client.post(f"/flows/{flow.pk}/audience/{ann.pk}/remove/", follow=True)

    assert _flashes(response) == ["Ann Lee was removed from the flow."]
    participant = Participant.objects.get(pk=entries_added.pk)
    assert participant.status == "exited" and participant.completed_at is not None
    assert participant.state["history"][-1]["note"] == "Removed by sam"
    assert list(Message.objects.filter(person=ann).values_list("status", flat=True)) == ["expired"]
    assert "Nobody is in the flow right now." in response.content.decode()

    again = client.post(f"/flows/{flow.pk}/audience/{ann.pk}/remove/", follow=True)
    assert _flashes(again) == ["Ann Lee is not in this flow (any more)."]
    assert client.post(f"/flows/{flow.pk}/audience/999999/remove/").status_code == 404


def _add(flow: Flow, person: Person) -> Participant:
    from django.db import transaction

    with transaction.atomic():
        return entries.audience_add(flow=flow, person=person).participant


def test_the_people_in_the_flow_are_paginated(client, staff):
    flow = realtime_flow()
    for person in PersonFactory.create_batch(27):
        _add(flow, person)
    client.force_login(staff)

    first = _page(client, flow)
    second = client.get(f"/flows/{flow.pk}/", {"in_flow_page": 2}).content.decode()
    bogus = client.get(f"/flows/{flow.pk}/", {"in_flow_page": "x"}).content.decode()

    assert "People in the flow <small>(27)</small>" in first
    assert first.count('data-testid="remove-') == 25 and second.count('data-testid="remove-') == 2
    assert "Page 1 of 2" in first and "Page 2 of 2" in second and "Page 1 of 2" in bogus


def test_a_static_audience_has_no_panel_and_refuses_adding_by_hand(client, staff):
    flow = _publish(two_step_definition(tags=[TagFactory().pk]))
    activation.flow_activate(flow_id=flow.pk)
    ann = PersonFactory()
    client.force_login(staff)
    assert 'data-testid="audience-card"' not in _page(client, flow)

    response = client.post(f"/flows/{flow.pk}/audience/", {"person": ann.email}, follow=True)

    assert _flashes(response) == [
        "Nobody was added. People can be added by hand only while the flow's audience updates in real time."
    ]
    assert not Participant.objects.exists()


def test_a_paused_real_time_flow_has_no_panel_and_refuses_adding(client, staff):
    flow = realtime_flow()
    activation.flow_pause(flow_id=flow.pk)
    ann = PersonFactory()
    client.force_login(staff)
    assert 'data-testid="audience-card"' not in _page(client, flow)

    response = client.post(f"/flows/{flow.pk}/audience/", {"person": ann.email}, follow=True)

    assert _flashes(response) == [
        "Nobody was added. The flow is not active: activate it before adding people."
    ]


def test_marketers_see_who_is_in_the_flow_but_cannot_add_or_remove(client, marketer):
    flow = realtime_flow()
    ann = PersonFactory()
    _add(flow, ann)
    client.force_login(marketer)

    page = _page(client, flow)

    assert f'data-person="{ann.pk}"' in page
    assert 'data-testid="audience-add-form"' not in page and f'data-testid="remove-{ann.pk}"' not in page
    assert client.post(f"/flows/{flow.pk}/audience/", {"person": ann.email}).status_code == 403
    assert client.post(f"/flows/{flow.pk}/audience/{ann.pk}/remove/").status_code == 403
    assert Participant.objects.get().status == "waiting"


def test_end_users_cannot_add_or_remove(client, enduser):
    flow = realtime_flow()
    client.force_login(enduser)

    assert client.post(f"/flows/{flow.pk}/audience/", {"person": "x@example.com"}).status_code == 403
    assert client.post(f"/flows/{flow.pk}/audience/1/remove/").status_code == 403


# --- launches: refused next to entered (page and API) ------------------------------------------------


def test_the_launches_list_shows_how_many_were_refused(
    client, staff, published_flow, django_capture_on_commit_callbacks
):
    ann, bob = PersonFactory(), PersonFactory()
    flow, version, _ = published_flow(persons=[ann, bob])
    _, other_version, _ = published_flow(persons=[ann])
    FrequencyCap.objects.create(pk=1, enabled=True, max_entries=1, period_amount=1, period_unit="weeks")
    with django_capture_on_commit_callbacks(execute=True):
        launch_create(version=other_version, audience=None)  # Ann's one entry this week
    with django_capture_on_commit_callbacks(execute=True):
        launch = launch_create(version=version, audience=None)
    client.force_login(staff)

    page = _page(client, flow)

    launch.refresh_from_db()
    assert (launch.status, launch.entered, launch.refused) == (Launch.Status.DONE, 1, 1)
    assert '<span class="launch-count">1 / 2</span>' in page
    assert f'data-testid="launch-refused-{launch.pk}">1<' in page
    body = client.get(f"/api/launches/{launch.pk}/").json()
    assert (body["entered"], body["refused"], body["total"]) == (1, 1, 2)


# --- frequency cap -------------------------------------------------------------------------------------


def test_staff_set_the_frequency_cap(client, staff):
    client.force_login(staff)
    page = client.get("/settings/frequency-cap/").content.decode()
    assert "Off: people enter as many flows" in page
    assert "the flow with the <strong>highest priority</strong> goes first" in page

    response = client.post(
        "/settings/frequency-cap/",
        {"enabled": "on", "max_entries": "2", "period_amount": "3", "period_unit": "days"},
        follow=True,
    )

    assert _flashes(response) == [
        "Frequency cap saved. At most 2 entries into flows per person within 3 days."
    ]
    cap = FrequencyCap.current()
    assert (cap.pk, cap.enabled, cap.max_entries, cap.period_amount, cap.period_unit) == (
        1,
        True,
        2,
        3,
        "days",
    )
    response = client.post(
        "/settings/frequency-cap/",
        {"max_entries": "1", "period_amount": "1", "period_unit": "weeks"},
        follow=True,
    )
    assert _flashes(response) == [
        "Frequency cap saved. Off: people enter as many flows as their flows' re-entry settings allow."
    ]
    assert FrequencyCap.objects.count() == 1


@pytest.mark.parametrize(
    ("form", "errors"),
    [
        (
            {"enabled": "on", "max_entries": "0", "period_amount": "0", "period_unit": "days"},
            [
                "Allow at least 1 entry; to allow any number, turn the cap off.",
                "The period must be at least 1.",
            ],
        ),
        (
            {"enabled": "on", "max_entries": "many", "period_amount": "1", "period_unit": "days"},
            ["Enter a whole number."],
        ),
        (
            {"enabled": "on", "max_entries": "1", "period_amount": "1", "period_unit": "months"},
            ["Select a valid choice. months is not one of the available choices."],
        ),
        (
            {"enabled": "on", "max_entries": "1", "period_amount": "999999999", "period_unit": "weeks"},
            ["The period can be at most 10 years."],
        ),
        ({}, ["This field is required."]),
    ],
)
def test_frequency_cap_errors_are_shown_and_nothing_is_saved(client, staff, form, errors):
    client.force_login(staff)

    response = client.post("/settings/frequency-cap/", form)

    assert response.status_code == 200
    page = response.content.decode()
    for error in errors:
        assert error in page
    assert not FrequencyCap.objects.exists()


def test_the_frequency_cap_page_is_for_staff_only(client, marketer, enduser, staff):
    assert client.get("/settings/frequency-cap/").status_code == 302
    for user in (marketer, enduser):
        client.force_login(user)
        assert client.get("/settings/frequency-cap/").status_code == 403
        assert client.post("/settings/frequency-cap/", {"enabled": "on"}).status_code == 403
    assert not FrequencyCap.objects.exists()
    client.force_login(staff)
    assert 'href="/settings/frequency-cap/"' in client.get("/flows/").content.decode()
    client.force_login(marketer)
    assert 'href="/settings/frequency-cap/"' not in client.get("/flows/").content.decode()


def test_the_flow_page_counts_people_per_exit(client, staff, django_capture_on_commit_callbacks):
    from engine.services import participant_answer

    flow = realtime_flow(name="Friday")
    people = PersonFactory.create_batch(3)
    with django_capture_on_commit_callbacks(execute=True):
        launch_create(version=flow.latest_version, audience={"persons": [p.pk for p in people]})
    for person, button in zip(people, ["no", "no", "yes"], strict=True):
        message = Message.objects.get(person=person, direction="out", node_id="ask")
        with django_capture_on_commit_callbacks(execute=True):  # the worker's part: the counts are added
            participant_answer(message_id=message.pk, button_id=button, person=person)

    client.force_login(staff)
    text = _text(_page(client, flow))

    assert "Exits Exit People who finished there Declined 2" in text
    assert "Accepted" not in text  # the yes-sayer still waits on the follow-up message


def test_the_flow_page_links_each_external_source_to_its_report(client, staff):
    doc = {
        "spec_version": 1,
        "nodes": [
            {"id": "api", "type": "flow_api", "config": {}, "exits": {"next": "end"}},
            {"id": "end", "type": "exit", "config": {"name": "End"}, "exits": {}},
        ],
    }
    flow = _publish(doc, name="Integrations")
    client.force_login(staff)
    html = _page(client, flow)

    assert f'href="/flows/{flow.pk}/api-operations/"' in html
    assert 'href="/api-keys/"' in html
