"""The POS interface's HTTP API (FastAPI), versioned under /pos/v1: lookup, quote, sale, refund and the pending sale
for the counter. Every call needs `Authorization: Bearer <secret>` (compared in constant time); every error is a
JSON body `{"code", "message", "limit"}` with a stable code and an English message for the POS developer (the
till's screens word their own). Its OpenAPI page is /docs (docs/pos.md)."""

from __future__ import annotations

import hmac
import logging
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, Header, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from localdb.errors import StoreError
from posapi.pending import PendingSale, PendingSales, SaleOutcome
from posapi.schemas import (
    ErrorBody,
    LookupRequest,
    LookupResponse,
    OutcomeOut,
    PendingRequest,
    PendingResponse,
    QuoteResponse,
    RefundRequest,
    RefundResponse,
    SaleRequest,
    SaleResponse,
)
from posapi.service import PosError, PosService, store_refusal, wire_lines

_ERRORS: dict[int | str, dict[str, object]] = {
    status: {"model": ErrorBody} for status in (401, 403, 404, 409, 422, 503)
}


log = logging.getLogger(__name__)

#: The largest request body taken: 200 lines of the longest fields are about 60 KB.
MAX_BODY_BYTES = 256 * 1024


class _Gate:
    """In front of the app: a call under /pos/v1 without the secret is refused before its body is read, and a body
    above MAX_BODY_BYTES is refused (by its Content-Length, or as soon as the count passes the cap)."""

    def __init__(self, app: ASGIApp, expected: bytes) -> None:
        self.app = app
        self.expected = expected

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not str(scope["path"]).startswith("/pos/"):
            await self.app(scope, receive, send)
            return
        headers = {name.lower(): value for name, value in scope["headers"]}
        if not hmac.compare_digest(headers.get(b"authorization", b""), self.expected):
            await _error(401, "unauthorized", _UNAUTHORIZED)(scope, receive, send)
            return
        length = headers.get(b"content-length", b"0")
        if not length.isdigit() or int(length) > MAX_BODY_BYTES:
            await _error(413, "too_large", f"A request body is at most {MAX_BODY_BYTES} bytes.")(scope, receive, send)
            return
        seen = 0
        over = False

        async def counted() -> Message:
            """The body as it comes; past the cap, the app is told it ended (and its answer is replaced)."""
            nonlocal seen, over
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > MAX_BODY_BYTES:
                over = True
                return {"type": "http.request", "body": b"", "more_body": False}
            return message

        started = False

        async def sent(message: Message) -> None:
            nonlocal started
            if not over:
                started = True
                await send(message)

        try:
            await self.app(scope, counted, sent)
        except Exception as error:  # a bug or a failed disk: a JSON answer, no traceback with data in the log
            # The type only: a database error's text can carry the statement's parameters (a phone).
            log.error("POS interface: unexpected %s", type(error).__name__)
            if not started:
                await _error(500, "internal_error", "The till could not answer; nothing was written.")(
                    scope, receive, send
                )
            return
        if over:
            await _error(413, "too_large", f"A request body is at most {MAX_BODY_BYTES} bytes.")(scope, receive, send)


_UNAUTHORIZED = "Send Authorization: Bearer <the till's POS secret>."


def _error(status: int, code: str, message: str, limit: int | None = None) -> JSONResponse:
    return JSONResponse(ErrorBody(code=code, message=message, limit=limit).model_dump(), status_code=status)


def _json(text: str) -> Response:
    return Response(text, media_type="application/json")


def create_pos_app(
    service: PosService,
    secret: str,
    pending: PendingSales,
) -> FastAPI:
    if len(secret) < 32:
        raise ValueError("the POS secret is too short")
    expected = f"Bearer {secret}".encode()

    def authenticated(authorization: Annotated[str | None, Header()] = None) -> None:
        given = (authorization or "").encode()
        if not hmac.compare_digest(given, expected):
            raise PosError(401, "unauthorized", _UNAUTHORIZED)

    app = FastAPI(
        title="MemberDesk till: POS interface",
        version="1",
        description="The till's local API for the shop's POS (loopback only). See docs/pos.md.",
        docs_url="/docs",
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    # The documentation pages need no secret: they hold no data. Everything under /pos/v1 does.
    api = APIRouter(prefix="/pos/v1", dependencies=[Depends(authenticated)])

    @app.exception_handler(PosError)
    def pos_error(_request: Request, error: PosError) -> JSONResponse:
        return _error(error.status, error.code, error.message, error.limit)

    @app.exception_handler(StoreError)
    def store_error(_request: Request, error: StoreError) -> JSONResponse:
        refusal = store_refusal(error)
        return _error(refusal.status, refusal.code, refusal.message, refusal.limit)

    @app.exception_handler(RequestValidationError)
    def invalid(_request: Request, error: RequestValidationError) -> JSONResponse:
        first = error.errors()[0] if error.errors() else {}
        where = ".".join(str(part) for part in first.get("loc", ()))
        return _error(422, "invalid_request", f"{where}: {first.get('msg', 'invalid')}")

    @app.exception_handler(StarletteHTTPException)
    def http_error(_request: Request, error: StarletteHTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed"}.get(error.status_code, "http_error")
        return _error(error.status_code, code, str(error.detail))

    @api.post("/lookup", response_model=LookupResponse, responses=_ERRORS, tags=["pos"])
    def lookup(request: LookupRequest) -> LookupResponse:
        """A member by a scanned member code, a full phone, or the phone's last 4 digits (candidates, latest
        visitors first). POST, so a phone never appears in a URL or a log."""
        return service.lookup(request)

    @api.post("/quotes", response_model=QuoteResponse, responses=_ERRORS, tags=["pos"])
    def quote(request: SaleRequest) -> QuoteResponse:
        """What the sale would earn and what the member may redeem on it now; writes nothing."""
        return service.quote(request)

    @api.post("/sales", response_model=SaleResponse, responses=_ERRORS, tags=["pos"])
    def sale(request: SaleRequest) -> Response:
        """Commit a sale (redeem first, then earn on what was paid), keyed by `receipt_no`: the same sale sent again
        gets the first answer byte for byte; another sale under the same number is 409 `receipt_conflict`."""
        return _json(service.commit(request))

    @api.post("/refunds", response_model=RefundResponse, responses=_ERRORS, tags=["pos"])
    def refund(request: RefundRequest) -> Response:
        """Give back lines of a sale, keyed by `refund_no`: this store's sale here; another store's (`store_code`)
        as the server holds it; the server unreachable: `needs_manager` (take the return at the till)."""
        return _json(service.refund(request))

    @api.post("/pending", response_model=PendingResponse, responses=_ERRORS, tags=["pending"])
    def put_pending(request: PendingRequest) -> PendingResponse:
        """Hand the counter a sale to confirm for the member the cashier scans; poll GET for the outcome."""
        service.actor()
        lines = wire_lines(request.lines)
        if sum(line.amount_cents for line in lines) < request.total_cents:
            raise PosError(422, "invalid_lines", "The lines add up to less than the total.")
        pending.put(
            PendingSale(
                receipt_no=request.receipt_no.strip(),
                total_cents=request.total_cents,
                lines=tuple(lines),
                points_to_redeem=request.points_to_redeem,
                started_at=datetime.now(UTC),
            )
        )
        return PendingResponse(receipt_no=request.receipt_no.strip(), status="waiting")

    @api.get("/pending/{receipt_no}", response_model=PendingResponse, responses=_ERRORS, tags=["pending"])
    def get_pending(receipt_no: str) -> PendingResponse:
        outcome = pending.outcome(receipt_no)
        if outcome is not None:
            return PendingResponse(receipt_no=receipt_no, status="done", outcome=_outcome(outcome))
        current = pending.current()
        waiting = current is not None and current.receipt_no == receipt_no
        return PendingResponse(receipt_no=receipt_no, status="waiting" if waiting else "unknown")

    @api.delete("/pending/{receipt_no}", status_code=204, responses=_ERRORS, tags=["pending"])
    def cancel_pending(receipt_no: str) -> Response:
        pending.cancel(receipt_no)
        return Response(status_code=204)

    app.include_router(api)
    app.add_middleware(_Gate, expected=expected)
    return app


def _outcome(outcome: SaleOutcome) -> OutcomeOut:
    return OutcomeOut(receipt_no=outcome.receipt_no, member_id=outcome.member_id,
                      points_earned=outcome.points_earned, points_redeemed=outcome.points_redeemed,
                      discount_cents=outcome.discount_cents, balance=outcome.balance,
                      coupon_discount_cents=outcome.coupon_discount_cents)  # fmt: skip
