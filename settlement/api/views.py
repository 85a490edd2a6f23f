"""The settlement interface (settlement-api.md). Paths, fields, status codes and error shapes are a contract."""

import datetime
import hashlib
import json
import re

from django.db import DatabaseError, connection, transaction
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.parsers import BaseParser
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from clients.scoping import sees_everything
from core.api import error_response
from core.dates import parse_iso_date
from core.errors import DomainError, request_error
from settlement import services
from settlement.api import serializers as shapes
from settlement.api.authentication import SettlementWrite, SettlementWriteOrPerson, token_of
from settlement.clients_push import MAX_CLIENT_ROWS, clients_upsert_from_settlement
from settlement.intraday import snapshot_ingest
from settlement.models import IdempotencyRecord
from settlement.services import StatementBatch


class RawBodyParser(BaseParser):
    """Hands the body through untouched: statement rows are read by PostgreSQL, not by Python."""

    media_type = "*/*"

    def parse(self, stream, media_type=None, parser_context=None):
        return stream.read() if stream else b""


IDEMPOTENCY_KEY = re.compile(r"[\x21-\x7e]{1,200}")  # 1–200 printable ASCII characters, no spaces


class IdempotentPushView(APIView):
    """Idempotency-Key (settlement-api.md): the first response for a key is stored; a retry with the same key and
    body gets it again, byte for byte; the same key with another body is refused with 422. Bodies are read here up
    to the contract's size for the endpoint (`max_body_bytes`, larger ones answer 413), never through Django's
    2.5 MB form-upload limit, which stays in force everywhere else."""

    permission_classes = [SettlementWrite]
    parser_classes = [RawBodyParser]
    endpoint = ""
    max_body_bytes = 0

    def post(self, request, *args, **kwargs):
        length = request.META.get("CONTENT_LENGTH") or "0"
        if not length.isdigit() or int(length) > self.max_body_bytes:
            return Response(request_error(
                413, "body", "too_large", f"request body is larger than {self.max_body_bytes // 2**20} MiB").body,
                status=413)  # fmt: skip
        raw_key = request.headers.get("Idempotency-Key")
        if raw_key is None or raw_key.strip() == "":
            return self.respond(request, *args, **kwargs)
        key = raw_key.strip()
        if not IDEMPOTENCY_KEY.fullmatch(key):
            return error_response(request_error(
                422, "Idempotency-Key", "invalid", "Idempotency-Key must be 1–200 printable ASCII characters"))
        body = request.data  # the raw bytes (RawBodyParser), read once and handed to respond() as well
        body_hash = hashlib.sha256(request.content_type.encode() + b"\0" + request.get_full_path().encode()
                                   + b"\0" + body).hexdigest()
        token = token_of(request)
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(hashtext('futcrm:idempotency'), hashtext(%s))",
                               [f"{token.pk}:{self.endpoint}:{key}"])
            stored = IdempotencyRecord.objects.filter(token=token, endpoint=self.endpoint, key=key).first()
            if stored is not None:
                if stored.body_hash != body_hash:
                    return Response({"errors": [{
                        "row": None, "account_no": None, "field": "Idempotency-Key", "code": "key_reused",
                        "message": "this Idempotency-Key was used with a different request body",
                    }]}, status=422)  # fmt: skip
                content = bytes(stored.body) or JSONRenderer().render(stored.response)  # stored before the bytes were
                return HttpResponse(content, status=stored.status_code, content_type="application/json")
            response = self.respond(request, *args, **kwargs)
            if response.status_code >= 500:
                return response
            rendered = JSONRenderer().render(response.data)
            IdempotencyRecord.objects.create(token=token, endpoint=self.endpoint, key=key, body_hash=body_hash,
                                             status_code=response.status_code, response=response.data,
                                             body=rendered)
            return HttpResponse(rendered, status=response.status_code, content_type="application/json")

    def respond(self, request, *args, **kwargs) -> Response:
        raise NotImplementedError


class StatementPushView(IdempotentPushView):
    endpoint = "statements"
    # 50,000 rows (the contract's most) are about 20 MB of JSON with every field filled; CSV is smaller.
    max_body_bytes = 64 * 2**20

    @extend_schema(summary="Push one trade date's statements (JSON or CSV), all or nothing",
                   request={"application/json": shapes.StatementPushSerializer, "text/csv": OpenApiTypes.STR},
                   responses={200: shapes.PushResultSerializer, 409: shapes.ErrorListSerializer,
                              413: shapes.ErrorListSerializer, 422: shapes.ErrorListSerializer})
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)

    def respond(self, request, *args, **kwargs) -> Response:
        try:
            batch = self._batch(request)
            return Response(services.statements_ingest(batch), status=status.HTTP_200_OK)
        except DomainError as error:
            return error_response(error)
        except DatabaseError as error:  # e.g. the rows are not JSON PostgreSQL can read
            return Response({"detail": f"unreadable body: {str(error).splitlines()[0]}"}, status=400)

    def _batch(self, request) -> StatementBatch:
        raw = request.data if isinstance(request.data, bytes | bytearray) else b""  # DRF gives {} for no body
        if not raw.strip():
            raise DomainError("the body is empty", status=400)
        content_type = request.content_type.split(";")[0].strip().lower()
        if content_type == "text/csv":
            charset = (request.content_params.get("charset") or "utf-8").lower()
            if charset not in {"utf-8", "utf8", "gb18030"}:
                raise DomainError("CSV charset must be utf-8 or gb18030", status=400)
            if "trade_date" not in request.query_params:
                raise request_error(422, "trade_date", "required", "?trade_date= is required for CSV")
            trade_date = services.parse_trade_date(request.query_params["trade_date"])
            return services.csv_batch(raw, charset, trade_date)
        if content_type != "application/json":
            raise DomainError("Content-Type must be application/json or text/csv", status=400)
        return services.json_batch(raw)


class ClientPushView(IdempotentPushView):
    endpoint = "clients"
    # 10,000 clients (the contract's most) with every field filled stay under 8 MB.
    max_body_bytes = 32 * 2**20

    @extend_schema(summary="Upsert client master data, all or nothing",
                   request={"application/json": shapes.ClientPushSerializer},
                   responses={200: shapes.PushResultSerializer, 413: shapes.ErrorListSerializer,
                              422: shapes.ErrorListSerializer})
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)

    def respond(self, request, *args, **kwargs) -> Response:
        if request.content_type.split(";")[0].strip().lower() != "application/json":
            return Response({"detail": "Content-Type must be application/json"}, status=400)
        try:
            body = json.loads(request.data or b"null", parse_float=str)
        except (ValueError, UnicodeDecodeError):
            return Response({"detail": "body is not valid JSON"}, status=400)
        if not isinstance(body, dict) or not isinstance(body.get("clients"), list):
            return Response({"detail": 'body must be {"clients": [ … ]}'}, status=400)
        if len(body["clients"]) > MAX_CLIENT_ROWS:
            return Response(request_error(
                413, "clients", "too_many_rows", f"{len(body['clients'])} clients; at most {MAX_CLIENT_ROWS}"
            ).body, status=413)  # fmt: skip
        try:
            return Response(clients_upsert_from_settlement(body["clients"]))
        except DomainError as error:
            return error_response(error)


class SnapshotPushView(IdempotentPushView):
    """settlement-api.md "Intraday snapshots (v1.1)": the session's state of accounts, all or nothing."""

    endpoint = "snapshots"
    # 100,000 accounts and 400,000 positions (the contract's most) with every field filled are about 110 MB.
    max_body_bytes = 192 * 2**20

    @extend_schema(summary="Push an intraday snapshot (funds, positions, quotes), all or nothing",
                   request={"application/json": OpenApiTypes.OBJECT},
                   responses={200: OpenApiTypes.OBJECT, 409: shapes.ErrorListSerializer,
                              413: shapes.ErrorListSerializer, 422: shapes.ErrorListSerializer})
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)

    def respond(self, request, *args, **kwargs) -> Response:
        if request.content_type.split(";")[0].strip().lower() != "application/json":
            return Response({"detail": "Content-Type must be application/json"}, status=400)
        raw = request.data if isinstance(request.data, bytes | bytearray) else b""
        try:
            return Response(snapshot_ingest(bytes(raw)))
        except DomainError as error:
            return error_response(error)


def _trade_date(value: str) -> datetime.date:
    try:
        return parse_iso_date(value)
    except ValueError:
        raise request_error(422, "trade_date", "invalid", "trade_date must be a date YYYY-MM-DD") from None


class DayCloseView(APIView):
    permission_classes = [SettlementWrite]

    @extend_schema(summary="Close a settlement day with control totals", request=shapes.ControlTotalsSerializer,
                   responses={200: shapes.DaySummarySerializer, 409: shapes.ErrorListSerializer,
                              422: shapes.ErrorListSerializer})
    def post(self, request, trade_date):
        data = request.data if isinstance(request.data, dict) else {}
        try:
            summary = services.settlement_day_close(
                trade_date=_trade_date(trade_date), row_count=data.get("row_count"),
                total_balance=data.get("total_balance"), total_commission=data.get("total_commission"),
                user=request.user,
            )
        except DomainError as error:
            return error_response(error)
        return Response(summary)


class DayReopenView(APIView):
    """Head office only (a head-office person, or a settlement:write token acting as one), audited."""

    permission_classes = [SettlementWriteOrPerson]

    @extend_schema(summary="Reopen a closed settlement day (head office)", request=shapes.ReopenSerializer,
                   responses={200: shapes.DaySummarySerializer, 409: shapes.ErrorListSerializer})
    def post(self, request, trade_date):
        if not sees_everything(request.user):
            return Response({"detail": "only head office may reopen a settlement day"}, status=403)
        data = request.data if isinstance(request.data, dict) else {}
        try:
            summary = services.settlement_day_reopen(trade_date=_trade_date(trade_date), user=request.user,
                                                     reason=str(data.get("reason", "")))
        except DomainError as error:
            return error_response(error)
        return Response(summary)


class DayStatusView(APIView):
    permission_classes = [SettlementWrite]

    @extend_schema(summary="Status of a settlement day", responses={200: shapes.DaySummarySerializer})
    def get(self, request, trade_date):
        try:
            return Response(services.settlement_day_summary(_trade_date(trade_date)))
        except DomainError as error:
            return error_response(error)
