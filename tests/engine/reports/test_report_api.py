"""The reports API and pages as staff use them: counters of a version or all versions, activity over a
range, a Form message's latest answers, participants with filters and cursors, one participant's path,
the CSV export, the launches list; and bad input answered with a clear 400/404."""

import csv
import io
from datetime import timedelta

import pytest
from django.utils import timezone

from engine import services as engine_services
from engine.models import Participant
from flowdesigner import services as flow_services
from messaging.models import Message
from tests.factories import FlowFactory, PersonFactory, TagFactory, two_step_definition

pytestmark = pytest.mark.django_db


@pytest.fixture
def survey(django_capture_on_commit_callbacks, staff):
    """Version 1 launched to 4 persons (tag "dec"): one said yes then OK, one said no, two wait at "ask";
    then version 2 launched to 1 person."""
    persons = [
        PersonFactory(first_name=name, last_name="") for name in ("Ann", "Bob", "Cleo", "=cmd|' /C calc'!A0")
    ]
    flow = FlowFactory(draft_definition=two_step_definition(tags=[TagFactory().pk]))
    v1 = flow_services.flow_publish(flow_id=flow.pk, revision=flow.draft_revision)
    with django_capture_on_commit_callbacks(execute=True):
        launch = engine_services.launch_create(
            version=v1, audience={"persons": [p.pk for p in persons]}, launch_tag="dec"
        )

    def reply(person, node_id, button):
        message = Message.objects.get(person=person, node_id=node_id, direction="out")
        with django_capture_on_commit_callbacks(execute=True):
            engine_services.participant_answer(message_id=message.pk, button_id=button, person=person)

    reply(persons[0], "ask", "yes")
    reply(persons[0], "thanks", "ok")
    reply(persons[1], "ask", "no")
    flow.refresh_from_db()
    v2 = flow_services.flow_publish(flow_id=flow.pk, revision=flow.draft_revision)
    with django_capture_on_commit_callbacks(execute=True):
        engine_services.launch_create(version=v2, audience={"persons": [PersonFactory().pk]})
    return {"flow": flow, "v1": v1, "v2": v2, "persons": persons, "launch": launch}


@pytest.fixture
def client(api_client, marketer):
    api_client.force_login(marketer)
    return api_client


def test_the_report_of_one_version_and_of_all(client, survey):
    flow = survey["flow"]
    one = client.get(f"/api/flows/{flow.pk}/report/?version=1").json()
    assert one["version"] == 1
    assert one["totals"] == {"entered": 4, "active": 2, "completed": 2, "failed": 0, "exited": 0}
    assert one["nodes"]["ask"]["entered"] == 4
    assert one["nodes"]["ask"]["waiting"] == 2
    assert one["nodes"]["ask"]["exits"] == {"yes": 1, "no": 1}
    assert one["nodes"]["accepted"]["exits"] == {"": 1}
    assert one["delivery"] == {"web": {"read": 3, "sent": 2}}
    assert [v["number"] for v in one["versions"]] == [2, 1]
    assert [n["id"] for n in one["definition"]["nodes"]][:2] == ["audience", "ask"]

    every = client.get(f"/api/flows/{flow.pk}/report/").json()
    assert every["version"] is None
    assert every["totals"]["entered"] == 5
    assert every["nodes"]["ask"]["waiting"] == 3


@pytest.mark.parametrize(
    ("query", "status", "detail"),
    [
        ("version=9", 404, "no version 9"),
        ("version=x", 400, "is not a version number"),
    ],
)
def test_a_bad_version_is_a_clear_error(client, survey, query, status, detail):
    response = client.get(f"/api/flows/{survey['flow'].pk}/report/?{query}")
    assert response.status_code == status
    assert detail in response.json()["detail"]


def test_an_unknown_flow_is_404(client, survey):
    assert client.get("/api/flows/999999/report/").status_code == 404
    assert client.get("/api/flows/999999/participants/").status_code == 404


def test_end_users_see_no_report(api_client, enduser, survey):
    api_client.force_login(enduser)
    assert api_client.get(f"/api/flows/{survey['flow'].pk}/report/").status_code == 403


def test_activity_puts_entries_and_completions_in_their_hour(client, survey):
    response = client.get(f"/api/flows/{survey['flow'].pk}/report/activity/")
    body = response.json()
    assert body["bucket"] == "hour"
    assert len(body["series"]) in (168, 169)  # 7 days of hours, the current one included
    last = body["series"][-1]
    assert (last["entered"], last["completed"], last["active"]) == (5, 2, 3)
    assert sum(row["entered"] for row in body["series"]) == 5

    days = client.get(f"/api/flows/{survey['flow'].pk}/report/activity/?version=1&bucket=day").json()
    assert days["bucket"] == "day" and days["series"][-1]["entered"] == 4


@pytest.mark.parametrize(
    ("query", "detail"),
    [
        ("start=2026-12-02&end=2026-12-01", "start is after end"),
        ("start=yesterday", "is not a date or time"),
        ("start=2020-01-01&end=2026-01-01&bucket=hour", "more than 2000 hours"),
        ("bucket=week", 'bucket must be "hour" or "day"'),
    ],
)
def test_a_bad_range_is_a_400_that_says_why(client, survey, query, detail):
    response = client.get(f"/api/flows/{survey['flow'].pk}/report/activity/?{query}")
    assert response.status_code == 400
    assert detail in response.json()["detail"]


def test_participants_filtered_and_paged(client, survey):
    flow, launch = survey["flow"], survey["launch"]
    url = f"/api/flows/{flow.pk}/participants/"

    def names(query: str) -> list[str]:
        response = client.get(f"{url}?{query}")
        assert response.status_code == 200, response.content
        return [row["person"]["name"] for row in response.json()["results"]]

    assert len(names("")) == 5
    assert sorted(names("version=1&element=ask")) == sorted(["Cleo", "=cmd|' /C calc'!A0"])
    assert names("answer=ask:no") == ["Bob"]
    assert names("status=completed&version=1") == ["Bob", "Ann"]
    assert len(names(f"launch={launch.pk}")) == 4
    assert len(names("launch_tag=dec")) == 4

    first = client.get(f"{url}?limit=2").json()
    second = client.get(f"{url}?limit=2&cursor={first['next']}").json()
    third = client.get(f"{url}?limit=2&cursor={second['next']}").json()
    ids = [r["id"] for page in (first, second, third) for r in page["results"]]
    assert ids == sorted(
        Participant.objects.filter(version__flow=flow).values_list("pk", flat=True), reverse=True
    )
    assert third["next"] is None


@pytest.mark.parametrize(
    ("query", "status", "detail"),
    [
        ("element=nowhere", 404, 'no element "nowhere"'),
        ("answer=ask", 400, '"element:exit"'),
        ("status=asleep", 400, "status must be one of"),
        ("launch=abc", 400, "is not a launch id"),
        ("cursor=abc", 400, "cursor"),
        ("limit=500", 400, "limit is a whole number from 1 to 200"),
    ],
)
def test_bad_participant_filters_are_clear_errors(client, survey, query, status, detail):
    response = client.get(f"/api/flows/{survey['flow'].pk}/participants/?{query}")
    assert response.status_code == status
    assert detail in response.json()["detail"]


def test_one_participant_with_path_and_messages(client, survey):
    ann = Participant.objects.get(person=survey["persons"][0])
    body = client.get(f"/api/participants/{ann.pk}/").json()
    assert [(s["node_id"], s["exit"]) for s in body["path"]] == [
        ("audience", "next"),
        ("ask", "yes"),
        ("thanks", "ok"),
        ("accepted", ""),
    ]
    assert [(m["direction"], m["text"]) for m in body["messages"]][:2] == [
        ("out", "Coming on Friday?"),
        ("in", "Yes"),
    ]
    assert client.get("/api/participants/999999/").status_code == 404


def test_a_forms_latest_answers(client, django_capture_on_commit_callbacks):
    doc = {
        "spec_version": 1,
        "nodes": [
            {
                "id": "audience",
                "type": "predefined_audience",
                "config": {"tags": [TagFactory().pk]},
                "exits": {"next": "where"},
            },
            {
                "id": "where",
                "type": "form_message",
                "config": {
                    "text": "Where?",
                    "widget": {"type": "text_line"},
                    "positive_caption": "Send",
                    "negative_caption": "Skip",
                },
                "exits": {"positive": "done", "negative": "done"},
            },
            {"id": "done", "type": "exit", "config": {"name": "Done"}, "exits": {}},
        ],
    }
    flow = FlowFactory(draft_definition=doc)
    version = flow_services.flow_publish(flow_id=flow.pk, revision=flow.draft_revision)
    persons = [PersonFactory(first_name="Ann", last_name=""), PersonFactory(first_name="Bob", last_name="")]
    with django_capture_on_commit_callbacks(execute=True):
        engine_services.launch_create(version=version, audience={"persons": [p.pk for p in persons]})
    for person, text in zip(persons, ["Ghent", "<script>alert(1)</script>"], strict=True):
        message = Message.objects.get(person=person, node_id="where")
        with django_capture_on_commit_callbacks(execute=True):
            engine_services.participant_answer(
                message_id=message.pk,
                button_id=None,
                form={"button": "positive", "value": text},
                person=person,
            )
    body = client.get(f"/api/flows/{flow.pk}/report/answers/where/").json()
    assert body["widget"] == "text_line"
    assert [(a["person"]["name"], a["value"]) for a in body["answers"]] == [
        ("Bob", "<script>alert(1)</script>"),
        ("Ann", "Ghent"),
    ]
    assert client.get(f"/api/flows/{flow.pk}/report/answers/done/").status_code == 400
    assert client.get(f"/api/flows/{flow.pk}/report/answers/nope/").status_code == 404
    assert client.get(f"/api/flows/{flow.pk}/report/answers/where/?limit=0").status_code == 400


def test_the_launches_list_follows_progress(client, survey):
    body = client.get(f"/api/flows/{survey['flow'].pk}/launches/").json()
    assert [(row["version"], row["status"], row["entered"], row["total"]) for row in body] == [
        (2, "done", 1, 1),
        (1, "done", 4, 4),
    ]


def test_the_csv_export_has_each_answer_and_is_formula_safe(client, survey):
    response = client.get(f"/flows/{survey['flow'].pk}/participants.csv?version=1")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    by_name = {row["person"]: row for row in rows}
    assert set(by_name) == {"Ann", "Bob", "Cleo", "'=cmd|' /C calc'!A0"}
    assert by_name["Ann"]["Coming on Friday? [ask]"] == "Yes"
    assert by_name["Ann"]["Great! [thanks]"] == "OK"
    assert by_name["Bob"]["Coming on Friday? [ask]"] == "No"
    assert by_name["Ann"]["launch_tag"] == "dec"

    bad = client.get(f"/flows/{survey['flow'].pk}/participants.csv?element=nowhere")
    assert bad.status_code == 400 and "nowhere" in bad.content.decode()


def test_the_participants_pages(client, survey):
    flow = survey["flow"]
    page = client.get(f"/flows/{flow.pk}/participants/?answer=ask:yes")
    assert page.status_code == 200
    assert "Ann" in page.content.decode() and "Bob" not in page.content.decode()
    bad = client.get(f"/flows/{flow.pk}/participants/?start=1&version=7")
    assert bad.status_code == 400 and "This flow has no version 7." in bad.content.decode()
    ann = Participant.objects.get(person=survey["persons"][0])
    detail = client.get(f"/flows/{flow.pk}/participants/{ann.pk}/").content.decode()
    assert "Coming on Friday?" in detail and f"participant={ann.pk}" in detail
    assert client.get(f"/flows/{flow.pk + 1}/participants/{ann.pk}/").status_code == 404


def test_activity_range_in_the_past_starts_with_who_was_already_in(client, survey):
    later = timezone.now() + timedelta(days=2)
    body = client.get(
        f"/api/flows/{survey['flow'].pk}/report/activity/",
        {"start": later.isoformat(), "end": (later + timedelta(hours=3)).isoformat()},
    ).json()
    assert [row["active"] for row in body["series"]] == [3, 3, 3, 3]
    assert all(row["entered"] == 0 for row in body["series"])


def test_the_flow_page_counts_finishes_per_exit_from_the_counters(client, survey):
    page = client.get(f"/flows/{survey['flow'].pk}/").content.decode()
    assert '<tr data-exit="accepted"><td>Accepted</td><td>1</td></tr>' in page
    assert '<tr data-exit="declined"><td>Declined</td><td>1</td></tr>' in page
