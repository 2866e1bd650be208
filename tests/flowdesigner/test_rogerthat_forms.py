"""Rogerthat formMessage import/export with every widget, the fixtures end to end, and one flow walked from
XML to the service's callback."""

import json
from pathlib import Path

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile

from engine import services as engine_services
from engine.core.validate import validate
from engine.models import Participant
from flowdesigner import services as flow_services
from flowdesigner.rogerthat.xml_export import export_xml
from flowdesigner.rogerthat.xml_import import ENTRY_ID, RogerthatImportError, import_xml
from messaging.models import Message
from messaging.services import upload_create
from tests.helpers import CallbackReceiver

FIXTURES = Path(__file__).parent / "fixtures" / "rogerthat"
ALL_FIXTURES = sorted(p.name for p in FIXTURES.glob("*.xml"))
JUNE_1 = 1780272000


def imported(name: str):
    return import_xml((FIXTURES / name).read_bytes())


def nodes(flow) -> dict:
    return {n["id"]: n for n in flow.definition["nodes"]}


def test_there_are_at_least_five_fixtures_covering_every_element_and_widget():
    assert len(ALL_FIXTURES) >= 5
    types, widget_types = set(), set()
    for name in ALL_FIXTURES:
        for node in imported(name).definition["nodes"]:
            types.add(node["type"])
            if node["type"] == "form_message":
                widget_types.add(node["config"]["widget"]["type"])
    assert types == {
        "predefined_audience",
        "message",
        "form_message",
        "send_results",
        "email_results",
        "exit",
    }
    assert widget_types == {
        "text_line",
        "text_block",
        "auto_complete",
        "single_select",
        "multi_select",
        "date_select",
        "slider",
        "range_slider",
        "photo_upload",
        "gps_location",
    }


@pytest.mark.parametrize("name", ALL_FIXTURES)
def test_each_fixture_imports_validates_and_round_trips(name):
    first = imported(name)
    issues = validate(first.definition)
    assert [(i.code, i.node_id, i.field) for i in issues] == [("required", ENTRY_ID, "config.tags")]
    second = import_xml(export_xml(first.definition, name=first.name))
    assert second.definition == first.definition
    assert (second.name, second.languages) == (first.name, first.languages)


def test_the_survey_maps_sliders_selects_and_the_text_block():
    by_id = nodes(imported("customer_survey.xml"))
    rating = by_id["rating"]
    assert rating["exits"] == {"positive": "budget", "negative": "declined"}
    assert rating["config"] == {
        "text": "How likely are you to recommend us to a friend?",
        "widget": {
            "type": "slider",
            "min": 0,
            "max": 10,
            "step": 1,
            "precision": 0,
            "unit": "<value>/10",
            "value": 7,
        },
        "positive_caption": "Next",
        "positive_confirmation": "",
        "negative_caption": "Stop the survey",
        "negative_confirmation": "Stop now? Your answers so far are kept.",
        "save_to": None,
        "branding": None,
        "alert": {"type": "SILENT", "interval": "NONE", "vibrate": False},
        "auto_lock": True,
        "attachments": [],
    }
    assert by_id["budget"]["config"]["widget"] == {
        "type": "range_slider",
        "min": 0,
        "max": 500,
        "step": 12.5,
        "precision": 1,
        "unit": "EUR",
        "low_value": 50,
        "high_value": 137.5,
    }
    assert by_id["channel"]["config"]["widget"] == {
        "type": "single_select",
        "choices": [
            {"value": "store", "label": "In the store"},
            {"value": "web", "label": "On the website"},
            {"value": "phone", "label": "By phone"},
        ],
        "value": "store",
    }
    assert by_id["liked"]["config"]["widget"]["values"] == ["staff"]
    comments = by_id["comments"]["config"]
    assert comments["widget"] == {
        "type": "text_block",
        "max_chars": 500,
        "placeholder": "Your comments",
        "value": "",
    }
    assert comments["attachments"][0]["name"] == "Privacy notice"


def test_the_booking_maps_dates_location_auto_complete_and_photo():
    by_id = nodes(imported("appointment_booking.xml"))
    day = by_id["day"]["config"]
    assert day["widget"] == {
        "type": "date_select",
        "mode": "date",
        "min_date": JUNE_1,
        "max_date": 1782777600,
        "date": 1780876800,
        "minute_interval": 1,
        "unit": "",
    }
    # member is ignored; branding, alert and confirmations are kept
    assert (day["branding"], day["alert"], day["negative_confirmation"]) == (
        "repair-blue",
        {"type": "RING_5", "interval": "INTERVAL_900", "vibrate": True},
        "Cancel the booking?",
    )
    assert by_id["hour"]["config"]["widget"]["mode"] == "time"
    assert by_id["hour"]["config"]["widget"]["minute_interval"] == 15
    assert by_id["fallback"]["config"]["widget"]["unit"] == "dd/MM/yyyy HH:mm"
    assert by_id["branch"]["config"]["widget"]["suggestions"] == ["Antwerpen", "Brussel", "Gent", "Leuven"]
    assert by_id["where"]["config"]["widget"] == {"type": "gps_location", "gps": True}
    assert by_id["photo"]["config"]["widget"] == {
        "type": "photo_upload",
        "quality": "1024x768",
        "gallery": True,
        "camera": True,
        "ratio": "4 x 3",
    }
    assert by_id["mail"]["config"] == {"emails": ["bookings@example.com"], "email_admins": False}


def test_the_registration_translates_form_texts_and_choice_labels():
    flow = imported("registration_multilanguage.xml")
    assert flow.languages == ["en", "fr", "nl"]
    assert flow.definition["translations"]["fr"]["language"] == {
        "text": "En quelle langue ?",
        "positive_caption": "M'inscrire",
        "negative_caption": "Arrêter",
        "positive_confirmation": "S'inscrire maintenant ?",
        "negative_confirmation": "",
        "choices": {"en": "Anglais", "fr": "Français", "nl": "Néerlandais"},
    }
    assert flow.definition["translations"]["nl"]["name"]["placeholder"] == "Voornaam"
    assert all(
        n["config"].get("save_to") is None for n in flow.definition["nodes"] if n["type"] == "form_message"
    )


def test_a_translation_with_another_widget_is_refused():
    data = (FIXTURES / "registration_multilanguage.xml").read_text()
    nl_start = data.index('language="nl"')
    data = data[:nl_start] + data[nl_start:].replace('<choice value="nl" label="Nederlands" />', "", 1)
    with pytest.raises(RogerthatImportError) as exc:
        import_xml(data.encode())
    assert exc.value.errors == [
        '[nl] <formMessage id="language"> has another widget than the base language\'s '
        '<formMessage id="language">'
    ]


def test_save_to_is_not_exported():
    flow = imported("registration_multilanguage.xml")
    for node in flow.definition["nodes"]:
        if node["id"] == "name":
            node["config"]["save_to"] = {"kind": "attribute", "key": "first_name"}
    again = import_xml(export_xml(flow.definition, name=flow.name))
    assert nodes(again)["name"]["config"]["save_to"] is None


# --- walked end to end ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_booking_walks_from_xml_to_the_callback(
    enduser, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = tmp_path / "media"
    person = enduser.person
    capture = django_capture_on_commit_callbacks
    flow_doc = imported("appointment_booking.xml").definition
    flow_doc["nodes"][0]["config"]["persons"] = [person.pk]

    with CallbackReceiver() as receiver:
        flow = flow_services.flow_create(
            name="Repair appointment", callback_url=receiver.url, definition=flow_doc
        )
        version = flow_services.flow_publish(flow_id=flow.pk, revision=flow.draft_revision)
        with capture(execute=True):
            engine_services.launch_create(version=version, audience=None, launch_tag="repairs")

        def message(node_id: str) -> Message:
            return Message.objects.get(person=person, node_id=node_id, direction="out")

        def submit(node_id: str, value) -> Message:
            with capture(execute=True):
                return engine_services.participant_answer(
                    message_id=message(node_id).pk,
                    button_id=None,
                    form={"button": "positive", "value": value},
                    person=person,
                )

        # A day outside June is refused first, and nothing moves.
        with pytest.raises(engine_services.AnswerRefused) as refused:
            submit("day", JUNE_1 - 86400)
        assert (refused.value.code, refused.value.detail) == ("invalid", "Pick 2026-06-01 or later")
        assert Participant.objects.get(person=person).current_node == "day"

        submit("day", JUNE_1 + 9 * 86400)
        submit("hour", 14 * 3600 + 30 * 60)
        submit("fallback", JUNE_1 + 20 * 86400 + 9 * 3600 + 1800)
        submit("branch", "Mechelen")
        location = {
            "latitude": 51.0259,
            "longitude": 4.4776,
            "accuracy": 8,
            "altitude": 12.5,
            "timestamp": JUNE_1,
        }
        submit("where", location)
        photo = upload_create(
            person=person, file=SimpleUploadedFile("crack.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 60)
        )
        submit("photo", {"upload": str(photo.uuid)})

    participant = Participant.objects.get(person=person)
    assert participant.status == "completed"
    assert len(receiver.requests) == 1
    body = json.loads(receiver.requests[0]["body"])
    assert (body["type"], body["end_id"], body["wait_for_follow_up"], body["launch_tag"]) == (
        "flow.completed",
        "booked",
        True,
        "repairs",
    )
    answered = {m.node_id: m for m in Message.objects.filter(person=person, direction="out")}
    launched_at = body["steps"][0]["received_at"]
    expected = [
        ("day", "Which day in June suits you for the repair visit?", "Pick this day",
         {"type": "long_result", "value": JUNE_1 + 9 * 86400}, "2026-06-10"),
        ("hour", "At what time? Our technicians work from 08:00 to 18:00.", "Next",
         {"type": "long_result", "value": 52200}, "14:30"),
        ("fallback", "If that slot is taken, when else could we come?", "Next",
         {"type": "long_result", "value": JUNE_1 + 20 * 86400 + 9 * 3600 + 1800}, "2026-06-21 09:30 UTC"),
        ("branch", "Which branch bought the device?", "Next",
         {"type": "unicode_result", "value": "Mechelen"}, "Mechelen"),
        ("where", "Share where the device is, so the nearest technician comes.", "Share my location",
         {"type": "location_result", "value": {**location, "accuracy": 8.0}}, "51.025900, 4.477600"),
        ("photo", "A photo of the damage helps us bring the right parts.", "Send the photo",
         {"type": "file_result", "value": photo.as_file()}, photo.url),
    ]  # fmt: skip
    assert len(body["steps"]) == len(expected)
    previous_ack = launched_at
    for step, (node_id, text, caption, result, display) in zip(body["steps"], expected, strict=True):
        assert step == {
            "step_id": node_id,
            "step_type": "form_step",
            "message": text,
            "answer_id": "positive",
            "button": caption,
            "form_result": result,
            "display_value": display,
            "received_at": previous_ack,
            "acknowledged_at": answered[node_id].answered_at.isoformat(),
        }
        previous_ack = step["acknowledged_at"]
    # The results email went out at the resultsEmail element, with the answers as text.
    (email,) = mail.outbox
    assert email.to == ["bookings@example.com"]
    assert "Answer: Mechelen" in email.body and "Answer: 14:30" in email.body
