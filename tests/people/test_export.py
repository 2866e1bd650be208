"""CSV export of persons: content, the People filters (segment included), CSV injection, permissions."""

import csv
import io

import pytest
from django.http import StreamingHttpResponse

from people import services
from people.exports import csv_safe
from people.models import Company, Segment
from tests.factories import TagFactory


def read(response) -> list[dict[str, str]]:
    assert response.status_code == 200
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")  # spreadsheets then read UTF-8
    return list(csv.DictReader(io.StringIO(text[1:])))


@pytest.fixture
def people(db):
    services.attribute_definition_create(key="score", label="Score", data_type="NUMBER", number_kind="whole")
    services.attribute_definition_create(key="interests", label="Interests", data_type="LIST")
    vip = TagFactory(name="vip")
    acme = Company.objects.create(name="Acme")
    ann = services.person_create(
        first_name="Ann",
        last_name="Maes",
        email="ann@example.com",
        phone="+32470123456",
        opt_in=True,
        company=acme,
        tags=[vip, TagFactory(name="news")],
        attributes={"score": 42, "interests": ["Golf", "Wine"]},
    )
    bob = services.person_create(first_name="Bob", email="bob@example.com", attributes={"score": 3})
    return {"ann": ann, "bob": bob, "vip": vip, "acme": acme}


def test_export_has_standard_custom_and_tag_columns(api_client, marketer, people):
    api_client.force_authenticate(marketer)
    rows = read(api_client.get("/api/persons/export/"))
    assert list(rows[0]) == [
        "id",
        "first_name",
        "last_name",
        "email",
        "phone",
        "external_id",
        "language",
        "timezone",
        "opt_in",
        "birth_date",
        "company",
        "tags",
        "interests",
        "score",
        "created_at",
        "updated_at",
    ]
    ann, bob = rows
    assert {
        k: ann[k]
        for k in ("id", "first_name", "email", "phone", "opt_in", "company", "tags", "interests", "score")
    } == {
        "id": str(people["ann"].pk),
        "first_name": "Ann",
        "email": "ann@example.com",
        "phone": "+32470123456",  # a plain number is not a formula: not escaped
        "opt_in": "true",
        "company": "Acme",
        "tags": "news, vip",
        "interests": "Golf, Wine",
        "score": "42",
    }
    assert (bob["first_name"], bob["phone"], bob["company"], bob["tags"], bob["interests"], bob["score"]) == (
        "Bob",
        "",
        "",
        "",
        "",
        "3",
    )


def test_export_in_several_chunks_keeps_every_person_once(api_client, marketer, people, monkeypatch):
    from people import exports

    monkeypatch.setattr(exports, "CHUNK", 1)
    for i in range(4):
        services.person_create(email=f"p{i}@example.com")
    api_client.force_authenticate(marketer)
    rows = read(api_client.get("/api/persons/export/"))
    assert len(rows) == 6 and len({r["id"] for r in rows}) == 6


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", {"Ann", "Bob"}),
        ("search=bob", {"Bob"}),
        ("tag={vip}", {"Ann"}),
        ("company={acme}", {"Ann"}),
        ("company=none", {"Bob"}),
        ("segment={segment}", {"Bob"}),
        ("segment=999999", set()),
    ],
)
def test_export_follows_the_people_filters(api_client, client, marketer, people, query, expected):
    segment = services.segment_create(
        name="low",
        rules={"op": "and", "rules": [{"attribute": "score", "operator": "lt", "value": 10}]},
    )
    query = query.format(vip=people["vip"].pk, acme=people["acme"].pk, segment=segment.pk)
    api_client.force_authenticate(marketer)
    assert {r["first_name"] for r in read(api_client.get(f"/api/persons/export/?{query}"))} == expected
    client.force_login(marketer)
    page_query = query.replace("search=", "q=")
    assert {r["first_name"] for r in read(client.get(f"/people/export.csv?{page_query}"))} == expected


@pytest.mark.parametrize(
    ("value", "escaped"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+1+cmd|' /C calc'!A0", "'+1+cmd|' /C calc'!A0"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("+32470123456", "+32470123456"),
        ("-5", "-5"),
        ("Ann", "Ann"),
        ("", ""),
    ],
)
def test_csv_safe(value, escaped):
    assert csv_safe(value) == escaped


def test_export_escapes_formulas_and_the_import_reads_them_back(api_client, marketer, db):
    services.person_create(first_name="=cmd|' /C calc'!A0", last_name="@evil", email="eve@example.com")
    api_client.force_authenticate(marketer)
    (row,) = read(api_client.get("/api/persons/export/"))
    assert (row["first_name"], row["last_name"]) == ("'=cmd|' /C calc'!A0", "'@evil")


def test_people_list_links_to_export_with_its_filters(client, marketer, people):
    client.force_login(marketer)
    page = client.get(f"/people/?q=ann&tag={people['vip'].pk}").content.decode()
    assert f'href="/people/export.csv?q=ann&amp;tag={people["vip"].pk}&amp;company=&amp;segment="' in page


def test_export_needs_marketer_or_staff(api_client, client, enduser, people):
    assert api_client.get("/api/persons/export/").status_code in (401, 403)
    api_client.force_authenticate(enduser)
    assert api_client.get("/api/persons/export/").status_code == 403
    client.force_login(enduser)
    assert client.get("/people/export.csv").status_code == 403
    api_client.logout()


def test_segment_filter_on_the_people_list(client, marketer, people):
    segment = Segment.objects.create(
        name="acme", rules={"op": "and", "rules": [{"company": people["acme"].pk, "operator": "in"}]}
    )
    client.force_login(marketer)
    response = client.get(f"/people/?segment={segment.pk}")
    assert [p.first_name for p in response.context["page"]] == ["Ann"]
