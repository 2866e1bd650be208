"""Results emails as staff handle them: retrying one that failed."""

from django.db import transaction

from engine.effects import RESULTS_EMAIL_SEND
from engine.models import ResultsEmail
from people import outbox


class EmailRetryRefused(ValueError):
    """Only a failed results email can be sent again."""


@transaction.atomic
def results_email_retry(*, email_id: int, flow_id: int | None = None) -> ResultsEmail:
    """Queue a failed results email again (pending, error cleared); the django-q2 task sends it after
    commit with the recipients stored when the Email results element was passed. Refused unless it
    failed (a pending one is on its way, a sent one is done). With `flow_id`, only an email of that flow."""
    emails = ResultsEmail.objects.select_for_update()
    if flow_id is not None:
        emails = emails.filter(flow_id=flow_id)
    try:
        email = emails.get(pk=email_id)
    except ResultsEmail.DoesNotExist:
        raise EmailRetryRefused("There is no such results email.") from None
    if email.status != ResultsEmail.Status.FAILED:
        raise EmailRetryRefused(f"This results email is {email.get_status_display().lower()}, not failed.")
    email.status = ResultsEmail.Status.PENDING
    email.error = ""
    email.save(update_fields=["status", "error"])
    outbox.publish(RESULTS_EMAIL_SEND, {"email_id": email.pk})
    return email
