from django.contrib import admin
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from core.admin_tools import ReadOnlyAdminMixin
from core.models import ExportLog, JobRun


class JobRunAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Long-running jobs with their progress; nothing here is edited. Registered with the jobs named as people read
    them, by the app that knows them (backoffice.admin.JobRunLabelledAdmin)."""
    list_display = ["started_at", "job", "key", "status", "progress_bar", "step", "rows", "finished_at"]
    list_filter = ["job", "status"]
    search_fields = ["key"]
    readonly_fields = [field.name for field in JobRun._meta.fields]

    @admin.display(description=_("progress"))
    def progress_bar(self, run):

        return format_html('<progress max="100" value="{}"></progress> {}%', run.progress, run.progress)


@admin.register(ExportLog)
class ExportLogAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """PIPL (issue 35): every export, who, which filter, how many rows, when; head office reads it."""

    list_display = ["at", "user", "what", "filters", "rows", "format"]
    list_select_related = ["user"]
    list_filter = ["format"]
    search_fields = ["what", "user__username"]
    date_hierarchy = "at"

