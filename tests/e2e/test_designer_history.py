"""The designer's history in real Chromium against real daphne + worker + qcluster: a marketer publishes
version 1, changes a message's text and publishes version 2; History lists both with her name, the diff
of the two shows that message as changed with its text listed, and restoring version 1 brings the old
text back onto the editor's canvas (and into the saved draft)."""

from playwright.sync_api import expect

from flowdesigner.models import Flow
from tests.e2e.conftest import login
from tests.factories import FlowFactory, TagFactory, UserFactory, two_step_definition

PASSWORD = "pw-123456"
VIEWPORT = {"width": 1600, "height": 900}
OLD_TEXT = "Coming on Friday?"
NEW_TEXT = "Coming on Saturday?"


def test_history_lists_versions_shows_the_diff_and_restores_a_version(live_stack, browser):
    UserFactory(username="mia", first_name="Mia", last_name="Peeters", password=PASSWORD, roles=["marketer"])
    flow = FlowFactory(name="Friday", draft_definition=two_step_definition(tags=[TagFactory().pk]))
    page = login(browser, live_stack, "mia", PASSWORD, viewport=VIEWPORT)
    page.goto(f"{live_stack}/flows/{flow.pk}/design/")
    ask = page.get_by_test_id("node-ask")
    expect(ask).to_contain_text(OLD_TEXT)

    # --- version 1, then a new text in version 2 --------------------------------------------------
    page.get_by_test_id("publish").click()
    expect(page.get_by_test_id("status")).to_have_text("Published version 1")
    ask.click()
    page.get_by_test_id("field-text").fill(NEW_TEXT)
    expect(ask).to_contain_text(NEW_TEXT)
    page.get_by_test_id("publish").click()
    expect(page.get_by_test_id("status")).to_have_text("Published version 2")

    # --- History: both versions with who published them ------------------------------------------
    page.get_by_test_id("open-history").click()
    history = page.get_by_test_id("history")
    expect(history).to_be_visible()
    for number in (1, 2):
        expect(history.get_by_test_id(f"history-version-{number}")).to_contain_text(f"Version {number}")
        expect(history.get_by_test_id(f"history-version-{number}")).to_contain_text("Mia Peeters")

    # --- the diff of version 1 and version 2: the message changed, in its text ---------------------
    expect(history.get_by_test_id("history-from")).to_have_value("1")
    expect(history.get_by_test_id("history-to")).to_have_value("2")
    change = history.get_by_test_id("history-change-ask")
    expect(change).to_contain_text("Changed")
    expect(history.get_by_test_id("history-fields-ask")).to_have_text("config.text")
    # Only that message changed: nothing else is listed.
    expect(history.locator("[data-testid^=history-change-]")).to_have_count(1)
    drawn = history.get_by_test_id("history-node-ask")
    expect(drawn).to_have_attribute("data-change", "changed")
    expect(drawn).to_contain_text("Changed")
    expect(drawn).to_contain_text(NEW_TEXT)
    expect(history.get_by_test_id("history-node-thanks")).to_have_attribute("data-change", "none")
    change.click()
    expect(drawn).to_be_in_viewport()

    # Version 2 against the draft (the same document): no element changed.
    history.get_by_test_id("history-from").select_option("2")
    history.get_by_test_id("history-to").select_option("draft")
    expect(history.get_by_test_id("history-changes")).to_contain_text("No element changed")

    # --- restore version 1, after a confirmation ----------------------------------------------------
    history.get_by_test_id("restore-version-1").click()
    with page.expect_response(lambda r: r.url.endswith("/versions/1/restore/")) as restored:
        history.get_by_test_id("confirm-restore").click()
    assert restored.value.status == 200, restored.value.text()
    expect(history).to_be_hidden()
    expect(page.get_by_test_id("node-ask")).to_contain_text(OLD_TEXT)
    expect(page.get_by_test_id("status")).to_have_text("Saved")
    flow.refresh_from_db()
    assert flow.draft_definition["nodes"][1]["config"]["text"] == OLD_TEXT
    assert Flow.objects.get(pk=flow.pk).versions.count() == 2  # restoring publishes nothing

    # The restored draft is what the designer opens from now on.
    page.reload()
    expect(page.get_by_test_id("node-ask")).to_contain_text(OLD_TEXT)
