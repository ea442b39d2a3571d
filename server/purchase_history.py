"""A member's purchase history across the chain (`GET /v1/members/{member_id}/purchases`): the last purchases (earn
entries not reversed) at any store, newest first, each with its store's name, its points, the money given back on
it since (refunds, and offline returns reconciled with it) and its lines' largest categories. A merged id follows
its survivor (whose ledger holds the merged member's entries); an unknown or erased member is refused.

Every answer is audited (`history_access`: device, store, the staff the till names, member, outcome; ids only), as
member codes are: a purchase history is personal data a till fetches from the server, and the chain must be able to
tell a member who looked at theirs (docs/sync.md "Purchase history").

Thread: the API's worker threads.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from loyalty.categories import spend_per_category
from protocol.vocabulary import EntryKind, ErrorCode
from protocol.wire import PurchaseHistoryResponse, PurchaseSummary
from server.db import ServerDatabase
from server.errors import ApiError
from server.members import resolve
from server.models import EntryLines, HistoryAccess, LedgerEntry, Store
from server.top_categories import rank

#: Purchases one answer holds: the guide's screen shows the last 20.
HISTORY_LENGTH: Final = 20
ANSWERED: Final = "answered"
UNKNOWN: Final = "unknown_member"


@dataclass(frozen=True, slots=True)
class Reader:
    """Who read a history: the till (device, its store) and the staff it names (None when it did not say)."""

    device_id: str
    store_code: str
    staff_code: str | None = None


def purchase_history(db: ServerDatabase, member_id: str, reader: Reader) -> PurchaseHistoryResponse:
    """The member's last `HISTORY_LENGTH` purchases; raises `ApiError` 404 `unknown_member` for an unknown or erased
    member. The read and its audit row are one transaction."""
    with db.write() as session:
        member = resolve(session, member_id)
        outcome = UNKNOWN if member is None else ANSWERED
        session.add(
            HistoryAccess(at=db.clock(), device_id=reader.device_id, store_code=reader.store_code,
                          staff_code=reader.staff_code, member_id=member_id, outcome=outcome)
        )  # fmt: skip
        if member is None:
            answer = None
        else:
            answer = PurchaseHistoryResponse(member_id=member.id, purchases=_purchases(session, member.id))
    if answer is None:
        raise ApiError(404, ErrorCode.UNKNOWN_MEMBER, "no such member", field="member_id")
    return answer


def _purchases(session: Session, member_id: str) -> list[PurchaseSummary]:
    earn, reversal = LedgerEntry, aliased(LedgerEntry)
    rows = session.execute(
        select(earn.id, earn.created_at, earn.store_code, earn.receipt_no, earn.amount_cents, earn.points)
        .outerjoin(reversal, reversal.reverses == earn.id)
        .where(earn.member_id == member_id, earn.kind == EntryKind.EARN.value, reversal.id.is_(None))
        .order_by(earn.created_at.desc(), earn.id.desc())
        .limit(HISTORY_LENGTH)
    ).all()
    if not rows:
        return []
    ids = [row.id for row in rows]
    refunded: dict[str, int] = {}
    for column in (LedgerEntry.refund_of, LedgerEntry.reconciled_with):
        for entry_id, cents in session.execute(
            select(column, func.sum(LedgerEntry.amount_cents)).where(column.in_(ids)).group_by(column)
        ):
            if entry_id is not None:
                refunded[entry_id] = refunded.get(entry_id, 0) + int(cents or 0)
    spend: dict[str, dict[str, int]] = {}
    for entry_id, lines in session.execute(
        select(EntryLines.entry_id, EntryLines.lines).where(EntryLines.entry_id.in_(ids))
    ):
        spend[entry_id] = spend_per_category((line["category"], int(line["amount_cents"])) for line in lines)
    wanted = {row.store_code for row in rows}
    stores = {
        code: name for code, name in session.execute(select(Store.code, Store.name).where(Store.code.in_(wanted)))
    }
    return [
        PurchaseSummary(
            entry_id=row.id,
            at=row.created_at,
            store_code=row.store_code,
            store_name=stores.get(row.store_code),
            receipt_no=row.receipt_no,
            amount_cents=row.amount_cents or 0,
            points=row.points,
            refunded_cents=refunded.get(row.id, 0),
            top_categories=rank(spend.get(row.id, {})),
        )
        for row in rows
    ]


def accesses(db: ServerDatabase, *, member_id: str | None = None, device_id: str | None = None) -> list[HistoryAccess]:
    """The audited reads of purchase histories, oldest first, of one member (as asked) and/or one device."""
    query = select(HistoryAccess).order_by(HistoryAccess.id)
    if member_id is not None:
        query = query.where(HistoryAccess.member_id == member_id)
    if device_id is not None:
        query = query.where(HistoryAccess.device_id == device_id)
    with db.read() as session:
        rows = list(session.scalars(query))
        session.expunge_all()
    return rows
