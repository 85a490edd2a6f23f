"""The one import page of the admin (STYLE.md 18): a CSV or Excel list uploaded, every row previewed with its
problems named, then written all or nothing. Used by the prospect and referrer lists (S28, S34) and the
key-monitoring list (R3); each app's service does the checking (`run`), this page only shows it."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

from core.errors import DomainError
from core.tabular import MAX_BYTES


class ImportForm(forms.Form):
    file = forms.FileField(label=_("list (CSV or Excel)"))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:  # refused before a byte of it is read (core.tabular reads what is accepted)
            raise forms.ValidationError(_("At most %(megabytes)s MB per file.") % {
                "megabytes": MAX_BYTES // (1024 * 1024)})
        return upload


def import_view(model_admin, request, run, *, title, headings, cells, help, done):
    """`run(user=, data=, filename=, commit=)` checks every row and returns them as dicts with their "row" number
    and "problems" (writing only when `commit` and no row has one); `cells(row)` gives the preview's columns under
    `headings`; `done` says, with %(count)s, what was imported. A file it cannot read at all is a DomainError."""
    if not model_admin.has_add_permission(request):
        raise PermissionDenied
    form = ImportForm(request.POST or None, request.FILES or None)
    rows, bad = [], 0
    if request.method == "POST" and form.is_valid():
        upload, commit = form.cleaned_data["file"], "commit" in request.POST
        try:
            rows = run(user=request.user, data=upload.read(), filename=upload.name, commit=commit)
        except DomainError as error:
            form.add_error("file", error.message)
        bad = sum(1 for row in rows if row["problems"])
        if rows and commit and not bad:
            messages.success(request, done % {"count": len(rows)})
            return redirect(f"admin:{model_admin.opts.app_label}_{model_admin.opts.model_name}_changelist")
    for row in rows:
        row["cells"] = cells(row)
    return TemplateResponse(request, "admin/import.html", {
        **model_admin.admin_site.each_context(request), "opts": model_admin.opts, "form": form, "rows": rows,
        "bad": bad, "title": title, "headings": headings, "help": help})
