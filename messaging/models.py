"""Messages sent to and received from persons, on any channel."""

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
    options = models.JSONField(default=dict, blank=True)
    # Set on an outbound message when it is answered: the button, or "" and dismissed=True for a dismiss.
    # With auto_lock (the default) the first answer locks the message; without, a later answer replaces it.
    answered_button_id = models.CharField(max_length=64, blank=True)
    dismissed = models.BooleanField(default=False)
    answered_at = models.DateTimeField(null=True, blank=True)
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
    def answered_caption(self) -> str | None:
        if self.dismissed:
            return self.option_values["dismiss_caption"]
        for button in self.buttons:
            if button.get("id") == self.answered_button_id:
                return button.get("caption")
        return None
