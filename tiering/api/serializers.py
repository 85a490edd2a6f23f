from rest_framework import serializers

from tiering.models import TierAssignment


class TierAssignmentSerializer(serializers.ModelSerializer):
    """settlement-api.md, GET /api/v1/tiers/."""

    account_no = serializers.CharField(source="client.account_no")
    month = serializers.DateField(format="%Y-%m")
    policy_version = serializers.IntegerField(source="policy.version")

    class Meta:
        model = TierAssignment
        fields = ["account_no", "month", "tier", "avg_equity", "avg_commission", "trading_days", "decided_by",
                  "state", "policy_version"]
