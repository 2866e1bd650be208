"""Brandings end to end in real Chromium: a marketer uploads a package (and one with a script is
refused), picks it for a message in the designer and publishes; staff launch; the end user's card shows
the text inside the sandboxed branding frame, in the branding's colours."""

import io
import zipfile

from playwright.sync_api import expect

from flowdesigner.models import Branding
from flowdesigner.services import flow_create
from messaging.models import Message
from tests.e2e.conftest import login
from tests.factories import PersonFactory, UserFactory

PASSWORD = "pw-123456"
BRANDING_HTML = """<!doctype html><html><head>
<meta property="rt:style:background-color" content="#1d3557">
<meta property="rt:style:text-color" content="#f1faee">
<meta property="rt:style:color-scheme" content="dark">
<link rel="stylesheet" href="style.css"></head>
<body><h1 class="banner">Harbour Café</h1><nuntiuz_message/></body></html>"""


def package(html: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("branding.html", html)
        archive.writestr("style.css", "body { font-family: sans-serif; color: #f1faee; }")
    return buffer.getvalue()


def definition(person_id: int) -> dict:
    return {
        "spec_version": 1,
        "nodes": [
            {
                "id": "audience",
                "type": "predefined_audience",
                "config": {"tags": [], "persons": [person_id]},
                "exits": {"next": "ask"},
            },
            {
                "id": "ask",
                "type": "message",
                "config": {
                    "text": "Hi {{ person.first_name }}, your table for two is ready.",
                    "buttons": [{"id": "ok", "caption": "On my way"}],
                },
                "exits": {"ok": "done"},
            },
            {"id": "done", "type": "exit", "config": {"name": "Done"}, "exits": {}},
        ],
        "ui": {
            "nodes": {
                "audience": {"x": 40, "y": 200},
                "ask": {"x": 360, "y": 200},
                "done": {"x": 680, "y": 200},
            }
        },
    }


def upload(page, base: str, name: str, data: bytes) -> None:
    page.goto(f"{base}/brandings/")
    page.fill("input[name=name]", name)
    page.set_input_files(
        "input[name=package]", files=[{"name": "branding.zip", "mimeType": "application/zip", "buffer": data}]
    )
    page.get_by_test_id("upload-branding").click()


def test_a_message_is_shown_inside_its_branding(live_stack, browser):
    base = live_stack
    UserFactory(username="mia", password=PASSWORD, roles=["marketer"])
    UserFactory(username="sam", password=PASSWORD, roles=["staff"])
    erin = UserFactory(username="erin", password=PASSWORD, roles=["enduser"])
    person = PersonFactory(first_name="Erin", user=erin)
    flow = flow_create(name="Table ready", definition=definition(person.pk))

    # --- the marketer uploads the package; one with a script is refused -----------------------
    designer = login(browser, base, "mia", PASSWORD, viewport={"width": 1600, "height": 900})
    upload(
        designer, base, "Evil", package(BRANDING_HTML.replace("</body>", "<script>alert(1)</script></body>"))
    )
    expect(designer.get_by_test_id("branding-errors")).to_contain_text("<script> is not allowed")
    assert not Branding.objects.exists()

    upload(designer, base, "Harbour Café", package(BRANDING_HTML))
    expect(designer.locator(".flash")).to_contain_text('Branding "Harbour Café" is ready')
    branding = Branding.objects.get()
    expect(designer.get_by_test_id("branding-table")).to_contain_text("Harbour Café")

    # --- ... picks it for the message in the designer, and publishes --------------------------
    designer.goto(f"{base}/flows/{flow.pk}/design/")
    designer.get_by_test_id("node-ask").click()
    select = designer.get_by_test_id("field-branding")
    expect(select).to_be_enabled()
    expect(select.locator("option")).to_have_text(["No branding", "Harbour Café"])
    select.select_option(label="Harbour Café")
    designer.get_by_test_id("save").click()
    expect(designer.get_by_test_id("status")).to_contain_text("Saved")
    designer.get_by_test_id("publish").click()
    expect(designer.get_by_test_id("status")).to_contain_text("Published version 1")
    ask = next(n for n in flow.versions.get().definition["nodes"] if n["id"] == "ask")
    assert ask["config"]["branding"] == branding.key

    # Opening the editor again shows the choice.
    designer.reload()
    designer.get_by_test_id("node-ask").click()
    expect(designer.get_by_test_id("field-branding")).to_have_value(branding.key)

    # --- staff launch it to the person's Predefined Audience ----------------------------------
    console = login(browser, base, "sam", PASSWORD)
    console.goto(f"{base}/flows/{flow.pk}/")
    console.check("input[name=audience][value=predefined]")
    console.get_by_test_id("launch").click()
    console.get_by_test_id("launch-confirm").click()  # the "Launch version N to X people?" dialog
    expect(console.locator(".flash")).to_contain_text("Launching version 1 to 1 person.")

    # --- the end user sees the text inside the branding, in its colours -----------------------
    inbox = login(browser, base, "erin", PASSWORD, viewport={"width": 390, "height": 844})
    inbox.goto(f"{base}/inbox/")
    card = inbox.locator("[data-testid^=message-]").first
    expect(card).to_be_visible(timeout=30_000)
    message = Message.objects.get(person=person, node_id="ask")
    frame_element = card.get_by_test_id("branding-frame")
    expect(frame_element).to_have_attribute("sandbox", "")
    expect(frame_element).to_have_attribute("src", f"/brandings/{branding.key}/messages/{message.pk}/")
    # The flow's sender name (none set: the product's), never the flow's internal name.
    expect(frame_element).to_have_attribute("title", "Message from Flowdesigner")
    height = int(frame_element.get_attribute("height") or "0")
    assert 120 <= height <= 480
    expect(card.locator(".message-text")).to_have_count(0)
    expect(card).to_have_css("background-color", "rgb(29, 53, 87)")
    expect(card).to_have_css("color", "rgb(241, 250, 238)")

    frame = card.frame_locator("[data-testid=branding-frame]")
    expect(frame.locator(".nuntiuz-message")).to_have_text("Hi Erin, your table for two is ready.")
    expect(frame.locator("h1.banner")).to_have_text("Harbour Café")

    # The buttons stay below the frame and answer as always.
    card.get_by_test_id("answer-ok").click()
    expect(card.get_by_test_id("answered")).to_contain_text("On my way")
