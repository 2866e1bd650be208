"""Each participant on its own: problems reject that participant (with Infobip's errorReason and a message
naming the field) and never the others; persons are found by their identifiers, updated or created,
never merged; the flow's re-entry setting is reported."""

import pytest

from engine.flow_api.models import FlowApiOperation
from engine.models import Participant
from flowdesigner.models import Flow
from messaging.models import Message
from people.models import Person
from people.outbox.worker import drain
from people.selectors import person_attributes
from tests.factories import AttributeDefinitionFactory, PersonFactory
from tests.flow_api.conftest import FIRST_MESSAGE, email, participants_url

pytestmark = pytest.mark.django_db


def phone(number: str, **participant) -> dict:
    return {"identifyBy": {"identifier": number, "type": "PHONE"}, **participant}


def external(identifier: str, **participant) -> dict:
    return {"identifyBy": {"identifier": identifier, "type": "EXTERNAL_ID"}, **participant}


def outcome(report: dict, index: int) -> tuple[str, str, str]:
    item = report["participants"][index]
    return item["status"], item.get("errorReason", ""), item.get("errorMessage", "")


# --- identifiers -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (email("ann(at)example.com"), "participants[1].identifyBy.identifier: not an email address."),
        (email(""), "participants[1].identifyBy.identifier: required, a non-empty string."),
        (phone("12"), "participants[1].identifyBy.identifier: not a phone number"),
        (phone("+32 470 12 34"), "participants[1].identifyBy.identifier: not a phone number"),
        (external("x" * 101), "participants[1].identifyBy.identifier: at most 100 characters."),
        (
            {"identifyBy": {"identifier": 32470123456, "type": "PHONE"}},
            "participants[1].identifyBy.identifier: required, a non-empty string.",
        ),
        (
            {"identifyBy": {"identifier": "370329180020364", "type": "FACEBOOK"}},
            "participants[1].identifyBy.type: must be one of EMAIL, PHONE, EXTERNAL_ID (received 'FACEBOOK')",
        ),
        ({"variables": {}}, "participants[1].identifyBy: required, an object with identifier and type."),
        ("ann@example.com", "participants[1]: must be an object with identifyBy."),
    ],
)
def test_a_bad_identifier_rejects_that_participant_only(flow, add, bad, message):
    report = add(flow, [email("first@example.com"), bad, email("last@example.com")])

    assert outcome(report, 1) == ("REJECTED", "REJECTED_INVALID_CONTACT", outcome(report, 1)[2])
    assert outcome(report, 1)[2].startswith(message)
    assert outcome(report, 0)[0] == outcome(report, 2)[0] == "ACCEPTED"
    assert set(Person.objects.values_list("email", flat=True)) == {"first@example.com", "last@example.com"}


def test_the_report_echoes_identifiers_as_sent(flow, add):
    report = add(flow, [phone("+32 470 12 34 56"), {"identifyBy": {"identifier": 5, "type": None}}])

    assert report["participants"][0]["identifyBy"] == {"identifier": "+32 470 12 34 56", "type": "PHONE"}
    assert report["participants"][1]["identifyBy"] == {"identifier": "", "type": ""}


def test_phone_numbers_in_infobip_form_are_international(flow, add):
    report = add(flow, [phone("41793026727"), phone("0470123456")])

    assert [p["status"] for p in report["participants"]] == ["ACCEPTED", "ACCEPTED"]
    # Without "+": international first (Infobip's form), else read in PEOPLE_DEFAULT_REGION (BE).
    assert set(Person.objects.values_list("phone", flat=True)) == {"+41793026727", "+32470123456"}


def test_a_duplicate_identifier_rejects_the_later_ones(flow, add):
    report = add(
        flow,
        [
            email("ann@example.com"),
            email("ANN@example.com "),
            phone("+32470123456"),
            phone("0470 12 34 56"),
            email("ann@example.com", person={"firstName": "Changed"}),
        ],
    )

    assert [p["status"] for p in report["participants"]] == [
        "ACCEPTED",
        "REJECTED",
        "ACCEPTED",
        "REJECTED",
        "REJECTED",
    ]
    assert outcome(report, 1) == (
        "REJECTED",
        "REJECTED_INVALID_CONTACT",
        "participants[1].identifyBy.identifier: the same identifier as participants[0]; "
        "only the first one is processed.",
    )
    assert "the same identifier as participants[2]" in outcome(report, 3)[2]
    assert Person.objects.count() == 2
    assert Person.objects.get(email="ann@example.com").first_name == ""  # the duplicate changed nothing
    assert Participant.objects.count() == 2


# --- variables and attributes -----------------------------------------------------------------------------


def test_variables_must_be_declared_and_fit_their_type(flow, add):
    report = add(
        flow,
        [
            email("a@example.com", variables={"orderNumber": "12", "city": None}),
            email("b@example.com", variables={"colour": "red"}),
            email("c@example.com", variables={"orderNumber": "twelve"}),
            email("d@example.com", variables={"city": {"name": "Ghent"}}),
            email("e@example.com", variables=["city"]),
        ],
    )

    assert outcome(report, 0)[0] == "ACCEPTED"
    assert Participant.objects.get(person__email="a@example.com").state["variables"]["orderNumber"] == 12
    assert outcome(report, 1) == (
        "REJECTED",
        "REJECTED_ATTRIBUTE_MISSED",
        "participants[1].variables.colour: the flow has no such variable (declared: city, orderNumber).",
    )
    assert (
        outcome(report, 2)[2]
        == "participants[2].variables.orderNumber: 'twelve' is not a number (the variable is number)."
    )
    assert outcome(report, 3)[2].startswith(
        "participants[3].variables.city: a text variable cannot hold an object"
    )
    assert outcome(report, 4)[2] == "participants[4].variables: must be an object of variable name to value."
    assert not Person.objects.filter(email__in=["b@example.com", "c@example.com", "d@example.com"]).exists()


def test_custom_attributes_must_exist_and_take_the_value(flow, add):
    AttributeDefinitionFactory(key="plan", data_type="TEXT")
    AttributeDefinitionFactory(key="score", data_type="NUMBER", number_kind="whole")

    report = add(
        flow,
        [
            email("a@example.com", person={"customAttributes": {"plan": "gold", "score": 4}}),
            email("b@example.com", person={"customAttributes": {"Contract Expiry": "2023-04-01"}}),
            email("c@example.com", person={"customAttributes": {"score": "many"}}),
        ],
    )

    assert outcome(report, 0)[0] == "ACCEPTED"
    assert person_attributes(Person.objects.get(email="a@example.com")) == {"plan": "gold", "score": 4}
    status, reason, message = outcome(report, 1)
    assert (status, reason) == ("REJECTED", "REJECTED_ATTRIBUTE_MISSED")
    assert message.startswith('participants[1].person.customAttributes["Contract Expiry"]: Unknown attribute')
    assert outcome(report, 2)[2].startswith("participants[2].person.customAttributes.score:")
    assert set(Person.objects.values_list("email", flat=True)) == {"a@example.com"}


def test_every_problem_of_a_participant_is_listed(flow, add):
    report = add(
        flow,
        [
            email(
                "a@example.com",
                variables={"nope": 1},
                person={"firstName": 7, "contactInformation": {"phone": [{"number": "abc"}]}},
            )
        ],
    )

    status, reason, message = outcome(report, 0)
    assert (status, reason) == ("REJECTED", "REJECTED_ATTRIBUTE_MISSED")
    assert "participants[0].variables.nope: the flow has no such variable" in message
    assert "participants[0].person.firstName: must be a string." in message
    assert "participants[0].person.contactInformation.phone[0].number: not a phone number" in message


# --- persons: found, updated, created, never merged ---------------------------------------------------


def test_an_existing_person_is_found_by_identifier_and_updated(flow, add):
    ann = PersonFactory(email="ann@example.com", first_name="Annie", created_via="")

    report = add(
        flow,
        [
            email(
                "ANN@example.com",
                person={
                    "firstName": "Ann",
                    "externalId": "crm-1",
                    "contactInformation": {"phone": [{"number": "+32470123456"}]},
                },
            )
        ],
    )

    assert outcome(report, 0)[0] == "ACCEPTED"
    ann.refresh_from_db()
    assert (ann.first_name, ann.last_name, ann.external_id, ann.phone) == (
        "Ann",
        "Person",
        "crm-1",
        "+32470123456",
    )
    assert ann.created_via == ""  # not created by the Flow API
    assert Person.objects.count() == 1
    assert Message.objects.get(person=ann).text == FIRST_MESSAGE


def test_a_person_is_found_by_contact_information_when_the_identifier_finds_nobody(flow, add):
    bo = PersonFactory(email="bo@example.com", phone=None)

    report = add(
        flow,
        [
            phone(
                "+32470123456",
                person={
                    "lastName": "Smith",
                    "contactInformation": {"email": [{"address": "BO@example.com"}]},
                },
            )
        ],
    )

    assert outcome(report, 0)[0] == "ACCEPTED"
    bo.refresh_from_db()
    assert (bo.phone, bo.last_name) == ("+32470123456", "Smith")
    assert Person.objects.count() == 1


def test_a_new_person_is_created_with_every_given_field(flow, add):
    report = add(
        flow,
        [
            external(
                "crm-42",
                person={
                    "firstName": "<script>alert(1)</script>",
                    "lastName": "Lee",
                    "contactInformation": {
                        "email": [{"address": "new@example.com"}],
                        "phone": [{"number": "41793026727"}],
                    },
                },
            )
        ],
    )

    assert outcome(report, 0)[0] == "ACCEPTED"
    person = Person.objects.get()
    assert (person.external_id, person.email, person.phone) == ("crm-42", "new@example.com", "+41793026727")
    assert person.first_name == "<script>alert(1)</script>"  # just text
    assert person.created_via == f"flow api:{flow.pk}"


def test_identifiers_of_two_different_persons_are_rejected_naming_both(flow, add):
    ann = PersonFactory(email="ann@example.com", phone=None, first_name="Ann")
    bo = PersonFactory(email="bo@example.com", phone="+32470123456", first_name="Bo")

    report = add(
        flow,
        [
            email(
                "ann@example.com",
                person={"firstName": "X", "contactInformation": {"phone": [{"number": "+32470123456"}]}},
            )
        ],
    )

    assert outcome(report, 0) == (
        "REJECTED",
        "REJECTED_INVALID_CONTACT",
        f"participants[0].identifyBy.identifier (ann@example.com) is person #{ann.pk} but "
        f"participants[0].person.contactInformation.phone[0].number (+32470123456) is person #{bo.pk}; two "
        "persons are never merged: send identifiers of one person.",
    )
    ann.refresh_from_db()
    bo.refresh_from_db()
    assert (ann.first_name, ann.phone, bo.first_name) == ("Ann", None, "Bo")
    assert not Participant.objects.exists()


def test_two_different_values_for_one_column_are_rejected(flow, add):
    report = add(
        flow,
        [
            email(
                "ann@example.com",
                person={"contactInformation": {"email": [{"address": "other@example.com"}]}},
            ),
            external("crm-1", person={"externalId": "crm-2"}),
        ],
    )

    assert outcome(report, 0) == (
        "REJECTED",
        "REJECTED_INVALID_CONTACT",
        "participants[0].person.contactInformation.email[0].address: other@example.com differs from "
        "ann@example.com (participants[0].identifyBy.identifier); a person has one email address here.",
    )
    assert outcome(report, 1)[2].startswith("participants[1].person.externalId: crm-2 differs from crm-1")
    assert not Person.objects.exists()


# --- the flow's rules ------------------------------------------------------------------------------------


def test_a_person_the_flow_does_not_let_in_again_is_rejected_with_the_reason(make_flow, add):
    flow = make_flow(reentry="never")
    add(flow, [email("ann@example.com")])

    report = add(flow, [email("ann@example.com"), email("bo@example.com")])

    assert outcome(report, 0) == (
        "REJECTED",
        "REJECTED_PERSON_NOT_ALLOWED_TO_REENTER",
        "Already entered this flow once; it does not let people enter again.",
    )
    assert outcome(report, 1)[0] == "ACCEPTED"
    assert Participant.objects.filter(person__email="ann@example.com").count() == 1


def test_a_person_still_in_the_flow_is_rejected_as_in_flow(make_flow, add):
    flow = make_flow(reentry="after_leaving")
    add(flow, [email("ann@example.com")])

    report = add(flow, [email("ann@example.com", person={"firstName": "Ann"})])

    assert outcome(report, 0) == (
        "REJECTED",
        "REJECTED_PERSON_IN_FLOW",
        "Still in this flow; it lets people enter again only after they leave.",
    )
    # The profile is still updated, as Infobip does: only the entry is refused.
    assert Person.objects.get(email="ann@example.com").first_name == "Ann"


def test_participants_are_rejected_when_the_flow_stops_before_they_are_processed(flow, app_client):
    response = app_client.post(
        participants_url(flow), {"participants": [email("ann@example.com")]}, format="json"
    )
    Flow.objects.filter(pk=flow.pk).update(status=Flow.Status.PAUSED)

    drain()

    operation = FlowApiOperation.objects.get(uuid=response.json()["operationId"])
    row = operation.participants.get()
    assert (row.status, row.error_reason) == ("REJECTED", "REJECTED_FLOW_ERROR_UNKNOWN")
    assert (
        row.error_message
        == f"Not added: Flow {flow.pk} is not active (it is paused); activate it to add participants."
    )
    assert operation.status == FlowApiOperation.Status.COMPLETED
    assert not Person.objects.exists()
