"""The canvas shows a whole flow when it opens (regression: it used to cut off the right side)."""

from playwright.sync_api import expect

from flowdesigner import services
from flowdesigner.management.commands.demo_data import demo_definition
from tests.e2e.conftest import login
from tests.factories import TagFactory, UserFactory


def test_a_flow_without_a_saved_viewport_opens_with_every_element_in_view(live_stack, browser):
    UserFactory(username="mia", roles=["marketer"])
    definition = demo_definition(TagFactory().pk)
    for i, node in enumerate(definition["nodes"]):  # spread wider than the window
        definition["ui"]["nodes"][node["id"]] = {"x": i * 500, "y": (i % 2) * 400}
    flow = services.flow_create(name="Wide", definition=definition)

    page = login(browser, live_stack, "mia", "pw-123456", viewport={"width": 1280, "height": 800})
    page.goto(f"{live_stack}/flows/{flow.pk}/design/")
    nodes = page.locator("[data-testid^=node-][data-type]")
    expect(nodes).to_have_count(len(definition["nodes"]))
    page.wait_for_timeout(500)  # let the fit finish its frame
    canvas = page.get_by_test_id("canvas").bounding_box()
    for box in (nodes.nth(i).bounding_box() for i in range(nodes.count())):
        assert canvas["x"] <= box["x"] and box["x"] + box["width"] <= canvas["x"] + canvas["width"]
        assert canvas["y"] <= box["y"] and box["y"] + box["height"] <= canvas["y"] + canvas["height"]
