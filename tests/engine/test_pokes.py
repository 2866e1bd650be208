"""Pokes: a person starts a flow from the inbox's service menu, a QR code or an action link; every
started run is reported to the flow's callback URL."""

import hashlib
import hmac
import io
import json
import struct
from datetime import timedelta

import pytest
import segno
from django.utils import timezone

from engine import pokes
from engine.models import CallbackDelivery, Participant, Poke
from flowdesigner.models import Flow
from messaging.models import Message
from tests.factories import FlowFactory, PersonFactory, UserFactory
from tests.helpers import CallbackReceiver


@pytest.fixture
def poke(published_flow):
    """An active poke on a published flow whose Predefined Audience does not include the end user."""
    flow, _version, _tag = published_flow()
    return pokes.poke_create(flow=flow, tag="book-table", label="Book a table", description="Tonight?")


def first_messages(person):
    return list(Message.objects.filter(person=person, direction="out").values_list("text", flat=True))


# --- the service ---------------------------------------------------------------------------------


def test_poke_start_enters_the_person_through_the_entry_and_pushes_after_commit(
    poke, enduser, django_capture_on_commit_callbacks
):
    person = enduser.person
    with django_capture_on_commit_callbacks() as callbacks:
        result = pokes.poke_start(poke=poke, person=person, source="button")
    assert result.started
    participant = result.participant
    assert (participant.poke, participant.launch, participant.person) == (poke, None, person)
    assert participant.version == poke.flow.latest_version
    assert participant.status == Participant.Status.WAITING and participant.current_node == "ask"
    message = Message.objects.get(person=person, direction="out")
    # A web message is sent once stored (the inbox shows it); its push to an open inbox follows the commit.
    assert (message.text, message.status) == ("Coming on Friday?", Message.Status.SENT)
    assert callbacks, "messages are pushed only after commit"
    assert Flow.objects.get(pk=poke.flow_id).status == Flow.Status.ACTIVE


def test_a_double_tap_within_ten_seconds_returns_the_first_run(poke, enduser):
    person = enduser.person
    first = pokes.poke_start(poke=poke, person=person, source="button")
    again = pokes.poke_start(poke=poke, person=person, source="link")
    assert (again.started, again.participant.pk) == (False, first.participant.pk)
    assert first_messages(person) == ["Coming on Friday?"]
    # Another person's tap is theirs.
    other = PersonFactory()
    assert pokes.poke_start(poke=poke, person=other, source="button").started
    # Eleven seconds later the same person starts a new run.
    later = pokes.poke_start(
        poke=poke, person=person, source="button", now=timezone.now() + timedelta(seconds=11)
    )
    assert later.started and later.participant.pk != first.participant.pk
    assert Participant.objects.filter(poke=poke, person=person).count() == 2


def test_an_inactive_poke_or_an_unpublished_flow_is_refused_clearly(poke, enduser):
    pokes.poke_update(poke=poke, active=False)
    with pytest.raises(pokes.PokeRefused, match="no longer available"):
        pokes.poke_start(poke=poke, person=enduser.person, source="button")

    draft = pokes.poke_create(flow=FlowFactory(), tag="draft", label="Not yet")
    with pytest.raises(pokes.PokeRefused, match="Not yet cannot start yet: its flow has not been published"):
        pokes.poke_start(poke=draft, person=enduser.person, source="button")
    assert not Participant.objects.exists()


def test_tags_are_unique_per_flow_and_codes_are_unique_url_safe_tokens(poke, published_flow):
    with pytest.raises(pokes.PokeRefused, match="already has a poke with the tag 'book-table'"):
        pokes.poke_create(flow=poke.flow, tag="book-table", label="Again")
    other_flow, _, _ = published_flow()
    other = pokes.poke_create(flow=other_flow, tag="book-table", label="Same tag, other flow")
    assert other.code != poke.code
    assert len(poke.code) == 8 and all(c.isalnum() or c in "-_" for c in poke.code)


def test_every_started_poke_is_reported_to_the_callback_url(
    published_flow, enduser, django_capture_on_commit_callbacks
):
    person = enduser.person
    person.phone = "+32475123456"
    person.language = "nl"
    person.save()
    with CallbackReceiver() as receiver:
        flow, version, _ = published_flow(callback_url=receiver.url)
        poke = pokes.poke_create(flow=flow, tag="support", label="Ask support")
        with django_capture_on_commit_callbacks(execute=True):
            result = pokes.poke_start(poke=poke, person=person, source="qr")
        with django_capture_on_commit_callbacks(execute=True):
            pokes.poke_start(poke=poke, person=person, source="qr")  # a double tap: not reported again

    assert len(receiver.requests) == 1
    request = receiver.requests[0]
    assert (
        request["headers"]["X-Signature"]
        == hmac.new(flow.secret.encode(), request["body"], hashlib.sha256).hexdigest()
    )
    payload = json.loads(request["body"])
    delivery = CallbackDelivery.objects.get()
    assert (delivery.kind, delivery.status, delivery.participant) == ("poke", "delivered", result.participant)
    assert set(payload) == {"type", "flow", "person", "tag", "poke_code", "source", "poked_at", "run_id"}
    assert payload["type"] == "poke"
    assert payload["flow"] == {"id": flow.pk, "name": flow.name, "version": version.number}
    assert payload["person"] == {
        "id": person.pk,
        "first_name": "Erin",
        "last_name": "Person",
        "email": person.email,
        "phone": "+32475123456",
        "language": "nl",
    }
    assert payload["tag"] == "support"
    assert payload["poke_code"] == poke.code
    assert payload["source"] == "qr"
    poked_at = timezone.datetime.fromisoformat(payload["poked_at"])
    assert abs((timezone.now() - poked_at).total_seconds()) < 30
    assert payload["run_id"] == str(result.participant.uuid)


def test_a_flow_without_callback_url_gets_no_poke_delivery(poke, enduser):
    pokes.poke_start(poke=poke, person=enduser.person, source="button")
    assert not CallbackDelivery.objects.exists()


# --- API -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["marketer", "staff"])
def test_marketers_and_staff_define_pokes_through_the_api(api_client, published_flow, role):
    flow, _, _ = published_flow()
    api_client.force_authenticate(UserFactory(roles=[role]))
    created = api_client.post(
        f"/api/flows/{flow.pk}/pokes/", {"tag": "order-pizza", "label": "Order pizza"}, format="json"
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["tag"] == "order-pizza" and body["active"] is True and body["flow"] == flow.pk
    code = body["code"]
    assert body["link_url"] == f"http://testserver/p/{code}/"
    assert body["qr_url"] == f"http://testserver/pokes/{code}/qr.png"

    duplicate = api_client.post(
        f"/api/flows/{flow.pk}/pokes/", {"tag": "order-pizza", "label": "X"}, format="json"
    )
    assert duplicate.status_code == 400 and "already has a poke" in duplicate.json()["tag"][0]
    bad = api_client.post(f"/api/flows/{flow.pk}/pokes/", {"tag": "not a slug", "label": "X"}, format="json")
    assert bad.status_code == 400 and "tag" in bad.json()

    assert [p["code"] for p in api_client.get(f"/api/flows/{flow.pk}/pokes/").json()] == [code]
    patched = api_client.patch(f"/api/pokes/{code}/", {"active": False, "label": "Pizza!"}, format="json")
    assert patched.status_code == 200 and (patched.json()["active"], patched.json()["label"]) == (
        False,
        "Pizza!",
    )
    assert api_client.get(f"/api/pokes/{code}/").json()["label"] == "Pizza!"
    assert api_client.delete(f"/api/pokes/{code}/").status_code == 204
    assert not Poke.objects.exists()


def test_end_users_and_anonymous_cannot_define_pokes(api_client, poke, enduser):
    assert api_client.get(f"/api/pokes/{poke.code}/").status_code in (401, 403)
    assert api_client.get("/api/inbox/pokes/").status_code in (401, 403)
    api_client.force_authenticate(enduser)
    assert api_client.post(f"/api/flows/{poke.flow_id}/pokes/", {"tag": "x", "label": "X"}).status_code == 403
    assert api_client.patch(f"/api/pokes/{poke.code}/", {"active": False}).status_code == 403
    assert api_client.delete(f"/api/pokes/{poke.code}/").status_code == 403


def test_the_inbox_lists_active_pokes_of_published_flows_and_starts_them(api_client, poke, enduser, staff):
    pokes.poke_create(flow=poke.flow, tag="old", label="Old service", active=False)
    pokes.poke_create(flow=FlowFactory(), tag="draft", label="Draft service")
    api_client.force_authenticate(enduser)
    listed = api_client.get("/api/inbox/pokes/").json()
    assert listed == [
        {
            "code": poke.code,
            "tag": "book-table",
            "label": "Book a table",
            "description": "Tonight?",
            "flow_name": poke.flow.name,
        }
    ]
    started = api_client.post(f"/api/inbox/pokes/{poke.code}/")
    assert started.status_code == 201 and started.json()["started"] is True
    assert started.json()["detail"] == "Started Book a table."
    again = api_client.post(f"/api/inbox/pokes/{poke.code}/")
    assert again.status_code == 200 and again.json()["run_id"] == started.json()["run_id"]
    assert first_messages(enduser.person) == ["Coming on Friday?"]

    assert api_client.post("/api/inbox/pokes/nope1234/").status_code == 404
    inactive = Poke.objects.get(tag="old")
    missing = api_client.post(f"/api/inbox/pokes/{inactive.code}/")
    assert missing.status_code == 404 and "no longer available" in missing.json()["detail"]
    draft = api_client.post(f"/api/inbox/pokes/{Poke.objects.get(tag='draft').code}/")
    assert draft.status_code == 409 and "has not been published" in draft.json()["detail"]

    api_client.force_authenticate(staff)
    assert api_client.get("/api/inbox/pokes/").status_code == 403
    assert api_client.post(f"/api/inbox/pokes/{poke.code}/").status_code == 403


# --- QR code -------------------------------------------------------------------------------------


def test_the_qr_code_is_a_png_of_the_action_link(client, poke, staff, enduser):
    client.force_login(staff)
    response = client.get(f"/pokes/{poke.code}/qr.png")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    png = response.content
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", png[16:24])  # the IHDR chunk
    assert width == height and 150 <= width <= 800
    # segno cannot decode; the same URL encoded the same way must give the same bytes.
    expected = io.BytesIO()
    segno.make_qr(f"http://testserver/p/{poke.code}/?via=qr", error="m").save(
        expected, kind="png", scale=pokes.QR_SCALE, border=4
    )
    assert png == expected.getvalue()

    client.force_login(enduser)
    assert client.get(f"/pokes/{poke.code}/qr.png").status_code == 403
    client.logout()
    assert client.get(f"/pokes/{poke.code}/qr.png").status_code == 302


# --- the action link -----------------------------------------------------------------------------


def test_the_action_link_logs_in_then_starts_on_confirmation(client, poke):
    user = UserFactory(username="lisa", roles=["enduser"])
    person = PersonFactory(first_name="Lisa", user=user)
    link = f"/p/{poke.code}/"

    response = client.get(link)
    assert response.status_code == 302 and response["Location"] == f"/login/?next={link}"
    login = client.post("/login/", {"username": "lisa", "password": "pw-123456", "next": link})
    assert login.status_code == 302 and login["Location"] == link

    page = client.get(link)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Book a table" in html and 'data-testid="start-poke"' in html and "Start Book a table" in html
    client.get(link)  # a refresh (or a link preview) starts nothing
    assert not Participant.objects.exists()

    started = client.post(link, {"via": "link"}, follow=True)
    assert started.redirect_chain == [("/inbox/", 302)]
    assert "Started Book a table." in started.content.decode()
    assert Participant.objects.get().person == person
    assert first_messages(person) == ["Coming on Friday?"]


def test_the_qr_link_reports_its_source(client, published_flow, enduser, django_capture_on_commit_callbacks):
    with CallbackReceiver() as receiver:
        flow, _, _ = published_flow(callback_url=receiver.url)
        poke = pokes.poke_create(flow=flow, tag="scan", label="Scan me")
        client.force_login(enduser)
        page = client.get(f"/p/{poke.code}/?via=qr")
        assert 'name="via" value="qr"' in page.content.decode()
        with django_capture_on_commit_callbacks(execute=True):
            assert client.post(f"/p/{poke.code}/", {"via": "qr"}).status_code == 302
    assert json.loads(receiver.requests[0]["body"])["source"] == "qr"


def test_unknown_inactive_and_unavailable_links_say_so(client, poke, enduser, staff):
    client.force_login(enduser)
    unknown = client.get("/p/nothere1/")
    assert unknown.status_code == 404 and "does not exist or is no longer active" in unknown.content.decode()
    pokes.poke_update(poke=poke, active=False)
    assert client.post(f"/p/{poke.code}/").status_code == 404
    draft = pokes.poke_create(flow=FlowFactory(), tag="soon", label="Coming soon")
    refused = client.post(f"/p/{draft.code}/")
    assert refused.status_code == 409 and "Coming soon is not available yet" in refused.content.decode()
    client.force_login(staff)  # no person, so no inbox to start it in
    pokes.poke_update(poke=poke, active=True)
    no_inbox = client.post(f"/p/{poke.code}/")
    assert no_inbox.status_code == 403 and "has no inbox" in no_inbox.content.decode()
    assert not Participant.objects.exists()


# --- the flow page -------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["marketer", "staff"])
def test_the_flow_page_lists_adds_and_deactivates_pokes(client, published_flow, role):
    flow, _, _ = published_flow()
    client.force_login(UserFactory(roles=[role]))
    added = client.post(
        f"/flows/{flow.pk}/pokes/",
        {"tag": "call-me", "label": "Call me back", "description": ""},
        follow=True,
    )
    assert "Poke &#x27;call-me&#x27; added." in added.content.decode()
    poke = Poke.objects.get(flow=flow)
    html = client.get(f"/flows/{flow.pk}/").content.decode()
    assert 'data-testid="pokes-card"' in html
    assert f'href="/pokes/{poke.code}/qr.png"' in html and f'href="/p/{poke.code}/"' in html

    refused = client.post(f"/flows/{flow.pk}/pokes/", {"tag": "call-me", "label": "Again"}, follow=True)
    assert "The poke was not added. This flow already has a poke with the tag" in refused.content.decode()

    client.post(f"/pokes/{poke.code}/active/", {"active": "0"})
    poke.refresh_from_db()
    assert not poke.active
    assert "Activate</button>" in client.get(f"/flows/{flow.pk}/").content.decode()


def test_end_users_cannot_add_pokes_on_the_flow_page(client, published_flow, enduser):
    flow, _, _ = published_flow()
    client.force_login(enduser)
    assert client.post(f"/flows/{flow.pk}/pokes/", {"tag": "x", "label": "X"}).status_code == 403
    assert not Poke.objects.exists()
