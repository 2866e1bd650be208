"""Launches, participants, their step history, and result callbacks."""

import secrets
import uuid

from django.conf import settings
from django.db import models

from flowdesigner.models import Flow, FlowVersion
from people.models import Person

# Longest launch context the API and the launch form accept.
MAX_CONTEXT = 2000


class Launch(models.Model):
    """Staff sending a published version to an audience; run in batches by a django-q2 task."""

    class Status(models.TextChoices):
        QUEUED = "queued"
        RUNNING = "running"
        DONE = "done"
        FAILED = "failed"

    version = models.ForeignKey(FlowVersion, on_delete=models.PROTECT, related_name="launches")
    audience = models.JSONField(help_text='{"tags": [ids], "persons": [ids], "everyone": bool}')
    launch_tag = models.CharField(max_length=100, blank=True)
    # Rogerthat's launch context: free text from staff or the API, delivered in every result.
    context = models.TextField(blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    total = models.PositiveIntegerField(default=0)
    entered = models.PositiveIntegerField(default=0)
    # Persons of the audience the flow's re-entry setting or the frequency cap turned away.
    refused = models.PositiveIntegerField(default=0)
    # Highest person id handled by a committed batch: a retried task resumes after it.
    cursor = models.BigIntegerField(default=0)
    error = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Launch {self.pk} of {self.version}"

    @property
    def progress_percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        return int(100 * (self.entered + self.refused) / self.total) if self.total else 0


class Participant(models.Model):
    """One person's pass through one flow version."""

    class Status(models.TextChoices):
        ACTIVE = "active"
        WAITING = "waiting"
        COMPLETED = "completed"
        EXITED = "exited"
        FAILED = "failed"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    version = models.ForeignKey(FlowVersion, on_delete=models.PROTECT, related_name="participants")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="participations")
    launch = models.ForeignKey(
        Launch, null=True, blank=True, on_delete=models.SET_NULL, related_name="participants"
    )
    # The poke that started this participant (none for launches); the double-tap guard looks it up.
    poke = models.ForeignKey(
        "Poke", null=True, blank=True, on_delete=models.SET_NULL, related_name="participants"
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE)
    current_node = models.CharField(max_length=64, blank=True)
    state = models.JSONField(default=dict)
    # What a waiting participant waits for (engine.core.elements.Wait): "reply", "timer", "event",
    # "call", "quiet_hours"; its timer (fired by the timer worker) and the event key an event wait takes.
    wait_kind = models.CharField(max_length=16, blank=True)
    wake_at = models.DateTimeField(null=True, blank=True)
    wait_event = models.CharField(max_length=64, blank=True)
    # Bumped by every advance; part of the optimistic check under the row lock.
    step_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            # A launch enters each person at most once, even when its task is retried.
            models.UniqueConstraint(fields=["launch", "person"], name="participant_once_per_launch"),
        ]
        indexes = [
            models.Index(fields=["version", "status"]),
            # The results canvas lists who waits at an element, newest first (engine/reports/selectors.py):
            # without it an element nobody waits at reads the whole table backwards (0.5-0.8 s at 1,000,000).
            models.Index(
                fields=["version", "current_node", "id"],
                name="participant_waiting_at",
                condition=models.Q(status__in=["active", "waiting"]),
            ),
            # The timer worker's claim: due timers, earliest first. Partial: only waiting rows with one.
            models.Index(
                fields=["wake_at"], name="participant_due", condition=models.Q(wake_at__isnull=False)
            ),
            # An event finds the person's participants waiting for it.
            models.Index(
                fields=["person", "wait_event"],
                name="participant_event_wait",
                condition=~models.Q(wait_event=""),
            ),
        ]

    def __str__(self) -> str:
        return f"Participant {self.pk} ({self.status})"


class ParticipantStep(models.Model):
    """History of every element a participant entered (mirrors state["history"], for reports)."""

    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="steps")
    seq = models.PositiveIntegerField()
    node_id = models.CharField(max_length=64)
    node_type = models.CharField(max_length=64)
    entered_at = models.DateTimeField()
    left_at = models.DateTimeField(null=True, blank=True)
    exit_name = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["participant", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["participant", "seq"], name="participantstep_unique_seq")
        ]
        indexes = [
            # The participants filter "answer=element:exit" when few took that exit (engine/reports).
            models.Index(
                fields=["node_id", "exit_name", "participant"],
                name="participantstep_exit",
                condition=models.Q(left_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.participant_id}#{self.seq} {self.node_id}"


class CallbackDelivery(models.Model):
    """One signed POST of results to a flow's callback URL, retried with backoff."""

    class Status(models.TextChoices):
        PENDING = "pending"
        DELIVERED = "delivered"
        FAILED = "failed"

    class Kind(models.TextChoices):
        END = "end"  # the participant reached an Exit
        FLUSH = "flush"  # a Send results element
        POKE = "poke"  # a person started the flow with a poke (engine/pokes.py)

    flow = models.ForeignKey(Flow, on_delete=models.CASCADE, related_name="deliveries")
    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="deliveries")
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.END)
    url = models.URLField(max_length=500)
    body = models.TextField(help_text="The exact JSON bytes that were signed.")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    # Set while a worker makes an attempt (under the row lock): nobody else delivers it meanwhile.
    claimed_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Callback {self.pk} ({self.status})"

    @property
    def last_attempt(self) -> "CallbackAttempt | None":
        """The latest attempt; uses a prefetched attempt_log (a queryset cannot be indexed from the end)."""
        attempts = list(self.attempt_log.all())
        return attempts[-1] if attempts else None


class CallbackAttempt(models.Model):
    delivery = models.ForeignKey(CallbackDelivery, on_delete=models.CASCADE, related_name="attempt_log")
    number = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    duration_ms = models.PositiveIntegerField(default=0)
    status_code = models.PositiveIntegerField(null=True, blank=True)
    error = models.TextField(blank=True)
    response_excerpt = models.TextField(blank=True)
    # What the service's fast-path answer did: "sent message", "started flow 12", "ignored: <reason>"
    # ("" for attempts that were not answered with 2xx, and for poke callbacks).
    fast_path = models.TextField(blank=True)

    class Meta:
        ordering = ["delivery", "number"]

    def __str__(self) -> str:
        return f"Attempt {self.number} of callback {self.delivery_id}"


class ResultsEmail(models.Model):
    """One plain-text email of a participant's results (an Email results element), sent after commit by
    a django-q2 task. Recipients are resolved when the element is passed and stored here."""

    class Status(models.TextChoices):
        PENDING = "pending"
        SENT = "sent"
        FAILED = "failed"

    flow = models.ForeignKey(Flow, on_delete=models.CASCADE, related_name="results_emails")
    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="results_emails")
    node_id = models.CharField(max_length=64)
    recipients = models.JSONField(default=list)
    subject = models.CharField(max_length=255)
    body = models.TextField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Results email {self.pk} ({self.status})"


def new_poke_code() -> str:
    """A short random url-safe token (8 characters, 48 bits) for /p/<code>/ links and QR codes."""
    return secrets.token_urlsafe(6)


class Poke(models.Model):
    """Rogerthat's poke: a tag a person can start a flow with (a button in the inbox's service menu, a
    QR code, an action link). Started by engine.pokes.poke_start."""

    flow = models.ForeignKey(Flow, on_delete=models.CASCADE, related_name="pokes")
    tag = models.SlugField(max_length=100, help_text="Sent to the service with every poke.")
    label = models.CharField(max_length=100, help_text="The button caption.")
    description = models.TextField(blank=True)
    code = models.CharField(max_length=16, unique=True, default=new_poke_code, editable=False)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["flow", "label", "id"]
        constraints = [models.UniqueConstraint(fields=["flow", "tag"], name="poke_unique_tag_per_flow")]

    def __str__(self) -> str:
        return f"Poke {self.tag} of {self.flow_id}"


class Trigger(models.Model):
    """An entry point of an active flow that starts people by itself (engine/triggers.py): a Predefined
    Audience in real time, a Change in People profile, a People real-time event or a Date or Time.

    Rows are rewritten whenever a flow is activated, paused or published anew (triggers_sync), so a
    change is matched against these few rows, never against the flows' documents. `watch` lists what
    a change must touch for the trigger to look at it ("attribute:city", "tag:3", "company",
    "event:addToCart", "segment"); `swept_until` is how far the Date or Time sweep has got.
    """

    class Kind(models.TextChoices):
        AUDIENCE = "audience"
        PROFILE = "profile"
        EVENT = "event"
        DATE = "date"
        # Inbound Message / Inbound Call: routed by engine/inbound.py when a message or call comes in.
        INBOUND = "inbound"
        CALL = "call"

    flow = models.ForeignKey(Flow, on_delete=models.CASCADE, related_name="triggers")
    version = models.ForeignKey(FlowVersion, on_delete=models.CASCADE, related_name="triggers")
    node_id = models.CharField(max_length=200)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    config = models.JSONField()
    watch = models.JSONField(default=list)
    priority = models.PositiveSmallIntegerField(default=3)
    # When the flow became active with this trigger: events before it count only with include_historical.
    active_since = models.DateTimeField()
    # The time sweep (Date or Time, and date operators of profile triggers) has entered everyone due up to
    # `swept_until`; a window being swept ends at `sweep_to`, done up to person id `sweep_after`.
    swept_until = models.DateTimeField(null=True, blank=True)
    sweep_to = models.DateTimeField(null=True, blank=True)
    sweep_after = models.BigIntegerField(default=0)
    # Bumped by every sync (and sweep): the per-process index reloads when any row's value changed.
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-priority", "id"]
        constraints = [models.UniqueConstraint(fields=["flow", "node_id"], name="trigger_unique_node")]

    def __str__(self) -> str:
        return f"{self.kind} trigger {self.node_id} of flow {self.flow_id}"


class EntryRefusal(models.Model):
    """A person who would have entered a flow but was refused (re-entry, frequency cap, flow not
    active); shown on their timeline with the reason."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="entry_refusals")
    flow = models.ForeignKey(Flow, on_delete=models.CASCADE, related_name="entry_refusals")
    node_id = models.CharField(max_length=200, blank=True)
    source = models.CharField(max_length=100, blank=True, help_text='What tried: "launch 3", "trigger", …')
    reason = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.person_id} refused by flow {self.flow_id}: {self.reason}"


class FrequencyCap(models.Model):
    """Across all flows: at most `max_entries` entries per person within `period_amount` `period_unit`.
    One row (pk 1), edited by staff; when several flows would take a person at once, the flow with the
    highest priority goes first."""

    class Unit(models.TextChoices):
        HOURS = "hours"
        DAYS = "days"
        WEEKS = "weeks"

    enabled = models.BooleanField(default=False)
    max_entries = models.PositiveIntegerField(default=3)
    period_amount = models.PositiveIntegerField(default=1)
    period_unit = models.CharField(max_length=8, choices=Unit.choices, default=Unit.DAYS)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"At most {self.max_entries} entries per {self.period_amount} {self.period_unit}"

    @classmethod
    def current(cls) -> "FrequencyCap":
        return cls.objects.filter(pk=1).first() or cls(pk=1)
