"""People: the persons flows talk to, and the tags that group them."""

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower


class Tag(models.Model):
    name = models.CharField(max_length=100, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Person(models.Model):
    first_name = models.CharField(max_length=100, blank=True)
    last_name = models.CharField(max_length=100, blank=True)
    # Emails are stored lower-cased (see services.person_create); null keeps "no email" out of the
    # unique constraint.
    email = models.EmailField(max_length=254, null=True, blank=True)  # noqa: DJ001 (NULL = no email, outside unique)
    phone = models.CharField(max_length=32, null=True, blank=True)  # noqa: DJ001 (NULL = no phone, outside unique)
    language = models.CharField(max_length=16, default="en")
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="person",
        help_text="The login that opens this person's web inbox.",
    )
    tags = models.ManyToManyField(Tag, blank=True, related_name="persons")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="person_email_unique"),
            models.UniqueConstraint(fields=["phone"], name="person_phone_unique"),
        ]

    def __str__(self) -> str:
        return self.full_name or self.email or self.phone or f"Person {self.pk}"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()
