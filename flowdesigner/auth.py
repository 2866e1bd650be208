"""Authentication backend: Django's model backend, loading the signed-in user of each request together
with their person (an end user's inbox) in one query compiled once (people.compiled). Every request
loads its user, and every inbox request then asked for the person in a query of its own."""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend

from people.compiled import CompiledQuery

_USER_WITH_PERSON = CompiledQuery(
    lambda user_id: get_user_model()._default_manager.select_related("person").filter(pk=user_id)
)


class UserWithPersonBackend(ModelBackend):
    """Logs in like ModelBackend; `get_user` also loads `user.person` (None-safe: a user without a person
    reads as having none, with no further query)."""

    def get_user(self, user_id):
        try:
            found = _USER_WITH_PERSON.run(int(user_id))
        except (TypeError, ValueError):
            return None
        user = found[0] if found else None
        return user if user is not None and self.user_can_authenticate(user) else None
