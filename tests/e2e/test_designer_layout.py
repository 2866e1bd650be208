"""Layout and reading on the designer canvas, in real Chromium against real daphne + qcluster: "Tidy up"
spreads a flow whose twelve elements sit on one spot so no two overlap; connections carry their exit's
caption; a message's template variable reads as a chip; a flow with no saved positions is laid out left
to right when it opens (and the positions are saved); a second element dropped on the first lands
beside it, not over it."""

from playwright.sync_api import Page, expect

from flowdesigner import services
from flowdesigner.models import Flow
from tests.e2e.conftest import login
from tests.e2e.test_designer_steps import autosaved, drop, new_flow
from tests.factories import UserFactory

PASSWORD = "pw-123456"
VIEWPORT = {"width": 1600, "height": 900}


def message(node_id: str, text: str, buttons: dict[str, str], exits: dict[str, str | None]) -> dict:
    return {
        "id": node_id,
        "type": "message",
        "config": {
            "text": text,
            "buttons": [{"id": key, "caption": caption} for key, caption in buttons.items()],
        },
        "exits": exits,
    }


def twelve_elements() -> list[dict]:
    """Audience → "ask" (Yes please / No thanks) → two branches of three messages each → two Exits,
    plus two messages not connected to them: twelve elements."""
    nodes = [
        {
            "id": "audience",
            "type": "predefined_audience",
            "config": {"tags": [], "persons": []},
            "exits": {"next": "ask"},
        },
        message(
            "ask",
            "Hi {{ person.first_name }}, shall we book?",
            {"yes": "Yes please", "no": "No thanks"},
            {"yes": "y1", "no": "n1"},
        ),
    ]
    for branch, end in (("y", "booked"), ("n", "declined")):
        for step in (1, 2, 3):
            following = f"{branch}{step + 1}" if step < 3 else end
            nodes.append(message(f"{branch}{step}", f"Step {step}", {"ok": "OK"}, {"ok": following}))
        nodes.append({"id": end, "type": "exit", "config": {"name": end.title()}, "exits": {}})
    nodes.append(message("loose", "Not connected yet", {"ok": "OK"}, {"ok": "later"}))
    nodes.append(message("later", "Nor this one", {"ok": "OK"}, {"ok": None}))
    return nodes


def node_boxes(page: Page, ids: list[str]) -> dict[str, dict]:
    return {node_id: page.get_by_test_id(f"node-{node_id}").bounding_box() for node_id in ids}


def overlapping(boxes: dict[str, dict]) -> list[tuple[str, str]]:
    items = list(boxes.items())
    return [
        (a, b)
        for i, (a, box_a) in enumerate(items)
        for b, box_b in items[i + 1 :]
        if box_a["x"] < box_b["x"] + box_b["width"]
        and box_b["x"] < box_a["x"] + box_a["width"]
        and box_a["y"] < box_b["y"] + box_b["height"]
        and box_b["y"] < box_a["y"] + box_a["height"]
    ]


def test_tidy_up_spreads_stacked_elements_and_edges_name_their_exit(live_stack, browser):
    UserFactory(username="mia", password=PASSWORD, roles=["marketer"])
    nodes = twelve_elements()
    ids = [node["id"] for node in nodes]
    definition = {
        "spec_version": 1,
        "nodes": nodes,
        # Every element on one spot, as a careless tool might leave them.
        "ui": {
            "nodes": {node_id: {"x": 0, "y": 0} for node_id in ids},
            "viewport": {"x": 300, "y": 200, "zoom": 1},
        },
    }
    flow = services.flow_create(name="Stacked", definition=definition)

    page = login(browser, live_stack, "mia", PASSWORD, viewport=VIEWPORT)
    page.goto(f"{live_stack}/flows/{flow.pk}/design/")
    expect(page.locator("[data-testid^=node-][data-type]")).to_have_count(12)
    assert len(overlapping(node_boxes(page, ids))) > 0  # stacked, as stored

    with autosaved(page):
        page.get_by_test_id("auto-layout").click()
        expect(page.get_by_test_id("auto-layout")).to_be_enabled()
    page.wait_for_timeout(400)  # the fit to the new layout is animated
    boxes = node_boxes(page, ids)
    assert overlapping(boxes) == []
    # Left to right along the connections; "Yes please" (the first exit) leads to the upper branch.
    assert boxes["audience"]["x"] < boxes["ask"]["x"] < boxes["y1"]["x"] < boxes["y2"]["x"]
    assert boxes["y1"]["y"] < boxes["n1"]["y"]

    # The new positions are the draft's.
    saved = Flow.objects.get(pk=flow.pk).draft_definition["ui"]["nodes"]
    assert len({(saved[node_id]["x"], saved[node_id]["y"]) for node_id in ids}) == 12

    # Connections name the exit they leave from.
    expect(page.get_by_test_id("edge-label-ask-yes")).to_have_text("Yes please")
    expect(page.get_by_test_id("edge-label-ask-no")).to_have_text("No thanks")
    expect(page.get_by_test_id("edge-label-y1-ok")).to_have_text("OK")
    # A template variable reads as a chip, with the code on hover.
    ask = page.get_by_test_id("node-ask")
    expect(ask.locator(".node-summary")).to_have_text("Hi First name, shall we book?")
    chip = ask.locator(".template-chip")
    expect(chip).to_have_text("First name")
    expect(chip).to_have_attribute("title", "{{ person.first_name }}")
    # Each element shows its kind's icon.
    expect(ask.locator(".element-node-header .element-icon")).to_have_text("\u2709")

    # Renaming a button renames its connection's label.
    page.get_by_test_id("node-ask").click()
    with autosaved(page):
        page.get_by_test_id("button-caption-0").fill("Book it")
    expect(page.get_by_test_id("edge-label-ask-yes")).to_have_text("Book it")


def test_a_flow_without_positions_opens_laid_out_and_drops_do_not_overlap(live_stack, browser):
    UserFactory(username="mia", password=PASSWORD, roles=["marketer"])
    nodes = twelve_elements()
    ids = [node["id"] for node in nodes]
    flow = services.flow_create(name="Imported", definition={"spec_version": 1, "nodes": nodes})

    page = login(browser, live_stack, "mia", PASSWORD, viewport=VIEWPORT)
    with autosaved(page):  # the layout made on open is saved, so it is made once
        page.goto(f"{live_stack}/flows/{flow.pk}/design/")
        expect(page.locator("[data-testid^=node-][data-type]")).to_have_count(12)
    page.wait_for_timeout(400)
    boxes = node_boxes(page, ids)
    assert overlapping(boxes) == []
    # Laid out along the connections, not in the fallback row: the two branches share a column.
    assert boxes["y1"]["x"] == boxes["n1"]["x"]
    assert boxes["y1"]["y"] < boxes["n1"]["y"]
    assert set(Flow.objects.get(pk=flow.pk).draft_definition["ui"]["nodes"]) == set(ids)

    # Two messages dropped on the same spot of an empty flow: the second lands beside the first.
    new_flow(page, live_stack, "Drops")
    first = drop(page, "message", 400, 300)
    second = drop(page, "message", 400, 300)
    assert overlapping(node_boxes(page, [first, second])) == []
