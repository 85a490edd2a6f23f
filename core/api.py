"""One error shape for the whole API (STYLE.md 6, settlement-api.md: "every error of this API, 4xx or 5xx, is JSON
… never an HTML page"): DRF's exception handler for errors raised in views, and Django's error handlers for what
fails before or outside a view (an unknown path, a body Django refuses to read, a crash)."""

import logging

from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError, IntegrityError
from django.http import JsonResponse
from django.views import defaults
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

from core.errors import DomainError, row_error

logger = logging.getLogger(__name__)

API_PREFIX = "/api/"


def error_response(error: DomainError) -> Response:
    return Response(error.body, status=error.status)


def _validation_errors(detail, field: str | None = None) -> list[dict]:
    """DRF's nested {field: [messages]} as the contract's flat list."""
    if isinstance(detail, dict):
        return [error for name, value in detail.items()
                for error in _validation_errors(value, name if field is None else f"{field}.{name}")]
    if isinstance(detail, list):
        return [error for value in detail for error in _validation_errors(value, field)]
    return [row_error(None, None, field or "body", getattr(detail, "code", None) or "invalid", str(detail))]


def api_exception_handler(exc, context):
    """REST_FRAMEWORK["EXCEPTION_HANDLER"]: DomainError in its own body; validation errors as the error list;
    database refusals caused by the input as 4xx; anything else a JSON 500 (and logged)."""
    if isinstance(exc, DomainError):
        set_rollback()
        return error_response(exc)
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(exc.message_dict if hasattr(exc, "error_dict") else exc.messages)
    if isinstance(exc, exceptions.ValidationError):
        set_rollback()
        return Response({"errors": _validation_errors(exc.detail)}, status=exc.status_code)
    if isinstance(exc, RequestDataTooBig):
        return Response({"detail": "request body too large"}, status=413)
    if isinstance(exc, SuspiciousOperation):
        return Response({"detail": "request refused"}, status=400)
    if isinstance(exc, DataError):  # a value PostgreSQL cannot store or read: the input's fault
        set_rollback()
        return Response({"detail": f"value refused by the database: {str(exc).splitlines()[0]}"}, status=422)
    if isinstance(exc, IntegrityError):
        set_rollback()
        return Response({"detail": "conflicts with a stored record"}, status=409)
    response = drf_exception_handler(exc, context)
    if response is None:
        logger.exception("unhandled API error", exc_info=exc)
        set_rollback()
        return Response({"detail": "internal error"}, status=500)
    if isinstance(response.data, list):
        response.data = {"detail": " ".join(str(item) for item in response.data)}
    return response


def _json_or(default_view, status: int, detail: str):
    def handler(request, exception=None, **kwargs):
        if request.path.startswith(API_PREFIX):
            return JsonResponse({"detail": detail}, status=status)
        return default_view(request, exception, **kwargs) if exception is not None else default_view(request)

    return handler


def api_aware_error_handlers():
    """handler400/403/404/500 for the roof's urls: JSON under /api/, Django's pages elsewhere."""
    return {
        "handler400": _json_or(defaults.bad_request, 400, "bad request"),
        "handler403": _json_or(defaults.permission_denied, 403, "forbidden"),
        "handler404": _json_or(defaults.page_not_found, 404, "not found"),
        "handler500": _json_or(lambda request: defaults.server_error(request), 500, "internal error"),
    }


# The statuses every operation of the API may answer with an error body (settlement-api.md): documented on each, so
# the schema says what the API answers (issue 13; a schemathesis run in the suite checks it).
ERROR_STATUSES = {
    "400": "unreadable or empty body, or a bad parameter", "401": "no valid token", "403": "not allowed",
    "404": "not found", "409": "conflicts with the day's state", "413": "too many rows or too large a body",
    "422": "refused: every problem listed", "429": "beyond the token's rate limit",
}
ERROR_SCHEMA = {
    "type": "object",
    "description": 'The contract\'s error shapes: {"errors": [...]} (with "truncated" and "error_count" when the list '
                   'was cut, "expected" and "actual" for control totals) or {"detail": "..."}.',
    "properties": {
        "errors": {"type": "array", "items": {"type": "object", "properties": {
            "row": {"type": "integer", "nullable": True}, "account_no": {"type": "string", "nullable": True},
            "field": {"type": "string", "nullable": True}, "code": {"type": "string"}, "message": {"type": "string"},
        }}},
        "detail": {"type": "string"}, "truncated": {"type": "boolean"}, "error_count": {"type": "integer"},
        "expected": {"type": "object"}, "actual": {"type": "object"},
    },
}


def document_error_responses(result, generator, request, public):
    """drf-spectacular post-processing hook: every operation documents the error statuses in the contract's shape."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            for status, description in ERROR_STATUSES.items():
                responses[status] = {"description": description, "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    return result
