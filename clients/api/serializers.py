from rest_framework import serializers

from clients.models import Client


class ClientSerializer(serializers.ModelSerializer):
    """Read view of a client. ID and phone numbers are masked (S9); revealing goes through pii_reveal."""

    branch_code = serializers.CharField(source="branch.code")
    advisor_code = serializers.CharField(source="advisor.staff_code", default=None, allow_null=True)
    id_number = serializers.CharField(source="id_number_masked")
    phone = serializers.CharField(source="phone_masked")
    status = serializers.SerializerMethodField()

    class Meta:
        model = Client
        fields = [
            "account_no", "name", "client_type", "branch_code", "opened_on", "closed_on", "status", "id_type",
            "id_number", "phone", "email", "advisor_code", "investor_category", "risk_tolerance",
            "marketing_opt_in",
        ]  # fmt: skip

    def get_status(self, client: Client) -> str:
        return "closed" if client.is_closed else "open"  # a closing date still to come is an open account
