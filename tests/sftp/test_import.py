"""Importing files from a real SFTP server into active flows: the seed's schedule, delimiters, the contact
rules, attributes and variables, invalid rows, whole-file refusals, and versions taking over."""

import pytest
from django.utils import timezone

from engine.models import Participant
from engine.sftp import imports, services
from engine.sftp.models import SftpFile, SftpRowError
from flowdesigner.models import Flow
from messaging.models import Message
from people.models import AttributeValue, Person, PersonChange
from people.outbox.models import OutboxEvent
from people.outbox.worker import drain
from tests.factories import AttributeDefinitionFactory, PersonFactory
from tests.sftp.conftest import publish, sftp_config, sftp_definition


def _messages(text: str) -> list[str]:
    """Who got a message with `text`: their phone or email."""
    return sorted(m.person.phone or m.person.email for m in Message.objects.filter(text=text))


def _start(flow: Flow, capture) -> None:
    """Activate the watch as the flow's activation does; the first poll and the imports run now."""
    with capture(execute=True):
        services.sftp_schedule(flow.pk, "sftp")


def _next_poll() -> None:
    """Time passes: the next poll falls due, and the worker handles what is due."""
    OutboxEvent.objects.filter(topic=services.POLL, done_at__isnull=True).update(available_at=timezone.now())
    drain()


def _errors(file: SftpFile) -> list[tuple[int, str, str]]:
    return list(SftpRowError.objects.filter(file=file).values_list("row", "column", "reason"))


@pytest.mark.django_db
def test_the_seed_schedule_each_file_once_in_the_order_uploaded(
    sftp_flow, folder, django_capture_on_commit_callbacks
):
    # 12:00 Jane uploads File_A; 12:01 the connector checks: File_A's rows enter the flow.
    folder.write("File_A.csv", "Phone,Email\n+32470000001,\n")
    flow = sftp_flow(text="Welcome!")
    _start(flow, django_capture_on_commit_callbacks)
    assert _messages("Welcome!") == ["+32470000001"]

    # 12:02 Jane uploads File_B; 12:03 the next check takes File_B only.
    folder.write("File_B.csv", "Phone,Email\n+32470000002,\n")
    _next_poll()
    assert _messages("Welcome!") == ["+32470000001", "+32470000002"]

    # Later checks find nothing new: File_A is never imported again.
    _next_poll()
    _next_poll()
    assert _messages("Welcome!") == ["+32470000001", "+32470000002"]
    files = SftpFile.objects.filter(flow=flow).order_by("id")
    assert [(f.name, f.status, f.rows_valid) for f in files] == [
        ("File_A.csv", "done", 1),
        ("File_B.csv", "done", 1),
    ]
    # Nothing on the server was touched.
    assert sorted(p.name for p in folder.local.iterdir()) == ["File_A.csv", "File_B.csv"]
    assert (folder.local / "File_A.csv").read_text() == "Phone,Email\n+32470000001,\n"
    # One poll is pending at a time, due SFTP_POLL_SECONDS (3 minutes) after the last one.
    pending = OutboxEvent.objects.filter(topic=services.POLL, done_at__isnull=True)
    assert pending.count() == 1
    assert 170 < (pending.get().available_at - timezone.now()).total_seconds() <= 180


@pytest.mark.django_db
def test_scheduling_twice_keeps_one_poll_chain(sftp_flow, folder):
    flow = sftp_flow()
    services.sftp_schedule(flow.pk, "sftp")
    services.sftp_schedule(flow.pk, "sftp")
    assert OutboxEvent.objects.filter(topic=services.POLL, done_at__isnull=True).count() == 1


@pytest.mark.django_db
def test_a_paused_flow_stops_polling(sftp_flow, folder, django_capture_on_commit_callbacks):
    flow = sftp_flow(text="Hi")
    _start(flow, django_capture_on_commit_callbacks)
    Flow.objects.filter(pk=flow.pk).update(status=Flow.Status.PAUSED)
    folder.write("late.csv", "Phone,Email\n+32470000001,\n")

    _next_poll()

    assert not SftpFile.objects.filter(flow=flow).exists()
    assert not OutboxEvent.objects.filter(topic=services.POLL, done_at__isnull=True).exists()  # chain ended
    # Activated again: scheduling starts a new chain, which takes the file.
    Flow.objects.filter(pk=flow.pk).update(status=Flow.Status.ACTIVE)
    _start(flow, django_capture_on_commit_callbacks)
    assert _messages("Hi") == ["+32470000001"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("delimiter", "char"), [(",", ","), (";", ";"), ("|", "|"), ("tab", "\t"), ("#", "#")]
)
def test_each_delimiter(delimiter, char, sftp_flow, folder, django_capture_on_commit_callbacks):
    AttributeDefinitionFactory(key="city")
    folder.write(
        "people.csv",
        char.join(["Phone", "Email", "City"])
        + "\n"
        + char.join(["+32470000001", "ann@example.com", '"Gent, BE"']),
    )
    flow = sftp_flow(
        delimiter=delimiter,
        attributes=[{"column": "City", "attribute": "city"}],
        text="Hi {{ person.email }}",
    )

    _start(flow, django_capture_on_commit_callbacks)

    person = Person.objects.get(phone="+32470000001")
    assert person.email == "ann@example.com"
    assert AttributeValue.objects.get(person=person, definition__key="city").value_text == "Gent, BE"
    assert _messages("Hi ann@example.com") == ["+32470000001"]


@pytest.mark.django_db
def test_the_contact_rules(sftp_flow, folder, django_capture_on_commit_callbacks):
    folder.write(
        "contacts.csv",
        "Phone,Email,Name\n"
        "+32470000001,ann@example.com,Ann\n"  # line 2: both valid -> valid
        "+32470000002,not-an-email,Bob\n"  # line 3: one valid, the other invalid -> invalid
        "+32470000003,,Cy\n"  # line 4: valid phone, empty email -> valid
        ",dan@example.com,Dan\n"  # line 5: empty phone, valid email -> valid
        ",,Eve\n"  # line 6: both empty -> invalid
        "12,,Fay\n"  # line 7: invalid phone, empty email -> invalid
        "nonsense,gil@example.com,Gil\n",  # line 8: invalid phone, valid email -> invalid
    )
    flow = sftp_flow(text="Hi")

    _start(flow, django_capture_on_commit_callbacks)

    file = SftpFile.objects.get(flow=flow)
    assert (file.status, file.rows_total, file.rows_valid, file.rows_invalid) == ("done", 7, 3, 4)
    assert _messages("Hi") == ["+32470000001", "+32470000003", "dan@example.com"]
    assert _errors(file) == [
        (3, "Email", "'not-an-email' is not a valid email address."),
        (6, "Phone", "No contact: the columns 'Phone' and 'Email' are both empty."),
        (7, "Phone", "'12' is not a valid phone number."),
        (8, "Phone", "'nonsense' is not a valid phone number."),
    ]
    # Nothing of an invalid row was written: no person with its valid half.
    assert not Person.objects.filter(phone="+32470000002").exists()
    assert not Person.objects.filter(email="gil@example.com").exists()


@pytest.mark.django_db
def test_only_the_email_column_mapped(sftp_flow, folder, django_capture_on_commit_callbacks):
    folder.write("mails.csv", "Mail\nann@example.com\n\n\nnot-a-mail\n")
    flow = sftp_flow(contact={"phone": "", "email": "Mail"}, text="Hi")

    _start(flow, django_capture_on_commit_callbacks)

    file = SftpFile.objects.get(flow=flow)
    assert (file.rows_total, file.rows_valid, file.rows_invalid) == (2, 1, 1)  # blank lines are no rows
    assert _errors(file) == [(5, "Mail", "'not-a-mail' is not a valid email address.")]


@pytest.mark.django_db
def test_persons_found_by_phone_or_email_and_new_ones_marked(
    sftp_flow, folder, django_capture_on_commit_callbacks
):
    by_phone = PersonFactory(phone="+32470000001", email=None, first_name="Ann")
    by_email = PersonFactory(email="bob@example.com", phone=None, first_name="Bob")
    folder.write(
        "people.csv",
        "Phone,Email\n"
        "0470 00 00 01,\n"  # national format: the same number in E.164
        "+32470000002,BOB@example.com\n"  # Bob, found by email; his missing phone is filled in
        "+32470000003,cy@example.com\n",  # nobody: created
    )
    flow = sftp_flow(text="Hi {{ person.first_name }}")

    _start(flow, django_capture_on_commit_callbacks)

    by_email.refresh_from_db()
    assert by_email.phone == "+32470000002"
    assert _messages("Hi Ann") == ["+32470000001"]
    assert _messages("Hi Bob") == ["+32470000002"]
    new = Person.objects.get(email="cy@example.com")
    assert new.created_via == f"sftp:{flow.pk}"
    assert {by_phone.created_via, by_email.created_via} == {""}  # existing persons keep theirs
    assert Person.objects.count() == 3
    # The persons' timelines say the changes came from this flow's SFTP import.
    assert set(PersonChange.objects.filter(person=new).values_list("source", flat=True)) == {
        f"sftp:{flow.pk}"
    }


@pytest.mark.django_db
def test_a_phone_and_an_email_of_two_different_persons_make_the_row_invalid(
    sftp_flow, folder, django_capture_on_commit_callbacks
):
    ann = PersonFactory(phone="+32470000001", email="ann@example.com")
    bob = PersonFactory(phone="+32470000002", email="bob@example.com")
    folder.write("mixed.csv", "Phone,Email\n+32470000001,bob@example.com\n")
    flow = sftp_flow(text="Hi")

    _start(flow, django_capture_on_commit_callbacks)

    file = SftpFile.objects.get(flow=flow)
    assert _errors(file) == [
        (
            2,
            "Phone",
            f"The phone number belongs to person #{ann.pk} and the email address to person "
            f"#{bob.pk}: which one is meant is unclear.",
        ),
    ]
    assert not Message.objects.exists()


@pytest.mark.django_db
def test_attributes_and_variables(sftp_flow, folder, django_capture_on_commit_callbacks):
    AttributeDefinitionFactory(key="score", data_type="NUMBER", number_kind="whole")
    AttributeDefinitionFactory(key="vip", data_type="BOOLEAN")
    folder.write(
        "orders.csv",
        "Phone,Email,First,Score,Vip,Order,When\n"
        "+32470000001,,Ann,7,yes,1001,2025-03-01\n"  # line 2: valid
        "+32470000002,,Bob,lots,no,1002,2025-03-02\n"  # line 3: the score attribute refuses "lots"
        "+32470000003,,Cy,3,maybe,1003,2025-03-03\n"  # line 4: the vip attribute refuses "maybe"
        "+32470000004,,Dan,4,no,n/a,2025-03-04\n"  # line 5: "n/a" is no number for the variable
        "+32470000005,,Eve,,,1005,\n",  # line 6: blank cells leave attributes and variables alone
    )
    flow = sftp_flow(
        attributes=[
            {"column": "First", "attribute": "first_name"},
            {"column": "Score", "attribute": "score"},
            {"column": "Vip", "attribute": "vip"},
        ],
        variables=[{"column": "Order", "variable": "order"}, {"column": "When", "variable": "when"}],
        declare=[{"name": "order", "type": "number"}, {"name": "when", "type": "date"}],
        text="{{ person.first_name }}: order {{ variables.order }} on {{ variables.when }}",
    )

    _start(flow, django_capture_on_commit_callbacks)

    file = SftpFile.objects.get(flow=flow)
    assert (file.rows_valid, file.rows_invalid) == (2, 3)
    assert sorted(Message.objects.values_list("text", flat=True)) == [
        "Ann: order 1001 on 2025-03-01",
        "Eve: order 1005 on ",
    ]
    ann = Person.objects.get(phone="+32470000001")
    values = {v.definition.key: v for v in AttributeValue.objects.filter(person=ann)}
    assert (values["score"].value_number, values["vip"].value_bool) == (7, True)
    assert not AttributeValue.objects.filter(person__first_name="Eve").exists()
    assert _errors(file) == [
        (3, "Score", "score: Must be a number."),
        (4, "Vip", "vip: Must be true or false (yes/no, 1/0)."),
        (5, "Order", "Variable order (number): 'n/a' is not a number."),
    ]
    # Nothing of an invalid row was written, not even the person.
    assert not Person.objects.filter(first_name__in=["Bob", "Cy", "Dan"]).exists()


@pytest.mark.django_db
def test_an_attribute_deleted_after_publishing_makes_rows_invalid(
    sftp_flow, folder, django_capture_on_commit_callbacks
):
    town = AttributeDefinitionFactory(key="town")
    folder.write("x.csv", "Phone,Email,Town\n+32470000001,,Gent\n+32470000002,,\n")
    flow = sftp_flow(attributes=[{"column": "Town", "attribute": "town"}], text="Hi")
    town.delete()

    _start(flow, django_capture_on_commit_callbacks)

    file = SftpFile.objects.get(flow=flow)
    assert _errors(file) == [(2, "Town", "town: there is no such attribute; create it in People first.")]
    assert _messages("Hi") == ["+32470000002"]  # its blank cell sets nothing: valid


@pytest.mark.django_db
def test_a_bad_row_never_blocks_the_others_across_slices(
    sftp_flow, folder, settings, django_capture_on_commit_callbacks
):
    settings.SFTP_SLICE_ROWS = 2
    folder.write(
        "many.csv",
        "Phone,Email\n+32470000001,\nbad,\n+32470000003,\n+32470000004,\n,no-mail\n+32470000006,\n",
    )
    flow = sftp_flow(text="Hi")

    _start(flow, django_capture_on_commit_callbacks)

    file = SftpFile.objects.get(flow=flow)
    assert (file.status, file.rows_valid, file.rows_invalid, file.cursor) == ("done", 4, 2, 6)
    assert _messages("Hi") == ["+32470000001", "+32470000003", "+32470000004", "+32470000006"]
    assert [row for row, _, _ in _errors(file)] == [3, 6]


@pytest.mark.django_db
def test_a_header_without_a_mapped_column_fails_the_file_with_nothing_imported(
    sftp_flow, folder, django_capture_on_commit_callbacks
):
    AttributeDefinitionFactory(key="city")
    folder.write("nocity.csv", "Phone,Email,Town\n+32470000001,,Gent\n+32470000002,,Brugge\n")
    flow = sftp_flow(attributes=[{"column": "City", "attribute": "city"}], variables=[], text="Hi")

    _start(flow, django_capture_on_commit_callbacks)

    file = SftpFile.objects.get(flow=flow)
    assert file.status == "failed"
    assert file.error.startswith("The header has no column 'City', which the entry point maps.")
    assert "Its columns are: 'Phone', 'Email', 'Town'." in file.error
    assert file.error.endswith("Nothing of the file was imported.")
    assert not Person.objects.exists() and not Participant.objects.exists()


@pytest.mark.django_db
def test_a_new_version_takes_over_the_rows_not_yet_imported(sftp_flow, folder, connection, settings):
    settings.SFTP_SLICE_ROWS = 2
    folder.write("four.csv", "Phone,Email\n+32470000001,\n+32470000002,\n+32470000003,\n+32470000004,\n")
    flow = sftp_flow(text="Version one")
    (file,) = services.poll(flow, "sftp")

    assert imports.file_import(file, deadline=0) == "more"  # one slice: two rows
    publish(flow, sftp_definition(sftp_config(connection, folder), text="Version two"))
    assert imports.file_import(file, deadline=0) == "finished"

    assert _messages("Version one") == ["+32470000001", "+32470000002"]
    assert _messages("Version two") == ["+32470000003", "+32470000004"]
    assert sorted(Participant.objects.values_list("version__number", flat=True)) == [1, 1, 2, 2]


@pytest.mark.django_db
def test_rows_wait_while_the_flow_is_paused(sftp_flow, folder, settings):
    settings.SFTP_SLICE_ROWS = 1
    folder.write("two.csv", "Phone,Email\n+32470000001,\n+32470000002,\n")
    flow = sftp_flow(text="Hi")
    (file,) = services.poll(flow, "sftp")
    assert imports.file_import(file, deadline=0) == "more"

    Flow.objects.filter(pk=flow.pk).update(status=Flow.Status.PAUSED)
    assert imports.file_import(file, deadline=0) == "waiting"
    assert _messages("Hi") == ["+32470000001"]

    Flow.objects.filter(pk=flow.pk).update(status=Flow.Status.ACTIVE)
    assert imports.file_import(file, deadline=0) == "finished"
    assert _messages("Hi") == ["+32470000001", "+32470000002"]


@pytest.mark.django_db
def test_too_large_files_and_too_many_rows_are_refused(
    sftp_flow, folder, settings, django_capture_on_commit_callbacks
):
    settings.SFTP_MAX_FILE_BYTES = 100
    settings.SFTP_MAX_ROWS = 3
    folder.write("big.csv", "Phone,Email\n" + "+32470000001,\n" * 10)  # 152 bytes
    folder.write("long.csv", "Phone,Email\n+32470000001,\n+32470000002,\n+32470000003,\n+32470000004,\n")
    flow = sftp_flow(text="Hi")

    _start(flow, django_capture_on_commit_callbacks)

    big, long = SftpFile.objects.get(name="big.csv"), SftpFile.objects.get(name="long.csv")
    assert big.status == "failed"
    assert big.error == (
        f"The file '{folder.path}/big.csv' has 152 bytes; files up to 100 bytes are imported. "
        "Split it into smaller files and upload them under new names."
    )
    assert long.status == "failed"
    assert long.error.startswith("The file has more than 3 rows; split it into files of at most 3 rows")
    assert not Message.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("content", "error"),
    [
        (
            "Phone,Email\n+32470000001,andré@example.com\n".encode("latin-1"),
            "The file is not UTF-8 text: line 2 has bytes",
        ),
        ("Phone,Email\n+32470000001,\n".encode("utf-16-le"), "Line 1 contains NUL bytes"),
        (b"", "The file is empty: its first line must name the columns."),
        (
            b'Phone,Email\n"+32470000001,' + b"x" * 200_000 + b"\n",
            "Line 2 cannot be read as CSV: field larger",
        ),
    ],
    ids=["latin-1", "utf-16", "empty", "huge-field"],
)
def test_unreadable_files_are_refused_as_a_whole(
    content, error, sftp_flow, folder, django_capture_on_commit_callbacks
):
    folder.write("bad.csv", content)
    flow = sftp_flow(text="Hi")

    _start(flow, django_capture_on_commit_callbacks)

    file = SftpFile.objects.get(flow=flow)
    assert file.status == "failed"
    assert file.error.startswith(error), file.error
    assert "upload it under a new name" in file.error or "empty" in file.error
    assert not Message.objects.exists()


@pytest.mark.django_db
def test_a_utf8_bom_and_windows_line_ends_are_fine(sftp_flow, folder, django_capture_on_commit_callbacks):
    folder.write("excel.csv", "\ufeffPhone;Email;Name\r\n+32470000001;zoe@example.com;Zoë\r\n".encode())
    flow = sftp_flow(delimiter=";", attributes=[{"column": "Name", "attribute": "first_name"}], text="Hi")

    _start(flow, django_capture_on_commit_callbacks)

    assert _messages("Hi") == ["+32470000001"]
    assert Person.objects.get().first_name == "Zoë"


@pytest.mark.django_db
def test_publish_checks_name_a_missing_connection_and_attributes_a_file_cannot_set(connection, folder):
    from engine.sftp.checks import sftp_import_issues

    AttributeDefinitionFactory(key="city")
    config = sftp_config(
        connection,
        folder,
        attributes=[
            {"column": "City", "attribute": "city"},
            {"column": "First", "attribute": "first_name"},
            {"column": "Mobile", "attribute": "phone"},
            {"column": "Tier", "attribute": "tier"},
        ],
    )
    config["connection"] = connection.pk + 100  # deleted since

    issues = sftp_import_issues(sftp_definition(config))

    assert [(i.node_id, i.field, i.message) for i in issues] == [
        ("sftp", "config.connection", "This SFTP connection no longer exists: choose another one"),
        (
            "sftp",
            "config.attributes[2].attribute",
            "Map phone under contact information, not as an attribute",
        ),
        (
            "sftp",
            "config.attributes[3].attribute",
            'There is no attribute "tier" that a file can set: create it in People first',
        ),
    ]


@pytest.mark.django_db
def test_scheduling_a_flow_watches_each_of_its_sftp_entry_points(sftp_flow):
    flow = sftp_flow()

    services.sftp_schedule_flow(flow.pk)

    (event,) = OutboxEvent.objects.filter(topic=services.POLL)
    assert event.payload == {"flow_id": flow.pk, "node_id": "sftp"}


@pytest.mark.django_db
def test_an_unreachable_server_is_reported_and_the_next_poll_tries_again(
    sftp_flow, connection, django_capture_on_commit_callbacks
):
    import socket

    from engine.sftp.models import SftpWatch

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    flow = sftp_flow()
    type(connection).objects.filter(pk=connection.pk).update(port=closed)  # the server went away

    _start(flow, django_capture_on_commit_callbacks)

    watch = SftpWatch.objects.get(flow=flow)
    assert (
        watch.last_error
        == f"127.0.0.1:{closed} refused the connection: no SFTP server listens on port {closed}."
    )
    assert OutboxEvent.objects.filter(topic=services.POLL, done_at__isnull=True).count() == 1


@pytest.mark.django_db
def test_a_file_changed_during_its_import_fails_with_what_was_done(sftp_flow, folder, settings):
    settings.SFTP_SLICE_ROWS = 1
    folder.write("grow.csv", "Phone,Email\n+32470000001,\n+32470000002,\n", age=60)
    flow = sftp_flow(text="Hi")
    (file,) = services.poll(flow, "sftp")
    assert imports.file_import(file, deadline=0) == "more"

    folder.write("grow.csv", "Phone,Email\n+32470000001,\n+32470000002,\n+32470000003,\n")
    assert imports.file_import(file, deadline=0) == "finished"

    file.refresh_from_db()
    assert file.status == "failed"
    assert file.error.startswith("The file changed on the server during its import")
    assert file.error.endswith("1 of its 2 rows were handled before; the others were not imported.")
    assert _messages("Hi") == ["+32470000001"]
