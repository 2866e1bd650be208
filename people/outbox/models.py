"""Outbox rows: one domain event each, kept after handling for a while (idempotency and audit)."""

from django.db import models
from django.utils import timezone


class OutboxEvent(models.Model):
    """A domain event to hand to its topic's handler, at least once, not before `available_at`.

    A worker claims a row by setting `claimed_until` (a lease): a worker that dies mid-handling leaves
    the lease to run out, and another takes the row up again. `done_at` is set in the handler's own
    transaction when it is transactional, so its writes and the row's completion commit together.
    """

    id = models.BigAutoField(primary_key=True)
    topic = models.CharField(max_length=64)
    payload = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now)
    available_at = models.DateTimeField(default=timezone.now)
    claimed_until = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    done_at = models.DateTimeField(null=True, blank=True)
    # Set when the handler kept failing and the event was given up (shown to operators, never retried).
    dead_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            # The claim query: pending rows by availability. Partial, so handled rows cost nothing.
            models.Index(
                fields=["available_at", "id"],
                name="outbox_pending",
                condition=models.Q(done_at__isnull=True, dead_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.topic} #{self.pk}"
