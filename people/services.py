"""People services."""

from django.db import transaction

from people.models import Person, Tag


def normalise_email(value: str | None) -> str | None:
    value = (value or "").strip().lower()
    return value or None


@transaction.atomic
def person_create(
    *,
    first_name: str = "",
    last_name: str = "",
    email: str | None = None,
    phone: str | None = None,
    language: str = "en",
    user=None,
    tags: list[Tag] | None = None,
) -> Person:
    """Create a person; the email is stored lower-cased."""
    person = Person.objects.create(
        first_name=first_name,
        last_name=last_name,
        email=normalise_email(email),
        phone=phone or None,
        language=language,
        user=user,
    )
    if tags:
        person.tags.set(tags)
    return person
