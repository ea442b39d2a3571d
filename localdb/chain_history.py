"""The till's cache of members' purchase histories across the chain (`chain_history`): the server's last answer
for each recently seen member, so a guide sees another store's purchases offline too. Bounded: `MAX_MEMBERS` rows,
the least recently fetched dropped on each write; an erased or merged member's row goes when the pull says so
(`localdb.pulled_pages`).

The answer is kept as the server sent it (`protocol.wire.PurchaseHistoryResponse` as JSON) and read back into plain
views; a row this version cannot read is treated as absent (fetched again when online).

Thread: any (the database's own locking); the app writes it on its database worker.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from sqlalchemy import delete, func, select
from sqlalchemy.dialects.sqlite import insert

from localdb.database import Database
from localdb.models import ChainHistory, SaleLine
from localdb.staff import StaffSession, require
from loyalty.categories import spend_per_category, top_categories
from loyalty.clock import Clock
from loyalty.roles import Permission

log = logging.getLogger(__name__)

#: Members whose chain history a till keeps: a day's worth of members seen at a busy counter.
MAX_MEMBERS: Final = 200


@dataclass(frozen=True, slots=True)
class ChainPurchase:
    """One purchase at any store of the chain, as the server told it."""

    entry_id: str
    at: datetime
    store_code: str
    store_name: str | None
    amount_cents: int
    points: int
    refunded_cents: int
    top_categories: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ChainHistoryView:
    member_id: str
    fetched_at: datetime
    purchases: tuple[ChainPurchase, ...]  # newest first


def _view(member_id: str, fetched_at: datetime, body: dict[str, Any]) -> ChainHistoryView | None:
    from pydantic import ValidationError

    from protocol.wire import PurchaseHistoryResponse

    try:
        answer = PurchaseHistoryResponse.model_validate(body)
    except ValidationError:
        log.warning("a cached chain history could not be read: ignored")
        return None
    purchases = tuple(
        ChainPurchase(
            entry_id=p.entry_id,
            at=p.at,
            store_code=p.store_code,
            store_name=p.store_name,
            amount_cents=p.amount_cents,
            points=p.points,
            refunded_cents=p.refunded_cents,
            top_categories=tuple(p.top_categories),
        )
        for p in answer.purchases
    )
    return ChainHistoryView(member_id, fetched_at, purchases)


class ChainHistoryService:
    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    def get(self, actor: StaffSession, member_id: str) -> ChainHistoryView | None:
        """The cached chain history of a member, None when none is kept."""
        require(actor, Permission.LOOKUP)
        with self._db.read() as session:
            row = session.get(ChainHistory, member_id)
            if row is None:
                return None
            fetched_at, body = row.fetched_at, row.body
        return _view(member_id, fetched_at, body)

    def keep(self, actor: StaffSession, member_id: str, answer: dict[str, Any]) -> ChainHistoryView | None:
        """Keep the server's answer (`PurchaseHistoryResponse` as JSON) for a member, replacing the last one, and
        drop the least recently fetched beyond `MAX_MEMBERS`. Returns it as shown."""
        require(actor, Permission.LOOKUP)
        now = self._clock()
        view = _view(member_id, now, answer)
        if view is None:
            return None
        with self._db.write() as session:
            upsert = insert(ChainHistory).values(member_id=member_id, fetched_at=now, body=answer)
            session.execute(upsert.on_conflict_do_update(index_elements=[ChainHistory.member_id],
                                                         set_={"fetched_at": now, "body": answer}))  # fmt: skip
            newest = select(ChainHistory.member_id).order_by(ChainHistory.fetched_at.desc()).limit(MAX_MEMBERS)
            session.execute(delete(ChainHistory).where(ChainHistory.member_id.not_in(newest)))
        return view

    def own_categories(self, actor: StaffSession, entry_ids: list[str]) -> dict[str, tuple[str, ...]]:
        """The top categories of this till's entries from their purchase lines (one query; none without lines)."""
        require(actor, Permission.LOOKUP)
        if not entry_ids:
            return {}
        with self._db.read() as session:
            rows = session.execute(
                select(SaleLine.entry_id, SaleLine.category, SaleLine.amount_cents).where(
                    SaleLine.entry_id.in_(entry_ids)
                )
            ).all()
        lines: dict[str, list[tuple[str, int]]] = {}
        for entry_id, category, cents in rows:
            lines.setdefault(entry_id, []).append((category, cents))
        return {entry_id: tuple(top_categories(spend_per_category(pairs))) for entry_id, pairs in lines.items()}

    def count(self) -> int:
        with self._db.read() as session:
            return int(session.scalar(select(func.count()).select_from(ChainHistory)) or 0)
