"""Messages sent to and received from persons, on any channel, and the files persons upload for forms."""

import uuid

from django.conf import settings
from django.db import models

from engine.core.elements.message import options as message_options
from engine.models import Participant
from people.models import Person


class Message(models.Model):
    class Direction(models.TextChoices):
        OUT = "out"
        IN = "in"

    class Status(models.TextChoices):
        QUEUED = "queued"
        SENT = "sent"
        DELIVERED = "delivered"
        READ = "read"
        FAILED = "failed"
        # The flow moved on without an answer (a reply timeout): it can no longer be answered.
        EXPIRED = "expired"

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="messages")
    participant = models.ForeignKey(
        Participant, null=True, blank=True, on_delete=models.SET_NULL, related_name="messages"
    )
    node_id = models.CharField(max_length=64, blank=True, help_text="The flow element that sent it.")
    direction = models.CharField(max_length=3, choices=Direction.choices)
    channel = models.CharField(max_length=32, default="web")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    text = models.TextField()
    buttons = models.JSONField(default=list, blank=True)  # [{"id", "caption", "action"}]
    # The Message element's options as sent: allow_dismiss, dismiss_caption, branding, alert, auto_lock,
    # attachments (engine.core.elements.message.options). {} on rows from before them: the defaults.
    # A form message also has "form": {"widget", "positive_caption", "positive_confirmation",
    # "negative_caption", "negative_confirmation"} (engine.core.elements.form_message.form_options).
    options = models.JSONField(default=dict, blank=True)
    # Set on an outbound message when it is answered: the button, or "" and dismissed=True for a dismiss.
    # With auto_lock (the default) the first answer locks the message; without, a later answer replaces it.
    answered_button_id = models.CharField(max_length=64, blank=True)
    dismissed = models.BooleanField(default=False)
    answered_at = models.DateTimeField(null=True, blank=True)
    # A form message's answer: the typed result {"type", "value"} (null for the negative button and for plain
    # messages) and the answer as text (the value, or the caption of the button pressed).
    form_result = models.JSONField(null=True, blank=True)
    display_value = models.TextField(blank=True)
    # Where this message's answer sits in the participant's results steps (state["steps"]), so a changed
    # answer replaces the right one even when a loop sent the same element twice.
    result_index = models.PositiveIntegerField(null=True, blank=True)
    reply_to = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="replies"
    )
    gateway_id = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["person", "direction", "id"])]

    def __str__(self) -> str:
        return f"{self.direction} {self.pk}: {self.text[:40]}"

    @property
    def option_values(self) -> dict:
        """The options with defaults for keys this row does not have."""
        return message_options(self.options)

    @property
    def form(self) -> dict | None:
        """The form of a form message, None for a plain message."""
        return self.options.get("form")

    @property
    def answered_caption(self) -> str | None:
        form = self.form
        if form is not None:
            return form.get(f"{self.answered_button_id}_caption") if self.answered_button_id else None
        if self.dismissed:
            return self.option_values["dismiss_caption"]
        for button in self.buttons:
            if button.get("id") == self.answered_button_id:
                return button.get("caption")
        return None


def upload_path(upload: "Upload", filename: str) -> str:
    return f"uploads/{upload.uuid}/{filename}"


class Upload(models.Model):
    """A file a person uploaded to answer a form (photo_upload). Served only to its owner and staff."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="uploads")
    file = models.FileField(upload_to=upload_path, max_length=255)
    name = models.CharField(max_length=120, help_text="The file name, made safe (the last part of its path).")
    content_type = models.CharField(
        max_length=64, help_text="Found from the content, not the client's claim."
    )
    size = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.uuid})"

    @property
    def url(self) -> str:
        return f"{settings.MEDIA_URL}uploads/{self.uuid}/{self.name}"

    def as_file(self) -> dict:
        """The form result value of a photo_upload answer with this file."""
        return {"url": self.url, "name": self.name, "content_type": self.content_type, "size": self.size}
