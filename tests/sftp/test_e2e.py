"""End to end: real daphne, `manage.py worker` and qcluster processes (tests/e2e's live stack) poll the
real SFTP server; a CSV dropped into the folder after the first poll enters its person into the active
flow, who gets the flow's message."""

import time

import pytest

from engine.models import Participant
from engine.sftp import services
from engine.sftp.models import SftpConnection, SftpFile, SftpWatch
from flowdesigner.models import Flow
from messaging.models import Message
from people.models import Person
from tests.e2e.conftest import live_stack, live_stack_env  # noqa: F401 (the fixtures, used by name below)
from tests.factories import FlowFactory
from tests.sftp.conftest import publish, sftp_config, sftp_definition

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def fast_polls(monkeypatch):
    """The worker looks at the folder every second instead of every 3 minutes (read from its
    environment, which the live stack passes on)."""
    monkeypatch.setenv("SFTP_POLL_SECONDS", "1")


def wait_for(check, *, timeout: float = 60, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.2)
    raise AssertionError(f"Gave up after {timeout} s waiting for {what}")


@pytest.mark.usefixtures("fast_polls", "live_stack")
def test_a_file_dropped_into_the_folder_reaches_the_person_through_the_worker(sftp_server, folder, settings):
    settings.OUTBOX_RELAY_ALL = False  # the worker process handles every event, not this one
    connection = SftpConnection.objects.create(
        name="Partner", host="127.0.0.1", port=sftp_server.port, username="jane", password="s3cret-pw"
    )
    assert services.connection_test(connection=connection).ok
    flow = FlowFactory(name="Welcome via SFTP")
    publish(flow, sftp_definition(sftp_config(connection, folder), text="Welcome, {{ person.first_name }}!"))
    Flow.objects.filter(pk=flow.pk).update(status=Flow.Status.ACTIVE)

    services.sftp_schedule(flow.pk, "sftp")
    wait_for(
        lambda: SftpWatch.objects.filter(flow=flow, last_polled_at__isnull=False).exists(),
        what="the worker's first look at the empty folder",
    )
    # A new version maps one more column; the polls from now on use it.
    flow_doc = sftp_definition(
        sftp_config(connection, folder, attributes=[{"column": "First name", "attribute": "first_name"}]),
        text="Welcome, {{ person.first_name }}!",
    )
    publish(flow, flow_doc)
    folder.write("new-customers.csv", "Phone,Email,First name\n+32470000042,,Nora\n")

    message = wait_for(
        lambda: Message.objects.filter(text="Welcome, Nora!", status=Message.Status.SENT).first(),
        what="the flow's message to the person from the file",
    )

    person = Person.objects.get(phone="+32470000042")
    assert message.person == person
    assert person.created_via == f"sftp:{flow.pk}"
    assert Participant.objects.get(person=person).version.number == 2
    file = SftpFile.objects.get(flow=flow)
    assert (file.status, file.rows_valid, file.rows_invalid) == ("done", 1, 0)
