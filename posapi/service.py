"""What the POS interface does, without HTTP: look members up, quote, commit and refund sales through the till's
services, answer in the schemas of `posapi.schemas`, and refuse with a `PosError` (an HTTP status, a stable code
and an English message for the POS developer). Sales and refunds are keyed by the POS's receipt / refund number:
the answer is written with the ledger rows in one transaction (`localdb.pos_requests`), so a retry is answered
byte for byte the same and never applied twice.

Threads: FastAPI's worker threads call it (several at once); the till's services serialize the writes."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from localdb import pos_requests
from localdb.changes import Changes
from localdb.coupons import CouponOffer
from localdb.errors import Problem, StoreError
from localdb.ledger import LedgerResult, RefundTarget, SaleRecord
from localdb.member_view import MemberView
from localdb.pos_requests import Replayed, RequestConflict, RequestKey
from localdb.staff import StaffSession
from localdb.till import Till
from loyalty.coupons import CouponRefused
from loyalty.member_code import InvalidMemberCode
from loyalty.phone import InvalidPhone
from loyalty.points import RedeemRefused, max_redeemable_points, quote_redemption
from posapi.lines import BadQuantity, quantity_milli, spread_to
from posapi.pending import PendingSale, SaleOutcome
from posapi.schemas import (
    CouponOut,
    Limits,
    LineIn,
    LookupRequest,
    LookupResponse,
    MemberOut,
    MemberRef,
    QuoteResponse,
    RefundRequest,
    RefundResponse,
    SaleRequest,
    SaleResponse,
    Slip,
    UsedCoupon,
)
from protocol.vocabulary import EntryKind
from protocol.wire import SaleLine
from sync.authorizer import AuthorizerClientFactory, RedemptionAuthorizer, Verdict
from sync.client import ServerClient, SyncError

if TYPE_CHECKING:
    from protocol.wire import ReceiptResponse

log = logging.getLogger(__name__)

#: Who the POS acts as: the staff member logged in at the counter (None: nobody is, the API refuses).
ActorSource = Callable[[], StaffSession | None]
#: Called (on the API's or the confirming worker's thread) with each sale's answer once it is written, by the POS or
#: confirmed at the counter — the slip printer's seam; never for a replay.
OnCommit = Callable[[SaleResponse], None]


class PosError(Exception):
    """A refusal for the POS: `status` (HTTP), `code` (stable), `message` (English, for the POS developer)."""

    def __init__(
        self, status: int, code: str, message: str, *, limit: int | None = None, cause: Exception | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.limit = limit
        self.cause = cause  # the till's own refusal behind it, for the counter to put into words


_PROBLEMS: dict[Problem, tuple[int, str]] = {
    Problem.MEMBER_NOT_FOUND: (404, "The member is not known at this till."),
    Problem.PERMISSION_DENIED: (403, "The staff member logged in at the till may not do this."),
    Problem.DUPLICATE_RECEIPT: (409, "This receipt number already earned points at this store."),
    Problem.INVALID_RECEIPT: (422, "The receipt number is empty or too long."),
    Problem.OVER_OFFLINE_CAP: (409, "Offline, this member may redeem no more today at this till (limit: left)."),
    Problem.APPROVAL_REQUIRED: (409, "A manager must approve this at the till."),
    Problem.ENTRY_NOT_FOUND: (404, "The sale is not known."),
    Problem.ALREADY_REVERSED: (409, "The sale was reversed at the till."),
    Problem.NOT_REFUNDABLE: (409, "That entry cannot be refunded."),
    Problem.INSUFFICIENT_POINTS: (409, "The member has too few points for this (limit: their balance)."),
    Problem.OVER_REFUND: (409, "More would be refunded than the sale has left (limit: cents left)."),
    Problem.INVALID_LINES: (422, "The lines do not add up to the money, or a line number appears twice."),
    Problem.INVALID_TAIL: (422, "A phone tail is exactly 4 digits."),
    Problem.NO_MEMBER_CODE_KEY: (503, "This till cannot read member codes until it has synced once."),
    Problem.STORAGE_FULL: (503, "The till's disk is full: nothing was written."),
    Problem.STORAGE_FAILED: (503, "The till's database could not be read or written: nothing was written."),
    Problem.STORE_UNAVAILABLE: (503, "The till's database cannot be opened."),
    Problem.NOTHING_TO_AWARD: (422, "Nothing to award."),
}


def store_refusal(error: StoreError) -> PosError:
    status, message = _PROBLEMS.get(error.problem, (409, "The till refused the request."))
    return PosError(status, error.problem.value, message, limit=error.limit, cause=error)


def body_hash(request: SaleRequest | RefundRequest) -> str:
    """The request as validated, canonically: the same sale sent with other spacing or key order hashes alike."""
    return hashlib.sha256(request.model_dump_json().encode()).hexdigest()


def wire_lines(lines: Sequence[LineIn]) -> list[SaleLine]:
    try:
        return [
            SaleLine(line_no=line.line_no or position, sku=line.sku, name=line.name, category=line.category,
                     quantity_milli=quantity_milli(line.quantity), amount_cents=line.amount_cents)
            for position, line in enumerate(lines, start=1)
        ]  # fmt: skip
    except BadQuantity as error:
        raise PosError(422, "invalid_quantity", str(error)) from None
    except ValueError:  # a quantity beyond what a line may carry
        raise PosError(422, "invalid_quantity", "a quantity is too large") from None


def quantity_text(milli: int) -> str:
    """Thousandths back to the decimal text the POS sends ("0.350")."""
    return f"{milli // 1000}.{milli % 1000:03d}"


def _coupon_out(offer: CouponOffer) -> CouponOut:
    template = offer.coupon.template
    return CouponOut(
        coupon_id=offer.coupon.id,
        template_code=template.code,
        name=template.name.to_dict(),
        kind=template.kind.value,
        gift_sku=template.gift_sku,
        min_spend_cents=template.min_spend_cents,
        stackable=template.stackable,
        last_day=offer.coupon.last_day,
        discount_cents=offer.discount_cents,
        problem=None if offer.problem is None else offer.problem.value,
    )


def _coupon_refusal(refused: CouponRefused) -> PosError:
    return PosError(422, f"coupon_{refused.problem.value}", f"Coupon {refused.coupon_id} cannot go on this bill "
                    f"({refused.problem.value}).", cause=refused)  # fmt: skip


def _member_out(member: MemberView) -> MemberOut:
    return MemberOut(member_id=member.id, name=member.name, phone_masked=member.phone_masked, tier=member.tier,
                     available_points=member.available_points)  # fmt: skip


@dataclass(frozen=True, slots=True)
class _Refund:
    """What a refund gives back: the redemption's share first (its points return before the earn's are taken),
    then the earn's lines."""

    targets: list[tuple[RefundTarget | str, int, Sequence[SaleLine] | None]]
    member_id: str
    earn_id: str


@dataclass(frozen=True, slots=True)
class CounterRefund:
    """A return taken at the counter: the answer the POS would have had, and the member whose points it moved (the
    counter's screens re-read that member)."""

    answer: RefundResponse

    @property
    def changes(self) -> Changes:
        member_id = self.answer.member_id
        return Changes.of_member(member_id) if self.answer.status == "refunded" and member_id else Changes()


#: The POS's refusals that carry no refusal of the till's (the request's own shape), as the counter words them.
_COUNTER_CODES: dict[str, Problem] = {
    "receipt_conflict": Problem.REFUND_NO_USED,
    "over_refund": Problem.OVER_REFUND,
    "no_cashier": Problem.PERMISSION_DENIED,
}


def _counter_refusal(error: PosError) -> Exception:
    if error.cause is not None:  # the till's own refusal (StoreError)
        return error.cause
    return StoreError(_COUNTER_CODES.get(error.code, Problem.INVALID_LINES), limit=error.limit)


class PosService:
    """The API's work. `actor`: who the POS acts as; `client_factory`: the server client (tests inject theirs)."""

    def __init__(
        self,
        till: Till,
        actor: ActorSource,
        client_factory: AuthorizerClientFactory = ServerClient,
        *,
        on_commit: OnCommit | None = None,
    ) -> None:
        self._till = till
        self._actor = actor
        self._client_factory = client_factory
        self._on_commit = on_commit
        self._authorizer = RedemptionAuthorizer(till.sync, client_factory)

    def actor(self) -> StaffSession:
        actor = self._actor()
        if actor is None:
            raise PosError(503, "no_cashier", "Nobody is logged in at the till: log in at the counter first.")
        return actor

    # -- lookup ---------------------------------------------------------------------------------------------------

    def lookup(self, request: LookupRequest) -> LookupResponse:
        asked = [v for v in (request.member_code, request.phone, request.tail) if v is not None]
        if len(asked) != 1:
            raise PosError(422, "invalid_lookup", "Send exactly one of member_code, phone or tail.")
        actor = self.actor()
        members = self._till.members
        try:
            if request.tail is not None:
                found = members.find_by_tail(actor, request.tail)
            else:
                one = self._find_one(actor, MemberRef(member_code=request.member_code, phone=request.phone))
                found = [one] if one is not None else []
        except StoreError as error:
            raise store_refusal(error) from None
        return LookupResponse(candidates=[_member_out(member) for member in found])

    def _find_one(self, actor: StaffSession, ref: MemberRef) -> MemberView | None:
        members = self._till.members
        try:
            if ref.member_code is not None:
                return members.find_by_code(actor, ref.member_code)
            if ref.phone is not None:
                return members.find_by_phone(actor, ref.phone)
        except InvalidMemberCode:
            raise PosError(422, "invalid_member_code", "The member code is not valid or was revoked.") from None
        except InvalidPhone:
            raise PosError(422, "invalid_phone", "The phone is not a full mainland China mobile number.") from None
        if ref.member_id is not None:
            return members.get(actor, ref.member_id)
        return None

    def _member(self, actor: StaffSession, ref: MemberRef | None) -> MemberView | None:
        if ref is None:
            return None
        if sum(v is not None for v in (ref.member_id, ref.member_code, ref.phone)) != 1:
            raise PosError(422, "invalid_member", "Name the member by exactly one of member_id, member_code, phone.")
        try:
            member = self._find_one(actor, ref)
        except StoreError as error:
            raise store_refusal(error) from None
        if member is None:
            raise PosError(404, "member_not_found", "No member is known at this till by that.")
        return member

    # -- quote ----------------------------------------------------------------------------------------------------

    def _online(self) -> bool:
        """Whether the till's last contact with the server worked (registered, not blocked, last sync clean)."""
        registration = self._till.sync.registration()
        if registration is None or registration.blocked is not None:
            return False
        last = self._till.sync.last_run()
        return last is None or last.error is None

    def quote(self, request: SaleRequest) -> QuoteResponse:
        actor = self.actor()
        member = self._member(actor, request.member)
        if member is None:
            raise PosError(422, "invalid_member", "A quote is for a member: name one.")
        lines = wire_lines(request.lines)
        self._check_total(lines, request.total_cents)
        rules = self._till.settings.current().rules
        online = self._online()
        try:
            cap_left = self._till.ledger.offline_cap_left(actor, member.id)
        except StoreError as error:
            raise store_refusal(error) from None
        coupon_off = self._coupon_cents(request, member)
        bill = request.total_cents - coupon_off
        usable = max_redeemable_points(rules, bill, member.available_points)
        if not online:
            usable = min(usable, cap_left - cap_left % rules.redeem_step_points)
        discount = self._discount(request, member, bill)
        earned = self._till.ledger.earn_preview(member.id, bill - discount)
        return QuoteResponse(
            receipt_no=request.receipt_no.strip(),
            member=_member_out(member),
            points_earned=earned,
            points_usable=usable,
            points_to_redeem=request.points_to_redeem,
            discount_cents=discount,
            coupons=[_coupon_out(offer) for offer in self._till.coupons.offers(member.id, request.total_cents)],
            coupon_discount_cents=coupon_off,
            limits=Limits(
                redeem_min_points=rules.redeem_min_points,
                redeem_step_points=rules.redeem_step_points,
                redeem_points_per_yuan=rules.redeem_points_per_yuan,
                redeem_max_bill_pct=rules.redeem_max_bill_pct,
                offline_cap_left=cap_left,
                online=online,
            ),
        )

    def _coupon_cents(self, request: SaleRequest, member: MemberView) -> int:
        """What the asked coupons take off the total together (as the commit will apply them)."""
        if not request.coupon_ids:
            return 0
        try:
            uses = self._till.coupons.plan(member.id, request.coupon_ids, request.total_cents)
        except CouponRefused as refused:
            raise _coupon_refusal(refused) from None
        return sum(use.discount_cents for use in uses)

    def _discount(self, request: SaleRequest, member: MemberView, bill_cents: int) -> int:
        if request.points_to_redeem == 0:
            return 0
        rules = self._till.settings.current().rules
        try:
            quote = quote_redemption(rules, request.points_to_redeem, bill_cents, member.available_points)
        except RedeemRefused as refused:
            raise PosError(422, f"redeem_{refused.problem.value}", str(refused), cause=refused) from None
        return quote.value_cents

    @staticmethod
    def _check_total(lines: list[SaleLine], total_cents: int) -> None:
        if len({line.line_no for line in lines}) != len(lines):
            raise PosError(422, "invalid_lines", "A line number appears twice.")
        if sum(line.amount_cents for line in lines) < total_cents:
            raise PosError(422, "invalid_lines", "The lines add up to less than the total.")

    # -- commit ---------------------------------------------------------------------------------------------------

    def commit(self, request: SaleRequest) -> str:
        """The sale's answer (SaleResponse JSON), the first one for a retry of the same sale. `on_commit` hears of
        the sale when this call wrote it (not for a replay): the slip is printed once."""
        actor = self.actor()
        key = request.receipt_no.strip()
        digest = body_hash(request)
        try:
            pos_requests.check_answered(self._till.db, "sale", key, digest)
        except Replayed as replayed:
            return replayed.answer
        except RequestConflict:
            raise PosError(409, "receipt_conflict", "This receipt number was sent before with another sale.") from None
        except StoreError as error:
            raise store_refusal(error) from None
        member = self._member(actor, request.member)
        lines = wire_lines(request.lines)
        self._check_total(lines, request.total_cents)
        sale_lines = spread_to(lines, request.total_cents)
        points = request.points_to_redeem if member is not None else 0
        if (request.points_to_redeem or request.coupon_ids) and member is None:
            raise PosError(422, "invalid_member", "Points and coupons can be used only by a member.")
        coupon_off = self._coupon_cents(request, member) if member is not None else 0
        bill = request.total_cents - coupon_off
        discount = self._discount(request, member, bill) if member is not None else 0
        online, redemption_id = False, None
        if points:
            assert member is not None
            answer = self._authorizer.authorize(member.id, points, discount)
            if answer.verdict is Verdict.REFUSED:
                raise PosError(409, "redemption_refused", "The server refused the redemption (limit: the balance "
                               "it holds).", limit=answer.balance, cause=answer.refusal())  # fmt: skip
            online, redemption_id = answer.online, answer.entry_id
        store_name = self._till.sync.store_name()
        store_code = self._till.settings.current().store_code
        request_key: RequestKey[SaleRecord] = RequestKey(
            "sale",
            key,
            digest,
            lambda record: self._sale_answer(record, key, request.total_cents, store_code, store_name),
        )
        try:
            record = self._till.ledger.sale(
                actor,
                key,
                request.total_cents,
                sale_lines,
                member_id=member.id if member else None,
                coupon_ids=request.coupon_ids,
                redeem_points=points,
                earn_lines=spread_to(lines, bill - discount) if member and bill > discount else None,
                online_authorized=online,
                online=self._online(),
                redemption_id=redemption_id,
                request=request_key,
            )
        except Replayed as replayed:  # the same sale at the same moment: the other one wrote it
            return replayed.answer
        except CouponRefused as refused:  # used at this till a moment ago, by another request
            raise _coupon_refusal(refused) from None
        except RequestConflict:
            raise PosError(409, "receipt_conflict", "This receipt number was sent before with another sale.") from None
        except StoreError as error:
            raise store_refusal(error) from None
        assert record.answer is not None
        if self._on_commit is not None:
            self._on_commit(SaleResponse.model_validate_json(record.answer))
        return record.answer

    @staticmethod
    def _sale_answer(record: SaleRecord, receipt: str, total: int, store_code: str, store_name: str | None) -> str:
        earned = record.earn.entry.points if record.earn else 0
        redeemed = -record.redemption.entry.points if record.redemption else 0
        discount = (record.redemption.entry.amount_cents or 0) if record.redemption else 0
        balance = record.member.available_points if record.member else None
        coupons = [UsedCoupon(coupon_id=c.coupon_id, name=c.name, discount_cents=c.discount_cents)
                   for c in record.coupons]  # fmt: skip
        answer = SaleResponse(
            receipt_no=receipt,
            member_id=record.member.id if record.member else None,
            points_earned=earned,
            points_redeemed=redeemed,
            discount_cents=discount,
            coupons=coupons,
            coupon_discount_cents=record.coupon_cents,
            paid_cents=total - record.coupon_cents - discount,
            balance=balance,
            slip=Slip(
                store_code=store_code,
                store_name=store_name,
                receipt_no=receipt,
                phone_masked=record.member.phone_masked if record.member else None,
                points_earned=earned,
                points_redeemed=redeemed,
                discount_cents=discount,
                balance=balance,
                coupons=coupons,
            ),
        )
        return answer.model_dump_json()

    def confirm_pending(
        self, actor: StaffSession, sale: PendingSale, member_id: str | None, coupon_ids: tuple[str, ...] = ()
    ) -> SaleOutcome:
        """The counter's confirm of a pending sale: the same commit path and idempotency as POST /pos/v1/sales."""
        request = SaleRequest(
            receipt_no=sale.receipt_no,
            total_cents=sale.total_cents,
            lines=[
                LineIn(
                    line_no=line.line_no,
                    sku=line.sku,
                    name=line.name,
                    category=line.category,
                    quantity=quantity_text(line.quantity_milli),
                    amount_cents=line.amount_cents,
                )
                for line in sale.lines
            ],
            member=MemberRef(member_id=member_id) if member_id is not None else None,
            coupon_ids=list(coupon_ids) if member_id is not None else [],
            points_to_redeem=sale.points_to_redeem if member_id is not None else 0,
        )
        try:
            acting = PosService(self._till, lambda: actor, self._client_factory, on_commit=self._on_commit)
            answer = SaleResponse.model_validate_json(acting.commit(request))
        except PosError as error:
            if error.cause is not None:  # the till's own refusal (StoreError, RedeemRefused, RefusedOnline)
                raise error.cause from None
            problem = Problem.DUPLICATE_RECEIPT if error.code == "receipt_conflict" else Problem.INVALID_LINES
            raise StoreError(problem, limit=error.limit) from None
        return SaleOutcome(
            receipt_no=answer.receipt_no,
            member_id=answer.member_id,
            points_earned=answer.points_earned,
            points_redeemed=answer.points_redeemed,
            discount_cents=answer.discount_cents,
            balance=answer.balance,
            coupon_discount_cents=answer.coupon_discount_cents,
        )

    # -- refund ---------------------------------------------------------------------------------------------------

    def refund(self, request: RefundRequest) -> str:
        """The refund's answer (RefundResponse JSON); a retry of the same refund gets the first answer."""
        return self._refund(self.actor(), request)

    def _refund(
        self,
        actor: StaffSession,
        request: RefundRequest,
        *,
        approver: StaffSession | None = None,
        member_id: str | None = None,
    ) -> str:
        """`refund` as `actor`, with a manager's approval (`approver`) and, at the counter, the member on screen
        (`member_id`: a receipt that earned for someone else is refused before anything is written)."""
        key = request.refund_no.strip()
        digest = body_hash(request)
        try:
            pos_requests.check_answered(self._till.db, "refund", key, digest)
        except Replayed as replayed:
            return replayed.answer
        except RequestConflict:
            raise PosError(409, "receipt_conflict", "This refund number was sent before with another refund.") from None
        own_store = self._till.settings.current().store_code
        receipt = request.receipt_no.strip()
        other = request.store_code is not None and request.store_code.strip() != own_store
        if other:
            assert request.store_code is not None
            try:
                held = self._server_receipt(request.store_code.strip(), receipt)
            except SyncError as error:
                log.info("a return of another store's sale: the server cannot be asked (%s)", error.code)
                return self._needs_manager(key, "server_unreachable")
            plan = self._remote_plan(held, request)
        else:
            plan = self._local_plan(receipt, request)
        if plan is not None and member_id is not None and plan.member_id != member_id:
            raise PosError(409, "other_members_receipt", "The receipt earned for another member.",
                           cause=StoreError(Problem.OTHER_MEMBERS_RECEIPT, member_id=member_id))  # fmt: skip
        if plan is None:
            return RefundResponse(refund_no=key, status="nothing_to_refund", member_id=None, refunded_cents=0,
                                  points_clawed_back=0, points_returned=0, balance=None).model_dump_json()  # fmt: skip
        request_key: RequestKey[list[LedgerResult]] = RequestKey(
            "refund", key, digest, lambda results: self._refund_answer(key, plan, results)
        )
        try:
            results = self._till.ledger.refund(
                actor, plan.targets, approver=approver, receipt_no=key, request=request_key
            )
        except Replayed as replayed:
            return replayed.answer
        except RequestConflict:
            raise PosError(409, "receipt_conflict", "This refund number was sent before with another refund.") from None
        except StoreError as error:
            if error.problem is Problem.APPROVAL_REQUIRED:
                return self._needs_manager(key, "approval_required")
            raise store_refusal(error) from None
        return self._refund_answer(key, plan, results)

    def refund_at_counter(
        self,
        actor: StaffSession,
        request: RefundRequest,
        *,
        approver: StaffSession | None = None,
        member_id: str | None = None,
    ) -> CounterRefund:
        """The counter's return (ui.return_dialog): the same planning, idempotency and answer as POST
        /pos/v1/refunds, acting as `actor`, with `approver` (a manager who approved moving the points back) passed to
        the ledger; `member_id`: the member on screen, whose receipt it must be. A refusal is the till's own
        (`StoreError`, worded at the counter); `needs_manager` and `nothing_to_refund` come back as answers."""
        try:
            answer = self._refund(actor, request, approver=approver, member_id=member_id)
        except PosError as error:
            raise _counter_refusal(error) from None
        return CounterRefund(RefundResponse.model_validate_json(answer))

    def return_offline_at_counter(
        self,
        actor: StaffSession,
        request: RefundRequest,
        member_id: str,
        points: int,
        *,
        approver: StaffSession | None = None,
    ) -> CounterRefund:
        """A return of another store's sale taken while the server cannot be asked (the refund answered
        `needs_manager` / `server_unreachable`): `LedgerService.return_offline` for the member on screen, `points`
        as the manager set them, kept under the refund number like a refund (in the same transaction), so that
        refund sent again — by the POS once online, or confirmed twice — is answered with this return, never applied
        a second time."""
        key = request.refund_no.strip()
        digest = body_hash(request)
        try:
            pos_requests.check_answered(self._till.db, "refund", key, digest)
        except Replayed as replayed:
            return CounterRefund(RefundResponse.model_validate_json(replayed.answer))
        except RequestConflict:
            raise StoreError(Problem.REFUND_NO_USED) from None
        if request.store_code is None or request.amount_cents is None:
            raise StoreError(Problem.INVALID_LINES)  # an offline return names the store and the money given back
        cents = request.amount_cents

        def answer(result: LedgerResult) -> str:
            return RefundResponse(refund_no=key, status="refunded", reason="offline_return", member_id=member_id,
                                  refunded_cents=cents, points_clawed_back=-result.entry.points, points_returned=0,
                                  balance=result.member.available_points).model_dump_json()  # fmt: skip

        request_key: RequestKey[LedgerResult] = RequestKey("refund", key, digest, answer)
        try:
            result = self._till.ledger.return_offline(
                actor,
                member_id,
                points,
                ref_store_code=request.store_code,
                ref_receipt_no=request.receipt_no,
                refunded_cents=cents,
                approver=approver,
                request=request_key,
            )
        except Replayed as replayed:
            return CounterRefund(RefundResponse.model_validate_json(replayed.answer))
        except RequestConflict:
            raise StoreError(Problem.REFUND_NO_USED) from None
        return CounterRefund(RefundResponse.model_validate_json(answer(result)))

    @staticmethod
    def _needs_manager(key: str, reason: str) -> str:
        """Nothing written, nothing kept: once the till can ask (or a manager takes it at the counter), it works."""
        return RefundResponse(refund_no=key, status="needs_manager", reason=reason, member_id=None, refunded_cents=0,
                              points_clawed_back=0, points_returned=0, balance=None).model_dump_json()  # fmt: skip

    @staticmethod
    def _refund_answer(key: str, plan: _Refund, results: list[LedgerResult]) -> str:
        earn = [r for r in results if r.entry.refund_of == plan.earn_id]
        clawed = sum(-r.entry.points for r in earn)
        returned = sum(r.entry.points for r in results if r.entry.refund_of != plan.earn_id)
        earn_cents = sum(r.entry.amount_cents or 0 for r in earn)
        balance = results[-1].member.available_points if results else None
        return RefundResponse(refund_no=key, status="refunded", member_id=plan.member_id, refunded_cents=earn_cents,
                              points_clawed_back=clawed, points_returned=returned,
                              balance=balance).model_dump_json()  # fmt: skip

    def _server_receipt(self, store_code: str, receipt_no: str) -> ReceiptResponse:
        registration = self._till.sync.registration()
        if registration is None:
            raise SyncError("not registered", code="not_registered")
        with self._client_factory(registration.server_url, registration.token) as client:
            return client.receipt(store_code, receipt_no)

    def _local_plan(self, receipt: str, request: RefundRequest) -> _Refund | None:
        ledger = self._till.ledger
        entries = ledger.earn_for_receipt(receipt)
        earn = next((e for e in entries if e.kind is EntryKind.EARN), None)
        redemption = next((e for e in entries if e.kind is EntryKind.REDEEM), None)
        if earn is None:
            return None
        cents, given = self._given_back(ledger.lines_of(earn.id), request)
        earn_before = ledger.refunded_cents(earn.id)
        targets: list[tuple[RefundTarget | str, int, Sequence[SaleLine] | None]] = []
        if redemption is not None:
            redeem_before = ledger.refunded_cents(redemption.id)
            with self._till.db.read() as session:
                target = ledger.refund_target(session, redemption.id)
            assert target is not None
            share = self._bill_share(target.base_cents, earn.amount_cents or 0, earn_before + cents, redeem_before)
            if share > 0:
                targets.append((redemption.id, share, None))
        targets.append((earn.id, cents, given))
        return _Refund(targets, earn.member_id, earn.id)

    def _remote_plan(self, held: ReceiptResponse, request: RefundRequest) -> _Refund | None:
        earn = next((e for e in held.entries if e.kind is EntryKind.EARN), None)
        redemption = next((e for e in held.entries if e.kind is EntryKind.REDEEM), None)
        if earn is None:
            return None
        cents, given = self._given_back(earn.lines or [], request)
        ledger = self._till.ledger

        def target(entry_id: str, kind: EntryKind, points: int, base: int, refunded: int) -> RefundTarget:
            return RefundTarget(entry_id=entry_id, member_id=earn.member_id, kind=kind, points=points,
                                base_cents=base, refunded_cents=refunded, receipt_no=held.receipt_no)  # fmt: skip

        earn_before = earn.refunded_cents + ledger.refunded_cents(earn.id, pending_only=True)
        targets: list[tuple[RefundTarget | str, int, Sequence[SaleLine] | None]] = []
        if redemption is not None:
            bill = redemption.bill_cents or 0
            redeem_before = redemption.refunded_cents + ledger.refunded_cents(redemption.id, pending_only=True)
            share = self._bill_share(bill, earn.amount_cents or 0, earn_before + cents, redeem_before)
            if share > 0:
                targets.append(
                    (target(redemption.id, EntryKind.REDEEM, redemption.points, bill, redemption.refunded_cents),
                     share, None)
                )  # fmt: skip
        targets.append(
            (target(earn.id, EntryKind.EARN, earn.points, earn.amount_cents or 0, earn.refunded_cents), cents, given)
        )
        return _Refund(targets, earn.member_id, earn.id)

    @staticmethod
    def _bill_share(bill: int, paid: int, paid_refunded_after: int, bill_refunded_before: int) -> int:
        """The part of a redemption's bill a refund gives back: the bill in the proportion of the paid money given
        back in all (floored, so the parts add up to the whole bill once everything came back)."""
        if paid <= 0:
            return 0
        return max(bill * min(paid_refunded_after, paid) // paid - bill_refunded_before, 0)

    @staticmethod
    def _given_back(lines: Sequence[SaleLine], request: RefundRequest) -> tuple[int, list[SaleLine] | None]:
        """The money given back and the parts of the original lines it is for: by quantity (the line's paid amount
        in proportion, floored) or by an amount named, never more than the line; or an amount of the whole sale
        without lines (`amount_cents`, for a sale whose lines the till does not hold)."""
        if (request.lines is None) == (request.amount_cents is None):
            raise PosError(422, "invalid_refund", "Send either lines or amount_cents.")
        if request.amount_cents is not None:
            return request.amount_cents, None
        assert request.lines is not None
        by_no = {line.line_no: line for line in lines}
        given: list[SaleLine] = []
        for part in request.lines:
            original = by_no.get(part.line_no)
            if original is None:
                raise PosError(422, "unknown_line", f"The sale has no line {part.line_no}.")
            try:
                milli = quantity_milli(part.quantity) if part.quantity is not None else original.quantity_milli
            except BadQuantity as error:
                raise PosError(422, "invalid_quantity", str(error)) from None
            if milli > original.quantity_milli:
                raise PosError(422, "over_refund", f"Line {part.line_no}: more is returned than was sold.")
            cents = part.amount_cents
            if cents is None:
                cents = original.amount_cents * milli // original.quantity_milli
            if cents > original.amount_cents:
                raise PosError(422, "over_refund", f"Line {part.line_no}: more is refunded than it cost.")
            given.append(original.model_copy(update={"quantity_milli": milli, "amount_cents": cents}))
        if len({line.line_no for line in given}) != len(given):
            raise PosError(422, "invalid_lines", "A line number appears twice.")
        cents = sum(line.amount_cents for line in given)
        if cents <= 0:
            raise PosError(422, "over_refund", "Nothing would be refunded.")
        return cents, given
