"""Reading ids and whole numbers from query strings and forms.

str.isdigit() is not a number check: it accepts "³" and other Unicode digits that int() refuses (a
ValueError, i.e. a 500), and it accepts 99999999999999999999999, which no database integer holds
(SQLite and PostgreSQL refuse it in a query: another 500). Read numbers from user input here instead.
"""

# The largest id: a signed 64-bit integer (Django's BigAutoField on PostgreSQL, SQLite's INTEGER).
MAX_ID = 2**63 - 1


def whole_number(text: object, *, low: int = 0, high: int = MAX_ID) -> int | None:
    """The number written in `text` as ASCII digits 0-9 only (no sign, no spaces), when it is between
    `low` and `high`; None for anything else."""
    if not isinstance(text, str) or not text.isascii() or not text.isdecimal():
        return None
    if len(text.lstrip("0")) > len(str(high)):  # no int() of a huge digit string
        return None
    number = int(text)
    return number if low <= number <= high else None


def parse_id(text: object) -> int | None:
    """A database id (1 to MAX_ID) written as ASCII digits; None for anything else."""
    return whole_number(text, low=1)
