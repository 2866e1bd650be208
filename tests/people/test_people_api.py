"""The people REST API: persons CRUD and search, tags with counts, roles and token auth."""

import pytest
from rest_framework.authtoken.models import Token

from people.models import Person, Tag
from tests.factories import PersonFactory, TagFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def as_staff(api_client, staff):
    api_client.force_login(staff)
    return api_client


def _ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


# --- roles and authentication ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "status"), [("marketer", 200), ("staff", 200), ("enduser", 403), (None, 403)]
)
@pytest.mark.parametrize("url", ["/api/persons/", "/api/tags/"])
def test_people_endpoints_by_role(api_client, role, status, url):
    api_client.force_login(UserFactory(roles=[role] if role else []))
    assert api_client.get(url).status_code == status


@pytest.mark.parametrize("url", ["/api/persons/", "/api/tags/"])
def test_anonymous_callers_are_refused(api_client, url):
    PersonFactory()
    response = api_client.get(url)
    assert response.status_code in (401, 403)
    assert "results" not in response.json()


def test_enduser_cannot_create_or_delete_persons(api_client, enduser):
    victim = PersonFactory()
    api_client.force_login(enduser)

    created = api_client.post("/api/persons/", {"first_name": "Mallory"}, format="json")
    deleted = api_client.delete(f"/api/persons/{victim.pk}/")

    assert (created.status_code, deleted.status_code) == (403, 403)
    assert not Person.objects.filter(first_name="Mallory").exists()
    assert Person.objects.filter(pk=victim.pk).exists()


def test_token_auth_works_for_integrators(api_client):
    integrator = UserFactory(roles=["staff"])
    token = Token.objects.create(user=integrator)
    person = PersonFactory()

    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    response = api_client.get("/api/persons/")
    created = api_client.post(
        "/api/persons/", {"first_name": "Ivy", "email": "ivy@example.com"}, format="json"
    )

    assert _ids(response) == [person.pk]
    assert created.status_code == 201


def test_a_wrong_token_is_refused(api_client):
    api_client.credentials(HTTP_AUTHORIZATION="Token not-a-real-key")
    response = api_client.get("/api/persons/")
    assert response.status_code in (401, 403)
    assert response.json()["detail"] == "Invalid token."


def test_token_of_an_enduser_does_not_open_people(api_client, enduser):
    token = Token.objects.create(user=enduser)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert api_client.get("/api/persons/").status_code == 403


# --- CRUD -------------------------------------------------------------------------------------


def test_person_crud(as_staff):
    vip = TagFactory(name="vip")

    created = as_staff.post(
        "/api/persons/",
        {"first_name": "Ada", "last_name": "Lovelace", "phone": "+3212345678", "tags": [vip.pk]},
        format="json",
    )
    assert created.status_code == 201
    pk = created.json()["id"]
    assert created.json()["tags"] == [vip.pk]
    assert created.json()["email"] is None
    assert created.json()["language"] == "en"

    fetched = as_staff.get(f"/api/persons/{pk}/").json()
    assert (fetched["first_name"], fetched["last_name"], fetched["phone"]) == (
        "Ada",
        "Lovelace",
        "+3212345678",
    )

    patched = as_staff.patch(f"/api/persons/{pk}/", {"language": "nl", "tags": []}, format="json")
    assert patched.status_code == 200
    person = Person.objects.get(pk=pk)
    assert person.language == "nl"
    assert list(person.tags.all()) == []

    assert as_staff.delete(f"/api/persons/{pk}/").status_code == 204
    assert not Person.objects.filter(pk=pk).exists()
    assert as_staff.get(f"/api/persons/{pk}/").status_code == 404


def test_email_is_stored_lower_case(as_staff):
    response = as_staff.post("/api/persons/", {"email": "  Ada@Example.COM "}, format="json")

    assert response.status_code == 201
    assert response.json()["email"] == "ada@example.com"
    assert Person.objects.get().email == "ada@example.com"


@pytest.mark.parametrize("email", ["ada@example.com", "ADA@example.com", "Ada@Example.Com"])
def test_email_is_unique_case_insensitively(as_staff, email):
    PersonFactory(email="ada@example.com")

    response = as_staff.post("/api/persons/", {"first_name": "Copy", "email": email}, format="json")

    assert response.status_code == 400
    assert "already has this email" in response.json()["email"][0]
    assert Person.objects.count() == 1


def test_a_person_keeps_their_own_email_on_update(as_staff):
    person = PersonFactory(email="ada@example.com")

    response = as_staff.put(
        f"/api/persons/{person.pk}/", {"first_name": "Ada", "email": "ADA@example.com"}, format="json"
    )

    assert response.status_code == 200
    person.refresh_from_db()
    assert (person.first_name, person.email) == ("Ada", "ada@example.com")


def test_update_to_someone_elses_email_is_refused(as_staff):
    PersonFactory(email="taken@example.com")
    person = PersonFactory(email="mine@example.com")

    response = as_staff.patch(f"/api/persons/{person.pk}/", {"email": "Taken@example.com"}, format="json")

    assert response.status_code == 400
    assert "email" in response.json()
    person.refresh_from_db()
    assert person.email == "mine@example.com"


def test_phone_is_unique(as_staff):
    PersonFactory(phone="+3212345678")

    response = as_staff.post("/api/persons/", {"phone": "+3212345678"}, format="json")

    assert response.status_code == 400
    assert "phone" in response.json()
    assert Person.objects.count() == 1


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"email": "not-an-email"}, "email"),
        ({"tags": [999999]}, "tags"),
        ({"first_name": "x" * 101}, "first_name"),
    ],
)
def test_invalid_person_fields_are_refused_and_nothing_is_stored(as_staff, payload, field):
    response = as_staff.post("/api/persons/", payload, format="json")

    assert response.status_code == 400
    assert field in response.json()
    assert not Person.objects.exists()


def test_persons_without_email_or_phone_can_coexist(as_staff):
    for name in ("One", "Two"):
        response = as_staff.post(
            "/api/persons/", {"first_name": name, "email": "", "phone": ""}, format="json"
        )
        assert response.status_code == 201
    assert list(Person.objects.values_list("email", "phone")) == [(None, None), (None, None)]


# --- search and filters ---------------------------------------------------------------------


@pytest.fixture
def directory():
    vip = TagFactory(name="vip")
    return {
        "ada": PersonFactory(first_name="Ada", last_name="Lovelace", email="ada@math.org", tags=[vip]),
        "alan": PersonFactory(
            first_name="Alan", last_name="Turing", email="alan@bletchley.uk", phone="+44123"
        ),
        "grace": PersonFactory(first_name="Grace", last_name="Hopper", email="grace@navy.mil", tags=[vip]),
        "vip": vip,
    }


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("search=ada", ["ada"]),
        ("search=TURING", ["alan"]),
        ("search=navy.mil", ["grace"]),
        ("search=%2B44123", ["alan"]),
        ("search=a", ["ada", "alan", "grace"]),
        ("search=nobody", []),
        ("tag={vip}", ["ada", "grace"]),
        ("tag={vip}&search=grace", ["grace"]),
        ("tag=999999", []),
    ],
)
def test_person_search_and_tag_filter(as_staff, directory, query, expected):
    response = as_staff.get(f"/api/persons/?{query.format(vip=directory['vip'].pk)}")
    assert _ids(response) == [directory[name].pk for name in expected]


def test_tags_list_with_person_count(as_staff, directory):
    TagFactory(name="empty")

    response = as_staff.get("/api/tags/")

    assert response.status_code == 200
    assert [(t["name"], t["person_count"]) for t in response.json()["results"]] == [("empty", 0), ("vip", 2)]


def test_tag_create_and_unique_name(as_staff):
    created = as_staff.post("/api/tags/", {"name": "newsletter"}, format="json")
    duplicate = as_staff.post("/api/tags/", {"name": "newsletter"}, format="json")

    assert created.status_code == 201
    assert created.json() == {"id": created.json()["id"], "name": "newsletter", "person_count": 0}
    assert duplicate.status_code == 400
    assert "name" in duplicate.json()
    assert Tag.objects.filter(name="newsletter").count() == 1
