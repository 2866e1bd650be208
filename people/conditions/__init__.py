"""Conditions over persons, shared by segments, audiences and triggers.

compile_rules(doc, now=...) -> Q      who matches a rule document (docs/segments.md)
validate_rules(doc) -> [RuleError]    what is wrong with it
OPERATORS / operators_for(type)       the operator registry (the seed's table)
"""

from people.conditions.compiler import (
    RuleError,
    RulesInvalid,
    attribute_references,
    compile_rules,
    id_references,
    parse_rules,
    segment_references,
    validate_rules,
)
from people.conditions.events import event_references
from people.conditions.operators import OPERATORS, SUBJECTS, Operator, operators_for

__all__ = [
    "OPERATORS",
    "SUBJECTS",
    "Operator",
    "RuleError",
    "RulesInvalid",
    "attribute_references",
    "compile_rules",
    "event_references",
    "operators_for",
    "parse_rules",
    "id_references",
    "segment_references",
    "validate_rules",
]
