"""The flow page's launch form: the audience staff choose, its size before launching, and the count they
confirmed (re-checked on the server, so nobody launches to an audience bigger than they agreed to).

The audience itself is resolved by the engine's launch service (`engine.services.audience_persons`);
this module only turns the form's choice into the audience document that service reads.
"""

from __future__ import annotations

import re

from django import forms

from engine.core.elements.predefined_audience import AUDIENCE_KEYS
from engine.definitions import entry_node_id, version_definition
from engine.models import MAX_CONTEXT
from engine.services import audience_persons
from flowdesigner.models import FlowVersion
from people.models import Segment, Tag
from people.selectors import person_find

AUDIENCE_KINDS = ("predefined", "tag", "segment", "person", "everyone")


class LaunchForm(forms.Form):
    AUDIENCES = [
        ("predefined", "The flow's Predefined Audience"),
        ("tag", "Everyone with a tag"),
        ("segment", "Everyone in a segment"),
        ("person", "Hand-picked people"),
        ("everyone", "Everyone"),
    ]
    audience = forms.ChoiceField(choices=AUDIENCES, widget=forms.RadioSelect, initial="predefined")
    tag = forms.ModelChoiceField(queryset=Tag.objects.order_by("name"), required=False)
    segment = forms.ModelChoiceField(queryset=Segment.objects.order_by("name"), required=False)
    person = forms.CharField(
        required=False,
        label="People (email or phone)",
        help_text="One or more email addresses or phone numbers, separated by commas or new lines.",
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    launch_tag = forms.CharField(required=False, max_length=100, label="Launch tag (optional)")
    context = forms.CharField(
        required=False,
        max_length=MAX_CONTEXT,
        label="Context (optional)",
        strip=False,
        help_text="Delivered with every participant's results.",
    )
    # The audience size the person agreed to launch to; empty until they saw it (then the page asks).
    confirmed_count = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)

    def clean(self):
        data = super().clean()
        kind = data.get("audience")
        if kind == "tag" and not data.get("tag"):
            self.add_error("tag", "Choose the tag to launch to.")
        if kind == "segment" and not data.get("segment"):
            self.add_error("segment", "Choose the segment to launch to.")
        if kind == "person":
            identifiers = [
                part.strip() for part in re.split(r"[,\n]", data.get("person") or "") if part.strip()
            ]
            found = {identifier: person_find(identifier) for identifier in identifiers}
            unknown = [identifier for identifier, person in found.items() if person is None]
            if not identifiers:
                self.add_error("person", "Enter at least one email address or phone number.")
            elif unknown:
                self.add_error(
                    "person", "Nobody has this email address or phone number: " + ", ".join(unknown)
                )
            data["person_ids"] = sorted({p.pk for p in found.values() if p is not None})
        return data

    def audience_dict(self) -> dict | None:
        """The chosen audience as `engine.services.launch_create` takes it (None: the Predefined one)."""
        data = self.cleaned_data
        return {
            "predefined": None,
            "tag": {"tags": [data["tag"].pk] if data.get("tag") else []},
            "segment": {"segments": [data["segment"].pk] if data.get("segment") else []},
            "person": {"persons": data.get("person_ids", [])},
            "everyone": {"everyone": True},
        }[data["audience"]]


def launch_audience(version: FlowVersion, audience: dict | None) -> dict:
    """The audience a launch of `version` reaches: `audience`, or (None) the version's Predefined Audience,
    read from its entry node as `launch_create` does."""
    if audience is not None:
        return audience
    defn = version_definition(version)
    entry = defn.node(entry_node_id(defn))
    return {key: list(entry.config.get(key, [])) for key in AUDIENCE_KEYS}


def audience_count(version: FlowVersion, audience: dict | None) -> int:
    """How many persons a launch of `version` to `audience` would start now (before re-entry and the
    frequency cap, which launch_run applies person by person)."""
    return audience_persons(launch_audience(version, audience)).count()


def people_count(count: int) -> str:
    """ "1 person", "1,234 people": how the page and the confirmation say an audience size."""
    return f"{count:,} {'person' if count == 1 else 'people'}"
