from rest_framework import serializers

from risk.models import Alert


class AlertSerializer(serializers.ModelSerializer):
    """settlement-api.md, GET /api/v1/alerts/."""

    account_no = serializers.CharField(source="client.account_no")
    assigned_to = serializers.CharField(source="assigned_to.staff_code", default=None, allow_null=True)

    class Meta:
        model = Alert
        fields = ["id", "account_no", "trade_date", "kind", "severity", "status", "risk_degree", "assigned_to",
                  "raised_at", "due_at"]
