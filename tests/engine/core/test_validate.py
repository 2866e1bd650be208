from collections.abc import Callable

import pytest

from engine.core import elements
from engine.core.issues import Issue
from engine.core.validate import validate
from tests.engine.core import example_flow, node

Mutation = Callable[[dict], object]


def keys(issues: list[Issue]) -> set[tuple[str, str | None, str | None]]:
    return {(i.code, i.node_id, i.field) for i in issues}


def mutated(mutate: Mutation) -> dict:
    doc = example_flow()
    mutate(doc)
    return doc


def set_config(node_id: str, **config: object) -> Mutation:
    return lambda doc: node(doc, node_id)["config"].update(config)


def set_exits(node_id: str, **exits: object) -> Mutation:
    return lambda doc: node(doc, node_id)["exits"].update(exits)


def add_node(**raw: object) -> Mutation:
    return lambda doc: doc["nodes"].append(raw)


def test_example_flow_is_publishable():
    assert validate(example_flow()) == []


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        pytest.param(
            set_config("entry", tags=[], persons=[]),
            {("required", "entry", "config.tags")},
            id="audience-without-tags-or-persons",
        ),
        pytest.param(
            lambda doc: node(doc, "entry").update(config={}),
            {("required", "entry", "config.tags")},
            id="audience-with-empty-config",
        ),
        pytest.param(set_config("entry", tags=[], persons=[7]), set(), id="audience-persons-only-is-fine"),
        pytest.param(
            add_node(id="entry2", type="predefined_audience", config={"tags": [1]}, exits={"next": "m2"}),
            {("too_many", "entry2", None)},
            id="second-predefined-audience",
        ),
        pytest.param(set_config("m1", text="   "), {("required", "m1", "config.text")}, id="blank-text"),
        pytest.param(set_config("m1", text="x" * 4097), {("too_long", "m1", "config.text")}, id="text-4097"),
        pytest.param(set_config("m1", text="x" * 4096), set(), id="text-4096-is-fine"),
        pytest.param(
            lambda doc: node(doc, "m2").update(config={"text": "Great", "buttons": []}, exits={}),
            {("required", "m2", "config.buttons")},
            id="no-buttons",
        ),
        pytest.param(
            lambda doc: node(doc, "m2").update(
                config={"text": "Great", "buttons": [{"id": "o k", "caption": "OK"}]}, exits={}
            ),
            {("invalid_id", "m2", "config.buttons[0].id"), ("unwired_exit", "m2", "exits.o k")},
            id="button-id-with-space",
        ),
        pytest.param(
            lambda doc: node(doc, "m2").update(
                config={"text": "Great", "buttons": [{"id": "x" * 201, "caption": "OK"}]}, exits={}
            ),
            {("invalid_id", "m2", "config.buttons[0].id"), ("unwired_exit", "m2", "exits." + "x" * 201)},
            id="button-id-too-long",
        ),
        pytest.param(
            set_config("m1", buttons=[{"id": "yes", "caption": "Yes"}, {"id": "no", "caption": " "}]),
            {("required", "m1", "config.buttons[1].caption")},
            id="blank-caption",
        ),
        pytest.param(
            set_config("m1", buttons=[{"id": "yes", "caption": "Yes"}, {"id": "no", "caption": "n" * 65}]),
            {("too_long", "m1", "config.buttons[1].caption")},
            id="caption-65",
        ),
        pytest.param(
            set_config("m1", buttons=[{"id": "yes", "caption": "Yes"}, {"id": "yes", "caption": "Sure"}]),
            {("duplicate", "m1", "config.buttons[1].id"), ("unknown_exit", "m1", "exits.no")},
            id="duplicate-button-id",
        ),
        pytest.param(
            set_config("m1", buttons=[{"id": "yes", "caption": "Yes"}, {"id": "no", "caption": "YES "}]),
            {("duplicate", "m1", "config.buttons[1].caption")},
            id="duplicate-caption-ignoring-case",
        ),
        pytest.param(
            set_config("done", name=" "), {("required", "done", "config.name")}, id="blank-exit-name"
        ),
        pytest.param(
            lambda doc: node(doc, "m2").update(type="carrier_pigeon"),
            {("unknown_type", "m2", "type")},
            id="unknown-type",
        ),
        pytest.param(
            set_config("m1", text=5), {("invalid_config", "m1", "config.text")}, id="text-not-string"
        ),
        pytest.param(
            set_config("m2", buttons=[{"id": "ok"}]),
            {("invalid_config", "m2", "config.buttons[0]")},
            id="button-without-caption",
        ),
        pytest.param(
            set_config("done", colour="red"), {("invalid_config", "done", "config")}, id="unknown-config-key"
        ),
        pytest.param(
            set_config("entry", tags=["vip"]),
            {("invalid_config", "entry", "config.tags[0]")},
            id="tag-not-id",
        ),
        pytest.param(
            set_exits("m1", maybe="done"), {("unknown_exit", "m1", "exits.maybe")}, id="unknown-exit"
        ),
        pytest.param(
            set_exits("m1", yes=None),
            {("unwired_exit", "m1", "exits.yes"), ("unreachable", "m2", None)},
            id="null-exit",
        ),
        pytest.param(
            lambda doc: node(doc, "m1")["exits"].pop("no"),
            {("unwired_exit", "m1", "exits.no")},
            id="missing-exit",
        ),
        pytest.param(
            set_exits("entry", next=None),
            {
                ("unwired_exit", "entry", "exits.next"),
                ("unreachable", "m1", None),
                ("unreachable", "m2", None),
                ("unreachable", "done", None),
            },
            id="entry-unwired",
        ),
        pytest.param(
            set_exits("m2", ok="ghost"), {("unknown_destination", "m2", "exits.ok")}, id="unknown-destination"
        ),
        pytest.param(
            set_exits("m2", ok="entry"), {("entry_as_destination", "m2", "exits.ok")}, id="exit-into-entry"
        ),
        pytest.param(
            lambda doc: doc["nodes"].pop(0),
            {("no_entry", None, None)},
            id="no-entry-and-no-unreachable-noise",
        ),
        pytest.param(
            add_node(id="lonely", type="exit", config={"name": "Lonely"}, exits={}),
            {("unreachable", "lonely", None)},
            id="unreachable",
        ),
        pytest.param(
            add_node(id="m2", type="exit", config={"name": "Twin"}, exits={}),
            {("duplicate_id", "m2", "id")},
            id="duplicate-id",
        ),
    ],
)
def test_validation_rule(mutate: Mutation, expected: set):
    assert keys(validate(mutated(mutate))) == expected


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        pytest.param(
            lambda doc: doc.update(colour="red"), {("schema", None, None)}, id="unknown-top-level-key"
        ),
        pytest.param(lambda doc: doc.update(name=5), {("schema", None, "name")}, id="name-not-string"),
        pytest.param(lambda doc: doc.update(nodes={}), {("schema", None, "nodes")}, id="nodes-not-list"),
        pytest.param(
            lambda doc: node(doc, "m1").update(id="m 1"), {("schema", None, "nodes[1].id")}, id="bad-id"
        ),
        pytest.param(
            lambda doc: node(doc, "m1").pop("exits"), {("schema", None, "nodes[1]")}, id="node-without-exits"
        ),
        pytest.param(
            set_exits("m1", yes=5), {("schema", None, "nodes[1].exits.yes")}, id="destination-not-id"
        ),
        pytest.param(
            lambda doc: doc.pop("spec_version"), {("missing_spec_version", None, None)}, id="no-version"
        ),
        pytest.param(
            lambda doc: doc.update(spec_version=2),
            {("unsupported_spec_version", None, None)},
            id="future-version",
        ),
    ],
)
def test_document_errors_are_issues_not_exceptions(mutate: Mutation, expected: set):
    assert keys(validate(mutated(mutate))) == expected


@pytest.mark.parametrize(
    "doc", [None, [], "flow", {"spec_version": 1, "nodes": [1, None]}, {"spec_version": 1}]
)
def test_garbage_never_raises(doc: object):
    issues = validate(doc)  # type: ignore[arg-type]
    assert issues and all(i.node_id is None for i in issues)


def test_name_description_and_ui_are_allowed():
    doc = example_flow()
    doc.update(name="Invite", description="Asks who is coming", ui={"anything": [1, 2]})
    assert validate(doc) == []


@pytest.mark.parametrize(
    ("mutate", "node_id", "message"),
    [
        (set_exits("m1", yes=None), "m1", 'Button "Yes" is not connected to a next step'),
        (set_exits("entry", next=None), "entry", 'Exit "next" is not connected'),
        (
            set_config("entry", tags=[], persons=[]),
            "entry",
            "Choose at least one tag, segment, person or company",
        ),
        (set_exits("m2", ok="ghost"), "m2", 'Exit "ok" leads to "ghost", which is not in this flow'),
    ],
)
def test_messages_shown_on_the_canvas(mutate: Mutation, node_id: str, message: str):
    messages = [i.message for i in validate(mutated(mutate)) if i.node_id == node_id]
    assert messages == [message]


def test_only_the_extra_audiences_are_flagged():
    doc = mutated(
        add_node(id="entry2", type="predefined_audience", config={"tags": [1]}, exits={"next": "m1"})
    )
    doc["nodes"].append({"id": "entry3", "type": "predefined_audience", "config": {"tags": [1]}, "exits": {}})
    too_many = [i for i in validate(doc) if i.code == "too_many"]
    assert [i.node_id for i in too_many] == ["entry2", "entry3"]
    assert too_many[0].message == "A flow can have only one Predefined Audience"


def test_every_issue_is_reported_at_once():
    doc = example_flow()
    node(doc, "m1")["config"]["text"] = ""
    node(doc, "done")["config"]["name"] = ""
    node(doc, "m2")["exits"]["ok"] = None
    assert keys(validate(doc)) == {
        ("required", "m1", "config.text"),
        ("unwired_exit", "m2", "exits.ok"),
        ("required", "done", "config.name"),
    }


def test_a_freshly_placed_message_needs_text_and_its_default_button_wired():
    doc = mutated(set_exits("m2", ok="fresh"))
    doc["nodes"].append(
        {"id": "fresh", "type": "message", "config": elements.get("message").defaults(), "exits": {}}
    )
    assert keys(validate(doc)) == {
        ("required", "fresh", "config.text"),
        ("unwired_exit", "fresh", "exits.ok"),
    }


def test_issue_as_dict():
    issue = validate(mutated(set_exits("m1", yes=None)))[0]
    assert issue.as_dict() == {
        "code": "unwired_exit",
        "message": 'Button "Yes" is not connected to a next step',
        "node_id": "m1",
        "field": "exits.yes",
    }
