"""People: the persons flows talk to, their companies, tags, custom attributes and segments."""

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower, Upper


class Tag(models.Model):
    name = models.CharField(max_length=100, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Company(models.Model):
    name = models.CharField(max_length=200, unique=True)
    domain = models.CharField(max_length=253, blank=True)
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "companies"

    def __str__(self) -> str:
        return self.name


class Person(models.Model):
    first_name = models.CharField(max_length=100, blank=True)
    last_name = models.CharField(max_length=100, blank=True)
    # Emails are stored lower-cased and phones in E.164 (see people.attributes); NULL keeps "none"
    # out of the unique constraints.
    email = models.EmailField(max_length=254, null=True, blank=True)  # noqa: DJ001 (NULL = no email, outside unique)
    phone = models.CharField(max_length=32, null=True, blank=True)  # noqa: DJ001 (NULL = no phone, outside unique)
    external_id = models.CharField(max_length=100, null=True, blank=True, unique=True)  # noqa: DJ001 (NULL = none)
    language = models.CharField(max_length=16, default="en")
    # An IANA name; relative date conditions ("is today") are evaluated in this zone.
    timezone = models.CharField(max_length=64, default="UTC", db_index=True)
    opt_in = models.BooleanField(default=False)
    birth_date = models.DateField(null=True, blank=True, db_index=True)
    company = models.ForeignKey(
        Company, null=True, blank=True, on_delete=models.SET_NULL, related_name="persons"
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="person",
        help_text="The login that opens this person's web inbox.",
    )
    tags = models.ManyToManyField(Tag, blank=True, related_name="persons")
    # Where a person created by an integration came from ("sftp:3" an SFTP import of flow 3, "flow api:3"),
    # so staff can find and filter them; blank for persons created by hand, the API or a CSV import.
    created_via = models.CharField(max_length=100, blank=True, default="", db_default="", db_index=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
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


class AttributeDefinition(models.Model):
    """A custom attribute marketers create; its key is what rules and the API use."""

    class DataType(models.TextChoices):
        BOOLEAN = "BOOLEAN"
        TEXT = "TEXT"
        NUMBER = "NUMBER"
        DATE = "DATE"
        DATETIME = "DATETIME"
        LIST = "LIST"

    class NumberKind(models.TextChoices):
        DECIMAL = "decimal"
        WHOLE = "whole"

    key = models.SlugField(max_length=64, unique=True)
    label = models.CharField(max_length=100)
    data_type = models.CharField(max_length=10, choices=DataType.choices)
    number_kind = models.CharField(max_length=7, choices=NumberKind.choices, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["key"]

    def __str__(self) -> str:
        return self.key


class AttributeValue(models.Model):
    """One person's value of one custom attribute, in the column of its type.

    An empty value has no row, so "is empty" is "has no row" and every other condition is an
    indexed lookup on (definition, value_<type>).
    """

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="attribute_values")
    definition = models.ForeignKey(AttributeDefinition, on_delete=models.CASCADE, related_name="values")
    value_bool = models.BooleanField(null=True)
    value_text = models.TextField(null=True)  # noqa: DJ001 (only the column of the definition's type is set)
    value_number = models.DecimalField(max_digits=20, decimal_places=6, null=True)
    value_date = models.DateField(null=True)
    value_datetime = models.DateTimeField(null=True)
    value_list = models.JSONField(null=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["person", "definition"], name="attribute_value_unique"),
        ]
        indexes = [
            models.Index(fields=["definition", "value_bool", "person"], name="attrvalue_bool"),
            # Text conditions ignore case: PostgreSQL compares UPPER(value_text).
            models.Index("definition", Upper("value_text"), name="attrvalue_text_upper"),
            models.Index(fields=["definition", "value_number", "person"], name="attrvalue_number"),
            models.Index(fields=["definition", "value_date", "person"], name="attrvalue_date"),
            models.Index(fields=["definition", "value_datetime", "person"], name="attrvalue_datetime"),
        ]

    def __str__(self) -> str:
        return f"person {self.person_id} / attribute {self.definition_id}"


class AttributeListItem(models.Model):
    """One item of a LIST value, lower-cased, so "contains" is an indexed equality."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="attribute_list_items")
    definition = models.ForeignKey(AttributeDefinition, on_delete=models.CASCADE, related_name="list_items")
    value = models.CharField(max_length=255)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["definition", "value", "person"], name="attribute_list_item_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.value


class Segment(models.Model):
    """A saved rule document (see docs/segments.md), evaluated in SQL whenever it is used."""

    name = models.CharField(max_length=200, unique=True)
    rules = models.JSONField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class EventDefinition(models.Model):
    """A kind of event integrators send (e.g. "purchase"), with its typed properties.

    `properties` is a list of {"key", "label", "data_type"} (data types as AttributeDefinition's);
    the key of the event and of each property are fixed once created (segments refer to them).
    """

    key = models.SlugField(max_length=64, unique=True)
    label = models.CharField(max_length=100)
    description = models.TextField(blank=True)
    properties = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["key"]

    def __str__(self) -> str:
        return self.key


class Event(models.Model):
    """One occurrence of an event for one person; `properties` hold JSON values typed by the definition."""

    definition = models.ForeignKey(EventDefinition, on_delete=models.CASCADE, related_name="events")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="events")
    occurred_at = models.DateTimeField()
    properties = models.JSONField(default=dict, blank=True)
    # Globally unique: a retried request stores nothing twice.
    idempotency_key = models.CharField(max_length=100, unique=True)
    received_at = models.DateTimeField()

    class Meta:
        ordering = ["occurred_at", "id"]
        indexes = [
            models.Index(fields=["person", "definition", "occurred_at"], name="event_person_def_at"),
            models.Index(fields=["definition", "occurred_at"], name="event_def_at"),
        ]

    def __str__(self) -> str:
        return f"{self.definition_id} for person {self.person_id} at {self.occurred_at:%Y-%m-%d %H:%M}"


class PersonChange(models.Model):
    """The log of a person's attribute, tag and company changes (written by people.changes), for the
    timeline; events have their own table."""

    class Kind(models.TextChoices):
        ATTRIBUTE = "attribute"
        TAG_ADDED = "tag_added"
        TAG_REMOVED = "tag_removed"
        COMPANY = "company"

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="changes")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    # The attribute key, the tag's name, or "company".
    key = models.CharField(max_length=100)
    old = models.JSONField(null=True, blank=True)
    new = models.JSONField(null=True, blank=True)
    source = models.CharField(max_length=100, blank=True)
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["person", "at"], name="personchange_person_at")]

    def __str__(self) -> str:
        return f"{self.kind} {self.key} of person {self.person_id}"


class PersonImport(models.Model):
    """An uploaded CSV/TSV of persons, its column mapping and the progress of its background run.

    The file lives in the default storage (MEDIA_ROOT/imports/): the run streams it batch by batch, so
    memory stays flat whatever its size. `processed` counts the data rows whose batch committed; a run
    killed midway starts again after them (people.imports.person_import_run).
    """

    class Status(models.TextChoices):
        NEW = "new"  # uploaded, waiting for its mapping
        QUEUED = "queued"
        RUNNING = "running"
        DONE = "done"
        FAILED = "failed"

    class UpsertKey(models.TextChoices):
        PHONE = "phone"
        EMAIL = "email"
        EXTERNAL_ID = "external_id"

    file = models.FileField(upload_to="imports/", max_length=255)
    original_name = models.CharField(max_length=255)
    size = models.PositiveBigIntegerField(default=0)
    encoding = models.CharField(max_length=16, default="utf-8-sig")
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.NEW)
    delimiter = models.CharField(max_length=1, default=",")
    has_header = models.BooleanField(default=True)
    # One target per column: a standard attribute key, "company", a custom attribute key or "ignore".
    mapping = models.JSONField(default=list, blank=True)
    tags = models.ManyToManyField(Tag, blank=True, related_name="+")
    upsert_key = models.CharField(max_length=11, choices=UpsertKey.choices, default=UpsertKey.EMAIL)
    total = models.PositiveIntegerField(null=True, blank=True)  # data rows; counted when the run starts
    processed = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"import {self.pk} ({self.original_name})"


class PersonImportRejection(models.Model):
    """A data row an import refused: its line in the file, why, and its cells (for the report)."""

    person_import = models.ForeignKey(PersonImport, on_delete=models.CASCADE, related_name="rejections")
    line = models.PositiveIntegerField()
    # [{"column": header or "", "message": "..."}]
    errors = models.JSONField(default=list)
    values = models.JSONField(default=list)

    class Meta:
        ordering = ["person_import", "line"]

    def __str__(self) -> str:
        return f"line {self.line} of import {self.person_import_id}"

    @property
    def reason(self) -> str:
        return "; ".join(
            f"{e['column']}: {e['message']}" if e["column"] else e["message"] for e in self.errors
        )
