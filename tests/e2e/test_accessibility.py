"""axe-core (WCAG 2.0/2.1 A and AA) in real Chromium against real daphne, worker and qcluster: no serious
or critical violation on the designer (a flow with a few elements, one selected so its side panel shows),
the staff pages (flows, a flow with its launch form, its performance page, people, a person) and the end
user's inbox with a message with buttons. Every page is checked before the assertion, so one failure
lists everything a person using a screen reader or with low vision would run into."""

import time

from playwright.sync_api import Page, expect

from engine.services import launch_create
from flowdesigner.services import flow_create, flow_publish
from messaging.models import Message
from tests.e2e.axe import axe_violations, format_violations
from tests.e2e.conftest import login
from tests.factories import PersonFactory, TagFactory, UserFactory, two_step_definition

PASSWORD = "pw-123456"
VIEWPORT = {"width": 1440, "height": 900}


def check(page: Page, where: str, found: list[str]) -> None:
    """Run axe on the page as it is and keep its report when it found something."""
    violations = axe_violations(page)
    if violations:
        found.append(format_violations(violations, where=where))


def wait_until_sent(person, node_id: str, timeout: float = 30) -> None:
    """The page is checked with the message already in the inbox, not one still on its way: the launch
    and the dispatch run in the outbox (here or, after a retry, in the live worker)."""
    deadline = time.monotonic() + timeout
    while not Message.objects.filter(person=person, node_id=node_id, status=Message.Status.SENT).exists():
        assert time.monotonic() < deadline, f"the message {node_id!r} was not sent within {timeout} s"
        time.sleep(0.2)


def test_designer_and_staff_pages_have_no_serious_axe_violations(live_stack, browser):
    base = live_stack
    UserFactory(username="sam", password=PASSWORD, roles=["marketer", "staff"])
    tag = TagFactory(name="members")
    person = PersonFactory(first_name="Ada", last_name="Lovelace", tags=[tag])
    flow = flow_create(name="Event invitation", definition=two_step_definition(tags=[tag.pk]))
    flow_publish(flow_id=flow.pk, revision=flow.draft_revision)
    page = login(browser, base, "sam", PASSWORD, viewport=VIEWPORT)
    found: list[str] = []

    # --- the designer, one element selected ------------------------------------------------------
    page.goto(f"{base}/flows/{flow.pk}/design/")
    ask = page.get_by_test_id("node-ask")
    expect(ask).to_be_visible()
    ask.click()
    expect(page.get_by_test_id("delete-node")).to_be_visible()
    check(page, "the designer (element 'ask' selected)", found)
    page.get_by_test_id("open-flow-settings").click()
    expect(page.get_by_test_id("flow-settings")).to_be_visible()
    check(page, "the designer (flow settings)", found)
    page.get_by_test_id("validate").click()
    expect(page.get_by_test_id("validation")).to_be_visible()
    check(page, "the designer (validation panel)", found)

    # --- staff pages --------------------------------------------------------------------------
    page.goto(f"{base}/flows/")
    expect(page.get_by_role("link", name="Event invitation")).to_be_visible()
    check(page, "the flow list", found)

    page.goto(f"{base}/flows/{flow.pk}/")
    expect(page.get_by_test_id("launch-form")).to_be_visible()
    check(page, "the flow page with its launch form", found)

    page.goto(f"{base}/flows/{flow.pk}/performance/")
    page.wait_for_load_state("networkidle")
    check(page, "the performance page", found)

    page.goto(f"{base}/flows/{flow.pk}/participants/")
    expect(page.get_by_test_id("participant-filters")).to_be_visible()
    check(page, "the flow's participants", found)

    page.goto(f"{base}/segments/new/")
    page.wait_for_load_state("networkidle")
    check(page, "the segment editor", found)

    page.goto(f"{base}/people/")
    expect(page.get_by_text("Lovelace")).to_be_visible()
    check(page, "the people list", found)

    page.goto(f"{base}/people/{person.pk}/")
    expect(page.get_by_test_id("person-name")).to_have_text("Ada Lovelace")
    check(page, "a person's page", found)

    assert not found, "\n\n".join(found)


def test_inbox_with_a_message_with_buttons_has_no_serious_axe_violations(live_stack, browser):
    base = live_stack
    erin = UserFactory(username="erin", password=PASSWORD, roles=["enduser"])
    person = PersonFactory(first_name="Erin", user=erin)
    flow = flow_create(name="Event invitation", definition=two_step_definition(persons=[person.pk]))
    version = flow_publish(flow_id=flow.pk, revision=flow.draft_revision)
    launch_create(version=version, audience=None, launch_tag="a11y")
    wait_until_sent(person, "ask")

    inbox = login(browser, base, "erin", PASSWORD, viewport={"width": 375, "height": 812})
    inbox.goto(f"{base}/inbox/")
    card = inbox.locator("[data-testid^=message-]", has_text="Coming on Friday?")
    expect(card).to_be_visible(timeout=30_000)
    expect(card.get_by_test_id("answer-yes")).to_be_visible()
    found: list[str] = []
    check(inbox, "the inbox (a message with Yes/No buttons)", found)
    assert not found, "\n\n".join(found)
