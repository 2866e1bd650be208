"""The person form of the People pages: standard fields, company, tags and every custom attribute.

Validation reuses the services' rules (people.attributes, services.attributes_parse), and `save`
writes through the services in one transaction, so a bad value anywhere stores nothing.
"""

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.db import IntegrityError, transaction

from flowdesigner.params import parse_id
from people import services
from people.attributes import (
    AttributeValueError,
    normalise_email,
    normalise_phone,
    validate_timezone,
    zone,
)
from people.models import AttributeDefinition, Company, Person, Tag
from people.selectors import person_attributes

DT = AttributeDefinition.DataType
STANDARD_FIELDS = [
    "first_name",
    "last_name",
    "email",
    "phone",
    "external_id",
    "language",
    "timezone",
    "opt_in",
    "birth_date",
    "company",
]
BOOLEAN_CHOICES = [("", "—"), ("true", "Yes"), ("false", "No")]


def _field_name(definition: AttributeDefinition) -> str:
    return f"attr_{definition.key}"


class PersonForm(forms.ModelForm):
    tags = forms.ModelMultipleChoiceField(
        queryset=Tag.objects.order_by("name"), required=False, widget=forms.CheckboxSelectMultiple
    )
    phone = forms.CharField(required=False, max_length=32, help_text="E.164, e.g. +32470123456")
    email = forms.CharField(required=False, max_length=254)

    class Meta:
        model = Person
        fields = STANDARD_FIELDS
        widgets = {"birth_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["company"].queryset = Company.objects.order_by("name")
        self.fields["external_id"].validators = []  # uniqueness is checked on the normalised value
        self.definitions = list(AttributeDefinition.objects.order_by("key"))
        current = person_attributes(self.instance) if self.instance.pk else {}
        if self.instance.pk:
            self.fields["tags"].initial = list(self.instance.tags.values_list("pk", flat=True))
        for definition in self.definitions:
            name = _field_name(definition)
            self.fields[name] = self._attribute_field(definition)
            self.initial[name] = self._initial(definition, current.get(definition.key))

    @property
    def attribute_fields(self) -> list[forms.BoundField]:
        return [self[_field_name(d)] for d in self.definitions]

    @property
    def standard_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in [*STANDARD_FIELDS, "tags"]]

    # --- custom attributes as form fields -----------------------------------------------------

    @staticmethod
    def _attribute_field(definition: AttributeDefinition) -> forms.Field:
        label = f"{definition.label} ({definition.key})"
        kind = definition.data_type
        if kind == DT.BOOLEAN:
            return forms.ChoiceField(label=label, choices=BOOLEAN_CHOICES, required=False)
        if kind == DT.DATE:
            return forms.CharField(
                label=label, required=False, widget=forms.DateInput(attrs={"type": "date"})
            )
        if kind == DT.DATETIME:
            return forms.CharField(
                label=label,
                required=False,
                help_text="In the person's timezone.",
                widget=forms.DateTimeInput(attrs={"type": "datetime-local", "step": "1"}),
            )
        if kind == DT.LIST:
            return forms.CharField(
                label=label,
                required=False,
                help_text="One item per line.",
                widget=forms.Textarea(attrs={"rows": 3}),
            )
        if kind == DT.NUMBER:
            return forms.CharField(
                label=label, required=False, widget=forms.TextInput(attrs={"inputmode": "decimal"})
            )
        return forms.CharField(label=label, required=False)

    def _initial(self, definition: AttributeDefinition, value: Any) -> Any:
        if value is None:
            return ""
        kind = definition.data_type
        if kind == DT.BOOLEAN:
            return "true" if value else "false"
        if kind == DT.LIST:
            return "\n".join(value)
        if kind == DT.DATETIME:
            local = dt.datetime.fromisoformat(value).astimezone(zone(self.instance.timezone))
            return local.replace(tzinfo=None).isoformat(timespec="seconds")
        return str(value)

    def _raw_value(self, definition: AttributeDefinition, text: str, tz: ZoneInfo) -> Any:
        """The form's text as the JSON value services.attributes_parse expects ("" clears)."""
        text = (text or "").strip()
        if not text:
            return None
        kind = definition.data_type
        if kind == DT.BOOLEAN:
            return text == "true"
        if kind == DT.LIST:
            return [line.strip() for line in text.splitlines() if line.strip()]
        if kind == DT.DATETIME:
            try:
                naive = dt.datetime.fromisoformat(text)
            except ValueError:
                return text  # parse_value reports it
            if naive.tzinfo is None:
                naive = naive.replace(tzinfo=tz)
            return naive.isoformat()
        return text

    # --- standard fields ------------------------------------------------------------------------

    def _unique(self, field: str, value: Any, message: str) -> None:
        if value and Person.objects.filter(**{field: value}).exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(message)

    def clean_email(self) -> str | None:
        value = normalise_email(self.cleaned_data.get("email"))
        if value:
            forms.EmailField().clean(value)
        self._unique("email__iexact", value, "Another person already has this email address.")
        return value

    def clean_phone(self) -> str | None:
        try:
            value = normalise_phone(self.cleaned_data.get("phone"))
        except AttributeValueError as exc:
            raise forms.ValidationError(str(exc)) from exc
        self._unique("phone", value, "Another person already has this phone number.")
        return value

    def clean_external_id(self) -> str | None:
        value = (self.cleaned_data.get("external_id") or "").strip() or None
        self._unique("external_id", value, "Another person already has this external id.")
        return value

    def clean_timezone(self) -> str:
        try:
            return validate_timezone(self.cleaned_data.get("timezone") or "")
        except AttributeValueError as exc:
            raise forms.ValidationError(str(exc)) from exc

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        tz = zone(cleaned.get("timezone") or self.instance.timezone or "UTC")
        self.attribute_values = {
            d.key: self._raw_value(d, cleaned.get(_field_name(d), ""), tz) for d in self.definitions
        }
        try:
            services.attributes_parse(self.attribute_values)
        except services.AttributesInvalid as exc:
            for key, message in exc.errors.items():
                self.add_error(f"attr_{key}" if f"attr_{key}" in self.fields else None, message)
        return cleaned

    # --- saving ---------------------------------------------------------------------------------

    def save(self, commit: bool = True) -> Person:
        """Create or update the person through the services; all or nothing."""
        data = self.cleaned_data
        fields = {name: data.get(name) for name in STANDARD_FIELDS}
        tags = list(data.get("tags") or [])
        try:
            with transaction.atomic():
                if self.instance.pk:
                    return services.person_update(
                        person=self.instance, fields=fields, tags=tags, attributes=self.attribute_values
                    )
                return services.person_create(**fields, tags=tags, attributes=self.attribute_values)
        except IntegrityError as exc:
            # Another request took the same email, phone or external id after our check.
            raise forms.ValidationError(
                "Another person already has this email, phone or external id."
            ) from exc


class BulkTagForm(forms.Form):
    """The People page's bulk tag bar: a tag, add/remove, and either ticked rows or the whole filter."""

    tag = forms.ModelChoiceField(queryset=Tag.objects.order_by("name"))
    action = forms.ChoiceField(choices=[("add", "Add tag"), ("remove", "Remove tag")])
    scope = forms.ChoiceField(choices=[("selected", "Selected rows"), ("all", "All matching the filter")])
    ids = forms.TypedMultipleChoiceField(coerce=int, required=False)
    q = forms.CharField(required=False)
    filter_tag = forms.CharField(required=False)
    filter_company = forms.CharField(required=False)
    filter_segment = forms.CharField(required=False)
    filter_via = forms.CharField(required=False)

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        # Any ids may be posted; persons that no longer exist simply change nothing. An id no person can
        # have (not ASCII digits, beyond a database integer) is refused.
        self.fields["ids"].valid_value = lambda value: parse_id(value) is not None  # type: ignore[method-assign]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if cleaned.get("scope") == "selected" and not cleaned.get("ids"):
            raise forms.ValidationError("Tick at least one person, or choose all matching the filter.")
        return cleaned
