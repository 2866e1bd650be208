"""Queries compiled once (people.compiled): each call returns what the ORM returns for its own ids, with
no compilation after the first call."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.db.models import Q
from django.test.utils import CaptureQueriesContext

from people.compiled import CompiledQuery
from people.models import Person
from people.selectors import COLUMNS, person_snapshots
from tests.factories import AttributeDefinitionFactory, CompanyFactory, PersonFactory, TagFactory

pytestmark = pytest.mark.django_db


def _persons():
    acme = CompanyFactory(name="Acme")
    first = PersonFactory(first_name="Ann", company=acme, birth_date=dt.date(1990, 5, 17))
    second = PersonFactory(first_name="Bob", company=None)
    return first, second


def test_model_rows_come_back_with_their_related_objects_for_each_call_s_own_id():
    first, second = _persons()
    query = CompiledQuery(lambda pk: Person.objects.select_related("company").defer("language").filter(pk=pk))

    (ann,) = query.run(first.pk)
    (bob,) = query.run(second.pk)

    assert (ann.pk, ann.first_name, ann.birth_date, ann.company.name) == (
        first.pk,
        "Ann",
        dt.date(1990, 5, 17),
        "Acme",
    )
    assert (bob.pk, bob.first_name, bob.company) == (second.pk, "Bob", None)
    assert ann.get_deferred_fields() == {"language"}
    assert query.run(0) == []
    # The instances are the ORM's: saving one writes its row.
    bob.first_name = "Robert"
    bob.save(update_fields=["first_name"])
    assert Person.objects.get(pk=second.pk).first_name == "Robert"


def test_values_and_values_list_rows_equal_the_orm_s():
    first, second = _persons()
    fields = ("pk", "first_name", "birth_date", "company__name", "created_at")
    as_dicts = CompiledQuery(lambda pk: Person.objects.filter(pk=pk).values(*fields))
    as_tuples = CompiledQuery(lambda pk: Person.objects.filter(pk=pk).values_list(*fields))

    for person in (first, second, first):
        assert as_dicts.run(person.pk) == list(Person.objects.filter(pk=person.pk).values(*fields))
        assert as_tuples.run(person.pk) == list(Person.objects.filter(pk=person.pk).values_list(*fields))


def test_after_the_first_call_a_run_is_one_statement_with_the_ids_of_the_call():
    first, second = _persons()
    query = CompiledQuery(
        lambda a, b: Person.objects.filter(Q(pk=a) | Q(pk=b)).order_by("pk").values_list("pk")
    )
    query.run(first.pk, second.pk)

    with CaptureQueriesContext(connection) as queries:
        assert query.run(second.pk, 0) == [(second.pk,)]
    assert len(queries) == 1
    assert str(second.pk) in queries[0]["sql"]


def test_select_for_update_still_locks_inside_the_transaction():
    first, _ = _persons()
    query = CompiledQuery(lambda pk: Person.objects.select_for_update().filter(pk=pk))
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        (person,) = query.run(first.pk)
    assert person.pk == first.pk
    if connection.features.has_select_for_update:
        assert "FOR UPDATE" in queries[-1]["sql"]


def test_a_query_that_changes_its_id_on_the_way_to_the_sql_is_refused():
    first, _ = _persons()
    query = CompiledQuery(lambda pk: Person.objects.filter(first_name=str(pk)))
    with pytest.raises(ValueError, match="does not reach the SQL unchanged"):
        query.run(first.pk)


def test_a_person_s_snapshot_alone_equals_their_snapshot_among_others():
    first, second = _persons()
    first.tags.add(TagFactory(name="vip"), TagFactory(name="fair"))
    for key, data_type, value in [
        ("score", "NUMBER", Decimal("4.5")),
        ("member", "BOOLEAN", True),
        ("joined", "DATE", dt.date(2020, 1, 2)),
        ("seen", "DATETIME", dt.datetime(2026, 3, 4, 5, 6, tzinfo=dt.UTC)),
        ("colours", "LIST", ["red", "blue"]),
        ("city", "TEXT", "Ghent"),
    ]:
        definition = AttributeDefinitionFactory(key=key, data_type=data_type)
        first.attribute_values.create(definition=definition, **{COLUMNS[data_type]: value})

    both = person_snapshots([first.pk, second.pk])
    alone = person_snapshots([first.pk])

    assert alone == {first.pk: both[first.pk]}
    assert alone[first.pk]["tags"] == ["fair", "vip"]
    assert alone[first.pk]["company"] == "Acme"
    assert alone[first.pk]["birth_date"] == "1990-05-17"
    assert {key: alone[first.pk][key] for key in ("score", "member", "joined", "colours", "city")} == {
        "score": "4.5",  # a decimal number keeps its digits
        "member": True,
        "joined": "2020-01-02",
        "colours": ["red", "blue"],
        "city": "Ghent",
    }
    assert alone[first.pk]["seen"].startswith("2026-03-04T05:06")
    assert person_snapshots([second.pk]) == {second.pk: both[second.pk]}
    assert person_snapshots([0]) == {}
