"""Import and export pages: upload a CSV/TSV, check the preview and map its columns, watch the run;
download the People list as CSV."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from flowdesigner.params import parse_id, whole_number
from flowdesigner.roles import MARKETER, STAFF, role_required
from people import imports
from people.api.imports import rejected_csv_response
from people.exports import persons_export_response
from people.models import PersonImport, Tag

# The most columns the mapping form posts (a bound for its "width" field).
MAX_COLUMNS = 10_000
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
    try:
        return _mapping_page(request, person_import)
    except imports.ImportFileMissing as exc:
        # Nothing can be previewed or started without the file: back to the upload page, saying why.
        messages.error(request, str(exc))
        return redirect("person-import")


def _mapping_page(request: HttpRequest, person_import: PersonImport) -> HttpResponse:
    if request.method == "POST":
        delimiter = _delimiter_from(request)
        if delimiter:
            person_import.delimiter = imports.delimiter_clean(delimiter) or person_import.delimiter
        person_import.has_header = bool(request.POST.get("has_header"))
        if request.POST.get("action") == "start":
            width = whole_number(request.POST.get("width", ""), high=MAX_COLUMNS) or 0
            mapping = [request.POST.get(f"column_{i}", imports.IGNORE) for i in range(width)]
            try:
                imports.person_import_start(
                    person_import=person_import,
                    mapping=mapping,
                    upsert_key=request.POST.get("upsert_key", ""),
                    tags=list(Tag.objects.filter(pk__in=_tag_ids(request))),
                )
            except imports.ImportFileMissing:
                raise
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
            "chosen_tags": _tag_ids(request),
            "upsert_keys": PersonImport.UpsertKey.choices,
            "upsert_key": request.POST.get("upsert_key", "email"),
        },
    )


def _tag_ids(request: HttpRequest) -> list[int]:
    return [tag_id for raw in request.POST.getlist("tags") if (tag_id := parse_id(raw)) is not None]


@role_required(MARKETER, STAFF)
def import_rejected(request: HttpRequest, pk: int) -> StreamingHttpResponse:
    return rejected_csv_response(get_object_or_404(PersonImport, pk=pk))


@role_required(MARKETER, STAFF)
def person_export(request: HttpRequest) -> StreamingHttpResponse:
    """The People list's filters (q, tag, company, segment) as a CSV download."""
    return persons_export_response(request.GET)
