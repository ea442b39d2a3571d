"""The till's limits count by the server's time as last heard, run on by this computer's monotonic clock: a date
set forward or back at the counter grants no new offline cap and unlocks no staff code; a restart goes on from
what was kept; a computer restarted since counts only its time since boot (its day turns late, never early)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from localdb.errors import Problem, StoreError
from localdb.staff import LOCKOUT, MAX_FAILED_LOGINS, StaffSession
from localdb.till import Till
from localdb.trusted_clock import TrustedClock
from loyalty.roles import Role
from tests.conftest import PINS, FakeClock, Staffing


class FakeMonotonic:
    """This computer's running time, moved by hand (seconds)."""

    def __init__(self, start: float = 5_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now


SERVER_NOON = datetime(2026, 3, 18, 4, 0, tzinfo=UTC)  # 12:00 in Shanghai


def test_the_trusted_time_runs_on_from_the_server_and_never_ahead_after_a_restart_of_the_computer() -> None:
    wall, running = FakeClock(SERVER_NOON), FakeMonotonic(5_000)
    clock = TrustedClock(wall, monotonic=running)
    assert clock() == SERVER_NOON  # nothing heard from a server yet: the wall clock
    clock.saw(SERVER_NOON)
    wall.advance(days=3)  # the date set three days forward
    running.now += 60
    assert clock() == SERVER_NOON + timedelta(seconds=60)
    assert clock.stamp() == wall()  # written as the wall says (the server takes a future at arrival)
    wall.now = SERVER_NOON - timedelta(hours=3)  # ... or set three hours back
    assert clock.stamp() == SERVER_NOON + timedelta(seconds=60)  # never stamped before the trusted time
    running.now = 30  # the computer restarted 30 s ago: only that much is known to have passed
    assert clock() == SERVER_NOON + timedelta(seconds=30)


@pytest.fixture
def running() -> FakeMonotonic:
    return FakeMonotonic()


@pytest.fixture
def trusted_till(tmp_path: Path, clock: FakeClock, running: FakeMonotonic) -> Till:
    clock.now = SERVER_NOON
    till = Till.open(tmp_path / "till.sqlite3", clock=clock, monotonic=running)
    till.sync.saw_server_time(SERVER_NOON)  # what a sync or a health check does
    return till


@pytest.fixture
def people(trusted_till: Till, pin_hashes: dict[str, str]) -> Staffing:

    for code, name, role in (
        ("M001", "王店长", Role.MANAGER),
        ("C001", "李收银", Role.CASHIER),
        ("G001", "赵导购", Role.GUIDE),
    ):
        trusted_till.staff.upsert(code, name, role, pin_hashes[code])
    return Staffing(
        manager=trusted_till.staff.login("M001", PINS["M001"]),
        cashier=trusted_till.staff.login("C001", PINS["C001"]),
        guide=trusted_till.staff.login("G001", PINS["G001"]),
    )


def _member_with_points(till: Till, cashier: StaffSession, points: int) -> str:
    member_id = till.members.enrol(cashier, phone="13800138000", name="张三").member.id
    with till.db.write() as session:
        session.connection().exec_driver_sql("UPDATE member SET balance_synced = ? WHERE id = ?", (points, member_id))
    return member_id


@pytest.mark.parametrize(
    "moved",
    [timedelta(days=1), timedelta(days=3), timedelta(hours=-3), timedelta(hours=-13)],  # -13 h: to yesterday evening
)
def test_moving_the_date_grants_no_new_offline_cap(
    trusted_till: Till, people: Staffing, clock: FakeClock, running: FakeMonotonic, moved: timedelta
) -> None:
    member_id = _member_with_points(trusted_till, people.cashier, 10_000)
    trusted_till.ledger.redeem(people.cashier, member_id, 2_000, bill_cents=10_000)  # the day's cap
    clock.advance(seconds=moved.total_seconds())
    running.now += 120
    with pytest.raises(StoreError) as refused:
        trusted_till.ledger.redeem(people.cashier, member_id, 100, bill_cents=10_000)
    assert refused.value.problem is Problem.OVER_OFFLINE_CAP and refused.value.limit == 0
    running.now += 24 * 3600  # a day really passed on this computer: the next store day's cap
    assert trusted_till.ledger.redeem(people.cashier, member_id, 100, bill_cents=10_000).entry.points == -100


def test_moving_the_date_unlocks_no_staff_code(
    trusted_till: Till, people: Staffing, clock: FakeClock, running: FakeMonotonic
) -> None:
    for _ in range(MAX_FAILED_LOGINS):
        with pytest.raises(StoreError):
            trusted_till.staff.login("C001", "0000")
    clock.advance(hours=2)  # the date set forward past the lockout
    with pytest.raises(StoreError) as refused:
        trusted_till.staff.login("C001", PINS["C001"])
    assert refused.value.problem is Problem.LOCKED_OUT
    running.now += LOCKOUT.total_seconds() + 1
    assert trusted_till.staff.login("C001", PINS["C001"]).code == "C001"


def test_a_restart_of_the_app_goes_on_from_the_server_time_kept(
    tmp_path: Path, trusted_till: Till, clock: FakeClock, running: FakeMonotonic
) -> None:
    path = trusted_till.db.path
    trusted_till.close()
    running.now += 600
    clock.advance(days=2)
    again = Till.open(path, clock=clock, monotonic=running)
    try:
        assert again.trusted_clock() == SERVER_NOON + timedelta(seconds=600)
    finally:
        again.close()
