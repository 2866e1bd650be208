"""Message text templates: person and variables in, plain text out; hostile templates stay bounded."""

import re
import time

import pytest

from engine.core import template

PERSON = {"id": 7, "first_name": "Erin", "last_name": "", "email": "erin@example.com", "language": "nl"}
VARIABLES = {"city": "Ghent", "count": 3, "items": ["a", "b"], "nested": {"deep": {"er": "x"}}}


def render(source: str) -> str:
    return template.render(source, person=PERSON, variables=VARIABLES)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("Plain text, no template", "Plain text, no template"),
        ("Hi {{ person.first_name }}!", "Hi Erin!"),
        ("{{ variables.city }} x{{ variables.count }}", "Ghent x3"),
        ('Hi {{ person.first_name|default("friend") }}', "Hi Erin"),
        # default also covers blank values: a person without a last name is not greeted with "".
        ('Dear {{ person.last_name|default("customer") }}', "Dear customer"),
        ('{{ person.nickname|default("friend") }}', "friend"),
        ('{{ person.nickname|d("friend") }}', "friend"),
        ("[{{ person.nickname }}]", "[]"),
        ("[{{ variables.nested.deep.er }}|{{ variables.nope.deeper.still }}]", "[x|]"),
        ("[{{ missing }}{{ missing.attr() }}]", "[]"),
        ("{% if variables.count > 2 %}many{% else %}few{% endif %}", "many"),
        ("{% for i in variables.items %}{{ loop.index }}{{ i }} {% endfor %}", "1a 2b "),
        ("{{ person.first_name|upper }} {{ variables.city|lower }}", "ERIN ghent"),
        ("{{ variables.items|join(', ') }}", "a, b"),
        # Text, never HTML: the inbox escapes, so the template must not.
        ("<b>{{ variables.html }}</b>", "<b></b>"),
        ("{{ '<script>' }} & co", "<script> & co"),
        ("Line 1\n{{ person.first_name }}\n", "Line 1\nErin\n"),
    ],
)
def test_render(source: str, expected: str):
    assert render(source) == expected


def test_values_are_not_escaped_or_interpreted():
    variables = {"html": "<img src=x onerror=alert(1)>", "braces": "{{ person.email }}"}
    assert template.render(
        "{{ variables.html }} {{ variables.braces }}", person=PERSON, variables=variables
    ) == ("<img src=x onerror=alert(1)> {{ person.email }}")


@pytest.mark.parametrize(
    "source",
    [
        "{{ ''.__class__.__mro__ }}",
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ person.__class__ }}",
        "{{ person.__init__.__globals__ }}",
        "{{ range.__globals__ }}",
        "{{ lipsum }}{{ cycler }}{{ joiner }}{{ namespace }}{{ config }}{{ request }}",
        "{{ variables.items.append(1) }}",
    ],
)
def test_unsafe_attributes_and_globals_render_empty(source: str):
    variables = {"items": ["a"]}
    assert template.render(source, person=PERSON, variables=variables) == ""
    assert variables == {"items": ["a"]}  # nothing mutated


@pytest.mark.parametrize(
    ("source", "reason"),
    [
        ("{% for i in range(10**9) %}x{% endfor %}", "range() may give at most 1000"),
        (
            "{% for i in range(1000) %}{% for j in range(1000) %}{% endfor %}{% endfor %}",
            "at most 10000 times",
        ),
        ("{% for a in 'x' * 100 %}{% for b in range(200) %}{% endfor %}{% endfor %}", "at most 10000 times"),
        ("{{ 'x' * 10**9 }}", "at most 10000 long"),
        ("{{ [1] * 10**9 }}", "at most 10000 long"),
        ("{{ 2 ** 100000 }}", "too large"),
        ("{{ (10 ** 1000) * (10 ** 3000) * (10 ** 3000) }}", "too large"),
        ("{% set a = 'x' * 9000 %}{{ a ~ a }}", "at most 10000 long"),
        ("{% set a = 'x' * 9000 %}{{ a + a }}", "at most 10000 long"),
        ("{{ 'abc'|replace('', 'x' * 5000) }}", "longer than 10000"),
        ("{{ 1 / 0 }}", "ZeroDivisionError"),
    ],
)
def test_hostile_templates_are_refused_quickly(source: str, reason: str):
    began = time.monotonic()
    with pytest.raises(template.TemplateError, match=re.escape(reason)):
        render(source)
    # Generous bound: the point is "does not hang", not speed.
    assert time.monotonic() - began < 5


def test_output_is_capped():
    out = render("{% for i in range(1000) %}{{ 'abcdefghijklmnopqrstuvwxyz' }}{% endfor %}")
    assert out == ("abcdefghijklmnopqrstuvwxyz" * 1000)[: template.MAX_OUTPUT]


def test_long_plain_text_is_capped_too():
    assert len(template.render("x" * 20_000, person={}, variables={})) == template.MAX_OUTPUT


@pytest.mark.parametrize(
    ("source", "problem"),
    [
        ("Hi {{ person.first_name", "Line 1: unexpected end of template"),
        ("{% if x %}no end", "Line 1: Unexpected end of template"),
        ("ok\n{{ person.first_name|nofilter }}", "Line 2: No filter named 'nofilter'"),
        ("{{ x|center(10) }}", "No filter named 'center'"),
        ("{{ x|format(1) }}", "No filter named 'format'"),
        ("{% macro f() %}{% endmacro %}", "{% macro %} is not allowed"),
        ("{% include 'other' %}", "{% include %} is not allowed"),
        ("{% extends 'base' %}", "{% extends %} is not allowed"),
        ("{% import 'x' as y %}", "{% import %} is not allowed"),
        ("{% from 'x' import y %}", "{% from ... import %} is not allowed"),
        ("{% call f() %}{% endcall %}", "{% call %} is not allowed"),
        ("{% block b %}{% endblock %}", "{% block %} is not allowed"),
        ("{% filter upper %}x{% endfilter %}", "{% filter %} is not allowed"),
        ("{% set x %}y{% endset %}", "{% set %}...{% endset %} is not allowed"),
        ("{% with a = 1 %}{% endwith %}", "{% with %} is not allowed"),
    ],
)
def test_check_reports_what_cannot_be_used(source: str, problem: str):
    assert problem in template.check(source)
    with pytest.raises(template.TemplateError):
        render(source)


@pytest.mark.parametrize(
    "source",
    [
        "No template",
        "{{ person.first_name|default('friend')|title }}",
        "{% if a %}{% for b in c %}{% endfor %}{% endif %}",
    ],
)
def test_check_accepts_good_templates(source: str):
    assert template.check(source) is None
