"""Pokes in real Chromium against real daphne + qcluster: an end user taps a service in the inbox's
service menu and the flow's first message arrives live; staff find the poke's QR code on the flow page."""

from playwright.sync_api import expect

from engine import pokes
from flowdesigner import services as flow_services
from tests.e2e.conftest import login
from tests.factories import FlowFactory, PersonFactory, TagFactory, UserFactory, two_step_definition

PASSWORD = "pw-123456"


def test_enduser_pokes_a_service_and_staff_get_its_qr_code(live_stack, browser):
    base = live_stack
    UserFactory(username="sam", password=PASSWORD, roles=["staff"])
    erin = UserFactory(username="erin", password=PASSWORD, roles=["enduser"])
    person = PersonFactory(first_name="Erin", user=erin)
    # The person is not in the flow's Predefined Audience: a poke starts it for whoever taps.
    flow = FlowFactory(name="Table bookings", draft_definition=two_step_definition(tags=[TagFactory().pk]))
    flow_services.flow_publish(flow_id=flow.pk, revision=flow.draft_revision)
    poke = pokes.poke_create(flow=flow, tag="book-table", label="Book a table")

    inbox = login(browser, base, "erin", PASSWORD, viewport={"width": 390, "height": 844})
    inbox.goto(f"{base}/inbox/")
    expect(inbox.get_by_test_id("connection")).to_have_text("live")
    expect(inbox.get_by_text("No messages yet.")).to_be_visible()

    inbox.get_by_test_id("services").locator("summary").click()
    button = inbox.get_by_test_id("poke-book-table")
    expect(button).to_have_text("Book a table")
    button.click()
    expect(inbox.get_by_test_id("services-notice")).to_have_text("Started Book a table.")
    first = inbox.locator("[data-testid^=message-]", has_text="Coming on Friday?")
    expect(first).to_be_visible(timeout=30_000)
    expect(first.get_by_test_id("answer-yes")).to_be_visible()
    assert person.participations.get().poke_id == poke.pk

    console = login(browser, base, "sam", PASSWORD)
    console.goto(f"{base}/flows/{flow.pk}/")
    qr_link = console.get_by_test_id("poke-qr-book-table")
    expect(qr_link).to_have_attribute("href", f"/pokes/{poke.code}/qr.png")
    png = console.request.get(f"{base}/pokes/{poke.code}/qr.png")
    assert png.status == 200 and png.headers["content-type"] == "image/png"
    assert png.body()[:8] == b"\x89PNG\r\n\x1a\n"
    expect(console.get_by_test_id("poke-link-book-table")).to_have_text(f"/p/{poke.code}/")
