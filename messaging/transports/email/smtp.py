"""Email out through Django's email backend (SMTP in production: EMAIL_HOST, EMAIL_PORT, ...).

From is our identity (named as the flow's sender name when it chose one), To the person's address, the
body the text with its choices numbered, and the Message-ID we make is the gateway id (a reply's
In-Reply-To names it)."""

from __future__ import annotations

import smtplib
from email.utils import formataddr, make_msgid

from django.conf import settings
from django.core.mail import EmailMessage, get_connection

from messaging.models import Channel, Message
from messaging.selectors import chosen_sender_name
from messaging.transports import SendFailed, Transport, outbound_text

DEFAULT_SUBJECT = "A message for you"
MAX_SUBJECT_CHARS = 200


class Smtp(Transport):
    name = "smtp"

    def send(self, message: Message, channel: Channel) -> str:
        message_id = make_msgid(domain=message.identity.rpartition("@")[2] or None)
        email = EmailMessage(
            subject=channel.config.get("subject") or DEFAULT_SUBJECT,
            body=outbound_text(message),
            from_email=_sender(message),
            to=[message.address],
            headers={"Message-ID": message_id},
            # The backend's own settings (EMAIL_HOST, EMAIL_TIMEOUT, ...) say where and how long.
            connection=get_connection(fail_silently=False),
        )
        try:
            email.send()
        except smtplib.SMTPRecipientsRefused as exc:
            codes = ", ".join(f"{code} {_text(reply)}" for code, reply in exc.recipients.values())
            raise SendFailed(f"The mail server refused the recipient: {codes}", retry=False) from None
        except smtplib.SMTPResponseException as exc:
            # 4xx: try again later (greylisting, a full queue); 5xx: permanent.
            reason = f"The mail server answered {exc.smtp_code} {_text(exc.smtp_error)}"
            raise SendFailed(reason, retry=not 500 <= exc.smtp_code < 600) from None
        except (smtplib.SMTPException, OSError) as exc:
            reason = str(exc) or type(exc).__name__
            raise SendFailed(f"The mail server could not be reached: {reason}", retry=True) from None
        return message_id

    def config_problems(self, channel: Channel) -> list[str]:
        config = channel.config if isinstance(channel.config, dict) else {}
        subject = config.get("subject", "")
        if not isinstance(subject, str):
            return ["The subject must be a text."]
        if "\n" in subject or "\r" in subject:
            return ["The subject must be one line."]
        if len(subject) > MAX_SUBJECT_CHARS:
            return [f"The subject is longer than {MAX_SUBJECT_CHARS} characters."]
        return []


def _sender(message: Message) -> str:
    """From: our address, named as the flow's sender name when it chose one (people see that name in their
    mail program, never the flow's internal name)."""
    address = message.identity or settings.DEFAULT_FROM_EMAIL
    name = chosen_sender_name(message.participant.version.definition) if message.participant_id else ""
    return formataddr((name, address)) if name else address


def _text(reply: bytes | str) -> str:
    return reply.decode("utf-8", errors="replace") if isinstance(reply, bytes) else str(reply)
