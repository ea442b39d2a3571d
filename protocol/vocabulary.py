"""The words a till and the server share, defined once: what a ledger entry can be (`EntryKind`, with the rule each
kind follows in `KIND_RULES`), what a preference can be about (`PreferenceKind`), what a pushed item is
(`ItemType`), what became of it (`ItemStatus`) and why (`ErrorCode`).

The till's store (`localdb/`), its sync (`sync/`) and the server (`server/`) all import these; nothing here imports
them back. Values are the strings stored in both databases and sent on the wire: renaming one is a protocol change.
Words for people (Chinese and English) are the UI's business (`ui/messages.py`), keyed by these enums.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum, StrEnum
from types import MappingProxyType
from typing import Literal


class EntryKind(StrEnum):
    """A points ledger entry's kind (at most 8 characters: the server's column is VARCHAR(8))."""

    EARN = "earn"
    REDEEM = "redeem"
    REVERSE = "reverse"
    ADJUST = "adjust"
    REFUND = "refund"  # part (or all) of an earlier earn or redemption given back: points in proportion
    EXPIRE = "expire"  # points past their last day (issue 18): written by the server's nightly refresh only
    GIFT = "gift"  # points taken for an item of the gift catalogue (积分兑换礼品, issue 18): names it in `gift_sku`


class PointsSign(Enum):
    """Which way an entry of a kind moves the balance."""

    POSITIVE = "positive"
    NEGATIVE = "negative"
    EITHER = "either"  # any non-zero number
    OPPOSITE = "opposite"  # exactly the opposite of the entry it reverses
    TOWARDS_ZERO = "towards_zero"  # zero or the opposite sign of the entry it refunds (checked where that is known)


@dataclass(frozen=True, slots=True)
class KindRule:
    """What an entry of one kind must carry, checked by the till when it writes one and by the server when it
    applies one (`protocol.wire.PointEntryBody.breaks_kind_rule`)."""

    sign: PointsSign
    needs_amount: bool = False  # the money it stands for (a purchase), zero or more
    needs_approval: bool = False  # a manager's code in `approved_by`
    reverses_entry: bool = False  # names the entry it undoes in `reverses`; no other kind may
    refunds_entry: bool = False  # names the entry it gives part of back in `refund_of`; no other kind may
    visit: bool = False  # the member was at the counter: moves their last visit
    server_only: bool = False  # only the server writes it: a till never does, and one pushed is refused


KIND_RULES: Mapping[EntryKind, KindRule] = MappingProxyType(
    {
        EntryKind.EARN: KindRule(PointsSign.POSITIVE, needs_amount=True, visit=True),
        EntryKind.REDEEM: KindRule(PointsSign.NEGATIVE, visit=True),
        EntryKind.REVERSE: KindRule(PointsSign.OPPOSITE, reverses_entry=True),
        EntryKind.ADJUST: KindRule(PointsSign.EITHER, needs_approval=True),
        EntryKind.REFUND: KindRule(PointsSign.TOWARDS_ZERO, needs_amount=True, refunds_entry=True),
        EntryKind.EXPIRE: KindRule(PointsSign.NEGATIVE, server_only=True),
        EntryKind.GIFT: KindRule(PointsSign.NEGATIVE, visit=True),
    }
)


#: The kinds whose negative entries take the member's oldest points first (points expiry's FIFO, `loyalty.expiry`): a
#: reversal or a refund takes back its own earn instead. The server lowers the points about to expire by them on push,
#: and the till by those it made since its last pull.
TAKES_OLDEST: frozenset[EntryKind] = frozenset({EntryKind.REDEEM, EntryKind.GIFT, EntryKind.ADJUST})


Gender = Literal["F", "M"]


class PreferenceKind(StrEnum):
    """What a store guide's note about a member is about."""

    CATEGORY = "category"
    SIZE = "size"
    COLOUR = "colour"
    STYLE = "style"
    NOTE = "note"
    TAG = "tag"


class PreferenceOp(StrEnum):
    ADD = "add"
    REMOVE = "remove"


class ItemType(StrEnum):
    """A pushed item's `type`: which body schema it carries (`protocol.wire.BODY_SCHEMAS`)."""

    ENROL = "enrol"
    POINT_ENTRY = "point_entry"
    PREFERENCE = "preference"
    MEMBER_UPDATE = "member_update"
    MEMBER_EDIT = "member_edit"  # a manager corrects a member's name, birthday or phone
    SALE = "sale"  # a sale without a member (the POS sent it): counted for the members' share of sales
    WARNING_OUTCOME = "warning_outcome"  # what a guide did about a churn warning (需关注会员)
    COUPON_USE = "coupon_use"  # a member's coupon applied to a bill (issue 18): once per coupon, checked again
    COUPON_ISSUE = "coupon_issue"  # a coupon a store manager gave a member at the till (issue 18), within a daily limit


class WarningReason(StrEnum):
    """Why a member is on their store's churn-warning list."""

    LEFT_LOYAL = "left_loyal"  # was 高价值忠诚型, drifted to 潜力 or 沉睡
    TAG = "tag"  # gained a tag the chain's insight rules mark `warn` (e.g. 流失风险)
    POINTS_EXPIRING = "points_expiring"  # many points expire within 30 days (the benefit rules' threshold)


class WarningOutcome(StrEnum):
    """What was done about a churn warning."""

    CALLED = "called"
    OFFER_GIVEN = "offer_given"
    NOT_REACHABLE = "not_reachable"


class ItemStatus(StrEnum):
    """What became of a pushed item (PROTOCOL.md `results[].status`)."""

    APPLIED = "applied"
    DUPLICATE = "duplicate"
    FLAGGED = "flagged"
    MERGED = "merged"
    REJECTED = "rejected"


class ErrorCode(StrEnum):
    """Machine-readable `code` in every error answer's `detail`, and `reason` codes of rejected items."""

    MALFORMED = "malformed"
    UNAUTHORIZED = "unauthorized"
    DEVICE_REVOKED = "device_revoked"
    ENROLMENT_CODE_INVALID = "enrolment_code_invalid"
    UNKNOWN_STORE = "unknown_store"
    ID_CONFLICT = "id_conflict"
    BATCH_TOO_LARGE = "batch_too_large"
    BODY_TOO_LARGE = "body_too_large"  # a request body over its call's cap (a batch's is `batch_too_large`)
    OUT_OF_ORDER = "out_of_order"  # push: the batch named by `after_seq` was not applied (in time)
    CURSOR_GONE = "cursor_gone"
    RATE_LIMITED = "rate_limited"
    AUDIT_BEHIND = "audit_behind"  # an audit anchor before the one the server holds: rows were deleted
    AUDIT_REWRITTEN = "audit_rewritten"  # an audit anchor whose hash at a seq already anchored differs
    AUDIT_KEY_ISSUED = "audit_key_issued"  # the device's audit key was handed over already (only once)
    # item-level reasons
    INVALID_BODY = "invalid_body"
    UNKNOWN_MEMBER = "unknown_member"
    UNKNOWN_ENTRY = "unknown_entry"
    ALREADY_REVERSED = "already_reversed"
    RULE_VIOLATION = "rule_violation"
    INVALID_PHONE = "invalid_phone"
    OVERDRAWN = "overdrawn"
    INSUFFICIENT_POINTS = "insufficient_points"
    NO_VALID_CARD = "no_valid_card"  # member codes: the member holds no card that can be signed (revoked, none)
    # what the server found re-checking an entry the till made (DESIGN.md §7): applied and flagged, but for
    # an unknown rules version, which cannot be checked at all and is rejected
    POINTS_OVER_RULE = "points_over_rule"
    OVER_OFFLINE_CAP = "over_offline_cap"
    APPROVAL_REQUIRED = "approval_required"
    UNKNOWN_STAFF = "unknown_staff"
    STAFF_NOT_ALLOWED = "staff_not_allowed"
    APPROVER_NOT_MANAGER = "approver_not_manager"
    WRONG_STORE = "wrong_store"
    CLOCK_SKEW = "clock_skew"
    BEYOND_OFFLINE_WINDOW = "beyond_offline_window"
    UNKNOWN_RULES_VERSION = "unknown_rules_version"
    # data rights (docs/operations.md, "Data rights")
    MEMBER_ERASED = "member_erased"  # the member was erased at the member's request: nothing more is recorded
    CONSENT_REQUIRED = "consent_required"  # a preference for a member who has not consented (or withdrew)
    DUPLICATE_PHONE = "duplicate_phone"  # a member edit: the new phone belongs to another member
    INVALID_NAME = "invalid_name"
    INVALID_BIRTHDAY = "invalid_birthday"
    UNKNOWN_WARNING = "unknown_warning"  # a warning outcome for no warning of this store
    OVER_REFUND = "over_refund"  # a refund of more money than its sale has left to refund
    COUPON_NOT_HELD = "coupon_not_held"  # a coupon use: the member holds no such coupon (rejected)
    COUPON_REFUSED = "coupon_refused"  # a coupon use its terms refuse: outside its days, under its minimum spend,
    # at a store it is not for, more off than it gives, or on one bill with a coupon it does not stack with
    COUPON_REUSED = "coupon_reused"  # a coupon used before (at another till, offline): recorded and flagged
    UNKNOWN_GIFT = "unknown_gift"  # a gift entry: no such gift in the catalogue, or not offered that day (rejected)
    OUT_OF_STOCK = "out_of_stock"  # a gift entry: the store had none left (recorded, flagged; the stock goes below 0)
    OVER_ISSUE_LIMIT = "over_issue_limit"  # a manager's coupon beyond the store's daily limit (given, and flagged)


#: The reasons a pushed item's result may carry (a flagged or rejected item), which the till shows its manager;
#: the rest answer a whole request.
ITEM_REASONS: frozenset[ErrorCode] = frozenset(
    {
        ErrorCode.INVALID_BODY,
        ErrorCode.UNKNOWN_MEMBER,
        ErrorCode.UNKNOWN_ENTRY,
        ErrorCode.ALREADY_REVERSED,
        ErrorCode.RULE_VIOLATION,
        ErrorCode.INVALID_PHONE,
        ErrorCode.OVERDRAWN,
        ErrorCode.INSUFFICIENT_POINTS,
        ErrorCode.ID_CONFLICT,  # kept by the till for items a 409 refused as a whole
        ErrorCode.POINTS_OVER_RULE,
        ErrorCode.OVER_OFFLINE_CAP,
        ErrorCode.APPROVAL_REQUIRED,
        ErrorCode.UNKNOWN_STAFF,
        ErrorCode.STAFF_NOT_ALLOWED,
        ErrorCode.APPROVER_NOT_MANAGER,
        ErrorCode.WRONG_STORE,
        ErrorCode.CLOCK_SKEW,
        ErrorCode.BEYOND_OFFLINE_WINDOW,
        ErrorCode.UNKNOWN_RULES_VERSION,
        ErrorCode.MEMBER_ERASED,
        ErrorCode.CONSENT_REQUIRED,
        ErrorCode.DUPLICATE_PHONE,
        ErrorCode.INVALID_NAME,
        ErrorCode.INVALID_BIRTHDAY,
        ErrorCode.OVER_REFUND,
        ErrorCode.UNKNOWN_WARNING,
        ErrorCode.COUPON_NOT_HELD,
        ErrorCode.COUPON_REFUSED,
        ErrorCode.COUPON_REUSED,
        ErrorCode.UNKNOWN_GIFT,
        ErrorCode.OUT_OF_STOCK,
        ErrorCode.OVER_ISSUE_LIMIT,
    }
)

#: When an entry breaks several rules, the one its answer names: who made it first, then what it gave, then when.
FINDING_ORDER: tuple[ErrorCode, ...] = (
    ErrorCode.WRONG_STORE,
    ErrorCode.UNKNOWN_STAFF,
    ErrorCode.STAFF_NOT_ALLOWED,
    ErrorCode.APPROVER_NOT_MANAGER,
    ErrorCode.OVER_REFUND,
    ErrorCode.POINTS_OVER_RULE,
    ErrorCode.OVER_OFFLINE_CAP,
    ErrorCode.APPROVAL_REQUIRED,
    ErrorCode.CLOCK_SKEW,
    ErrorCode.BEYOND_OFFLINE_WINDOW,
    ErrorCode.OVERDRAWN,
    ErrorCode.OUT_OF_STOCK,
    ErrorCode.OVER_ISSUE_LIMIT,
    ErrorCode.INVALID_NAME,  # an enrolment's name (applied all the same: the points follow the customer)
)
