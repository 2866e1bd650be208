"""A Rogerthat messageFlowRun: its member runs are stored on import and replayed through the engine core
against the imported flow, reporting where the product's path, results or end differ from the record."""

from io import StringIO
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from engine.models import Participant
from flowdesigner import services
from flowdesigner.models import Flow, RecordedRun
from messaging.models import Message

FIXTURES = Path(__file__).parent / "fixtures" / "rogerthat"
SURVEY = (FIXTURES / "real_survey_run.xml").read_bytes()

pytestmark = pytest.mark.django_db


def imported(data: bytes = SURVEY) -> services.RogerthatImport:
    return services.flow_import_rogerthat_report(data=data)


def test_the_member_runs_are_stored_with_the_flows_ids():
    result = imported()
    nl, en = result.runs
    assert (nl.member_email, nl.language, nl.status, nl.app_id) == (
        "an.peeters@example.be",
        "nl",
        "FINISHED",
        "rogerthat",
    )
    assert (nl.end_reference, nl.end_node_id) == ("Einde tevreden", "end_1")
    assert [s["kind"] for s in nl.steps] == [
        "MessageStep",
        "SliderWidgetStep",
        "RangeSliderWidgetStep",
        "PhotoUploadWidgetStep",
        "SelectSingleWidgetStep",
        "MessageStep",
    ]
    assert [s["value"] for s in nl.steps[1:3]] == [4.0, [20.0, 45.0]]
    assert (en.language, en.end_reference, en.steps[0]["button_id"]) == ("en", "End stopped", "button_2")


def test_a_recorded_run_replays_and_matches_without_sending_or_storing_anything():
    result = imported()
    for run in result.runs:
        report = services.recorded_run_replay(run_id=run.pk)
        assert report.matches, report.differences
        assert report.end == run.end_node_id
    nl_report = services.recorded_run_replay(run_id=result.runs[0].pk)
    assert nl_report.path == ["message_1", "form_1", "form_2", "form_3", "form_4", "message_2"]
    assert nl_report.lines() == ["matches: 6 steps, same path, results and end"]
    assert not Participant.objects.exists() and not Message.objects.exists()


def test_the_replay_reports_where_the_product_differs_from_the_record():
    # The record says the member saw "4 van 5" and ended elsewhere; the product shows "4 op 5".
    data = SURVEY.replace(b'displayValue="4 op 5"', b'displayValue="4 van 5"').replace(
        b'endReference="Einde tevreden" language="nl"', b'endReference="Einde gestopt" language="nl"'
    )
    run = imported(data).runs[0]
    report = services.recorded_run_replay(run_id=run.pk)
    assert not report.matches
    assert report.differences[0].endswith(": the record shows '4 van 5', the product '4 op 5'")
    assert report.differences[0].startswith("step 2 (base64:")
    assert report.differences[1] == "end: the record ends at end_2, the product ended at end_1"


def test_the_replay_stops_where_the_product_takes_another_path():
    run = imported().runs[0]
    # The flow was changed after the import: the start button now ends the flow at once.
    flow = run.flow
    document = flow.draft_definition
    welcome = next(n for n in document["nodes"] if n["id"] == "message_1")
    welcome["exits"][welcome["config"]["buttons"][0]["id"]] = "end_1"
    services.flow_draft_save(flow_id=flow.pk, definition=document, revision=flow.draft_revision)
    report = services.recorded_run_replay(run_id=run.pk, draft=True)
    assert len(report.differences) == 1
    assert report.differences[0].endswith(
        "the record answers form_1, but the product had already ended at end_1"
    )


def test_the_replay_command_prints_the_report_and_fails_on_differences():
    result = imported()
    out = StringIO()
    call_command("replay_run", str(result.runs[1].pk), stdout=out)
    assert out.getvalue() == "matches: 1 steps, same path, results and end\n"
    differing = imported(SURVEY.replace(b'displayValue="E-mail"', b'displayValue="Post"')).runs[0]
    out = StringIO()
    with pytest.raises(CommandError, match=r"differs from the record in 1 place\(s\)"):
        call_command("replay_run", str(differing.pk), stdout=out)
    assert "the record shows 'Post', the product 'E-mail'" in out.getvalue()
    with pytest.raises(CommandError, match="There is no recorded run 999999"):
        call_command("replay_run", "999999")
    with pytest.raises(CommandError, match="has no published version 4"):
        call_command("replay_run", str(differing.pk), "--flow-version", "4")


def test_the_import_api_shows_the_warnings_and_the_recorded_runs(api_client, marketer):
    api_client.force_authenticate(marketer)
    upload = SimpleUploadedFile("survey.xml", SURVEY, "application/xml")
    response = api_client.post("/api/flows/import/", {"file": upload}, format="multipart")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["name"] == "Tevredenheidsenquête"
    assert len(body["warnings"]) == 3 and "no appId" in body["warnings"][2]
    runs = RecordedRun.objects.filter(flow=Flow.objects.get()).order_by("pk")
    assert body["recorded_runs"] == [
        {
            "id": run.pk,
            "member_email": run.member_email,
            "member_name": run.member_name,
            "language": run.language,
            "status": "FINISHED",
        }
        for run in runs
    ]


def test_the_import_command_names_the_runs_to_replay_and_the_defaults_it_took(tmp_path):
    source = tmp_path / "survey.xml"
    source.write_bytes(SURVEY)
    out = StringIO()
    call_command("import_flow", str(source), stdout=out)
    runs = list(RecordedRun.objects.order_by("pk").values_list("pk", flat=True))
    assert runs and all(f"replay_run {pk}" in out.getvalue() for pk in runs)
    warnings = services.flow_import_rogerthat_report(data=SURVEY).warnings
    assert warnings and all(f"warning: {w}" in out.getvalue() for w in warnings)
