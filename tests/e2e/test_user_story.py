"""The foundation's user story, in real Chromium against real daphne + qcluster:
a marketer draws and publishes a flow, staff launch it to a tag, the end user answers live in
the inbox, and the service receives signed results."""

import hashlib
import hmac
import json
import time

from playwright.sync_api import Page, expect

from flowdesigner.models import Flow
from people.models import Person
from tests.e2e.conftest import login
from tests.factories import PersonFactory, TagFactory, UserFactory
from tests.helpers import CallbackReceiver

PASSWORD = "pw-123456"


def drag(page: Page, source, target, x: float | None = None, y: float | None = None) -> None:
    """Press on `source`, move in small steps like a hand would, release on `target` (at x, y)."""
    start = source.bounding_box()
    end = target.bounding_box()
    page.mouse.move(start["x"] + start["width"] / 2, start["y"] + start["height"] / 2)
    page.mouse.down()
    to_x = end["x"] + (x if x is not None else end["width"] / 2)
    to_y = end["y"] + (y if y is not None else end["height"] / 2)
    page.mouse.move(to_x, to_y, steps=15)
    page.mouse.up()


def drop(page: Page, element_type: str, x: int, y: int) -> str:
    """Drag a palette item onto the canvas at (x, y) and return the new node's id."""
    before = set(
        page.locator(f'[data-type="{element_type}"][data-testid^="node-"]').evaluate_all(
            "els => els.map(e => e.dataset.testid)"
        )
    )
    page.get_by_test_id(f"palette-{element_type}").drag_to(
        page.get_by_test_id("canvas"), target_position={"x": x, "y": y}
    )
    new = page.locator(f'[data-type="{element_type}"][data-testid^="node-"]')
    expect(new).to_have_count(len(before) + 1)
    (node_testid,) = set(new.evaluate_all("els => els.map(e => e.dataset.testid)")) - before
    return node_testid.removeprefix("node-")


def connect(page: Page, source: str, exit_name: str, target: str) -> None:
    """Drag from a node's exit handle to another node's target handle."""
    drag(page, page.get_by_test_id(f"exit-{source}-{exit_name}"), page.get_by_test_id(f"target-{target}"))


def select(page: Page, node_id: str) -> None:
    page.get_by_test_id(f"node-{node_id}").click()


def test_marketer_designs_staff_launches_enduser_answers_service_gets_results(live_stack, browser):
    base = live_stack
    UserFactory(username="mia", password=PASSWORD, roles=["marketer"])
    UserFactory(username="sam", password=PASSWORD, roles=["staff"])
    erin = UserFactory(username="erin", password=PASSWORD, roles=["enduser"])
    tag = TagFactory(name="beta-testers")
    person = PersonFactory(first_name="Erin", user=erin, tags=[tag])
    PersonFactory.create_batch(3, tags=[tag])

    with CallbackReceiver() as receiver:
        # --- the end user opens the inbox first: messages must arrive without a reload -------
        inbox = login(browser, base, "erin", PASSWORD, viewport={"width": 390, "height": 844})
        inbox.goto(f"{base}/inbox/")
        expect(inbox.get_by_test_id("connection")).to_have_text("live")

        # --- the marketer draws the flow --------------------------------------------------------
        designer = login(browser, base, "mia", PASSWORD, viewport={"width": 1600, "height": 900})
        designer.goto(f"{base}/flows/")
        designer.fill("input[name=name]", "Beta invitation")
        designer.fill("input[name=callback_url]", receiver.url)
        designer.get_by_test_id("create-flow").click()
        expect(designer.get_by_test_id("canvas")).to_be_visible()

        audience = drop(designer, "predefined_audience", 60, 320)
        ask = drop(designer, "message", 300, 80)
        thanks = drop(designer, "message", 540, 320)
        done = drop(designer, "exit", 780, 80)

        select(designer, audience)
        designer.get_by_test_id(f"tag-{tag.pk}").check()

        select(designer, ask)
        designer.get_by_test_id("field-text").fill("Hi! Want to join the beta?")
        designer.get_by_test_id("button-caption-0").fill("Yes please")

        select(designer, thanks)
        designer.get_by_test_id("field-text").fill("Welcome aboard!")
        designer.get_by_test_id("button-caption-0").fill("Thanks")

        select(designer, done)
        designer.get_by_test_id("field-name").fill("Joined")

        connect(designer, audience, "next", ask)
        connect(designer, ask, "ok", thanks)
        connect(designer, thanks, "ok", done)

        designer.get_by_test_id("save").click()
        expect(designer.get_by_test_id("status")).to_contain_text("Saved")
        designer.get_by_test_id("publish").click()
        expect(designer.get_by_test_id("status")).to_contain_text("Published version 1")

        flow = Flow.objects.get(name="Beta invitation")
        nodes = {n["id"]: n for n in flow.versions.get().definition["nodes"]}
        assert nodes[ask]["exits"] == {"ok": thanks}
        assert nodes[audience]["config"]["tags"] == [tag.pk]

        # --- staff launch it to the tag ---------------------------------------------------------
        console = login(browser, base, "sam", PASSWORD)
        console.goto(f"{base}/flows/{flow.pk}/")
        console.check("input[name=audience][value=tag]")
        console.select_option("select[name=tag]", str(tag.pk))
        console.fill("input[name=launch_tag]", "beta-wave-1")
        console.get_by_test_id("launch").click()
        console.get_by_test_id("launch-confirm").click()  # the "Launch version N to X people?" dialog
        expect(console.locator(".flash")).to_contain_text("to 4 people")
        expect(console.locator("[data-testid=launches] .launch-count").first).to_have_text(
            "4 / 4", timeout=30_000
        )

        # --- the end user answers live ----------------------------------------------------------
        first = inbox.locator("[data-testid^=message-]", has_text="Want to join the beta?")
        expect(first).to_be_visible(timeout=30_000)
        first.get_by_test_id("answer-ok").click()
        expect(first.get_by_test_id("answered")).to_contain_text("Yes please")
        expect(first.get_by_test_id("answer-ok")).to_have_count(0)

        second = inbox.locator("[data-testid^=message-]", has_text="Welcome aboard!")
        expect(second).to_be_visible(timeout=30_000)
        second.get_by_test_id("answer-ok").click()
        expect(second.get_by_test_id("answered")).to_contain_text("Thanks")

        # --- the service receives the signed results --------------------------------------------
        deadline = time.monotonic() + 30
        while not receiver.requests and time.monotonic() < deadline:
            time.sleep(0.2)
        assert len(receiver.requests) == 1, "the callback did not arrive"

    request = receiver.requests[0]
    flow.refresh_from_db()
    assert (
        request["headers"]["X-Signature"]
        == hmac.new(flow.secret.encode(), request["body"], hashlib.sha256).hexdigest()
    )
    results = json.loads(request["body"])
    assert results["person"]["id"] == person.pk
    assert results["launch_tag"] == "beta-wave-1"
    assert (results["end_id"], results["exit_name"]) == (done, "Joined")
    assert [(s["step_id"], s["answer_id"], s["button"]) for s in results["steps"]] == [
        (ask, "ok", "Yes please"),
        (thanks, "ok", "Thanks"),
    ]
    assert Person.objects.get(pk=person.pk).participations.get().status == "completed"
