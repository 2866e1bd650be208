"""The new steps in the designer, in real Chromium against real daphne + qcluster: a marketer adds a Wait
(2 days), a Random split whose shares must add up to 100 (publish is refused until they do), a Message
with a reply timeout and its "no answer" exit, declares a variable and a send window in the flow settings,
and finds it all as saved after a reload; a Call URL into the internal network is refused at publish."""

import re
from collections.abc import Iterator
from contextlib import contextmanager

from playwright.sync_api import Page, expect

from flowdesigner.models import Flow
from tests.e2e.conftest import login
from tests.factories import UserFactory

PASSWORD = "pw-123456"
VIEWPORT = {"width": 1600, "height": 900}


def new_flow(page: Page, base: str, name: str) -> None:
    """Create a flow on the flows page, as a marketer does; it opens in the designer."""
    page.goto(f"{base}/flows/")
    page.fill("input[name=name]", name)
    page.get_by_test_id("create-flow").click()
    expect(page.get_by_test_id("canvas")).to_be_visible()


def drop(page: Page, element_type: str, x: int, y: int) -> str:
    """Drag a palette item onto the canvas at (x, y), select the new node and return its id."""
    nodes = page.locator(f'[data-type="{element_type}"][data-testid^="node-"]')
    before = set(nodes.evaluate_all("els => els.map(e => e.dataset.testid)"))
    page.get_by_test_id(f"palette-{element_type}").drag_to(
        page.get_by_test_id("canvas"), target_position={"x": x, "y": y}
    )
    expect(nodes).to_have_count(len(before) + 1)
    (testid,) = set(nodes.evaluate_all("els => els.map(e => e.dataset.testid)")) - before
    page.get_by_test_id(testid).click()
    return testid.removeprefix("node-")


@contextmanager
def autosaved(page: Page) -> Iterator[None]:
    """The edits made inside are saved by the autosave (no Save click), and the toolbar says so."""
    with page.expect_response(
        lambda r: r.request.method == "PUT" and r.url.endswith("/draft/"), timeout=10_000
    ) as response:
        yield
    assert response.value.ok, response.value.text()
    expect(page.get_by_test_id("status")).to_have_text("Saved")


def test_wait_random_split_reply_timeout_and_flow_settings_survive_a_reload(live_stack, browser):
    UserFactory(username="mia", password=PASSWORD, roles=["marketer"])
    page = login(browser, live_stack, "mia", PASSWORD, viewport=VIEWPORT)
    new_flow(page, live_stack, "Win-back")

    # --- a Wait of 2 days ---------------------------------------------------------------------
    wait = drop(page, "wait", 160, 120)
    wait_node = page.get_by_test_id(f"node-{wait}")
    expect(wait_node).to_contain_text("Wait 1 day")  # the default
    with autosaved(page):
        page.get_by_test_id("wait-duration-amount").fill("2")
        page.get_by_test_id("wait-duration-unit").select_option("days")
        expect(wait_node).to_contain_text("Wait 2 days")

    # --- a Random split 60/30: the node and the publish say the shares are wrong --------------
    split = drop(page, "random_split", 160, 420)
    split_node = page.get_by_test_id(f"node-{split}")
    shares_issue = page.get_by_test_id("node-issues").locator("li[data-code=invalid_total]")
    with autosaved(page):
        page.get_by_test_id("branch-percent-0").fill("60")
        page.get_by_test_id("branch-percent-1").fill("30")
        expect(page.get_by_test_id("percent-total")).to_contain_text("Total: 90 %")
    expect(split_node).to_contain_text("A 60 % · B 30 %")
    expect(split_node).to_contain_text("Shares add up to 90 %")
    # The server's validation, on the node's badge and in its panel.
    expect(page.get_by_test_id(f"issues-{split}")).to_have_attribute(
        "title", re.compile(r"The shares add up to 90 %, not 100 %")
    )
    expect(shares_issue).to_have_text("The shares add up to 90 %, not 100 % (config.branches)")

    page.get_by_test_id("publish").click()
    expect(page.get_by_test_id("status")).to_contain_text("before publishing")
    expect(shares_issue).to_have_count(1)
    flow = Flow.objects.get(name="Win-back")
    assert not flow.versions.exists()

    with autosaved(page):
        page.get_by_test_id("branch-percent-1").fill("40")
    expect(split_node).to_contain_text("A 60 % · B 40 %")
    expect(split_node).not_to_contain_text("Shares add up to")
    expect(shares_issue).to_have_count(0)
    # The badge may stay (the branches are not wired yet), but no longer for the shares.
    expect(page.get_by_test_id(f"issues-{split}")).not_to_have_attribute("title", re.compile("shares"))

    # --- a Message with a reply timeout gets a "no answer" exit --------------------------------
    ask = drop(page, "message", 520, 120)
    ask_node = page.get_by_test_id(f"node-{ask}")
    no_answer = page.get_by_test_id(f"exit-{ask}-no_answer")
    with autosaved(page):
        page.get_by_test_id("field-text").fill("We miss you! Coming back?")
        expect(no_answer).to_have_count(0)
        page.get_by_test_id("field-reply-timeout").check()
        page.get_by_test_id("field-reply-timeout-amount").fill("3")
        page.get_by_test_id("field-reply-timeout-unit").select_option("hours")
    expect(ask_node).to_contain_text("No answer after 3 hours")
    expect(ask_node.locator(".exit-list li", has=no_answer)).to_have_text("no answer")

    # --- Flow settings: a variable and a send window -----------------------------------------
    page.get_by_test_id("open-flow-settings").click()
    settings = page.get_by_test_id("flow-settings")
    expect(settings).to_be_visible()
    with autosaved(page):
        settings.get_by_test_id("add-variable").click()
        settings.get_by_test_id("variable-name-0").fill("score")
        settings.get_by_test_id("variable-type-0").select_option("number")
        settings.get_by_test_id("send-window-on").check()
        settings.get_by_test_id("send-window-start").fill("08:30")
        settings.get_by_test_id("send-window-end").fill("18:00")
    expect(settings.get_by_test_id("send-window-summary")).to_contain_text("between 08:30 and 18:00")

    # --- everything is back after a reload ------------------------------------------------------
    page.reload()
    expect(page.get_by_test_id("status")).to_have_text("Saved")
    expect(wait_node).to_contain_text("Wait 2 days")
    expect(split_node).to_contain_text("A 60 % · B 40 %")
    expect(split_node).not_to_contain_text("Shares add up to")
    expect(ask_node).to_contain_text("We miss you! Coming back?")
    expect(ask_node).to_contain_text("No answer after 3 hours")
    expect(no_answer).to_be_attached()

    settings = page.get_by_test_id("flow-settings")  # nothing is selected after a reload
    expect(settings.get_by_test_id("variable-name-0")).to_have_value("score")
    expect(settings.get_by_test_id("variable-type-0")).to_have_value("number")
    expect(settings.get_by_test_id("send-window-on")).to_be_checked()
    expect(settings.get_by_test_id("send-window-start")).to_have_value("08:30")
    expect(settings.get_by_test_id("send-window-end")).to_have_value("18:00")
    expect(settings.get_by_test_id("send-window-summary")).to_contain_text("between 08:30 and 18:00")

    wait_node.click()
    expect(page.get_by_test_id("wait-duration-amount")).to_have_value("2")
    expect(page.get_by_test_id("wait-duration-unit")).to_have_value("days")
    ask_node.click()
    expect(page.get_by_test_id("field-reply-timeout")).to_be_checked()
    expect(page.get_by_test_id("field-reply-timeout-amount")).to_have_value("3")
    expect(page.get_by_test_id("field-reply-timeout-unit")).to_have_value("hours")


def test_a_call_url_into_the_internal_network_is_refused_at_publish(live_stack, browser):
    # Only validated: nothing is launched, so no request ever goes to 10.0.0.1.
    UserFactory(username="mia", password=PASSWORD, roles=["marketer"])
    page = login(browser, live_stack, "mia", PASSWORD, viewport=VIEWPORT)
    new_flow(page, live_stack, "Notify CRM")

    call = drop(page, "call_url", 300, 200)
    private_issue = page.get_by_test_id("node-issues").locator("li[data-code=private_url]")
    with autosaved(page):
        page.get_by_test_id("field-url").fill("http://10.0.0.1/")
    expect(page.get_by_test_id(f"node-{call}")).to_contain_text("10.0.0.1")
    expect(page.get_by_test_id(f"issues-{call}")).to_have_attribute("title", re.compile("internal network"))
    expect(private_issue).to_contain_text("The URL points into the internal network")

    page.get_by_test_id("publish").click()
    expect(page.get_by_test_id("status")).to_contain_text("before publishing")
    expect(private_issue).to_have_count(1)
    assert not Flow.objects.get(name="Notify CRM").versions.exists()

    with autosaved(page):
        page.get_by_test_id("field-url").fill("https://crm.example.com/hooks/flow")
    expect(private_issue).to_have_count(0)
