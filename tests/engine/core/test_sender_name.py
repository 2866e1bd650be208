"""The flow setting `sender_name` (issue 12, item 9): optional, one line, at most 100 characters."""

import pytest

from engine.core.definition import DefinitionError, load
from tests.engine.core import example_flow


def test_a_flow_without_a_sender_name_still_loads_with_none():
    assert load(example_flow()).sender_name == ""


def test_the_sender_name_is_read_from_the_settings_trimmed():
    doc = {**example_flow(), "settings": {"sender_name": "  City of Gent "}}

    assert load(doc).sender_name == "City of Gent"


@pytest.mark.parametrize("name", ["two\nlines", "x" * 101, 42])
def test_a_sender_name_that_is_not_one_short_line_is_refused(name):
    doc = {**example_flow(), "settings": {"sender_name": name}}

    with pytest.raises(DefinitionError) as refused:
        load(doc)

    assert [issue.field for issue in refused.value.issues] == ["settings.sender_name"]
