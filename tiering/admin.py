from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from core.admin_tools import ScopedAdminMixin, ScopedRelatedFilter, apply_to_each
from core.errors import DomainError
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


class MonthPolicyAdmin(admin.ModelAdmin):
    """T10 and T14: a new version is a draft naming the month it takes effect from; another head-office manager
    approves it with the action; an approved version is history. Subclasses name their two services."""

    readonly_fields = ["author", "approved_by", "approved_at", "created_at"]
    actions = ["approve"]
    draft_service = approve_service = None  # staticmethods: (user=, policy=) → policy

    @admin.display(description=_("takes effect from month"), ordering="effective_from")
    def effective_from_month(self, policy):
        return f"{policy.effective_from:%Y-%m}"

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.approved_at is not None:
            return False  # an approved version is history: change it by adding a new draft
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        self.draft_service(user=request.user, policy=obj)

    @admin.action(description=_("Approve selected draft policies"))
    def approve(self, request, queryset):
        apply_to_each(self, request, queryset,
                      lambda policy: self.approve_service(policy=policy, user=request.user), _("approved"))


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
    readonly_fields = [field.name for field in TierAssignment._meta.fields]

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


@admin.register(TierOverride)
class TierOverrideAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """T11: requested by a branch manager or head office, approved by another head-office manager."""

    list_display = ["client", "tier", "first_month", "last_month", "requested_by", "approved_by", "approved_at"]
    list_select_related = ["client", "requested_by", "approved_by"]
    list_filter = ["tier", ("client__branch", ScopedRelatedFilter)]
    search_fields = ["client__account_no", "client__name"]
    autocomplete_fields = ["client"]
    fields = ["client", "tier", "first_month", "last_month", "reason", "requested_by", "approved_by", "approved_at"]
    readonly_fields = ["requested_by", "approved_by", "approved_at"]
    actions = ["approve"]

    def has_change_permission(self, request, obj=None):
        return False if obj is not None else super().has_change_permission(request, obj)

    def save_model(self, request, obj, form, change):
        try:
            created = tier_override_request(user=request.user, client_id=obj.client_id, tier=obj.tier,
                                            first_month=obj.first_month, last_month=obj.last_month, reason=obj.reason)
        except DomainError as error:
            raise ValidationError(error.message) from error
        obj.pk = created.pk

    @admin.action(description=_("Approve selected overrides"))
    def approve(self, request, queryset):
        apply_to_each(self, request, queryset,
                      lambda override: tier_override_approve(user=request.user, override=override), _("approved"))


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


@admin.register(SilverCard)
class SilverCardAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """T16: an advisor requests 银卡 for a new ordinary account; the branch manager (or head office) approves."""

    list_display = ["client", "first_month", "last_month", "requested_by", "approved_by", "approved_at"]
    list_select_related = ["client", "requested_by", "approved_by"]
    search_fields = ["client__account_no", "client__name"]
    autocomplete_fields = ["client"]
    fields = ["client", "reason", "first_month", "last_month", "requested_by", "approved_by", "approved_at"]
    readonly_fields = ["first_month", "last_month", "requested_by", "approved_by", "approved_at"]
    actions = ["approve"]

    def has_change_permission(self, request, obj=None):
        return False if obj is not None else super().has_change_permission(request, obj)

    def save_model(self, request, obj, form, change):
        try:
            created = silver_card_request(user=request.user, client_id=obj.client_id, reason=obj.reason)
        except DomainError as error:
            raise ValidationError(error.message) from error
        obj.pk = created.pk

    @admin.action(description=_("Approve selected silver cards"))
    def approve(self, request, queryset):
        apply_to_each(self, request, queryset,
                      lambda card: silver_card_approve(user=request.user, card=card), _("approved"))
