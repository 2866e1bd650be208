"""Flow API models: integrators' API keys with their per-minute usage, and the operations of "Add participants
to flow" with one row per participant sent."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

DEFAULT_RATE_LIMIT = 60


def default_rate_limit() -> int:
    """Requests per minute a new key may make (settings.FLOW_API_RATE_LIMIT_PER_MINUTE)."""
    return int(getattr(settings, "FLOW_API_RATE_LIMIT_PER_MINUTE", DEFAULT_RATE_LIMIT))


class ApiKey(models.Model):
    """A secret an integrator sends as `Authorization: App <key>`. Only its SHA-256 is stored (the key
    is shown once, when created) plus a short prefix so staff can tell keys apart."""

    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=16)
    key_hash = models.CharField(max_length=64, unique=True)
    rate_limit_per_minute = models.PositiveIntegerField(default=default_rate_limit)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    # Updated at most once per minute (with the first request of a rate-limit window), to keep it cheap.
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def active(self) -> bool:
        return self.revoked_at is None


class ApiKeyUsage(models.Model):
    """Requests made with one key in one minute: the rate limit's counter, shared by every web process."""

    key = models.ForeignKey(ApiKey, on_delete=models.CASCADE, related_name="usage")
    window_start = models.DateTimeField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["key", "window_start"], name="flow_api_usage_unique_window")
        ]

    def __str__(self) -> str:
        return f"key {self.key_id}: {self.count} request(s) from {self.window_start:%H:%M}"


class FlowApiOperation(models.Model):
    """One "Add participants to flow" request: answered at once with its `uuid` (the operationId), worked
    through by the outbox handler, reported by GET .../participants/report and, when it asked for it, POSTed
    to `notify_url` when done."""

    class Status(models.TextChoices):
        PENDING = "PENDING", "Pending"
        COMPLETED = "COMPLETED", "Completed"

    class NotifyStatus(models.TextChoices):
        NONE = "", "No notifyUrl"
        PENDING = "pending", "Pending"
        DELIVERED = "delivered", "Delivered"
        FAILED = "failed", "Failed"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    flow = models.ForeignKey("flowdesigner.Flow", on_delete=models.CASCADE, related_name="api_operations")
    api_key = models.ForeignKey(
        ApiKey, null=True, blank=True, on_delete=models.SET_NULL, related_name="operations"
    )
    notify_url = models.CharField(max_length=1000, blank=True)
    callback_data = models.TextField(blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    total = models.PositiveIntegerField(default=0)
    accepted = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # The report POSTed to notify_url: the exact signed bytes, and how delivering them went.
    notify_status = models.CharField(max_length=16, choices=NotifyStatus.choices, default="", blank=True)
    notify_body = models.TextField(blank=True)
    notify_attempts = models.PositiveIntegerField(default=0)
    notify_error = models.TextField(blank=True)
    notify_status_code = models.PositiveIntegerField(null=True, blank=True)
    notify_next_at = models.DateTimeField(null=True, blank=True)
    notify_claimed_until = models.DateTimeField(null=True, blank=True)
    notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["flow", "-created_at"], name="flow_api_op_flow_created")]

    def __str__(self) -> str:
        return f"operation {self.uuid}"


class FlowApiParticipant(models.Model):
    """One entry of an operation's `participants`, in request order (`index`), with what became of it."""

    class Status(models.TextChoices):
        PENDING = "PENDING", "Pending"
        ACCEPTED = "ACCEPTED", "Accepted"
        REJECTED = "REJECTED", "Rejected"

    operation = models.ForeignKey(FlowApiOperation, on_delete=models.CASCADE, related_name="participants")
    index = models.PositiveIntegerField()
    # The participant object as it was sent (what the handler works from).
    payload = models.JSONField(default=dict)
    # {"identifier", "type"} echoed in the report, as sent.
    identify_by = models.JSONField(default=dict)
    # "EMAIL:ann@example.com" once normalised: finds duplicates within the request.
    identity_key = models.CharField(max_length=300, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    error_reason = models.CharField(max_length=64, blank=True)
    error_message = models.TextField(blank=True)
    person = models.ForeignKey(
        "people.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    participant = models.ForeignKey(
        "engine.Participant", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["operation", "index"]
        constraints = [
            models.UniqueConstraint(fields=["operation", "index"], name="flow_api_participant_unique_index")
        ]
        indexes = [
            models.Index(fields=["operation", "status", "index"], name="flow_api_part_status"),
        ]

    def __str__(self) -> str:
        return f"participants[{self.index}] of {self.operation_id}"
