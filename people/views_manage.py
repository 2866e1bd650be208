"""Pages to manage what persons are described with: companies, tags, custom attribute definitions and
event definitions. Marketers create, edit and delete; staff see the lists read-only.

Writes go through people.forms_manage (the API's rules, the services); a delete the services refuse
(a segment still uses the definition, tag or company) comes back as a message with the reason.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.db.models import Count, Model
from django.forms import ModelForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from flowdesigner.roles import MARKETER, STAFF, has_role, role_required
from people import events, services
from people.forms_manage import AttributeDefinitionForm, CompanyForm, EventDefinitionForm, TagForm
from people.models import AttributeDefinition, Company, EventDefinition, Tag


@dataclass(frozen=True)
class Kind:
    """One managed kind: its model, form, names and its delete service (which may refuse)."""

    model: type[Model]
    form: type[ModelForm]
    slug: str  # URL names: manage-<slug>-list, -new, -edit, -delete
    singular: str
    plural: str
    delete: Callable[[Any], None]


def _delete_company(company: Company) -> None:
    services.company_delete(company=company)


def _delete_tag(tag: Tag) -> None:
    services.tag_delete(tag=tag)


def _delete_attribute(definition: AttributeDefinition) -> None:
    services.attribute_definition_delete(definition=definition)


def _delete_event(definition: EventDefinition) -> None:
    events.event_definition_delete(definition=definition)


COMPANIES = Kind(Company, CompanyForm, "company", "company", "Companies", _delete_company)
TAGS = Kind(Tag, TagForm, "tag", "tag", "Tags", _delete_tag)
ATTRIBUTES = Kind(
    AttributeDefinition, AttributeDefinitionForm, "attribute", "attribute", "Attributes", _delete_attribute
)
EVENTS = Kind(EventDefinition, EventDefinitionForm, "event", "event definition", "Events", _delete_event)
REFUSALS = (services.InUse, events.InUse)


def _list_page(request: HttpRequest, kind: Kind, objects: Any) -> HttpResponse:
    return render(
        request,
        f"people/manage_{kind.slug}_list.html",
        {"kind": kind, "objects": objects, "can_edit": has_role(request.user, MARKETER)},
    )


def _form_page(request: HttpRequest, kind: Kind, pk: int | None) -> HttpResponse:
    obj = get_object_or_404(kind.model, pk=pk) if pk is not None else None
    form = kind.form(request.POST or None, instance=obj)
    if request.method == "POST" and form.is_valid():
        try:
            saved = form.save()
        except ValueError as exc:  # the service's own check (e.g. a concurrent change)
            detail = exc.args[0] if exc.args else str(exc)
            for message in (
                detail.values()
                if isinstance(detail, dict)
                else detail
                if isinstance(detail, list)
                else [detail]
            ):
                form.add_error(None, str(message))
        else:
            messages.success(request, f"The {kind.singular} {saved} was saved.")
            return redirect(f"manage-{kind.slug}-list")
    template = "people/manage_event_form.html" if kind is EVENTS else "people/manage_form.html"
    return render(request, template, {"kind": kind, "form": form, "object": obj})


def _delete_page(request: HttpRequest, kind: Kind, pk: int) -> HttpResponse:
    obj = get_object_or_404(kind.model, pk=pk)
    if request.method == "POST":
        name = str(obj)
        try:
            kind.delete(obj)
        except REFUSALS as exc:
            messages.error(request, f"The {kind.singular} {name} was not deleted: {exc}")
        else:
            messages.success(request, f"The {kind.singular} {name} was deleted.")
        return redirect(f"manage-{kind.slug}-list")
    return render(request, "people/manage_confirm_delete.html", {"kind": kind, "object": obj})


# --- companies --------------------------------------------------------------------------------


@role_required(MARKETER, STAFF)
def company_list(request: HttpRequest) -> HttpResponse:
    return _list_page(
        request, COMPANIES, Company.objects.annotate(person_count=Count("persons")).order_by("name")
    )


@role_required(MARKETER)
def company_new(request: HttpRequest) -> HttpResponse:
    return _form_page(request, COMPANIES, None)


@role_required(MARKETER)
def company_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _form_page(request, COMPANIES, pk)


@role_required(MARKETER)
def company_delete(request: HttpRequest, pk: int) -> HttpResponse:
    return _delete_page(request, COMPANIES, pk)


# --- tags -------------------------------------------------------------------------------------


@role_required(MARKETER, STAFF)
def tag_list(request: HttpRequest) -> HttpResponse:
    return _list_page(request, TAGS, Tag.objects.annotate(person_count=Count("persons")).order_by("name"))


@role_required(MARKETER)
def tag_new(request: HttpRequest) -> HttpResponse:
    return _form_page(request, TAGS, None)


@role_required(MARKETER)
def tag_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _form_page(request, TAGS, pk)


@role_required(MARKETER)
def tag_delete(request: HttpRequest, pk: int) -> HttpResponse:
    return _delete_page(request, TAGS, pk)


# --- custom attribute definitions -------------------------------------------------------------


@role_required(MARKETER, STAFF)
def attribute_list(request: HttpRequest) -> HttpResponse:
    return _list_page(request, ATTRIBUTES, AttributeDefinition.objects.order_by("key"))


@role_required(MARKETER)
def attribute_new(request: HttpRequest) -> HttpResponse:
    return _form_page(request, ATTRIBUTES, None)


@role_required(MARKETER)
def attribute_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _form_page(request, ATTRIBUTES, pk)


@role_required(MARKETER)
def attribute_delete(request: HttpRequest, pk: int) -> HttpResponse:
    return _delete_page(request, ATTRIBUTES, pk)


# --- event definitions ------------------------------------------------------------------------


@role_required(MARKETER, STAFF)
def event_list(request: HttpRequest) -> HttpResponse:
    return _list_page(
        request, EVENTS, EventDefinition.objects.annotate(event_count=Count("events")).order_by("key")
    )


@role_required(MARKETER)
def event_new(request: HttpRequest) -> HttpResponse:
    return _form_page(request, EVENTS, None)


@role_required(MARKETER)
def event_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _form_page(request, EVENTS, pk)


@role_required(MARKETER)
def event_delete(request: HttpRequest, pk: int) -> HttpResponse:
    return _delete_page(request, EVENTS, pk)
