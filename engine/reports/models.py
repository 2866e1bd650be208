"""The flow reports' counters, kept by the outbox handler of "report.counts" (engine/counting.py says what
is counted). Pages and the results canvas read these rows, never a COUNT over participants."""

from django.db import models

from flowdesigner.models import FlowVersion


class NodeCount(models.Model):
    """One counter of a flow version: an element's metric (per exit or answer value in `label`), or the
    flow's own when `node_id` is ""."""

    version = models.ForeignKey(FlowVersion, on_delete=models.CASCADE, related_name="+")
    node_id = models.CharField(max_length=200, blank=True)
    metric = models.CharField(max_length=16)
    label = models.CharField(max_length=200, blank=True)
    total = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["version", "node_id", "metric", "label"], name="node_count_once")
        ]

    def __str__(self) -> str:
        return f"{self.version_id} {self.node_id or '(flow)'} {self.metric} {self.label}: {self.total}"


class HourCount(models.Model):
    """How many participants of a flow version entered, completed, failed or exited in one hour (UTC)."""

    version = models.ForeignKey(FlowVersion, on_delete=models.CASCADE, related_name="+")
    hour = models.DateTimeField()
    metric = models.CharField(max_length=16)
    total = models.BigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["version", "hour", "metric"], name="hour_count_once")]

    def __str__(self) -> str:
        return f"{self.version_id} {self.hour:%Y-%m-%d %H:00} {self.metric}: {self.total}"
