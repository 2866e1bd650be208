"""Rogerthat's slider unit placeholders (<value/>, <low_value/>, <high_value/>) are filled by one rule on the
server (display values, callbacks) and in the inbox (flowdesigner/frontend/src/inbox/forms.test.ts has the
same cases)."""

import pytest

from engine.core import widgets


@pytest.mark.parametrize(
    ("value", "precision", "unit", "shown"),
    [
        (5, 0, "<value/> op 5", "5 op 5"),
        (7.5, 1, "<value/> km", "7.5 km"),
        (20, 0, "€ <value />", "€ 20"),
        (20, 0, "€ <value>", "€ 20"),
        (3, 0, "<value/> of <value/>", "3 of 3"),
        (4, 2, "punten", "4.00 punten"),
        (2, 2, "", "2.00"),
    ],
)
def test_a_slider_unit_places_the_value(value, precision, unit, shown):
    assert widgets.slider_display(value, precision, unit) == shown


@pytest.mark.parametrize(
    ("low", "high", "precision", "unit", "shown"),
    [
        (10, 90, 0, "€<low_value/> - €<high_value/>", "€10 - €90"),
        (1, 3, 1, "<low_value/> tot <high_value/> uur", "1.0 tot 3.0 uur"),
        (1, 3, 1, "<low_value> to <high_value> h", "1.0 to 3.0 h"),
        (1, 3, 0, "<value/> km", "1 - 3 km"),
        (50, 137.5, 1, "EUR", "50.0 - 137.5 EUR"),
        (1, 3, 0, "", "1 - 3"),
    ],
)
def test_a_range_slider_unit_places_the_low_and_high_values(low, high, precision, unit, shown):
    assert widgets.range_display(low, high, precision, unit) == shown


def test_the_form_answers_display_value_uses_the_rule():
    slider = {"type": "slider", "min": 1, "max": 5, "unit": "<value/> op 5"}
    assert widgets.form_value(slider, 5)[1] == "5 op 5"
    both = {"type": "range_slider", "min": 0, "max": 100, "step": 5, "unit": "€<low_value/> - €<high_value/>"}
    assert widgets.form_value(both, [20, 45]) == (
        {"type": "float_list_result", "value": [20.0, 45.0]},
        "€20 - €45",
    )
