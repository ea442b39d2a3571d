"""How much the protocol carries (PROTOCOL.md): its version, how many items one request may hold, and the longest
field values. Plain numbers with no imports, so the till's window can name them without loading pydantic and the
wire schemas (`protocol.wire`), which it needs only once it writes or syncs."""

from __future__ import annotations

PROTOCOL_VERSION = 1
MAX_PUSH_ITEMS = 500
MAX_CHANGES_PAGE = 5000
MAX_MEMBER_CODES = 100
MAX_RECEIPT_LENGTH = 64  # a POS receipt number, as printed or scanned

# Bounds that keep every number inside a signed 64-bit column on both databases, with room for sums.
MAX_POINTS = 10**12
MAX_CENTS = 10**13  # a hundred billion yuan
MAX_SEQ = 2**53
