"""The "Results emails" card on the flow page, and staff retrying a failed email."""

import pytest
from django.core import mail

from engine import services
from engine.models import Participant, ResultsEmail


@pytest.fixture
def failed_email(published_flow, enduser, django_capture_on_commit_callbacks):
    """A results email that the mail server refused, as results_email_send leaves it."""
    flow, version, _ = published_flow(persons=[enduser.person])
    with django_capture_on_commit_callbacks(execute=True):
        services.launch_create(version=version, audience=None)
    email = ResultsEmail.objects.create(
        flow=flow,
        participant=Participant.objects.get(),
        node_id="mail",
        recipients=["boss@example.com", "mia@example.com"],
        subject=f"Results of {flow.name}: Erin Person",
        body="Answers:\n",
        status=ResultsEmail.Status.FAILED,
        error="ConnectionRefusedError: [Errno 111] Connection refused",
    )
    return flow, email


def test_staff_see_a_failed_email_and_retry_it(
    client, staff, failed_email, django_capture_on_commit_callbacks
):
    flow, email = failed_email
    client.force_login(staff)
    page = client.get(f"/flows/{flow.pk}/").content.decode()
    assert "<h2>Results emails</h2>" in page
    assert f'data-email="{email.pk}" data-email-status="failed"' in page
    assert "boss@example.com, mia@example.com" in page
    assert "ConnectionRefusedError: [Errno 111] Connection refused" in page
    assert f'data-testid="retry-email-{email.pk}"' in page

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/flows/{flow.pk}/results-emails/{email.pk}/retry/")
    assert (response.status_code, response["Location"]) == (302, f"/flows/{flow.pk}/")

    [sent] = mail.outbox
    assert (sent.to, sent.subject) == (["boss@example.com", "mia@example.com"], email.subject)
    email.refresh_from_db()
    assert (email.status, email.error) == ("sent", "")
    assert email.sent_at is not None
    page = client.get(f"/flows/{flow.pk}/").content.decode()
    assert "The results email is queued to be sent again." in page
    assert 'data-email-status="sent"' in page
    assert f'data-testid="retry-email-{email.pk}"' not in page


def test_an_email_that_did_not_fail_is_not_retried(client, staff, failed_email):
    flow, email = failed_email
    ResultsEmail.objects.filter(pk=email.pk).update(status="sent")
    client.force_login(staff)
    response = client.post(f"/flows/{flow.pk}/results-emails/{email.pk}/retry/", follow=True)
    assert "This results email is sent, not failed." in response.content.decode()
    assert mail.outbox == []


def test_an_email_of_another_flow_is_not_retried_through_this_one(
    client, staff, failed_email, published_flow
):
    _, email = failed_email
    other, _, _ = published_flow()
    client.force_login(staff)
    response = client.post(f"/flows/{other.pk}/results-emails/{email.pk}/retry/", follow=True)
    assert "There is no such results email." in response.content.decode()
    email.refresh_from_db()
    assert email.status == "failed"


def test_marketers_see_the_emails_but_cannot_retry(client, marketer, failed_email):
    flow, email = failed_email
    client.force_login(marketer)
    page = client.get(f"/flows/{flow.pk}/").content.decode()
    assert f'data-email="{email.pk}" data-email-status="failed"' in page
    assert f'data-testid="retry-email-{email.pk}"' not in page
    assert client.post(f"/flows/{flow.pk}/results-emails/{email.pk}/retry/").status_code == 403
    email.refresh_from_db()
    assert email.status == "failed"


def test_retry_is_post_only(client, staff, failed_email):
    flow, email = failed_email
    client.force_login(staff)
    assert client.get(f"/flows/{flow.pk}/results-emails/{email.pk}/retry/").status_code == 405
