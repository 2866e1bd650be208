"""Two marketers edit one flow: the stale save is refused with a clear message, never merged."""

from playwright.sync_api import expect

from flowdesigner.models import Flow
from tests.e2e.conftest import login
from tests.factories import FlowFactory, UserFactory


def test_a_stale_save_is_refused_and_reload_shows_the_other_edit(live_stack, browser):
    UserFactory(username="mia", roles=["marketer"])
    UserFactory(username="max", roles=["marketer"])
    flow = FlowFactory(name="Shared")
    viewport = {"width": 1400, "height": 900}
    first = login(browser, live_stack, "mia", "pw-123456", viewport=viewport)
    second = login(browser, live_stack, "max", "pw-123456", viewport=viewport)
    for page in (first, second):
        page.goto(f"{live_stack}/flows/{flow.pk}/design/")
        expect(page.get_by_test_id("node-ask")).to_be_visible()

    first.get_by_test_id("node-ask").click()
    first.get_by_test_id("field-text").fill("Mia's question")
    first.get_by_test_id("save").click()
    expect(first.get_by_test_id("status")).to_have_text("Saved")

    second.get_by_test_id("node-ask").click()
    second.get_by_test_id("field-text").fill("Max's question")
    second.get_by_test_id("save").click()
    expect(second.get_by_test_id("conflict")).to_contain_text("changed by someone else")
    assert Flow.objects.get(pk=flow.pk).draft_definition["nodes"][1]["config"]["text"] == "Mia's question"

    second.get_by_test_id("conflict").get_by_role("button", name="Reload").click()
    expect(second.get_by_test_id("node-ask")).to_contain_text("Mia's question")
    expect(second.get_by_test_id("conflict")).to_have_count(0)
