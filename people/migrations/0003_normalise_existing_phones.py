"""Existing phone numbers to E.164 where they parse as valid numbers and no other person already
has the result; anything else is left as it was (nothing is dropped)."""

import phonenumbers
from django.conf import settings
from django.db import migrations


def normalise_phones(apps, schema_editor):
    Person = apps.get_model("people", "Person")
    taken = set(Person.objects.exclude(phone=None).values_list("phone", flat=True))
    for person in Person.objects.exclude(phone=None).exclude(phone="").only("pk", "phone").iterator():
        try:
            number = phonenumbers.parse(person.phone, settings.PEOPLE_DEFAULT_REGION)
        except phonenumbers.NumberParseException:
            continue
        if not phonenumbers.is_valid_number(number):
            continue
        e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
        if e164 == person.phone or e164 in taken:
            continue
        taken.discard(person.phone)
        taken.add(e164)
        Person.objects.filter(pk=person.pk).update(phone=e164)


class Migration(migrations.Migration):
    dependencies = [("people", "0002_people_attributes_companies_segments")]

    operations = [migrations.RunPython(normalise_phones, migrations.RunPython.noop)]
