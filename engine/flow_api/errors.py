"""Errors of the Flow API in Infobip's shape: `{"errorCode": "40001", "errorMessage": "..."}`.

Codes follow Infobip's "Add participants to flow" table where one exists (40001 bad request, 40005 flow
inactive, 40006 person not in flow, 40401 flow not found, 40402 person not found) and the same pattern
(HTTP status + two digits) for ours. 401 and 429 also carry Infobip's `requestError.serviceException`
body, which is what its client libraries read for those statuses.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response

BAD_REQUEST = "40001"
FLOW_INACTIVE = "40005"
PERSON_NOT_IN_FLOW = "40006"
NO_FLOW_API_ENTRY = "40007"
UNAUTHORIZED = "40101"
FORBIDDEN = "40301"
FLOW_NOT_FOUND = "40401"
PERSON_NOT_FOUND = "40402"
OPERATION_NOT_FOUND = "40404"
NOT_FOUND = "40400"
METHOD_NOT_ALLOWED = "40501"
BODY_TOO_LARGE = "41301"
UNSUPPORTED_MEDIA_TYPE = "41501"
TOO_MANY_REQUESTS = "42901"

# Infobip's messageId for the statuses its libraries read from requestError.serviceException.
SERVICE_EXCEPTION_IDS = {401: "UNAUTHORIZED", 403: "FORBIDDEN", 429: "TOO_MANY_REQUESTS"}


class FlowApiError(exceptions.APIException):
    """A refusal of the whole request, answered as `{"errorCode", "errorMessage"}` with `status_code`."""

    def __init__(self, status_code: int, code: str, message: str) -> None:
        super().__init__(detail=message, code=code)
        self.status_code = status_code
        self.error_code = code
        self.message = message


def bad_request(message: str) -> FlowApiError:
    return FlowApiError(status.HTTP_400_BAD_REQUEST, BAD_REQUEST, message)


def error_body(status_code: int, code: str, message: str) -> dict[str, Any]:
    """The JSON body of an error answer."""
    body: dict[str, Any] = {"errorCode": code, "errorMessage": message}
    if status_code in SERVICE_EXCEPTION_IDS:
        body["requestError"] = {
            "serviceException": {"messageId": SERVICE_EXCEPTION_IDS[status_code], "text": message}
        }
    return body


def _translate(exc: Exception) -> tuple[int, str, str] | None:
    """(status, errorCode, errorMessage) for the exceptions DRF raises before or around our views."""
    if isinstance(exc, FlowApiError):
        return exc.status_code, exc.error_code, exc.message
    if isinstance(exc, exceptions.AuthenticationFailed):
        return 401, UNAUTHORIZED, str(exc.detail)
    if isinstance(exc, exceptions.NotAuthenticated):
        return 401, UNAUTHORIZED, "Send your API key in the header Authorization: App <key>."
    if isinstance(exc, exceptions.Throttled):
        wait = int(exc.wait or 1)
        return 429, TOO_MANY_REQUESTS, f"Too many requests with this API key; try again in {wait} s."
    if isinstance(exc, exceptions.MethodNotAllowed):
        return 405, METHOD_NOT_ALLOWED, str(exc.detail)
    if isinstance(exc, exceptions.UnsupportedMediaType):
        return 415, UNSUPPORTED_MEDIA_TYPE, "Send the body as JSON with Content-Type: application/json."
    if isinstance(exc, exceptions.ParseError):
        return 400, BAD_REQUEST, f"The body is not valid JSON: {exc.detail}"
    if isinstance(exc, exceptions.PermissionDenied):
        return 403, FORBIDDEN, str(exc.detail)
    if isinstance(exc, (exceptions.NotFound, Http404)):
        return 404, NOT_FOUND, "Not found."
    if isinstance(exc, exceptions.APIException):
        return exc.status_code, f"{exc.status_code}00", str(exc.detail)
    return None


def exception_handler(exc: Exception, context: dict) -> Response | None:
    """DRF exception handler of the Flow API views: every refusal in Infobip's error shape, with the
    headers DRF would send (WWW-Authenticate on 401, Retry-After on 429). Anything else is a bug and
    goes on to Django's 500."""
    translated = _translate(exc)
    if translated is None:
        return None
    status_code, code, message = translated
    headers: dict[str, str] = {}
    auth_header = getattr(exc, "auth_header", None)
    if auth_header:
        headers["WWW-Authenticate"] = auth_header
    wait = getattr(exc, "wait", None)
    if wait is not None:
        headers["Retry-After"] = str(max(1, int(wait)))
    return Response(error_body(status_code, code, message), status=status_code, headers=headers)
