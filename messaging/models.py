"""Messages sent to and received from persons, on any channel, and the files persons upload for forms."""

import uuid

from django.conf import settings
from django.db import models

from engine.core.elements.message import options as message_options
from engine.models import Participant
from people.models import Person


class Channel(models.Model):
    """A gateway account of one kind (SMS, email, voice): how messages reach persons outside the web inbox
    and how their replies, delivery reports and calls come back (messaging/transports/<kind>/).

    `identities` are this account's own numbers or addresses, the "recipient" of the seed's Inbound Message:
    what a person writes or calls to, and what we send from. `gateway` says who carries the traffic: a real
    gateway ("http" for SMS and voice, "smtp" for email) or the built-in simulator (nothing leaves the
    machine; staff read and answer on the simulator page through the same webhooks)."""

    class Kind(models.TextChoices):
        SMS = "sms", "SMS"
        EMAIL = "email", "Email"
        VOICE = "voice", "Voice"

    class Gateway(models.TextChoices):
        SIMULATOR = "simulator", "Built-in simulator"
        HTTP = "http", "HTTP gateway"
        SMTP = "smtp", "SMTP (Django's email backend)"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False, help_text="In the webhook URLs.")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    name = models.CharField(max_length=100, unique=True)
    gateway = models.CharField(max_length=16, choices=Gateway.choices, default=Gateway.SIMULATOR)
    identities = models.JSONField(default=list, blank=True, help_text="Our numbers (E.164) or addresses.")
    # The transport's own settings, checked by its module: e.g. for "http" {"url", "headers"}; for email
    # {"subject"}.
    config = models.JSONField(default=dict, blank=True)
    secret = models.CharField(max_length=128, help_text="Signs webhooks both ways (HMAC-SHA256).")
    creates_people = models.BooleanField(
        default=False, help_text="A message from an unknown sender creates a person (else it is unhandled)."
    )
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["kind", "name"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.name}"


class ChannelOptOut(models.Model):
    """A person who asked to receive nothing more on one kind of channel (STOP); START removes it."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="channel_opt_outs")
    kind = models.CharField(max_length=8, choices=Channel.Kind.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["person", "kind"], name="channel_opt_out_once")]

    def __str__(self) -> str:
        return f"{self.person_id} opted out of {self.kind}"


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

    # None only on an inbound message from a sender nobody is known by (kept, shown as unhandled).
    person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.CASCADE, related_name="messages"
    )
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
    # The gateway's id of the message: ours to them (from its answer) to match delivery reports, theirs to
    # us to process a gateway's retry once.
    gateway_id = models.CharField(max_length=100, blank=True)
    # Outside the web inbox: the gateway account, the person's number or address, and ours ("recipient").
    transport = models.ForeignKey(
        Channel, null=True, blank=True, on_delete=models.SET_NULL, related_name="messages"
    )
    address = models.CharField(max_length=254, blank=True, help_text="The person's number or address.")
    identity = models.CharField(max_length=254, blank=True, help_text="Our number or address.")
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.CharField(max_length=300, blank=True, help_text="Why the last send failed.")
    status_at = models.DateTimeField(null=True, blank=True, help_text="When the status last changed.")
    # An inbound message: what routing made of it (Routing); "" on outbound messages.
    routing = models.CharField(max_length=16, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Routing(models.TextChoices):
        PENDING = "pending"
        ANSWER = "answer", "Answered a step"
        ENTRY = "entry", "Started a flow"
        UNHANDLED = "unhandled"
        OPT_OUT = "opt_out", "Opted out"
        OPT_IN = "opt_in", "Opted back in"

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["person", "direction", "id"]),
            models.Index(fields=["transport", "gateway_id"], name="message_gateway_id"),
            models.Index(fields=["routing", "id"], name="message_routing"),
            # A Form message's latest answers on the flow's performance page: only answered forms.
            models.Index(
                fields=["node_id", "-answered_at"],
                name="message_form_answers",
                condition=models.Q(form_result__isnull=False),
            ),
        ]
        constraints = [
            # A gateway retrying a delivery: the second copy is refused by the database, processed once.
            models.UniqueConstraint(
                fields=["transport", "gateway_id"],
                condition=models.Q(direction="in") & ~models.Q(gateway_id=""),
                name="message_inbound_once",
            )
        ]

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


class InboxPresence(models.Model):
    """An open inbox websocket (messaging/presence.py): a push is sent only to persons with a row here.

    Written on connect, deleted on disconnect. A process that dies without disconnecting (kill -9, a lost
    machine) leaves its rows behind: they only cost useless sends to channels nobody reads, and are
    deleted once their `server` stops beating (`InboxPresenceServer`)."""

    channel_name = models.CharField(max_length=200, unique=True)
    # No database constraint and no cascade work: a presence row must never hold up deleting a person,
    # and a row of a deleted person costs one useless send until the socket closes.
    person = models.ForeignKey(
        Person, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+", db_index=True
    )
    server = models.CharField(max_length=255, db_index=True, help_text="The process: host:pid:start.")
    connected_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"person {self.person_id} on {self.channel_name}"


class InboxPresenceServer(models.Model):
    """A process holding inbox websockets, with its last heartbeat: rows of servers that stopped beating
    are dropped by the others' heartbeats."""

    server = models.CharField(max_length=255, unique=True)
    seen_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.server} seen {self.seen_at:%Y-%m-%d %H:%M:%S}"
