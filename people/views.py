"""People pages: the list with search and filters, and a person's detail."""

from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, render

from flowdesigner.roles import MARKETER, STAFF, role_required
from people import selectors
from people.attributes import STANDARD_ATTRIBUTES
from people.models import AttributeValue, Company, Person, Tag


@role_required(MARKETER, STAFF)
def person_list(request):
    search = request.GET.get("q", "").strip()
    tag_id = request.GET.get("tag", "")
    company_id = request.GET.get("company", "")
    persons = selectors.persons_filtered(search=search, tag=tag_id, company=company_id)
    page = Paginator(persons.select_related("company").prefetch_related("tags"), 50).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "people/person_list.html",
        {
            "page": page,
            "search": search,
            "tag_id": tag_id,
            "company_id": company_id,
            "tags": Tag.objects.order_by("name"),
            "companies": Company.objects.order_by("name"),
        },
    )


@role_required(MARKETER, STAFF)
def person_detail(request, pk: int):
    person = get_object_or_404(
        Person.objects.select_related("company").prefetch_related(
            "tags", Prefetch("attribute_values", queryset=AttributeValue.objects.select_related("definition"))
        ),
        pk=pk,
    )
    standard = [
        (STANDARD_ATTRIBUTES[key].label, getattr(person, key))
        for key in (
            "first_name",
            "last_name",
            "email",
            "phone",
            "external_id",
            "language",
            "timezone",
            "opt_in",
            "birth_date",
            "created_at",
            "updated_at",
        )
    ]
    values = {v.definition.key: v for v in person.attribute_values.all()}
    custom = [
        (value.definition, selectors.attribute_value_json(value)) for _, value in sorted(values.items())
    ]
    return render(
        request,
        "people/person_detail.html",
        {"person": person, "standard": standard, "custom": custom},
    )
