"""Records of long-running jobs (nightly tier recalculation, risk evaluation …), shown with progress in the admin."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class JobRun(models.Model):
    """One run of a job for one key (e.g. `tiers:2026-10`). At most one run per key is `running` (a partial unique
    index); the work itself is one transaction, so a run killed midway leaves the previous results intact and its
    record is marked `abandoned` by the next run of the same key."""

    class Status(models.TextChoices):
        RUNNING = "running", _("running")
        SUCCEEDED = "succeeded", _("succeeded")
        FAILED = "failed", _("failed")
        SKIPPED = "skipped", _("skipped (already running)")
        ABANDONED = "abandoned", _("abandoned (worker stopped)")

    job = models.CharField(_("job"), max_length=64)
    key = models.CharField(_("key"), max_length=100, db_index=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.RUNNING)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    step = models.CharField(_("step"), max_length=100, blank=True)
    rows = models.PositiveIntegerField(_("rows"), null=True, blank=True)
    result = models.JSONField(_("result"), default=dict, blank=True)
    error = models.TextField(_("error"), blank=True)
    started_at = models.DateTimeField(_("started at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("job run")
        verbose_name_plural = _("job runs")
        ordering = ["-started_at"]
        constraints = [
            models.UniqueConstraint(fields=["key"], condition=Q(status="running"), name="jobrun_one_running_per_key"),
            models.CheckConstraint(name="jobrun_progress_percent", condition=Q(progress__lte=100)),
        ]

    def __str__(self) -> str:  # the job's name is the admin's to say (backoffice.admin), not a code
        return f"{self.get_status_display()} · {timezone.localtime(self.started_at):%Y-%m-%d %H:%M}"


class OwedWork(models.Model):
    """Work that must not be lost (STYLE.md 7), written in the same transaction as its cause (a closed settlement
    day, clients that arrived) and claimed by a conditional UPDATE. The queue only makes it start sooner: when
    Redis is down at the commit, the periodic sweep still finds the row. A step that `follows` another waits until
    that one is done; a claim older than the lease belongs to a dead worker and may be taken again."""

    job = models.CharField(_("job"), max_length=64)
    key = models.CharField(_("key"), max_length=100)
    arguments = models.JSONField(_("arguments"), default=dict, blank=True)
    follows = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="followers",
                                verbose_name=_("runs after"))
    owed_at = models.DateTimeField(_("owed since"), default=timezone.now)
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    not_before = models.DateTimeField(_("next attempt not before"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    last_run = models.ForeignKey(JobRun, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                                 verbose_name=_("last job run"))

    class Meta:
        verbose_name = _("owed work")
        verbose_name_plural = _("owed work")
        ordering = ["-owed_at", "-id"]
        constraints = [
            # A day closed again before its work ran owes that work once.
            models.UniqueConstraint(fields=["job", "key"], condition=Q(done_at__isnull=True),
                                    name="owedwork_one_pending_per_job_and_key"),
        ]
        indexes = [models.Index(fields=["id"], condition=Q(done_at__isnull=True), name="owedwork_pending")]

    def __str__(self) -> str:
        return f"{timezone.localtime(self.owed_at):%Y-%m-%d %H:%M}"


class ExportLog(models.Model):
    """PIPL (issue 35): who exported what, with which filter, how many rows, when. Written by core.exports for every
    export the CRM answers; head office reads it, nobody edits it."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("user"))
    at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)
    what = models.CharField(_("export"), max_length=100)
    filters = models.CharField(_("filter"), max_length=500, blank=True)
    rows = models.PositiveIntegerField(_("rows"))
    format = models.CharField(_("format"), max_length=8)

    class Meta:
        verbose_name = _("export")
        verbose_name_plural = _("export log")
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.what} · {timezone.localtime(self.at):%Y-%m-%d %H:%M}"


class ImportUpload(models.Model):
    """Issue 35: a list larger than a page's worth (core.imports.PAGE_ROWS rows) is checked, and imported, by the
    worker as a job with progress instead of in the web request; the file waits here, owed work queued with it, and
    the import page shows the job's progress, then the rows with their problems."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("user"))
    run = models.CharField(_("import"), max_length=200)  # the dotted path of the app's check-and-write function
    filename = models.CharField(_("file"), max_length=200)
    data = models.BinaryField(_("content"))
    commit = models.BooleanField(_("import (not only preview)"))
    created_at = models.DateTimeField(_("uploaded at"), default=timezone.now)
    result = models.JSONField(_("result"), null=True, blank=True)

    class Meta:
        verbose_name = _("uploaded list")
        verbose_name_plural = _("uploaded lists")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.filename} · {timezone.localtime(self.created_at):%Y-%m-%d %H:%M}"

