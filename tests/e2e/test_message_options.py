"""Message options in the inbox, in real Chromium against real daphne + qcluster: a confirm:// button
counts only after "Yes", a map button opens OpenStreetMap and changes the answer of a message without
auto-lock, dismiss ("Roger that") shows "Dismissed", and a BEEP alert repeated every 5 s plays for a
message that arrives live (counted on the card's data-alerts), not for one already there when the inbox
opens, and stops once the message is answered."""

import time

from django_q.conf import Conf
from playwright.sync_api import Page, expect

from engine.models import Participant
from engine.services import launch_create
from flowdesigner.services import flow_create, flow_publish
from messaging.models import Message
from tests.e2e.conftest import login
from tests.factories import PersonFactory, UserFactory

PASSWORD = "pw-123456"
MAP_URL = "https://www.openstreetmap.org/?mlat=51.0543&mlon=3.7174#map=16/51.0543/3.7174"


def definition(person_id: int) -> dict:
    """Audience → "ask" (confirm + map buttons, dismiss, no auto-lock, BEEP every 5 s)
    → "notice" (OK, dismiss, auto-lock) → Exit "Done"."""
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
                    "text": "Hi {{ person.first_name }}, your parcel is at the depot. Pick it up today?",
                    "buttons": [
                        {
                            "id": "yes",
                            "caption": "I'll come",
                            "action": "confirm://The depot closes at 18:00. Still coming?",
                        },
                        {"id": "map", "caption": "Where is it?", "action": "geo://51.0543,3.7174"},
                    ],
                    "allow_dismiss": True,
                    "dismiss_caption": "Roger that",
                    "alert": {"type": "BEEP", "interval": "INTERVAL_5", "vibrate": True},
                    "auto_lock": False,
                },
                "exits": {"yes": "notice", "map": "notice", "dismiss": "notice"},
            },
            {
                "id": "notice",
                "type": "message",
                "config": {
                    "text": 'Bring your ID, {{ person.last_name|default("friend") }}.',
                    "buttons": [{"id": "ok", "caption": "OK"}],
                    "allow_dismiss": True,
                    "dismiss_caption": "Got it",
                    "alert": {"type": "BEEP", "interval": "NONE", "vibrate": False},
                    "auto_lock": True,
                },
                "exits": {"ok": "done", "dismiss": "done"},
            },
            {"id": "done", "type": "exit", "config": {"name": "Done"}, "exits": {}},
        ],
    }


def alerts_played(card) -> int:
    return int(card.get_attribute("data-alerts") or "0")


def wait_for_alerts(page: Page, card, at_least: int, timeout: float = 20) -> int:
    deadline = time.monotonic() + timeout
    while (played := alerts_played(card)) < at_least:
        assert time.monotonic() < deadline, f"only {played} alert(s) played, expected {at_least}"
        page.wait_for_timeout(200)
    return played


def test_confirm_map_dismiss_and_alerts_in_the_inbox(live_stack, browser, monkeypatch):
    base = live_stack
    # The launch must run in the live qcluster, so that the new messages reach the open inbox over the
    # real channel layer (the test suite otherwise runs tasks in this process).
    monkeypatch.setattr(Conf, "SYNC", False)
    erin = UserFactory(username="erin", password=PASSWORD, roles=["enduser"])
    # No last name: the template's default("friend") shows instead.
    person = PersonFactory(first_name="Erin", last_name="", user=erin)
    flow = flow_create(name="Parcel pickup", definition=definition(person.pk))
    version = flow_publish(flow_id=flow.pk, revision=flow.draft_revision)

    inbox = login(browser, base, "erin", PASSWORD, viewport={"width": 375, "height": 812})
    inbox.goto(f"{base}/inbox/")
    expect(inbox.get_by_test_id("connection")).to_have_text("live")
    # Permission is asked for only when the person wants it.
    expect(inbox.get_by_test_id("enable-notifications")).to_be_visible()

    launch_create(version=version, audience=None, launch_tag="e2e")

    # --- a live-arriving message alerts, and repeats its BEEP every 5 s -------------------------
    ask = inbox.locator("[data-testid^=message-]", has_text="your parcel is at the depot")
    expect(ask).to_be_visible(timeout=30_000)
    expect(ask).to_contain_text("Hi Erin,")
    wait_for_alerts(inbox, ask, 1)
    wait_for_alerts(inbox, ask, 2, timeout=12)
    ask_row = Message.objects.get(person=person, node_id="ask", direction="out")

    # Opening the inbox again does not ring for a message that was already there.
    inbox.reload()
    expect(inbox.get_by_test_id("connection")).to_have_text("live")
    expect(ask).to_be_visible()
    inbox.wait_for_timeout(1_500)
    expect(ask).to_have_attribute("data-alerts", "0")

    # --- confirm://: "No" does not answer, "Yes" does -------------------------------------------
    ask.get_by_test_id("answer-yes").click()
    dialog = inbox.get_by_test_id("confirm-dialog")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("The depot closes at 18:00. Still coming?")
    inbox.get_by_test_id("confirm-no").click()
    expect(dialog).to_have_count(0)
    expect(ask.get_by_test_id("answered")).to_have_count(0)
    ask_row.refresh_from_db()
    assert ask_row.answered_at is None

    ask.get_by_test_id("answer-yes").click()
    inbox.get_by_test_id("confirm-yes").click()
    expect(ask.get_by_test_id("answered")).to_contain_text("I'll come")
    # Not auto-locked: the answer is marked and the other buttons stay.
    expect(ask.get_by_test_id("answer-yes")).to_have_attribute("aria-pressed", "true")
    expect(ask.get_by_test_id("answer-map")).to_be_visible()
    ask_row.refresh_from_db()
    assert (ask_row.answered_button_id, ask_row.dismissed) == ("yes", False)

    # The alert stopped with the answer.
    played = alerts_played(ask)
    inbox.wait_for_timeout(6_000)
    assert alerts_played(ask) == played

    # --- the next message arrives live and alerts once (no repeat) ------------------------------
    notice = inbox.locator("[data-testid^=message-]", has_text="Bring your ID")
    expect(notice).to_be_visible(timeout=30_000)
    expect(notice).to_contain_text("Bring your ID, friend.")
    wait_for_alerts(inbox, notice, 1)

    # --- geo://: opens the map in a new tab and changes the answer -----------------------------
    map_button = ask.get_by_test_id("answer-map")
    expect(map_button).to_have_attribute("href", MAP_URL)
    expect(map_button).to_have_attribute("target", "_blank")
    expect(map_button).to_have_attribute("rel", "noopener noreferrer")
    with inbox.context.expect_page() as new_tab:
        map_button.click()
    new_tab.value.close()
    expect(ask.get_by_test_id("answered")).to_contain_text("Where is it?")
    expect(ask.get_by_test_id("answer-yes")).to_have_attribute("aria-pressed", "false")
    expect(map_button).to_have_attribute("data-chosen", "true")
    ask_row.refresh_from_db()
    assert ask_row.answered_button_id == "map"

    # --- dismiss on a message without auto-lock: "Dismissed", the buttons stay -----------------
    ask.get_by_test_id("dismiss").click()
    expect(ask.get_by_test_id("answered")).to_have_text("Dismissed")
    expect(ask.get_by_test_id("dismiss")).to_have_attribute("aria-pressed", "true")
    expect(ask.get_by_test_id("answer-yes")).to_be_visible()

    # --- dismiss on an auto-locked message: "Dismissed", and nothing more to press -------------
    expect(notice.get_by_test_id("dismiss")).to_have_text("Got it")
    notice.get_by_test_id("dismiss").click()
    expect(notice.get_by_test_id("answered")).to_have_text("Dismissed")
    expect(notice.get_by_test_id("answer-ok")).to_have_count(0)
    expect(notice.get_by_test_id("dismiss")).to_have_count(0)

    ask_row.refresh_from_db()
    assert (ask_row.answered_button_id or None, ask_row.dismissed) == (None, True)
    participant = Participant.objects.get(person=person)
    assert participant.status == "completed"
    assert participant.state["exit"]["name"] == "Done"

    # --- after a reload the answers are shown as they are -----------------------------------------
    inbox.reload()
    expect(inbox.get_by_test_id("connection")).to_have_text("live")
    expect(ask.get_by_test_id("answered")).to_have_text("Dismissed")
    expect(notice.get_by_test_id("answered")).to_have_text("Dismissed")
