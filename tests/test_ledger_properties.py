"""Property: whatever a till does with award, redeem and reverse, the balance equals the sum of the ledger, never
goes negative, and every ledger row has its outbox row (and the audit chain holds)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule
from sqlalchemy import func, select

from localdb.errors import StoreError
from localdb.models import OutboxItem, PointEntry
from localdb.staff import StaffSession
from localdb.till import Till
from loyalty.points import EarnRefused, RedeemRefused
from loyalty.roles import Role
from tests.conftest import FakeClock

MANAGER = StaffSession("M001", "店长", Role.MANAGER)
CASHIER = StaffSession("C001", "收银", Role.CASHIER)


class LedgerMachine(RuleBasedStateMachine):
    @initialize(starting_balance=st.integers(min_value=0, max_value=5_000))
    def open_till(self, starting_balance: int) -> None:
        self.folder = tempfile.TemporaryDirectory()
        self.clock = FakeClock()
        self.till = Till.open(Path(self.folder.name) / "till.sqlite3", clock=self.clock)
        self.member = self.till.members.enrol(MANAGER, phone="13800138000", name="张三").member.id
        with self.till.db.write() as session:
            session.connection().exec_driver_sql(
                "UPDATE member SET balance_synced = ? WHERE id = ?", (starting_balance, self.member)
            )
        self.starting_balance = starting_balance
        self.entries: list[str] = []

    def teardown(self) -> None:
        if hasattr(self, "till"):
            self.till.close()
            self.folder.cleanup()

    @rule(amount=st.integers(min_value=-100, max_value=200_000), as_cashier=st.booleans())
    def award(self, amount: int, as_cashier: bool) -> None:
        try:
            result = self.till.ledger.award(CASHIER if as_cashier else MANAGER, self.member, amount)
        except (EarnRefused, StoreError):
            return
        self.entries.append(result.entry.id)

    @rule(points=st.integers(min_value=-10, max_value=6_000), bill=st.integers(min_value=0, max_value=500_000),
          as_cashier=st.booleans(), online=st.booleans())  # fmt: skip
    def redeem(self, points: int, bill: int, as_cashier: bool, online: bool) -> None:
        actor = CASHIER if as_cashier else MANAGER
        try:
            result = self.till.ledger.redeem(actor, self.member, points, bill_cents=bill, online_authorized=online)
        except (RedeemRefused, StoreError):
            return
        self.entries.append(result.entry.id)

    @precondition(lambda self: bool(self.entries))
    @rule(pick=st.integers(min_value=0), as_cashier=st.booleans())
    def reverse(self, pick: int, as_cashier: bool) -> None:
        target = self.entries[pick % len(self.entries)]
        try:
            result = self.till.ledger.reverse(CASHIER if as_cashier else MANAGER, target)
        except StoreError:
            return
        self.entries.append(result.entry.id)

    @rule(hours=st.integers(min_value=1, max_value=30))
    def time_passes(self, hours: int) -> None:
        self.clock.advance(hours=hours)

    @invariant()
    def balance_is_the_ledger(self) -> None:
        if not hasattr(self, "till"):
            return
        view = self.till.members.get(MANAGER, self.member)
        with self.till.db.read() as session:
            ledger_sum = session.scalar(select(func.coalesce(func.sum(PointEntry.points), 0))) or 0
            entries = session.scalar(select(func.count()).select_from(PointEntry))
            missing_outbox = session.scalar(
                select(func.count())
                .select_from(PointEntry)
                .where(~select(OutboxItem.seq).where(OutboxItem.item_id == PointEntry.id).exists())
            )
            seqs = list(session.scalars(select(OutboxItem.seq).order_by(OutboxItem.seq)))
        assert view.available_points == self.starting_balance + ledger_sum
        assert view.available_points >= 0
        assert entries == len(self.entries)
        assert missing_outbox == 0
        assert seqs == list(range(1, len(seqs) + 1))  # till_seq has no gaps
        reversed_twice = [e for e in set(self.entries) if self.entries.count(e) > 1]
        assert reversed_twice == []

    @invariant()
    def audit_chain_holds(self) -> None:
        if hasattr(self, "till"):
            assert self.till.verify_audit().ok


LedgerMachine.TestCase.settings = settings(
    max_examples=40, stateful_step_count=25, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
TestLedgerProperties = LedgerMachine.TestCase
