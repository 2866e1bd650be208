"""Flows and their immutable published versions."""

import secrets

from django.conf import settings
from django.db import models


def new_flow_secret() -> str:
    return secrets.token_hex(32)


def empty_definition() -> dict:
    return {"spec_version": 1, "nodes": [], "ui": {}}


class Flow(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft"
        ACTIVE = "active"
        PAUSED = "paused"
        FINISHED = "finished"
        CANCELLED = "cancelled"

    name = models.CharField(max_length=200)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT)
    callback_url = models.URLField(max_length=500, blank=True)
    secret = models.CharField(
        max_length=64, default=new_flow_secret, help_text="Key of the X-Signature HMAC on result callbacks."
    )
    # The one editable draft. `draft_revision` goes up on every save; a save based on an older
    # revision is refused (RapidPro's save_revision), so two editors never overwrite each other.
    draft_definition = models.JSONField(default=empty_definition)
    draft_revision = models.PositiveIntegerField(default=1)
    # The core's validation issues of the draft, found when it was saved, so reading a flow validates
    # nothing: {"revision": the draft_revision they belong to, "rules": engine.checks.core_rules_version(),
    # "issues": [Issue.as_dict()]}. Used only while both match (flowdesigner/draft_issues.py); null until
    # first computed (flows created or saved before the field existed get theirs on the first read).
    draft_issues = models.JSONField(null=True, blank=True, default=None, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at"]

    def __str__(self) -> str:
        return self.name

    @property
    def latest_version(self) -> "FlowVersion | None":
        return self.versions.order_by("-number").first()


class FlowVersion(models.Model):
    """A published, frozen definition. Never updated after creation."""

    flow = models.ForeignKey(Flow, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    definition = models.JSONField()
    published_at = models.DateTimeField(auto_now_add=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["flow", "-number"]
        constraints = [models.UniqueConstraint(fields=["flow", "number"], name="flowversion_unique_number")]

    def __str__(self) -> str:
        return f"{self.flow.name} v{self.number}"


class Branding(models.Model):
    """A Rogerthat-style branding package: branding.html (+ images, CSS) shown around a message.

    The archive lives in the database (it is at most 400 KiB), so every web process of a scale
    deployment can serve it without shared file storage.
    """

    key = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=100)
    archive = models.BinaryField()
    html = models.TextField(help_text="branding.html, validated at upload.")
    background_color = models.CharField(max_length=32, blank=True)
    text_color = models.CharField(max_length=32, blank=True)
    color_scheme = models.CharField(max_length=8, default="light")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class RecordedRun(models.Model):
    """The recorded run of one member from an imported Rogerthat `messageFlowRun`: the steps taken (element,
    button, form result, display value), in the member's language, and the end reached. Kept to replay it
    against the imported flow (flowdesigner.services.recorded_run_replay); never shown to or stored on a
    person."""

    flow = models.ForeignKey(Flow, on_delete=models.CASCADE, related_name="recorded_runs")
    member_email = models.CharField(max_length=254, blank=True)
    member_name = models.CharField(max_length=200, blank=True)
    app_id = models.CharField(max_length=100, blank=True)
    language = models.CharField(max_length=20)
    # Rogerthat's member status: SUBMITTED, INITIATED, RUNNING or FINISHED.
    status = models.CharField(max_length=16)
    launched_at = models.DateTimeField(null=True, blank=True)
    # The end reached: its original Rogerthat id and our node id ("" when the run did not end).
    end_reference = models.TextField(blank=True)
    end_node_id = models.CharField(max_length=200, blank=True)
    # [{step_id, element, node_id, kind, answer, button_id, value, message, button, display_value,
    #   created_at, acknowledged_at}] in the order taken (see flowdesigner/rogerthat/runs.py).
    steps = models.JSONField(default=list)
    imported_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["flow", "pk"]

    def __str__(self) -> str:
        return f"{self.flow.name}: run of {self.member_email or self.member_name or 'a member'}"

    def as_record(self) -> dict:
        """The run in the shape flowdesigner.rogerthat.replay reads."""
        return {
            "language": self.language,
            "status": self.status,
            "launched_at": int(self.launched_at.timestamp()) if self.launched_at else None,
            "end": {"element": self.end_reference, "node_id": self.end_node_id}
            if self.end_reference
            else None,
            "steps": self.steps,
            "member": {"email": self.member_email, "name": self.member_name, "app_id": self.app_id},
        }
