"""The server's one error type for HTTP answers, `ApiError`, and the shape every error answer has:
`{"detail": {"code": <wire.ErrorCode>, "message": ..., "field": ..., "ids": [...]}}` (`ErrorResponse`, for OpenAPI).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from protocol.vocabulary import ErrorCode
from protocol.wire import ErrorDetail


class ErrorResponse(BaseModel):
    """The body of every error answer."""

    detail: ErrorDetail


class ApiError(Exception):
    """An answer other than 2xx, with its machine-readable code; `app.py` renders it."""

    def __init__(
        self,
        status: int,
        code: ErrorCode,
        message: str,
        *,
        field: str | None = None,
        ids: list[str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.field = field
        self.ids = ids or []
        self.headers = headers

    def body(self) -> dict[str, Any]:
        detail: dict[str, Any] = {"code": self.code.value, "message": self.message, "field": self.field}
        if self.ids:
            detail["ids"] = self.ids
        return {"detail": detail}


_DESCRIPTIONS = {
    400: "Malformed: the request does not fit this document's schema (not JSON, a wrong type, a missing or unknown "
    "field, a value out of the stated range); `field` names the first and why",
    401: "Unknown or revoked device token (sent before the body is read)",
    403: "Enrolment code wrong, expired or used",
    404: "Unknown store",
    409: "An id replayed with another body (ids listed; the conflicting items are kept)",
    410: "The cursor can no longer be served: pull again from 0",
    413: "Too large: the body is over this call's cap (`body_too_large`; for a batch `batch_too_large`), or the batch "
    "holds too many items (`batch_too_large`: send fewer)",
    422: "Fits the schema but breaks a rule (`rule_violation`; `field` names it)",
    429: "Too many requests (`rate_limited`): wait the seconds `Retry-After` says",
}
_RETRY_AFTER = {
    "Retry-After": {"description": "Seconds to wait before trying again", "schema": {"type": "integer", "minimum": 1}}
}


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The `responses=` of a route: each status documented with the error body (a 429 with its `Retry-After`)."""
    responses: dict[int | str, dict[str, Any]] = {}
    for status in statuses:
        responses[status] = {"model": ErrorResponse, "description": _DESCRIPTIONS.get(status, "Error")}
        if status == 429:
            responses[status]["headers"] = _RETRY_AFTER
    return responses
