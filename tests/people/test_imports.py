"""CSV/TSV import of persons: detection, mapping, upserts, per-row rejections, resuming, the API and pages."""

import csv
import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from people import changes, imports, services
from people.models import AttributeValue, Company, Person, PersonChange, PersonImport, Tag
from people.outbox.models import OutboxEvent
from people.tasks import person_import_run
from tests.factories import PersonFactory, TagFactory, UserFactory
from tests.helpers import last_outbox_id, published_changes


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def upload(
    content: bytes | str, *, name: str = "people.csv", delimiter: str | None = None, **kw
) -> PersonImport:
    if isinstance(content, str):
        content = content.encode()
    return imports.person_import_create(
        file=SimpleUploadedFile(name, content, content_type="text/csv"), delimiter=delimiter, **kw
    )


def run(capture, content, mapping=None, *, upsert_key="email", tags=(), delimiter=None) -> PersonImport:
    """Upload, start (the task is queued on commit and runs in-process) and return the finished import."""
    person_import = upload(content, delimiter=delimiter)
    if mapping is None:
        mapping = imports.import_preview(person_import).suggestions
    with capture(execute=True):
        imports.person_import_start(
            person_import=person_import, mapping=mapping, upsert_key=upsert_key, tags=list(tags)
        )
    person_import.refresh_from_db()
    return person_import


def rejected_csv(person_import: PersonImport) -> list[list[str]]:
    text = "".join(imports_csv_lines(person_import))
    return list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))


def imports_csv_lines(person_import):
    from people.exports import csv_lines

    return csv_lines(imports.rejected_rows(person_import))


# --- detection and suggestions ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sample", "expected"),
    [
        ("first_name,email\nAnn,ann@example.com\nBob,bob@example.com\n", ","),
        ("first_name;email\nAnn;ann@example.com\nBob;bob@example.com\n", ";"),
        ("first_name|email\nAnn|ann@example.com\nBob|bob@example.com\n", "|"),
        ("first_name\temail\nAnn\tann@example.com\nBob\tbob@example.com\n", "\t"),
        ('name;note\n"Maes, Ann";"a, b, c"\n"Peeters, Bob";x\n', ";"),  # commas inside quoted cells
        ("email\nann@example.com\n", ","),  # one column: nothing to detect
        ("a,b|c,d\n1,2|3,4\n5,6|7,8\n9,1|2,3", ","),  # a cut-off last line is ignored
    ],
)
def test_delimiter_detection(sample, expected):
    assert imports.detect_delimiter(sample) == expected


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("content", "delimiter", "label"),
    [
        ("email,first_name\nann@example.com,Ann\n", None, "comma"),
        ("email;first_name\nann@example.com;Ann\n", None, "semicolon"),
        ("email|first_name\nann@example.com|Ann\n", None, "pipe"),
        ("email\tfirst_name\nann@example.com\tAnn\n", None, "tab"),
        ("email#first_name\nann@example.com#Ann\n", "#", "custom (#)"),
        ("email\tfirst_name\nann@example.com\tAnn\n", "tab", "tab"),
    ],
)
def test_upload_detects_or_takes_the_delimiter_and_imports(
    content, delimiter, label, django_capture_on_commit_callbacks
):
    person_import = upload(content, delimiter=delimiter)
    assert imports.delimiter_label(person_import.delimiter) == label
    preview = imports.import_preview(person_import)
    assert preview.columns == ["email", "first_name"]
    assert preview.rows == [["ann@example.com", "Ann"]]
    with django_capture_on_commit_callbacks(execute=True):
        imports.person_import_start(
            person_import=person_import, mapping=preview.suggestions, upsert_key="email"
        )
    assert Person.objects.get(email="ann@example.com").first_name == "Ann"


@pytest.mark.django_db
def test_mapping_suggestions_from_header_names():
    services.attribute_definition_create(key="score", label="Loyalty score", data_type="NUMBER")
    services.attribute_definition_create(key="city", label="City", data_type="TEXT")
    columns = [
        "Given name",
        "Surname",
        "E-mail",
        "Mobile",
        "Customer ID",
        "Loyalty Score",
        "city",
        "Email",
        "Notes",
    ]
    assert imports.suggest_mapping(columns, list(imports.AttributeDefinition.objects.all())) == [
        "first_name",
        "last_name",
        "email",
        "phone",
        "external_id",
        "score",
        "city",
        "ignore",  # email is already taken by "E-mail"
        "ignore",
    ]


@pytest.mark.django_db
def test_preview_shows_five_rows_and_names_columns_without_header():
    content = "\n".join(f"p{i}@example.com,Name{i}" for i in range(8)) + "\n"
    person_import = upload(content, has_header=False)
    preview = imports.import_preview(person_import)
    assert preview.columns == ["Column 1", "Column 2"]
    assert len(preview.rows) == 5 and preview.rows[0] == ["p0@example.com", "Name0"]
    assert preview.suggestions == ["ignore", "ignore"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("mapping", "upsert_key", "message"),
    [
        (["email", "email"], "email", "Several columns are mapped to email"),
        (["email", "shoe_size"], "email", "Unknown attribute 'shoe_size'"),
        (["email", "first_name"], "phone", "Map a column to phone"),
        (["email", "first_name", "last_name"], "email", "3 targets but the file has 2 columns"),
        ({"Mail": "email"}, "email", "No column is named 'Mail'"),
    ],
)
def test_bad_mappings_are_refused(mapping, upsert_key, message):
    person_import = upload("email,name\nann@example.com,Ann\n")
    with pytest.raises(imports.ImportRefused, match=message):
        imports.person_import_start(person_import=person_import, mapping=mapping, upsert_key=upsert_key)
    person_import.refresh_from_db()
    assert person_import.status == "new"


# --- upserts ----------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("upsert_key", "column", "existing_value", "cell"),
    [
        ("email", "email", "ann@example.com", "ANN@Example.com"),
        ("phone", "phone", "+32470123456", "0470 12 34 56"),  # normalised like the API does
        ("external_id", "external_id", "crm-1", "crm-1"),
    ],
)
def test_upsert_by_each_key_updates_the_match_and_creates_the_rest(
    upsert_key, column, existing_value, cell, django_capture_on_commit_callbacks
):
    ann = services.person_create(first_name="Old", **{column: existing_value})
    others = {"email": "new@example.com", "phone": "+32470999999", "external_id": "crm-2"}
    content = f"{column},first_name\n{cell},Ann\n{others[column]},Newbie\n"
    person_import = run(django_capture_on_commit_callbacks, content, upsert_key=upsert_key)
    assert (person_import.status, person_import.created, person_import.updated, person_import.rejected) == (
        "done",
        1,
        1,
        0,
    )
    assert Person.objects.count() == 2
    ann.refresh_from_db()
    assert ann.first_name == "Ann"
    assert Person.objects.get(**{column: others[column]}).first_name == "Newbie"
    # The change of the existing person is on their timeline, labelled with the import.
    change = PersonChange.objects.filter(person=ann, key="first_name").last()
    assert (change.old, change.new, change.source) == ("Old", "Ann", f"import:{person_import.pk}")


@pytest.mark.django_db
def test_blank_cells_keep_values_and_a_key_twice_in_the_file_is_one_person(
    django_capture_on_commit_callbacks,
):
    ann = services.person_create(first_name="Ann", last_name="Maes", email="ann@example.com")
    content = (
        "email,first_name,last_name\n"
        "ann@example.com,,Peeters\nbob@example.com,Bob,\nBOB@example.com,,Jacobs\n"
    )
    person_import = run(django_capture_on_commit_callbacks, content)
    assert (person_import.created, person_import.updated) == (1, 2)
    ann.refresh_from_db()
    assert (ann.first_name, ann.last_name) == ("Ann", "Peeters")
    bob = Person.objects.get(email="bob@example.com")
    assert (bob.first_name, bob.last_name) == ("Bob", "Jacobs")


@pytest.mark.django_db
def test_standard_and_custom_attributes_company_and_tags(django_capture_on_commit_callbacks):
    services.attribute_definition_create(key="score", label="Score", data_type="NUMBER", number_kind="whole")
    services.attribute_definition_create(key="vip", label="VIP", data_type="BOOLEAN")
    services.attribute_definition_create(key="interests", label="Interests", data_type="LIST")
    services.attribute_definition_create(key="renewal", label="Renewal", data_type="DATE")
    services.person_create(email="ann@example.com", attributes={"score": 1}, tags=[TagFactory(name="old")])
    fair, news = TagFactory(name="fair"), TagFactory(name="news")
    mark = last_outbox_id()
    person_import = run(
        django_capture_on_commit_callbacks,
        "email,language,timezone,opt_in,birth_date,company,score,vip,interests,renewal\n"
        'ann@example.com,nl,Europe/Brussels,yes,1990-02-03,Acme,42,no,"Golf, golf, Wine",2026-01-31\n'
        "bob@example.com,fr,UTC,0,,acme,7,1,,\n",
        tags=[fair, news],
    )
    received = published_changes(mark)
    assert (person_import.created, person_import.updated, person_import.rejected) == (1, 1, 0)
    ann = Person.objects.get(email="ann@example.com")
    bob = Person.objects.get(email="bob@example.com")
    assert (ann.language, ann.timezone, ann.opt_in, str(ann.birth_date)) == (
        "nl",
        "Europe/Brussels",
        True,
        "1990-02-03",
    )
    assert ann.company == bob.company and ann.company.name == "Acme"  # matched ignoring case, created once
    assert sorted(t.name for t in ann.tags.all()) == ["fair", "news", "old"]
    assert sorted(t.name for t in bob.tags.all()) == ["fair", "news"]
    from people.selectors import person_attributes

    assert person_attributes(ann) == {
        "interests": ["Golf", "Wine"],
        "renewal": "2026-01-31",
        "score": 42,
        "vip": False,
    }
    assert person_attributes(bob) == {"score": 7, "vip": True}
    assert AttributeValue.objects.count() == 6
    # Change events in the outbox, as the per-person services write them.
    score = [c for c in received if isinstance(c, changes.AttributeChanged) and c.key == "score"]
    assert {(c.person_id, c.old, c.new) for c in score} == {(ann.pk, 1, 42), (bob.pk, None, 7)}
    tagged = {(c.person_id, c.tag) for c in received if isinstance(c, changes.TagAdded)}
    assert tagged == {(ann.pk, "fair"), (ann.pk, "news"), (bob.pk, "fair"), (bob.pk, "news")}
    assert any(
        isinstance(c, changes.CompanyChanged) and c.new == {"id": ann.company_id, "name": "Acme"}
        for c in received
    )


def change_summary(seen: list[changes.PersonChanged]) -> list[tuple]:
    """The changes without person, time and source: what a timeline or a trigger sees."""
    out = []
    for c in seen:
        if isinstance(c, changes.AttributeChanged):
            out.append(("attribute", c.key, c.old, c.new))
        elif isinstance(c, changes.TagAdded | changes.TagRemoved):
            out.append((type(c).__name__, c.tag))
        elif isinstance(c, changes.CompanyChanged):
            out.append(("company", c.old, c.new))
    return out


def timeline_rows(person: Person) -> list[tuple]:
    return list(person.changes.order_by("at", "id").values_list("kind", "key", "old", "new"))


@pytest.mark.django_db
def test_a_new_person_gets_the_change_events_and_timeline_of_person_create(
    django_capture_on_commit_callbacks,
):
    from people.selectors import person_attributes

    for key, data_type, kind in [
        ("score", "NUMBER", "whole"),
        ("ratio", "NUMBER", "decimal"),
        ("vip", "BOOLEAN", ""),
        ("interests", "LIST", ""),
        ("renewal", "DATE", ""),
        ("seen", "DATETIME", ""),
        ("city", "TEXT", ""),
    ]:
        services.attribute_definition_create(key=key, label=key, data_type=data_type, number_kind=kind)
    acme = Company.objects.create(name="Acme")
    fair, news = TagFactory(name="fair"), TagFactory(name="news")
    mark = last_outbox_id()
    made = services.person_create(
        first_name="Ann",
        last_name="Maes",
        email="ann@example.com",
        phone="+32470123456",
        external_id="crm-1",
        language="nl",
        timezone="Europe/Brussels",
        opt_in=True,
        birth_date=dt.date(1990, 2, 3),
        company=acme,
        tags=[fair, news],
        attributes={
            "score": 42,
            "ratio": "2.50",
            "vip": False,
            "interests": ["Golf", "Wine"],
            "renewal": "2026-01-31",
            "seen": "2026-01-31T10:00:00+01:00",
            "city": "Ghent",
        },
    )
    created = (change_summary(published_changes(mark)), timeline_rows(made), person_attributes(made))
    services.person_delete(person=made)
    mark = last_outbox_id()
    person_import = run(
        django_capture_on_commit_callbacks,
        "first_name,last_name,email,phone,external_id,language,timezone,opt_in,birth_date,company,"
        "score,ratio,vip,interests,renewal,seen,city\n"
        "Ann,Maes,ann@example.com,+32470123456,crm-1,nl,Europe/Brussels,yes,1990-02-03,acme,"
        '42,2.50,no,"Golf,Wine",2026-01-31,2026-01-31T10:00:00+01:00,Ghent\n',
        tags=[fair, news],
    )
    received = published_changes(mark)
    assert (person_import.created, person_import.rejected) == (1, 0)
    imported = Person.objects.get(email="ann@example.com")
    assert (change_summary(received), timeline_rows(imported), person_attributes(imported)) == created
    assert len(created[1]) == 19  # 9 standard attributes, the company, 2 tags, 7 custom attributes
    assert {c.source for c in received} == {f"import:{person_import.pk}"}
    assert changes.snapshot(imported) == changes.snapshot(made)


@pytest.mark.django_db
def test_an_import_changing_many_persons_logs_old_and_new_values(
    django_capture_on_commit_callbacks, settings
):
    settings.IMPORT_BATCH_SIZE = 150
    services.attribute_definition_create(key="score", label="Score", data_type="NUMBER", number_kind="whole")
    acme = Company.objects.create(name="Acme")
    for i in range(400):
        services.person_create(
            first_name=f"P{i}", email=f"p{i}@example.com", company=acme, attributes={"score": i}
        )
    before = dict(Person.objects.values_list("email", "updated_at"))
    rows = "".join(
        f"p{i}@example.com,Q{i},Beta,{i + 1}\n" if i % 2 else f"p{i}@example.com,P{i},Acme,{i}\n"
        for i in range(400)
    )
    mark = last_outbox_id()
    person_import = run(django_capture_on_commit_callbacks, "email,first_name,company,score\n" + rows)
    received = published_changes(mark)
    assert (person_import.created, person_import.updated, person_import.rejected) == (0, 400, 0)
    beta = Company.objects.get(name="Beta")
    p7 = Person.objects.get(email="p7@example.com")
    assert (p7.first_name, p7.company) == ("Q7", beta)
    after = dict(Person.objects.values_list("email", "updated_at"))
    changed = {email for email in after if after[email] != before[email]}
    assert changed == {f"p{i}@example.com" for i in range(1, 400, 2)}  # the same values: no write
    assert Person.objects.filter(first_name__startswith="Q").count() == 200
    assert Person.objects.filter(company=beta).count() == 200
    # Only the odd rows changed: three events each, with the old values, on the timeline too.
    assert len(received) == 600
    # One outbox event per committed batch (400 rows in batches of 150), not one per person.
    assert OutboxEvent.objects.filter(pk__gt=mark, topic=changes.TOPIC).count() == 3
    assert change_summary([c for c in received if c.person_id == p7.pk]) == [
        ("attribute", "first_name", "P7", "Q7"),
        ("company", {"id": acme.pk, "name": "Acme"}, {"id": beta.pk, "name": "Beta"}),
        ("attribute", "score", 7, 8),
    ]
    assert timeline_rows(p7)[-3:] == [
        ("attribute", "first_name", "P7", "Q7"),
        ("company", "company", {"id": acme.pk, "name": "Acme"}, {"id": beta.pk, "name": "Beta"}),
        ("attribute", "score", 7, 8),
    ]


@pytest.mark.django_db
def test_a_row_the_database_refuses_is_rejected_alone(django_capture_on_commit_callbacks):
    # Stored outside the services, upper-cased: the batch's look-up by the normalised email misses it,
    # the database's unique index on the lower-cased email does not. The batch is then written row by row.
    Person.objects.create(email="TAKEN@example.com")
    tag = TagFactory(name="fair")
    content = "email,first_name\na@example.com,A\ntaken@example.com,T\nb@example.com,B\n"
    person_import = run(django_capture_on_commit_callbacks, content, tags=[tag])
    assert (person_import.created, person_import.rejected) == (2, 1)
    assert [r[:2] for r in rejected_csv(person_import)[1:]] == [
        ["3", "Another person has this email, phone or external id."]
    ]
    assert sorted(Person.objects.filter(tags=tag).values_list("email", flat=True)) == [
        "a@example.com",
        "b@example.com",
    ]
    assert Person.objects.count() == 3
    assert not PersonChange.objects.filter(person__email="TAKEN@example.com").exists()


# --- rejections -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_invalid_rows_are_rejected_with_line_and_reason_and_valid_rows_imported(
    django_capture_on_commit_callbacks,
):
    services.attribute_definition_create(key="score", label="Score", data_type="NUMBER", number_kind="whole")
    services.person_create(email="taken@example.com", phone="+32470000001")
    content = (
        "email,phone,opt_in,score,first_name\n"  # line 1
        "ok1@example.com,+32470111111,yes,1,Ann\n"  # 2
        "bad-email,+32470111112,yes,1,Bob\n"  # 3
        "ok2@example.com,12,maybe,1.5,Carl\n"  # 4: three errors
        "\n"  # 5: blank, skipped
        '"ok3@example.com","+32470111113",no,2,"Multi\nline"\n'  # 6-7
        "ok4@example.com,+32470000001,no,3,Dan\n"  # 8: phone of someone else
        "ok5@example.com,+32470111114,no,4,Eve,extra\n"  # 9: too many cells
        "ok6@example.com,+32470111115,,,Fay\n"  # 10
    )
    person_import = run(django_capture_on_commit_callbacks, content)
    assert (person_import.status, person_import.total, person_import.processed) == ("done", 7, 7)
    assert (person_import.created, person_import.updated, person_import.rejected) == (3, 0, 4)
    assert set(Person.objects.values_list("email", flat=True)) == {
        "taken@example.com",
        "ok1@example.com",
        "ok3@example.com",
        "ok6@example.com",
    }
    assert Person.objects.get(email="ok3@example.com").first_name == "Multi\nline"
    rows = rejected_csv(person_import)
    assert rows[0] == ["line", "reason", "email", "phone", "opt_in", "score", "first_name"]
    assert [r[:2] for r in rows[1:]] == [
        ["3", "email: Enter a valid email address."],
        [
            "4",
            "phone: Enter a valid phone number, e.g. +32470123456.; "
            "opt_in: Must be true or false (yes/no, 1/0).; score: Must be a whole number.",
        ],
        ["8", "phone: Another person already has this phone number."],
        ["9", "6 values where the file has 5 columns."],
    ]
    assert rows[1][2:] == ["bad-email", "+32470111112", "yes", "1", "Bob"]


@pytest.mark.django_db
def test_two_rows_claiming_one_phone_the_second_is_rejected(django_capture_on_commit_callbacks):
    content = "email,phone\na@example.com,+32470111111\nb@example.com,0470111111\n"
    person_import = run(django_capture_on_commit_callbacks, content)
    assert (person_import.created, person_import.rejected) == (1, 1)
    assert [r[:2] for r in rejected_csv(person_import)[1:]] == [
        ["3", "phone: Another person already has this phone number."]
    ]


# --- encodings --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_utf8_with_bom(django_capture_on_commit_callbacks):
    content = "\ufeffemail;first_name\nchloe@example.com;Chloé\n".encode()
    person_import = upload(content)
    preview = imports.import_preview(person_import)
    assert (person_import.encoding, preview.note, preview.columns) == (
        "utf-8-sig",
        "",
        ["email", "first_name"],
    )
    with django_capture_on_commit_callbacks(execute=True):
        imports.person_import_start(
            person_import=person_import, mapping=preview.suggestions, upsert_key="email"
        )
    assert Person.objects.get(email="chloe@example.com").first_name == "Chloé"


@pytest.mark.django_db
def test_latin1_falls_back_with_a_note(django_capture_on_commit_callbacks):
    person_import = upload("email;first_name\nchloe@example.com;Chloé\n".encode("latin-1"))
    preview = imports.import_preview(person_import)
    assert person_import.encoding == "latin-1" and "Latin-1" in preview.note
    assert preview.rows == [["chloe@example.com", "Chloé"]]
    with django_capture_on_commit_callbacks(execute=True):
        imports.person_import_start(
            person_import=person_import, mapping=preview.suggestions, upsert_key="email"
        )
    assert Person.objects.get(email="chloe@example.com").first_name == "Chloé"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("content", "message"),
    [(b"", "The file is empty."), (b"\x89PNG\r\n\x1a\n\x00\x00", "not a CSV"), (b"x" * 11, "larger than")],
)
def test_refused_uploads(settings, content, message):
    settings.IMPORT_MAX_BYTES = 10
    with pytest.raises(imports.ImportRefused, match=message):
        upload(content)
    assert not PersonImport.objects.exists()


# --- resuming ---------------------------------------------------------------------------------


class Killed(BaseException):
    """Like the worker being killed: not an error the run can catch and record."""


@pytest.mark.django_db(transaction=True)
def test_a_run_killed_after_a_batch_resumes_without_duplicates(settings):
    settings.IMPORT_BATCH_SIZE = 2
    tag = Tag.objects.create(name="fair")
    content = "email,first_name\n" + "".join(f"p{i}@example.com,P{i}\n" for i in range(5)) + "bad,X\n"
    person_import = upload(content)
    imports.person_import_start(
        person_import=person_import, mapping=["email", "first_name"], upsert_key="email", tags=[tag]
    )  # runs at once: the suite runs django-q2 in-process…
    Person.objects.all().delete()
    PersonImport.objects.filter(pk=person_import.pk).update(
        status="queued", processed=0, created=0, updated=0, rejected=0, total=None
    )
    person_import.rejections.all().delete()

    mark = last_outbox_id()

    # … so here a second, controlled run is killed in its second batch, after the first one committed:
    # when the batch goes to insert its persons. Django's execute_wrapper (its hook around every
    # statement) raises there, so none of our code is replaced. A temporary outbox handler would not
    # do: it runs in another process in production (here, the relay after commit), so its failure is
    # not the import worker dying, and "person.changed" already has the engine's handler.
    inserts = 0

    def kill_at_second_persons_insert(execute, sql, params, many, context):
        nonlocal inserts
        if sql.startswith('INSERT INTO "people_person" ('):
            inserts += 1
            if inserts == 2:
                raise Killed
        return execute(sql, params, many, context)

    with pytest.raises(Killed), connection.execute_wrapper(kill_at_second_persons_insert):
        person_import_run(person_import.pk)
    person_import.refresh_from_db()
    assert (person_import.status, person_import.processed, person_import.total) == ("running", 2, 6)
    assert Person.objects.count() == 2
    assert len(published_changes(mark)) == 2 * 3  # the second batch's changes went with its rollback

    person_import_run(person_import.pk)  # django-q2 retries the task
    person_import.refresh_from_db()
    assert (person_import.status, person_import.processed) == ("done", 6)
    assert (person_import.created, person_import.updated, person_import.rejected) == (5, 0, 1)
    assert Person.objects.count() == 5
    assert Person.tags.through.objects.count() == 5
    # Each person's changes written once over both runs: first name, email and the tag.
    published = [
        (c.person_id, c.key if isinstance(c, changes.AttributeChanged) else c.tag)
        for c in published_changes(mark)
    ]
    assert sorted(published) == sorted(
        (pk, what)
        for pk in Person.objects.values_list("pk", flat=True)
        for what in ("first_name", "email", "fair")
    )
    person_import_run(person_import.pk)  # a done import is left alone
    assert Person.objects.count() == 5 and person_import.rejections.count() == 1


# --- API and pages ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_api_upload_preview_start_progress_and_rejected_csv(
    api_client, marketer, django_capture_on_commit_callbacks
):
    api_client.force_authenticate(marketer)
    tag = TagFactory(name="fair")
    file = SimpleUploadedFile("people.csv", b"E-mail;Given name\nann@example.com;Ann\nnope;Bob\n")
    response = api_client.post("/api/imports/", {"file": file}, format="multipart")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["status"], body["delimiter"], body["delimiter_label"]) == ("new", ";", "semicolon")
    assert body["preview"] == {
        "columns": ["E-mail", "Given name"],
        "rows": [["ann@example.com", "Ann"], ["nope", "Bob"]],
        "suggestions": ["email", "first_name"],
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = api_client.post(
            f"/api/imports/{body['id']}/start/",
            {
                "mapping": {"E-mail": "email", "Given name": "first_name"},
                "upsert_key": "email",
                "tags": [tag.pk],
            },
            format="json",
        )
    assert response.status_code == 200, response.json()
    detail = api_client.get(f"/api/imports/{body['id']}/").json()
    assert {k: detail[k] for k in ("status", "total", "processed", "created", "updated", "rejected")} == {
        "status": "done",
        "total": 2,
        "processed": 2,
        "created": 1,
        "updated": 0,
        "rejected": 1,
    }
    assert detail["mapping"] == ["email", "first_name"] and detail["tags"] == [tag.pk]
    assert "preview" not in detail
    response = api_client.get(detail["rejected_csv"])
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert text.splitlines() == [
        "line,reason,E-mail,Given name",
        "3,E-mail: Enter a valid email address.,nope,Bob",
    ]
    assert (
        api_client.post(
            f"/api/imports/{body['id']}/start/", {"mapping": ["email"]}, format="json"
        ).status_code
        == 400
    )
    assert [i["id"] for i in api_client.get("/api/imports/").json()["results"]] == [body["id"]]


@pytest.mark.django_db
def test_api_upload_with_mapping_starts_at_once(
    api_client, staff, settings, django_capture_on_commit_callbacks
):
    api_client.force_authenticate(staff)
    file = SimpleUploadedFile("p.tsv", b"phone\tname\n0470123456\tAnn\n")
    with django_capture_on_commit_callbacks(execute=True):
        response = api_client.post(
            "/api/imports/",
            {"file": file, "mapping": '["phone", "first_name"]', "upsert_key": "phone", "delimiter": "tab"},
            format="multipart",
        )
    assert response.status_code == 201, response.json()
    assert PersonImport.objects.get().status == "done"
    assert Person.objects.get(phone="+32470123456").first_name == "Ann"
    settings.IMPORT_MAX_BYTES = 5
    big = SimpleUploadedFile("p.csv", b"email\nann@example.com\n")
    response = api_client.post("/api/imports/", {"file": big}, format="multipart")
    assert response.status_code == 400 and "larger than" in response.json()["detail"]


@pytest.mark.django_db
def test_permissions(api_client, client, enduser):
    file = SimpleUploadedFile("p.csv", b"email\nann@example.com\n")
    assert api_client.post("/api/imports/", {"file": file}, format="multipart").status_code in (401, 403)
    api_client.force_authenticate(enduser)
    file.seek(0)
    assert api_client.post("/api/imports/", {"file": file}, format="multipart").status_code == 403
    assert api_client.get("/api/imports/").status_code == 403
    person_import = upload("email\nann@example.com\n")
    assert api_client.get(f"/api/imports/{person_import.pk}/rejected.csv").status_code == 403
    client.force_login(enduser)
    assert client.get("/people/import/").status_code == 403
    assert client.get(f"/people/import/{person_import.pk}/").status_code == 403
    assert not Person.objects.filter(email="ann@example.com").exists()


@pytest.mark.django_db
def test_import_pages_upload_map_and_start(client, marketer, django_capture_on_commit_callbacks):
    client.force_login(marketer)
    tag = TagFactory(name="fair")
    assert 'data-testid="import-people"' in client.get("/people/").content.decode()
    file = SimpleUploadedFile("p.csv", b"Email|Surname\nann@example.com|Maes\nbob@example.com|Claes\n")
    response = client.post("/people/import/", {"file": file, "delimiter": "", "has_header": "1"})
    person_import = PersonImport.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/people/import/{person_import.pk}/"
    page = client.get(response["Location"]).content.decode()
    assert "pipe" in page and "Maes" in page and 'value="last_name" selected' in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/people/import/{person_import.pk}/",
            {
                "action": "start",
                "width": "2",
                "column_0": "email",
                "column_1": "last_name",
                "upsert_key": "email",
                "tags": [tag.pk],
                "delimiter": "|",
                "has_header": "1",
            },
        )
    assert response.status_code == 302
    page = client.get(f"/people/import/{person_import.pk}/").content.decode()
    assert 'data-testid="import-progress">2 / 2<' in page
    assert set(Person.objects.filter(tags=tag).values_list("last_name", flat=True)) == {"Maes", "Claes"}


@pytest.mark.django_db
def test_import_page_reread_with_a_custom_delimiter(client, marketer):
    client.force_login(marketer)
    UserFactory()
    PersonFactory()
    file = SimpleUploadedFile("p.csv", b"email#name\nann@example.com#Ann\n")
    client.post("/people/import/", {"file": file, "delimiter": "", "has_header": "1"})
    person_import = PersonImport.objects.get()
    response = client.post(
        f"/people/import/{person_import.pk}/",
        {"action": "preview", "delimiter": "custom", "custom_delimiter": "#", "has_header": "1"},
    )
    person_import.refresh_from_db()
    assert person_import.delimiter == "#"
    assert "custom (#)" in response.content.decode()
    assert "<td>Ann</td>" in response.content.decode()
