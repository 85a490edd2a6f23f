import re
from urllib.parse import parse_qsl

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


FILTER_NAMES = {"month": _("month"), "day": _("day"), "trade_date": _("day"), "branch": _("branch"),
                "advisor": _("advisor"), "tier": _("tier"), "card": _("card"), "kind": _("kind"), "q": _("search"),
                "o": _("sorted by"), "status": _("status"), "state": _("state"), "category": _("category")}


@admin.register(ExportLog)
class ExportLogAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """PIPL (issue 35): every export, who, which filter, how many rows, when; head office reads it."""

    list_display = ["at", "user", "what", "filters_display", "rows", "format_display"]
    list_select_related = ["user"]
    search_fields = ["what", "user__username"]
    date_hierarchy = "at"

    @admin.display(description=_("filter"))
    def filters_display(self, log):
        """The export's query as words (`月份 2026-12 · 营业部 3`), not its parameters."""
        parts = []
        for key, value in parse_qsl(log.filters):
            name = re.sub(r"(__id)?(__exact|__in|__gte|__lte)?$", "", key).split("__")[-1]
            parts.append(f"{FILTER_NAMES.get(name, _('filter'))} {value}")
        return " · ".join(parts) or "—"

    @admin.display(description=_("format"), ordering="format")
    def format_display(self, log):
        return {"csv": "CSV", "xlsx": "Excel"}.get(log.format, log.format.upper())

