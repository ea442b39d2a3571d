"""Demo data: valid unique phones, every tier and segment, balances equal to the ledger, figures the server itself
would compute, staff PINs that work, determinism, and a second run that adds members (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import JSON, func, select
from sqlalchemy.dialects import sqlite

from loyalty.clock import store_day, store_zone
from loyalty.phone import parse_mobile
from loyalty.pins import pin_matches
from loyalty.points import points_value_cents
from loyalty.rules import DEFAULT_RULES
from loyalty.segments import Segment, segment_for
from loyalty.tiers import tier_for_spend
from server import members as server_members
from server.db import ServerDatabase
from server.demo import DEMO_STAFF, generate_demo
from server.demo.encoder import SqliteEncoder
from server.models import Coupon, LedgerEntry, Member, Preference, Staff, Store, UtcDateTime
from tests.server.conftest import ServerClock

N = 300


def _fresh(tmp_path: Path, name: str = "demo") -> ServerDatabase:
    return ServerDatabase.open(f"sqlite:///{tmp_path / f'{name}.sqlite3'}")


def _snapshot(db: ServerDatabase) -> list[tuple[Any, ...]]:
    with db.read() as session:
        rows = session.execute(
            select(Member.phone, Member.name, Member.birthday, Member.tier, Member.balance, Member.segment,
                   Member.tags, Member.card_serial).order_by(Member.card_serial)
        ).all()  # fmt: skip
        ledger = session.execute(
            select(LedgerEntry.id, LedgerEntry.points, LedgerEntry.created_at).order_by(LedgerEntry.id)
        ).all()
    return [tuple(row) for row in rows] + [tuple(row) for row in ledger]


def test_demo_members(db: ServerDatabase, server_clock: ServerClock) -> None:
    now = server_clock.now
    report = generate_demo(db, N, seed=11, now=now)
    assert report.members == N
    assert report.stores_created == ()  # the fixture made S001 and S002 already
    assert set(report.staff_created) == {"M001", "C001", "G001"}

    with db.read() as session:
        members = session.scalars(select(Member)).all()
        sums = {
            member_id: int(total)
            for member_id, total in session.execute(
                select(LedgerEntry.member_id, func.sum(LedgerEntry.points)).group_by(LedgerEntry.member_id)
            )
        }
        entries = session.scalars(select(LedgerEntry)).all()
        preferences = session.scalars(select(Preference)).all()
        staff = {person.code: person for person in session.scalars(select(Staff))}
        activity = server_members.activity(session, [m.id for m in members], now)

    assert len(members) == N
    phones = [m.phone for m in members]
    assert all(phone is not None and parse_mobile(phone) == phone for phone in phones)
    assert len(set(phones)) == N
    assert len({m.card_serial for m in members}) == N
    assert len({m.version for m in members}) == N
    assert all(2 <= len(m.name) <= 4 for m in members)

    # every tier and every segment, balances equal to the ledger, nobody below zero
    assert set(Counter(m.tier for m in members)) == {tier.code for tier in DEFAULT_RULES.tiers}
    assert set(Counter(m.segment for m in members)) == {segment.value for segment in Segment}
    for member in members:
        assert member.balance == sums.get(member.id, 0)
        assert member.balance >= 0

    # tier, spend, visits and segment are what the server computes from the same ledger
    for member in members:
        found = activity[member.id]
        assert (member.spend_12m_cents, member.visits_90d) == (found.spend_12m_cents, found.visits_90d), member.id
        assert member.tier == tier_for_spend(DEFAULT_RULES, member.spend_12m_cents).code
        expected_segment = segment_for(
            now=now,
            created_at=member.created_at,
            last_visit_at=member.last_visit_at,
            visits_90d=member.visits_90d,
            spend_12m_cents=member.spend_12m_cents,
        )
        assert member.segment == expected_segment.value
        assert member.created_at <= now
        assert member.birthday is None or member.birthday < now.date()

    # the ledger follows the rules: positive earns on a purchase, redemptions in whole steps worth their amount
    kinds = Counter(entry.kind for entry in entries)
    assert kinds["earn"] > N and kinds["redeem"] > 0 and set(kinds) == {"earn", "redeem"}
    for entry in entries:
        assert entry.status == "applied"
        assert entry.created_at <= entry.received_at <= now
        assert entry.amount_cents is not None and entry.amount_cents > 0
        if entry.kind == "earn":
            assert entry.points > 0
        else:
            assert -entry.points >= DEFAULT_RULES.redeem_min_points
            assert entry.amount_cents == points_value_cents(DEFAULT_RULES, -entry.points)
    assert len({entry.id for entry in entries}) == len(entries)

    # preferences only for members who consented to a profile
    consenting = {m.id for m in members if m.consent_profile}
    assert preferences and {p.member_id for p in preferences} <= consenting
    assert {p.kind for p in preferences} >= {"category", "size", "colour"}

    # the README's staff and PINs
    for person in DEMO_STAFF:
        assert staff[person.code].role == person.role
        # chain-wide for the manager only: a chain-wide cashier would reach no till (server.staff_scope)
        with db.read() as session:
            store_code = session.scalar(select(Store.code).where(Store.id == staff[person.code].store_id))
        assert store_code == person.store and (person.store is not None or person.role == "manager")
        assert pin_matches(person.pin, staff[person.code].pin_hash)
        assert not pin_matches("0000", staff[person.code].pin_hash)


def test_fresh_server_gets_stores_and_same_data_for_same_seed(tmp_path: Path) -> None:
    now = datetime(2026, 3, 18, 2, 0, tzinfo=UTC)
    first, second = _fresh(tmp_path, "a"), _fresh(tmp_path, "b")
    try:
        report = generate_demo(first, 120, seed=5, now=now, chunk_size=50, parallel=False)
        assert report.stores_created == ("S001", "S002")
        generate_demo(second, 120, seed=5, now=now, chunk_size=50, parallel=True)  # worker process: same data
        assert _snapshot(first) == _snapshot(second)
        with first.read() as session:
            assert session.scalars(select(Store.name).where(Store.code == "S001")).one() == "旗舰店"
    finally:
        first.close()
        second.close()


def test_other_seed_other_members(tmp_path: Path) -> None:
    now = datetime(2026, 3, 18, 2, 0, tzinfo=UTC)
    first, second = _fresh(tmp_path, "a"), _fresh(tmp_path, "b")
    try:
        generate_demo(first, 30, seed=1, now=now)
        generate_demo(second, 30, seed=2, now=now)
        assert _snapshot(first) != _snapshot(second)
    finally:
        first.close()
        second.close()


def test_second_run_adds_members_with_unique_phones(db: ServerDatabase, server_clock: ServerClock) -> None:
    generate_demo(db, 80, now=server_clock.now)
    again = generate_demo(db, 80, now=server_clock.now)
    assert again.staff_created == ()
    with db.read() as session:
        phones = session.scalars(select(Member.phone)).all()
        serials = session.scalars(select(Member.card_serial)).all()
    assert len(phones) == len(set(phones)) == 160
    assert len(set(serials)) == 160


def test_taken_phones_are_replaced(db: ServerDatabase, server_clock: ServerClock, tmp_path: Path) -> None:
    """A phone the stream would hand out that is already on the server (e.g. imported) goes to nobody else."""
    now = server_clock.now
    probe = _fresh(tmp_path)
    try:
        with probe.write() as session:  # five members, like the server below, so demo draws the same stream
            for n in range(5):
                server_members.create_member(session, probe, phone=f"+86186000000{n:02d}", name="别的会员")
        generate_demo(probe, 20, now=now)
        with probe.read() as session:
            wanted = session.scalars(select(Member.phone).order_by(Member.card_serial).offset(5)).all()
    finally:
        probe.close()
    with db.write() as session:  # the first five of the same stream are already members here
        for phone in wanted[:5]:
            assert phone is not None
            server_members.create_member(session, db, phone=phone, name="已有会员")
    generate_demo(db, 20, now=now)
    with db.read() as session:
        phones = session.scalars(select(Member.phone)).all()
        drawn = session.scalars(select(Member.phone).order_by(Member.card_serial).offset(5)).all()
    assert len(phones) == len(set(phones)) == 25
    assert drawn[5:] == wanted[5:]  # the same stream...
    assert not set(drawn[:5]) & set(wanted[:5])  # ...whose first five numbers were taken, so replaced


def test_phone_collisions_within_the_stream_are_replaced(db: ServerDatabase, server_clock: ServerClock) -> None:
    import random

    from server.demo.loader import _replace_taken
    from server.demo.shopping import Batch
    from server.fakes import MobileStream

    with db.write() as session:
        server_members.create_member(session, db, phone="+8613800138000", name="已有会员")
    batch = Batch(members=[{"phone": "+8613800138000"}, {"phone": "+8613912345678"}], ledger=[], preferences=[])
    with db.write() as session:
        replaced = _replace_taken(session, MobileStream(random.Random(1)), batch)
    assert replaced == 1
    assert batch.members[0]["phone"] not in ("+8613800138000", "+8613912345678")
    assert parse_mobile(batch.members[0]["phone"]) == batch.members[0]["phone"]


def test_sqlite_encoding_is_sqlalchemys() -> None:
    """The generator's SQLite values are exactly what SQLAlchemy's bind processors would store (JSON: the same value,
    written by orjson with its text as UTF-8 where `json.dumps` escapes it)."""
    dialect = sqlite.dialect()
    encoder = SqliteEncoder(dialect)
    samples: dict[str, list[Any]] = {
        "created_at": [
            datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC),
            datetime(2025, 1, 2, 3, 4, 5, 678, tzinfo=UTC),
            None,
        ],
        "birthday": [date(1990, 2, 3), None],
        "deleted": [True, False],
        "tags": [["高复购", "周末客"], []],
    }

    def converter(name: str) -> Any:
        return encoder.converters["member"][encoder.columns["member"].index(name)]

    assert isinstance(Member.__table__.c.created_at.type, UtcDateTime)
    for name, values in samples.items():
        column_type = Member.__table__.c[name].type
        processor = column_type.dialect_impl(dialect).bind_processor(dialect)
        convert = converter(name)
        assert processor is not None and convert is not None
        for value in values:
            if isinstance(column_type, JSON):
                assert json.loads(convert(value)) == json.loads(processor(value)) == value
            else:
                assert convert(value) == processor(value), (column_type, value)
    assert encoder.sql["member"].startswith("INSERT INTO member (")
    assert json.loads(converter("tags")(["生鲜"])) == ["生鲜"]


def test_negative_count_is_refused(db: ServerDatabase) -> None:
    with pytest.raises(ValueError, match="negative"):
        generate_demo(db, -1)


def test_worker_process_path(db: ServerDatabase, server_clock: ServerClock) -> None:
    """Several chunks generated by the worker process and written (driver executemany on SQLite, Core on PostgreSQL)."""
    report = generate_demo(db, 45, seed=9, now=server_clock.now, chunk_size=10, parallel=True)
    assert (report.members, report.first_version is not None) == (45, True)
    with db.read() as session:
        members = session.scalars(select(Member)).all()
        activity = server_members.activity(session, [m.id for m in members], server_clock.now)
        for member in members:
            total = session.scalar(
                select(func.coalesce(func.sum(LedgerEntry.points), 0)).where(LedgerEntry.member_id == member.id)
            )
            assert member.balance == total
            found = activity[member.id]
            assert member.spend_12m_cents == found.spend_12m_cents
    assert len({m.phone for m in members}) == 45
    assert sorted(m.version for m in members) == list(range(report.first_version or 0, (report.last_version or 0) + 1))


def _planner_row_counts(db: ServerDatabase) -> dict[str, tuple[float, int]]:
    """PostgreSQL's idea of each bulk-loaded table's size (pg_class.reltuples, set by ANALYZE) beside its count."""
    counts = {}
    with db.engine.connect() as connection:
        for table in ("member", "ledger_entry", "preference"):
            estimate = connection.exec_driver_sql(f"SELECT reltuples FROM pg_class WHERE relname = '{table}'").scalar()
            actual = connection.exec_driver_sql(f"SELECT count(*) FROM {table}").scalar()
            counts[table] = (float(estimate or 0), int(actual or 0))
    return counts


def test_planner_statistics_are_fresh_after_demo(db: ServerDatabase, server_clock: ServerClock) -> None:
    """PostgreSQL: the bulk load is followed by ANALYZE, so a push on the new data is planned with its real size
    (without statistics the members' purchases were read by scanning the whole ledger)."""
    if db.is_sqlite:
        pytest.skip("SQLite's plans here do not use statistics")
    generate_demo(db, 40, now=server_clock.now)
    counts = _planner_row_counts(db)
    assert all(actual > 0 for _estimate, actual in counts.values())
    assert {table: estimate for table, (estimate, _actual) in counts.items()} == {
        table: float(actual) for table, (_estimate, actual) in counts.items()
    }


def test_an_older_demos_chain_wide_cashier_and_guide_are_placed_at_their_store_on_start(tmp_path: Path) -> None:
    """An older demo made every demo staff chain-wide; now only managers are (a chain-wide cashier reaches no till),
    so the demo server started on such a file moves the cashier and guide to S001, PINs kept."""
    from server.embedded import EmbeddedServer

    path = tmp_path / "demo.sqlite3"
    db = ServerDatabase.open(f"sqlite:///{path}")
    try:
        generate_demo(db, 1)
        with db.write() as session:
            for staff in session.scalars(select(Staff)):
                staff.store_id = None
    finally:
        db.close()
    server = EmbeddedServer(path).start()
    try:
        assert server.db is not None
        with server.db.read() as session:
            placed = {staff.code: (staff.store_id, staff.pin_hash) for staff in session.scalars(select(Staff))}
            s001 = session.scalar(select(Store.id).where(Store.code == "S001"))
        assert {code: store for code, (store, _hash) in placed.items()} == {"M001": None, "C001": s001, "G001": s001}
        assert pin_matches("1357", placed["C001"][1])
    finally:
        server.stop()


def test_demo_purchases_have_lines_that_add_up_and_members_their_top_categories(
    db: ServerDatabase, server_clock: ServerClock
) -> None:
    from loyalty.tiers import twelve_months_before
    from server.bulk import Bulk
    from server.demo.catalogue import PRODUCTS
    from server.models import EntryLines
    from server.top_categories import rank, spend_by_category

    report = generate_demo(db, N, seed=11, now=server_clock.now)
    with db.read() as session:
        earns = {
            entry_id: amount
            for entry_id, amount in session.execute(
                select(LedgerEntry.id, LedgerEntry.amount_cents).where(LedgerEntry.kind == "earn")
            )
        }
        by_entry: dict[str, list[dict[str, Any]]] = {
            entry_id: lines for entry_id, lines in session.execute(select(EntryLines.entry_id, EntryLines.lines))
        }
        members = session.scalars(select(Member)).all()
        spend = spend_by_category(
            Bulk(session.connection()), [m.id for m in members], twelve_months_before(server_clock.now)
        )
    assert report.purchase_lines == sum(map(len, by_entry.values())) > 5 * len(earns) // 2
    assert set(by_entry) == set(earns)  # every purchase, and only purchases, has lines
    skus = {product.sku: (category, product) for category, products in PRODUCTS.items() for product in products}
    for entry_id, entry_lines in by_entry.items():
        assert sum(row["amount_cents"] for row in entry_lines) == earns[entry_id]
        assert [row["line_no"] for row in entry_lines] == list(range(1, len(entry_lines) + 1))
        assert len(entry_lines) <= 20 and (len(entry_lines) >= 5 or (earns[entry_id] or 0) < 5 * 200)
        for row in entry_lines:
            category, product = skus[row["sku"]]
            assert (row["category"], row["name"]) == (category, product.name) and row["quantity_milli"] > 0
    assert sum(len(v) >= 5 for v in by_entry.values()) > 0.9 * len(by_entry)
    for member in members:  # the server's own query over the lines gives the same top 3
        assert member.top_categories == (rank(spend[member.id]) if member.consent_profile else [])
    assert sum(bool(member.top_categories) for member in members) > N // 3
    mothers = [m for m in members if "宝妈" in m.tags and m.top_categories]
    assert mothers and sum("母婴" in m.top_categories for m in mothers) > 0.8 * len(mothers)


def test_demo_without_lines(db: ServerDatabase, server_clock: ServerClock) -> None:
    report = generate_demo(db, 50, seed=11, now=server_clock.now, lines=False)
    assert report.purchase_lines == 0 and report.ledger_entries > 0
    with db.read() as session:
        assert session.scalars(select(Member.top_categories)).all() == [[]] * 50


def test_the_demo_server_shows_birthday_and_win_back_coupons_and_expiring_points(tmp_path: Path) -> None:
    """Issue 18's demo: on real demo members, the birthday rule's coupon (members born this month), the win-back
    campaign's (dormant members who consented to marketing), and points expiring within 30 days (the demo's rule
    keeps points 18 months, and its purchases go 18 months back), whatever day the demo is built."""
    from server.embedded import EmbeddedServer

    server = EmbeddedServer(tmp_path / "demo.sqlite3", members=400).start()
    try:
        assert server.db is not None
        month = store_day(server.db.clock(), store_zone()).month
        with server.db.read() as session:
            coupons = session.execute(
                select(Coupon.template_code, Member.birthday, Member.segment, Member.consent_marketing).join(
                    Member, Member.id == Coupon.member_id)).all()  # fmt: skip
            expiring = session.execute(
                select(Member.expiring_points, Member.expiring_on, Member.balance).where(Member.expiring_points > 0)
            ).all()
        birthday = [row for row in coupons if row.template_code == "bday20"]
        win_back = [row for row in coupons if row.template_code == "winback15"]
        assert birthday and all(row.birthday.month == month for row in birthday)
        assert win_back and all(row.segment == "dormant" and row.consent_marketing for row in win_back)
        today = store_day(server.db.clock(), store_zone())
        assert expiring and all(
            0 < points <= balance and on is not None and 0 <= (on - today).days < 30 for points, on, balance in expiring
        )
    finally:
        server.stop()
