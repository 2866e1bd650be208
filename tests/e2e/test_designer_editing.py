"""Editing on the canvas as a marketer does it, in real Chromium against real daphne: a deleted element
comes back with Undo (and goes again with Redo), a box-selected pair is copied and pasted with fresh ids
and its inner connection, the paste is undone and redone, the same pair is pasted into another flow, the
right-click menu duplicates, and leaving with an unsaved edit asks first."""

from playwright.sync_api import Page, expect

from flowdesigner.models import Flow
from tests.e2e.conftest import login
from tests.factories import FlowFactory, UserFactory, two_step_definition

PASSWORD = "pw-123456"
VIEWPORT = {"width": 1600, "height": 900}
POSITIONS = {
    "audience": {"x": 0, "y": 0},
    "ask": {"x": 320, "y": 0},
    "thanks": {"x": 640, "y": 0},
    "accepted": {"x": 960, "y": 0},
    "declined": {"x": 640, "y": 320},
}


def spread_out() -> dict:
    definition = two_step_definition()
    definition["ui"] = {"nodes": POSITIONS}
    return definition


def nodes(page: Page):
    return page.locator('[data-testid^="node-"][data-type]')


def node_ids(page: Page) -> set[str]:
    return set(nodes(page).evaluate_all("els => els.map(e => e.dataset.testid.slice(5))"))


def edge_count(page: Page) -> int:
    return page.locator(".react-flow__edge").count()


def save(page: Page) -> None:
    with page.expect_response(lambda r: r.request.method == "PUT" and r.url.endswith("/draft/")) as response:
        page.get_by_test_id("save").click()
    assert response.value.ok, response.value.text()
    expect(page.get_by_test_id("status")).to_have_text("Saved")


def box_select(page: Page, *node_ids_: str) -> None:
    """Shift-drag a box around the given nodes (React Flow's box selection)."""
    boxes = [page.get_by_test_id(f"node-{node_id}").bounding_box() for node_id in node_ids_]
    left = min(b["x"] for b in boxes) - 15
    top = min(b["y"] for b in boxes) - 15
    right = max(b["x"] + b["width"] for b in boxes) + 15
    bottom = max(b["y"] + b["height"] for b in boxes) + 15
    page.keyboard.down("Shift")
    page.mouse.move(left, top)
    page.mouse.down()
    page.mouse.move((left + right) / 2, (top + bottom) / 2, steps=5)
    page.mouse.move(right, bottom, steps=5)
    page.mouse.up()
    page.keyboard.up("Shift")


def test_undo_redo_across_a_delete_and_a_paste_and_copy_into_another_flow(live_stack, browser):
    UserFactory(username="mia", password=PASSWORD, roles=["marketer"])
    source = FlowFactory(name="Party", draft_definition=spread_out())
    target = FlowFactory(name="Picnic", draft_definition={"spec_version": 1, "nodes": []})
    page = login(browser, live_stack, "mia", PASSWORD, viewport=VIEWPORT)
    page.goto(f"{live_stack}/flows/{source.pk}/design/")
    expect(nodes(page)).to_have_count(5)
    expect(page.locator(".react-flow__edge")).to_have_count(4)
    expect(page.get_by_test_id("undo")).to_be_disabled()
    # A small flow shows its mini map; its button hides it (large flows start without it).
    expect(page.locator(".react-flow__minimap")).to_be_visible()
    page.get_by_test_id("toggle-minimap").click()
    expect(page.locator(".react-flow__minimap")).to_have_count(0)

    # --- Delete, Undo, Redo, Undo --------------------------------------------------------------
    page.get_by_test_id("node-thanks").click()
    page.keyboard.press("Delete")
    expect(page.get_by_test_id("node-thanks")).to_have_count(0)
    expect(page.locator(".react-flow__edge")).to_have_count(2)
    page.keyboard.press("Control+z")
    expect(page.get_by_test_id("node-thanks")).to_be_visible()
    expect(page.locator(".react-flow__edge")).to_have_count(4)  # its connections came back with it
    page.get_by_test_id("redo").click()
    expect(page.get_by_test_id("node-thanks")).to_have_count(0)
    page.get_by_test_id("undo").click()
    expect(page.get_by_test_id("node-thanks")).to_be_visible()

    # --- box-select two connected messages, copy, paste: fresh ids, the connection kept ---------
    page.get_by_test_id("node-accepted").click()  # focus the canvas, one other node selected
    box_select(page, "ask", "thanks")
    expect(page.locator(".react-flow__node.selected")).to_have_count(2)
    page.keyboard.press("Control+c")
    page.keyboard.press("Control+v")
    expect(nodes(page)).to_have_count(7)
    copies = node_ids(page) - set(POSITIONS)
    assert len(copies) == 2 and all(c.startswith("message_") for c in copies), copies
    expect(page.locator(".react-flow__edge")).to_have_count(5)  # the pair's inner connection
    expect(page.locator(".react-flow__node.selected")).to_have_count(2)  # the copies are the selection
    page.keyboard.press("Control+z")
    expect(nodes(page)).to_have_count(5)
    page.keyboard.press("Control+Shift+z")
    expect(nodes(page)).to_have_count(7)
    save(page)
    saved = {node["id"]: node for node in Flow.objects.get(pk=source.pk).draft_definition["nodes"]}
    assert copies <= set(saved)
    copy_of_ask = next(saved[c] for c in copies if saved[c]["config"]["text"] == "Coming on Friday?")
    assert copy_of_ask["exits"]["yes"] in copies  # points to the copy of "thanks", not the original
    assert copy_of_ask["exits"]["no"] is None  # "declined" was not copied

    # --- the right-click menu duplicates the selection --------------------------------------------
    page.get_by_test_id("node-declined").click(button="right")
    expect(page.get_by_test_id("context-menu")).to_be_visible()
    page.get_by_test_id("menu-duplicate").click()
    expect(page.get_by_test_id("context-menu")).to_have_count(0)
    expect(page.locator('[data-type="exit"][data-testid^="node-"]')).to_have_count(3)
    save(page)

    # --- the copied pair pasted into another flow -------------------------------------------------
    page.goto(f"{live_stack}/flows/{target.pk}/design/")
    expect(page.get_by_test_id("canvas")).to_be_visible()
    expect(nodes(page)).to_have_count(0)
    page.locator(".react-flow__pane").click()
    page.keyboard.press("Control+v")
    expect(nodes(page)).to_have_count(2)
    expect(page.locator(".react-flow__edge")).to_have_count(1)
    save(page)
    pasted = Flow.objects.get(pk=target.pk).draft_definition["nodes"]
    texts = sorted(node["config"]["text"] for node in pasted)
    assert texts == ["Coming on Friday?", "Great!"]

    # --- leaving right after an edit asks first ---------------------------------------------------
    page.get_by_test_id(f"node-{pasted[0]['id']}").click()
    page.keyboard.press("Delete")
    dialogs = []

    def answer(dialog):
        dialogs.append(dialog.type)
        dialog.dismiss()

    page.on("dialog", answer)
    page.close(run_before_unload=True)
    expect(page.get_by_test_id("canvas")).to_be_visible()  # still open: the user stayed
    assert dialogs == ["beforeunload"]
