"""Real-shaped Rogerthat exports: no namespace, long base64 ids with their language (and ids with spaces),
every language with its own ids, missing attributes, a photo quality in bytes, slider placeholders. They
import (with warnings for the defaults), publish, run, round-trip with each language's own ids, and broken
ones are refused with errors naming the element, with or without the namespace."""

import base64
import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from engine.core import definition, runtime
from engine.core.validate import validate
from flowdesigner import services
from flowdesigner.rogerthat.ids import Originals
from flowdesigner.rogerthat.xml_export import export_xml
from flowdesigner.rogerthat.xml_import import ENTRY_ID, RogerthatImportError, import_xml
from tests.factories import TagFactory

FIXTURES = Path(__file__).parent / "fixtures" / "rogerthat"
SURVEY = (FIXTURES / "real_survey_run.xml").read_bytes()
SINGLE = (FIXTURES / "real_single_no_language.xml").read_bytes()
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
NODE_ID = re.compile(r"[A-Za-z0-9_.:=+/-]{1,200}")


def ids_of(xml: bytes, language: str) -> list[str]:
    """The element ids of one language's definition, in document order."""
    text = xml.decode()
    start = text.index(f'language="{language}"')
    body = text[start : text.index("</definition>", start)]
    return re.findall(r'<(?:end|message|formMessage|resultsFlush) id="([^"]+)"', body)


def by_id(document: dict) -> dict:
    return {n["id"]: n for n in document["nodes"]}


def test_the_fixture_is_shaped_like_a_real_export():
    assert not re.search(rb"<messageFlowRun[^>]*\sxmlns=", SURVEY)
    nl = ids_of(SURVEY, "nl")
    long_ids = [i for i in nl if i.startswith("base64:")]
    assert min(map(len, long_ids)) > 200 and max(map(len, long_ids)) > 230
    assert json.loads(base64.b64decode(long_ids[0][len("base64:") :]))["lang"] == "nl"
    assert any(" " in i for i in nl)
    assert not set(nl) & set(ids_of(SURVEY, "en"))


def test_a_namespace_less_run_imports_with_safe_ids_and_the_languages_paired_by_structure():
    flow = import_xml(SURVEY)
    assert (flow.name, flow.languages) == ("Tevredenheidsenquête", ["nl", "en", "fr"])
    nodes = by_id(flow.definition)
    assert all(NODE_ID.fullmatch(node_id) for node_id in nodes)
    assert all(NODE_ID.fullmatch(b["id"]) for n in nodes.values() for b in n["config"].get("buttons", []))
    welcome = nodes[nodes[ENTRY_ID]["exits"]["next"]]
    assert welcome["config"]["text"].startswith("Dag ")
    assert [b["caption"] for b in welcome["config"]["buttons"]] == ["Start", "Nee bedankt"]
    english = flow.definition["translations"]["en"][welcome["id"]]
    assert english["buttons"] == {welcome["config"]["buttons"][0]["id"]: "Start", "button_2": "No thanks"}
    # The end keeps its original id as its name: that is what results report.
    stop = nodes[welcome["exits"]["button_2"]]
    assert stop["config"]["name"] == "Einde gestopt"
    originals = Originals.of(flow.definition)
    assert originals.node("en", stop["id"]) == "End stopped"
    assert originals.node("fr", welcome["id"]) == ids_of(SURVEY, "fr")[2]


def test_missing_attributes_take_rogerthats_defaults_and_each_is_a_warning():
    flow = import_xml(SURVEY)
    photo = next(
        n for n in flow.definition["nodes"] if n["config"].get("widget", {}).get("type") == "photo_upload"
    )
    assert (photo["config"]["widget"]["quality"], photo["config"]["widget"]["ratio"]) == ("best", "")
    assert len(flow.warnings) == 3
    assert 'photo quality "400000"' in flow.warnings[0] and 'imported as "best"' in flow.warnings[0]
    assert "no ratio" in flow.warnings[1]
    assert flow.warnings[2] == (
        '<memberRun email="an.peeters@example.be">: no appId; taken as Rogerthat\'s default app "rogerthat"'
    )
    single = import_xml(SINGLE)
    assert single.language == "en"
    assert single.warnings[0] == (
        '<definition name="Tevredenheidsenquête">: no language; taken as "en" (Rogerthat\'s default)'
    )


@pytest.mark.django_db
@pytest.mark.parametrize("data", [SURVEY, SINGLE], ids=["run", "single"])
def test_an_imported_real_file_publishes_once_its_audience_is_chosen(data):
    flow = services.flow_import_rogerthat(data=data)
    # Nothing but the audience (which Rogerthat files do not have) stands in the way: no id problems.
    assert [(i.code, i.node_id) for i in validate(flow.draft_definition)] == [("required", ENTRY_ID)]
    document = flow.draft_definition
    by_id(document)[ENTRY_ID]["config"]["tags"] = [TagFactory().pk]
    flow, issues = services.flow_draft_save(
        flow_id=flow.pk, definition=document, revision=flow.draft_revision
    )
    assert issues == []
    version = services.flow_publish(flow_id=flow.pk, revision=flow.draft_revision)
    assert version.number == 1


def test_the_imported_flow_runs_in_each_language_with_the_slider_placeholders_filled():
    document = import_xml(SURVEY).definition
    defn = definition.load(document)
    nodes = by_id(document)
    for language, start_caption in (("nl", "Start"), ("fr", "Commencer")):
        person = {"language": language, "first_name": "An"}
        started = runtime.start(defn, entry_id=ENTRY_ID, person=person, now=NOW)
        (sent,) = started.events
        assert [b["caption"] for b in sent.buttons][0] == start_caption
        start_button = nodes[sent.node_id]["config"]["buttons"][0]["id"]
        at_score = runtime.resume(
            defn,
            started.state,
            reply={"node_id": sent.node_id, "button_id": start_button},
            now=NOW,
            person=person,
        )
        score = at_score.state["current"]
        at_budget = runtime.resume(
            defn,
            at_score.state,
            reply={"node_id": score, "button_id": "positive", "value": 4},
            now=NOW,
            person=person,
        )
        assert at_budget.state["steps"][-1]["display_value"] == "4 op 5"
        at_photo = runtime.resume(
            defn,
            at_budget.state,
            reply={"node_id": at_budget.state["current"], "button_id": "positive", "value": [20, 45]},
            now=NOW,
            person=person,
        )
        assert at_photo.state["steps"][-1]["display_value"] == "€20 - €45"


def test_export_keeps_each_languages_own_ids_and_reimports_to_the_same_flow():
    first = import_xml(SURVEY)
    exported = export_xml(first.definition, name=first.name)
    for language in ("nl", "en", "fr"):
        assert ids_of(exported, language) == ids_of(SURVEY, language)
    assert 'name="Satisfaction survey" language="en"' in exported.decode()
    second = import_xml(exported)
    assert second.definition == first.definition
    assert second.languages == first.languages


def test_a_renamed_flow_exports_the_new_name_for_its_base_language_only():
    first = import_xml(SURVEY)
    exported = export_xml(first.definition, name="Enquête voorjaar").decode()
    assert 'name="Enquête voorjaar" language="nl"' in exported
    assert 'name="Enquête de satisfaction" language="fr"' in exported


# --- broken files: element-level errors with and without the namespace -------------------------------------

NAMESPACED = SINGLE.replace(
    b"<messageFlowDefinition ", b'<messageFlowDefinition xmlns="https://rogerth.at/api/1/MessageFlow.xsd" '
).replace(b'name="Tevredenheid', b'language="nl" name="Tevredenheid')
FLUSH_TO_END = b'reference="Einde tevreden" />'


def broken(data: bytes, how: str) -> bytes:
    if how == "unknown reference":
        return data.replace(FLUSH_TO_END, b'reference="Einde nergens" />')
    if how == "bad startReference":
        return re.sub(rb'startReference="[^"]+"', b'startReference="base64:bmVyZ2Vucw=="', data, count=1)
    if how == "missing element":
        return re.sub(rb"<content>Bedankt voor uw antwoorden!</content>", b"", data)
    raise AssertionError(how)


EXPECTED = {
    "unknown reference": re.compile(
        r'^<resultsFlush id="base64:[^"]+…[^"]+">: "next" refers to unknown id "Einde nergens"$'
    ),
    "bad startReference": re.compile(
        r'^<definition name="Tevredenheidsenquête">: '
        r'startReference "base64:bmVyZ2Vucw==" is not an element id$'
    ),
    "missing element": re.compile(
        r'^not valid per MessageFlow.1.xsd: <message id="base64:[^"]+">: .*content'
    ),
}


@pytest.mark.parametrize("how", EXPECTED)
@pytest.mark.parametrize("data", [SINGLE, NAMESPACED], ids=["no namespace", "namespace"])
def test_broken_files_are_refused_with_errors_naming_the_element(data, how):
    import_xml(data)  # the unbroken file imports
    with pytest.raises(RogerthatImportError) as exc:
        import_xml(broken(data, how))
    assert any(EXPECTED[how].search(error) for error in exc.value.errors), exc.value.errors
    assert not any("is not an element of the schema" in error for error in exc.value.errors)


def test_a_file_breaking_the_schema_still_lists_its_bad_references():
    data = broken(broken(SINGLE, "missing element"), "unknown reference")
    with pytest.raises(RogerthatImportError) as exc:
        import_xml(data)
    assert len(exc.value.errors) == 2
    assert EXPECTED["missing element"].search(exc.value.errors[0])
    assert EXPECTED["unknown reference"].search(exc.value.errors[1])


def test_languages_are_paired_by_structure_so_a_rewired_language_is_refused():
    text = SURVEY.decode()
    fr_start = text.index('language="fr"')
    # The French "Non merci" leads to the satisfied end instead of the stopped one.
    rewired = text[:fr_start] + text[fr_start:].replace(
        'caption="Non merci" action="" reference="Fin arrêté"',
        'caption="Non merci" action="" reference="Fin satisfait"',
        1,
    )
    with pytest.raises(RogerthatImportError) as exc:
        import_xml(rewired.encode())
    (error,) = exc.value.errors
    assert (
        error.startswith('[fr] <message id="base64:')
        and "is wired differently from the base language's" in error
    )


def test_a_member_run_naming_an_unknown_element_is_refused():
    text = SURVEY.decode().replace('endReference="End stopped"', 'endReference="End nowhere"')
    with pytest.raises(RogerthatImportError) as exc:
        import_xml(text.encode())
    assert exc.value.errors == [
        '<memberRun email="ann.peters@example.com">: '
        'endReference "End nowhere" is not an end of the [en] definition'
    ]


@pytest.mark.django_db
def test_the_results_name_rogerthats_own_ids_in_the_persons_language(django_capture_on_commit_callbacks):
    from engine import services as engine_services
    from engine.models import Participant
    from engine.results import results_payload
    from messaging.models import Message
    from tests.factories import PersonFactory

    flow = services.flow_import_rogerthat(data=SURVEY)
    document = flow.draft_definition
    tag = TagFactory()
    by_id(document)[ENTRY_ID]["config"]["tags"] = [tag.pk]
    flow, _ = services.flow_draft_save(flow_id=flow.pk, definition=document, revision=flow.draft_revision)
    version = services.flow_publish(flow_id=flow.pk, revision=flow.draft_revision)
    person = PersonFactory(language="fr")
    person.tags.add(tag)
    with django_capture_on_commit_callbacks(execute=True):
        engine_services.launch_create(version=version, audience={"persons": [person.pk]})
    first = Message.objects.get(person=person, direction="out")
    engine_services.participant_answer(message_id=first.pk, button_id=first.buttons[0]["id"], person=person)

    participant = Participant.objects.get(person=person)
    step = results_payload(participant, kind="flush", node_id=first.node_id)["steps"][0]
    originals = Originals.of(document)
    french = originals.node("fr", first.node_id)
    assert french in ids_of(SURVEY, "fr") and french != first.node_id  # the import gave it a safe id ...
    assert json.loads(base64.b64decode(french.removeprefix("base64:")))["lang"] == "fr"
    assert step["step_id"] == french  # ... but the service hears Rogerthat's own, in the person's language
    assert step["answer_id"] == originals.answer("fr", first.node_id, first.buttons[0]["id"])
    assert step["answer_id"] != first.buttons[0]["id"]
