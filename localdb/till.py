"""The till's services in one place: open the store and get members, ledger, preferences, staff, settings and
the sync bookkeeping wired to the same database and clock. This is what `main.py` and the UI hold."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import func, select

from localdb.audit import AuditCheck, audit_head, verify_audit
from localdb.audit_anchor import Anchor, AnchorVerdict, compare_with_anchor
from localdb.chain_history import ChainHistoryService
from localdb.churn_warnings import ChurnWarnings
from localdb.coupons import CouponBook
from localdb.database import Database, default_store_path, schema_revision
from localdb.expiring import ExpiringPoints
from localdb.gifts import GiftShelf
from localdb.ledger import LedgerService
from localdb.member_view import MemberQueries
from localdb.members import MemberService
from localdb.models import Member, OutboxItem
from localdb.preferences import PreferenceService
from localdb.reports import ReportService
from localdb.staff import StaffService
from localdb.sync_store import SyncStore
from localdb.till_config import TillSettings
from localdb.trusted_clock import Monotonic, TrustedClock
from loyalty.clock import Clock, utc_now


@dataclass(frozen=True, slots=True)
class TillStatus:
    path: Path
    schema_revision: str | None
    store_code: str
    device_id: str
    members: int
    pending_outbox: int
    staff: int
    rules_version: int


class Till:
    def __init__(self, db: Database, clock: Clock = utc_now, *, monotonic: Monotonic = time.monotonic) -> None:
        self.db = db
        self.clock = clock
        self.settings = TillSettings(db)
        # The limits' clock (the offline cap's day, PIN lockouts): the server's time as last heard, run on by this
        # computer's monotonic clock, so a date set forward at the counter grants nothing.
        self.trusted_clock = TrustedClock(clock, monotonic=monotonic)
        stamp = self.trusted_clock.stamp  # what the services write on what they record
        queries = MemberQueries(db.engine.dialect)
        self.members = MemberService(db, self.settings, queries, stamp)
        self.coupons = CouponBook(db, self.settings, stamp)
        self.expiring = ExpiringPoints(db, self.settings, queries, stamp)
        self.gifts = GiftShelf(db, self.settings, stamp)
        self.ledger = LedgerService(db, self.settings, queries, stamp, trusted=self.trusted_clock, coupons=self.coupons)
        self.preferences = PreferenceService(db, stamp)
        self.staff = StaffService(db, stamp, trusted=self.trusted_clock)
        self.sync = SyncStore(db, self.settings, self.staff, stamp, self.trusted_clock)
        seen = self.sync.server_time_seen()
        if seen is not None:
            self.trusted_clock.saw_before(seen)
        self.reports = ReportService(db, self.settings, clock)
        self.history = ChainHistoryService(db, clock)
        self.warnings = ChurnWarnings(db, stamp)

    @classmethod
    def open(
        cls,
        path: Path | None = None,
        *,
        clock: Clock = utc_now,
        monotonic: Monotonic = time.monotonic,
        check_in_background: bool = False,
    ) -> Till:
        """Open (creating, encrypting and migrating as needed) the till database at `path` or the per-user default.
        `clock` is the wall clock, `monotonic` this computer's running time (both settable by tests);
        `check_in_background`: the counter window's start, the full integrity check in a thread (localdb.database)."""
        database = Database(path or default_store_path(), check_in_background=check_in_background)
        try:
            till = cls(database, clock, monotonic=monotonic)
            till.settings.current()
        except BaseException:
            database.close()  # its connections and its integrity check's thread
            raise
        return till

    def today(self) -> date:
        """The store's calendar day now (the birthday month, daily limits and the day report count by it)."""
        return self.settings.current().today(self.clock())

    def status(self) -> TillStatus:
        config = self.settings.current()
        with self.db.read() as session:
            members = session.scalar(select(func.count()).select_from(Member)) or 0
            pending = session.scalar(select(func.count()).select_from(OutboxItem).where(OutboxItem.status.is_(None)))
        return TillStatus(
            path=self.db.path,
            schema_revision=schema_revision(self.db.engine),
            store_code=config.store_code,
            device_id=config.device_id,
            members=members,
            pending_outbox=pending or 0,
            staff=self.staff.count(),
            rules_version=config.rules.version,
        )

    def verify_audit(self) -> AuditCheck:
        with self.db.read() as session:
            return verify_audit(session)

    def compare_audit_with(self, anchor: Anchor) -> tuple[AnchorVerdict, int]:
        """How the chain stands against the server's anchor, and the chain's last seq."""
        with self.db.read() as session:
            return compare_with_anchor(session, anchor), audit_head(session)[0]

    def close(self) -> None:
        self.db.close()
