from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from tiering.models import TierAssignment


@extend_schema_field({"type": "string", "pattern": r"^\d{4}-\d{2}$", "example": "2026-10"})
class YearMonthField(serializers.Field):
    """A tier month as the contract writes it: YYYY-MM."""

    def to_representation(self, value):
        return f"{value:%Y-%m}"


class TierAssignmentSerializer(serializers.ModelSerializer):
    """settlement-api.md, GET /api/v1/tiers/."""

    account_no = serializers.CharField(source="client.account_no")
    month = YearMonthField(read_only=True)
    policy_version = serializers.IntegerField(source="policy.version")

    class Meta:
        model = TierAssignment
        fields = ["account_no", "month", "tier", "avg_equity", "avg_commission", "trading_days", "decided_by",
                  "state", "policy_version"]
