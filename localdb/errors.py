"""The one error type of the till's services: `StoreError` with a reason code the UI turns into one sentence.

Domain refusals (`InvalidPhone`, `EarnRefused`, `RedeemRefused`, `InvalidMemberCode`) pass through unchanged.
Messages never carry a phone number or a name: they may end up in a log.

The storage itself can fail too: a full disk (`STORAGE_FULL`) or a file that cannot be read or written
(`STORAGE_FAILED`) is raised as a `StoreError` by `localdb.database`, never as the driver's exception (whose text
may hold the row being written). A store that cannot be opened at all is a `StoreUnavailable`, which says which
file and why (`OpenProblem`), so the command line can name it.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from pathlib import Path


class Problem(StrEnum):
    PERMISSION_DENIED = "permission_denied"
    BAD_CREDENTIALS = "bad_credentials"
    LOCKED_OUT = "locked_out"
    INVALID_PIN = "invalid_pin"
    INVALID_STAFF = "invalid_staff"
    MEMBER_NOT_FOUND = "member_not_found"
    DUPLICATE_PHONE = "duplicate_phone"
    INVALID_NAME = "invalid_name"
    INVALID_BIRTHDAY = "invalid_birthday"
    INVALID_GENDER = "invalid_gender"
    NOTHING_TO_AWARD = "nothing_to_award"
    DUPLICATE_RECEIPT = "duplicate_receipt"
    INVALID_RECEIPT = "invalid_receipt"
    OVER_OFFLINE_CAP = "over_offline_cap"
    APPROVAL_REQUIRED = "approval_required"
    ENTRY_NOT_FOUND = "entry_not_found"
    ALREADY_REVERSED = "already_reversed"
    NOT_REVERSIBLE = "not_reversible"
    INSUFFICIENT_POINTS = "insufficient_points"
    OVER_REFUND = "over_refund"  # a refund of more than the sale has left to refund (`limit`: cents left)
    NOT_REFUNDABLE = "not_refundable"  # only a purchase (earn) or a redemption can be refunded
    INVALID_LINES = "invalid_lines"  # purchase lines that do not add up to the amount, or a line number twice
    CONSENT_REQUIRED = "consent_required"
    INVALID_PREFERENCE = "invalid_preference"
    PREFERENCE_NOT_FOUND = "preference_not_found"
    WARNING_NOT_FOUND = "warning_not_found"  # a churn warning no longer on this store's list
    NO_MEMBER_CODE_KEY = "no_member_code_key"
    PHONE_NOT_VERIFIED = "phone_not_verified"  # a member edit: the old number typed is not the member's
    NOTHING_TO_EDIT = "nothing_to_edit"  # a member edit that changes nothing
    INVALID_TAIL = "invalid_tail"  # a phone tail that is not exactly 4 digits
    STORAGE_FULL = "storage_full"  # the disk holding the till's database is full: nothing was written
    STORAGE_FAILED = "storage_failed"  # the database file could not be read or written (I/O error, damaged file)
    STORE_UNAVAILABLE = "store_unavailable"  # the database cannot be opened at all (see StoreUnavailable)
    NO_PENDING_SALE = "no_pending_sale"  # the counter confirmed a POS sale, but none waits (the POS cancelled it)
    NOTHING_TO_REFUND = "nothing_to_refund"  # a return: no member earned on that receipt at that store
    REFUND_NO_USED = "refund_no_used"  # a return: its refund number was used before for another refund
    OTHER_MEMBERS_RECEIPT = "other_members_receipt"  # a return at the counter: the receipt earned for someone else
    RETURN_NEEDS_MANAGER = "return_needs_manager"  # an offline return of another store's sale: a manager must take it
    INVALID_RETURN_POINTS = "invalid_return_points"  # an offline return's points: 1 to `limit`
    OVER_ISSUE_LIMIT = "over_issue_limit"  # a manager's coupon: today's `limit` at this till is given already
    REFERRER_NOT_FOUND = "referrer_not_found"  # an enrolment's referrer: no member of this till has that phone


class StoreError(Exception):
    """A service refused: nothing was written. `problem` says why; the other fields help the screen explain it."""

    def __init__(
        self,
        problem: Problem,
        *,
        member_id: str | None = None,
        entry_id: str | None = None,
        limit: int | None = None,
        until: datetime | None = None,
        remaining_attempts: int | None = None,
    ) -> None:
        super().__init__(problem.value)
        self.problem = problem
        self.member_id = member_id
        self.entry_id = entry_id
        self.limit = limit
        self.until = until
        self.remaining_attempts = remaining_attempts


class OpenProblem(StrEnum):
    """Why the till's database cannot be opened."""

    IS_A_FOLDER = "is_a_folder"  # the path names a folder, not a file
    FOLDER_IS_A_FILE = "folder_is_a_file"  # a folder on the path is a file (e.g. /etc/passwd/till.sqlite3)
    NOT_PERMITTED = "not_permitted"  # this account may not create, read or write it there
    NO_SUCH_PLACE = "no_such_place"  # its folder does not exist and cannot be made there
    NOT_A_DATABASE = "not_a_database"  # the file is not a SQLite database, or is damaged
    WRONG_KEY = "wrong_key"  # encrypted, but this till's key does not open it (another till's file, or damaged)
    IN_USE = "in_use"  # a clear file from before encryption, open in another process: it cannot be encrypted now
    DAMAGED = "damaged"  # opens, but pages fail SQLCipher's integrity check (a damaged disk or file)
    NOT_A_TILL = "not_a_till"  # a SQLite database, but not a MemberDesk till's (another program's, the server's)
    STORAGE_FULL = "storage_full"  # the disk is full
    FAILED = "failed"  # any other I/O error


class StoreUnavailable(StoreError):
    """The till's database at `path` cannot be opened (`reason`); nothing was changed in it."""

    def __init__(self, reason: OpenProblem, path: Path) -> None:
        super().__init__(Problem.STORE_UNAVAILABLE)
        self.reason = reason
        self.path = path

    def __str__(self) -> str:
        return f"{self.problem.value}: {self.reason.value}"
