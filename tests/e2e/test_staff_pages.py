"""Staff and end-user pages in real Chromium against real daphne + worker (issue 12, item 9): staff pick
"Everyone with a tag", see only the tag field and the audience's size, launch, confirm the size in a dialog
and the launch runs; the end user's inbox shows the flow's sender name (not its internal name) and no API
link."""

from playwright.sync_api import expect

from flowdesigner import services as flow_services
from tests.e2e.conftest import login
from tests.factories import FlowFactory, PersonFactory, TagFactory, UserFactory, two_step_definition

PASSWORD = "pw-123456"
INTERNAL_NAME = "Q3 churn-risk test (internal)"


def test_staff_launch_to_a_tag_with_preview_and_confirmation_then_the_inbox_shows_the_sender(
    live_stack, browser
):
    UserFactory(username="sam", password=PASSWORD, roles=["staff"])
    vip = TagFactory(name="vip")
    erin = UserFactory(username="erin", password=PASSWORD, roles=["enduser"])
    PersonFactory(first_name="Erin", user=erin, tags=[vip])
    PersonFactory(first_name="Bob", tags=[vip])
    PersonFactory(first_name="Cy")  # not in the tag
    definition = two_step_definition(tags=[vip.pk])
    definition["settings"] = {"sender_name": "City of Gent"}
    flow = FlowFactory(name=INTERNAL_NAME, draft_definition=definition)
    flow_services.flow_publish(flow_id=flow.pk, revision=flow.draft_revision)

    # --- staff: a published flow, not a "Draft" ------------------------------------------------
    console = login(browser, live_stack, "sam", PASSWORD)
    console.goto(f"{live_stack}/flows/{flow.pk}/")
    expect(console.get_by_test_id("flow-badge")).to_have_text("Published v1")

    # --- only the chosen audience's field, and its size ---------------------------------------
    tag_field = console.locator("[data-audience-field=tag]")
    segment_field = console.locator("[data-audience-field=segment]")
    person_field = console.locator("[data-audience-field=person]")
    expect(tag_field).to_be_hidden()  # the Predefined Audience needs no field
    console.check("input[name=audience][value=tag]")
    expect(tag_field).to_be_visible()
    expect(segment_field).to_be_hidden()
    expect(person_field).to_be_hidden()
    console.select_option("select[name=tag]", str(vip.pk))
    expect(console.get_by_test_id("audience-preview")).to_have_text("This audience has 2 people now.")

    # --- launch asks first; cancel launches nothing, confirm launches ----------------------------
    console.get_by_test_id("launch").click()
    dialog = console.get_by_test_id("launch-dialog")
    expect(dialog).to_be_visible()
    expect(console.get_by_test_id("launch-dialog-text")).to_have_text("Launch version 1 to 2 people?")
    console.get_by_test_id("launch-cancel").click()
    expect(dialog).to_be_hidden()
    expect(console.locator("[data-testid=launches] tr[data-launch]")).to_have_count(0)

    console.get_by_test_id("launch").click()
    expect(console.get_by_test_id("launch-dialog-text")).to_have_text("Launch version 1 to 2 people?")
    console.get_by_test_id("launch-confirm").click()
    expect(console.locator(".flash")).to_contain_text("Launching version 1 to 2 people.")
    expect(console.locator("[data-testid=launches] .launch-count").first).to_have_text(
        "2 / 2", timeout=30_000
    )
    expect(console.get_by_test_id("api-link")).to_be_visible()

    # --- the end user: the sender name, never the internal flow name; no API link --------------
    inbox = login(browser, live_stack, "erin", PASSWORD)
    inbox.goto(f"{live_stack}/inbox/")
    card = inbox.locator("[data-testid^=message-]", has_text="Coming on Friday?")
    expect(card).to_be_visible(timeout=30_000)
    expect(card.get_by_test_id("sender-name")).to_have_text("City of Gent")
    expect(inbox.get_by_text(INTERNAL_NAME)).to_have_count(0)
    expect(inbox.get_by_test_id("api-link")).to_have_count(0)
    expect(inbox.get_by_role("link", name="API")).to_have_count(0)
