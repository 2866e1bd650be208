"""Logging filters (LOGGING in settings)."""

import logging


class RefusedRequestFilter(logging.Filter):
    """A refused request (a 4xx) logs one line, not a traceback.

    Django logs a view's Http404, PermissionDenied, BadRequest or SuspiciousOperation on django.request
    (and django.security.*) with the exception attached, so every refused page printed a traceback of
    Django's own frames. For a record that carries a status_code below 500 the exception is dropped and
    its message kept on the same line: "Not Found: /x/ (Http404: No Flow matches the given query.)".
    Server errors (5xx) keep their traceback.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if isinstance(status, int) and status < 500 and record.exc_info:
            exc = record.exc_info[1]
            line = record.getMessage()
            if exc is not None:
                reason = " ".join(str(exc).split())[:300]  # one line, whatever the message holds
                name = type(exc).__name__
                line += f" ({name}: {reason})" if reason and reason not in line else f" ({name})"
            record.msg, record.args = line, None
            record.exc_info = record.exc_text = None
        return True
