"""The end user's web inbox page (the React app connects to the websocket) and uploaded form photos."""

from django.http import FileResponse, Http404
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, render

from flowdesigner.roles import END_USER, MARKETER, STAFF, has_role, role_required
from messaging.models import Upload


@role_required(END_USER)
def inbox(request):
    person = getattr(request.user, "person", None)
    config = {
        "wsUrl": "/ws/inbox/",
        "csrfToken": get_token(request),
        "apiBase": "/api/",
        "personName": person.first_name if person else "",
    }
    return render(request, "messaging/inbox.html", {"person": person, "inbox_config": config})


def upload_file(request, uuid, name: str):
    """An uploaded form photo, for its owner and for staff/marketers only (never public). 404 for anyone
    else, so the address does not even confirm that the file exists."""
    if not request.user.is_authenticated:
        raise Http404
    upload = get_object_or_404(Upload.objects.select_related("person"), uuid=uuid, name=name)
    is_owner = upload.person.user_id is not None and upload.person.user_id == request.user.pk
    if not (is_owner or has_role(request.user, STAFF, MARKETER)):
        raise Http404
    response = FileResponse(upload.file.open("rb"), content_type=upload.content_type)
    response["Content-Disposition"] = "inline"
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=3600"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
