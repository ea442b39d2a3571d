"""The member programme's health board (会员看板): a small document of figures for a store and for the whole chain,
over today, the last 7 days and the last 30 days, computed on the server from the ledger, the members, the sales
without a member and the churn warnings. docs/insight.md ("Health board") gives each formula; in short:

- active members: members with a purchase (an unreversed earn) in the window (at the store, for a store);
- new members: members enrolled in the window (whose home store it is, for a store);
- repurchase rate: of the active members, the share with two purchases or more in the window;
- points usage rate: points redeemed ÷ points issued (earned) in the window;
- average ticket of members and of sales without a member, and the members' share of sales (money);
- LTV: the average 12-month spend of the members who bought in the last 12 months (their home store, for a store);
- segment mix and tier distribution of the live members, now, and the segment mix on each of the last 90 days
  the refresh kept (`server.segment_history`);
- wake-up rate: of the churn warnings handled in the window, the share whose member bought after the call;
- coupons: issued in the window (to the store's members, for a store), used in the window (at the store) and what
  they took off, and the usage rate: of the coupons issued in the window, the share used so far.

Shares are integer percent rounded down, None when there is nothing to divide by; money is integer cents.
Every figure is one aggregate query; the windows read the ledger by time (`ix_ledger_created`). Each till asks at
every sync, and a chain's tills sync at the same hour: `BoardCache` keeps each store's document (and the chain's
part, shared by all stores) for `CACHE_SECONDS`, so the server computes the chain's figures at most once in that
time per process, whatever the number of tills. Thread: the API's worker threads.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any, Final

from sqlalchemy import text
from sqlalchemy.orm import Session

from loyalty.clock import day_bounds, store_day, store_zone
from loyalty.insight import share_pct
from server.bulk import naive_utc, sqlite_time
from server.segment_history import history

WINDOWS: Final = (("today", 0), ("7d", 7), ("30d", 30))
CACHE_SECONDS: Final = 600.0


@dataclass(frozen=True, slots=True)
class WindowFigures:
    active_members: int
    new_members: int
    repurchase_rate_pct: int | None
    points_issued: int
    points_redeemed: int
    points_usage_rate_pct: int | None
    member_tickets: int
    member_sales_cents: int
    member_avg_ticket_cents: int | None
    other_tickets: int
    other_sales_cents: int
    other_avg_ticket_cents: int | None
    member_sales_share_pct: int | None
    warnings_handled: int
    woken: int
    wake_up_rate_pct: int | None
    coupons_issued: int = 0
    coupons_used: int = 0
    coupon_discount_cents: int = 0
    coupon_usage_rate_pct: int | None = None


@dataclass(frozen=True, slots=True)
class ScopeFigures:
    windows: dict[str, WindowFigures]
    ltv_cents: int | None
    segments: dict[str, int]
    tiers: dict[str, int]
    segment_history: list[dict[str, object]]


def _average(total: int, count: int) -> int | None:
    return None if count <= 0 else total // count


def window_start(now: datetime, days: int) -> datetime:
    """The window's start: the chain's midnight today (`days` 0), else `days` × 24 hours before now."""
    if days == 0:
        return day_bounds(store_day(now, store_zone()), store_zone())[0]
    return now - timedelta(days=days)


def _one(session: Session, sql: str, params: dict[str, Any]) -> tuple[Any, ...]:
    row = session.execute(text(sql), params).one()
    return tuple(row)


def window_figures(session: Session, store: str | None, start: datetime, now: datetime) -> WindowFigures:
    """One scope's figures over [start, now]."""
    at_store = "" if store is None else "AND l.store_code = :store"
    stored = sqlite_time if session.get_bind().dialect.name == "sqlite" else naive_utc
    params: dict[str, Any] = {"start": stored(start), "now": stored(now), "store": store}
    unreversed = "NOT EXISTS (SELECT 1 FROM ledger_entry r WHERE r.reverses = l.id)"
    active, repeat, tickets, sales, issued = _one(
        session,
        "SELECT COUNT(*), COALESCE(SUM(CASE WHEN n >= 2 THEN 1 ELSE 0 END), 0), COALESCE(SUM(n), 0), "  # noqa: S608
        "COALESCE(SUM(cents), 0), COALESCE(SUM(points), 0) FROM (SELECT l.member_id, COUNT(*) AS n, "
        "SUM(COALESCE(l.amount_cents, 0)) AS cents, SUM(l.points) AS points FROM ledger_entry l "
        f"WHERE l.kind = 'earn' AND l.created_at >= :start AND l.created_at <= :now {at_store} AND {unreversed} "
        "GROUP BY l.member_id) AS buyers",
        params,
    )
    (redeemed,) = _one(
        session,
        "SELECT COALESCE(-SUM(l.points), 0) FROM ledger_entry l WHERE l.kind = 'redeem' "  # noqa: S608
        f"AND l.created_at >= :start AND l.created_at <= :now {at_store} AND {unreversed}",
        params,
    )
    home = "" if store is None else "AND home_store = :store"
    (new,) = _one(
        session,
        "SELECT COUNT(*) FROM member WHERE NOT deleted AND merged_into IS NULL "  # noqa: S608
        f"AND created_at >= :start AND created_at <= :now {home}",
        params,
    )
    sale_store = "" if store is None else "AND store_code = :store"
    other_tickets, other_sales = _one(
        session,
        "SELECT COUNT(*), COALESCE(SUM(total_cents), 0) FROM sale "  # noqa: S608
        f"WHERE created_at >= :start AND created_at <= :now {sale_store}",
        params,
    )
    warning_store = "" if store is None else "AND w.store_code = :store"
    handled, woken = _one(
        session,
        "SELECT COUNT(*), COALESCE(SUM(CASE WHEN EXISTS (SELECT 1 FROM ledger_entry l WHERE l.member_id = w.member_id "  # noqa: S608
        "AND l.kind = 'earn' AND l.created_at > w.handled_at) THEN 1 ELSE 0 END), 0) FROM churn_warning w "
        f"WHERE w.handled_at >= :start AND w.handled_at <= :now {warning_store}",
        params,
    )
    coupon_home = "" if store is None else "AND c.member_id IN (SELECT id FROM member WHERE home_store = :store)"
    coupons_issued, issued_used = _one(
        session,
        "SELECT COUNT(*), COALESCE(SUM(CASE WHEN c.use_id IS NOT NULL THEN 1 ELSE 0 END), 0) FROM coupon c "  # noqa: S608
        f"WHERE c.issued_at >= :start AND c.issued_at <= :now {coupon_home}",
        params,
    )
    use_store = "" if store is None else "AND u.store_code = :store"
    coupons_used, coupon_cents = _one(
        session,
        "SELECT COUNT(*), COALESCE(SUM(u.discount_cents), 0) FROM coupon_use u "  # noqa: S608
        f"WHERE u.status = 'applied' AND u.used_at >= :start AND u.used_at <= :now {use_store}",
        params,
    )
    tickets, sales, issued, redeemed = int(tickets), int(sales), int(issued), int(redeemed)
    other_tickets, other_sales, handled, woken = int(other_tickets), int(other_sales), int(handled), int(woken)
    return WindowFigures(
        active_members=int(active),
        new_members=int(new),
        repurchase_rate_pct=share_pct(int(repeat), int(active)),
        points_issued=issued,
        points_redeemed=redeemed,
        points_usage_rate_pct=share_pct(redeemed, issued),
        member_tickets=tickets,
        member_sales_cents=sales,
        member_avg_ticket_cents=_average(sales, tickets),
        other_tickets=other_tickets,
        other_sales_cents=other_sales,
        other_avg_ticket_cents=_average(other_sales, other_tickets),
        member_sales_share_pct=share_pct(sales, sales + other_sales),
        warnings_handled=handled,
        woken=woken,
        wake_up_rate_pct=share_pct(woken, handled),
        coupons_issued=int(coupons_issued),
        coupons_used=int(coupons_used),
        coupon_discount_cents=int(coupon_cents),
        coupon_usage_rate_pct=share_pct(int(issued_used), int(coupons_issued)),
    )


def scope_figures(session: Session, store: str | None, now: datetime) -> ScopeFigures:
    home = "" if store is None else "AND home_store = :store"
    live = f"NOT deleted AND merged_into IS NULL {home}"
    params = {"store": store}
    total, buyers = _one(
        session,
        f"SELECT COALESCE(SUM(spend_12m_cents), 0), COUNT(*) FROM member WHERE {live} AND spend_12m_cents > 0",  # noqa: S608
        params,
    )
    segments = session.execute(text(f"SELECT segment, COUNT(*) FROM member WHERE {live} GROUP BY segment"), params)  # noqa: S608
    tiers = session.execute(text(f"SELECT tier, COUNT(*) FROM member WHERE {live} GROUP BY tier"), params)  # noqa: S608
    return ScopeFigures(
        windows={name: window_figures(session, store, window_start(now, days), now) for name, days in WINDOWS},
        ltv_cents=_average(int(total), int(buyers)),
        segments={str(segment or "none"): int(count) for segment, count in segments},
        tiers={str(tier): int(count) for tier, count in tiers},
        segment_history=history(session, store, now),
    )


class BoardCache:
    """Documents computed less than `seconds` ago, by store (the chain's part shared), on the monotonic clock."""

    def __init__(self, seconds: float = CACHE_SECONDS, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._seconds, self._monotonic = seconds, monotonic
        self._lock = threading.Lock()
        self._chain: tuple[float, str, dict[str, Any]] | None = None  # (computed at, as_of, figures)
        self._stores: dict[str, tuple[float, str, dict[str, Any]]] = {}

    def board(self, session: Session, store: str, now: datetime) -> dict[str, Any]:
        with self._lock:  # one computation at a time: the tills of a closing hour wait for it, not redo it
            at = self._monotonic()
            chain = self._chain
            if chain is None or at - chain[0] >= self._seconds:
                chain = self._chain = (at, now.isoformat(), asdict(scope_figures(session, None, now)))
            own = self._stores.get(store)
            if own is None or at - own[0] >= self._seconds:
                own = self._stores[store] = (at, now.isoformat(), asdict(scope_figures(session, store, now)))
        return {"as_of": min(chain[1], own[1]), "store": own[2], "chain": chain[2]}
