"""Connecting two elements without a mouse, in real Chromium against real daphne + qcluster: Tab reaches a
node on the canvas and shows a focus ring, Enter selects it, the side panel's "Connect “No” to" list
draws the edge on the canvas as a drag would, Disconnect removes it again, and after a save the draft's
exit leads to the chosen element."""

import re

from playwright.sync_api import Page, expect

from flowdesigner.models import Flow
from flowdesigner.services import flow_create
from tests.e2e.conftest import login
from tests.factories import UserFactory

PASSWORD = "pw-123456"
VIEWPORT = {"width": 1600, "height": 900}
# Tab stops before the canvas: the top bar, the toolbar and the palette; generous, the loop stops early.
MAX_TABS = 120


def definition() -> dict:
    """Audience → ask (Yes → thanks → Accepted; No → nowhere yet); the Exit "Declined" stands apart."""
    return {
        "spec_version": 1,
        "nodes": [
            {
                "id": "audience",
                "type": "predefined_audience",
                "config": {"tags": [], "persons": []},
                "exits": {"next": "ask"},
            },
            {
                "id": "ask",
                "type": "message",
                "config": {
                    "text": "Coming on Friday?",
                    "buttons": [{"id": "yes", "caption": "Yes"}, {"id": "no", "caption": "No"}],
                },
                "exits": {"yes": "thanks", "no": None},
            },
            {
                "id": "thanks",
                "type": "message",
                "config": {"text": "Great!", "buttons": [{"id": "ok", "caption": "OK"}]},
                "exits": {"ok": "accepted"},
            },
            {"id": "accepted", "type": "exit", "config": {"name": "Accepted"}, "exits": {}},
            {"id": "declined", "type": "exit", "config": {"name": "Declined"}, "exits": {}},
        ],
        "ui": {
            "nodes": {
                "audience": {"x": 0, "y": 0},
                "ask": {"x": 300, "y": 0},
                "thanks": {"x": 600, "y": 0},
                "accepted": {"x": 900, "y": 0},
                "declined": {"x": 600, "y": 250},
            }
        },
    }


def tab_to_node(page: Page, node_id: str) -> None:
    """Press Tab from the top of the page until the canvas node `node_id` has the keyboard focus."""
    page.locator("body").focus()
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement?.dataset?.id") == node_id:
            return
    raise AssertionError(f"{MAX_TABS} presses of Tab never reached the node {node_id!r}")


def edge(page: Page, source: str, exit_name: str):
    """The canvas edge leaving `source` by `exit_name` (React Flow's wrapper, whatever draws the line)."""
    return page.locator(f'.react-flow__edge[data-id=\'["{source}","{exit_name}"]\']')


def test_connect_two_elements_by_keyboard(live_stack, browser):
    base = live_stack
    UserFactory(username="kim", password=PASSWORD, roles=["marketer"])
    flow = flow_create(name="Keyboard only", definition=definition())
    page = login(browser, base, "kim", PASSWORD, viewport=VIEWPORT)
    page.goto(f"{base}/flows/{flow.pk}/design/")
    expect(page.get_by_test_id("node-ask")).to_be_visible()
    expect(edge(page, "ask", "yes")).to_have_count(1)
    expect(edge(page, "ask", "no")).to_have_count(0)

    # --- Tab reaches the node, and the focus shows -------------------------------------------------
    tab_to_node(page, "ask")
    focused = page.locator(".react-flow__node:focus-visible")
    expect(focused).to_have_attribute("data-id", "ask")
    expect(focused).to_have_css("outline-style", "solid")
    expect(focused).to_have_css("outline-width", "3px")
    expect(page.get_by_test_id("delete-node")).to_have_count(0)  # focused is not yet selected

    # --- Enter selects it: its side panel lists where each exit leads -----------------------------
    page.keyboard.press("Enter")
    panel = page.get_by_test_id("exit-targets")
    expect(panel).to_be_visible()
    connect_yes = panel.get_by_label("Connect “Yes” to")
    connect_no = panel.get_by_label("Connect “No” to")
    expect(connect_yes).to_have_value("thanks")
    expect(connect_no).to_have_value("")
    expect(panel.get_by_role("button", name="Disconnect “No”")).to_be_disabled()
    # Reached (by Tab or a click), every element with an entry side is offered, described by kind, text
    # and id; not the entry, not itself. (The full list is built only then: typing above stays cheap.)
    connect_no.focus()
    expect(connect_no.locator("option")).to_have_count(4)
    options = connect_no.locator("option").all_inner_texts()
    assert options == [
        "Not connected",
        "Message: Great! (thanks)",
        "Exit: Accepted (accepted)",
        "Exit: Declined (declined)",
    ], options

    # --- choosing a target draws the edge, as a drag from the exit would ----------------------------
    connect_no.select_option(label="Exit: Declined (declined)")
    expect(edge(page, "ask", "no")).to_have_count(1)
    expect(edge(page, "ask", "no")).to_have_attribute("aria-label", re.compile(r"\bask\b.*\bdeclined\b"))
    expect(connect_no).to_have_value("declined")

    # --- Disconnect removes it; the keyboard connects it again -------------------------------------
    disconnect_no = panel.get_by_role("button", name="Disconnect “No”")
    disconnect_no.focus()
    page.keyboard.press("Enter")
    expect(edge(page, "ask", "no")).to_have_count(0)
    expect(connect_no).to_have_value("")
    connect_no.select_option("declined")
    expect(edge(page, "ask", "no")).to_have_count(1)

    # --- saved: the draft's exit leads to the chosen element ----------------------------------------
    with page.expect_response(lambda r: r.request.method == "PUT" and r.url.endswith("/draft/")) as saved:
        page.get_by_test_id("save").click()
    assert saved.value.ok, saved.value.text()
    expect(page.get_by_test_id("status")).to_have_text("Saved")
    flow = Flow.objects.get(pk=flow.pk)
    nodes = {node["id"]: node for node in flow.draft_definition["nodes"]}
    assert nodes["ask"]["exits"] == {"yes": "thanks", "no": "declined"}
