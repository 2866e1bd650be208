"""The issue's walkthrough, in real Chromium against real daphne + qcluster: a marketer imports a Rogerthat
XML flow on the flow list page, picks its audience on the canvas, sets the callback URL and publishes;
staff launch it to a tag; the end user answers a confirm:// button (after "Yes"), dismisses a message and
fills in a form; the service receives the signed results flush and end, checked field by field."""

import hashlib
import hmac
import json
import re
import time
from datetime import datetime
from pathlib import Path

from playwright.sync_api import expect

from flowdesigner.models import Flow
from people.models import Person
from tests.e2e.conftest import login
from tests.factories import PersonFactory, TagFactory, UserFactory
from tests.helpers import CallbackReceiver

PASSWORD = "pw-123456"
FIXTURE = Path(__file__).parent / "fixtures" / "walkthrough.xml"
ENTRY = "rogerthat_start"


def wait_for_requests(receiver: CallbackReceiver, count: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while len(receiver.requests) < count and time.monotonic() < deadline:
        time.sleep(0.2)
    assert len(receiver.requests) >= count, f"{len(receiver.requests)} of {count} callbacks arrived"


def moment(text: str) -> datetime:
    return datetime.fromisoformat(text)


def test_import_launch_walk_through_and_results(live_stack, browser):
    base = live_stack
    UserFactory(username="mia", password=PASSWORD, roles=["marketer"])
    UserFactory(username="sam", password=PASSWORD, roles=["staff"])
    erin = UserFactory(username="erin", password=PASSWORD, roles=["enduser"])
    tag = TagFactory(name="repair-done")
    person = PersonFactory(first_name="Erin", user=erin, tags=[tag])

    with CallbackReceiver() as receiver:
        inbox = login(browser, base, "erin", PASSWORD, viewport={"width": 390, "height": 844})
        inbox.goto(f"{base}/inbox/")
        expect(inbox.get_by_test_id("connection")).to_have_text("live")

        # --- the marketer imports the XML on the flow list page --------------------------------------
        designer = login(browser, base, "mia", PASSWORD, viewport={"width": 1600, "height": 900})
        designer.goto(f"{base}/flows/")
        expect(designer.get_by_test_id("import-errors")).to_be_hidden()

        # A file that is not a flow imports nothing and says why, on the page.
        designer.get_by_test_id("import-file").set_input_files(
            {"name": "notes.xml", "mimeType": "application/xml", "buffer": b"<notes><note/></notes>"}
        )
        designer.get_by_test_id("import-xml").click()
        errors = designer.get_by_test_id("import-errors")
        expect(errors).to_be_visible()
        expect(errors).to_contain_text("Nothing was imported")
        expect(errors.locator("li")).not_to_have_count(0)
        assert not Flow.objects.exists()

        designer.get_by_test_id("import-file").set_input_files(FIXTURE)
        designer.get_by_test_id("import-xml").click()
        designer.wait_for_url(re.compile(r"/flows/\d+/design/$"))
        expect(designer.get_by_test_id("canvas")).to_be_visible()

        flow = Flow.objects.get(name="Bike pick-up")
        assert designer.url == f"{base}/flows/{flow.pk}/design/"
        for node_id in (ENTRY, "book", "receipt", "saddle", "flush", "done"):
            expect(designer.get_by_test_id(f"node-{node_id}")).to_be_visible()
        expect(designer.get_by_test_id("node-saddle")).to_have_attribute("data-type", "form_message")
        expect(designer.get_by_test_id("exit-saddle-positive")).to_be_attached()
        expect(designer.get_by_test_id("exit-saddle-negative")).to_be_attached()

        # The imported form opens in its editor as imported.
        designer.get_by_test_id("node-saddle").click()
        expect(designer.get_by_test_id("field-widget-type")).to_have_value("single_select")
        expect(designer.get_by_test_id("choice-value-0")).to_have_value("sport")
        expect(designer.get_by_test_id("choice-label-1")).to_have_value("Comfort saddle")
        expect(designer.get_by_test_id("field-positive-caption")).to_have_value("Fit this one")
        expect(designer.get_by_test_id("field-negative-caption")).to_have_value("Keep mine")

        # --- the audience, the callback URL, publish ------------------------------------------------
        designer.get_by_test_id(f"node-{ENTRY}").click()
        designer.get_by_test_id(f"tag-{tag.pk}").check()

        # The designer has no flow settings panel: the callback URL goes through the flow API, as this
        # marketer, from the page (session cookie and CSRF token of the designer).
        patched = designer.evaluate(
            """async ([url, callback]) => {
                const { csrfToken } = JSON.parse(document.getElementById("designer-config").textContent);
                const response = await fetch(url, {
                    method: "PATCH",
                    credentials: "same-origin",
                    headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken },
                    body: JSON.stringify({ callback_url: callback }),
                });
                return [response.status, (await response.json()).callback_url];
            }""",
            [f"{base}/api/flows/{flow.pk}/", receiver.url],
        )
        assert patched == [200, receiver.url]

        designer.get_by_test_id("save").click()
        expect(designer.get_by_test_id("status")).to_contain_text("Saved")
        designer.get_by_test_id("publish").click()
        expect(designer.get_by_test_id("status")).to_contain_text("Published version 1")

        # Export gives the flow back as Rogerthat XML, the form included.
        with designer.expect_download() as download:
            designer.get_by_test_id("export-xml").click()
        assert download.value.suggested_filename == "bike-pick-up.xml"
        exported = Path(download.value.path()).read_text()
        assert "<formMessage" in exported and 'id="saddle"' in exported
        expect(designer.get_by_test_id("export-errors")).to_have_count(0)

        nodes = {n["id"]: n for n in flow.versions.get().definition["nodes"]}
        assert nodes[ENTRY]["config"]["tags"] == [tag.pk]
        assert nodes[ENTRY]["exits"] == {"next": "book"}
        assert nodes["saddle"]["exits"] == {"positive": "flush", "negative": "flush"}

        # --- staff launch it to the tag ---------------------------------------------------------------
        console = login(browser, base, "sam", PASSWORD)
        console.goto(f"{base}/flows/{flow.pk}/")
        console.check("input[name=audience][value=tag]")
        console.select_option("select[name=tag]", str(tag.pk))
        console.fill("input[name=launch_tag]", "walkthrough")
        console.get_by_test_id("launch").click()
        console.get_by_test_id("launch-confirm").click()  # the "Launch version N to X people?" dialog
        expect(console.locator(".flash")).to_contain_text("Launching version 1")

        # --- the end user walks through ---------------------------------------------------------------
        book = inbox.locator("[data-testid^=message-]", has_text="your bike is repaired")
        expect(book).to_be_visible(timeout=30_000)
        expect(book).to_contain_text("Hi Erin,")
        book.get_by_test_id("answer-book_yes").click()
        dialog = inbox.get_by_test_id("confirm-dialog")
        expect(dialog).to_contain_text("We will hold the slot for 24 hours. Book it?")
        inbox.get_by_test_id("confirm-yes").click()
        expect(book.get_by_test_id("answered")).to_have_text("You answered: Book it")

        receipt = inbox.locator("[data-testid^=message-]", has_text="bring your repair receipt")
        expect(receipt).to_be_visible(timeout=30_000)
        receipt.get_by_test_id("dismiss").click()
        expect(receipt.get_by_test_id("answered")).to_have_text("Dismissed")

        saddle = inbox.locator("[data-testid^=message-]", has_text="Which saddle should we fit?")
        expect(saddle).to_be_visible(timeout=30_000)
        # The preselected choice is checked; the person picks the other one.
        expect(saddle.get_by_test_id("choice-comfort")).to_be_checked()
        expect(saddle.get_by_test_id("form-negative")).to_have_text("Keep mine")
        saddle.get_by_label("Sport saddle").check()
        expect(saddle.get_by_test_id("choice-sport")).to_be_checked()
        saddle.get_by_test_id("form-positive").click()
        expect(saddle.get_by_test_id("answered")).to_have_text("You answered: Sport saddle")
        expect(saddle.get_by_test_id("form-positive")).to_have_count(0)

        # --- the service receives the flush, then the end ---------------------------------------------
        wait_for_requests(receiver, 2)

    flow.refresh_from_db()
    payloads = []
    for request in receiver.requests:
        assert request["path"] == "/results"
        assert (
            request["headers"]["X-Signature"]
            == hmac.new(flow.secret.encode(), request["body"], hashlib.sha256).hexdigest()
        )
        payloads.append(json.loads(request["body"]))
    by_type = {payload["type"]: payload for payload in payloads}
    assert sorted(by_type) == ["flow.completed", "flow.results_flush"]
    flush, end = by_type["flow.results_flush"], by_type["flow.completed"]

    assert (flush["flush_id"], flush["end_id"]) == ("flush", None)
    assert (end["flush_id"], end["end_id"], end["exit_name"]) == (None, "done", "done")
    for payload in (flush, end):
        assert payload["run_id"] == flush["run_id"]
        assert payload["flow"] == {"id": flow.pk, "name": "Bike pick-up", "version": 1}
        assert payload["person"]["id"] == person.pk
        assert payload["person"]["first_name"] == "Erin"
        assert payload["launch_tag"] == "walkthrough"

    steps = end["steps"]
    assert [s["step_id"] for s in steps] == ["book", "receipt", "saddle"]
    assert flush["steps"] == steps

    book_step, receipt_step, saddle_step = steps
    assert book_step["step_type"] == "message_step"
    assert book_step["message"] == ("Hi Erin, your bike is repaired. Shall we book a pick-up slot?")
    assert book_step["answer_id"] == "book_yes"
    assert book_step["button"] == "Book it"
    assert book_step["form_result"] is None
    assert book_step["display_value"] == "Book it"

    assert receipt_step["step_type"] == "message_step"
    assert receipt_step["message"] == "Please bring your repair receipt when you come."
    assert receipt_step["answer_id"] is None
    assert receipt_step["button"] is None
    assert receipt_step["form_result"] is None
    assert receipt_step["display_value"] == "Roger that"

    assert saddle_step["step_type"] == "form_step"
    assert saddle_step["message"] == "Which saddle should we fit?"
    assert saddle_step["answer_id"] == "positive"
    assert saddle_step["button"] == "Fit this one"
    assert saddle_step["form_result"] == {"type": "unicode_result", "value": "sport"}
    assert saddle_step["display_value"] == "Sport saddle"

    times = []
    for step in steps:
        assert step["received_at"] and step["acknowledged_at"], step
        received, acknowledged = moment(step["received_at"]), moment(step["acknowledged_at"])
        assert received <= acknowledged, step
        times += [received, acknowledged]
    assert times == sorted(times), "each step is received after the one before it was answered"

    participation = Person.objects.get(pk=person.pk).participations.get()
    assert participation.status == "completed"
