"""Query-string checks shared by the API views, before a value reaches the database.

PostgreSQL text cannot hold a NUL character: a query with one raises DataError, a 500 (SQLite accepts it).
DRF's CharField refuses NULs in bodies, but query parameters are read raw, so views that filter by them
refuse NULs first (`?search=a%00b` is 400 `{"search": ["Null characters are not allowed."]}`).
"""

from collections.abc import Iterable, Mapping

from rest_framework.exceptions import ValidationError

NULL_CHARACTERS = "Null characters are not allowed."  # DRF's own message for bodies


def with_null_character(params: Mapping[str, str], names: Iterable[str] | None = None) -> list[str]:
    """The names among `names` (default: every parameter) whose value holds a NUL character."""
    getlist = getattr(params, "getlist", None)
    found = []
    for name in params if names is None else names:
        values = getlist(name) if getlist else [params.get(name, "")]
        if any("\x00" in (value or "") for value in values):
            found.append(name)
    return found


def holds_null_character(value: object) -> bool:
    """Whether a JSON value (a string, or any key or string inside lists and objects) holds a NUL; for
    free-form JSON fields, which DRF's CharField check does not reach. (Bodies nest at most 64 levels.)"""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(holds_null_character(k) or holds_null_character(v) for k, v in value.items())
    if isinstance(value, list):
        return any(holds_null_character(item) for item in value)
    return False


def refuse_null_characters(params: Mapping[str, str], names: Iterable[str] | None = None) -> None:
    """Raise a 400 field error for each parameter (of `names`, default all) holding a NUL character."""
    found = with_null_character(params, names)
    if found:
        raise ValidationError({name: [NULL_CHARACTERS] for name in found})
