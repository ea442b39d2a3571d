"""The one error type of the till's services: `StoreError` with a reason code the UI turns into one sentence.

Domain refusals (`InvalidPhone`, `EarnRefused`, `RedeemRefused`, `InvalidMemberCode`) pass through unchanged.
Messages never carry a phone number or a name: they may end up in a log.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum


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
    CONSENT_REQUIRED = "consent_required"
    INVALID_PREFERENCE = "invalid_preference"
    PREFERENCE_NOT_FOUND = "preference_not_found"
    NO_MEMBER_CODE_KEY = "no_member_code_key"


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
