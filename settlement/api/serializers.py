"""Request and response shapes of settlement-api.md, for the OpenAPI schema. Validation itself is set-based
(settlement/sql.py) or row-by-row with row numbers (settlement/clients_push.py), as the contract's 422 demands."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import serializers


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "settlement.api.authentication.BearerTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer",
                "description": "Issued with `manage.py issue_api_token NAME --scope SCOPE`."}


class ErrorSerializer(serializers.Serializer):
    row = serializers.IntegerField(allow_null=True, help_text="data row, counted from 1")
    account_no = serializers.CharField(allow_null=True)
    field = serializers.CharField()
    code = serializers.CharField()
    message = serializers.CharField()


class ErrorListSerializer(serializers.Serializer):
    errors = ErrorSerializer(many=True)


class StatementRowSerializer(serializers.Serializer):
    account_no = serializers.CharField()
    pre_balance = serializers.DecimalField(max_digits=17, decimal_places=2)
    deposit = serializers.DecimalField(max_digits=17, decimal_places=2, min_value=0)
    withdrawal = serializers.DecimalField(max_digits=17, decimal_places=2, min_value=0)
    close_profit = serializers.DecimalField(max_digits=17, decimal_places=2)
    position_profit = serializers.DecimalField(max_digits=17, decimal_places=2)
    commission = serializers.DecimalField(max_digits=17, decimal_places=2, min_value=0)
    other_adjustments = serializers.DecimalField(max_digits=17, decimal_places=2, required=False)
    balance = serializers.DecimalField(max_digits=17, decimal_places=2)
    margin = serializers.DecimalField(max_digits=17, decimal_places=2, min_value=0)
    exchange_margin = serializers.DecimalField(max_digits=17, decimal_places=2, min_value=0, required=False)
    available = serializers.DecimalField(max_digits=17, decimal_places=2)
    trade_volume = serializers.IntegerField(min_value=0)
    position_volume = serializers.IntegerField(min_value=0)
    margin_call = serializers.BooleanField(required=False)
    forced_liquidation = serializers.BooleanField(required=False)


class StatementPushSerializer(serializers.Serializer):
    trade_date = serializers.DateField()
    rows = StatementRowSerializer(many=True, help_text="at most 50,000; or send text/csv with ?trade_date=")


class PushResultSerializer(serializers.Serializer):
    trade_date = serializers.DateField(required=False)
    received = serializers.IntegerField()
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()


class ClientRowSerializer(serializers.Serializer):
    account_no = serializers.CharField(max_length=32)
    name = serializers.CharField(max_length=100)
    client_type = serializers.ChoiceField(choices=["individual", "institution"])
    branch_code = serializers.CharField()
    opened_on = serializers.DateField()
    closed_on = serializers.DateField(required=False)
    id_type = serializers.ChoiceField(choices=["id_card", "passport", "business_license", "other"], required=False)
    id_number = serializers.CharField(required=False)
    phone = serializers.CharField(required=False)
    email = serializers.CharField(required=False)
    address = serializers.CharField(required=False)
    last_trade_date = serializers.DateField(required=False)
    advisor_code = serializers.CharField(required=False)


class ClientPushSerializer(serializers.Serializer):
    clients = ClientRowSerializer(many=True, help_text="at most 10,000")


class ControlTotalsSerializer(serializers.Serializer):
    row_count = serializers.IntegerField(min_value=0)
    total_balance = serializers.DecimalField(max_digits=20, decimal_places=2)
    total_commission = serializers.DecimalField(max_digits=20, decimal_places=2)


class DaySummarySerializer(serializers.Serializer):
    trade_date = serializers.DateField()
    status = serializers.ChoiceField(choices=["open", "closed"])
    row_count = serializers.IntegerField()
    total_balance = serializers.DecimalField(max_digits=20, decimal_places=2)
    total_commission = serializers.DecimalField(max_digits=20, decimal_places=2)
    closed_at = serializers.DateTimeField(allow_null=True)
    alerts_raised = serializers.IntegerField()


class ReopenSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False)
