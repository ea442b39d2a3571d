"""Every refusal a screen can meet, and every reason the server gives for an item it flagged or rejected, as one
plain sentence in the user's language.

Services raise typed errors with reason codes (`localdb.errors.StoreError`, the domain's `InvalidPhone`,
`InvalidMemberCode`, `EarnRefused`, `RedeemRefused`, `sync.client.SyncError`); this module is the one place that
turns them into words. Sentences are marked with QT_TRANSLATE_NOOP under the context "Messages" and translated when
shown, so switching language needs no restart of this module. Never put the member's phone or name in a message.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import tzinfo

from PySide6.QtCore import QCoreApplication

from localdb.errors import Problem, StoreError
from localdb.staff import LOCKOUT
from loyalty.clock import store_zone
from loyalty.coupons import CouponProblem, CouponRefused
from loyalty.gifts import GiftProblem, GiftRefused
from loyalty.member_code import CodeProblem, InvalidMemberCode
from loyalty.phone import InvalidPhone, PhoneProblem
from loyalty.pins import InvalidPin
from loyalty.points import EarnProblem, EarnRefused, RedeemProblem, RedeemRefused
from protocol.vocabulary import ErrorCode
from slip.printers import PrintFailed, PrintProblem
from sync.authorizer import RefusedOnline
from sync.client import SyncError
from widgets.display import points_text, yuan_text
from widgets.retranslating import QT_TRANSLATE_NOOP

_CONTEXT = "Messages"

_TRIES_LEFT = QT_TRANSLATE_NOOP(
    "Messages", "Wrong PIN. Tries left before this staff code is locked for %2 minutes: %1."
)

_zone: Callable[[], tzinfo] = store_zone  # the store's zone for the times a sentence names (never the machine's)


def show_times_in(zone: Callable[[], tzinfo]) -> None:
    """Word times in the store's zone, asked each time (the till's config, which a sync may change): a till whose
    machine runs on UTC still says "locked until 14:35" in the store's time."""
    global _zone
    _zone = zone


_STORE: dict[Problem, str] = {
    Problem.PERMISSION_DENIED: QT_TRANSLATE_NOOP("Messages", "Your role does not allow this."),
    Problem.BAD_CREDENTIALS: QT_TRANSLATE_NOOP("Messages", "Wrong staff code or PIN."),
    Problem.LOCKED_OUT: QT_TRANSLATE_NOOP("Messages", "Too many wrong PINs: this staff code is locked until %1."),
    Problem.INVALID_PIN: QT_TRANSLATE_NOOP("Messages", "A PIN is 4 to 8 digits."),
    Problem.INVALID_STAFF: QT_TRANSLATE_NOOP("Messages", "Unknown staff code."),
    Problem.MEMBER_NOT_FOUND: QT_TRANSLATE_NOOP("Messages", "No member found."),
    Problem.DUPLICATE_PHONE: QT_TRANSLATE_NOOP("Messages", "This phone number already belongs to a member."),
    Problem.INVALID_NAME: QT_TRANSLATE_NOOP(
        "Messages", "Enter the member's name: up to 32 characters, with letters, not only digits or signs."
    ),
    Problem.INVALID_BIRTHDAY: QT_TRANSLATE_NOOP("Messages", "The birthday is not a possible date."),
    Problem.INVALID_GENDER: QT_TRANSLATE_NOOP("Messages", "Choose a gender from the list or leave it empty."),
    Problem.NOTHING_TO_AWARD: QT_TRANSLATE_NOOP("Messages", "This purchase earns no points."),
    Problem.DUPLICATE_RECEIPT: QT_TRANSLATE_NOOP("Messages", "This receipt has already earned points."),
    Problem.INVALID_RECEIPT: QT_TRANSLATE_NOOP("Messages", "Enter the receipt number, of at most %1 characters."),
    Problem.OVER_OFFLINE_CAP: QT_TRANSLATE_NOOP(
        "Messages",
        "Offline, at most %1 more points can be redeemed for this member today; a manager must approve more.",
    ),
    Problem.APPROVAL_REQUIRED: QT_TRANSLATE_NOOP(
        "Messages", "Entries of more than %1 points need a manager's approval to reverse."
    ),
    Problem.ENTRY_NOT_FOUND: QT_TRANSLATE_NOOP("Messages", "That entry is not on this till."),
    Problem.ALREADY_REVERSED: QT_TRANSLATE_NOOP("Messages", "That entry has already been reversed."),
    Problem.NOT_REVERSIBLE: QT_TRANSLATE_NOOP("Messages", "That entry cannot be reversed."),
    Problem.INSUFFICIENT_POINTS: QT_TRANSLATE_NOOP("Messages", "Not enough points: %1 available."),
    Problem.CONSENT_REQUIRED: QT_TRANSLATE_NOOP("Messages", "The member has not agreed to have preferences recorded."),
    Problem.INVALID_PREFERENCE: QT_TRANSLATE_NOOP(
        "Messages", "Enter a preference of up to 200 characters, once per member."
    ),
    Problem.PREFERENCE_NOT_FOUND: QT_TRANSLATE_NOOP("Messages", "That preference no longer exists."),
    Problem.WARNING_NOT_FOUND: QT_TRANSLATE_NOOP(
        "Messages", "That member is no longer on the list. Sync to see the store's list as it is now."
    ),
    Problem.NO_MEMBER_CODE_KEY: QT_TRANSLATE_NOOP(
        "Messages", "This till cannot read member codes until it has synced with the server once."
    ),
    Problem.PHONE_NOT_VERIFIED: QT_TRANSLATE_NOOP(
        "Messages", "The old number typed is not this member's: the phone was not changed."
    ),
    Problem.NOTHING_TO_EDIT: QT_TRANSLATE_NOOP("Messages", "Nothing was changed."),
    Problem.INVALID_TAIL: QT_TRANSLATE_NOOP("Messages", "Type exactly the last 4 digits of the phone number."),
    Problem.STORAGE_FULL: QT_TRANSLATE_NOOP(
        "Messages", "The till's disk is full: nothing was saved. Free some space on this computer, then try again."
    ),
    Problem.STORAGE_FAILED: QT_TRANSLATE_NOOP(
        "Messages",
        "The till's database could not be read or written: nothing was saved. Restart the till; if this happens "
        "again, call support.",
    ),
    Problem.STORE_UNAVAILABLE: QT_TRANSLATE_NOOP(
        "Messages", "The till's database cannot be opened. Call support; nothing on the server is lost."
    ),
    Problem.OVER_REFUND: QT_TRANSLATE_NOOP(
        "Messages", "That is more than this sale has left to refund (%1 at most). Nothing was refunded."
    ),
    Problem.NOT_REFUNDABLE: QT_TRANSLATE_NOOP("Messages", "Only a purchase or a redemption can be refunded."),
    Problem.INVALID_LINES: QT_TRANSLATE_NOOP(
        "Messages", "The POS's item lines do not add up to the total. Nothing was recorded; ring the sale up again."
    ),
    Problem.NOTHING_TO_REFUND: QT_TRANSLATE_NOOP(
        "Messages",
        "No member earned points with this receipt at that store: there are no points to give back. Check the receipt "
        "number and the store.",
    ),
    Problem.REFUND_NO_USED: QT_TRANSLATE_NOOP(
        "Messages", "This refund number was used for another refund: nothing was refunded. Give this one a new number."
    ),
    Problem.OTHER_MEMBERS_RECEIPT: QT_TRANSLATE_NOOP(
        "Messages", "This receipt earned points for another member: nothing was refunded. Open that member to do it."
    ),
    Problem.RETURN_NEEDS_MANAGER: QT_TRANSLATE_NOOP(
        "Messages", "Without the server, only a manager may take a return of another store's sale."
    ),
    Problem.INVALID_RETURN_POINTS: QT_TRANSLATE_NOOP(
        "Messages", "Take back at least 1 point and at most %1: what the money refunded earns, within the balance."
    ),
    Problem.OVER_ISSUE_LIMIT: QT_TRANSLATE_NOOP(
        "Messages", "Managers at this till have given today's %1 coupons already: give more tomorrow."
    ),
    Problem.REFERRER_NOT_FOUND: QT_TRANSLATE_NOOP(
        "Messages", "No member of this till has the referrer's phone: check the number, or leave it empty."
    ),
    Problem.NO_PENDING_SALE: QT_TRANSLATE_NOOP(
        "Messages", "The POS no longer has a sale waiting: nothing was recorded. Ring the sale up again on the POS."
    ),
}

_PHONE: dict[PhoneProblem, str] = {
    PhoneProblem.EMPTY: QT_TRANSLATE_NOOP("Messages", "Enter a phone number."),
    PhoneProblem.LETTERS: QT_TRANSLATE_NOOP("Messages", "Not a valid mobile number: it contains letters."),
    PhoneProblem.WRONG_LENGTH: QT_TRANSLATE_NOOP("Messages", "Not a valid mobile number: it needs 11 digits."),
    PhoneProblem.WRONG_PREFIX: QT_TRANSLATE_NOOP("Messages", "Not a valid mobile number."),
    PhoneProblem.NOT_CHINA: QT_TRANSLATE_NOOP("Messages", "Only mainland China mobile numbers are accepted."),
}

_CODE: dict[CodeProblem, str] = {
    CodeProblem.EMPTY: QT_TRANSLATE_NOOP("Messages", "Nothing was scanned."),
    CodeProblem.LOWERCASE: QT_TRANSLATE_NOOP("Messages", "The code arrived in lowercase: is Caps Lock on?"),
    CodeProblem.UNKNOWN_VERSION: QT_TRANSLATE_NOOP("Messages", "This is not a member code."),
    CodeProblem.MALFORMED: QT_TRANSLATE_NOOP("Messages", "The code was not read completely: scan it again."),
    CodeProblem.BAD_SIGNATURE: QT_TRANSLATE_NOOP("Messages", "This member code is not genuine."),
    CodeProblem.REVOKED: QT_TRANSLATE_NOOP("Messages", "This code is from a revoked card: ask for the member's phone."),
}

_EARN: dict[EarnProblem, str] = {
    EarnProblem.NOT_INTEGER: QT_TRANSLATE_NOOP("Messages", "Enter the amount in yuan, with at most two decimals."),
    EarnProblem.NOT_POSITIVE: QT_TRANSLATE_NOOP("Messages", "Enter an amount above zero."),
    EarnProblem.TOO_LARGE: QT_TRANSLATE_NOOP("Messages", "The amount is above the limit for one receipt (%1 yuan)."),
    EarnProblem.UNKNOWN_TIER: QT_TRANSLATE_NOOP("Messages", "The member's tier is unknown: sync the till."),
    EarnProblem.UNKNOWN_BONUS: QT_TRANSLATE_NOOP("Messages", "That bonus is not in the current rules."),
}

_REDEEM: dict[RedeemProblem, str] = {
    RedeemProblem.NOT_POSITIVE: QT_TRANSLATE_NOOP("Messages", "Enter the points to redeem."),
    RedeemProblem.BELOW_MINIMUM: QT_TRANSLATE_NOOP("Messages", "At least %1 points must be redeemed at a time."),
    RedeemProblem.OVER_BILL_SHARE: QT_TRANSLATE_NOOP(
        "Messages", "Points can pay only part of this bill: at most %1 points."
    ),
    RedeemProblem.INSUFFICIENT_POINTS: QT_TRANSLATE_NOOP("Messages", "Not enough points: %1 available."),
    RedeemProblem.NOT_WHOLE_CENTS: QT_TRANSLATE_NOOP("Messages", "Redeem points in steps of %1."),
    RedeemProblem.NO_BILL: QT_TRANSLATE_NOOP("Messages", "Enter the bill amount first."),
    RedeemProblem.BILL_TOO_LARGE: QT_TRANSLATE_NOOP(
        "Messages", "The bill is above the limit for one receipt (%1 yuan): check the amount."
    ),
    RedeemProblem.NOT_INTEGER: QT_TRANSLATE_NOOP(
        "Messages", "Points are whole numbers: enter them without a decimal point."
    ),
}

_COUPON: dict[CouponProblem, str] = {
    CouponProblem.NOT_YET_VALID: QT_TRANSLATE_NOOP("Messages", "This coupon cannot be used yet."),
    CouponProblem.EXPIRED: QT_TRANSLATE_NOOP("Messages", "This coupon has expired."),
    CouponProblem.BELOW_MIN_SPEND: QT_TRANSLATE_NOOP("Messages", "The bill is below this coupon's minimum spend."),
    CouponProblem.WRONG_STORE: QT_TRANSLATE_NOOP("Messages", "This coupon cannot be used at this store."),
    CouponProblem.NOT_FOR_MEMBER: QT_TRANSLATE_NOOP("Messages", "This coupon is not for this member."),
    CouponProblem.NOT_STACKABLE: QT_TRANSLATE_NOOP(
        "Messages", "This coupon cannot go on one bill with the other coupons chosen."
    ),
    CouponProblem.NOT_HELD: QT_TRANSLATE_NOOP(
        "Messages", "The member does not hold this coupon, or it was already used at this till."
    ),
}

_GIFT: dict[GiftProblem, str] = {
    GiftProblem.UNKNOWN: QT_TRANSLATE_NOOP(
        "Messages", "This gift is no longer in the catalogue: sync, then choose again."
    ),
    GiftProblem.NOT_OFFERED: QT_TRANSLATE_NOOP("Messages", "This gift is not offered today."),
}

_SYNC: dict[str, str] = {
    "insecure_server": QT_TRANSLATE_NOOP(
        "Messages", "The server address must start with https:// (http only on this computer)."
    ),
    "bad_server_url": QT_TRANSLATE_NOOP("Messages", "Not a server address: enter it like https://members.example.com."),
    "server_unreachable": QT_TRANSLATE_NOOP("Messages", "The server does not answer. Work goes on offline."),
    "server_busy": QT_TRANSLATE_NOOP("Messages", "The server is busy. The till will try again later."),
    "unauthorized": QT_TRANSLATE_NOOP("Messages", "The server no longer accepts this till: register it again."),
    "device_revoked": QT_TRANSLATE_NOOP("Messages", "This till was revoked at the server: register it again."),
    "enrolment_code_invalid": QT_TRANSLATE_NOOP("Messages", "The enrolment code is wrong, used or expired."),
    "unknown_store": QT_TRANSLATE_NOOP("Messages", "The server does not know this store code."),
    "bad_store_code": QT_TRANSLATE_NOOP("Messages", "A store code is 1 to 32 letters, digits, - or _ (e.g. S001)."),
    "bad_enrolment_code": QT_TRANSLATE_NOOP(
        "Messages", "Enter the enrolment code from the head office (4 to 32 letters or digits)."
    ),
    "not_registered": QT_TRANSLATE_NOOP("Messages", "This till is not registered with a server yet."),
    "sync_running": QT_TRANSLATE_NOOP("Messages", "A sync is already running."),
    "cancelled": QT_TRANSLATE_NOOP("Messages", "The sync was stopped."),
    # The till's own disk stopped the run (sync.engine records the StoreError's problem as the run's error).
    Problem.STORAGE_FULL.value: QT_TRANSLATE_NOOP(
        "Messages",
        "The till's disk is full: the sync stopped, keeping what it had received. Free some space on this computer, "
        "then sync again.",
    ),
    Problem.STORAGE_FAILED.value: QT_TRANSLATE_NOOP(
        "Messages",
        "The till's database could not be read or written: the sync stopped. Restart the till; if this happens "
        "again, call support.",
    ),
}

# The server's reason codes for an item it flagged or rejected (protocol.vocabulary.ErrorCode), as a manager
# reads them.
_REASONS: dict[str, str] = {
    ErrorCode.INVALID_BODY.value: QT_TRANSLATE_NOOP("Messages", "The server could not read this item."),
    ErrorCode.UNKNOWN_MEMBER.value: QT_TRANSLATE_NOOP(
        "Messages", "The server has no such member (erased at head office, or never enrolled there)."
    ),
    ErrorCode.UNKNOWN_ENTRY.value: QT_TRANSLATE_NOOP(
        "Messages", "The entry it reverses or refunds is not known to the server."
    ),
    ErrorCode.ALREADY_REVERSED.value: QT_TRANSLATE_NOOP("Messages", "That entry was already reversed elsewhere."),
    ErrorCode.UNKNOWN_WARNING.value: QT_TRANSLATE_NOOP(
        "Messages", "That member is not on this store's contact list at head office (another store's, or removed)."
    ),
    ErrorCode.RULE_VIOLATION.value: QT_TRANSLATE_NOOP("Messages", "It breaks the points rules."),
    ErrorCode.INVALID_PHONE.value: QT_TRANSLATE_NOOP("Messages", "The phone number is not a valid mobile number."),
    ErrorCode.OVERDRAWN.value: QT_TRANSLATE_NOOP(
        "Messages", "The points were already spent elsewhere: the redemption stands and the balance went below zero."
    ),
    ErrorCode.INSUFFICIENT_POINTS.value: QT_TRANSLATE_NOOP("Messages", "The member did not have enough points."),
    ErrorCode.OVER_REFUND.value: QT_TRANSLATE_NOOP(
        "Messages", "More money was refunded than the sale had left: the server moved the points of what was left."
    ),
    ErrorCode.COUPON_NOT_HELD.value: QT_TRANSLATE_NOOP(
        "Messages", "Head office has no such coupon for this member: the use was not recorded."
    ),
    ErrorCode.COUPON_REFUSED.value: QT_TRANSLATE_NOOP(
        "Messages",
        "The coupon's terms do not allow this bill (its days, minimum spend, stores, or the other coupons on the "
        "bill): the use was not recorded.",
    ),
    ErrorCode.UNKNOWN_GIFT.value: QT_TRANSLATE_NOOP(
        "Messages", "Head office's gift catalogue has no such gift on that day: the hand-out was not recorded."
    ),
    ErrorCode.OUT_OF_STOCK.value: QT_TRANSLATE_NOOP(
        "Messages", "The store had none of that gift left by head office's count: recorded, check the stock."
    ),
    ErrorCode.OVER_ISSUE_LIMIT.value: QT_TRANSLATE_NOOP(
        "Messages",
        "Beyond the store's daily limit of managers' coupons (or the template's budget): given all the same.",
    ),
    ErrorCode.COUPON_REUSED.value: QT_TRANSLATE_NOOP(
        "Messages", "The coupon had already been used at another till: this use is recorded and flagged."
    ),
    ErrorCode.ID_CONFLICT.value: QT_TRANSLATE_NOOP(
        "Messages", "The server holds another item under the same number (a till restored from a backup?)."
    ),
    ErrorCode.POINTS_OVER_RULE.value: QT_TRANSLATE_NOOP(
        "Messages", "More points than the rules allow: the server applied what the rules allow."
    ),
    ErrorCode.OVER_OFFLINE_CAP.value: QT_TRANSLATE_NOOP(
        "Messages", "Over the day's offline redemption limit at this till, without a manager's approval."
    ),
    ErrorCode.APPROVAL_REQUIRED.value: QT_TRANSLATE_NOOP(
        "Messages", "A reversal this large needs a manager's approval, and had none."
    ),
    ErrorCode.UNKNOWN_STAFF.value: QT_TRANSLATE_NOOP(
        "Messages", "The staff code is not an active member of staff of this store at the server."
    ),
    ErrorCode.STAFF_NOT_ALLOWED.value: QT_TRANSLATE_NOOP("Messages", "The staff member's role may not do this."),
    ErrorCode.APPROVER_NOT_MANAGER.value: QT_TRANSLATE_NOOP(
        "Messages", "The approval is not from an active manager of this store."
    ),
    ErrorCode.WRONG_STORE.value: QT_TRANSLATE_NOOP(
        "Messages", "It names another store than the one this till is registered to: recorded for this store."
    ),
    ErrorCode.CLOCK_SKEW.value: QT_TRANSLATE_NOOP(
        "Messages", "This till's clock was ahead of the server's: the entry counts from when it arrived."
    ),
    ErrorCode.BEYOND_OFFLINE_WINDOW.value: QT_TRANSLATE_NOOP(
        "Messages", "It reached the server long after it was made: the till was offline too long."
    ),
    ErrorCode.UNKNOWN_RULES_VERSION.value: QT_TRANSLATE_NOOP(
        "Messages", "It was made under points rules the server does not know: nothing was applied."
    ),
    ErrorCode.MEMBER_ERASED.value: QT_TRANSLATE_NOOP(
        "Messages", "The member asked to be erased: nothing more is recorded about them."
    ),
    ErrorCode.CONSENT_REQUIRED.value: QT_TRANSLATE_NOOP(
        "Messages", "The member has not agreed to have preferences recorded (or withdrew it)."
    ),
    ErrorCode.DUPLICATE_PHONE.value: QT_TRANSLATE_NOOP(
        "Messages", "The new phone number already belongs to another member: the member was not changed."
    ),
    ErrorCode.INVALID_NAME.value: QT_TRANSLATE_NOOP(
        "Messages", "The member's name is not valid: it needs letters, not only digits or signs."
    ),
    ErrorCode.INVALID_BIRTHDAY.value: QT_TRANSLATE_NOOP(
        "Messages", "The birthday is not a possible date: the member was not changed."
    ),
}
_NO_REASON = QT_TRANSLATE_NOOP("Messages", "No reason given.")

_REFUSED_ONLINE = QT_TRANSLATE_NOOP(
    "Messages", "The server refused: only %1 points are available for this member now. Nothing was redeemed."
)
_PRINT: dict[PrintProblem, str] = {
    PrintProblem.NOT_SET: QT_TRANSLATE_NOOP("Messages", "No slip printer is set on this till."),
    PrintProblem.BAD_SETTING: QT_TRANSLATE_NOOP("Messages", "The printer settings are not complete: %1."),
    PrintProblem.NOT_FOUND: QT_TRANSLATE_NOOP(
        "Messages", "The printer was not found: check that it is on, its cable, and its address or IDs."
    ),
    PrintProblem.REFUSED: QT_TRANSLATE_NOOP(
        "Messages", "The printer refused the connection: check the port, or whether another till is printing."
    ),
    PrintProblem.TIMEOUT: QT_TRANSLATE_NOOP(
        "Messages", "The printer did not answer in time: check its paper, cover and cable."
    ),
    PrintProblem.PERMISSION: QT_TRANSLATE_NOOP(
        "Messages", "This computer does not let MemberDesk use the printer: ask support to set its permissions."
    ),
    PrintProblem.NO_USB_DRIVER: QT_TRANSLATE_NOOP(
        "Messages", "The USB printer driver is missing: ask support to install it, or connect by network."
    ),
    PrintProblem.DISK_FULL: QT_TRANSLATE_NOOP("Messages", "The disk is full: the slip could not be written."),
    PrintProblem.FAILED: QT_TRANSLATE_NOOP("Messages", "The printer reported a fault: check it and try again."),
}

#: The settings a BAD_SETTING names, in the printer dialog's words.
_PRINTER_SETTING: dict[str, str] = {
    "usb_vendor": QT_TRANSLATE_NOOP("Messages", "the USB vendor ID (4 hex digits)"),
    "usb_product": QT_TRANSLATE_NOOP("Messages", "the USB product ID (4 hex digits)"),
    "host": QT_TRANSLATE_NOOP("Messages", "the printer's address"),
    "port": QT_TRANSLATE_NOOP("Messages", "the port (1 to 65535)"),
    "serial_device": QT_TRANSLATE_NOOP("Messages", "the serial port"),
    "baudrate": QT_TRANSLATE_NOOP("Messages", "the speed"),
    "file_path": QT_TRANSLATE_NOOP("Messages", "the device file or shared printer"),
}

_UNEXPECTED = QT_TRANSLATE_NOOP("Messages", "Something went wrong; nothing was saved. Try again or call support.")
_SYNC_FAILED = QT_TRANSLATE_NOOP("Messages", "The sync did not finish (%1). Nothing was lost; try again later.")


def tr(text: str) -> str:
    return QCoreApplication.translate(_CONTEXT, text)


def _with_limit(text: str, limit: object) -> str:
    """`text` translated with its bound in place of %1: a number with thousands separators ("10,000"), as every
    figure on the till is written; anything else as it is (a time, a code)."""
    translated = tr(text)
    if "%1" not in translated:
        return translated
    shown = points_text(limit) if isinstance(limit, int) and not isinstance(limit, bool) else str(limit)
    return translated.replace("%1", shown)


def describe_sync_error(code: str | None) -> str:
    """A sync run's error code (SyncReport.error, SyncError.code) in words."""
    if code is None:
        return ""
    if code in _SYNC:
        return tr(_SYNC[code])
    return _with_limit(_SYNC_FAILED, code)


def reason_words(reason: str | None) -> str:
    """A server reason code in plain words (an unknown code is shown as it came: better than nothing)."""
    if reason is None:
        return tr(_NO_REASON)
    return tr(_REASONS[reason]) if reason in _REASONS else reason


def describe(error: BaseException) -> str:
    """One translated sentence for a refusal; a generic 'nothing was saved' for anything unexpected."""
    if isinstance(error, StoreError):
        limit: object = error.limit
        if error.problem is Problem.BAD_CREDENTIALS and error.remaining_attempts is not None:
            minutes = str(int(LOCKOUT.total_seconds() // 60))
            return _with_limit(_TRIES_LEFT, error.remaining_attempts).replace("%2", minutes)
        if error.problem is Problem.OVER_REFUND and error.limit is not None:
            limit = yuan_text(error.limit)  # cents left to refund, as money
        if error.problem is Problem.LOCKED_OUT and error.until is not None:
            limit = error.until.astimezone(_zone()).strftime("%H:%M")
        return _with_limit(_STORE[error.problem], limit)
    if isinstance(error, InvalidPhone):
        return tr(_PHONE[error.problem])
    if isinstance(error, InvalidMemberCode):
        return tr(_CODE[error.problem])
    if isinstance(error, EarnRefused):
        limit = error.limit // 100 if error.limit is not None else None
        return _with_limit(_EARN[error.problem], limit)
    if isinstance(error, CouponRefused):
        return tr(_COUPON[error.problem])
    if isinstance(error, GiftRefused):
        return tr(_GIFT[error.problem])
    if isinstance(error, RedeemRefused):
        in_yuan = error.problem is RedeemProblem.BILL_TOO_LARGE and error.limit is not None
        return _with_limit(_REDEEM[error.problem], error.limit // 100 if in_yuan and error.limit else error.limit)
    if isinstance(error, InvalidPin):
        return tr(_STORE[Problem.INVALID_PIN])
    if isinstance(error, RefusedOnline):
        return _with_limit(_REFUSED_ONLINE, error.balance)
    if isinstance(error, SyncError):
        return describe_sync_error(error.code)
    if isinstance(error, PrintFailed):
        setting = _PRINTER_SETTING.get(error.setting or "")
        return tr(_PRINT[error.problem]).replace("%1", tr(setting) if setting else (error.setting or ""))
    return tr(_UNEXPECTED)


def is_refusal(error: BaseException) -> bool:
    """A refusal the user can act on (as opposed to a bug)."""
    return isinstance(
        error,
        StoreError
        | InvalidPhone
        | InvalidMemberCode
        | EarnRefused
        | RedeemRefused
        | CouponRefused
        | GiftRefused
        | InvalidPin
        | SyncError
        | PrintFailed,
    )
