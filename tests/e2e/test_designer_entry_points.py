"""Entry points and Validate in the designer, in real Chromium against real daphne + qcluster: a marketer
starts a flow on a Date or Time entry (birth date is today) followed by a Message, clicks Validate and sees
an Exit placed after the message's unconnected button and wired to it (and taken away again by Undo), sets
re-entry in the flow settings, and the saved draft holds all of it."""

from playwright.sync_api import Page, expect

from flowdesigner.models import Flow
from tests.e2e.conftest import login
from tests.e2e.test_designer_steps import autosaved, drop, new_flow
from tests.e2e.test_user_story import connect
from tests.factories import UserFactory

PASSWORD = "pw-123456"
VIEWPORT = {"width": 1600, "height": 900}


def exit_nodes(page: Page):
    return page.locator('[data-type="exit"][data-testid^="node-"]')


def test_date_entry_then_validate_places_a_connected_exit_and_reentry_is_saved(live_stack, browser):
    UserFactory(username="mia", password=PASSWORD, roles=["marketer"])
    page = login(browser, live_stack, "mia", PASSWORD, viewport=VIEWPORT)
    new_flow(page, live_stack, "Birthday greeting")
    flow = Flow.objects.get(name="Birthday greeting")

    # --- a Date or Time entry: birth date is today -----------------------------------------------
    entry = drop(page, "date_time", 160, 200)
    entry_node = page.get_by_test_id(f"node-{entry}")
    expect(entry_node).to_contain_text("No date chosen yet")
    with autosaved(page):
        page.get_by_test_id("field-date-attribute").select_option("birth_date")
    expect(page.get_by_test_id("field-date-operator")).to_have_value("is_today")
    expect(entry_node).to_contain_text("birth_date is today")

    # --- then a Message, connected after it ---------------------------------------------------------
    greet = drop(page, "message", 560, 200)
    with autosaved(page):
        page.get_by_test_id("field-text").fill("Happy birthday, {{ person.first_name }}!")
        connect(page, entry, "next", greet)
    expect(page.locator(".react-flow__edge")).to_have_count(1)
    expect(exit_nodes(page)).to_have_count(0)

    # --- Validate places an Exit after the unconnected "OK" button ------------------------------
    page.get_by_test_id("validate").click()
    expect(page.get_by_test_id("added-exits")).to_contain_text("Added 1 exit")
    expect(exit_nodes(page)).to_have_count(1)
    expect(page.locator(".react-flow__edge")).to_have_count(2)
    expect(page.get_by_test_id("validation-ok")).to_have_text("No issues: the flow can be published.")
    exit_box = exit_nodes(page).bounding_box()
    greet_box = page.get_by_test_id(f"node-{greet}").bounding_box()
    assert exit_box["x"] > greet_box["x"] + greet_box["width"], "the Exit sits to the right of the message"

    # Undo takes exactly that Exit and its edge away; Validate places it again.
    page.get_by_test_id("undo-exits").click()
    expect(exit_nodes(page)).to_have_count(0)
    expect(page.locator(".react-flow__edge")).to_have_count(1)
    expect(page.get_by_test_id("added-exits")).to_have_count(0)
    with autosaved(page):
        page.get_by_test_id("validate").click()
        expect(exit_nodes(page)).to_have_count(1)
    exit_id = exit_nodes(page).get_attribute("data-testid").removeprefix("node-")
    expect(page.get_by_test_id(f"node-{exit_id}")).to_contain_text("Exit")
    expect(page.get_by_test_id("undo-exits")).to_be_visible()

    # --- Flow settings: people enter this flow only once ------------------------------------------
    page.get_by_test_id("open-flow-settings").click()
    with autosaved(page):
        page.get_by_test_id("reentry").select_option("never")
    # Something else changed since the Exits were added: undoing them is no longer offered.
    expect(page.get_by_test_id("validation")).to_be_visible()
    expect(page.get_by_test_id("undo-exits")).to_have_count(0)

    # --- the saved draft, as the API gives it ----------------------------------------------------
    response = page.request.get(f"{live_stack}/api/flows/{flow.pk}/")
    assert response.ok, response.text()
    draft = response.json()["draft"]
    nodes = {node["id"]: node for node in draft["definition"]["nodes"]}
    assert nodes[entry]["type"] == "date_time"
    assert nodes[entry]["config"] == {"attribute": "birth_date", "operator": "is_today"}
    assert nodes[entry]["exits"] == {"next": greet}
    assert nodes[greet]["exits"] == {"ok": exit_id}
    assert nodes[exit_id] == {"id": exit_id, "type": "exit", "config": {"name": "Exit"}, "exits": {}}
    assert draft["definition"]["settings"]["reentry"] == "never"
    assert draft["issues"] == []
