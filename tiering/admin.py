from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from core.admin_tools import ScopedAdminMixin, ScopedRelatedFilter, apply_to_each
from core.errors import DomainError
from tiering.models import TierAssignment, TierChange, TierOverride, TierPolicy
from tiering.services import (
    tier_override_approve,
    tier_override_request,
    tier_policy_approve,
    tier_policy_draft_save,
)


@admin.register(TierPolicy)
class TierPolicyAdmin(admin.ModelAdmin):
    """T10: a new version is a draft naming the month it takes effect from; another head-office manager approves
    it with the action."""

    list_display = ["version", "effective_from_month", "window_months", "diamond_equity", "gold_equity",
                    "quality_equity", "author", "approved_by", "approved_at"]
    readonly_fields = ["author", "approved_by", "approved_at", "created_at"]
    actions = ["approve"]

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
        tier_policy_draft_save(user=request.user, policy=obj)

    @admin.action(description=_("Approve selected draft policies"))
    def approve(self, request, queryset):
        apply_to_each(self, request, queryset,
                      lambda policy: tier_policy_approve(policy=policy, user=request.user), _("approved"))


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
