"""S13: the call-centre system's call events (POST /api/v1/service/calls), with a token of the service:calls scope."""

import datetime

from django.utils.dateparse import parse_datetime
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import error_response
from core.dates import in_window
from core.errors import DomainError, request_error
from service_desk.services import call_event_record
from settlement.api.authentication import token_of
from settlement.models import ApiToken

# S13: a call's time is the call centre's; believed within the last day and up to 5 minutes ahead (its clock), so that
# no call can be backdated into 1 BC (a page that reads it would fail) or sent ahead of the SLA clock. The window is
# the API's (outside input, STYLE.md 21); the demo's history of calls goes to the service directly.
CALL_PAST, CALL_AHEAD = datetime.timedelta(hours=24), datetime.timedelta(minutes=5)


class ServiceCalls(permissions.BasePermission):
    """Only a token with service:calls (not a person, not another system's token)."""

    def has_permission(self, request, view):
        token = token_of(request)
        return token is not None and token.has_scope(ApiToken.Scope.SERVICE_CALLS)


class CallEventSerializer(serializers.Serializer):
    call_id = serializers.CharField(max_length=100)
    caller_number = serializers.CharField(max_length=30)
    called_line = serializers.CharField(max_length=40)
    staff_code = serializers.CharField(max_length=32)
    recording_ref = serializers.CharField(max_length=300, required=False)
    at = serializers.DateTimeField(required=False, help_text="when the call was answered; now if absent")


class CallAnswerSerializer(serializers.Serializer):
    call_id = serializers.CharField()
    ticket = serializers.CharField(help_text="the ticket's number, e.g. GD0000012")
    ticket_id = serializers.IntegerField()
    created = serializers.BooleanField(help_text="whether the call opened the ticket")
    account_no = serializers.CharField(allow_null=True, help_text="the caller's account when one client has the number")
    clients_matched = serializers.IntegerField()


class CallEventView(APIView):
    permission_classes = [ServiceCalls]

    @extend_schema(summary="A call answered (or ended, with its recording) at the call centre",
                   request=CallEventSerializer, responses={200: CallAnswerSerializer, 201: CallAnswerSerializer})
    def post(self, request):
        data = request.data if isinstance(request.data, dict) else None
        try:
            if data is None:
                raise request_error(422, "body", "invalid", "the body must be a JSON object")
            at = data.get("at")
            if at is not None:
                try:
                    at = parse_datetime(at) if isinstance(at, str) else None
                except ValueError:
                    at = None
                if at is None or at.tzinfo is None:
                    raise request_error(422, "at", "invalid", "at must be an ISO 8601 time with its offset")
                if not in_window(at, past=CALL_PAST, ahead=CALL_AHEAD):
                    raise request_error(422, "at", "out_of_range", "at must be within the last 24 hours and not in "
                                                                  "the future (5 minutes of clock difference allowed)")
            call, created = call_event_record(
                call_id=data.get("call_id"), caller_number=data.get("caller_number"),
                called_line=data.get("called_line"), staff_code=data.get("staff_code"),
                recording_ref=data.get("recording_ref"), at=at)
        except DomainError as error:
            return error_response(error)
        ticket = call.ticket
        return Response({"call_id": call.call_id, "ticket": ticket.number, "ticket_id": ticket.pk, "created": created,
                         "account_no": ticket.client.account_no if ticket.client_id else None,
                         "clients_matched": call.clients_matched}, status=201 if created else 200)
