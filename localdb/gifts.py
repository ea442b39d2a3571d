"""The gift catalogue at the till (积分兑换礼品, issue 18): what the config said (`TillConfig.gifts`: the items with
this store's stock as the server counted it at the last sync), each with what is left by this till's count (its gift
entries not yet sent take from it) and whether it is offered today. Handing one over is
`LedgerService.redeem_gift`; the server lowers the stock and flags a hand-out the stock did not cover.

The count is as of the last sync: another till's hand-outs since, and this till's own sent during the sync after the
config was read, show at the next sync. It never stops a cashier who has the item in hand.

Thread: the caller's (a read).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from localdb.database import Database
from localdb.models import EntrySync, PointEntry
from localdb.till_config import TillSettings
from loyalty.clock import Clock
from loyalty.gifts import Gift, GiftProblem
from protocol.vocabulary import EntryKind


@dataclass(frozen=True, slots=True)
class GiftOffer:
    gift: Gift
    left: int  # the store's stock by this till's count (below 0: more handed out than counted)
    problem: GiftProblem | None  # None: offered today


class GiftShelf:
    def __init__(self, db: Database, settings: TillSettings, clock: Clock) -> None:
        self._db = db
        self._settings = settings
        self._clock = clock

    def offers(self) -> list[GiftOffer]:
        """The catalogue, cheapest first, each with what is left and whether it is offered today."""
        config = self._settings.current()
        today = config.today(self._clock())
        with self._db.read() as session:
            pending = dict(
                session.execute(
                    select(PointEntry.gift_sku, func.count())
                    .where(PointEntry.kind == EntryKind.GIFT.value, PointEntry.sync_state == EntrySync.PENDING.value)
                    .group_by(PointEntry.gift_sku)
                ).all()
            )
        offers = [GiftOffer(gift, stock - int(pending.get(gift.sku, 0)), gift.refusal(today))
                  for gift, stock in config.gifts]  # fmt: skip
        return sorted(offers, key=lambda offer: (offer.gift.points, offer.gift.sku))
