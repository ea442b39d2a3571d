"""The sync protocol's wire schemas (pydantic v2), shared by the till (its store writes the outbox bodies with them,
`sync/` sends them) and the central server (`server/`, which checks every body against them again).

PROTOCOL.md names the fields; this module may add fields, never change those. Every time on the wire is an aware
datetime (ISO 8601 with offset); money is integer cents, points integer points. No Qt, no database here.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

# Every time on the wire carries its UTC offset: `AwareDatetime` refuses a naive one (pydantic's own check, in Rust;
# a Python validator here was called twice per pushed item).
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, TypeAdapter

from protocol.limits import (
    MAX_CENTS,
    MAX_POINTS,
    MAX_QUANTITY_MILLI,
    MAX_RECEIPT_LENGTH,
    MAX_SALE_LINES,
    MAX_SEQ,
    PROTOCOL_VERSION,
)
from protocol.vocabulary import (
    KIND_RULES,
    EntryKind,
    ErrorCode,
    Gender,
    ItemStatus,
    ItemType,
    PointsSign,
    PreferenceKind,
    PreferenceOp,
    WarningOutcome,
    WarningReason,
)

Points = Annotated[int, Field(ge=-MAX_POINTS, le=MAX_POINTS)]
Cents = Annotated[int, Field(ge=-MAX_CENTS, le=MAX_CENTS)]
Version = Annotated[int, Field(ge=0, le=MAX_SEQ)]
Id = Annotated[str, Field(min_length=1, max_length=36)]
Code = Annotated[str, Field(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9_-]+$")]


class Wire(BaseModel):
    """Base of every wire message: unknown fields are refused, so a typo is a 400, not a silent default."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class ErrorDetail(Wire):
    code: ErrorCode
    message: str
    field: str | None = None
    ids: list[str] = Field(default_factory=list)


# -- health, registration, config -------------------------------------------------------------------------------


class Health(Wire):
    status: Literal["ok"]
    server_time: AwareDatetime
    protocol: int = PROTOCOL_VERSION


class RegisterRequest(Wire):
    store_code: Code
    device_name: Annotated[str, Field(min_length=1, max_length=64)]
    enrolment_code: Annotated[str, Field(min_length=4, max_length=32)]


class StoreInfo(Wire):
    code: Code
    name: str
    timezone: str = "Asia/Shanghai"


#: A SHA-256 / HMAC-SHA256 in lower-case hex, and the audit chain's 32-byte key the same way.
Hex64 = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]


class RegisterResponse(Wire):
    device_id: Id
    token: str
    store: StoreInfo
    #: The till's audit-chain key (docs/sync.md "The audit anchor"); shown only here (or once by POST /v1/audit/key).
    audit_key: Hex64 | None = None


class TokenResponse(Wire):
    """`POST /v1/devices/token`: the device's new token. The one the call was made with stays valid until this one
    is first used (a lost answer does not lock the till out)."""

    token: str


class StaffRecord(Wire):
    code: Code
    name: str
    role: Literal["cashier", "guide", "manager"]
    pin_hash: str
    active: bool = True


class TierInfo(Wire):
    code: str
    name: str
    min_spend_cents: int
    earn_multiplier_pct: int


class ConfigResponse(Wire):
    config_version: int
    rules: dict[str, Any]  # loyalty.rules.PointsRules.to_dict()
    #: loyalty.insight.InsightRules.to_dict(): segment thresholds, tags and suggested actions. None from a server
    #: older than issue 17 (the till keeps what it has).
    insight: dict[str, Any] | None = None
    tiers: list[TierInfo]
    store: StoreInfo
    staff: list[StaffRecord]
    member_code_public_key: str  # base64 of the raw Ed25519 public key
    revoked_cards: list[int]
    #: Added with issue 18: the gift catalogue offered now or later (`loyalty.gifts.Gift.to_dict()`), each with
    #: `stock`, this store's count as the server holds it (it may be below 0 after offline hand-outs).
    gifts: list[dict[str, Any]] = Field(default_factory=list)
    #: Added with issue 18: the coupon templates a manager may give at the till (`CouponTemplate.to_dict()`), and
    #: how many a day per store (0: none may).
    manager_coupons: list[dict[str, Any]] = Field(default_factory=list)
    manager_daily_limit: int = 0


# -- push -----------------------------------------------------------------------------------------------------------


class EnrolBody(Wire):
    member_id: Id
    phone: Annotated[str, Field(min_length=1, max_length=32)]  # E.164; the server parses it again
    name: Annotated[str, Field(min_length=1, max_length=64)]
    birthday: date | None = None
    gender: Gender | None = None
    consent_marketing: bool = False
    consent_profile: bool = False
    #: Added with issue 18: the member who brought this one in (邀请好友), as the till found them: both get the
    #: chain's referral coupon once this member makes a first purchase. Ignored when unknown to the server.
    referrer_id: Id | None = None
    store_code: Code
    staff_code: Code
    created_at: AwareDatetime


class SaleLine(Wire):
    """One purchase line as the POS sent it: what was bought, in which category, how much and for what. On a
    refund entry, the part of the original line given back (`line_no` is the original's)."""

    line_no: Annotated[int, Field(ge=1, le=MAX_SALE_LINES)]
    sku: Annotated[str, Field(min_length=1, max_length=64)]
    name: Annotated[str, Field(min_length=1, max_length=64)]
    category: Annotated[str, Field(min_length=1, max_length=32)]
    #: Thousandths of the line's unit (2 pieces: 2000; 0.35 kg: 350), so weighed goods stay integers.
    quantity_milli: Annotated[int, Field(ge=1, le=MAX_QUANTITY_MILLI)]
    amount_cents: Annotated[int, Field(ge=0, le=MAX_CENTS)]  # what the customer paid for the line


SaleLines = Annotated[list[SaleLine], Field(min_length=1, max_length=MAX_SALE_LINES)]
#: Lines to and from plain JSON values in one call (in Rust): how the server stores a sale's lines.
SALE_LINES: TypeAdapter[list[SaleLine]] = TypeAdapter(list[SaleLine])


def lines_break_total(lines: list[SaleLine] | None, amount_cents: int | None) -> bool:
    """Whether purchase lines disagree with the money they stand for: their amounts must add up to it exactly and
    each line number appear once (the till's POS interface spreads a whole-bill discount over the lines first)."""
    if lines is None:
        return False
    if len({line.line_no for line in lines}) != len(lines):
        return True
    return sum(line.amount_cents for line in lines) != (amount_cents or 0)


class PointEntryBody(Wire):
    id: Id
    member_id: Id
    kind: EntryKind
    points: Points
    amount_cents: Cents | None = None
    bill_cents: Annotated[int, Field(ge=0, le=MAX_CENTS)] | None = None
    receipt_no: Annotated[str, Field(max_length=MAX_RECEIPT_LENGTH)] | None = None
    rule_version: Annotated[int, Field(ge=1, le=2**31 - 1)]
    staff_code: Code
    approved_by: Code | None = None
    store_code: Code
    device_id: Id
    created_at: AwareDatetime
    reverses: Id | None = None
    offline: bool = False
    bonuses: list[str] = Field(default_factory=list)
    birthday_month: bool = False
    tier: Annotated[str, Field(min_length=1, max_length=16)] | None = None  # the tier the till earned at (an earn)
    #: An earn's purchase lines (or a refund's lines given back), when the sale came from the POS. Old tills send
    #: none: an entry without lines is a whole-amount entry, as before.
    lines: SaleLines | None = None
    refund_of: Id | None = None  # a refund: the earn or redemption it gives part of back (possibly another store's)
    #: A manager-approved adjustment for a return whose original could not be found offline: the original's store
    #: and receipt, which the server reconciles with that sale once it holds it.
    ref_store_code: Code | None = None
    ref_receipt_no: Annotated[str, Field(min_length=1, max_length=MAX_RECEIPT_LENGTH)] | None = None
    #: Added with issue 18: a `gift` entry's item of the gift catalogue (only on that kind).
    gift_sku: Annotated[str, Field(min_length=1, max_length=32)] | None = None

    def breaks_kind_rule(self) -> bool:
        """Whether the entry lacks what its kind needs (`protocol.vocabulary.KIND_RULES`): the server rejects such
        an entry (`rule_violation`) and the till never writes one. A reversal's match with the entry it undoes is
        checked where that entry is known."""
        rule = KIND_RULES[self.kind]
        if rule.server_only:
            return True
        if rule.sign is PointsSign.POSITIVE and self.points <= 0:
            return True
        if rule.sign is PointsSign.NEGATIVE and self.points >= 0:
            return True
        if rule.sign is PointsSign.EITHER and self.points == 0:
            return True
        if rule.needs_amount and (self.amount_cents is None or self.amount_cents < 0):
            return True
        if rule.needs_approval and self.approved_by is None:
            return True
        if self.lines is not None and self.kind not in (EntryKind.EARN, EntryKind.REFUND):
            return True
        if lines_break_total(self.lines, self.amount_cents):
            return True
        if (self.ref_store_code is None) != (self.ref_receipt_no is None) or (
            self.ref_store_code is not None and self.kind is not EntryKind.ADJUST
        ):
            return True
        if rule.refunds_entry != (self.refund_of is not None):
            return True
        if (self.gift_sku is not None) != (self.kind is EntryKind.GIFT):
            return True
        return rule.reverses_entry != (self.reverses is not None)


class PreferenceBody(Wire):
    member_id: Id
    op: PreferenceOp
    kind: PreferenceKind
    value: Annotated[str, Field(min_length=1, max_length=200)]
    staff_code: Code
    at: AwareDatetime


class MemberUpdateBody(Wire):
    member_id: Id
    changes: dict[str, bool]  # consent_marketing / consent_profile for now
    staff_code: Code
    at: AwareDatetime


class MemberEditBody(Wire):
    """A manager's correction of a member's details: only the fields given change (`clear_birthday` removes the
    birthday). A new phone is E.164; the till verified the member's old number or code before queuing it, and the
    server checks the staff is an active manager here, the phone is free and the name and birthday are valid."""

    member_id: Id
    name: Annotated[str, Field(min_length=1, max_length=64)] | None = None
    birthday: date | None = None
    clear_birthday: bool = False
    phone: Annotated[str, Field(min_length=1, max_length=32)] | None = None
    staff_code: Code
    at: AwareDatetime


class SaleBody(Wire):
    """A sale the POS recorded without a member: only counted (the members' share of sales, the average ticket of
    members and non-members), never tied to anyone. `id` is the item's id, as an entry's is."""

    id: Id
    receipt_no: Annotated[str, Field(min_length=1, max_length=MAX_RECEIPT_LENGTH)]
    total_cents: Annotated[int, Field(ge=0, le=MAX_CENTS)]
    lines: SaleLines | None = None
    store_code: Code
    device_id: Id
    staff_code: Code
    created_at: AwareDatetime

    def breaks_total(self) -> bool:
        return lines_break_total(self.lines, self.total_cents)


class WarningOutcomeBody(Wire):
    """What a guide or manager did about a churn warning of their store (`GET /v1/warnings`)."""

    warning_id: Annotated[int, Field(ge=1, le=2**31 - 1)]
    outcome: WarningOutcome
    staff_code: Code
    at: AwareDatetime


class ChurnWarningInfo(Wire):
    """One member of the store's 需关注会员 list: why, since when, and what was done (None: not yet)."""

    id: int
    member_id: Id
    reason: WarningReason
    tag: str | None = None  # for reason "tag": the tag's code (its names are in the config's insight rules)
    from_segment: str | None = None
    to_segment: str | None = None
    raised_at: AwareDatetime
    outcome: WarningOutcome | None = None
    handled_at: AwareDatetime | None = None
    handled_by: str | None = None


class WarningsResponse(Wire):
    warnings: list[ChurnWarningInfo]


class CouponUseBody(Wire):
    """A member's coupon applied to a bill (issue 18, docs/benefits.md): `discount_cents` off `bill_cents` (the bill
    before any coupon), on the receipt the sale's other entries carry. `id` is the item's id, as an entry's is, so a
    use is applied once however often it is pushed. The server checks the member holds the coupon, its days, its
    minimum spend, its stores, the discount and the stacking with the receipt's other coupons, as the till did; a
    coupon already used (at another till, offline) is recorded again and flagged."""

    id: Id
    coupon_id: Id
    member_id: Id
    receipt_no: Annotated[str, Field(min_length=1, max_length=MAX_RECEIPT_LENGTH)]
    bill_cents: Annotated[int, Field(ge=0, le=MAX_CENTS)]
    discount_cents: Annotated[int, Field(ge=0, le=MAX_CENTS)]
    store_code: Code
    device_id: Id
    staff_code: Code
    created_at: AwareDatetime
    offline: bool = False


class CouponIssueBody(Wire):
    """A coupon a store manager gave a member at the till (issue 18): `id` is the new coupon's id (and the item's),
    so the till can offer it at once and the server creates it once. The server checks the template is one the
    chain lets managers give and the staff a manager here (else rejected `coupon_refused` / the staff's reason), and
    flags one beyond the store's daily limit (`over_issue_limit`: given all the same, as the member has it)."""

    id: Id
    member_id: Id
    template_code: Code
    store_code: Code
    device_id: Id
    staff_code: Code
    created_at: AwareDatetime


ItemBody = (
    EnrolBody
    | PointEntryBody
    | PreferenceBody
    | MemberUpdateBody
    | MemberEditBody
    | SaleBody
    | WarningOutcomeBody
    | CouponUseBody
    | CouponIssueBody
)

BODY_SCHEMAS: dict[ItemType, type[ItemBody]] = {
    ItemType.ENROL: EnrolBody,
    ItemType.POINT_ENTRY: PointEntryBody,
    ItemType.PREFERENCE: PreferenceBody,
    ItemType.MEMBER_UPDATE: MemberUpdateBody,
    ItemType.MEMBER_EDIT: MemberEditBody,
    ItemType.SALE: SaleBody,
    ItemType.WARNING_OUTCOME: WarningOutcomeBody,
    ItemType.COUPON_USE: CouponUseBody,
    ItemType.COUPON_ISSUE: CouponIssueBody,
}
_ITEM_TYPES: dict[type[ItemBody], ItemType] = {schema: item_type for item_type, schema in BODY_SCHEMAS.items()}


def item_type_of(body: ItemBody) -> ItemType:
    """The pushed item type that carries this body."""
    return _ITEM_TYPES[type(body)]


def item_key_of(body: ItemBody) -> str | None:
    """The id the item carrying this body must have, when the body names what it creates (an entry's id, an
    enrolment's member id): replaying the item then cannot create it twice. None: any fresh id will do."""
    if isinstance(body, PointEntryBody | SaleBody | CouponUseBody | CouponIssueBody):
        return body.id
    if isinstance(body, EnrolBody):
        return body.member_id
    return None


class PushItem(Wire):
    id: Id
    till_seq: Annotated[int, Field(ge=1, le=MAX_SEQ)]
    type: ItemType
    created_at: AwareDatetime
    body: dict[str, Any]  # checked against BODY_SCHEMAS[type] item by item: a bad body rejects one item, not the batch


class PushRequest(Wire):
    items: list[PushItem]  # at most MAX_PUSH_ITEMS: more is answered 413, not 400
    # The last item (till_seq and id) of the batch this till sent just before this one and has no answer for yet:
    # the server applies this batch only after that one (it waits a few seconds, then answers 409 out_of_order).
    # Lets a till keep two batches on their way without either overtaking the other.
    after_seq: Annotated[int, Field(ge=1, le=MAX_SEQ)] | None = None
    after_id: Id | None = None


class PushResult(Wire):
    id: Id
    status: ItemStatus
    reason: str | None = None
    member: Id | None = None  # the member the item landed on (the survivor, for `merged`)
    member_version: int | None = None  # the member's change sequence right after this item was applied
    first_status: ItemStatus | None = None  # for `duplicate`: what the first push of this id was answered


class PushResponse(Wire):
    results: list[PushResult]


# -- changes --------------------------------------------------------------------------------------------------------


class PreferenceInfo(Wire):
    kind: str
    value: str
    source: str = "staff"
    staff_code: str | None = None
    at: AwareDatetime


class CouponInfo(Wire):
    """A coupon the member holds, unused as far as the server knows: its template's terms as the chain wrote them
    (`loyalty.coupons.CouponTemplate`'s JSON form) and the days it may be used (the chain's calendar)."""

    id: Id
    template: dict[str, Any]
    first_day: date
    last_day: date


class MemberChange(Wire):
    """A member at its latest state, or a tombstone (`deleted` or `merged_into` set, the rest empty)."""

    id: Id
    version: int
    deleted: bool = False
    merged_into: Id | None = None
    phone: str | None = None
    name: str | None = None
    gender: Gender | None = None
    birthday: date | None = None
    tier: str | None = None
    spend_12m_cents: int = 0
    balance: int = 0
    segment: str | None = None
    tags: list[str] = Field(default_factory=list)
    consent_marketing: bool = False
    consent_profile: bool = False
    card_serial: int | None = None
    home_store: str | None = None
    last_visit_at: AwareDatetime | None = None
    updated_at: AwareDatetime | None = None
    preferences: list[PreferenceInfo] = Field(default_factory=list)
    #: Added with issue 16: up to 3 category names, the member's largest by 12-month spend (server-computed). Tills
    #: read pulled pages as plain dicts, so a till from before it ignores the field.
    top_categories: list[str] = Field(default_factory=list)
    #: Added with issue 17: the last day the member surely keeps their tier if they buy nothing more (the nightly
    #: refresh's `loyalty.tiers.tier_kept_until`); None for the first tier or until the next refresh.
    tier_kept_until: date | None = None
    #: Added with issue 18: the points that expire soonest, within 30 days, and their last day (the nightly refresh
    #: works them out; a redemption pushed since lowers them, as it takes the oldest points first). 0 / None: none.
    expiring_points: int = 0
    expiring_on: date | None = None
    #: Added with issue 18: the coupons the member holds, unused and not expired when the page was read.
    coupons: list[CouponInfo] = Field(default_factory=list)


class ChangesResponse(Wire):
    changes: list[MemberChange]
    next_cursor: int
    has_more: bool
    latest: int | None = None  # the server's newest change sequence when the page was read: for a progress bar


# -- online redemption ----------------------------------------------------------------------------------------------


class AuthorizeRequest(Wire):
    id: Id  # the point entry's id: the reservation is held under it until that entry is pushed
    member_id: Id
    points: Annotated[int, Field(gt=0, le=MAX_POINTS)]
    amount_cents: Annotated[int, Field(ge=0, le=MAX_CENTS)]


class AuthorizeResponse(Wire):
    approved: bool
    balance: int  # available on the server after holding this reservation (or as it is, when refused)
    reason: str | None = None


# -- receipts (a return of another store's sale) ---------------------------------------------------------------------


class ReceiptEntry(Wire):
    """An earn or a redemption the server holds for a store's receipt, with what was given back on it so far."""

    id: Id
    member_id: Id
    kind: EntryKind  # earn or redeem
    points: int  # as applied
    amount_cents: int | None
    bill_cents: int | None = None  # a redemption's bill
    refunded_cents: int = 0  # money given back on it so far (refunds and reconciled returns)
    lines: list[SaleLine] | None = None


class ReceiptResponse(Wire):
    """`GET /v1/receipts?store_code=&receipt_no=`: the receipt's earn and any redemption, oldest first (none when
    the server holds no member entry for it)."""

    store_code: str
    receipt_no: str
    entries: list[ReceiptEntry]


# -- member codes ---------------------------------------------------------------------------------------------------

# A member id as both sides make it: the canonical text of a UUID (the code carries the UUID's 16 bytes).
MemberId = Annotated[str, Field(pattern=r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")]


class MemberCodesRequest(Wire):
    member_ids: list[MemberId]  # at most MAX_MEMBER_CODES: more is answered 413, not 400
    staff_code: Code | None = None  # who at the till asked, for the server's audit (absent: not known)


class IssuedMemberCode(Wire):
    """One asked id's answer. A merged id is answered with its survivor's code (`member_id` names the survivor);
    an unknown or deleted id, or a member without a usable card, with `code` null and the `reason`."""

    id: MemberId  # the id as asked
    member_id: MemberId | None = None  # the live member the code is for (the survivor, after a merge)
    card_serial: int | None = None
    code: str | None = None  # loyalty.member_code: "MD1" + base32, signed by the server
    reason: str | None = None  # when `code` is null: `unknown_member` or `no_valid_card`


class MemberCodesResponse(Wire):
    codes: list[IssuedMemberCode]  # one per asked id, in the order asked


# -- purchase history across the chain (docs/sync.md "Purchase history") -------------------------------------------


class PurchaseSummary(Wire):
    """One purchase of the member at any store: an earn entry, with what was given back on it since."""

    entry_id: Id
    at: AwareDatetime  # when the sale was made (the till's clock)
    store_code: str
    store_name: str | None = None  # None: a store the server does not know (any more)
    receipt_no: str | None = None
    amount_cents: int  # what the sale counted for points
    points: int  # the points it earned
    refunded_cents: int = 0  # money given back on it since (refunds and reconciled returns at any store)
    top_categories: list[str] = Field(default_factory=list)  # its lines' largest categories, up to 3


class PurchaseHistoryResponse(Wire):
    """`GET /v1/members/{member_id}/purchases`: the member's last purchases across the chain, newest first. A merged
    id is answered with its survivor's history (`member_id` names the survivor)."""

    member_id: Id
    purchases: list[PurchaseSummary]


# -- the audit anchor (docs/sync.md "The audit anchor") ----------------------------------------------------------


class AuditAnchor(Wire):
    """One row of a till's audit chain: its seq and hash."""

    seq: Annotated[int, Field(ge=1, le=MAX_SEQ)]
    hash: Hex64


class AnchorRequest(Wire):
    """`POST /v1/audit/anchor`: the till's head, and its hash now at the last anchor the server accepted."""

    seq: Annotated[int, Field(ge=1, le=MAX_SEQ)]
    hash: Hex64
    prior: AuditAnchor | None = None


class AnchorResponse(Wire):
    """The anchor the server holds for the calling till (None before its first)."""

    anchor: AuditAnchor | None


class AuditKeyResponse(Wire):
    """`POST /v1/audit/key`: the key of a till registered before audit keys, handed over once."""

    audit_key: Hex64


class CardReissueRequest(Wire):
    """A new card for a member whose card was lost (`POST /v1/cards/reissue`): the manager who approved it at the
    till (code and PIN checked there) is named, and the server checks that code again."""

    member_id: MemberId
    approver_code: Code


class CardReissueResponse(Wire):
    """The member's new card: its serial (the old one is revoked) and its signed code."""

    member_id: MemberId  # the live member (the survivor, after a merge)
    card_serial: int
    code: str
