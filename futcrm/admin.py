from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from futcrm.models import JobRun


@admin.register(JobRun)
class JobRunAdmin(admin.ModelAdmin):
    """Long-running jobs with their progress; nothing here is edited."""

    list_display = ["started_at", "job", "key", "status", "progress_bar", "step", "rows", "finished_at"]
    list_filter = ["job", "status"]
    search_fields = ["key"]
    readonly_fields = [field.name for field in JobRun._meta.fields]

    @admin.display(description=_("progress"))
    def progress_bar(self, run):
        from django.utils.html import format_html

        return format_html('<progress max="100" value="{}"></progress> {}%', run.progress, run.progress)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
