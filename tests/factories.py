"""factory_boy factories for the models the tests need."""

import factory
from django.contrib.auth.models import Group, User

from flowdesigner.models import Flow
from people.models import Person, Tag


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.PostGenerationMethodCall("set_password", "pw-123456")

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        for role in extracted or []:
            # get_or_create: transactional tests flush the groups the data migration made.
            self.groups.add(Group.objects.get_or_create(name=role)[0])
        if create:
            self.save()


class TagFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tag

    name = factory.Sequence(lambda n: f"tag{n}")


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person
        skip_postgeneration_save = True

    first_name = factory.Sequence(lambda n: f"First{n}")
    last_name = "Person"
    email = factory.Sequence(lambda n: f"person{n}@example.com")

    @factory.post_generation
    def tags(self, create, extracted, **kwargs):
        if extracted:
            self.tags.add(*extracted)


def two_step_definition(*, tags: list[int] = (), persons: list[int] = ()) -> dict:
    """Audience → question (yes/no) → yes: follow-up (ok) → Exit "Accepted"; no: Exit "Declined"."""
    return {
        "spec_version": 1,
        "nodes": [
            {
                "id": "audience",
                "type": "predefined_audience",
                "config": {"tags": list(tags), "persons": list(persons)},
                "exits": {"next": "ask"},
            },
            {
                "id": "ask",
                "type": "message",
                "config": {
                    "text": "Coming on Friday?",
                    "buttons": [{"id": "yes", "caption": "Yes"}, {"id": "no", "caption": "No"}],
                },
                "exits": {"yes": "thanks", "no": "declined"},
            },
            {
                "id": "thanks",
                "type": "message",
                "config": {"text": "Great!", "buttons": [{"id": "ok", "caption": "OK"}]},
                "exits": {"ok": "accepted"},
            },
            {"id": "accepted", "type": "exit", "config": {"name": "Accepted"}, "exits": {}},
            {"id": "declined", "type": "exit", "config": {"name": "Declined"}, "exits": {}},
        ],
        "ui": {"nodes": {"ask": {"x": 10, "y": 20}}},
    }


class FlowFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Flow

    name = factory.Sequence(lambda n: f"Flow {n}")
    draft_definition = factory.LazyFunction(two_step_definition)


class CompanyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "people.Company"

    name = factory.Sequence(lambda n: f"Company {n}")


class AttributeDefinitionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "people.AttributeDefinition"

    key = factory.Sequence(lambda n: f"attr{n}")
    label = factory.LazyAttribute(lambda o: o.key.title())
    data_type = "TEXT"
    number_kind = factory.LazyAttribute(lambda o: "decimal" if o.data_type == "NUMBER" else "")


class SegmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "people.Segment"

    name = factory.Sequence(lambda n: f"Segment {n}")
    rules = factory.LazyFunction(lambda: {"op": "and", "rules": []})
