"""Return visits in the admin (A5): the scoped list of visits (each opens the page where it is made) and the
scripts' versions, written by head office and approved by compliance."""

from django import forms
from django.contrib import admin
from django.shortcuts import redirect
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from core.admin_tools import ReadOnlyAdminMixin, ScopedAdminMixin, ServiceAdminMixin, ServiceForm
from core.approvals import ApprovalAdminMixin
from visits import services
from visits.models import ReturnVisit, VisitScript


@admin.register(ReturnVisit)
class ReturnVisitAdmin(ScopedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    """The visits the user may see (O), the nearest deadline first; a row opens the visit's own page."""

    list_display = ["client", "trigger", "triggered_on", "due_on", "status", "attempts", "finished_at"]
    list_select_related = ["client"]
    list_filter = ["status", "trigger", "due_on"]
    search_fields = ["client__account_no", "client__name"]
    ordering = ["status", "due_on", "pk"]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        return redirect("return-visit", visit_id=object_id)  # the page built for the call (visits/views.py)


class ScriptForm(ServiceForm):
    """A new version of a trigger's script: one item per line, its code, a vertical bar and the question."""

    items_text = forms.CharField(label=_("items"), widget=forms.Textarea(attrs={"rows": 8, "cols": 80}),
                                 help_text=_("one item per line: a short code of letters, “|”, then the statement "
                                             "the client is asked to confirm"))

    class Meta:
        model = VisitScript
        fields = ["trigger"]

    def write(self, data):
        items = []
        for line in data["items_text"].splitlines():
            if line.strip():
                code, _bar, text = line.partition("|")
                items.append({"code": code.strip(), "text": text.strip()})
        return services.script_write(user=self.user, trigger=data["trigger"], items=items)


@admin.register(VisitScript)
class VisitScriptAdmin(ApprovalAdminMixin, ServiceAdminMixin, admin.ModelAdmin):
    list_display = ["trigger", "version", "author", "approved_by", "approved_at"]
    list_filter = ["trigger"]
    form = ScriptForm
    editable = False  # a change is a new version
    approve_service = staticmethod(services.script_approve)
    approve_argument = "script"

    def get_fields(self, request, obj=None):
        return ["trigger", "items_text"] if obj is None else ["trigger", "version", "items_display", "author",
                                                               "approved_by", "approved_at"]

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else ["trigger", "version", "items_display", "author", "approved_by", "approved_at"]

    @admin.display(description=_("items"))
    def items_display(self, script):
        return format_html("<ol>{}</ol>", format_html_join("", "<li>{}</li>", ((item["text"],)
                                                                               for item in script.items)))
