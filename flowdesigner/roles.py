"""Roles: marketer, staff and end user are Django groups; a superuser (admin) holds every role.

Every page, API endpoint and websocket checks a role through the helpers here, so the rule lives
in one place.
"""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from rest_framework.permissions import BasePermission

MARKETER = "marketer"
STAFF = "staff"
END_USER = "enduser"
ALL_ROLES = (MARKETER, STAFF, END_USER)


def user_roles(user: Any) -> set[str]:
    """The roles of a user; empty for anonymous users."""
    if not user or not user.is_authenticated or not user.is_active:
        return set()
    if user.is_superuser:
        return set(ALL_ROLES)
    cached = getattr(user, "_flowdesigner_roles", None)
    if cached is None:
        cached = set(user.groups.filter(name__in=ALL_ROLES).values_list("name", flat=True))
        user._flowdesigner_roles = cached
    return cached


def has_role(user: Any, *roles: str) -> bool:
    return bool(user_roles(user) & set(roles))


def role_required(*roles: str) -> Callable:
    """Page decorator: log in first, then 403 unless the user holds one of `roles`."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        @login_required
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any):
            if not has_role(request.user, *roles):
                raise PermissionDenied("Your account does not have access to this page.")
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def role_permission(*roles: str) -> type[BasePermission]:
    """DRF permission class allowing users that hold one of `roles`."""

    class HasRole(BasePermission):
        message = f"This needs the role {' or '.join(roles)}."

        def has_permission(self, request, view) -> bool:  # type: ignore[override]
            return has_role(request.user, *roles)

    HasRole.__name__ = "Is" + "Or".join(r.capitalize() for r in roles)
    return HasRole


IsMarketer = role_permission(MARKETER)
IsStaff = role_permission(STAFF)
IsMarketerOrStaff = role_permission(MARKETER, STAFF)
IsEndUser = role_permission(END_USER)


def roles_context(request: HttpRequest) -> dict[str, Any]:
    """Template context: which role-specific links to show in the navigation."""
    roles = user_roles(getattr(request, "user", None))
    return {"roles": roles}
