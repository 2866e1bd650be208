import jsonschema
import pytest

from engine.core.definition import SPEC_VERSION, DefinitionError, Node, load, migrate, schema
from tests.engine.core import example_flow, node


def test_load_builds_nodes_in_document_order():
    defn = load(example_flow())
    assert defn.spec_version == SPEC_VERSION == 1
    assert list(defn.nodes) == ["entry", "m1", "m2", "done"]
    assert defn.node("m1") == Node(
        id="m1",
        type="message",
        config={
            "text": "Hi! Coming?",
            "buttons": [{"id": "yes", "caption": "Yes"}, {"id": "no", "caption": "No"}],
        },
        exits={"yes": "m2", "no": "done"},
    )
    assert [n.id for n in defn.entries()] == ["entry"]


def test_node_lookup_of_missing_id_raises_key_error():
    with pytest.raises(KeyError):
        load(example_flow()).node("ghost")


def test_load_does_not_run_full_validation():
    # A draft with unwired exits, an unknown type and a blank text still loads; validate() reports those.
    doc = example_flow()
    node(doc, "m1")["exits"]["yes"] = None
    node(doc, "m1")["config"]["text"] = ""
    node(doc, "m2")["type"] = "carrier_pigeon"
    defn = load(doc)
    assert defn.node("m1").exits["yes"] is None
    assert [n.id for n in defn.entries()] == ["entry"]


def test_loaded_definition_does_not_share_the_input_document():
    doc = example_flow()
    defn = load(doc)
    node(doc, "m1")["config"]["text"] = "changed"
    node(doc, "m1")["exits"]["yes"] = None
    assert defn.node("m1").config["text"] == "Hi! Coming?"
    assert defn.node("m1").exits["yes"] == "m2"


def test_migrate_returns_an_independent_copy():
    doc = example_flow()
    migrated = migrate(doc)
    assert migrated == doc
    migrated["nodes"][0]["config"]["tags"].append(99)
    assert doc == example_flow()


@pytest.mark.parametrize(
    ("doc", "code"),
    [
        ({"nodes": []}, "missing_spec_version"),
        ({"spec_version": 2, "nodes": []}, "unsupported_spec_version"),
        ({"spec_version": "1", "nodes": []}, "invalid_spec_version"),
        ({"spec_version": True, "nodes": []}, "invalid_spec_version"),
        ({"spec_version": 0, "nodes": []}, "invalid_spec_version"),
        (["not", "a", "dict"], "invalid_document"),
    ],
)
def test_migrate_refuses_unusable_versions(doc: object, code: str):
    with pytest.raises(DefinitionError) as exc:
        migrate(doc)  # type: ignore[arg-type]
    assert [i.code for i in exc.value.issues] == [code]
    with pytest.raises(DefinitionError):
        load(doc)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (lambda doc: doc.update(colour="red"), [("schema", None)]),
        (lambda doc: doc.pop("nodes"), [("schema", None)]),
        (lambda doc: node(doc, "entry").update(id="en try"), [("schema", "nodes[0].id")]),
        (lambda doc: node(doc, "m2").pop("config"), [("schema", "nodes[2]")]),
        (lambda doc: node(doc, "m2").update(exits={"ok": 7}), [("schema", "nodes[2].exits.ok")]),
        (lambda doc: node(doc, "m2").update(exits={"o k": "done"}), [("schema", "nodes[2].exits")]),
        (lambda doc: doc.update(description=["x"]), [("schema", "description")]),
        (
            lambda doc: doc["nodes"].append({"id": "m1", "type": "exit", "config": {}, "exits": {}}),
            [("duplicate_id", "id")],
        ),
    ],
)
def test_load_refuses_structurally_broken_documents(mutate, expected: list):
    doc = example_flow()
    mutate(doc)
    with pytest.raises(DefinitionError) as exc:
        load(doc)
    assert [(i.code, i.field) for i in exc.value.issues] == expected


def test_definition_error_is_a_value_error_with_a_readable_message():
    with pytest.raises(ValueError, match="spec_version 3 is newer than this engine supports"):
        load({"spec_version": 3, "nodes": []})


def test_schema_is_draft_2020_12_and_accepts_the_example():
    doc_schema = schema()
    assert doc_schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator(doc_schema).validate(example_flow())


def test_schema_callers_cannot_corrupt_the_engine_copy():
    schema()["properties"].clear()
    with pytest.raises(DefinitionError):
        load({**example_flow(), "colour": "red"})
