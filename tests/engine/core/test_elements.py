import jsonschema
import pytest

from engine.core import elements
from engine.core.elements import ElementType, Step, describe, get, register
from engine.core.validate import validate
from tests.engine.core import example_flow, node


def test_describe_lists_the_builtins_for_the_canvas():
    assert [(d["type"], d["label"], d["category"], d["defaults"]) for d in describe()] == [
        (
            "predefined_audience",
            "Predefined Audience",
            "entry",
            {"tags": [], "segments": [], "persons": [], "companies": [], "update": "never"},
        ),
        ("profile_change", "Change in People profile", "entry", {"rules": {"op": "and", "rules": []}}),
        (
            "people_event",
            "People real-time event",
            "entry",
            {"conditions": [], "save": [], "include_historical": False},
        ),
        ("date_time", "Date or Time", "entry", {"attribute": "", "operator": "is_today"}),
        ("flow_api", "Flow API", "entry", {}),
        ("existing_flow", "Existing Flow", "entry", {}),
        (
            "sftp_import",
            "SFTP Import",
            "entry",
            {
                "connection": None,
                "path": "/",
                "pattern": "*.csv",
                "delimiter": ",",
                "contact": {"phone": "", "email": ""},
                "attributes": [],
                "variables": [],
            },
        ),
        (
            "inbound_message",
            "Inbound Message",
            "entry",
            {
                "channel": "sms",
                "recipient": "",
                "conditions": [{"operator": "matches_text", "values": [""]}],
                "capture": [],
            },
        ),
        (
            "inbound_call",
            "Inbound Call",
            "entry",
            {"recipient": "", "variables": {"call_id": "", "from": "", "to": ""}},
        ),
        ("message", "Message", "step", {"text": "", "buttons": [{"id": "ok", "caption": "OK"}]}),
        (
            "form_message",
            "Form message",
            "step",
            {
                "text": "",
                "widget": {"type": "text_line", "max_chars": 50, "placeholder": "", "value": ""},
                "positive_caption": "Submit",
                "positive_confirmation": "",
                "negative_caption": "Cancel",
                "negative_confirmation": "",
                "save_to": None,
                "branding": None,
                "alert": {"type": "SILENT", "interval": "NONE", "vibrate": False},
                "auto_lock": True,
                "attachments": [],
            },
        ),
        (
            "evaluate_reply",
            "Evaluate inbound reply",
            "step",
            {
                "channel": "any",
                "branches": [
                    {
                        "id": "b1",
                        "name": "Branch 1",
                        "conditions": [{"operator": "matches_text", "values": [""]}],
                    }
                ],
                "variable": "",
                "timeout": None,
            },
        ),
        ("wait", "Wait", "step", {"mode": "duration", "duration": {"amount": 1, "unit": "days"}}),
        (
            "condition_split",
            "Condition split",
            "step",
            {"branches": [{"id": "b1", "name": "Branch 1", "rules": {"op": "and", "rules": []}}]},
        ),
        (
            "random_split",
            "Random split",
            "step",
            {"branches": [{"id": "a", "name": "A", "percent": 50}, {"id": "b", "name": "B", "percent": 50}]},
        ),
        (
            "update_person",
            "Update person",
            "step",
            {"updates": [{"attribute": "", "action": "set", "source": "value", "value": ""}]},
        ),
        ("update_tags", "Add / remove tags", "step", {"add": [], "remove": []}),
        (
            "call_url",
            "Call URL",
            "step",
            {
                "method": "POST",
                "url": "https://",
                "headers": [],
                "body_type": "json",
                "body": '{"person": {{ person.id }}}',
                "timeout_seconds": 10,
                "retries": 2,
                "save": [],
            },
        ),
        ("add_to_flow", "Add to flow", "step", {"flow": None, "entry": ""}),
        ("send_results", "Send results", "step", {}),
        ("email_results", "Email results", "step", {"emails": [], "email_admins": False}),
        ("exit", "Exit", "exit", {"name": "Exit"}),
    ]
    assert all(set(d) == {"type", "label", "category", "config_schema", "defaults"} for d in describe())


@pytest.mark.parametrize("description", describe(), ids=lambda d: d["type"])
def test_each_config_schema_is_valid_and_accepts_its_defaults(description: dict):
    jsonschema.Draft202012Validator.check_schema(description["config_schema"])
    jsonschema.Draft202012Validator(description["config_schema"]).validate(description["defaults"])


def test_describe_returns_copies():
    message = next(i for i, d in enumerate(describe()) if d["type"] == "message")
    describe()[message]["defaults"]["buttons"].clear()
    describe()[message]["config_schema"].clear()
    assert get("message").defaults()["buttons"] == [{"id": "ok", "caption": "OK"}]
    assert get("message").config_schema["type"] == "object"


def test_unknown_type_raises_key_error():
    with pytest.raises(KeyError):
        get("carrier_pigeon")


@pytest.mark.parametrize(
    ("type_name", "config", "exits"),
    [
        ("predefined_audience", {}, ["next"]),
        ("message", {"buttons": [{"id": "b", "caption": "B"}, {"id": "a", "caption": "A"}]}, ["b", "a"]),
        ("message", {"buttons": [{"id": "a", "caption": "A"}, {"id": "a", "caption": "Again"}]}, ["a"]),
        ("exit", {"name": "Done"}, []),
    ],
)
def test_exits_follow_the_config(type_name: str, config: dict, exits: list[str]):
    assert get(type_name).exits(config) == exits


def test_a_new_element_type_is_one_class_and_a_register(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(elements, "_REGISTRY", dict(elements._REGISTRY))

    @register
    class Coin(ElementType):
        type = "coin"
        label = "Coin flip"
        category = "step"
        config_schema = {"type": "object", "properties": {}, "additionalProperties": False}

        def exits(self, config: dict) -> list[str]:
            return ["heads", "tails"]

        def enter(self, node, ctx) -> Step:
            return Step.follow("heads")

    # Palette order: the new step sits after the built-in steps, before the exits.
    assert [d["type"] for d in describe()] == [
        "predefined_audience",
        "profile_change",
        "people_event",
        "date_time",
        "flow_api",
        "existing_flow",
        "sftp_import",
        "inbound_message",
        "inbound_call",
        "message",
        "form_message",
        "evaluate_reply",
        "wait",
        "condition_split",
        "random_split",
        "update_person",
        "update_tags",
        "call_url",
        "add_to_flow",
        "send_results",
        "email_results",
        "coin",
        "exit",
    ]
    doc = example_flow()
    node(doc, "m2")["exits"]["ok"] = "flip"
    doc["nodes"].append({"id": "flip", "type": "coin", "config": {}, "exits": {"heads": "done"}})
    assert [(i.code, i.node_id, i.field, i.message) for i in validate(doc)] == [
        ("unwired_exit", "flip", "exits.tails", 'Exit "tails" is not connected')
    ]
    with pytest.raises(ValueError, match="registered twice"):
        register(Coin)
