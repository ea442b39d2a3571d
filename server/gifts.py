"""The gift catalogue on the server (积分兑换礼品, issue 18; docs/benefits.md): head office writes items
(`put_gift`, `admin gift FILE`) and each store's stock (`set_stock`, `admin gift-stock STORE SKU COUNT`); the config
carries the catalogue, with the device's store's stock, to the tills (`for_store`); a pushed gift entry lowers its
store's stock (`server.push`), below 0 when the tills handed out more offline than there was (those entries are
flagged `out_of_stock`, as an overdraft is).

Thread: the admin command line; the API's worker threads (`for_store`, the push).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from loyalty.gifts import Gift
from server.db import ServerDatabase
from server.models import AdminLog, GiftRow, GiftStock


class UnknownGift(LookupError):
    """No gift has this SKU."""


def put_gift(db: ServerDatabase, gift: Gift) -> bool:
    """Store the item (replacing the terms of one with its SKU); True when it is new."""
    now = db.clock()
    with db.write() as session:
        row = session.get(GiftRow, gift.sku)
        new = row is None
        if row is None:
            row = GiftRow(sku=gift.sku, updated_at=now)
            session.add(row)
        row.document, row.updated_at = gift.to_dict(), now
        session.add(AdminLog(at=now, action="gift", detail=f"sku={gift.sku} new={new}"))
    return new


def set_stock(db: ServerDatabase, store_code: str, sku: str, count: int) -> None:
    """The store has `count` of the item now (a stock take; raises `UnknownGift`)."""
    now = db.clock()
    with db.write() as session:
        if session.get(GiftRow, sku) is None:
            raise UnknownGift(sku)
        row = session.get(GiftStock, (store_code, sku))
        if row is None:
            session.add(GiftStock(store_code=store_code, sku=sku, stock=count))
        else:
            row.stock = count
        session.add(AdminLog(at=now, action="gift_stock", detail=f"store={store_code} sku={sku} stock={count}"))


def for_store(session: Session, store_code: str, today: date) -> list[dict[str, Any]]:
    """The items offered today or later, each with the store's stock (0 when it has none), by SKU."""
    held = select(GiftStock.sku, GiftStock.stock).where(GiftStock.store_code == store_code)
    stock = dict(session.execute(held).all())
    listed: list[dict[str, Any]] = []
    for row in session.scalars(select(GiftRow).order_by(GiftRow.sku)):
        gift = Gift.from_dict(row.document)
        if gift.valid_to is None or gift.valid_to >= today:
            listed.append({**gift.to_dict(), "stock": int(stock.get(gift.sku, 0))})
    return listed


def catalogue(session: Session, skus: Iterable[str]) -> dict[str, Gift]:
    """The items of these SKUs the catalogue holds."""
    wanted = sorted(set(skus))
    if not wanted:
        return {}
    rows = session.scalars(select(GiftRow).where(GiftRow.sku.in_(wanted)))
    return {row.sku: Gift.from_dict(row.document) for row in rows}
