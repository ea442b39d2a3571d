"""How much the protocol carries (PROTOCOL.md): its version, how many items one request may hold, the longest field
values, and how far a till's clock and its time offline may stray before the server flags what it pushes. Plain
values from the standard library only, so the till's window can name them without loading pydantic and the wire
schemas (`protocol.wire`), which it needs only once it writes or syncs."""

from __future__ import annotations

from datetime import timedelta

PROTOCOL_VERSION = 1
MAX_PUSH_ITEMS = 500
MAX_CHANGES_PAGE = 5000
MAX_MEMBER_CODES = 100
MAX_RECEIPT_LENGTH = 64  # a POS receipt number, as printed or scanned
MAX_SALE_LINES = 200  # purchase lines one sale (or one refund) may carry
#: What a till puts in one push request at most (the items' stored JSON, envelopes besides): under the server's
#: push cap (`server.limits`) with room, whatever mix of plain entries and entries with 200 purchase lines.
PUSH_BATCH_BYTES = 768 * 1024
MAX_QUANTITY_MILLI = 10**9  # a line's quantity in thousandths of a unit: a million pieces or kilograms

# Bounds that keep every number inside a signed 64-bit column on both databases, with room for sums.
MAX_POINTS = 10**12
MAX_CENTS = 10**13  # a hundred billion yuan
MAX_SEQ = 2**53

#: A till's clock may run this far ahead of the server's: an entry made later than the server's receive time plus
#: this is taken at the receive time and flagged `clock_skew` (tills warn their staff from 5 minutes, sync.engine).
ALLOWED_CLOCK_SKEW = timedelta(minutes=10)
#: How long a till may work offline: an entry that reaches the server older than this is flagged
#: `beyond_offline_window` (applied all the same: it was given at the counter).
OFFLINE_WINDOW = timedelta(days=14)
