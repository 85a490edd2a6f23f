"""The owed work of the workflows, and the client page (客户页面) as service staff and advisors use it: the
client's record from clients/, with its tier history (T9), key monitoring (R3), risk levels (R4) and contacts
(S1). It composes four apps, so it lives here on the top floor; clients/admin.py keeps what is the record's alone."""

from django.contrib import admin, messages
from django.db import models
from django.db.models import Exists, OuterRef, Subquery
from django.db.models.expressions import RawSQL
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from backoffice import client_page
from backoffice.workflows import JOB_RUN_LABELS, OWED_WORK_LABELS
from clients.admin import ClientAdmin, ClientArchiveInline
from clients.models import Client
from core.admin import JobRunAdmin
from core.admin_tools import ReadOnlyAdminMixin
from core.dates import parse_iso_date
from core.exports import export_logged
from core.models import JobRun, OwedWork
from risk.admin import KeyMonitoringInline, RiskLevelInline
from risk.intraday import client_intraday
from risk.models import Alert, KeyMonitoring, RiskLevel, r1_degree_as_read
from risk.sql import r1_risk_degree
from service_log import services as service_log_services
from service_log.admin import ContactRecordInline
from service_log.models import ContactRecord
from service_log.selectors import next_follow_up_of
from settlement.models import DailyStatement
from tiering.models import Tier, TierAssignment
from tiering.selectors import in_current_tiers, with_current_tier


def _money(amount) -> str:
    return f"{amount:,.2f}" if amount is not None else "—"


class TierFilter(admin.SimpleListFilter):
    """T9: filter by current tier (latest final assignment, or an override in force, T11)."""

    title = _("current tier")
    parameter_name = "tier"

    def lookups(self, request, model_admin):
        return Tier.choices

    def queryset(self, request, queryset):
        if self.value() in Tier.values:
            return in_current_tiers(queryset, [self.value()])  # semi-joins, not a subquery per client
        return queryset


class KeyMonitoringFilter(admin.SimpleListFilter):
    """R3: clients on the key-monitoring list now."""

    title = _("key monitoring")
    parameter_name = "key_monitoring"

    def lookups(self, request, model_admin):
        return [("yes", _("on the list")), ("no", _("not on the list"))]

    def queryset(self, request, queryset):
        if self.value() in {"yes", "no"}:
            on_list = queryset.filter(key_monitoring__ended_on__isnull=True, key_monitoring__isnull=False)
            return queryset.filter(pk__in=on_list.values("pk")) if self.value() == "yes" else queryset.exclude(
                pk__in=on_list.values("pk"))
        return queryset


class RiskLevelFilter(admin.SimpleListFilter):
    """R4: the client's latest monthly risk level."""

    title = _("risk level")
    parameter_name = "risk_level"

    def lookups(self, request, model_admin):
        return RiskLevel.Level.choices

    def queryset(self, request, queryset):
        if self.value():
            latest = (RiskLevel.objects.filter(client=models.OuterRef("pk")).order_by("-month").values("level")[:1])
            return queryset.annotate(latest_risk_level=models.Subquery(latest)).filter(latest_risk_level=self.value())
        return queryset


class TierAssignmentInline(admin.TabularInline):
    """The client's tier history (T9) on the client page, newest first, as people read it: months, amounts and
    the criterion in words."""

    model = TierAssignment
    fields = ["month_display", "tier", "equity_display", "commission_display", "trading_days", "criterion", "state",
              "policy"]
    readonly_fields = fields
    ordering = ["-month"]
    extra = 0
    max_num = 0
    can_delete = False
    verbose_name_plural = _("tier history")
    template = "admin/edit_inline/tabular_readonly.html"

    @admin.display(description=_("month"))
    def month_display(self, assignment):
        return f"{assignment.month:%Y-%m}"

    @admin.display(description=_("average equity"))
    def equity_display(self, assignment):
        return _money(assignment.avg_equity)

    @admin.display(description=_("average monthly commission"))
    def commission_display(self, assignment):
        return _money(assignment.avg_commission)

    @admin.display(description=_("decided by"))
    def criterion(self, assignment):
        return assignment.decided_by_display  # T9's criterion in words, not `equity>=1000.00`


class ClientContactInline(ContactRecordInline):
    """The new contact on the client page, near its top (issue 36 item 3): one blank form for the call being made;
    past contacts are read, not edited, in the timeline. Only this client's alerts may be linked (and only those
    the user sees)."""

    first = True  # drawn above the record (templates/admin/clients/client/change_form.html)
    verbose_name = verbose_name_plural = _("Log this call")  # one form: the admin heads it with verbose_name
    max_num = 1

    def get_queryset(self, request):
        return super().get_queryset(request).none()

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name in ("summary", "outcome"):
            field.widget.attrs.update(rows=3 if db_field.name == "summary" else 2)
        return field

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        alert_field = formset.form.base_fields.get("alert")
        if alert_field is not None:
            alert_field.queryset = Alert.objects.visible_to(request.user).filter(client=obj) if obj else \
                Alert.objects.none()
        return formset


@admin.register(Client)
class ClientPageAdmin(ClientAdmin):
    list_filter = [*ClientAdmin.list_filter[:3], TierFilter, KeyMonitoringFilter, RiskLevelFilter,
                   *ClientAdmin.list_filter[3:]]
    inlines = [ClientArchiveInline, TierAssignmentInline, KeyMonitoringInline, RiskLevelInline, ClientContactInline]
    list_display = ["account_no", "name", "branch", "advisor", "tier_display", "equity_display", "degree_display",
                    "monitored_display", "last_contact_display", "follow_up_display", "phone_display",
                    "status_display"]

    def get_queryset(self, request):
        """The client list with what a call needs beside each client, each column sortable (issue 14 item 3):
        current tier (T9/T11), the latest statement's equity and risk degree (R1), key monitoring (R3), the last
        contact and the next follow-up (S1). Subqueries of the selected clients, so PostgreSQL evaluates them
        for the page's rows only, unless the page is sorted by one of them."""
        queryset = super().get_queryset(request)
        if getattr(request.resolver_match, "url_name", None) != "clients_client_changelist":
            return queryset
        latest = DailyStatement.objects.filter(client=OuterRef("pk")).order_by("-trade_date")
        return with_current_tier(queryset).annotate(
            latest_equity=Subquery(latest.values("balance")[:1]),
            latest_degree=Subquery(latest.annotate(
                degree=RawSQL(r1_risk_degree("margin", "balance"), [])).values("degree")[:1]),  # noqa: S611
            on_key_monitoring=Exists(KeyMonitoring.objects.filter(client=OuterRef("pk"), ended_on__isnull=True)),
            last_contacted_at=Subquery(ContactRecord.objects.filter(client=OuterRef("pk"))
                                       .order_by("-contacted_at").values("contacted_at")[:1]),
            next_follow_up=Subquery(next_follow_up_of(OuterRef("pk"))),
        )

    @admin.display(description=_("current tier"), ordering="current_tier")
    def tier_display(self, client):
        return Tier(client.current_tier).label if getattr(client, "current_tier", None) else "—"

    @admin.display(description=_("latest equity"), ordering="latest_equity")
    def equity_display(self, client):
        return _money(getattr(client, "latest_equity", None))

    @admin.display(description=_("risk degree"), ordering="latest_degree")
    def degree_display(self, client):
        return r1_degree_as_read(client.latest_degree) if getattr(client, "latest_equity", None) is not None \
            else "—"

    @admin.display(description=_("key monitoring"), boolean=True, ordering="on_key_monitoring")
    def monitored_display(self, client):
        return getattr(client, "on_key_monitoring", False)

    @admin.display(description=_("last contact"), ordering="last_contacted_at")
    def last_contact_display(self, client):
        last = getattr(client, "last_contacted_at", None)
        return timezone.localtime(last).strftime("%Y-%m-%d") if last else "—"

    @admin.display(description=_("next follow-up"), ordering="next_follow_up")
    def follow_up_display(self, client):
        follow_up = getattr(client, "next_follow_up", None)
        return follow_up.isoformat() if follow_up else "—"

    change_form_template = "admin/clients/client/change_form.html"

    class Media:
        js = [*ClientAdmin.Media.js, "vendor/echarts-5.6.0/echarts.min.js", "futcrm/client_money.js"]

    def get_urls(self):
        export = self.admin_site.admin_view(self.statements_export_view)
        return [path("<int:client_id>/statements.csv", export, name="clients_client_statements_export"),
                *super().get_urls()]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        """客户360 (issue 14 item 1): the header, the money (chart and statements), the timeline, above and below
        the record and its inlines; only for a client the user may see (get_object is scoped, O)."""
        client = self.get_object(request, object_id)
        if client is not None:
            extra_context = {**(extra_context or {}),
                             "facts": client_page.header(client, request.user),
                             "money_series": client_page.money_series(client),
                             "money_labels": client_page.money_labels(),
                             "statements": client_page.statements_page(client, request.GET.get("statements_page")),
                             "timeline": client_page.timeline_page(client, request.user,
                                                                   request.GET.get("timeline_page")),
                             "intraday": client_intraday(client)}
        return super().change_view(request, object_id, form_url, extra_context)

    def statements_export_view(self, request, client_id):
        """The client's daily statements as CSV, from/to optional (YYYY-MM-DD); scoped like the page (O)."""
        client = self.get_object(request, str(client_id))
        if client is None or not self.has_view_permission(request, client):
            raise Http404
        try:
            bounds = [parse_iso_date(request.GET[name]) if request.GET.get(name) else None for name in ("from", "to")]
        except ValueError:
            return HttpResponseBadRequest(_("Dates are written YYYY-MM-DD, e.g. 2026-11-20."))
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="statements-{client.account_no}.csv"'
        response["Cache-Control"] = "no-store"
        rows = client_page.statements_csv(client, response, *bounds)
        export_logged(request, f"statements-{client.account_no}", rows, "csv")
        return response

    def save_formset(self, request, form, formset, change):
        if formset.model is not ContactRecord:
            return super().save_formset(request, form, formset, change)
        formset.save(commit=False)
        refusals = []
        for contact, _changed in formset.changed_objects:
            contact.save()
            refusals.append(service_log_services.contact_record_answer_alert(user=request.user, contact=contact))
        for contact in formset.new_objects:  # S1 and R5 through the service, like every other entry point
            created = service_log_services.contact_record_create(
                user=request.user, client_id=form.instance.pk, staff_id=contact.staff_id, alert_id=contact.alert_id,
                **{name: getattr(contact, name) for name in service_log_services.CONTACT_FIELDS})
            refusals.append(created.alert_not_answered)
        for refusal in filter(None, refusals):
            messages.warning(request, refusal)
        return None


class OwedWorkStateFilter(admin.SimpleListFilter):
    title = _("state")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("pending", _("not done yet")), ("failed", _("failed, to be retried")), ("done", _("done"))]

    def queryset(self, request, queryset):
        if self.value() == "pending":
            return queryset.filter(done_at__isnull=True)
        if self.value() == "failed":
            return queryset.filter(done_at__isnull=True).exclude(last_error="")
        if self.value() == "done":
            return queryset.filter(done_at__isnull=False)
        return queryset


class JobFilter(admin.SimpleListFilter):
    """The job, by the name a person reads (`labels`, set by each admin below)."""

    title = _("job")
    parameter_name = "job"
    labels: dict = {}

    def lookups(self, request, model_admin):
        return list(self.labels.items())

    def queryset(self, request, queryset):
        return queryset.filter(job=self.value()) if self.value() else queryset


class OwedWorkJobFilter(JobFilter):
    labels = OWED_WORK_LABELS


class JobRunJobFilter(JobFilter):
    labels = JOB_RUN_LABELS


RESULT_NAMES = {"rows": _("rows"), "raised_now": _("alerts raised now"), "alerts_raised": _("alerts raised"),
                "assigned": _("clients graded"), "cards": _("cards"), "sent": _("sent"), "failed": _("failed")}


class LabelledJobMixin:
    """A job named as people read it (`job_labels`), and the day or month it is for: its key without the job's
    prefix (`risk:2026-12-01` → `2026-12-01`)."""

    job_labels: dict = {}

    @admin.display(description=_("job"), ordering="job")
    def job_display(self, record):
        return self.job_labels.get(record.job, record.job)

    @admin.display(description=_("for"), ordering="key")
    def subject(self, record):
        return record.key.split(":", 1)[-1]


@admin.register(JobRun)
class JobRunLabelledAdmin(LabelledJobMixin, JobRunAdmin):
    """Job records as core shows them, with the jobs named as people read them."""

    job_labels = JOB_RUN_LABELS
    list_display = ["started_at", "job_display", "subject", "status", "progress_bar", "step", "rows", "finished_at"]
    list_filter = [JobRunJobFilter, "status"]
    fields = readonly_fields = ["job_display", "subject", "status", "progress_bar", "step", "rows", "started_at",
                                "finished_at", "result_display", "error"]

    @admin.display(description=_("result"))
    def result_display(self, run):
        """The job's figures in words (`行数 82 · 新预警 3`), not its JSON."""
        if not isinstance(run.result, dict) or not run.result:
            return "—"
        return " · ".join(f"{RESULT_NAMES.get(key, _('figure'))} {value}" for key, value in run.result.items())


@admin.register(OwedWork)
class OwedWorkAdmin(LabelledJobMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    """What closes, pushes and broadcasts owe (docs/architecture.md): done, waiting, or failed and to be retried."""

    job_labels = OWED_WORK_LABELS
    list_display = ["owed_at", "job_display", "subject", "state", "attempts", "done_at"]
    list_filter = [OwedWorkStateFilter, OwedWorkJobFilter]
    search_fields = ["key"]
    fields = readonly_fields = ["job_display", "subject", "state", "follows", "owed_at", "not_before", "claimed_at",
                                "attempts", "last_run", "last_error", "done_at"]

    @admin.display(description=_("state"))
    def state(self, owed):
        if owed.done_at:
            return _("done")
        if owed.last_error:
            return _("failed, to be retried")
        return _("running") if owed.claimed_at else _("waiting")
