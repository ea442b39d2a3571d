"""Points expiry on the server (issue 18; docs/benefits.md), run by the nightly refresh: under the chain's expiry
rule (`loyalty.expiry`), each member's points past their last day go, as one `expire` ledger entry the server writes
(so the balance stays the sum of the ledger, and the tills pull the new balance with the member's new version); and
the points that expire soonest within 30 days, with their day, are kept on the member (`expiring_points`,
`expiring_on`) for the card and the slip; a member with at least the benefit rules' `expiry_warning_points` of them
goes on their store's 需关注会员 list (`server.churn_warnings`, reason `points_expiring`), for a guide to remind them.

A member's held points are worked out without their whole history: every movement that takes points takes the oldest
first, so what a member holds is the newest part of their lots (`loyalty.expiry.newest_part`), and only the lots
since the rule's horizon (`loyalty.expiry.horizon`: two years back under a rolling 24 months, this year under 年底清零)
are read. And only for members whose earliest possible expiry (`member.next_expiry_on`, the oldest held lot's last
day, which only moves later until the next refresh) is within the warning's 30 days, or not worked out yet: most
nights read few members' ledgers.

Thread: the admin command line (the refresh).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from sqlalchemy import Table
from sqlalchemy.orm import Session
from uuid6 import uuid7

from loyalty.clock import store_day, store_zone
from loyalty.expiry import (
    ExpiryKind,
    Holding,
    Movement,
    expired,
    expiring_within,
    horizon,
    net_lots,
    newest_part,
)
from protocol.vocabulary import EntryKind, ItemStatus, WarningReason
from server import chain
from server.bulk import Bulk, read_date
from server.churn_warnings import Raised, raise_warnings
from server.db import ServerDatabase
from server.member_chunks import CHUNK, live_member_chunks
from server.models import LedgerEntry, Member

WARNING_DAYS: Final = 30  # points expiring this soon are shown on the card and the slip
SERVER_ACTOR: Final = "server"  # the staff code and device id of the entries the server writes itself
CHAIN_STORE: Final = "*"  # their store code: the chain's, not a store's (no store code can be "*")
_LEDGER: Table = LedgerEntry.__table__  # type: ignore[assignment]
_MEMBER: Table = Member.__table__  # type: ignore[assignment]
_EXPIRE_COLUMNS: Final = (
    "id", "member_id", "kind", "points", "rule_version", "staff_code", "store_code", "device_id", "created_at",
    "received_at", "offline", "status",
)  # fmt: skip
_MEMBER_COLUMNS: Final = ("balance", "expiring_points", "expiring_on", "next_expiry_on", "version", "updated_at")


@dataclass(frozen=True, slots=True)
class ExpiryReport:
    looked: int = 0  # members whose ledger was read
    expired_members: int = 0  # members who lost points
    expired_points: int = 0
    expiring_members: int = 0  # members with points expiring within 30 days after the run
    warned: int = 0  # of those, put on their store's list (at least the benefit rules' `expiry_warning_points`)


def expire_points(db: ServerDatabase, now: datetime, *, chunk: int = CHUNK) -> ExpiryReport:
    """The night's expiry at `now` (see the module's note)."""
    with db.read() as session:
        rules = chain.rules(session)
        threshold = chain.benefit_rules(session).expiry_warning_points
    zone = store_zone()
    today = store_day(now, zone)
    rule = rules.expiry
    near = today + timedelta(days=WARNING_DAYS)
    if rule.kind is ExpiryKind.NONE:  # no rule (or no longer): nothing expires, nothing is said to
        where = "expiring_points > 0"
    else:
        where = (
            f"balance > 0 AND (next_expiry_on IS NULL OR next_expiry_on < '{near.isoformat()}') OR expiring_points > 0"
        )
    since, latest = horizon(rule, today, zone)
    looked = expired_members = expired_points = expiring = warnings = 0
    columns = "balance, expiring_points, expiring_on, next_expiry_on"
    for session, bulk, rows in live_member_chunks(db, columns, where=f"({where})", chunk=chunk):
        positive = [row[0] for row in rows if row[1] > 0 and rule.kind is not ExpiryKind.NONE]
        movements = _movements(bulk, positive, since)
        looked += len(positive)
        expire_rows: list[tuple[object, ...]] = []
        changed: list[tuple[object, ...]] = []
        warned: list[Raised] = []
        for member_id, balance, stored_points, stored_on, stored_next in rows:
            held = Holding((), 0)
            if member_id in movements or (balance > 0 and rule.kind is not ExpiryKind.NONE):
                lots = net_lots(movements.get(member_id, ()), rule, zone)
                held = newest_part(balance, lots, horizon=since, horizon_last_day=latest)
            due = expired(held, today)
            left = Holding(tuple(lot for lot in held.lots if lot.last_day is None or lot.last_day >= today), 0)
            soon = expiring_within(left, today, WARNING_DAYS)
            points, on = soon[0][1] if soon else 0, soon[0][0] if soon else None
            next_on = min((lot.last_day for lot in left.lots if lot.last_day is not None), default=None)
            if due:
                expire_rows.append((str(uuid7()), member_id, EntryKind.EXPIRE.value, -due, rules.version,
                                    SERVER_ACTOR, CHAIN_STORE, SERVER_ACTOR, now, now, False,
                                    ItemStatus.APPLIED.value))  # fmt: skip
                expired_members, expired_points = expired_members + 1, expired_points + due
            expiring += bool(points)
            if threshold is not None and points >= threshold:
                warned.append(Raised(member_id, WarningReason.POINTS_EXPIRING))
            shown = bool(due) or (points, on) != (stored_points, read_date(stored_on))  # what the tills show moved
            if shown or next_on != read_date(stored_next):
                changed.append((member_id, balance - due, points, on, next_on, shown))
        _write(db, session, bulk, expire_rows, changed, now)
        warnings += raise_warnings(bulk, warned, now)
        bulk.flush()
    return ExpiryReport(looked, expired_members, expired_points, expiring, warnings)


def _movements(bulk: Bulk, member_ids: list[str], since: datetime) -> dict[str, list[Movement]]:
    """The members' ledger movements since `since`: each positive one a lot (named by its id), each negative one
    naming the entry it takes back (a reversal, a refund's claw-back)."""
    if not member_ids:
        return {}
    where, keys = bulk.in_keys("member_id", member_ids)
    sql = (
        f"SELECT member_id, id, points, created_at, reverses, refund_of FROM ledger_entry "  # noqa: S608
        f"WHERE {where} AND created_at >= {bulk.mark}"
    )
    found: dict[str, list[Movement]] = {}
    for member_id, entry_id, points, created_at, reverses, refund_of in bulk.rows(
        sql, (*keys, bulk.stored_time(since))
    ):
        at = bulk.read_time(created_at)
        movement = Movement(at, points, entry_id) if points > 0 else Movement(at, points, cancels=reverses or refund_of)
        found.setdefault(member_id, []).append(movement)
    return found


def _write(
    db: ServerDatabase,
    session: Session,
    bulk: Bulk,
    expire_rows: list[tuple[object, ...]],
    changed: list[tuple[object, ...]],
    now: datetime,
) -> None:
    """The chunk's expiry entries, and its members' new balance and expiring points: a new version for each whose
    balance or shown expiry changed (the tills pull it), the others only stamped."""
    bulk.insert(_LEDGER, _EXPIRE_COLUMNS, expire_rows)
    shown = [row for row in changed if row[5]]
    stamped = [(row[4], row[0]) for row in changed if not row[5]]
    if shown:
        first = db.reserve_versions(session, len(shown))
        bulk.update(_MEMBER, _MEMBER_COLUMNS, "id", [(row[1], row[2], row[3], row[4], first + n, now, row[0])
                                                      for n, row in enumerate(shown)])  # fmt: skip
    bulk.update(_MEMBER, ("next_expiry_on",), "id", stamped)
    bulk.flush()
