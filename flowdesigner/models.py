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
