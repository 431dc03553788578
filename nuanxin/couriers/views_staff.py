"""Staff pages of the courier registry, mounted at /staff/couriers/ (in the back office's look).

`/staff/couriers/import/`: upload a company's list → a preview table with every row's errors and
the rows that update existing couriers → confirm (commit, all or nothing) or discard. The pages
only parse input and render; `excel` validates, writes and audits (the same code as the API).
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST

from nuanxin.core.errors import DomainError, NotFound

from . import excel, registry

IMPORTED = _("Imported %(rows)s rows: %(new)s new couriers, %(updated)s updated.")
DISCARDED = _("The preview was discarded; nothing was imported.")


class UploadForm(forms.Form):
    file = forms.FileField(label=_("Excel file (.xlsx)"))


def _area_staff(request):
    if not registry.courier_registry_policy.can(request.user, registry.IMPORT, None):
        raise DjangoPermissionDenied
    return request.user


def _context(request, **extra):
    return {**admin.site.each_context(request), "title": _("Import couriers from Excel"), **extra}


@login_required
@require_http_methods(["GET", "POST"])
def import_page(request):
    actor = _area_staff(request)
    form = UploadForm(request.POST, request.FILES) if request.method == "POST" else UploadForm()
    preview = None
    file_error = None
    if request.method == "POST" and form.is_valid():
        try:
            preview = excel.import_preview(
                actor=actor, upload=form.cleaned_data["file"], ip_address=registry.client_ip(request)
            )
        except excel.ImportFileError as error:
            file_error = error.text()
    status = 422 if file_error or (preview is not None and preview.error_count) else 200
    return render(
        request,
        "couriers/staff/import.html",
        _context(request, form=form, preview=preview, file_error=file_error, headers=excel.HEADERS),
        status=status,
    )


@login_required
def import_preview_page(request, token):
    actor = _area_staff(request)
    try:
        batch = excel.import_batch_get(actor=actor, token=token)
    except NotFound:
        raise Http404 from None
    return render(
        request,
        "couriers/staff/import.html",
        _context(request, form=UploadForm(), preview=excel.preview_of_batch(batch), headers=excel.HEADERS),
    )


@login_required
@require_POST
def import_commit_page(request, token):
    actor = _area_staff(request)
    try:
        batch = excel.import_batch_get(actor=actor, token=token)
    except NotFound:
        raise Http404 from None
    try:
        batch = excel.import_commit(actor=actor, batch=batch, ip_address=registry.client_ip(request))
    except DomainError as error:
        messages.error(request, error.text())
        return redirect("staff_couriers:import_preview", token=token)
    messages.success(
        request, IMPORTED % {"rows": batch.row_count, "new": batch.new_count, "updated": batch.update_count}
    )
    return redirect("staff_couriers:import")


@login_required
@require_POST
def import_discard_page(request, token):
    actor = _area_staff(request)
    try:
        batch = excel.import_batch_get(actor=actor, token=token)
        excel.import_discard(actor=actor, batch=batch)
    except NotFound:
        raise Http404 from None
    except DomainError as error:
        messages.error(request, error.text())
        return redirect("staff_couriers:import")
    messages.info(request, DISCARDED)
    return redirect("staff_couriers:import")
