"""People pages: the list with search, filters and bulk tags; a person's detail; create, edit, delete."""

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from flowdesigner.roles import MARKETER, STAFF, role_required
from people import selectors, services
from people.attributes import STANDARD_ATTRIBUTES
from people.forms import BulkTagForm, PersonForm
from people.models import AttributeValue, Company, Person, Segment, Tag


def created_via_shown(created_via: str) -> tuple[str, int | None]:
    """How the list shows where a person came from: (label, flow id or None); ("", None) when blank."""
    for label, prefix in selectors.CREATED_VIA.values():
        if prefix and created_via.startswith(prefix):
            flow_id = created_via[len(prefix) :]
            return label, int(flow_id) if flow_id.isdecimal() else None
    return created_via, None


def _created_via_text(created_via: str) -> str:
    label, flow_id = created_via_shown(created_via)
    return f"{label} (flow {flow_id})" if flow_id else label


@role_required(MARKETER, STAFF)
def person_list(request):
    search = request.GET.get("q", "").strip()
    tag_id = request.GET.get("tag", "")
    company_id = request.GET.get("company", "")
    segment_id = request.GET.get("segment", "")
    via = request.GET.get("via", "")
    persons = selectors.persons_filtered(
        search=search, tag=tag_id, company=company_id, segment=segment_id, via=via
    )
    page = Paginator(persons.select_related("company").prefetch_related("tags"), 50).get_page(
        request.GET.get("page")
    )
    for person in page:
        person.via_label, person.via_flow = created_via_shown(person.created_via)
    return render(
        request,
        "people/person_list.html",
        {
            "page": page,
            "search": search,
            "tag_id": tag_id,
            "company_id": company_id,
            "segment_id": segment_id,
            "via": via,
            "via_choices": [(key, label) for key, (label, _) in selectors.CREATED_VIA.items()],
            "filters": urlencode({"q": search, "tag": tag_id, "company": company_id, "segment": segment_id}),
            "pager": urlencode(
                {"q": search, "tag": tag_id, "company": company_id, "segment": segment_id, "via": via}
            ),
            "segments": Segment.objects.order_by("name"),
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
        {
            "person": person,
            "standard": standard,
            "custom": custom,
            "timeline": selectors.person_timeline(person, limit=50),
            "created_via": _created_via_text(person.created_via),
        },
    )


def _person_form_page(request: HttpRequest, person: Person | None) -> HttpResponse:
    form = PersonForm(request.POST or None, instance=person)
    if request.method == "POST" and form.is_valid():
        try:
            saved = form.save()
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"{saved} was saved.")
            return redirect("person-detail", pk=saved.pk)
    return render(request, "people/person_form.html", {"form": form, "person": person})


@role_required(MARKETER, STAFF)
def person_create(request: HttpRequest) -> HttpResponse:
    return _person_form_page(request, None)


@role_required(MARKETER, STAFF)
def person_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _person_form_page(request, get_object_or_404(Person, pk=pk))


@role_required(MARKETER, STAFF)
def person_delete(request: HttpRequest, pk: int) -> HttpResponse:
    person = get_object_or_404(Person, pk=pk)
    if request.method == "POST":
        name = str(person)
        services.person_delete(person=person)
        messages.success(request, f"{name} was deleted.")
        return redirect("person-list")
    return render(request, "people/person_confirm_delete.html", {"person": person})


@require_POST
@role_required(MARKETER, STAFF)
def person_bulk_tag(request: HttpRequest) -> HttpResponse:
    """The People list's bulk bar: add or remove a tag on ticked rows or on the whole filter result."""
    form = BulkTagForm(request.POST)
    back = request.POST.get("next", "")
    if not back.startswith("/people/"):
        back = reverse("person-list")
    if not form.is_valid():
        for error in form.errors.values():
            messages.error(request, " ".join(error))
        return redirect(back)
    data = form.cleaned_data
    tag = data["tag"]
    add = data["action"] == "add"
    if data["scope"] == "all":
        changed = services.persons_tag_bulk(
            tag=tag,
            add=add,
            filter={
                "search": data["q"],
                "tag": data["filter_tag"],
                "company": data["filter_company"],
                "segment": data["filter_segment"],
                "via": data["filter_via"],
            },
        )
    else:
        changed = services.persons_tag_bulk(tag=tag, add=add, person_ids=data["ids"])
    verb = "added to" if add else "removed from"
    messages.success(request, f"Tag {tag.name} {verb} {changed} {'person' if changed == 1 else 'people'}.")
    return redirect(back)
