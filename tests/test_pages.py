"""Server-rendered pages: login and logout, role gates, the designer and inbox shells, launching from
the flow page, escaping of hostile text, and the API schema and docs."""

import json
import re

import pytest

from engine.models import Launch
from flowdesigner.models import Flow
from messaging.models import Message
from people.models import Tag
from tests.factories import FlowFactory, PersonFactory, TagFactory, UserFactory

pytestmark = pytest.mark.django_db

HOSTILE = "<script>alert(1)</script>"


def _json_script(html: str, element_id: str) -> dict:
    match = re.search(rf'<script id="{element_id}" type="application/json">(.*?)</script>', html, re.S)
    assert match, f"no json_script #{element_id} in the page"
    return json.loads(match.group(1))


def _user(role: str):
    if role == "admin":
        return UserFactory(is_superuser=True, is_staff=True)
    return UserFactory(roles=[role])


# --- login / logout -------------------------------------------------------------------------


def test_login_page_renders(client):
    response = client.get("/login/")

    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="username"' in html and 'name="password"' in html
    assert "csrfmiddlewaretoken" in html


def test_wrong_password_shows_the_error(client, marketer):
    response = client.post("/login/", {"username": "mia", "password": "wrong"})

    assert response.status_code == 200
    assert "didn't match" in response.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize(
    ("role", "landing"),
    [("marketer", "/flows/"), ("staff", "/flows/"), ("enduser", "/inbox/"), ("admin", "/flows/")],
)
def test_login_redirects_by_role(client, role, landing):
    user = _user(role)

    response = client.post("/login/", {"username": user.username, "password": "pw-123456"}, follow=True)

    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == landing


def test_login_honours_next(client, staff):
    response = client.post(
        "/login/?next=/people/", {"username": "sam", "password": "pw-123456", "next": "/people/"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/people/"


def test_a_user_without_role_is_told_so(client):
    client.force_login(UserFactory())

    response = client.get("/")

    assert response.status_code == 403
    assert "has no role" in response.content.decode()


def test_logout_is_a_post_and_ends_the_session(client, marketer):
    client.force_login(marketer)

    assert client.get("/logout/").status_code == 405
    assert client.get("/flows/").status_code == 200
    response = client.post("/logout/")

    assert response.status_code == 302
    assert response["Location"] == "/login/"
    assert client.get("/flows/").status_code == 302


def test_pages_show_a_logout_form(client, marketer):
    client.force_login(marketer)
    html = client.get("/flows/").content.decode()
    assert re.search(r'<form method="post" action="/logout/"', html)


# --- login required and role gates ------------------------------------------------------------


PAGES = ["/flows/", "/flows/{pk}/", "/flows/{pk}/design/", "/people/", "/inbox/"]


@pytest.mark.parametrize("page", PAGES)
def test_every_page_requires_login(client, page):
    path = page.format(pk=FlowFactory().pk)

    response = client.get(path)

    assert response.status_code == 302
    assert response["Location"] == f"/login/?next={path}"


def test_home_sends_anonymous_visitors_to_login(client):
    response = client.get("/")
    assert (response.status_code, response["Location"]) == (302, "/login/")


@pytest.mark.parametrize(
    ("role", "page", "status"),
    [
        ("enduser", "/flows/", 403),
        ("enduser", "/flows/{pk}/", 403),
        ("enduser", "/flows/{pk}/design/", 403),
        ("enduser", "/people/", 403),
        ("enduser", "/inbox/", 200),
        ("staff", "/flows/", 200),
        ("staff", "/flows/{pk}/", 200),
        ("staff", "/flows/{pk}/design/", 403),
        ("staff", "/people/", 200),
        ("staff", "/inbox/", 403),
        ("marketer", "/flows/", 200),
        ("marketer", "/flows/{pk}/", 200),
        ("marketer", "/flows/{pk}/design/", 200),
        ("marketer", "/people/", 200),
        ("marketer", "/inbox/", 403),
        ("admin", "/flows/{pk}/design/", 200),
        ("admin", "/inbox/", 200),
    ],
)
def test_role_gates(client, role, page, status):
    client.force_login(_user(role))
    assert client.get(page.format(pk=FlowFactory().pk)).status_code == status


def test_navigation_shows_only_the_links_of_the_role(client, enduser):
    client.force_login(enduser)
    html = client.get("/inbox/").content.decode()
    assert 'href="/inbox/"' in html
    assert 'href="/flows/"' not in html and 'href="/people/"' not in html


def test_unknown_flow_page_is_404(client, marketer):
    client.force_login(marketer)
    assert client.get("/flows/999999/").status_code == 404
    assert client.get("/flows/999999/design/").status_code == 404


# --- designer and inbox shells ----------------------------------------------------------------


def test_designer_page_embeds_its_config(client, marketer):
    flow = FlowFactory(name="Welcome")
    client.force_login(marketer)

    response = client.get(f"/flows/{flow.pk}/design/")

    assert response.status_code == 200
    config = _json_script(response.content.decode(), "designer-config")
    assert config["flowId"] == flow.pk
    assert config["flowName"] == "Welcome"
    assert len(config["csrfToken"]) == 64  # a masked CSRF token the canvas sends back on saves
    assert config["apiBase"] == "/api/"
    assert config["flowsUrl"] == f"/flows/{flow.pk}/"
    assert 'id="designer-root"' in response.content.decode()


def test_inbox_page_embeds_its_config(client, enduser):
    client.force_login(enduser)

    response = client.get("/inbox/")

    assert response.status_code == 200
    config = _json_script(response.content.decode(), "inbox-config")
    assert config["wsUrl"] == "/ws/inbox/"
    assert config["personName"] == "Erin"
    assert len(config["csrfToken"]) == 64


def test_inbox_page_of_an_enduser_without_a_person_explains_it(client):
    client.force_login(UserFactory(roles=["enduser"]))

    html = client.get("/inbox/").content.decode()

    assert "not linked to a person" in html
    assert "inbox-config" not in html


# --- flows: create and launch from the pages --------------------------------------------------


def test_marketer_creates_a_flow_and_lands_in_the_designer(client, marketer):
    client.force_login(marketer)

    response = client.post("/flows/", {"name": "Spring campaign", "callback_url": ""})

    flow = Flow.objects.get(name="Spring campaign")
    assert response.status_code == 302
    assert response["Location"] == f"/flows/{flow.pk}/design/"
    assert flow.created_by == marketer


@pytest.mark.parametrize(
    ("form", "error"),
    [
        ({"name": "", "callback_url": ""}, "This field is required."),
        ({}, "This field is required."),
        ({"name": "X", "callback_url": "not a url"}, "Enter a valid URL."),
    ],
)
def test_flow_create_form_shows_errors(client, marketer, form, error):
    client.force_login(marketer)

    response = client.post("/flows/", form)

    assert response.status_code == 200
    assert error in response.content.decode()
    assert not Flow.objects.exists()


def test_staff_cannot_create_flows_from_the_list(client, staff):
    client.force_login(staff)

    response = client.post("/flows/", {"name": "Sneaky"}, follow=True)

    assert "Only marketers can create flows." in response.content.decode()
    assert not Flow.objects.exists()
    assert 'data-testid="create-flow"' not in response.content.decode()


@pytest.fixture
def launchable(published_flow):
    """A published flow whose predefined audience holds Ada; Bob has the 'vip' tag; Cy has nothing."""
    ada = PersonFactory(first_name="Ada", email="ada@example.com")
    bob = PersonFactory(first_name="Bob", tags=[TagFactory(name="vip")])
    cy = PersonFactory(first_name="Cy", phone="+32470123456")
    flow, version, _ = published_flow(persons=[ada])
    return flow, {"ada": ada, "bob": bob, "cy": cy}


@pytest.mark.parametrize(
    ("form", "reached"),
    [
        ({"audience": "predefined"}, ["ada"]),
        ({"audience": "tag", "tag": "vip"}, ["bob"]),
        ({"audience": "person", "person": " ADA@example.com "}, ["ada"]),
        ({"audience": "person", "person": "+32470123456"}, ["cy"]),
        # a hand-picked list; a national notation finds the E.164 number
        ({"audience": "person", "person": "ada@example.com,\n0470 12 34 56"}, ["ada", "cy"]),
        ({"audience": "everyone"}, ["ada", "bob", "cy"]),
    ],
)
def test_staff_launches_from_the_flow_page(
    client, staff, launchable, django_capture_on_commit_callbacks, form, reached
):
    flow, people = launchable
    client.force_login(staff)
    if form.get("tag"):
        form = {**form, "tag": Tag.objects.get(name=form["tag"]).pk}

    with django_capture_on_commit_callbacks(execute=True):
        # confirmed_count: the audience size the page asked to confirm (the server re-checks it)
        response = client.post(
            f"/flows/{flow.pk}/", {**form, "launch_tag": "spring", "confirmed_count": len(reached)}
        )

    assert response.status_code == 302
    assert response["Location"] == f"/flows/{flow.pk}/"
    launch = Launch.objects.get()
    assert (launch.status, launch.launch_tag, launch.created_by) == ("done", "spring", staff)
    messaged = set(Message.objects.values_list("person_id", flat=True))
    assert messaged == {people[name].pk for name in reached}

    page = client.get(f"/flows/{flow.pk}/").content.decode()
    assert f"Launching version 1 to {len(reached)} {'person' if len(reached) == 1 else 'people'}." in page
    assert f'data-launch="{launch.pk}" data-status="done"' in page
    assert f"{len(reached)} / {len(reached)}" in page


@pytest.mark.parametrize(
    ("form", "error"),
    [
        (
            {"audience": "person", "person": "nobody@example.com"},
            "Nobody has this email address or phone number: nobody@example.com",
        ),
        ({"audience": "person", "person": " , "}, "Enter at least one email address or phone number."),
        ({"audience": "segment"}, "Choose the segment to launch to."),
        ({"audience": "tag"}, "Choose the tag to launch to."),
        ({"audience": "bogus"}, "Select a valid choice."),
        ({}, "This field is required."),
        ({"audience": "everyone", "launch_tag": "x" * 101}, "at most 100 characters"),
    ],
)
def test_launch_form_errors_are_shown_and_nothing_launches(client, staff, launchable, form, error):
    flow, _ = launchable
    client.force_login(staff)

    response = client.post(f"/flows/{flow.pk}/", form)

    assert response.status_code == 200
    assert error in response.content.decode()
    assert not Launch.objects.exists()


def test_launch_to_an_empty_tag_is_refused_with_a_message(client, staff, launchable):
    flow, _ = launchable
    empty = TagFactory(name="empty")
    client.force_login(staff)

    response = client.post(f"/flows/{flow.pk}/", {"audience": "tag", "tag": empty.pk})

    assert "Nobody is in this audience" in response.content.decode()
    assert not Launch.objects.exists()


def test_unpublished_flow_page_offers_no_launch(client, staff):
    flow = FlowFactory()
    PersonFactory()
    client.force_login(staff)

    assert 'data-testid="launch-form"' not in client.get(f"/flows/{flow.pk}/").content.decode()
    response = client.post(f"/flows/{flow.pk}/", {"audience": "everyone"})

    assert "Publish the flow before launching it." in response.content.decode()
    assert not Launch.objects.exists()


def test_marketer_posting_the_launch_form_launches_nothing(
    client, marketer, launchable, django_capture_on_commit_callbacks
):
    flow, _ = launchable
    client.force_login(marketer)

    assert 'data-testid="launch-form"' not in client.get(f"/flows/{flow.pk}/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/flows/{flow.pk}/", {"audience": "everyone"}, follow=True)

    assert "Only staff can launch flows." in response.content.decode()
    assert not Launch.objects.exists()
    assert not Message.objects.exists()


# --- hostile text -----------------------------------------------------------------------------


def test_hostile_flow_name_is_escaped_everywhere(client, marketer, staff):
    flow = FlowFactory(name=HOSTILE)
    pages = []
    client.force_login(marketer)
    pages += [
        client.get("/flows/"),
        client.get(f"/flows/{flow.pk}/"),
        client.get(f"/flows/{flow.pk}/design/"),
    ]

    for response in pages:
        html = response.content.decode()
        assert response.status_code == 200
        assert HOSTILE not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html or "\\u003Cscript\\u003E" in html
    assert _json_script(pages[2].content.decode(), "designer-config")["flowName"] == HOSTILE


def test_hostile_person_name_is_escaped(client, staff):
    PersonFactory(first_name=HOSTILE, email="x@example.com")
    client.force_login(staff)

    html = client.get("/people/").content.decode()

    assert HOSTILE not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_hostile_search_is_escaped(client, staff):
    client.force_login(staff)
    html = client.get("/people/", {"q": '"><script>alert(1)</script>'}).content.decode()
    assert "<script>alert(1)</script>" not in html


def test_hostile_enduser_name_is_escaped_in_the_inbox(client):
    user = UserFactory(roles=["enduser"])
    PersonFactory(first_name=HOSTILE, user=user)
    client.force_login(user)

    html = client.get("/inbox/").content.decode()

    assert HOSTILE not in html
    assert _json_script(html, "inbox-config")["personName"] == HOSTILE


# --- API schema and docs ----------------------------------------------------------------------


def test_openapi_schema_lists_the_api(client):
    response = client.get("/api/schema/", {"format": "json"})

    assert response.status_code == 200
    schema = json.loads(response.content)
    assert schema["openapi"].startswith("3.")
    assert "/api/flows/" in schema["paths"]
    assert "post" in schema["paths"]["/api/inbox/messages/{id}/answer/"]
    assert "/api/flows/{id}/launches/" in schema["paths"]


def test_api_docs_render_from_our_own_static_files(client):
    response = client.get("/api/docs/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui" in html
    assert "/static/" in html
    assert not re.search(r"""(src|href)=["']https?://""", html)
    assert "cdn" not in html.lower()
