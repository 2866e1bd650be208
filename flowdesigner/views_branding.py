"""Branding pages: marketers upload and preview packages; messages are shown inside them."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_http_methods

from flowdesigner import branding as branding_service
from flowdesigner.models import Branding
from flowdesigner.roles import MARKETER, STAFF, has_role, role_required
from messaging.models import Message

PREVIEW_TEXT = "This is how a message looks in this branding.\nSecond line."


class BrandingUploadForm(forms.Form):
    name = forms.CharField(max_length=100)
    package = forms.FileField(help_text="A zip with branding.html at its root, at most 400 KiB.")


@require_http_methods(["GET", "POST"])
@role_required(MARKETER)
def branding_list(request):
    form = BrandingUploadForm(request.POST or None, request.FILES or None)
    errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["package"]
        if upload.size > branding_service.MAX_ZIP_BYTES:
            errors = [f"The package is {upload.size // 1024} KiB; at most 400 KiB is allowed."]
        else:
            try:
                created = branding_service.branding_create(
                    name=form.cleaned_data["name"], data=upload.read(), user=request.user
                )
            except branding_service.BrandingRefused as exc:
                errors = exc.errors
            else:
                messages.success(request, f'Branding "{created.name}" is ready (key {created.key}).')
                return redirect("branding-list")
    return render(
        request,
        "flowdesigner/branding_list.html",
        {"brandings": Branding.objects.all(), "form": form, "errors": errors},
    )


def _branded(branding: Branding, text: str) -> HttpResponse:
    files_url = reverse("branding-file", args=[branding.key, "x"])[:-1]
    page = branding_service.render_message(branding, text, files_url=files_url)
    response = HttpResponse(page, content_type="text/html; charset=utf-8")
    response["Content-Security-Policy"] = branding_service.CSP
    return response


@xframe_options_sameorigin
@role_required(MARKETER, STAFF)
def branding_preview(request, key: str):
    return _branded(get_object_or_404(Branding, key=key), PREVIEW_TEXT)


@xframe_options_sameorigin
@login_required
def branding_message(request, key: str, message_id: int):
    """A message rendered in its branding, for its own recipient (and marketers/staff)."""
    branding = get_object_or_404(Branding, key=key)
    message = get_object_or_404(Message, pk=message_id)
    person = getattr(request.user, "person", None)
    if not (person is not None and message.person_id == person.pk) and not has_role(
        request.user, MARKETER, STAFF
    ):
        raise Http404("No such message.")
    return _branded(branding, message.text)


@xframe_options_sameorigin
@login_required
def branding_file(request, key: str, path: str):
    """Images, CSS and fonts of a package (everything but branding.html itself), each with the one content
    type its extension allows (branding.MEMBER_TYPES); anything else, or a member that cannot be read back
    intact, is a 404."""
    member = branding_service.package_file(get_object_or_404(Branding, key=key), path)
    if member is None:
        raise Http404("No such file in this branding.")
    response = HttpResponse(member.data, content_type=member.content_type)
    response["Content-Security-Policy"] = branding_service.CSP
    response["X-Content-Type-Options"] = "nosniff"
    return response
