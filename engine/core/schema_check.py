"""JSON Schema checks that cost next to nothing when the document is valid, as nearly every saved one is.

jsonschema (pure Python) words the errors the canvas shows: its messages and paths are part of the issues.
It is also slow on large documents: a 1,000-element flow took hundreds of milliseconds, most of it in
resolving `$ref`s. jsonschema_rs (a Rust implementation of the same draft 2020-12) answers "is it valid?"
tens of times faster, so it goes first and jsonschema runs only on a document that has errors. Both
implement the same specification (both pass the JSON Schema test suite); where they could still differ,
the order keeps jsonschema's word: a "no" from jsonschema_rs (e.g. its stricter `$` in patterns) only
sends the document to jsonschema, which then finds nothing or the errors it always found.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import jsonschema
import jsonschema_rs


class SchemaChecker:
    """One JSON Schema (draft 2020-12), compiled once by both implementations; build it once per schema."""

    def __init__(self, schema: dict) -> None:
        self.schema = schema
        self.wording = jsonschema.Draft202012Validator(schema)
        try:
            self.quick: Any = jsonschema_rs.Draft202012Validator(schema)
        except Exception:  # a schema it cannot compile (a Python-only regex): jsonschema alone decides
            self.quick = None

    def is_valid(self, instance: Any) -> bool:
        """Whether `instance` has no error against the schema, decided by jsonschema."""
        return next(self.iter_errors(instance), None) is None

    def iter_errors(self, instance: Any) -> Iterator[jsonschema.ValidationError]:
        """jsonschema's errors for `instance` (none at all, at once, when jsonschema_rs finds it valid)."""
        if self.quick is not None and self._quickly_valid(instance):
            return iter(())
        return self.wording.iter_errors(instance)

    def _quickly_valid(self, instance: Any) -> bool:
        try:
            return self.quick.is_valid(instance)
        except Exception:  # a value it cannot read as JSON: jsonschema decides
            return False
