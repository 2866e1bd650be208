"""SFTP pages: the connections (staff manage them, marketers see them) and a flow's SFTP Import report
(its files with their counts, each file's invalid rows with the reasons, as a page and as CSV)."""

from __future__ import annotations

from collections.abc import Iterator

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from engine.sftp import services
from engine.sftp.forms import SftpConnectionForm
from engine.sftp.models import SftpConnection, SftpFile, SftpRowError
from engine.sftp.selectors import flow_files, flow_watches, flows_using
from flowdesigner.models import Flow
from flowdesigner.roles import MARKETER, STAFF, has_role, role_required
from people.exports import csv_lines, csv_safe

SHOWN_ERRORS = 500  # on the file page; the CSV has them all


@role_required(MARKETER, STAFF)
def connection_list(request: HttpRequest) -> HttpResponse:
    connections = SftpConnection.objects.all()
    return render(
        request,
        "sftp/connection_list.html",
        {"connections": connections, "can_manage": has_role(request.user, STAFF)},
    )


@role_required(STAFF)
def connection_new(request: HttpRequest) -> HttpResponse:
    form = SftpConnectionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        connection = form.save(commit=False)
        connection.created_by = request.user
        services.connection_save(connection=connection)
        messages.success(request, f"The connection {connection.name} was saved. Test it to pin its host key.")
        return redirect("sftp-connection-edit", pk=connection.pk)
    return render(request, "sftp/connection_form.html", {"form": form, "connection": None})


@role_required(MARKETER, STAFF)
def connection_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """The connection's page: its settings (staff edit them unless an active flow uses it), the flows
    using it, the last test and the Test connection button."""
    connection = get_object_or_404(SftpConnection, pk=pk)
    can_manage = has_role(request.user, STAFF)
    status = 200
    form = SftpConnectionForm(instance=connection) if can_manage else None
    if request.method == "POST":
        if not can_manage:
            raise PermissionDenied("Only staff change SFTP connections.")
        form = SftpConnectionForm(request.POST, instance=connection)
        if form.is_valid():
            try:
                form.save()
            except services.ConnectionInUse as exc:  # an activation in between
                form.add_error(None, str(exc))
            else:
                messages.success(request, f"The connection {connection.name} was saved.")
                return redirect("sftp-connection-edit", pk=connection.pk)
        status = 409 if services.connection_in_use(connection, "changed") else 400
        connection.refresh_from_db()
    using = flows_using(connection)
    return render(
        request,
        "sftp/connection_form.html",
        {"form": form, "connection": connection, "using": using, "can_manage": can_manage},
        status=status,
    )


@role_required(STAFF)
def connection_delete(request: HttpRequest, pk: int) -> HttpResponse:
    connection = get_object_or_404(SftpConnection, pk=pk)
    refusal = services.connection_in_use(connection, "deleted")
    if request.method == "POST" and not refusal:
        try:
            services.connection_delete(connection=connection)
        except services.ConnectionInUse as exc:
            refusal = str(exc)
        else:
            messages.success(request, f"The connection {connection.name} was deleted.")
            return redirect("sftp-connection-list")
    status = 409 if refusal and request.method == "POST" else 200
    return render(
        request,
        "sftp/connection_confirm_delete.html",
        {"connection": connection, "refusal": refusal, "using": flows_using(connection)},
        status=status,
    )


@require_POST
@role_required(STAFF)
def connection_test(request: HttpRequest, pk: int) -> HttpResponse:
    connection = get_object_or_404(SftpConnection, pk=pk)
    result = services.connection_test(connection=connection, folder=request.POST.get("folder", "")[:255])
    (messages.success if result.ok else messages.error)(request, f"Test connection: {result.message}")
    return redirect("sftp-connection-edit", pk=connection.pk)


@require_POST
@role_required(STAFF)
def connection_forget_host_key(request: HttpRequest, pk: int) -> HttpResponse:
    connection = get_object_or_404(SftpConnection, pk=pk)
    services.connection_forget_host_key(connection=connection)
    messages.success(
        request, "The pinned host key was forgotten: test the connection to pin the server's key."
    )
    return redirect("sftp-connection-edit", pk=connection.pk)


# --- a flow's report ---------------------------------------------------------------------------------


@role_required(MARKETER, STAFF)
def flow_report(request: HttpRequest, pk: int) -> HttpResponse:
    flow = get_object_or_404(Flow, pk=pk)
    return render(
        request,
        "sftp/flow_report.html",
        {"flow": flow, "files": flow_files(flow), "watches": flow_watches(flow)},
    )


@role_required(MARKETER, STAFF)
def file_detail(request: HttpRequest, pk: int, file_pk: int) -> HttpResponse:
    file = get_object_or_404(SftpFile.objects.select_related("flow", "connection"), pk=file_pk, flow_id=pk)
    errors = list(file.row_errors.all()[:SHOWN_ERRORS])
    return render(
        request,
        "sftp/file_detail.html",
        {"flow": file.flow, "file": file, "errors": errors, "more": file.row_errors.count() > len(errors)},
    )


@role_required(MARKETER, STAFF)
def file_invalid_rows_csv(request: HttpRequest, pk: int, file_pk: int) -> StreamingHttpResponse:
    """The invalid rows of a file as CSV: line, column, reason, then the row's cells as read."""
    file = get_object_or_404(SftpFile, pk=file_pk, flow_id=pk)
    response = StreamingHttpResponse(csv_lines(_invalid_rows(file)), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="sftp-file-{file.pk}-invalid-rows.csv"'
    return response


def _invalid_rows(file: SftpFile) -> Iterator[list[str]]:
    yield ["line", "column", "reason", "row values"]
    for error in SftpRowError.objects.filter(file=file).order_by("row", "id").iterator(chunk_size=2000):
        # The cells came from an outside file: neutralise formulas before a spreadsheet opens them.
        cells = [csv_safe(str(cell)) for cell in error.values]
        yield [str(error.row), csv_safe(error.column), csv_safe(error.reason), *cells]
