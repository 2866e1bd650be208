"""The channel elements in the designer, in real Chromium against real daphne + qcluster: a marketer starts a
flow on an Inbound Message (SMS, Matches text "yes" or "y"), follows it with an Evaluate inbound reply of two
branches (each with its own exit, and "other"), sends a Message by SMS whose unrecognised replies take the
"other" exit, and finds it all as saved after a reload and in the stored draft."""

from playwright.sync_api import Page, expect

from flowdesigner.models import Flow
from tests.e2e.conftest import login
from tests.e2e.test_designer_steps import autosaved, drop, new_flow
from tests.e2e.test_user_story import connect
from tests.factories import UserFactory

PASSWORD = "pw-123456"
VIEWPORT = {"width": 1600, "height": 900}


def draft_nodes(page: Page, base: str, flow: Flow) -> dict[str, dict]:
    """The saved draft's nodes by id, as the API gives them."""
    response = page.request.get(f"{base}/api/flows/{flow.pk}/")
    assert response.ok, response.text()
    return {node["id"]: node for node in response.json()["draft"]["definition"]["nodes"]}


def test_inbound_message_and_evaluate_reply_survive_a_reload(live_stack, browser):
    UserFactory(username="mia", password=PASSWORD, roles=["marketer"])
    page = login(browser, live_stack, "mia", PASSWORD, viewport=VIEWPORT)
    new_flow(page, live_stack, "Opt in by SMS")
    flow = Flow.objects.get(name="Opt in by SMS")

    # --- an Inbound Message entry: SMS, any of our numbers, Matches text "yes" or "y" ---------------
    entry = drop(page, "inbound_message", 160, 160)
    entry_node = page.get_by_test_id(f"node-{entry}")
    expect(entry_node).to_contain_text("SMS to any of our numbers")
    expect(page.get_by_test_id("field-inbound-channel")).to_have_value("sms")
    expect(page.get_by_test_id("field-recipient")).to_be_visible()
    with autosaved(page):
        # The server's defaults are laid over the designer's, and may start without a condition.
        if page.get_by_test_id("inbound-condition-0").count() == 0:
            page.get_by_test_id("inbound-condition-add").click()
        expect(page.get_by_test_id("inbound-condition-0-operator")).to_have_value("matches_text")
        page.get_by_test_id("inbound-condition-0-value-0").fill("yes")
        page.get_by_test_id("inbound-condition-0-add-value").click()
        page.get_by_test_id("inbound-condition-0-value-1").fill("y")
    expect(entry_node).to_contain_text('Matches text: "yes", "y"')

    # --- then an Evaluate inbound reply with two branches ---------------------------------------------
    reply = drop(page, "evaluate_reply", 560, 160)
    reply_node = page.get_by_test_id(f"node-{reply}")
    with autosaved(page):
        page.get_by_test_id("reply-branch-name-0").fill("Yes")
        if page.get_by_test_id("reply-branch-0-condition-0").count() == 0:
            page.get_by_test_id("reply-branch-0-condition-add").click()
        page.get_by_test_id("reply-branch-0-condition-0-value-0").fill("yes")
        page.get_by_test_id("add-reply-branch").click()
        page.get_by_test_id("reply-branch-name-1").fill("Stop")
        page.get_by_test_id("reply-branch-1-condition-0-operator").select_option("contains_word")
        page.get_by_test_id("reply-branch-1-condition-0-value-0").fill("stop")
        page.get_by_test_id("field-reply-channel").select_option("sms")
        connect(page, entry, "next", reply)
    expect(reply_node).to_contain_text('Yes: Matches text: "yes"')
    expect(reply_node).to_contain_text('Stop: Contains word: "stop"')
    for exit_name in ("b1", "b2", "other"):
        expect(page.get_by_test_id(f"exit-{reply}-{exit_name}")).to_be_attached()
    expect(reply_node.locator(".exit-list li")).to_have_text(["Yes", "Stop", "other"])

    # --- a Message by SMS whose unrecognised replies take the "other" exit --------------------------
    ask = drop(page, "message", 160, 520)
    ask_node = page.get_by_test_id(f"node-{ask}")
    other = page.get_by_test_id(f"exit-{ask}-other")
    with autosaved(page):
        page.get_by_test_id("field-text").fill("Still interested?")
        page.get_by_test_id("field-channel").select_option("sms")
        reprompt = page.get_by_test_id("field-reprompt")
        expect(reprompt).to_have_attribute("placeholder", "Sorry, I did not understand.")
        expect(other).to_have_count(0)
        page.get_by_test_id("field-unrecognised").select_option("other")
    expect(other).to_be_attached()
    expect(ask_node.get_by_test_id("channel-badge")).to_have_text("SMS")

    # --- everything is back after a reload ---------------------------------------------------------------
    page.reload()
    expect(page.get_by_test_id("status")).to_have_text("Saved")
    expect(entry_node).to_contain_text("SMS to any of our numbers")
    expect(entry_node).to_contain_text('Matches text: "yes", "y"')
    expect(reply_node).to_contain_text('Stop: Contains word: "stop"')
    expect(reply_node.locator(".exit-list li")).to_have_text(["Yes", "Stop", "other"])
    expect(page.locator(".react-flow__edge")).to_have_count(1)
    expect(other).to_be_attached()
    expect(ask_node.get_by_test_id("channel-badge")).to_have_text("SMS")

    entry_node.click()
    expect(page.get_by_test_id("inbound-condition-0-value-0")).to_have_value("yes")
    expect(page.get_by_test_id("inbound-condition-0-value-1")).to_have_value("y")
    reply_node.click()
    expect(page.get_by_test_id("field-reply-channel")).to_have_value("sms")
    expect(page.get_by_test_id("reply-branch-name-0")).to_have_value("Yes")
    expect(page.get_by_test_id("reply-branch-name-1")).to_have_value("Stop")
    expect(page.get_by_test_id("reply-branch-1-condition-0-operator")).to_have_value("contains_word")
    expect(page.get_by_test_id("reply-branch-1-condition-0-value-0")).to_have_value("stop")
    ask_node.click()
    expect(page.get_by_test_id("field-channel")).to_have_value("sms")
    expect(page.get_by_test_id("field-unrecognised")).to_have_value("other")

    # --- the stored draft --------------------------------------------------------------------------------
    nodes = draft_nodes(page, live_stack, flow)
    assert nodes[entry]["type"] == "inbound_message"
    assert nodes[entry]["config"] == {
        "channel": "sms",
        "recipient": "",
        "conditions": [{"operator": "matches_text", "values": ["yes", "y"]}],
        "capture": [],
    }
    assert nodes[entry]["exits"] == {"next": reply}
    assert nodes[reply]["config"]["channel"] == "sms"
    assert nodes[reply]["config"]["branches"] == [
        {"id": "b1", "name": "Yes", "conditions": [{"operator": "matches_text", "values": ["yes"]}]},
        {"id": "b2", "name": "Stop", "conditions": [{"operator": "contains_word", "values": ["stop"]}]},
    ]
    assert nodes[reply]["exits"] == {"b1": None, "b2": None, "other": None}
    assert nodes[ask]["config"]["channel"] == "sms"
    assert nodes[ask]["config"]["unrecognised"] == "other"
    assert "other" in nodes[ask]["exits"]
