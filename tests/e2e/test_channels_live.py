"""Channels in real Chromium against real daphne + worker + qcluster: an end user writes in the inbox's
composer and sees it in the conversation; staff watch an SMS arrive on the gateway simulator (by polling,
without losing what they type) and reply as the phone number."""

from playwright.sync_api import expect

from messaging import services as messaging_services
from messaging.models import Channel, Message
from tests.e2e.conftest import login
from tests.factories import PersonFactory, UserFactory

PASSWORD = "pw-123456"


def test_an_end_user_writes_in_the_composer_and_sees_it_in_the_conversation(live_stack, browser):
    base = live_stack
    erin = UserFactory(username="erin", password=PASSWORD, roles=["enduser"])
    person = PersonFactory(first_name="Erin", user=erin)

    inbox = login(browser, base, "erin", PASSWORD, viewport={"width": 390, "height": 844})
    inbox.goto(f"{base}/inbox/")
    expect(inbox.get_by_test_id("connection")).to_have_text("live")

    box = inbox.get_by_test_id("composer-text")
    box.press("Enter")  # nothing written yet: refused in the page, nothing sent
    expect(inbox.get_by_test_id("composer-error")).to_have_text("Write a message first.")
    box.fill("Is the <b>shop</b> open on Sunday?")
    box.press("Enter")

    bubble = inbox.get_by_test_id("own-message")
    expect(bubble).to_contain_text("Is the <b>shop</b> open on Sunday?")
    expect(box).to_have_value("")
    expect(inbox.get_by_test_id("composer-error")).to_have_count(0)
    stored = Message.objects.get(person=person, direction="in")
    assert (stored.channel, stored.text) == ("web", "Is the <b>shop</b> open on Sunday?")

    inbox.reload()  # it is part of the conversation, not only of this page
    expect(inbox.get_by_test_id("own-message")).to_contain_text("Is the <b>shop</b> open on Sunday?")


def test_staff_see_a_sent_sms_on_the_simulator_and_reply_as_the_number(live_stack, browser):
    base = live_stack
    UserFactory(username="sam", password=PASSWORD, roles=["staff"])
    ann = PersonFactory(first_name="Ann", phone="+32470111222")
    channel = Channel.objects.create(
        kind="sms", name="SMS simulator", gateway="simulator", identities=["+32470000001"], secret="s" * 43
    )

    console = login(browser, base, "sam", PASSWORD)
    console.goto(f"{base}/simulator/")
    section = console.get_by_test_id(f"sim-channel-{channel.pk}")
    expect(section).to_contain_text("No messages through this channel yet.")
    # Staff start typing as a new number while the product sends an SMS: polling must not lose it.
    new_text = section.get_by_test_id(f"sim-new-{channel.pk}").locator("input[name=text]")
    new_text.fill("half-typed")

    message = messaging_services.message_out_build(
        person_id=ann.pk,
        participant=None,
        node_id="",
        text="Coming on Friday?",
        buttons=[{"id": "yes", "caption": "Yes", "action": ""}, {"id": "no", "caption": "No", "action": ""}],
        options={},
        channel="sms",
        transport_id=channel.pk,
        address=ann.phone,
        identity="+32470000001",
    )
    messaging_services.messages_queue([message])

    conversation = section.locator('[data-address="+32470111222"]')
    expect(conversation.get_by_test_id("sim-message").first).to_contain_text(
        "Reply 1 for Yes, 2 for No", timeout=30_000
    )
    expect(conversation.get_by_test_id("sim-message").first).to_contain_text(
        "sent · delivered", timeout=30_000
    )
    expect(new_text).to_have_value("half-typed")

    reply = conversation.get_by_test_id("sim-reply")
    reply.locator("input[name=text]").fill("1")
    reply.get_by_role("button", name="Reply").click()

    expect(console.locator(".flash")).to_contain_text("Sent from +32470111222 to +32470000001.")
    conversation = console.get_by_test_id(f"sim-channel-{channel.pk}").locator(
        '[data-address="+32470111222"]'
    )
    expect(conversation.locator(".sim-in")).to_contain_text("1")
    stored = Message.objects.get(direction="in")
    assert (stored.transport_id, stored.person_id, stored.text) == (channel.pk, ann.pk, "1")
