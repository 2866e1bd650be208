"""The core's questions about a person, answered from the database (engine.core.elements.Assets)."""

from __future__ import annotations

from datetime import datetime

from people.conditions import RulesInvalid
from people.selectors import person_matches


class PersonAssets:
    """Assets of one participant at one moment: rule documents are compiled with the operator registry
    of people/conditions and asked of this one person (one indexed query per question)."""

    def __init__(self, person_id: int, now: datetime) -> None:
        self.person_id = person_id
        self.now = now

    def person_matches(self, rules: dict) -> bool:
        try:
            return person_matches(self.person_id, rules, now=self.now)
        except RulesInvalid:
            # Published flows are validated; a rule broken since (an attribute deleted) matches nobody.
            return False
