"""Load the demo: three users (marketer, staff, enduser), a tag with a few hundred people, published
demo flows, and SMS, email and voice channels carried by the built-in gateway simulator (with an active
flow started by texting JOIN). Safe to run again: it only creates what is missing."""

from django.contrib.auth.models import Group, User
from django.core.management.base import BaseCommand
from django.db import transaction

from engine import activation
from flowdesigner import services as flow_services
from flowdesigner.models import Flow
from messaging.models import Channel
from messaging.services import new_secret
from people.models import Person, Tag

DEMO_USERS = [
    # username, password, role, first name
    ("marketer", "marketer-demo", "marketer", "Mia"),
    ("staff", "staff-demo", "staff", "Sam"),
    ("enduser", "enduser-demo", "enduser", "Erin"),
]
DEMO_TAG = "demo"
DEMO_PEOPLE = 300
DEMO_FLOW = "Demo: event invitation"
DEMO_FEEDBACK_FLOW = "Demo: feedback with a reminder"
DEMO_WELCOME_FLOW = "Demo: welcome on opt-in"
DEMO_SMS_FLOW = "Demo: SMS keyword JOIN"
# The built-in gateway simulator carries these channels: nothing leaves the machine, and staff read and
# answer on /simulator/ through the same webhooks a real gateway would call.
DEMO_CHANNELS = [
    # kind, name, identities, creates people
    ("sms", "Demo SMS (simulator)", ["+3225550100"], True),
    ("email", "Demo email (simulator)", ["hello@flowdesigner.example"], True),
    ("voice", "Demo voice (simulator)", ["+3225550199"], True),
]


def sms_keyword_definition() -> dict:
    """Inbound Message (an SMS saying JOIN to the demo number) -> a question by SMS -> Exit: in the
    simulator, text "join" from any number, then answer "1" or "Yes"."""
    return {
        "spec_version": 1,
        "variables": [{"name": "sender", "type": "text"}],
        "nodes": [
            {
                "id": "join",
                "type": "inbound_message",
                "config": {
                    "channel": "sms",
                    "recipient": "",
                    "conditions": [{"operator": "matches_text", "values": ["join", "start news"]}],
                    "capture": [{"source": "sender", "variable": "sender", "pattern": ""}],
                },
                "exits": {"next": "ask"},
            },
            {
                "id": "ask",
                "type": "message",
                "config": {
                    "text": "Welcome! Would you like our weekly news by SMS?",
                    "buttons": [{"id": "yes", "caption": "Yes"}, {"id": "no", "caption": "No"}],
                    "channel": "sms",
                },
                "exits": {"yes": "thanks", "no": "done"},
            },
            {
                "id": "thanks",
                "type": "message",
                "config": {
                    "text": "Great, you are in. Reply STOP at any time to stop.",
                    "buttons": [{"id": "ok", "caption": "OK"}],
                    "channel": "sms",
                },
                "exits": {"ok": "done"},
            },
            {"id": "done", "type": "exit", "config": {"name": "Answered"}, "exits": {}},
        ],
        "ui": {
            "nodes": {
                "join": {"x": 0, "y": 0},
                "ask": {"x": 260, "y": 0},
                "thanks": {"x": 520, "y": 0},
                "done": {"x": 780, "y": 0},
            }
        },
    }


def welcome_definition() -> dict:
    """Change in People profile (opt-in becomes true) -> a welcome message -> Exit: tick "Opt-in" on a
    person (e.g. the demo end user) and the message arrives in their inbox."""
    opted_in = {"op": "and", "rules": [{"attribute": "opt_in", "operator": "is", "value": True}]}
    return {
        "spec_version": 1,
        "settings": {"reentry": "after_leaving"},
        "nodes": [
            {
                "id": "opt_in",
                "type": "profile_change",
                "config": {"rules": opted_in},
                "exits": {"next": "hi"},
            },
            {
                "id": "hi",
                "type": "message",
                "config": {
                    "text": "Welcome, {{ person.first_name }}! Thanks for opting in.",
                    "buttons": [{"id": "ok", "caption": "Glad to be here"}],
                },
                "exits": {"ok": "done"},
            },
            {"id": "done", "type": "exit", "config": {"name": "Welcomed"}, "exits": {}},
        ],
        "ui": {"nodes": {"opt_in": {"x": 0, "y": 0}, "hi": {"x": 260, "y": 0}, "done": {"x": 520, "y": 0}}},
    }


def demo_definition(tag_id: int) -> dict:
    return {
        "spec_version": 1,
        "nodes": [
            {
                "id": "audience",
                "type": "predefined_audience",
                "config": {"tags": [tag_id], "persons": []},
                "exits": {"next": "invite"},
            },
            {
                "id": "invite",
                "type": "message",
                "config": {
                    "text": "Hi! Will you join our launch event on Friday?",
                    "buttons": [
                        {"id": "yes", "caption": "Yes, count me in"},
                        {"id": "no", "caption": "No, thanks"},
                    ],
                },
                "exits": {"yes": "thanks", "no": "bye"},
            },
            {
                "id": "thanks",
                "type": "message",
                "config": {"text": "Great, see you there!", "buttons": [{"id": "ok", "caption": "OK"}]},
                "exits": {"ok": "done"},
            },
            {"id": "bye", "type": "exit", "config": {"name": "Declined"}, "exits": {}},
            {"id": "done", "type": "exit", "config": {"name": "Accepted"}, "exits": {}},
        ],
        "ui": {
            "nodes": {
                "audience": {"x": 0, "y": 120},
                "invite": {"x": 280, "y": 100},
                "thanks": {"x": 600, "y": 40},
                "bye": {"x": 600, "y": 220},
                "done": {"x": 900, "y": 40},
            }
        },
    }


def feedback_definition(tag_id: int, promoter_tag_id: int) -> dict:
    """Timers at work: a question that reminds after 2 minutes without an answer, a tag for happy
    people, a pause of one minute, and a split on that tag."""

    def node(id: str, type: str, config: dict, exits: dict | None = None) -> dict:
        return {"id": id, "type": type, "config": config, "exits": exits or {}}

    def question(text: str) -> dict:
        return {
            "text": text,
            "buttons": [{"id": "good", "caption": "Loved it"}, {"id": "bad", "caption": "Not really"}],
            "timeout": {"amount": 2, "unit": "minutes"},
        }

    promoter = {"op": "and", "rules": [{"tag": promoter_tag_id, "operator": "has"}]}
    return {
        "spec_version": 1,
        "nodes": [
            node("audience", "predefined_audience", {"tags": [tag_id]}, {"next": "ask"}),
            node(
                "ask",
                "message",
                question("Hi {{ person.first_name }}! How was the event?"),
                {"good": "tag", "bad": "sorry", "no_answer": "remind"},
            ),
            node(
                "remind",
                "message",
                question("Just a reminder: how was the event?"),
                {"good": "tag", "bad": "sorry", "no_answer": "silent"},
            ),
            node("tag", "update_tags", {"add": [promoter_tag_id]}, {"next": "pause"}),
            node(
                "pause",
                "wait",
                {"mode": "duration", "duration": {"amount": 1, "unit": "minutes"}},
                {"next": "split"},
            ),
            node(
                "split",
                "condition_split",
                {"branches": [{"id": "promoter", "name": "Promoter", "rules": promoter}]},
                {"promoter": "code", "otherwise": "happy"},
            ),
            node(
                "code",
                "message",
                {
                    "text": "Thanks! Here is 10% off next time: EVENT10",
                    "buttons": [{"id": "ok", "caption": "OK"}],
                },
                {"ok": "happy"},
            ),
            node("sorry", "exit", {"name": "Unhappy"}),
            node("silent", "exit", {"name": "No answer"}),
            node("happy", "exit", {"name": "Happy"}),
        ],
        "ui": {
            "nodes": {
                "audience": {"x": 0, "y": 160},
                "ask": {"x": 260, "y": 140},
                "remind": {"x": 560, "y": 300},
                "tag": {"x": 560, "y": 40},
                "pause": {"x": 840, "y": 40},
                "split": {"x": 1100, "y": 40},
                "code": {"x": 1380, "y": 0},
                "sorry": {"x": 860, "y": 220},
                "silent": {"x": 860, "y": 380},
                "happy": {"x": 1660, "y": 60},
            }
        },
    }


class Command(BaseCommand):
    help = "Create demo users, people and a published demo flow (idempotent)."

    @transaction.atomic
    def handle(self, *args, **options):
        tag, _ = Tag.objects.get_or_create(name=DEMO_TAG)
        for username, password, role, first_name in DEMO_USERS:
            user = User.objects.filter(username=username).first()
            if user is None:
                user = User.objects.create_user(username=username, password=password, first_name=first_name)
            user.groups.add(Group.objects.get(name=role))
            if role == "enduser" and not hasattr(user, "person"):
                person = Person.objects.create(
                    first_name=first_name, last_name="Enduser", email="enduser@example.com", user=user
                )
                person.tags.add(tag)

        existing = Person.objects.filter(tags=tag).count()
        if existing < DEMO_PEOPLE:
            start = Person.objects.count()
            people = Person.objects.bulk_create(
                Person(first_name=f"Demo{i}", last_name="Person", email=f"demo{i}@example.com", language="en")
                for i in range(start, start + DEMO_PEOPLE - existing)
            )
            Person.tags.through.objects.bulk_create(
                Person.tags.through(person_id=p.pk, tag_id=tag.pk) for p in people
            )

        if not Flow.objects.filter(name=DEMO_FLOW).exists():
            flow = flow_services.flow_create(name=DEMO_FLOW, definition=demo_definition(tag.pk))
            flow_services.flow_publish(flow_id=flow.pk, revision=flow.draft_revision)
        if not Flow.objects.filter(name=DEMO_FEEDBACK_FLOW).exists():
            promoter, _ = Tag.objects.get_or_create(name="promoter")
            definition = feedback_definition(tag.pk, promoter.pk)
            flow = flow_services.flow_create(name=DEMO_FEEDBACK_FLOW, definition=definition)
            flow_services.flow_publish(flow_id=flow.pk, revision=flow.draft_revision)

        if not Flow.objects.filter(name=DEMO_WELCOME_FLOW).exists():
            flow = flow_services.flow_create(name=DEMO_WELCOME_FLOW, definition=welcome_definition())
            flow_services.flow_publish(flow_id=flow.pk, revision=flow.draft_revision)
            activation.flow_activate(flow_id=flow.pk)

        for kind, name, identities, creates_people in DEMO_CHANNELS:
            if not Channel.objects.filter(kind=kind).exists():
                Channel.objects.create(
                    kind=kind,
                    name=name,
                    identities=identities,
                    creates_people=creates_people,
                    secret=new_secret(),
                )
        if not Flow.objects.filter(name=DEMO_SMS_FLOW).exists():
            flow = flow_services.flow_create(name=DEMO_SMS_FLOW, definition=sms_keyword_definition())
            flow_services.flow_publish(flow_id=flow.pk, revision=flow.draft_revision)
            activation.flow_activate(flow_id=flow.pk)

        self.stdout.write("Demo logins (username / password):")
        for username, password, role, _ in DEMO_USERS:
            self.stdout.write(f"  {username:<9} / {password:<14} ({role})")
