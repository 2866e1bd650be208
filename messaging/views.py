"""The end user's web inbox page (the React app connects to the websocket)."""

from django.middleware.csrf import get_token
from django.shortcuts import render

from flowdesigner.roles import END_USER, role_required


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
