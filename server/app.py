"""The HTTP API of the central member server (PROTOCOL.md): health, device registration, config, push, changes,
online redemption authorization, member codes, a member's purchase history and card re-issue; the error shape every
refusal has; an OpenAPI document that states the real statuses: 400 for a request that does not fit the published
schema (instead of FastAPI's default 422), 422 for one that fits it but breaks a rule the schema cannot state, 413 and
429 from the guard.

Every request passes `server.guard.RequestGuard` first: body caps, the device token, rate limits — before its body
is read. Handlers are plain `def`s: FastAPI runs them in its thread pool, so the event loop never waits on the
database. `push` is the exception that proves it: it takes the raw body (read by the guard, within its cap) and runs
its work (decoding included) on the pool. Nothing here logs a request body; phones only ever travel in bodies, never
in URLs, so access logs hold none.
"""

from __future__ import annotations

import logging
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse, Response
from sqlalchemy import select
from starlette.exceptions import HTTPException as StarletteHTTPException

from loyalty.clock import store_day, store_zone
from loyalty.rules import PointsRules
from protocol.limits import MAX_CHANGES_PAGE, MAX_MEMBER_CODES, MAX_RECEIPT_LENGTH, PROTOCOL_VERSION
from protocol.vocabulary import ErrorCode, WarningOutcome, WarningReason
from protocol.wire import (
    AnchorRequest,
    AnchorResponse,
    AuditKeyResponse,
    AuthorizeRequest,
    AuthorizeResponse,
    CardReissueRequest,
    CardReissueResponse,
    ChangesResponse,
    ChurnWarningInfo,
    ConfigResponse,
    Health,
    MemberCodesRequest,
    MemberCodesResponse,
    PurchaseHistoryResponse,
    PushRequest,
    PushResponse,
    ReceiptResponse,
    RegisterRequest,
    RegisterResponse,
    StaffRecord,
    TierInfo,
    TokenResponse,
    WarningsResponse,
)
from server import chain, churn_warnings, coupons, gifts
from server.admin import AdminError, register_device, store_info
from server.audit_anchors import AuditKeyIssued, issue_audit_key, latest_anchor, record_anchor
from server.auth import AuthenticatedDevice, current_device, rotate, server_database
from server.cards import CardRefused, reissue_card
from server.changes import DEFAULT_LIMIT, changes_page
from server.db import ServerDatabase
from server.errors import ApiError, error_responses
from server.guard import RequestGuard
from server.health_board import BoardCache
from server.limits import Limiter, address_key, retry_after
from server.member_code_audit import Requester, record_issued
from server.member_codes import issue_member_codes
from server.models import ChurnWarning, Staff, Store
from server.purchase_history import Reader, purchase_history
from server.push import MAX_POINTS, MAX_TILL_SEQ, answer_json, push
from server.push_decode import decode_push
from server.receipts import receipt_entries
from server.redemptions import authorize
from server.staff_scope import staff_of_store

Device = Annotated[AuthenticatedDevice, Depends(current_device)]
Database = Annotated[ServerDatabase, Depends(server_database)]

_ADMIN_STATUS = {ErrorCode.UNKNOWN_STORE: 404, ErrorCode.ENROLMENT_CODE_INVALID: 403}
_ADMIN_FIELD = {ErrorCode.UNKNOWN_STORE: "store_code", ErrorCode.ENROLMENT_CODE_INVALID: "enrolment_code"}

log = logging.getLogger(__name__)


def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = exc.errors()
    first = errors[0] if errors else {}
    location = [str(part) for part in first.get("loc", ())]
    message = str(first.get("msg", "malformed request"))  # never the input itself: it may hold a phone number
    field = ".".join(location) or None
    body = ApiError(400, ErrorCode.MALFORMED, f"{field}: {message}" if field else message, field=field).body()
    return JSONResponse(body, status_code=400)


async def _raw_body(request: Request) -> bytes:
    return await request.body()  # the body the guard has read, within the push's cap


RawBody = Annotated[bytes, Depends(_raw_body)]
#: The push request's body as the OpenAPI document states it: the handler decodes the raw bytes itself.
_PUSH_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/PushRequest"}}},
    }
}


def _api_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    return JSONResponse(exc.body(), status_code=exc.status, headers=exc.headers)


def _http_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = ErrorCode.UNAUTHORIZED if exc.status_code == 401 else ErrorCode.MALFORMED
    return JSONResponse(
        ApiError(exc.status_code, code, str(exc.detail)).body(), status_code=exc.status_code, headers=exc.headers
    )


def _tiers(rules: PointsRules) -> list[TierInfo]:
    return [
        TierInfo(code=t.code, name=t.name, min_spend_cents=t.min_spend_cents, earn_multiplier_pct=t.earn_multiplier_pct)
        for t in rules.tiers
    ]


def _fastapi_422(response: dict[str, Any] | None) -> bool:
    """Whether a documented 422 is FastAPI's default validation answer (not one of ours)."""
    content = (response or {}).get("content", {}).get("application/json", {})
    return str(content.get("schema", {}).get("$ref", "")).endswith("/HTTPValidationError")


def _openapi(app: FastAPI) -> dict[str, Any]:
    """FastAPI's document, with the default 422 validation answer replaced by our 400 (which is what we send); the
    422s a route documents itself (a rule broken) stay."""
    if app.openapi_schema:
        return app.openapi_schema
    schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
    error_ref = {"$ref": "#/components/schemas/ErrorResponse"}
    for path in schema.get("paths", {}).values():
        for operation in path.values():
            responses = operation.get("responses", {})
            if _fastapi_422(responses.get("422")):
                responses.pop("422")
                responses.setdefault(
                    "400",
                    {
                        "description": "Malformed request (the field and why)",
                        "content": {"application/json": {"schema": error_ref}},
                    },
                )
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    for name in ("HTTPValidationError", "ValidationError"):
        components.pop(name, None)
    push_request = PushRequest.model_json_schema(ref_template="#/components/schemas/{model}")
    components.update(push_request.pop("$defs", {}))
    components["PushRequest"] = push_request
    app.openapi_schema = schema
    return schema


def create_app(db: ServerDatabase, limiter: Limiter | None = None) -> FastAPI:
    """The API on an opened database, behind the guard (body caps, tokens, rate limits: `limiter`, else the
    default `server.limits.Limits`)."""
    app = FastAPI(
        title="MemberDesk member server",
        version=f"{PROTOCOL_VERSION}",
        description="The sync protocol between MemberDesk tills and the chain's member server (PROTOCOL.md).",
    )
    limiter = limiter or Limiter()
    app.state.db = db
    app.state.limiter = limiter
    app.state.boards = BoardCache()  # the health board's documents, a few minutes each (`server.health_board`)
    app.add_middleware(RequestGuard, db=db, limiter=limiter)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]

    @app.get("/v1/health", response_model=Health, responses=error_responses(413), tags=["sync"])
    def health(database: Database) -> Health:
        """Liveness, and the server's clock (a till more than 5 minutes off warns its staff). No auth."""
        return Health(status="ok", server_time=database.clock())

    @app.post(
        "/v1/devices/register",
        response_model=RegisterResponse,
        responses=error_responses(400, 403, 404, 413, 422, 429),
        tags=["devices"],
    )
    def register(request: RegisterRequest, http: Request, database: Database) -> RegisterResponse:
        """Register a till with a one-time enrolment code; the token in the answer is shown only once. Wrong codes
        (and unknown stores) are counted per client address and per store: too many lock them out for a while (429,
        the right code too). A device name that is only spaces breaks a rule (422)."""
        address = address_key(http.client)
        limiter: Limiter = http.app.state.limiter
        locked = limiter.locked_out(address, request.store_code)
        if locked > 0:
            raise ApiError(
                429,
                ErrorCode.RATE_LIMITED,
                f"too many wrong enrolment codes: try again in {retry_after(locked)} s",
                headers={"Retry-After": str(retry_after(locked))},
            )
        try:
            device_id, token, store = register_device(
                database, request.store_code, request.device_name, request.enrolment_code
            )
        except AdminError as error:
            if error.code not in _ADMIN_STATUS:  # a rule of the request itself: the device name
                raise ApiError(422, ErrorCode.RULE_VIOLATION, str(error), field="body.device_name") from None
            known_store = request.store_code if error.code == ErrorCode.ENROLMENT_CODE_INVALID else None
            if limiter.wrong_code(address, known_store):
                log.warning("registration: wrong enrolment codes, locked out for a while (store %s)", known_store)
            raise ApiError(_ADMIN_STATUS[error.code], error.code, str(error), field=_ADMIN_FIELD[error.code]) from None
        # Its own transaction: should it fail, the till fetches its key on its first sync (POST /v1/audit/key).
        return RegisterResponse(device_id=device_id, token=token, store=store,
                                audit_key=issue_audit_key(database, device_id))  # fmt: skip

    @app.post(
        "/v1/devices/token",
        response_model=TokenResponse,
        responses=error_responses(401, 413, 429),
        tags=["devices"],
    )
    def rotate_token(device: Device, database: Database) -> TokenResponse:
        """A new token for the calling device (the till asks at the end of each sync). The token the call was made
        with stays valid until the new one is first used, then stops working; a revoked device is refused."""
        return TokenResponse(token=rotate(database, device))

    @app.get("/v1/warnings", response_model=WarningsResponse, responses=error_responses(401, 413, 429), tags=["sync"])
    def warnings(device: Device, database: Database) -> WarningsResponse:
        """This store's 需关注会员 list (`server.churn_warnings`): open churn warnings of its members and those
        handled in the last 30 days, newest first. Names and phones are not in it: the till has the members."""
        with database.read() as session:
            listed = churn_warnings.for_store(session, device.store_code, database.clock())
            return WarningsResponse(warnings=[_warning_info(w) for w in listed])

    @app.get("/v1/board", responses=error_responses(401, 413, 429), tags=["sync"])
    def health_board(device: Device, database: Database) -> dict[str, Any]:
        """The 会员看板 document (`server.health_board`): this store's and the chain's figures over today, 7 and 30
        days, with its `as_of` time. Counts and sums only: no member in it."""
        with database.read() as session:
            cache: BoardCache = app.state.boards
            return cache.board(session, device.store_code, database.clock())

    @app.get("/v1/config", response_model=ConfigResponse, responses=error_responses(401, 413, 429), tags=["sync"])
    def config(device: Device, database: Database) -> ConfigResponse:
        """Rules, tiers, this store, its staff and the chain-wide managers (with PIN hashes; inactive ones
        flagged; `server.staff_scope`), the member-code public key and the revoked card serials."""
        with database.read() as session:
            rules = chain.rules(session)
            store = session.get(Store, device.store_id)
            assert store is not None
            staff = session.scalars(select(Staff).where(staff_of_store(device.store_id)).order_by(Staff.code)).all()
            return ConfigResponse(
                config_version=chain.config_version(session),
                rules=rules.to_dict(),
                insight=chain.insight_rules(session).to_dict(),
                tiers=_tiers(rules),
                store=store_info(store),
                staff=[
                    StaffRecord(code=s.code, name=s.name, role=s.role, pin_hash=s.pin_hash, active=s.active)  # type: ignore[arg-type]
                    for s in staff
                ],
                member_code_public_key=chain.public_key_text(session),
                revoked_cards=chain.revoked_cards(session),
                gifts=gifts.for_store(session, device.store_code, store_day(database.clock(), store_zone())),
                manager_coupons=coupons.manager_templates(session),
                manager_daily_limit=chain.benefit_rules(session).manager_daily_limit,
            )

    def push_answer(raw: bytes, device: AuthenticatedDevice, database: ServerDatabase) -> Response:
        """`POST /v1/push` on a worker thread: decode (400, 413), check the request's rules (422), apply, encode."""
        request = decode_push(raw)
        for index, item in enumerate(request.items):
            if item.till_seq > MAX_TILL_SEQ:
                raise ApiError(
                    422, ErrorCode.RULE_VIOLATION, "till_seq is too large", field=f"body.items.{index}.till_seq"
                )
        if request.after_seq is not None and request.items:
            first = min(item.till_seq for item in request.items)
            if request.after_seq >= first:
                # The batch it names must come before this one: waiting for it could only end in `out_of_order`.
                raise ApiError(
                    422,
                    ErrorCode.RULE_VIOLATION,
                    f"after_seq must be below every till_seq of the batch ({first})",
                    field="body.after_seq",
                )
        # Encoded here, not by FastAPI: it would validate the 500 results against `response_model` once more.
        return Response(answer_json(push(database, device, request)), media_type="application/json")

    @app.post(
        "/v1/push",
        response_model=PushResponse,
        responses=error_responses(400, 401, 409, 413, 422, 429),
        tags=["sync"],
        openapi_extra=_PUSH_BODY,
    )
    async def push_items(raw: RawBody, device: Device, database: Database) -> Response:
        """Apply the till's outbox items in order, each id once for ever; one result per item, same order."""
        return await run_in_threadpool(push_answer, raw, device, database)

    @app.get(
        "/v1/changes",
        response_model=ChangesResponse,
        responses=error_responses(400, 401, 410, 413, 429),
        tags=["sync"],
    )
    def changes(
        device: Device,
        database: Database,
        since: Annotated[
            int, Query(ge=0, le=2**63 - 1, description="the cursor: the last version the till has written")
        ] = 0,
        limit: Annotated[int, Query(ge=1, le=MAX_CHANGES_PAGE)] = DEFAULT_LIMIT,
    ) -> Response:
        """Members changed after `since`, in version order, at their latest state; tombstones for merged or deleted
        members. Pull until `has_more` is false; store `next_cursor` with the page."""
        return Response(changes_page(database, since, limit), media_type="application/json")

    @app.post(
        "/v1/redemptions/authorize",
        response_model=AuthorizeResponse,
        responses=error_responses(400, 401, 413, 422, 429),
        tags=["sync"],
    )
    def authorize_redemption(request: AuthorizeRequest, device: Device, database: Database) -> AuthorizeResponse:
        """Hold the points for a redemption under its entry id (10 minutes); the pushed entry consumes the hold.
        An unknown member is answered `approved: false`, reason `unknown_member`. An amount beyond what the
        server's ledger holds (10^12 cents) breaks a rule: 422."""
        for name in ("points", "amount_cents"):
            if getattr(request, name) > MAX_POINTS:
                raise ApiError(422, ErrorCode.RULE_VIOLATION, f"{name} is too large", field=f"body.{name}")
        return authorize(database, device, request)

    @app.get(
        "/v1/receipts",
        response_model=ReceiptResponse,
        responses=error_responses(400, 401, 413, 429),
        tags=["sync"],
    )
    def receipt(
        device: Device,
        database: Database,
        store_code: Annotated[str, Query(min_length=1, max_length=32)],
        receipt_no: Annotated[str, Query(min_length=1, max_length=MAX_RECEIPT_LENGTH)],
    ) -> ReceiptResponse:
        """A store's receipt as the server holds it, for a return at another store: its earn and any redemption
        (oldest first; none when no member entry names it), their purchase lines and what was refunded of each."""
        return receipt_entries(database, store_code, receipt_no)

    @app.post(
        "/v1/member-codes",
        response_model=MemberCodesResponse,
        responses=error_responses(400, 401, 413, 429),
        tags=["sync"],
    )
    def member_codes(request: MemberCodesRequest, device: Device, database: Database) -> MemberCodesResponse:
        """The signed member codes (for the QR) of up to 100 members, in the order asked: a merged id gets its
        survivor's code, an unknown one `code: null` with a reason (docs/sync.md)."""
        if len(request.member_ids) > MAX_MEMBER_CODES:
            raise ApiError(
                413,
                ErrorCode.BATCH_TOO_LARGE,
                f"at most {MAX_MEMBER_CODES} member ids per call, got {len(request.member_ids)}",
                field="member_ids",
            )
        codes = issue_member_codes(database, request.member_ids)
        record_issued(database, Requester(device.id, device.store_code, request.staff_code), codes)
        return MemberCodesResponse(codes=codes)

    @app.get(
        "/v1/members/{member_id}/purchases",
        response_model=PurchaseHistoryResponse,
        responses=error_responses(400, 401, 404, 413, 429),
        tags=["sync"],
    )
    def member_purchases(
        member_id: Annotated[str, Path(min_length=1, max_length=36)],
        device: Device,
        database: Database,
        staff: Annotated[
            str | None,
            Query(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9_-]+$", description="who asked (audited)"),
        ] = None,
    ) -> PurchaseHistoryResponse:
        """The member's last 20 purchases at any store, newest first: date, store, amount, points, money refunded
        since, the purchase's top categories. A merged id gets its survivor's history (`member_id` names it); an
        unknown or erased member: 404 `unknown_member`. Every call is audited (device, store, `staff`, member)."""
        return purchase_history(database, member_id, Reader(device.id, device.store_code, staff))

    @app.post(
        "/v1/cards/reissue",
        response_model=CardReissueResponse,
        responses=error_responses(400, 401, 403, 404, 413, 429),
        tags=["sync"],
    )
    def reissue(request: CardReissueRequest, device: Device, database: Database) -> CardReissueResponse:
        """A new card for a member whose card was lost: a new serial, the old one revoked (tills refuse it after
        their next config fetch), and the new signed code. `approver_code` must be an active manager of this
        device's store or a chain-wide one (403 `approver_not_manager`); their PIN was checked at the till. An
        unknown or deleted member: 404 `unknown_member`. Audited with the member codes (`member-code-requests`)."""
        who = Requester(device.id, device.store_code, request.approver_code)
        try:
            card = reissue_card(database, request.member_id, who, approver_store_id=device.store_id)
        except CardRefused as refused:
            status = 403 if refused.code is ErrorCode.APPROVER_NOT_MANAGER else 404
            field = "approver_code" if status == 403 else "member_id"
            raise ApiError(status, refused.code, str(refused), field=field) from None
        log.info("card reissued by device %s", device.id)  # ids only
        return CardReissueResponse(member_id=card.member_id, card_serial=card.card_serial, code=card.code)

    @app.post(
        "/v1/audit/anchor",
        response_model=AnchorResponse,
        responses=error_responses(400, 401, 409, 413, 429),
        tags=["audit"],
    )
    def audit_anchor(request: AnchorRequest, device: Device, database: Database) -> AnchorResponse:
        """The till's audit chain head at this sync (and its hash now at the last anchor accepted, `prior`). Kept
        and answered with the anchor now held; refused 409 `audit_behind` (a seq below the one held: rows deleted)
        or `audit_rewritten` (another hash at a seq accepted before, or no `prior` naming one), the refusal kept."""
        verdict = record_anchor(database, device.id, request)
        if verdict.refused is not None:
            log.warning("audit anchor of device %s refused: %s", device.id, verdict.refused.value)
            held = f" (the server holds row {verdict.anchor.seq})" if verdict.anchor else ""
            raise ApiError(409, verdict.refused, f"the audit chain does not hold the anchored row{held}")
        return AnchorResponse(anchor=verdict.anchor)

    @app.get(
        "/v1/audit/anchor", response_model=AnchorResponse, responses=error_responses(401, 413, 429), tags=["audit"]
    )
    def audit_anchor_held(device: Device, database: Database) -> AnchorResponse:
        """The latest audit anchor the server accepted from the calling till (`verify-audit` checks against it)."""
        return AnchorResponse(anchor=latest_anchor(database, device.id))

    @app.post(
        "/v1/audit/key", response_model=AuditKeyResponse, responses=error_responses(401, 409, 413, 429), tags=["audit"]
    )
    def audit_key(device: Device, database: Database) -> AuditKeyResponse:
        """The audit key of a till registered before keys existed, handed over once: 409 `audit_key_issued` after."""
        try:
            return AuditKeyResponse(audit_key=issue_audit_key(database, device.id))
        except AuditKeyIssued:
            log.warning("audit key of device %s asked for again: refused", device.id)
            raise ApiError(409, ErrorCode.AUDIT_KEY_ISSUED, "this till's audit key was handed over already") from None

    return app


def _warning_info(warning: ChurnWarning) -> ChurnWarningInfo:
    outcome = None if warning.outcome is None else WarningOutcome(warning.outcome)
    return ChurnWarningInfo(
        id=warning.id,
        member_id=warning.member_id,
        reason=WarningReason(warning.reason),
        tag=warning.tag,
        from_segment=warning.from_segment,
        to_segment=warning.to_segment,
        raised_at=warning.raised_at,
        outcome=outcome,
        handled_at=warning.handled_at,
        handled_by=warning.handled_by,
    )
