"""Template resource limits: every way of building a long text or a large number is refused before the
text is built (LimitExceeded, with a few MiB of memory at most where the text would take from megabytes to
gigabytes), constant cases already by check(); small uses work."""

import re
import tracemalloc

import pytest

from engine.core import template
from engine.core.template import MAX_OUTPUT, LimitExceeded

PERSON = {"id": 7, "first_name": "Erin", "email": "erin@example.com"}
VARIABLES = {"city": "Ghent", "count": 3, "items": ["a", "b"], "nested": {"deep": {"er": "x"}}}
HUGE = 999_999_999
LONGER = f"longer than {MAX_OUTPUT} characters"
AT_MOST = f"at most {MAX_OUTPUT} long"


def render(source: str, **variables: object) -> str:
    return template.render(source, person=PERSON, variables={**VARIABLES, **variables})


# The most memory a refusal may take. Building the texts refused here would take from 1 MiB (a million
# characters) to gigabytes; a refusal that comes before the work takes Jinja's compilation and little else.
# Memory, not time: a timed check failed on a slow machine, and memory says what matters (nothing was built).
REFUSAL_PEAK = 1_000_000


def peak_memory(work) -> int:
    """Bytes of memory `work()` took at its peak (tracemalloc); whatever it raises is raised."""
    tracemalloc.start()
    try:
        work()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def assert_refused_quickly(source: str, reason: str, **variables: object) -> None:
    def refused() -> None:
        with pytest.raises(LimitExceeded, match=re.escape(reason)):
            render(source, **variables)

    # The refusal must come before the work.
    assert peak_memory(refused) < REFUSAL_PEAK


# A list that takes little memory but prints as 10,000 copies of a 10,000-character text.
SHARED = "(['x' * 10000] * 10000)"


@pytest.mark.parametrize(
    ("source", "reason"),
    [
        # str methods with a width or a count
        ("{% set a = 'a'.ljust(500000000) %}{{ a }}", f"ljust() would make a text {LONGER}"),
        ("{{ 'a'.rjust(500000000) }}", f"rjust() would make a text {LONGER}"),
        ("{{ 'a'.center(500000000, '*') }}", f"center() would make a text {LONGER}"),
        ("{{ '1'.zfill(500000000) }}", f"zfill() would make a text {LONGER}"),
        (r"{{ ('a\tb' * 10).expandtabs(500000000) }}", f"expandtabs() would make a text {LONGER}"),
        ("{{ 'abc'.replace('', 'x' * 5000) }}", f"replace() would make a text {LONGER}"),
        ("{{ ('a' * 100).replace('a', 'b' * 9000) }}", f"replace() would make a text {LONGER}"),
        ("{{ ''.join(['x' * 10000] * 10000) }}", f"join() would make a text {LONGER}"),
        ("{{ 'aaaa'.translate({97: 'x' * 9000}) }}", f"translate() would make a text {LONGER}"),
        ("{{ ('x' * 10000).encode('utf-32') }}", f"encode() would make a text {LONGER}"),
        # str.format / format_map: widths, precisions, nested widths, many fields, conversions
        ("{{ '{:>999999999}'.format('a') }}", f"format() would make a text {LONGER}"),
        ("{{ '{:>{}}'.format('a', 999999999) }}", f"format() would make a text {LONGER}"),
        ("{{ '{:.999999999f}'.format(1.5) }}", f"format() would make a text {LONGER}"),
        ("{{ '{:0999999999d}'.format(1) }}", f"format() would make a text {LONGER}"),
        ("{{ '{x:>999999999}'.format_map({'x': 1}) }}", f"format() would make a text {LONGER}"),
        ("{{ ('{0:>9999}' * 100).format('a') }}", f"format() would make a text {LONGER}"),
        (f"{{{{ '{{!r}}'.format({SHARED}) }}}}", f"format() would make a text {LONGER}"),
        # % formatting
        ("{{ '%999999999s' % 'a' }}", f"% formatting would make a text {LONGER}"),
        ("{{ '%.999999999f' % 1.5 }}", f"% formatting would make a text {LONGER}"),
        ("{{ '%0999999999d' % 1 }}", f"% formatting would make a text {LONGER}"),
        ("{{ '%*s' % (999999999, 'a') }}", f"% formatting would make a text {LONGER}"),
        ("{{ '%(x)999999999s' % {'x': 'a'} }}", f"% formatting would make a text {LONGER}"),
        ("{{ '%(a(b)c)999999999s' % {'a(b)c': 'x'} }}", f"% formatting would make a text {LONGER}"),
        (f"{{{{ '%.5s' % ({SHARED},) }}}}", f"% formatting would make a text {LONGER}"),
        # bytes and int methods
        ("{{ 'x'.encode().ljust(500000000) }}", f"ljust() would make a text {LONGER}"),
        ("{{ 'x'.encode() * 500000000 }}", AT_MOST),
        ("{{ (1).to_bytes(500000000, 'big') }}", f"to_bytes() would make a text {LONGER}"),
        # filters
        ("{{ 5|round(-1000000000) }}", "round() precision is too large"),
        ("{{ 5.5|round(1000000000, 'ceil') }}", "round() precision is too large"),
        ("{{ [1, 2]|tojson(indent=500000000) }}", f"tojson would make a text {LONGER}"),
        (f"{{{{ {SHARED}|join(', ') }}}}", f"join would make a text {LONGER}"),
        ("{{ ([['x'] * 10000] * 10000)|sum(start=[]) }}", AT_MOST),
        ("{{ ('f' * 10000)|int(base=16) }}", "A number in a message text is too large"),
        # printing a list or dict whose text is far longer than its memory
        (f"{{{{ {SHARED} }}}}", f"would print as more than {MAX_OUTPUT} characters"),
        (f"{{{{ {SHARED}|string }}}}", f"string would make a text {LONGER}"),
        (f"{{{{ {SHARED}|upper }}}}", f"upper would make a text {LONGER}"),
        (f"{{{{ {SHARED}|tojson }}}}", f"tojson would make a text {LONGER}"),
        (f"{{{{ {{'a': {SHARED}}}|urlencode }}}}", f"urlencode would make a text {LONGER}"),
        (f"{{{{ 'x' ~ {SHARED} }}}}", AT_MOST),
        (f"{{{{ {SHARED}|replace('x', 'y') }}}}", f"replace would make a text {LONGER}"),
    ],
)
def test_constant_huge_results_are_refused_by_check_and_render(source: str, reason: str):
    found = []
    assert peak_memory(lambda: found.append(template.check(source))) < REFUSAL_PEAK
    problem = found[0]
    assert problem is not None and problem.startswith("Line 1: ") and reason in problem
    assert_refused_quickly(source, reason)


@pytest.mark.parametrize(
    ("source", "reason"),
    [
        ("{{ 'a'.ljust(variables.n) }}", f"ljust() would make a text {LONGER}"),
        ("{{ variables.city.center(variables.n) }}", f"center() would make a text {LONGER}"),
        ("{{ variables.city.zfill(variables.n) }}", f"zfill() would make a text {LONGER}"),
        (r"{{ ('\t' * 10).expandtabs(variables.n) }}", f"expandtabs() would make a text {LONGER}"),
        ("{{ variables.city.replace('', variables.text) }}", f"replace() would make a text {LONGER}"),
        ("{% set n = variables.n %}{{ 'a'.rjust(n) }}", f"rjust() would make a text {LONGER}"),
        ("{{ '{:>{w}}'.format('a', w=variables.n) }}", f"format() would make a text {LONGER}"),
        ("{{ '{0:{1}}'.format(variables.city, variables.spec) }}", f"format() would make a text {LONGER}"),
        ("{{ '{city:>{n}}'.format_map(variables) }}", f"format() would make a text {LONGER}"),
        ("{{ '%*s' % (variables.n, 'a') }}", f"% formatting would make a text {LONGER}"),
        ("{{ '%.*f' % (variables.n, 1.5) }}", f"% formatting would make a text {LONGER}"),
        ("{{ variables.fmt % 'a' }}", f"% formatting would make a text {LONGER}"),
        ("{{ 'x'.encode().rjust(variables.n) }}", f"rjust() would make a text {LONGER}"),
        ("{{ (1).to_bytes(variables.n, 'big') }}", f"to_bytes() would make a text {LONGER}"),
        ("{{ 5|round(-variables.n) }}", "round() precision is too large"),
        ("{{ [1]|tojson(indent=variables.n) }}", f"tojson would make a text {LONGER}"),
        ("{% set l = [variables.text] * 10000 %}{{ l }}", f"would print as more than {MAX_OUTPUT}"),
        ("{% set l = [variables.text] * 10000 %}{{ l|join }}", f"join would make a text {LONGER}"),
        ("{% set l = [variables.text] * 10000 %}{{ ''.join(l) }}", f"join() would make a text {LONGER}"),
        (
            "{% set l = [variables.text] * 10000 %}{{ '%s' % (l,) }}",
            f"% formatting would make a text {LONGER}",
        ),
        (
            "{% set l = [variables.text] * 10000 %}{{ '{}'.format(l) }}",
            f"format() would make a text {LONGER}",
        ),
        ("{% set l = [[variables.text] * 100] * 100 %}{{ l ~ '' }}", AT_MOST),
    ],
)
def test_huge_results_from_variables_are_refused_at_render(source: str, reason: str):
    # Not visible in the text itself, so check() accepts it; the render refuses before building anything.
    assert template.check(source) is None
    assert_refused_quickly(source, reason, n=HUGE, spec=f">{HUGE}", fmt=f"%{HUGE}s", text="x" * 10_000)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("[{{ person.first_name.center(10, '*') }}]", "[***Erin***]"),
        ("[{{ person.first_name.ljust(6) }}|{{ person.first_name.rjust(6, '.') }}]", "[Erin  |..Erin]"),
        ("{{ '7'.zfill(3) }}", "007"),
        (r"{{ 'a\tb'.expandtabs(4) }}", "a   b"),
        ("{{ 'banana'.replace('a', 'o') }} {{ 'banana'.replace('a', 'o', 1) }}", "bonono bonana"),
        ("{{ ', '.join(variables.items) }} {{ '-'.join(variables.items|reverse) }}", "a, b b-a"),
        ("{{ 'abc'.translate({97: 'xy', 98: None}) }}", "xyc"),
        ("[{{ '{:>5}'.format(variables.count) }}]", "[    3]"),
        (
            "{{ '{:,}'.format(1234567) }} {{ '{:.1%}'.format(0.5) }} {{ '{:08.3f}'.format(3.14159) }}",
            "1,234,567 50.0% 0003.142",
        ),
        ("{{ '{0!r}:{1:^7}'.format('x', 'mid') }}", "'x':  mid  "),
        ("{{ '{city} x{count}'.format_map(variables) }}", "Ghent x3"),
        ("{{ '{:>{w}}'.format('a', w=4) }}", "   a"),
        ("{{ '%05.2f' % 3.14159 }}", "03.14"),
        ("{{ '%-6s|%3d|%x|%%' % ('ab', 7, 255) }}", "ab    |  7|ff|%"),
        ("{{ '%(city)s!' % variables }} {{ '%*d' % (4, 7) }} {{ '%.3s' % 'abcdef' }}", "Ghent!    7 abc"),
        ("{{ variables.items|join(', ') }}", "a, b"),
        ("{{ variables.items|tojson }} {{ {'a': 1}|tojson(indent=1) }}", '["a", "b"] {\n "a": 1\n}'),
        ("{{ 3.14159|round(2) }} {{ 2.5|round(0, 'floor') }}", "3.14 2.0"),
        ("{{ [1, 2, 3]|sum }} {{ [[1], [2]]|sum(start=[]) }}", "6 [1, 2]"),
        ("{{ variables.items }} {{ (1,) }} {{ variables.nested }}", "['a', 'b'] (1,) {'deep': {'er': 'x'}}"),
        ("{{ 'x' ~ variables.items ~ 3 }}", "x['a', 'b']3"),
        ("{{ (258).to_bytes(2, 'big')|list }}", "[1, 2]"),
        ("{{ variables.items|string|upper }} {{ 'Hello world'|wordcount }}", "['A', 'B'] 2"),
        ("{{ 'x' * 3 }}{{ 'ab'|replace('b', 'c') }}", "xxxac"),
    ],
)
def test_small_uses_still_render(source: str, expected: str):
    assert template.check(source) is None
    assert render(source) == expected


def test_a_printed_list_may_be_exactly_as_long_as_the_output():
    fits = ["x" * (MAX_OUTPUT - 4)]  # prints as ['xx...x']: MAX_OUTPUT characters
    assert render("{{ variables.v }}", v=fits) == str(fits)
    assert_refused_quickly("{{ variables.v }}", "would print as more than", v=["x" * (MAX_OUTPUT - 3)])


def test_a_long_text_value_is_still_cut_not_refused():
    assert render("{{ variables.text }}", text="x" * (2 * MAX_OUTPUT)) == "x" * MAX_OUTPUT


@pytest.mark.parametrize("name", ["center", "format", "indent", "wordwrap"])
def test_padding_filters_are_not_available(name: str):
    assert f"No filter named '{name}'" in template.check(f"{{{{ person.first_name|{name}(10) }}}}")
