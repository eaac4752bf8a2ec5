"""Import (upload → preview → confirm) and export (download) pages."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_POST

from cards import uploads
from cards.exporting import ExportFormat, export_collection
from cards.forms import ConfirmImportForm, ImportForm
from cards.formats import DeckFormatError


def import_page(request: HttpRequest) -> HttpResponse:
    """GET: the upload form. POST: keep the files and show what importing them would change."""
    form = ImportForm(request.POST or None, request.FILES or None)
    context: dict[str, object] = {"form": form}
    if request.method == "POST" and form.is_valid():
        files = [(upload.name, upload.read()) for upload in form.cleaned_data["files"]]
        try:
            context["preview"] = uploads.stage(request.user, files, deck_name=form.cleaned_data["deck"])
            context["confirm_form"] = ConfirmImportForm()
        except DeckFormatError as error:
            context["problems"] = error.problems
    return _render(request, context, partial="import-step")


@require_POST
def confirm_import(request: HttpRequest, pending_id: int) -> HttpResponse:
    form = ConfirmImportForm(request.POST)
    prune = form.is_valid() and form.cleaned_data["prune"]
    try:
        context = {"result": uploads.commit(request.user, pending_id, prune=prune)}
    except DeckFormatError as error:  # the account changed since the preview (e.g. reviews)
        context = {"problems": error.problems, "form": ImportForm()}
    return _render(request, context, partial="import-step")


def _render(request: HttpRequest, context: dict[str, object], *, partial: str) -> HttpResponse:
    template = f"cards/import.html#{partial}" if request.htmx else "cards/import.html"
    return render(request, template, context)


def export_page(request: HttpRequest) -> HttpResponse:
    """The export choices; ``?format=`` downloads the file."""
    wanted = request.GET.get("format")
    if wanted in ExportFormat:
        exported = export_collection(request.user, ExportFormat(wanted))
        response = HttpResponse(exported.content, content_type=exported.content_type)
        response["Content-Disposition"] = f'attachment; filename="{exported.name}"'
        return response
    return render(request, "cards/export.html", {"formats": ExportFormat})
