"""The error answers of the API in the OpenAPI schema, in one place.

Every /api/ endpoint answers refusals in one of two shapes (docs/api.md, "Errors"):

* `Error`: `{"detail": "message", ...}`, for a refusal of the whole request (401, 403, 404, 409, 413,
  415, and 400s that are not about one field). Some add keys: `code` (a stable machine-readable reason),
  `errors` (a list of problems, e.g. an import's), `issues` (a flow's validation issues), `revision`.
* `ValidationError`: DRF's field errors, `{"field": ["message", ...]}` (nested serializers and list
  fields nest the same way; rules errors are objects).

`add_error_responses` (a drf-spectacular postprocessing hook, SPECTACULAR_SETTINGS) documents the
answers every endpoint can give by how it is built: 401 and 403 (each checks a role), 429 (an address
that sent too many wrong tokens, flowdesigner/throttling.py), 404 where a path
names a record, a list is paginated (`?page=` past the end) or `?format=` picks the renderer (an unknown
one), and 400, 413 and 415 where it reads a body.
Views document their own extra answers (409, a 400 from a query parameter, …) with `error()`.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiResponse

ERROR_REF = {"$ref": "#/components/schemas/Error"}
VALIDATION_ERROR_REF = {"$ref": "#/components/schemas/ValidationError"}

ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "A refusal of the whole request. Some answers add keys: `code` (a stable reason), "
    "`errors` (a list of problems), `issues` (a flow's validation issues), `revision` (the current one).",
    "properties": {
        "detail": {"type": "string", "description": "What went wrong, for a person to read."},
        "code": {"type": "string", "description": "A stable machine-readable reason, where there is one."},
    },
    "required": ["detail"],
    "additionalProperties": True,
}
VALIDATION_ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": 'Field errors as DRF gives them: {"field": ["message", ...]}; errors of the request as a '
    'whole under "non_field_errors"; nested fields nest the same way.',
    "additionalProperties": {"anyOf": [{"type": "array"}, {"type": "object"}, {"type": "string"}]},
    "minProperties": 1,
}
BAD_REQUEST_SCHEMA: dict[str, Any] = {"anyOf": [ERROR_REF, VALIDATION_ERROR_REF]}

DESCRIPTIONS = {
    400: "The request is malformed or a field is invalid",
    401: "No credentials, or unknown ones (send `Authorization: Token <key>` or a session cookie)",
    403: "The account does not have the role this needs (or, for a session, no CSRF token)",
    404: "No such record (or no such page of a list)",
    409: "The request conflicts with the record's state",
    413: "The request body is larger than this endpoint accepts",
    415: "The body's Content-Type is not one this endpoint reads",
    429: "Too many refused tokens from this address: even a right one waits (see Retry-After)",
}


def error(status: int, description: str | None = None) -> OpenApiResponse:
    """An `Error` answer for a view's `responses`, e.g. `{409: error(409, "Still used by a segment")}`."""
    return OpenApiResponse(response=ERROR_REF, description=description or DESCRIPTIONS[status])


def bad_request(description: str | None = None) -> OpenApiResponse:
    """A 400 that is either an `Error` or field errors (`ValidationError`)."""
    return OpenApiResponse(response=BAD_REQUEST_SCHEMA, description=description or DESCRIPTIONS[400])


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _reads_body(operation: dict[str, Any]) -> bool:
    return "requestBody" in operation


def _has_path_parameter(operation: dict[str, Any]) -> bool:
    return any(p.get("in") == "path" for p in operation.get("parameters", []))


def _has_query_parameter(operation: dict[str, Any], name: str) -> bool:
    return any(p.get("in") == "query" and p.get("name") == name for p in operation.get("parameters", []))


def _ids_from_one(operation: dict[str, Any]) -> None:
    """Integer path parameters are record ids: 1 and up (the routes take digits only)."""
    for parameter in operation.get("parameters", []):
        schema = parameter.get("schema", {})
        if parameter.get("in") == "path" and schema.get("type") == "integer":
            schema.setdefault("minimum", 1)


def _with_generic_400(response: dict[str, Any]) -> dict[str, Any]:
    """A view's own 400 body, widened to also allow the generic shapes (a body DRF cannot parse is
    `{"detail"}`, a missing field is a field error) that any endpoint reading a body can answer."""
    content = response.setdefault("content", {})
    own = content.get("application/json", {}).get("schema")
    schema = BAD_REQUEST_SCHEMA if own is None else {"anyOf": [own, ERROR_REF, VALIDATION_ERROR_REF]}
    content["application/json"] = {"schema": schema}
    return response


def operation_errors(path: str, operation: dict[str, Any]) -> dict[int, dict[str, Any]]:
    """The error answers an /api/ operation gives by how it is built (see the module docstring)."""
    if not path.startswith("/api/"):
        return {}
    errors = {401: ERROR_REF, 403: ERROR_REF, 429: ERROR_REF}
    # `?page=` past the end, and DRF's `?format=` naming no renderer of the view, are 404s too.
    if _has_path_parameter(operation) or any(_has_query_parameter(operation, n) for n in ("page", "format")):
        errors[404] = ERROR_REF
    if _reads_body(operation):
        errors.update({400: BAD_REQUEST_SCHEMA, 413: ERROR_REF, 415: ERROR_REF})
    return {status: _json(schema, DESCRIPTIONS[status]) for status, schema in errors.items()}


def add_error_responses(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """drf-spectacular postprocessing hook: the `Error` and `ValidationError` components, the generic
    error answers of every /api/ operation next to what its view documents itself, and ids from 1."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas["Error"] = ERROR_SCHEMA
    schemas["ValidationError"] = VALIDATION_ERROR_SCHEMA
    for path, item in result.get("paths", {}).items():
        for method, operation in item.items():
            if method not in {"get", "put", "patch", "post", "delete"}:
                continue
            if path.startswith("/api/"):
                _ids_from_one(operation)
            responses = operation.setdefault("responses", {})
            for status, response in operation_errors(path, operation).items():
                documented = responses.get(str(status))
                if documented is None:
                    responses[str(status)] = response
                elif status == 400:
                    responses["400"] = _with_generic_400(documented)
    return result


# Django sizes a PositiveIntegerField by the database: 0..2**63-1 on SQLite, 0..2**31-1 on PostgreSQL.
# The schema (and the front end's types generated from it) must not depend on where it was generated;
# Django documents 0..2147483647 as the range that is safe on every database.
_SQLITE_POSITIVE_INT_MAX = 2**63 - 1
_PORTABLE_POSITIVE_INT_MAX = 2**31 - 1


def _portable_int(node: Any) -> None:
    if isinstance(node, dict):
        if (
            node.get("type") == "integer"
            and node.get("minimum") == 0
            and node.get("maximum") == _SQLITE_POSITIVE_INT_MAX
            and node.get("format") == "int64"
        ):
            node["maximum"] = _PORTABLE_POSITIVE_INT_MAX
            del node["format"]
        for value in node.values():
            _portable_int(value)
    elif isinstance(node, list):
        for value in node:
            _portable_int(value)


def portable_integer_ranges(
    result: dict[str, Any], generator: Any, request: Any, public: bool
) -> dict[str, Any]:
    """The positive integer fields' range as on every database (a drf-spectacular postprocessing hook)."""
    _portable_int(result)
    return result
