"""Validation made cheap without changing what it says: the JSON Schema fast path (jsonschema_rs first,
jsonschema for the wording), validators built once, template verdicts cached by text, no copy of the doc."""

import copy

import jsonschema
import pytest

from engine.core import definition, template
from engine.core.schema_check import SchemaChecker
from engine.core.validate import validate
from tests.factories import two_step_definition


def _slow_errors(schema: dict, instance) -> list[tuple[str, list]]:
    return [
        (e.message, list(e.absolute_path))
        for e in jsonschema.Draft202012Validator(schema).iter_errors(instance)
    ]


def _errors(checker: SchemaChecker, instance) -> list[tuple[str, list]]:
    return [(e.message, list(e.absolute_path)) for e in checker.iter_errors(instance)]


@pytest.mark.parametrize(
    "mutate",
    [
        lambda d: None,
        lambda d: d["nodes"][0].update(id="bad id with spaces"),
        lambda d: d["nodes"][1].pop("exits"),
        lambda d: d["nodes"][1]["exits"].update(yes=5),
        lambda d: d["nodes"][1]["exits"].update({"no way": "thanks"}),
        lambda d: d.update(spec_version=2, extra=True),
        lambda d: d.update(settings={"send_window": {"start": "25:00", "end": "08:00"}, "priority": 9}),
        lambda d: d.update(variables=[{"name": "x", "type": "money"}]),
        lambda d: d["nodes"].append("not a node"),
    ],
)
def test_the_fast_path_finds_exactly_the_errors_jsonschema_finds(mutate):
    doc = two_step_definition()
    mutate(doc)
    schema = definition.schema()

    assert _errors(SchemaChecker(schema), doc) == _slow_errors(schema, doc)


def test_where_the_fast_validator_is_stricter_jsonschema_keeps_the_last_word():
    # Python's `$` also matches before a final newline; jsonschema_rs's does not. jsonschema's answer stands.
    schema = {"type": "string", "pattern": "^[a-z]+$"}
    checker = SchemaChecker(schema)

    assert _errors(checker, "abc\n") == _slow_errors(schema, "abc\n") == []
    assert checker.is_valid("abc")
    assert not checker.is_valid("ABC")


def test_a_schema_the_fast_validator_cannot_compile_is_checked_by_jsonschema_alone():
    schema = {"type": "string", "pattern": "(?P<word>a)(?P=word)"}  # a Python-only back-reference
    checker = SchemaChecker(schema)

    assert checker.is_valid("aa")
    assert _errors(checker, "ab") == _slow_errors(schema, "ab") != []


def test_validate_neither_copies_nor_changes_the_document():
    doc = two_step_definition()
    doc["nodes"][1]["config"]["text"] = "Hi {{ person.first_name }}"
    before = copy.deepcopy(doc)

    assert [i.code for i in validate(doc)] == ["required"]  # the audience has nobody
    assert doc == before


def test_a_template_verdict_follows_its_text():
    good, bad = "Hi {{ person.first_name }}", "Hi {{ person.first_name "

    assert template.check(good) is None
    assert template.check(bad) is not None
    assert template.check(good) is None  # asked again: the same answers
    assert template.check(bad) == template.check(bad)
    assert template.render(good, person={"first_name": "Ann"}, variables={}) == "Hi Ann"


def test_the_first_forbidden_statement_in_the_fixed_order_is_reported():
    # One walk of the tree finds them all; the report still names them in the same order as before.
    problem = template.check("{% with a = 1 %}{% endwith %}{% include 'x' %}{% macro m() %}{% endmacro %}")

    assert problem == "Line 1: {% macro %} is not allowed in a message text"
