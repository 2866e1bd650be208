"""The simulator in the designer, in real Chromium against the live stack: a marketer tries a draft as a
real person, answers a message, skips a two-day wait, sees the Call URL request that would have been
sent (not sent), reaches the end with the results callback it would POST, and the person was never
entered into the flow."""

from playwright.sync_api import expect

from engine.models import CallbackDelivery, Participant
from messaging.models import Message
from people.services import person_set_attributes
from tests.e2e.conftest import login
from tests.engine.test_simulator import CALL_URL, CALLBACK_URL, walk_definition
from tests.factories import AttributeDefinitionFactory, FlowFactory, PersonFactory, TagFactory, UserFactory

PASSWORD = "pw-123456"
VIEWPORT = {"width": 1700, "height": 1000}


def test_the_simulator_walks_a_wait_and_a_call_url_and_stores_nothing(live_stack, browser):
    UserFactory(username="mia", password=PASSWORD, roles=["marketer"])
    AttributeDefinitionFactory(key="city")
    ada = PersonFactory(first_name="Ada", last_name="Lovelace")
    person_set_attributes(person=ada, values={"city": "Ghent"})
    flow = FlowFactory(
        name="Codes", draft_definition=walk_definition(TagFactory().pk), callback_url=CALLBACK_URL
    )

    page = login(browser, live_stack, "mia", PASSWORD, viewport=VIEWPORT)
    page.goto(f"{live_stack}/flows/{flow.pk}/design/")
    page.get_by_test_id("try-flow").click()
    panel = page.get_by_test_id("simulator")
    expect(panel).to_be_visible()

    # Choose the person, tell the simulated call what to answer, start.
    panel.get_by_test_id("simulator-person-search").fill("Lovelace")
    panel.get_by_test_id(f"simulator-person-{ada.pk}").click()
    expect(panel.get_by_test_id("simulator-person")).to_contain_text("Ada Lovelace")
    panel.get_by_text("Call URL answers").click()
    panel.get_by_test_id("simulator-call-body").fill('{"code": "X-42"}')
    panel.get_by_test_id("simulator-start").click()

    # The message as the inbox shows it, with the person's own data; answer it here.
    first = panel.get_by_test_id("message-1")
    expect(first).to_contain_text("Hello Ada from Ghent")
    first.get_by_test_id("answer-go").click()
    expect(first.get_by_test_id("answered")).to_have_text("You answered: Go")

    # Two days' wait: time travel.
    skip = panel.get_by_test_id("simulator-skip")
    expect(skip).to_contain_text("Skip wait")
    skip.click()

    # The Call URL request that would have been sent, then the message with what it returned.
    call = panel.get_by_test_id("simulator-request").first
    expect(call).to_contain_text("Dry run: Call URL")
    expect(call).to_contain_text(f"POST {CALL_URL}")
    expect(call).to_contain_text("X-Person")
    second = panel.get_by_test_id("message-2")
    expect(second).to_contain_text("Your code: X-42")
    second.get_by_test_id("answer-ok").click()

    # The end, and the signed results callback it would POST.
    expect(panel.get_by_test_id("simulator-completed")).to_contain_text('Completed at the exit "Done"')
    callback = panel.get_by_test_id("simulator-request").last
    expect(callback).to_contain_text(f"POST {CALLBACK_URL}")
    expect(callback).to_contain_text("X-Signature")
    expect(panel.get_by_test_id("simulator-end")).to_be_visible()

    # Nothing was stored: no participant, no message, no callback delivery, the person unchanged.
    assert not Participant.objects.filter(person=ada).exists()
    assert not Message.objects.filter(person=ada).exists()
    assert not CallbackDelivery.objects.exists()
