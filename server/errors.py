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


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The `responses=` of a route: each status documented with the error body."""
    descriptions = {
        400: "Malformed request (the field and why)",
        401: "Unknown or revoked device token",
        403: "Enrolment code wrong, expired or used",
        404: "Unknown store",
        409: "An id replayed with another body (ids listed; the conflicting items are kept)",
        410: "The cursor can no longer be served: pull again from 0",
        413: "Too many items in one push",
    }
    return {status: {"model": ErrorResponse, "description": descriptions.get(status, "Error")} for status in statuses}
