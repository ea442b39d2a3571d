"""The sync protocol's plain values (PROTOCOL.md): its version, how much one request may carry, and the error codes.

They live apart from the pydantic schemas in `sync/wire.py` (which re-exports them, so the server names them from
there) because the till's window needs them on screen and in its defaults, and starts without loading pydantic or
the schemas: a till that is not syncing has no use for them. No imports beyond the standard library here.
"""

from __future__ import annotations

from enum import StrEnum

PROTOCOL_VERSION = 1
MAX_PUSH_ITEMS = 500
MAX_CHANGES_PAGE = 5000
MAX_MEMBER_CODES = 100


class ErrorCode(StrEnum):
    """Machine-readable `code` in every error answer's `detail`, and `reason` codes of rejected items."""

    MALFORMED = "malformed"
    UNAUTHORIZED = "unauthorized"
    DEVICE_REVOKED = "device_revoked"
    ENROLMENT_CODE_INVALID = "enrolment_code_invalid"
    UNKNOWN_STORE = "unknown_store"
    ID_CONFLICT = "id_conflict"
    BATCH_TOO_LARGE = "batch_too_large"
    OUT_OF_ORDER = "out_of_order"  # push: the batch named by `after_seq` was not applied (in time)
    CURSOR_GONE = "cursor_gone"
    RATE_LIMITED = "rate_limited"
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
