"""The one import page of the admin (STYLE.md 18): a CSV or Excel list uploaded, every row previewed with its
problems named, then written all or nothing. Used by the prospect and referrer lists (S28, S34) and the
key-monitoring list (R3); each app's service does the checking (`run`), this page only shows it.

A list larger than a page's worth (PAGE_ROWS rows) is not checked in the web request: the file is kept
(ImportUpload), its check (or import) owed and queued as a job with progress (core.jobs), and the page shows the
job's progress, then the same preview (issue 35: a large list held a web worker for minutes)."""

import json

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from core.errors import DomainError
from core.jobs import job_run
from core.models import ImportUpload, JobRun, OwedWork
from core.owed import owe_and_queue
from core.tabular import MAX_BYTES, count_rows

PAGE_ROWS = 1_000
IMPORT_RUN = "import_run"  # the owed work's job name (backoffice.workflows runs it with import_upload_run)
KEPT_ROWS = 500  # rows of a job's result kept to show: those with problems first


class ImportForm(forms.Form):
    file = forms.FileField(label=_("list (CSV or Excel)"))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:  # refused before a byte of it is read (core.tabular reads what is accepted)
            raise forms.ValidationError(_("At most %(megabytes)s MB per file.") % {
                "megabytes": MAX_BYTES // (1024 * 1024)})
        return upload


def import_view(model_admin, request, run, *, title, headings, cells, help, done):
    """`run(user=, data=, filename=, commit=, progress=)` checks every row and returns them as dicts with their
    "row" number and "problems" (writing only when `commit` and no row has one); `cells(row)` gives the preview's
    columns under `headings`; `done` says, with %(count)s, what was imported. A file it cannot read at all is a
    DomainError. `?upload=<id>` shows a large list's job."""
    if not model_admin.has_add_permission(request):
        raise PermissionDenied
    context = {"title": title, "headings": headings, "help": help}
    if request.GET.get("upload", "").isdigit():
        return _job_page(model_admin, request, int(request.GET["upload"]), cells, done, context)
    form = ImportForm(request.POST or None, request.FILES or None)
    rows, bad = [], 0
    if request.method == "POST" and form.is_valid():
        upload, commit = form.cleaned_data["file"], "commit" in request.POST
        data = upload.read()
        try:
            if count_rows(data, upload.name) > PAGE_ROWS:
                with transaction.atomic():  # the file and the work it owes are written together, then queued
                    kept = ImportUpload.objects.create(user=request.user, run=f"{run.__module__}.{run.__name__}",
                                                       filename=upload.name[:200], data=data, commit=commit)
                    owe_and_queue(IMPORT_RUN, str(kept.pk), what=f"the import of {kept.filename}")
                return redirect(f"{request.path}?upload={kept.pk}")
            rows = run(user=request.user, data=data, filename=upload.name, commit=commit)
        except DomainError as error:
            form.add_error("file", error.message)
        bad = sum(1 for row in rows if row["problems"])
        if rows and commit and not bad:
            messages.success(request, done % {"count": len(rows)})
            return redirect(f"admin:{model_admin.opts.app_label}_{model_admin.opts.model_name}_changelist")
    for row in rows:
        row["cells"] = cells(row)
    return TemplateResponse(request, "admin/import.html", {
        **model_admin.admin_site.each_context(request), **context, "opts": model_admin.opts, "form": form,
        "rows": rows, "bad": bad})


def _job_page(model_admin, request, upload_id: int, cells, done, context):
    """A large list's job: its progress while it runs (the page reloads itself), then its rows."""
    upload = ImportUpload.objects.filter(pk=upload_id, user=request.user).defer("data").first()
    if upload is None:
        raise Http404  # another person's upload is not named
    job = JobRun.objects.filter(key=f"import:{upload.pk}").order_by("-started_at").first()
    failed = upload.result is None and OwedWork.objects.filter(job=IMPORT_RUN, key=str(upload.pk),
                                                                done_at__isnull=True, attempts__gt=0).exists()
    rows = [] if upload.result is None else upload.result["rows"]
    for row in rows:
        row["cells"] = cells(row)
    if upload.result is not None and upload.commit and not upload.result["bad"]:
        messages.success(request, done % {"count": upload.result["count"]})
    return TemplateResponse(request, "admin/import.html", {
        **model_admin.admin_site.each_context(request), **context, "opts": model_admin.opts,
        "form": ImportForm(), "upload": upload, "job": job, "failed": failed, "rows": rows,
        "error": None if upload.result is None else upload.result.get("error"),
        "bad": 0 if upload.result is None else upload.result["bad"],
        "count": 0 if upload.result is None else upload.result["count"]})


def _storable(row: dict) -> dict:
    """What of a checked row the page shows later: its number, problems and plain values (never a model object)."""
    return {key: value for key, value in row.items() if isinstance(value, str | int | list | dict) and _json(value)}


def _json(value) -> bool:
    try:
        json.dumps(value)
    except TypeError:
        return False
    return True


def import_upload_run(owed: OwedWork) -> JobRun:
    """The worker's side (settings.OWED_WORK_RUNNERS, backoffice.workflows): check (or import) the kept file as
    its uploader, with progress, and keep the rows to show."""
    upload = ImportUpload.objects.select_related("user").get(pk=int(owed.key))

    def work(progress):
        progress("reading", 1)
        try:
            rows = import_string(upload.run)(user=upload.user, data=bytes(upload.data), filename=upload.filename,
                                             commit=upload.commit, progress=progress)
        except DomainError as error:  # a file it cannot read: said on the page, not retried
            ImportUpload.objects.filter(pk=upload.pk).update(result={"rows": [], "bad": 0, "count": 0,
                                                                     "error": error.message})
            return {"rows": 0}
        bad = [row for row in rows if row["problems"]]
        kept = [_storable(row) for row in (bad + [row for row in rows if not row["problems"]])[:KEPT_ROWS]]
        ImportUpload.objects.filter(pk=upload.pk).update(result={"rows": kept, "bad": len(bad),
                                                                 "count": len(rows)})
        return {"rows": len(rows)}

    return job_run("import", f"import:{upload.pk}", work, atomic=False)
