"""The person as a running flow sees it, from the database (engine.core.elements.Assets).

Questions are rule documents compiled with the operator registry of people/conditions and asked of this
one person. Changes go through people.services in the caller's transaction, each under a savepoint, so
a refused one leaves nothing behind and the rest of the advance sees the ones that were made (labelled
with the flow as their source on the person's timeline).
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction

from engine.attributes import AttributeRefused, attribute_save, attributes_write
from people import changes
from people.conditions import RulesInvalid
from people.models import Person, Tag
from people.selectors import person_matches
from people.services import person_tags_add, person_tags_remove


class PersonAssets:
    """Assets of one participant's person at one moment (`source`: the flow, for the change log)."""

    def __init__(self, participant, now: datetime, *, source: str = "") -> None:
        self.participant = participant
        self.now = now
        self.source = source

    @property
    def person(self) -> Person:
        # Loaded only when a step changes the person: a launch entering thousands reads no Person row.
        return self.participant.person

    def person_matches(self, rules: dict) -> bool:
        try:
            return person_matches(self.participant.person_id, rules, now=self.now)
        except RulesInvalid:
            # Published flows are validated; a rule broken since (an attribute deleted) matches nobody.
            return False

    def update_person(self, values: dict) -> str | None:
        try:
            with changes.source(self.source):
                attributes_write(person=self.person, values=values)
        except AttributeRefused as exc:
            return str(exc)
        return None

    def update_tags(self, add: tuple[int, ...], remove: tuple[int, ...]) -> str | None:
        tags = Tag.objects.in_bulk(set(add) | set(remove))
        missing = sorted((set(add) | set(remove)) - set(tags))
        if missing:
            return f"these tags no longer exist: {', '.join(map(str, missing))}"
        with changes.source(self.source), transaction.atomic():
            if add:
                person_tags_add(person=self.person, tags=[tags[t] for t in add])
            if remove:
                person_tags_remove(person=self.person, tags=[tags[t] for t in remove])
        return None

    def save_answer(self, key: str, result: dict, display: str) -> str | None:
        try:
            with changes.source(self.source), transaction.atomic():
                attribute_save(person=self.person, key=key, result=result, display=display)
        except AttributeRefused as exc:
            return str(exc)
        return None


def run_kwargs(participant, snapshot: dict, now: datetime) -> dict:
    """The person, seed and assets the core runs a participant with (changes to the person are labelled
    with the flow on their timeline)."""
    source = f"flow:{participant.version.flow_id}"
    return {
        "person": snapshot,
        "seed": participant.person_id,
        "assets": PersonAssets(participant, now, source=source),
    }
