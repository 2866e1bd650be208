"""Rogerthat XML import/export: mapping, round trips, and refusal of bad or hostile input."""

from pathlib import Path

import pytest

from flowdesigner.rogerthat.xml_export import RogerthatExportError, export_xml
from flowdesigner.rogerthat.xml_import import ENTRY_ID, RogerthatImportError, import_xml

FIXTURES = Path(__file__).parent / "fixtures" / "rogerthat"
NS = 'xmlns="https://rogerth.at/api/1/MessageFlow.xsd"'


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def nodes(flow) -> dict:
    return {n["id"]: n for n in flow.definition["nodes"]}


def test_event_rsvp_maps_every_message_option():
    flow = import_xml(fixture("event_rsvp.xml"))
    assert (flow.name, flow.language, flow.languages) == ("Event RSVP", "en", ["en"])
    by_id = nodes(flow)
    assert by_id[ENTRY_ID]["exits"] == {"next": "invite"}
    invite = by_id["invite"]
    assert invite["type"] == "message"
    assert invite["config"]["text"].startswith('Hi {{ person.first_name|default("there") }}!')
    assert invite["config"]["buttons"] == [
        {"id": "yes", "caption": "Yes, count me in", "action": ""},
        {"id": "call", "caption": "Call the organiser", "action": "tel://+3225550199"},
    ]
    assert invite["exits"] == {"yes": "where", "call": "where", "dismiss": "declined"}
    assert invite["config"]["allow_dismiss"] is True
    assert invite["config"]["branding"] == "summer-fest"
    assert invite["config"]["alert"] == {"type": "RING_15", "interval": "INTERVAL_300", "vibrate": True}
    assert invite["config"]["attachments"] == [
        {
            "name": "Programme",
            "url": "https://example.com/programme.pdf",
            "content_type": "application/pdf",
            "size": 184320,
        }
    ]
    assert by_id["where"]["config"]["buttons"][0]["action"] == "geo://50.8467,4.3525"
    assert by_id["flush"] == {"id": "flush", "type": "send_results", "config": {}, "exits": {"next": "mail"}}
    assert by_id["mail"]["config"] == {"emails": ["events@example.com"], "email_admins": True}
    assert by_id["accepted"]["config"] == {"name": "accepted", "wait_for_follow_up": True}
    assert by_id["declined"]["config"]["wait_for_follow_up"] is False
    assert set(flow.definition["ui"]["nodes"]) == set(by_id)


def test_several_languages_become_one_flow_with_translations_and_base64_ids_are_kept():
    flow = import_xml(fixture("support_multilanguage.xml"))
    assert flow.languages == ["en", "fr"]
    ask = "base64:eyJpZCI6ICJhc2sifQ=="
    assert nodes(flow)[ask]["config"]["text"] == "Was your problem solved?"
    assert flow.definition["translations"]["fr"][ask] == {
        "text": "Votre problème est-il résolu ?",
        "buttons": {"solved": "Oui", "unsolved": "Non", "mail": "Nous écrire"},
    }


def test_a_single_definition_document_imports():
    flow = import_xml(fixture("single_definition.xml"))
    assert flow.language == "nl"
    assert nodes(flow)["notice"]["exits"] == {"dismiss": "done"}
    assert nodes(flow)[ENTRY_ID]["exits"] == {"next": "notice"}  # no startReference: the first message


@pytest.mark.parametrize("name", ["event_rsvp.xml", "support_multilanguage.xml", "single_definition.xml"])
def test_import_export_import_gives_the_same_flow(name):
    first = import_xml(fixture(name))
    exported = export_xml(first.definition, name=first.name)
    second = import_xml(exported)
    assert second.definition == first.definition
    assert second.languages == first.languages


def definition(body: str, *, start: str = "m") -> bytes:
    return (
        f'<messageFlowDefinitionSet {NS}><definition name="T" language="en" startReference="{start}">'
        f"{body}</definition></messageFlowDefinitionSet>"
    ).encode()


MESSAGE = (
    '<message id="m" allowDismiss="false" autoLock="true" vibrate="false" alertType="SILENT" '
    'alertIntervalType="NONE"><content>Hi</content>'
    '<answer id="a" caption="A" action="" reference="{ref}"/></message>'
)


FORM = (
    '<end id="e"/><formMessage id="f" autoLock="true" vibrate="false" alertType="SILENT" '
    'alertIntervalType="NONE" positiveReference="e" negativeReference="e"><content>x</content>'
    '<form positiveButtonCaption="OK" negativeButtonCaption="No"><widget '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" {widget}/></form></formMessage>'
)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"<not xml", "not well-formed XML"),
        (b"<flows/>", "'flows' is not an element of the schema"),
        (definition('<message id="m"/>'), "not valid per MessageFlow.1.xsd"),
        (
            definition('<end id="e"/>' + MESSAGE.replace("SILENT", "LOUD").format(ref="e")),
            "not valid per MessageFlow.1.xsd",
        ),
        (
            definition('<end id="e"/>' + MESSAGE.format(ref="nowhere")),
            '<message id="m">: "a" refers to unknown id "nowhere"',
        ),
        (definition('<end id="m"/>' + MESSAGE.format(ref="m")), 'id "m" is used by more than one element'),
        (
            definition('<end id="e"/>' + MESSAGE.format(ref="e"), start="ghost"),
            'startReference "ghost" is not an element id',
        ),
        (
            definition(FORM.format(widget='xsi:type="MyDigiPassWidget" scope="eid_profile"'), start="e"),
            '<formMessage id="f">: MyDigiPass widgets are not supported',
        ),
        (
            definition(
                FORM.format(widget='xsi:type="AdvancedOrderWidget" currency="EUR"').replace(
                    "/></form>",
                    '><category id="c" name="Food"><item id="i" name="Bread" value="0" unit="piece" '
                    'unitPrice="250" step="1"/></category></widget></form>',
                ),
                start="e",
            ),
            '<formMessage id="f">: advanced order widgets are not supported',
        ),
        (
            definition(
                FORM.format(
                    widget='xsi:type="SliderWidget" min="0" max="INF" step="1" precision="0" '
                    'unit="" value="1"'
                ),
                start="e",
            ),
            '<formMessage id="f">: max must be a finite number, not "INF"',
        ),
        (
            definition(
                FORM.format(widget='xsi:type="TextLineWidget" maxChars="10"').replace(
                    "</form>", "<javascriptValidation>return 1;</javascriptValidation></form>"
                ),
                start="e",
            ),
            '<formMessage id="f">: javascriptValidation is not supported',
        ),
        (
            definition(
                '<end id="e"/><flowCode id="code" exceptionReference="e"><javascriptCode>x()</javascriptCode>'
                "</flowCode>",
                start="e",
            ),
            '<flowCode id="code">: flowCode (JavaScript) elements are not supported',
        ),
    ],
)
def test_invalid_documents_are_refused_with_errors_naming_the_element(data, expected):
    with pytest.raises(RogerthatImportError) as exc:
        import_xml(data)
    assert any(expected in error for error in exc.value.errors), exc.value.errors


BILLION_LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa">'
    b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><messageFlowDefinitionSet>&b;</messageFlowDefinitionSet>'
)
EXTERNAL_ENTITY = (
    b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
    b"<messageFlowDefinitionSet>&x;</messageFlowDefinitionSet>"
)


@pytest.mark.parametrize(
    ("hostile", "reason"),
    [
        (BILLION_LAUGHS, "Entities are forbidden"),
        (EXTERNAL_ENTITY, "Entities are forbidden"),
        (b"<a>" + b"x" * (3 * 1024 * 1024) + b"</a>", "larger than 2 MiB"),
    ],
)
def test_hostile_xml_is_refused_before_anything_is_expanded(hostile, reason):
    with pytest.raises(RogerthatImportError) as exc:
        import_xml(hostile)
    assert len(exc.value.errors) == 1 and reason in exc.value.errors[0]


def test_translations_must_have_the_base_elements_and_wiring():
    en = (
        '<definition name="T" language="en" startReference="m"><end id="e"/><end id="x"/>'
        + MESSAGE.format(ref="e")
        + "</definition>"
    )
    fr = '<definition name="T" language="fr" startReference="m"><end id="e"/><end id="x"/>' + MESSAGE.format(
        ref="x"
    )
    de = '<definition name="T" language="de" startReference="m"><end id="e"/>' + MESSAGE.format(ref="e")
    data = (
        f"<messageFlowDefinitionSet {NS}>{en}{fr}</definition>{de}</definition></messageFlowDefinitionSet>"
    ).encode()
    with pytest.raises(RogerthatImportError) as exc:
        import_xml(data)
    assert exc.value.errors == [
        '[fr] <message id="m"> is wired differently from the base language\'s <message id="m">',
        "[de] has 2 elements where the base language has 3: every language needs the same elements, "
        "wired the same way",
    ]


def test_export_refuses_unconnected_exits_and_elements_without_a_counterpart():
    document = {
        "spec_version": 1,
        "nodes": [
            {"id": "start", "type": "predefined_audience", "config": {}, "exits": {"next": "m"}},
            {
                "id": "m",
                "type": "message",
                "config": {"text": "Hi", "buttons": [{"id": "a", "caption": "A"}]},
                "exits": {"a": None},
            },
            {"id": "w", "type": "wait", "config": {}, "exits": {}},
        ],
    }
    with pytest.raises(RogerthatExportError) as exc:
        export_xml(document, name="T")
    assert exc.value.errors == [
        'element "w" (wait) has no Rogerthat counterpart',
        'element "m": connect "a" before exporting',
    ]


def test_an_imported_flow_only_needs_its_audience_chosen_before_publishing():
    from engine.core.validate import validate

    for name in ["event_rsvp.xml", "support_multilanguage.xml", "single_definition.xml"]:
        issues = validate(import_xml(fixture(name)).definition)
        assert [(i.code, i.node_id, i.field) for i in issues] == [("required", ENTRY_ID, "config.tags")], name


@pytest.mark.parametrize(
    ("language", "text", "captions"),
    [
        ("fr", "Votre problème est-il résolu ?", ["Oui", "Non", "Nous écrire"]),
        ("en", "Was your problem solved?", ["Yes", "No", "Write to us"]),
        ("de", "Was your problem solved?", ["Yes", "No", "Write to us"]),  # no German: the base language
    ],
)
def test_the_persons_language_picks_the_translation(language, text, captions):
    from datetime import UTC, datetime

    from engine.core import definition, runtime

    document = import_xml(fixture("support_multilanguage.xml")).definition
    defn = definition.load(document)
    now = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
    started = runtime.start(defn, entry_id=ENTRY_ID, person={"language": language}, now=now)
    (sent,) = started.events
    assert sent.text == text
    assert [b["caption"] for b in sent.buttons] == captions
    done = runtime.resume(
        defn,
        started.state,
        reply={"node_id": sent.node_id, "button_id": "solved"},
        now=now,
        person={"language": language},
    )
    assert (done.state["steps"][0]["message"], done.state["steps"][0]["button"]) == (text, captions[0])
