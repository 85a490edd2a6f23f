from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from core.admin_tools import ScopedAdminMixin, ScopedRelatedFilter, ServiceAdminMixin, ServiceForm
from core.approvals import ApprovalAdminMixin
from tiering.cards import cards_policy_approve, cards_policy_draft_save, silver_card_approve, silver_card_request
from tiering.models import (
    ContributionCard,
    ContributionPolicy,
    SilverCard,
    TierAssignment,
    TierChange,
    TierOverride,
    TierPolicy,
)
from tiering.services import (
    tier_override_approve,
    tier_override_request,
    tier_policy_approve,
    tier_policy_draft_save,
)


class PolicyDraftForm(ServiceForm):
    """T10, T14: a draft saved by its admin's `draft_service`, the refusal on the field."""

    draft_service = None  # set per admin

    def write(self, data):
        return self.draft_service(user=self.user, policy=self.instance)


class MonthPolicyAdmin(ApprovalAdminMixin, ServiceAdminMixin, admin.ModelAdmin):
    """T10 and T14: a new version is a draft naming the month it takes effect from; another head-office manager
    approves it with the action; an approved version is history. Subclasses name their two services."""

    readonly_fields = ["author", "approved_by", "approved_at", "created_at"]
    draft_service = approve_service = None  # staticmethods: (user=, policy=) → policy
    approve_argument = "policy"

    @admin.display(description=_("takes effect from month"), ordering="effective_from")
    def effective_from_month(self, policy):
        return f"{policy.effective_from:%Y-%m}"

    def get_form(self, request, obj=None, change=False, **kwargs):
        kwargs["form"] = type("PolicyDraftForm", (PolicyDraftForm,), {"draft_service": self.draft_service})
        return super().get_form(request, obj, change=change, **kwargs)


@admin.register(TierPolicy)
class TierPolicyAdmin(MonthPolicyAdmin):
    """T10: the tiers' thresholds and window."""

    list_display = ["version", "effective_from_month", "window_months", "diamond_equity", "gold_equity",
                    "quality_equity", "author", "approved_by", "approved_at"]
    draft_service = staticmethod(tier_policy_draft_save)
    approve_service = staticmethod(tier_policy_approve)


@admin.register(TierAssignment)
class TierAssignmentAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["month", "client", "tier", "avg_equity", "avg_commission", "trading_days", "criterion", "state"]
    list_select_related = ["client", "policy"]
    list_filter = ["tier", "previous_tier", "state", "month", ("client__branch", ScopedRelatedFilter),
                   ("client__advisor", ScopedRelatedFilter)]
    search_fields = ["client__account_no", "client__name"]
    readonly_fields = fields = [("criterion" if field.name == "decided_by" else field.name)
                                for field in TierAssignment._meta.fields if field.name != "id"]

    @admin.display(description=_("decided by"), ordering="decided_by")
    def criterion(self, assignment):
        return assignment.decided_by_display

    def has_add_permission(self, request):
        return False


@admin.register(TierChange)
class TierChangeAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """T12: upgrades and downgrades between consecutive final months, for the client's advisor."""

    list_display = ["month", "client", "from_tier", "to_tier", "upgrade"]
    list_select_related = ["client"]
    list_filter = ["upgrade", "from_tier", "to_tier", "month"]
    search_fields = ["client__account_no", "client__name"]
    readonly_fields = [field.name for field in TierChange._meta.fields]

    def has_add_permission(self, request):
        return False


class OverrideRequestForm(ServiceForm):
    def write(self, data):
        return tier_override_request(user=self.user, client_id=self.instance.client_id, tier=self.instance.tier,
                                     first_month=self.instance.first_month, last_month=self.instance.last_month,
                                     reason=self.instance.reason)


@admin.register(TierOverride)
class TierOverrideAdmin(ApprovalAdminMixin, ServiceAdminMixin, ScopedAdminMixin, admin.ModelAdmin):
    """T11: requested by a branch manager or head office, approved by another head-office manager."""

    list_display = ["client", "tier", "first_month", "last_month", "requested_by", "approved_by", "approved_at"]
    list_select_related = ["client", "requested_by", "approved_by"]
    list_filter = ["tier", ("client__branch", ScopedRelatedFilter)]
    search_fields = ["client__account_no", "client__name"]
    autocomplete_fields = ["client"]
    fields = ["client", "tier", "first_month", "last_month", "reason", "requested_by", "approved_by", "approved_at"]
    readonly_fields = ["requested_by", "approved_by", "approved_at"]
    form = OverrideRequestForm
    editable = False  # a request is never edited: a change is a new request
    approve_service = staticmethod(tier_override_approve)
    approve_argument = "override"


# The contribution cards (issue 16 item 6, T13–T16) ---------------------------------------------------------------

@admin.register(ContributionPolicy)
class ContributionPolicyAdmin(MonthPolicyAdmin):
    """T14: the cards' bands and which classification S2's plans follow."""

    list_display = ["version", "effective_from_month", "high_band", "low_band", "author", "approved_by",
                    "approved_at"]
    draft_service = staticmethod(cards_policy_draft_save)
    approve_service = staticmethod(cards_policy_approve)


@admin.register(ContributionCard)
class ContributionCardAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """T13/T15: each client's card with the figures that decided it (the drill-down of the cards dashboard)."""

    list_display = ["month", "client", "card", "equity_display", "commission_display", "margin_deviation",
                    "commission_deviation", "stability", "stable"]
    list_select_related = ["client"]
    list_filter = ["card", "month", "stable", ("branch", ScopedRelatedFilter)]
    search_fields = ["client__account_no", "client__name"]
    readonly_fields = [field.name for field in ContributionCard._meta.fields]

    @admin.display(description=_("period-end equity"), ordering="period_end_equity")
    def equity_display(self, card):
        return f"{card.period_end_equity:,.2f}"

    @admin.display(description=_("commission in the month"), ordering="commission")
    def commission_display(self, card):
        return f"{card.commission:,.2f}"

    def has_add_permission(self, request):
        return False


class SilverCardRequestForm(ServiceForm):
    def write(self, data):
        return silver_card_request(user=self.user, client_id=self.instance.client_id, reason=self.instance.reason)


@admin.register(SilverCard)
class SilverCardAdmin(ApprovalAdminMixin, ServiceAdminMixin, ScopedAdminMixin, admin.ModelAdmin):
    """T16: an advisor requests 银卡 for a new ordinary account; the branch manager (or head office) approves."""

    list_display = ["client", "first_month", "last_month", "requested_by", "approved_by", "approved_at"]
    list_select_related = ["client", "requested_by", "approved_by"]
    search_fields = ["client__account_no", "client__name"]
    autocomplete_fields = ["client"]
    fields = ["client", "reason", "first_month", "last_month", "requested_by", "approved_by", "approved_at"]
    readonly_fields = ["first_month", "last_month", "requested_by", "approved_by", "approved_at"]
    form = SilverCardRequestForm
    editable = False
    approve_service = staticmethod(silver_card_approve)
    approve_argument = "card"
