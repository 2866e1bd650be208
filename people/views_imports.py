"""Import and export pages: upload a CSV/TSV, check the preview and map its columns, watch the run;
download the People list as CSV."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from flowdesigner.roles import MARKETER, STAFF, role_required
from people import imports
from people.api.imports import rejected_csv_response
from people.exports import persons_export_response
from people.models import PersonImport, Tag

DELIMITER_CHOICES = [("", "Detect"), (",", "Comma ,"), (";", "Semicolon ;"), ("|", "Pipe |"), ("tab", "Tab")]


def _delimiter_from(request: HttpRequest) -> str | None:
    choice = request.POST.get("delimiter", "")
    if choice == "custom":
        return request.POST.get("custom_delimiter", "")[:1] or None
    return choice or None


@role_required(MARKETER, STAFF)
def import_upload(request: HttpRequest) -> HttpResponse:
    error = ""
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            error = "Choose a CSV or TSV file."
        else:
            try:
                person_import = imports.person_import_create(
                    file=upload,
                    created_by=request.user,
                    delimiter=_delimiter_from(request),
                    has_header=bool(request.POST.get("has_header")),
                )
            except imports.ImportRefused as exc:
                error = str(exc)
            else:
                return redirect("person-import-detail", pk=person_import.pk)
    return render(
        request,
        "people/import_upload.html",
        {
            "error": error,
            "delimiters": DELIMITER_CHOICES,
            "max_mib": imports.import_max_bytes() / 1024 / 1024,
            "recent": PersonImport.objects.select_related("created_by")[:10],
        },
    )


@role_required(MARKETER, STAFF)
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A new import: the preview and the mapping form; a started one: its progress and report."""
    person_import = get_object_or_404(PersonImport, pk=pk)
    if person_import.status != PersonImport.Status.NEW:
        return render(request, "people/import_progress.html", {"imp": person_import})
    if request.method == "POST":
        delimiter = _delimiter_from(request)
        if delimiter:
            person_import.delimiter = imports.delimiter_clean(delimiter) or person_import.delimiter
        person_import.has_header = bool(request.POST.get("has_header"))
        if request.POST.get("action") == "start":
            width = int(request.POST.get("width", "0") or 0)
            mapping = [request.POST.get(f"column_{i}", imports.IGNORE) for i in range(width)]
            try:
                imports.person_import_start(
                    person_import=person_import,
                    mapping=mapping,
                    upsert_key=request.POST.get("upsert_key", ""),
                    tags=list(Tag.objects.filter(pk__in=request.POST.getlist("tags"))),
                )
            except imports.ImportRefused as exc:
                messages.error(request, str(exc))
            else:
                return redirect("person-import-detail", pk=person_import.pk)
        else:
            person_import.save(update_fields=["delimiter", "has_header"])
    preview = imports.import_preview(person_import)
    chosen = [request.POST.get(f"column_{i}") or s for i, s in enumerate(preview.suggestions)]
    return render(
        request,
        "people/import_mapping.html",
        {
            "imp": person_import,
            "preview": preview,
            "columns": list(zip(range(len(preview.columns)), preview.columns, chosen, strict=True)),
            "targets": imports.mapping_targets(),
            "delimiters": DELIMITER_CHOICES,
            "delimiter_value": "tab" if person_import.delimiter == "\t" else person_import.delimiter,
            "custom_delimiter": person_import.delimiter not in imports.DELIMITERS,
            "delimiter_label": imports.delimiter_label(person_import.delimiter),
            "tags": Tag.objects.order_by("name"),
            "chosen_tags": [int(t) for t in request.POST.getlist("tags") if t.isdigit()],
            "upsert_keys": PersonImport.UpsertKey.choices,
            "upsert_key": request.POST.get("upsert_key", "email"),
        },
    )


@role_required(MARKETER, STAFF)
def import_rejected(request: HttpRequest, pk: int) -> StreamingHttpResponse:
    return rejected_csv_response(get_object_or_404(PersonImport, pk=pk))


@role_required(MARKETER, STAFF)
def person_export(request: HttpRequest) -> StreamingHttpResponse:
    """The People list's filters (q, tag, company, segment) as a CSV download."""
    return persons_export_response(request.GET)
