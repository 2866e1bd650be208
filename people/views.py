"""People pages."""

from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import render

from flowdesigner.roles import MARKETER, STAFF, role_required
from people.models import Person, Tag


@role_required(MARKETER, STAFF)
def person_list(request):
    search = request.GET.get("q", "").strip()
    tag_id = request.GET.get("tag", "")
    persons = Person.objects.prefetch_related("tags").order_by("id")
    if search:
        persons = persons.filter(
            Q(first_name__icontains=search)
            | Q(last_name__icontains=search)
            | Q(email__icontains=search)
            | Q(phone__icontains=search)
        )
    if tag_id.isdigit():
        persons = persons.filter(tags__id=int(tag_id))
    page = Paginator(persons, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "people/person_list.html",
        {"page": page, "search": search, "tag_id": tag_id, "tags": Tag.objects.order_by("name")},
    )
