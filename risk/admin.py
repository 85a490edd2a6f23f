from contextvars import ContextVar

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseNotAllowed
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from core.admin_tools import (
    ReadOnlyAdminMixin,
    ScopedAdminMixin,
    ScopedRelatedFilter,
    ServiceAdminMixin,
    ServiceForm,
    apply_to_each,
)
from core.approvals import ApprovalAdminMixin
from core.dates import deadline_text
from core.errors import DomainError
from core.imports import import_view
from risk import services, sql
from risk.models import (
    CLIENT_THRESHOLD_FIELDS,
    Alert,
    AlertEvent,
    ClientRiskThresholds,
    KeyMonitoring,
    MarketEvent,
    RiskLevel,
    RiskThresholdSet,
    r1_degree_as_read,
)
from risk.views import intraday_panel
from settlement.models import DailyStatement

_may_reveal_phone: ContextVar = ContextVar("alert_admin_may_reveal_phone", default=False)


class AlertEventInline(admin.TabularInline):
    """The alert's history (R5): who acknowledged, contacted, resolved, escalated or withdrew it, and when. Shown
    to everyone who may see the alert."""

    model = AlertEvent
    extra = 0
    can_delete = False
    fields = readonly_fields = ["action", "actor", "at", "note_display"]
    verbose_name_plural = _("history")

    @admin.display(description=_("note"))
    def note_display(self, event):
        return event.note_text
    template = "admin/edit_inline/tabular_readonly.html"

    def has_add_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("risk.view_alert")

    def has_change_permission(self, request, obj=None):
        return False


class AlertAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """Risk alerts (R2), scoped like clients, with the R5 workflow as actions; overdue ones (R6) stand out. The page
    is composed with S1's contact step and registered once, where it is composed (service_log.admin.AlertDeskAdmin)."""
    change_list_template = "admin/risk/alert/change_list.html"  # the session's alerts live above the list (I8)
    list_display = ["trade_date", "client_link", "kind", "severity", "status", "degree_display", "assigned_to",
                    "due_display", "escalated"]
    inlines = [AlertEventInline]
    actions = ["acknowledge", "resolve", "escalate"]
    list_select_related = ["client", "assigned_to"]
    list_filter = ["kind", "severity", "status", "escalated", "trade_date", ("client__branch", ScopedRelatedFilter)]
    search_fields = ["client__account_no", "client__name"]
    readonly_fields = [*(field.name for field in Alert._meta.fields), "situation", "raised_display",
                       "due_at_display"]
    fieldsets = [
        (None, {"fields": ["situation"]}),  # the steps (R5) follow it: templates/admin/risk/alert/change_form.html
        (_("the alert"), {"fields": [("kind", "severity", "status"), ("trade_date", "raised_display",
                                                                      "due_at_display"),
                                     ("assigned_to", "escalated"), "resolution_note",
                                     ("thresholds", "client_thresholds")]}),
    ]
    change_form_template = "admin/risk/alert/change_form.html"
    step_done = {services.Step.ACKNOWLEDGE: _("Acknowledged: now call the client and log the contact."),
                 services.Step.RESOLVE: _("Resolved."),
                 services.Step.ESCALATE: _("Escalated to the branch risk officer.")}
    step_refused = {"note_required": _("Write what was done before resolving the alert."),
                    "forbidden_transition": _("The alert was moved on meanwhile: the page shows where it is now.")}

    class Media:
        js = ["futcrm/pii_reveal.js"]

    def changelist_view(self, request, extra_context=None):
        return super().changelist_view(request, {**(extra_context or {}), "intraday": intraday_panel(request)})

    @admin.display(description=_("client"), ordering="client__account_no")
    def client_link(self, alert):
        return format_html('<a href="{}">{}</a>', reverse("admin:clients_client_change", args=[alert.client_id]),
                           alert.client)

    @admin.display(description=_("risk degree"), ordering="risk_degree")
    def degree_display(self, alert):
        return r1_degree_as_read(alert.risk_degree)

    @admin.display(description=_("the client's position that day"))
    def situation(self, alert):
        """What a call about this alert needs (issue 14 item 4): the client and their phone (masked, revealed on
        demand and logged, S9), the day's equity, margin and risk degree, the margin-call line in force (R8) and
        how much is missing to get back under it."""
        if not alert.pk:
            return "-"
        client = alert.client
        day = DailyStatement.objects.filter(client=client, trade_date=alert.trade_date).first()
        ratio = (alert.client_thresholds.margin_call_ratio if alert.client_thresholds
                 and alert.client_thresholds.margin_call_ratio is not None else alert.thresholds.margin_call_ratio)
        phone = client.phone_masked or "-"
        reveal = ""
        if client.phone_masked and _may_reveal_phone.get():
            url = reverse("admin:clients_client_reveal", args=[client.pk, "phone"])
            reveal = format_html(' <button type="button" class="button pii-reveal" data-reveal-url="{}">{}</button>',
                                 url, _("Reveal"))
        rows = [(_("client"), format_html('<a href="{}">{}</a>', reverse("admin:clients_client_change",
                                                                        args=[client.pk]), client)),
                (_("phone"), format_html("<span>{}</span>{}", phone, reveal))]
        if day is not None:
            rows += [(_("equity"), f"{day.balance:,.2f}"), (_("margin"), f"{day.margin:,.2f}"),
                     (_("available funds"), f"{day.available:,.2f}"),
                     (_("risk degree"), self.degree_display(alert)),
                     (_("margin call from"), f"{ratio:.2%}"),
                     (_("missing to get under the margin-call line"),
                      f"{sql.r1_shortfall(day.margin, day.balance, ratio):,.2f}")]
        return format_html('<table class="alert-situation">{}</table>', format_html_join(
            "", "<tr><th>{}</th><td>{}</td></tr>", ((label, value) for label, value in rows)))

    def change_view(self, request, object_id, form_url="", extra_context=None):
        # Whether the viewer may reveal the phone, for `situation` while this request renders; a ContextVar, not an
        # attribute of the shared ModelAdmin, so concurrent requests never see each other's permission.
        token = _may_reveal_phone.set(request.user.has_perm("clients.reveal_phone"))
        alert = self.get_object(request, object_id)
        extra_context = {"show_save": False, "show_save_and_continue": False, "show_save_and_add_another": False,
                         "show_delete": False, **(self.step_context(request, alert) if alert is not None else {}),
                         **(extra_context or {})}
        try:
            response = super().change_view(request, object_id, form_url, extra_context)
            if hasattr(response, "render") and not response.is_rendered:
                response.render()
            return response
        finally:
            _may_reveal_phone.reset(token)

    def has_add_permission(self, request):
        return False  # raised by the evaluation only

    @admin.display(description=_("raised at"), ordering="raised_at")
    def raised_display(self, alert):
        return timezone.localtime(alert.raised_at).strftime("%Y-%m-%d %H:%M") if alert.raised_at else "-"

    @admin.display(description=_("contact due by"), ordering="due_at")
    def due_at_display(self, alert):
        return self.due_display(alert) if alert.due_at else "-"

    # R5 on the page: one button per allowed step (issue 14 item 4) ------------------------------------------------

    def get_urls(self):
        return [path("<path:object_id>/step/", self.admin_site.admin_view(self.step_view), name="risk_alert_step"),
                *super().get_urls()]

    def step_context(self, request, alert) -> dict:
        """What the steps panel shows; service_log's alert desk adds the contact form."""
        return {"alert_steps": services.alert_steps_open_to(request.user, alert),
                "alert_step_url": reverse("admin:risk_alert_step", args=[alert.pk])}

    def take_step(self, request, alert, step: str):
        """One R5 step through risk.services (which checks scope, role and state again). Returns the message to
        show, or an HttpResponse to send instead (a form to correct)."""
        if step == services.Step.ACKNOWLEDGE:
            services.alert_acknowledge(user=request.user, alert_id=alert.pk)
        elif step == services.Step.RESOLVE:
            services.alert_resolve(user=request.user, alert_id=alert.pk, note=request.POST.get("note", ""))
        elif step == services.Step.ESCALATE:
            services.alert_escalate(user=request.user, alert_id=alert.pk, note=request.POST.get("note", "").strip())
        else:
            raise Http404
        return self.step_done[step]

    def step_view(self, request, object_id):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        alert = self.get_object(request, object_id)  # scoped (O): another branch's alert is not found
        if alert is None or not self.has_view_permission(request, alert):
            raise Http404
        step = request.POST.get("step", "")
        if step not in services.alert_steps_open_to(request.user, alert):
            messages.error(request, self.step_refused["forbidden_transition"])
        else:
            try:
                outcome = self.take_step(request, alert, step)
            except PermissionDenied:
                messages.error(request, _("Your role does not work risk alerts."))
            except DomainError as error:
                messages.error(request, self.step_refused.get(error.code, error.message))
            else:
                if isinstance(outcome, HttpResponseBase):
                    return outcome
                messages.success(request, outcome)
        return redirect(reverse("admin:risk_alert_change", args=[alert.pk]))

    @admin.display(description=_("contact due by"), ordering="due_at")
    def due_display(self, alert):
        if alert.is_overdue:
            return format_html('<strong class="overdue">{} ⚠</strong>', deadline_text(alert.due_at))
        return deadline_text(alert.due_at)  # Asia/Shanghai, the end of the day it falls on (issue 36)

    def _each(self, request, queryset, service, done):
        apply_to_each(self, request, queryset, lambda alert: service(user=request.user, alert_id=alert.pk), done)

    @admin.action(description=_("Acknowledge selected alerts"))
    def acknowledge(self, request, queryset):
        self._each(request, queryset, services.alert_acknowledge, _("acknowledged"))

    @admin.action(description=_("Resolve selected alerts (with a note)"))
    def resolve(self, request, queryset):
        """R5: an intermediate page asks for the note; each alert must have been contacted first."""
        note = request.POST.get("resolution_note", "").strip()
        if "apply" in request.POST:
            self._each(request, queryset, lambda user, alert_id: services.alert_resolve(
                user=user, alert_id=alert_id, note=note), _("resolved"))
            return None
        return render(request, "admin/risk/resolve_alerts.html", {
            **self.admin_site.each_context(request), "title": _("Resolve alerts"), "alerts": queryset,
            "opts": self.model._meta, "selected_ids": request.POST.getlist(admin.helpers.ACTION_CHECKBOX_NAME),
        })  # fmt: skip

    @admin.action(description=_("Escalate selected alerts to the branch risk officer"))
    def escalate(self, request, queryset):
        self._each(request, queryset, services.alert_escalate, _("escalated"))


class ThresholdDraftForm(ServiceForm):
    """R8 firm-wide: a draft saved by the service, its refusal on the field."""

    def write(self, data):
        return services.risk_thresholds_draft_save(user=self.user, thresholds=self.instance)


class ClientThresholdsRequestForm(ServiceForm):
    """R8 per client: each save proposes a new version for the second person to approve."""

    def write(self, data):
        return services.client_risk_thresholds_propose(
            user=self.user, client_id=self.instance.client_id, reason=self.instance.reason,
            **{name: getattr(self.instance, name) for name in CLIENT_THRESHOLD_FIELDS})


@admin.register(RiskThresholdSet)
class RiskThresholdSetAdmin(ApprovalAdminMixin, ServiceAdminMixin, admin.ModelAdmin):
    """R8 like T10: new versions are drafts by their author; another head-office manager approves them."""
    list_display = ["version", "warning_ratio", "margin_call_ratio", "large_fund_movement", "large_loss", "author",
                    "approved_by", "approved_at"]
    readonly_fields = ["author", "approved_by", "approved_at"]
    form = ThresholdDraftForm
    approve_service = staticmethod(services.risk_thresholds_approve)
    approve_argument = "thresholds"


@admin.register(ClientRiskThresholds)
class ClientRiskThresholdsAdmin(ApprovalAdminMixin, ServiceAdminMixin, ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["client", "version", "warning_ratio", "margin_call_ratio", "large_fund_movement", "large_loss",
                    "author", "approved_by", "approved_at"]
    list_select_related = ["client", "author", "approved_by"]
    search_fields = ["client__account_no", "client__name"]
    autocomplete_fields = ["client"]
    readonly_fields = ["version", "author", "approved_by", "approved_at"]
    form = ClientThresholdsRequestForm
    approve_service = staticmethod(services.client_risk_thresholds_approve)
    approve_argument = "thresholds"


@admin.register(MarketEvent)
class MarketEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """I7: the products that moved enough for every member of staff to see; the call-now lists are on the desk."""

    list_display = ["trade_date", "product", "instrument", "direction", "move_display", "way_display", "raised_at"]
    list_filter = ["trade_date", "direction"]
    search_fields = ["product", "instrument"]
    fields = ["trade_date", "product", "instrument", "direction", "move_display", "way_display", "raised_at",
              "updated_at"]
    readonly_fields = fields

    @admin.display(description=_("move"))
    def move_display(self, event):
        return event.move_text

    @admin.display(description=_("share of the way to the limit"))
    def way_display(self, event):
        return event.way_text


@admin.register(KeyMonitoring)
class KeyMonitoringAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """R3: the key-monitoring list; add by hand here, remove by hand with the button on an open entry's page (a
    reason is asked)."""
    list_display = ["client", "reason", "started_on", "last_trigger_on", "ended_on", "end_reason"]
    list_select_related = ["client"]
    list_filter = ["reason", ("ended_on", admin.EmptyFieldListFilter), "end_reason"]
    search_fields = ["client__account_no", "client__name"]
    autocomplete_fields = ["client"]
    fields = ["client", "reason", "started_on", "last_trigger_on", "note", "ended_on", "end_reason", "ended_by"]
    readonly_fields = ["ended_on", "end_reason", "ended_by"]

    def get_changeform_initial_data(self, request):

        today = timezone.localdate()
        return {"reason": KeyMonitoring.Reason.MANUAL, "started_on": today, "last_trigger_on": today}

    # R3's manual exit (issue 16 item 5): a button on an open entry's page, with the reason it asks for.

    def get_urls(self):
        return [path("<path:object_id>/end/", self.admin_site.admin_view(self.end_view),
                     name="risk_keymonitoring_end"),
                path("import/", self.admin_site.admin_view(self.import_view), name="risk_keymonitoring_import"),
                *super().get_urls()]

    def import_view(self, request):
        """R3 (issue 16 item 5): the settlement department's list from before go-live, previewed, all or nothing."""
        return import_view(
            self, request, services.key_monitoring_rows, title=_("Import the key-monitoring list"),
            headings=[_("account number"), _("reason"), _("started"), _("last trigger")],
            cells=lambda row: [row["values"]["account_no"], row["values"]["reason"], row["values"]["started_on"],
                               row["values"]["last_trigger_on"]],
            help=_("One row per client: 资金账号 (account_no), 原因 (reason: "
                   "大额出入金, 大额亏损, 连续两个月未交易且有权益, "
                   "or your own words, kept as the note of an entry added by hand), 列入日期 (started_on), "
                   "and optionally 最近触发日期 (last_trigger_on) and 备注 (note); dates as YYYY-MM-DD. The clients "
                   "leave the list after 20 trading days without a trigger, counted from the last trigger, or from "
                   "today when the list names none. Nothing is added unless every row is right."),
            done=_("%(count)s clients added to the key-monitoring list."))

    def change_view(self, request, object_id, form_url="", extra_context=None):
        entry = self.get_object(request, object_id)  # scoped (O)
        can_end = (entry is not None and entry.ended_on is None
                   and request.user.has_perm("risk.change_keymonitoring"))
        extra_context = {**(extra_context or {}), "can_end": can_end,
                         "end_url": reverse("admin:risk_keymonitoring_end", args=[object_id]) if can_end else ""}
        return super().change_view(request, object_id, form_url, extra_context)

    def end_view(self, request, object_id):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        entry = self.get_object(request, object_id)  # scoped (O): another branch's entry is not found
        if entry is None:
            raise Http404
        try:
            services.key_monitoring_end(user=request.user, entry_id=entry.pk, note=request.POST.get("end_note", ""))
        except PermissionDenied:
            messages.error(request, _("Only an open entry can be removed, by a role that keeps the list."))
        except DomainError:
            messages.error(request, _("Removing a client from key monitoring needs a reason."))
        else:
            messages.success(request, _("Removed from key monitoring."))
        return redirect(reverse("admin:risk_keymonitoring_change", args=[entry.pk]))


@admin.register(RiskLevel)
class RiskLevelAdmin(ScopedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["month", "client", "level", "margin_calls", "forced_liquidations", "average_risk_degree",
                    "firm_average_risk_degree"]
    list_select_related = ["client"]
    list_filter = ["level", "month"]
    search_fields = ["client__account_no", "client__name"]


class KeyMonitoringInline(admin.TabularInline):
    model = KeyMonitoring
    fields = ["reason", "started_on", "last_trigger_on", "ended_on", "end_reason", "note"]
    readonly_fields = fields
    extra = 0
    max_num = 0
    can_delete = False
    verbose_name_plural = _("key monitoring (R3)")
    template = "admin/edit_inline/tabular_readonly.html"


class RiskLevelInline(admin.TabularInline):
    """R4 by month, the degrees as percentages (R1 as people read it)."""

    model = RiskLevel
    fields = ["month_display", "level", "margin_calls", "forced_liquidations", "average_degree_display",
              "firm_average_degree_display"]
    readonly_fields = fields
    ordering = ["-month"]
    extra = 0
    max_num = 0
    can_delete = False
    verbose_name_plural = _("risk levels (R4)")
    template = "admin/edit_inline/tabular_readonly.html"

    @admin.display(description=_("month"))
    def month_display(self, level):
        return f"{level.month:%Y-%m}"

    @admin.display(description=_("average risk degree"))
    def average_degree_display(self, level):
        return r1_degree_as_read(level.average_risk_degree)

    @admin.display(description=_("firm-wide average"))
    def firm_average_degree_display(self, level):
        return r1_degree_as_read(level.firm_average_risk_degree)
