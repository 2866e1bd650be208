"""Forms of the pages that manage companies, tags, custom attribute definitions and event definitions.

They apply the same rules as the API (people.api): the model's own constraints (unique names, slug
keys), services.attribute_definition_check for attribute definitions, events.properties_errors for
event properties; and they write through the services, so pages and API cannot drift apart.
"""

from typing import Any

from django import forms

from people import events, services
from people.events import PropertySpec
from people.models import AttributeDefinition, Company, EventDefinition, Tag

DT = AttributeDefinition.DataType


class CompanyForm(forms.ModelForm):
    class Meta:
        model = Company
        fields = ["name", "domain", "notes"]
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}


class TagForm(forms.ModelForm):
    class Meta:
        model = Tag
        fields = ["name"]


class AttributeDefinitionForm(forms.ModelForm):
    """Create: key, label, data type, number kind. Edit: the label only (segments refer to the key,
    and stored values live in the column of the type)."""

    class Meta:
        model = AttributeDefinition
        fields = ["key", "label", "data_type", "number_kind"]
        help_texts = {
            "key": "Letters, digits, - and _; fixed once created.",
            "number_kind": "NUMBER attributes only: decimal (the default) or whole.",
        }

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            for name in ("key", "data_type", "number_kind"):
                self.fields[name].disabled = True
                self.fields[name].help_text = "Fixed once created."

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if self.instance.pk:
            return data
        data_type = data.get("data_type", "")
        number_kind = data.get("number_kind", "")
        if data_type == DT.NUMBER and not number_kind:
            number_kind = data["number_kind"] = AttributeDefinition.NumberKind.DECIMAL
        errors = services.attribute_definition_check(
            key=data.get("key", ""), data_type=data_type, number_kind=number_kind
        )
        for name, message in errors.items():
            self.add_error(name, message)
        return data

    def save(self, commit: bool = True) -> AttributeDefinition:
        data = self.cleaned_data
        if self.instance.pk:
            self.instance.label = data["label"]
            self.instance.save(update_fields=["label", "updated_at"])
            return self.instance
        return services.attribute_definition_create(
            key=data["key"], label=data["label"], data_type=data["data_type"], number_kind=data["number_kind"]
        )


class EventPropertyForm(forms.Form):
    """One "key / label / type" row; an existing property keeps its key and type."""

    key = forms.CharField(max_length=64, required=False, help_text="Letters, digits and _")
    label = forms.CharField(max_length=100, required=False)
    data_type = forms.ChoiceField(choices=[("", "—"), *DT.choices], required=False, label="Type")

    def __init__(self, *args: Any, existing: bool = False, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.existing = existing
        if existing:
            self.fields["key"].disabled = True
            self.fields["data_type"].disabled = True

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("key") and not data.get("data_type"):
            self.add_error("data_type", "Choose the property's type.")
        if data.get("data_type") and not data.get("key"):
            self.add_error("key", "A property needs a key.")
        return data


class BaseEventPropertyFormSet(forms.BaseFormSet):
    def __init__(self, *args: Any, existing: int = 0, **kwargs: Any):
        self.existing = existing
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index: int | None) -> dict[str, Any]:
        return {"existing": index is not None and index < self.existing}

    def specs(self) -> list[PropertySpec]:
        return [
            {
                "key": f.cleaned_data["key"],
                "label": f.cleaned_data.get("label", ""),
                "data_type": f.cleaned_data["data_type"],
            }
            for f in self.forms
            if f.cleaned_data.get("key")
        ]


EventPropertyFormSet = forms.formset_factory(
    EventPropertyForm, formset=BaseEventPropertyFormSet, extra=3, max_num=events.MAX_PROPERTIES
)


class EventDefinitionForm(forms.ModelForm):
    """An event definition with its property rows (`properties`, a formset). Create sets the key;
    edit changes the label and description and adds properties (existing ones keep key and type)."""

    class Meta:
        model = EventDefinition
        fields = ["key", "label", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}
        help_texts = {"key": "Letters, digits, - and _; fixed once created (segments refer to it)."}

    def __init__(self, data: Any = None, *args: Any, **kwargs: Any):
        super().__init__(data, *args, **kwargs)
        before = list(self.instance.properties) if self.instance.pk else []
        if self.instance.pk:
            self.fields["key"].disabled = True
        self.properties = EventPropertyFormSet(
            data, prefix="prop", initial=before or None, existing=len(before)
        )

    def is_valid(self) -> bool:
        # Both, so every field error is shown at once.
        return all([super().is_valid(), self.properties.is_valid()]) and self._properties_ok()

    def _properties_ok(self) -> bool:
        before = self.instance.properties if self.instance.pk else None
        errors = events.properties_errors(self.properties.specs(), before=before)
        for message in errors:
            self.add_error(None, message)
        return not errors

    def save(self, commit: bool = True) -> EventDefinition:
        data = self.cleaned_data
        if self.instance.pk:
            return events.event_definition_update(
                definition=self.instance,
                label=data["label"],
                description=data["description"],
                properties=self.properties.specs(),
            )
        return events.event_definition_create(
            key=data["key"],
            label=data["label"],
            description=data["description"],
            properties=self.properties.specs(),
        )
