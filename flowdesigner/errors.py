"""Error pages: what a caller sees when Django refuses a request before any view runs (400, 413) or no
route matches (404).

Django's own 400 page is a bare "Bad Request" in HTML, even for API clients and even when the only
problem is a body over DATA_UPLOAD_MAX_MEMORY_SIZE. These handlers say what went wrong, as JSON
under /api/ (the shape DRF errors have: {"detail": ...}) and as a page elsewhere.
"""

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """handler400: 413 with the limit for an oversized body, 400 with a short reason otherwise."""
    if isinstance(exception, RequestDataTooBig):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        status = 413
        detail = (
            f"The request body is larger than this server accepts ({_size(limit)}). "
            "Send less data per request, e.g. split a batch into several requests."
        )
    else:
        status = 400
        detail = "The request could not be read (malformed or too many fields)."
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": detail}, status=status)
    return render(request, "error.html", {"title": "Request refused", "detail": detail}, status=status)


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """handler404: a URL no route matches (an id that is not a number, a code that is not a slug), and
    Http404 raised outside DRF: {"detail": "Not found."} under /api/, the error page elsewhere."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Not found."}, status=404)
    return render(
        request, "error.html", {"title": "Not found", "detail": "There is no such page."}, status=404
    )


def _size(n: int) -> str:
    return f"{n / (1024 * 1024):g} MiB" if n >= 1024 * 1024 else f"{n / 1024:g} KiB"
