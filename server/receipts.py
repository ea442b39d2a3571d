"""A store's receipt as the server holds it, for a till taking back another store's sale (`GET /v1/receipts`):
the earn and any redemption made for it, their purchase lines, and the money given back on each so far (refunds
naming them and offline returns reconciled with them), so the till's refund moves points exactly as the server
will check them."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import func, select

from protocol.vocabulary import EntryKind
from protocol.wire import SALE_LINES, ReceiptEntry, ReceiptResponse, SaleLine
from server.db import ServerDatabase
from server.models import EntryLines, LedgerEntry


def receipt_entries(db: ServerDatabase, store_code: str, receipt_no: str) -> ReceiptResponse:
    with db.read() as session:
        entries = list(
            session.scalars(
                select(LedgerEntry)
                .where(
                    LedgerEntry.store_code == store_code,
                    LedgerEntry.receipt_no == receipt_no,
                    LedgerEntry.kind.in_((EntryKind.EARN.value, EntryKind.REDEEM.value)),
                )
                .order_by(LedgerEntry.created_at, LedgerEntry.id)
            )
        )
        ids = [entry.id for entry in entries]
        refunded: dict[str, int] = defaultdict(int)
        lines: dict[str, list[SaleLine]] = defaultdict(list)
        if ids:
            for column in (LedgerEntry.refund_of, LedgerEntry.reconciled_with):
                sums = session.execute(
                    select(column, func.coalesce(func.sum(LedgerEntry.amount_cents), 0))
                    .where(column.in_(ids))
                    .group_by(column)
                )
                for entry_id, cents in sums:
                    if entry_id is not None:
                        refunded[entry_id] += int(cents or 0)
            for entry_id, kept in session.execute(
                select(EntryLines.entry_id, EntryLines.lines).where(EntryLines.entry_id.in_(ids))
            ):
                lines[entry_id] = SALE_LINES.validate_python(kept)
        return ReceiptResponse(
            store_code=store_code,
            receipt_no=receipt_no,
            entries=[
                ReceiptEntry(
                    id=entry.id,
                    member_id=entry.member_id,
                    kind=EntryKind(entry.kind),
                    points=entry.points,
                    amount_cents=entry.amount_cents,
                    bill_cents=entry.bill_cents,
                    refunded_cents=refunded.get(entry.id, 0),
                    lines=lines.get(entry.id) or None,
                )
                for entry in entries
            ],
        )
