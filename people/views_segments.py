"""Segment pages: the list with counts, and the rule builder (a Vite entry) to create or edit one."""

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, render
from django.urls import reverse

from flowdesigner.roles import MARKETER, STAFF, has_role, role_required
from people import selectors
from people.conditions import RulesInvalid
from people.models import Segment

EMPTY_RULES: dict[str, Any] = {"op": "and", "rules": []}


def _count(segment: Segment) -> int | None:
    """The segment's size now; None when its stored rules no longer compile (e.g. a cycle)."""
    try:
        return selectors.segment_persons(segment).count()
    except RulesInvalid:
        return None


@role_required(MARKETER, STAFF)
def segment_list(request: HttpRequest) -> HttpResponse:
    segments = [(segment, _count(segment)) for segment in Segment.objects.order_by("name")]
    return render(
        request,
        "people/segment_list.html",
        {"segments": segments, "can_edit": has_role(request.user, MARKETER)},
    )


def _builder(request: HttpRequest, segment: Segment | None) -> HttpResponse:
    config = {
        "segmentId": segment.pk if segment else None,
        "name": segment.name if segment else "",
        "rules": segment.rules if segment else EMPTY_RULES,
        "canEdit": has_role(request.user, MARKETER),
        "csrfToken": get_token(request),
        "apiBase": "/api/",
        "listUrl": reverse("segment-list"),
        "editUrlTemplate": reverse("segment-edit", args=[0]).replace("/0/", "/{id}/"),
    }
    return render(request, "people/segment_edit.html", {"segment": segment, "segment_config": config})


@role_required(MARKETER)
def segment_new(request: HttpRequest) -> HttpResponse:
    return _builder(request, None)


@role_required(MARKETER, STAFF)
def segment_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Marketers edit the segment; staff see the same builder read-only."""
    return _builder(request, get_object_or_404(Segment, pk=pk))
