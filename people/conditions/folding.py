"""Text conditions ignore case for every letter, not only A-Z.

PostgreSQL's UPPER folds every letter its locale knows, but SQLite's LIKE, UPPER and LOWER fold ASCII
letters only: there "Émile" was not "émile" and `contains "école"` missed "ÉCOLE". So on SQLite every
connection gets two deterministic SQL functions written in Python (`register_sqlite_functions`, wired
to Django's `connection_created` signal by people.apps), and the lookups here compare
`fd_casefold(column)` with the condition's value folded by the very same Python function.

The lookups are Django's own case-insensitive ones under other names (`ci_exact`, `ci_contains`,
`ci_startswith`, `ci_endswith`; see `ci_lookup`): on any other database they produce exactly Django's
SQL (`UPPER(column) = UPPER(value)` ...), so PostgreSQL queries and their indexes are unchanged.
"""

import sqlite3
import unicodedata
from collections.abc import Callable
from typing import Any

from django.db.models import CharField, TextField
from django.db.models.fields.json import (
    KeyTransform,
    KeyTransformIContains,
    KeyTransformIEndsWith,
    KeyTransformIExact,
    KeyTransformIStartsWith,
)
from django.db.models.lookups import IContains, IEndsWith, IExact, IStartsWith

SQLITE_CASEFOLD = "fd_casefold"
SQLITE_LOWER = "fd_lower"


def casefold(text: str) -> str:
    """`text` in the one form all its spellings that differ only in case share.

    Unicode full case folding (`str.casefold`: "Straße" and "STRASSE" are both "strasse", "ÉCOLE" and
    "école" both "école") of the canonical decomposition, composed again, so "é" typed as e + a
    combining accent equals "é" (Unicode's canonical caseless match). Compatibility forms (NFKC) are
    not folded: "²" is not "2" and "ﬁ" is not "fi" merely because case is ignored.
    """
    if text.isascii():  # the common case, and casefold() of ASCII is lower()
        return text.lower()
    return unicodedata.normalize("NFC", unicodedata.normalize("NFD", text).casefold())


def simple_upper(text: str) -> str:
    """UPPER as PostgreSQL computes it with a libc locale: each character on its own, one character
    for one ("ß" stays "ß", where Python's str.upper makes it "SS")."""
    if text.isascii():
        return text.upper()
    return "".join(upper if len(upper := char.upper()) == 1 else char for char in text)


def python_fold(vendor: str) -> Callable[[str], str]:
    """The Python twin of what the `ci_` lookups compare on a database `vendor` ("sqlite", ...):
    two texts are equal ignoring case when their folds are equal."""
    return casefold if vendor == "sqlite" else simple_upper


# --- SQLite functions --------------------------------------------------------------------------------


def _sql_casefold(value: Any) -> Any:
    # SQL NULL stays NULL; a number or blob is compared as it was before (LIKE reads it as text).
    return casefold(value) if isinstance(value, str) else value


def _sql_lower(value: Any) -> Any:
    # LOWER for every letter: LIST items are stored lower-cased by Python's str.lower (AttributeListItem).
    return value.lower() if isinstance(value, str) else value


def register_sqlite_functions(dbapi_connection: sqlite3.Connection) -> None:
    """Give a SQLite connection `fd_casefold(text)` and `fd_lower(text)`. Deterministic, so SQLite may
    evaluate them once for a constant argument and use them in indexes and CHECKs."""
    dbapi_connection.create_function(SQLITE_CASEFOLD, 1, _sql_casefold, deterministic=True)
    dbapi_connection.create_function(SQLITE_LOWER, 1, _sql_lower, deterministic=True)


def on_connection_created(sender: Any, connection: Any, **kwargs: Any) -> None:
    """`connection_created` receiver: every new SQLite connection of Django gets the functions."""
    if connection.vendor == "sqlite":
        register_sqlite_functions(connection.connection)


# --- lookups -------------------------------------------------------------------------------------------


class _FoldedOnSQLite:
    """Mixin for Django's case-insensitive lookups: on SQLite both sides are folded by `casefold`
    (the column in SQL by fd_casefold, the value here, before LIKE's wildcards are escaped, so a
    folded character can never become one) and compared with Django's LIKE, which ignores the case
    of ASCII letters (Django never turns on PRAGMA case_sensitive_like). Elsewhere the lookup is
    Django's, unchanged."""

    def process_lhs(self, compiler: Any, connection: Any, lhs: Any = None) -> tuple[str, list]:
        # Passed on only when given: Django's JSON lookups take no `lhs` argument.
        more = () if lhs is None else (lhs,)
        sql, params = super().process_lhs(compiler, connection, *more)  # type: ignore[misc]
        if connection.vendor == "sqlite":
            # A text of ASCII characters only (as many characters as bytes) needs no Python: LIKE
            # already ignores the case of ASCII letters, and its casefold is its lower case. Only the
            # other rows pay for the call into Python (about 1-2 µs each).
            ascii_only = f"length({sql}) = length(CAST({sql} AS BLOB))"
            sql = f"(CASE WHEN {ascii_only} THEN {sql} ELSE {SQLITE_CASEFOLD}({sql}) END)"
            params = [*params, *params, *params, *params]
        return sql, params

    def get_db_prep_lookup(self, value: Any, connection: Any) -> tuple[str, list]:
        if connection.vendor == "sqlite" and isinstance(value, str):
            value = casefold(value)
        return super().get_db_prep_lookup(value, connection)  # type: ignore[misc]


class CiExact(_FoldedOnSQLite, IExact):
    pass


class CiContains(_FoldedOnSQLite, IContains):
    pass


class CiStartsWith(_FoldedOnSQLite, IStartsWith):
    pass


class CiEndsWith(_FoldedOnSQLite, IEndsWith):
    pass


class CiKeyExact(_FoldedOnSQLite, KeyTransformIExact):
    pass


class CiKeyContains(_FoldedOnSQLite, KeyTransformIContains):
    pass


class CiKeyStartsWith(_FoldedOnSQLite, KeyTransformIStartsWith):
    pass


class CiKeyEndsWith(_FoldedOnSQLite, KeyTransformIEndsWith):
    pass


# Django's name of each case-insensitive lookup -> ours. The classes keep Django's lookup_name, which
# picks Django's SQL operator and cast (UPPER(...::text) on PostgreSQL); only the name used in a
# filter differs, so no other query of the project changes.
CI_LOOKUPS = {
    "iexact": "ci_exact",
    "icontains": "ci_contains",
    "istartswith": "ci_startswith",
    "iendswith": "ci_endswith",
}

for _field in (CharField, TextField):  # EmailField and the other text fields inherit them
    for _lookup in (CiExact, CiContains, CiStartsWith, CiEndsWith):
        _field.register_lookup(_lookup, lookup_name=CI_LOOKUPS[_lookup.lookup_name])
for _lookup in (CiKeyExact, CiKeyContains, CiKeyStartsWith, CiKeyEndsWith):  # event properties (JSON)
    KeyTransform.register_lookup(_lookup, lookup_name=CI_LOOKUPS[_lookup.lookup_name])


def ci_lookup(lookup: str) -> str:
    """The lookup a condition filters with: ours for Django's case-insensitive ones ("iexact" ->
    "ci_exact"), any other lookup ("lt", "exact", ...) as it is."""
    return CI_LOOKUPS.get(lookup, lookup)
