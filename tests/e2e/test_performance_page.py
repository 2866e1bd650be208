"""The flow performance page and the flow page's live launches, in real Chromium against real daphne, worker
and qcluster. Participants are made through the real services (a launch, then answers with
engine.services.participant_answer), so the counters come from the real outbox handler: the page shows the
totals, the answers by button, a form's value distribution and its latest text answers, each chart's table,
the funnel, the server's message for a range the wrong way round, and a new answer without a reload. The
flow page follows a launch the worker runs in slow batches, in place, while the launch form keeps what
staff typed."""

import re
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.db import connections
from playwright.sync_api import expect

from engine import services as engine_services
from engine.models import Launch
from flowdesigner import services as flow_services
from messaging.models import Message
from tests.e2e.conftest import login
from tests.factories import FlowFactory, PersonFactory, TagFactory, UserFactory, two_step_definition

PASSWORD = "pw-123456"
VIEWPORT = {"width": 1280, "height": 900}
CHOICES = [{"value": "store", "label": "In the store"}, {"value": "web", "label": "On the website"}]


@pytest.fixture
def live_stack_env() -> dict[str, str]:
    # A launch of 40 in batches of 5 with a pause between them runs for about 2 s: long enough to see it
    # running on the flow page.
    return {"LAUNCH_BATCH_SIZE": "5", "LAUNCH_BATCH_PAUSE_SECONDS": "0.3"}


def survey_definition(tag_id: int) -> dict:
    """Audience → ask (Yes → where, No → Declined); where (a choice) → comment (a text line) → Done."""
    return {
        "spec_version": 1,
        "nodes": [
            {
                "id": "audience",
                "type": "predefined_audience",
                "config": {"tags": [tag_id]},
                "exits": {"next": "ask"},
            },
            {
                "id": "ask",
                "type": "message",
                "config": {
                    "text": "Did you buy a bike?",
                    "buttons": [{"id": "yes", "caption": "Yes"}, {"id": "no", "caption": "No"}],
                },
                "exits": {"yes": "where", "no": "declined"},
            },
            {
                "id": "where",
                "type": "form_message",
                "config": {
                    "text": "Where did you buy it?",
                    "widget": {"type": "single_select", "choices": CHOICES},
                    "positive_caption": "Send",
                    "negative_caption": "Skip",
                },
                "exits": {"positive": "comment", "negative": "comment"},
            },
            {
                "id": "comment",
                "type": "form_message",
                "config": {
                    "text": "Anything to tell us?",
                    "widget": {"type": "text_line"},
                    "positive_caption": "Send",
                    "negative_caption": "Skip",
                },
                "exits": {"positive": "done", "negative": "done"},
            },
            {"id": "done", "type": "exit", "config": {"name": "Done"}, "exits": {}},
            {"id": "declined", "type": "exit", "config": {"name": "Declined"}, "exits": {}},
        ],
    }


def off_loop(func, *args, **kwargs):
    """Run a service in a thread of its own: Playwright's sync API keeps an event loop running in this one,
    and the services' pushes after commit (async_to_sync to the channel layer) refuse to run beside it."""

    def call():
        try:
            return func(*args, **kwargs)
        finally:
            connections.close_all()  # this thread's own connection

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(call).result()


def publish(definition: dict, name: str):
    flow = FlowFactory(name=name, draft_definition=definition)
    return flow_services.flow_publish(flow_id=flow.pk, revision=flow.draft_revision)


def wait_until_done(launch: Launch, timeout: float = 30) -> None:
    """The worker runs launches (OUTBOX_RELAY_ALL is off, as in production)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        launch.refresh_from_db()
        if launch.status == Launch.Status.DONE:
            return
        time.sleep(0.1)
    raise AssertionError(f"launch {launch.pk} is {launch.status} after {timeout} s")


def answer(person, node_id: str, *, button: str | None = None, form: dict | None = None) -> None:
    """Answer the person's open message at `node_id` as the inbox does (the counts follow from the outbox);
    a form is submitted with its positive button unless `form` names the button."""
    message = Message.objects.get(person=person, node_id=node_id, direction="out", answered_at=None)
    off_loop(
        engine_services.participant_answer,
        message_id=message.pk,
        button_id=button,
        form=None if form is None else {"button": "positive", **form},
        person=person,
    )


def test_performance_page_and_live_launches(live_stack, browser, settings):
    base = live_stack
    settings.OUTBOX_RELAY_ALL = False  # launches are the worker's; the counts' own topic still relays inline
    UserFactory(username="mia", password=PASSWORD, roles=["marketer"])
    UserFactory(username="sam", password=PASSWORD, roles=["staff"])

    # --- five people take the survey -------------------------------------------------------------------
    tag = TagFactory()
    people = [
        PersonFactory(first_name=name, last_name="Doe", tags=[tag])
        for name in ("Ann", "Bo", "Cy", "Di", "Ed")
    ]
    ann, bo, cy, di, ed = people
    version = publish(survey_definition(tag.pk), "Bike survey")
    flow = version.flow
    wait_until_done(off_loop(engine_services.launch_create, version=version, audience=None))
    for person in (ann, bo, cy):
        answer(person, "ask", button="yes")
    answer(di, "ask", button="no")
    answer(ann, "where", form={"value": "web"})
    answer(bo, "where", form={"value": "store"})
    answer(cy, "where", form={"value": "web"})
    answer(ann, "comment", form={"value": "Great service"})
    answer(bo, "comment", form={"button": "negative"})
    # Now: Ann and Bo finished at Done, Di at Declined; Cy waits at "comment", Ed at "ask".

    page = login(browser, base, "mia", PASSWORD, viewport=VIEWPORT)
    page.goto(f"{base}/flows/{flow.pk}/performance/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Performance: Bike survey")
    expect(page.get_by_test_id("live")).to_have_attribute("data-state", "live")

    # Totals.
    for key, text in [
        ("entered", "5"),
        ("active", "2"),
        ("completed", "3"),
        ("failed", "0"),
        ("exited", "0"),
    ]:
        expect(page.get_by_test_id(f"total-{key}")).to_have_text(text)
    expect(page.get_by_test_id("total-completion")).to_have_text("60%")

    # Answers by button: the chart carries the numbers for screen readers, and its table shows them.
    buttons = page.get_by_test_id("buttons-ask")
    expect(buttons.get_by_role("heading")).to_have_text("Did you buy a bike?")
    expect(buttons.locator("canvas")).to_have_attribute("aria-label", "Did you buy a bike?: Yes 3, No 1")
    buttons.get_by_role("button", name="Show table").click()
    expect(buttons.locator("canvas")).to_have_count(0)
    rows = buttons.locator("tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_have_text(re.compile(r"^Yes\s*3$"))
    expect(rows.nth(1)).to_have_text(re.compile(r"^No\s*1$"))

    # The choice form's distribution, by the choices' labels, and its CSV made in the browser.
    where = page.get_by_test_id("form-where")
    expect(where.locator("canvas")).to_have_attribute(
        "aria-label", "Where did you buy it?: In the store 1, On the website 2"
    )
    with page.expect_download() as download:
        where.get_by_role("button", name="Download CSV").click()
    assert download.value.suggested_filename == "where-did-you-buy-it.csv"
    # UTF-8 with a BOM (so spreadsheets read the labels right), CRLF line ends.
    csv = Path(download.value.path()).read_bytes()
    assert csv == "\ufeffAnswer,Answers\r\nIn the store,1\r\nOn the website,2\r\n".encode()

    # The text form lists its latest answer, linked to the participant.
    comment = page.get_by_test_id("form-comment")
    expect(comment.locator(".answer-list li")).to_have_count(1)
    expect(comment.locator(".answer-list li")).to_contain_text("Ann Doe")
    expect(comment.locator(".answer-list li")).to_contain_text("Great service")

    # Exits: completions per Exit element.
    expect(page.get_by_test_id("exit-elements").locator("canvas")).to_have_attribute(
        "aria-label", "Completed at each Exit: Done 2, Declined 1"
    )

    # A custom range the wrong way round: the server's message, inline; the rest of the page stays.
    activity = page.get_by_test_id("activity")
    activity.get_by_label("Custom").check()
    activity.get_by_test_id("range-from").fill("2026-12-05")
    activity.get_by_test_id("range-to").fill("2026-12-01")
    error = activity.get_by_test_id("activity-error")
    expect(error).to_have_text("start is after end: choose a start before the end.")
    expect(page.get_by_test_id("total-entered")).to_have_text("5")
    activity.get_by_test_id("range-from").fill("2026-11-01")
    expect(error).to_have_count(0)
    activity.get_by_label("Last 7 days").check()
    expect(activity.locator("canvas")).to_have_attribute("aria-label", re.compile("per hour"))

    # Live: Ed answers now; the page shows it without a reload.
    page.evaluate("window.notReloaded = true")
    answer(ed, "ask", button="yes")
    buttons.get_by_role("button", name="Show chart").click()
    expect(buttons.locator("canvas")).to_have_attribute("aria-label", "Did you buy a bike?: Yes 4, No 1")
    assert page.evaluate("window.notReloaded") is True

    # The funnel along ask → where: 5 got the question, 4 said yes.
    funnel = page.get_by_test_id("funnel")
    funnel.get_by_test_id("funnel-start").select_option("ask")
    funnel.get_by_test_id("funnel-next").select_option("where")
    expect(funnel.get_by_test_id("funnel-steps").locator("li")).to_have_text(
        ["Did you buy a bike?: 5 (100%)", "Where did you buy it?: 4 (80%)"]
    )

    # One version picked: the same numbers (there is only v1), asked for that version.
    with page.expect_response(lambda r: "/report/?version=1" in r.url and r.status == 200):
        page.get_by_test_id("version").select_option("1")
    expect(page.get_by_test_id("total-entered")).to_have_text("5")

    # --- the flow page follows a launch live --------------------------------------------------------
    launch_tag = TagFactory()
    for i in range(40):
        PersonFactory(first_name=f"L{i}", tags=[launch_tag])
    second = publish(two_step_definition(tags=[launch_tag.pk]), "Friday dinner")
    console = login(browser, base, "sam", PASSWORD, viewport=VIEWPORT)
    console.goto(f"{base}/flows/{second.flow_id}/")
    expect(console.get_by_test_id("performance-link")).to_have_attribute(
        "href", f"/flows/{second.flow_id}/performance/"
    )
    expect(console.get_by_test_id("launches")).to_contain_text("No launches yet.")
    console.locator("input[name=launch_tag]").fill("typed, not sent")
    console.evaluate("window.notReloaded = true")
    # The page fetches the launches once its socket is open; a launch made after that must show up live.
    console.wait_for_load_state("networkidle")

    launch = off_loop(engine_services.launch_create, version=second, audience=None, launch_tag="dinner")
    row = console.locator(f'[data-testid="launches"] tr[data-launch="{launch.pk}"]')
    expect(row).to_have_attribute("data-status", "running", timeout=20_000)
    expect(row).to_have_attribute("data-status", "done", timeout=30_000)
    expect(row.locator(".launch-status")).to_have_text("Done")
    expect(row.locator(".launch-count")).to_have_text("40 / 40")
    expect(row.locator("progress")).to_have_attribute("value", "40")
    expect(console.get_by_test_id(f"launch-refused-{launch.pk}")).to_have_text("0")
    expect(row).to_contain_text("dinner")
    expect(console.get_by_test_id("launches")).not_to_contain_text("No launches yet.")
    expect(console.locator("input[name=launch_tag]")).to_have_value("typed, not sent")
    assert console.evaluate("window.notReloaded") is True
