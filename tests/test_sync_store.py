"""The till's side of sync inside its database, without a server: pulled pages and their cursor, the balance shown
between push and pull, tombstones, and merges."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from localdb.errors import StoreError
from localdb.sync_store import ItemOutcome
from localdb.till import Till
from protocol.vocabulary import PreferenceKind
from tests.conftest import FakeClock, Staffing

SERVER_ID = "0190aaaa-bbbb-7ccc-8ddd-000000000001"


def change(member_id: str = SERVER_ID, *, version: int, phone: str = "+8613800138000", balance: int = 0,
           **extra: Any) -> dict[str, Any]:  # fmt: skip
    return {"id": member_id, "version": version, "phone": phone, "name": "王小明", "balance": balance,
            "tier": "normal", "tags": ["新客"], "preferences": [], **extra}  # fmt: skip


def test_a_page_and_its_cursor_land_together_or_not_at_all(till: Till, staff: Staffing) -> None:
    assert till.sync.apply_page([change(version=7, balance=40)], next_cursor=7) == 1
    assert till.sync.cursor() == 7
    broken = [change("0190aaaa-bbbb-7ccc-8ddd-000000000002", version=8, phone="+8613900000000"), {"id": "x"}]
    with pytest.raises(KeyError):
        till.sync.apply_page(broken, next_cursor=9)
    assert till.sync.cursor() == 7 and till.status().members == 1
    found = till.members.find_by_phone(staff.cashier, "13800138000")
    assert found is not None and found.available_points == 40 and found.tags == ("新客",)


def test_applied_entry_counts_as_pending_until_the_pull_includes_it(till: Till, staff: Staffing) -> None:
    till.sync.apply_page([change(version=3, balance=100)], next_cursor=3)
    entry = till.ledger.award(staff.cashier, SERVER_ID, 5_000).entry
    assert till.members.get(staff.cashier, SERVER_ID).available_points == 150

    till.sync.record_results([ItemOutcome(entry.id, "applied", member=SERVER_ID, member_version=9)])
    assert till.members.get(staff.cashier, SERVER_ID).available_points == 150  # the pull has not brought v9 yet

    till.sync.apply_page([change(version=9, balance=150)], next_cursor=9)
    seen = till.members.get(staff.cashier, SERVER_ID)
    assert (seen.balance_synced, seen.pending_points) == (150, 0)


def test_rejected_entry_no_longer_counts(till: Till, staff: Staffing) -> None:
    till.sync.apply_page([change(version=3, balance=100)], next_cursor=3)
    entry = till.ledger.award(staff.cashier, SERVER_ID, 5_000).entry
    tally = till.sync.record_results([ItemOutcome(entry.id, "rejected", reason="unknown_member")])
    assert tally.rejected_ids == [entry.id]
    assert till.members.get(staff.cashier, SERVER_ID).available_points == 100
    assert (entry.id, "rejected", "unknown_member") in till.sync.exceptions()


def test_pulled_names_are_found_by_pinyin_and_a_renamed_member_by_the_new_name(till: Till, staff: Staffing) -> None:
    till.sync.apply_page([change(version=3)], next_cursor=3)  # 王小明
    assert [m.id for m in till.members.lookup(staff.cashier, "wxm").members] == [SERVER_ID]
    till.sync.apply_page([change(version=4, name="李四")], next_cursor=4)  # renamed at head office
    assert [m.id for m in till.members.lookup(staff.cashier, "lisi").members] == [SERVER_ID]
    assert till.members.lookup(staff.cashier, "wangxiaoming").members == ()


def test_deleted_member_leaves_lookups(till: Till, staff: Staffing) -> None:
    till.sync.apply_page([change(version=3)], next_cursor=3)
    till.sync.apply_page([{"id": SERVER_ID, "version": 4, "deleted": True}], next_cursor=4)
    assert till.members.find_by_phone(staff.cashier, "13800138000") is None
    assert till.status().members == 0


def test_unanswered_local_enrolment_merges_into_the_servers_member(till: Till, staff: Staffing) -> None:
    local = till.members.enrol(staff.cashier, phone="13800138000", name="王小明").member
    till.ledger.award(staff.cashier, local.id, 5_000)

    till.sync.apply_page([change(version=5, balance=300)], next_cursor=5)

    found = till.members.find_by_phone(staff.cashier, "13800138000")
    assert found is not None and found.id == SERVER_ID and found.available_points == 350
    with pytest.raises(StoreError):
        till.members.get(staff.cashier, local.id)


def test_merge_answer_moves_entries_to_the_survivor(till: Till, staff: Staffing, clock: FakeClock) -> None:
    local = till.members.enrol(staff.cashier, phone="13800138000", name="王小明").member
    entry = till.ledger.award(staff.cashier, local.id, 5_000).entry
    tally = till.sync.record_results([ItemOutcome(local.id, "merged", member=SERVER_ID, member_version=4)])
    assert tally.merged == 1
    survivor = till.members.get(staff.cashier, SERVER_ID)
    assert survivor.available_points == 50
    assert [e.id for e in till.ledger.recent_entries(staff.cashier, SERVER_ID)] == [entry.id]


def test_wire_times_are_stored_as_the_orm_stores_them(till: Till, staff: Staffing) -> None:
    visits = ["2026-11-01T10:00:00+00:00", "2026-11-01T10:00:00.250000+00:00", "2026-11-01T18:00:00+08:00"]
    for n, visit in enumerate(visits):
        member_id = f"0190aaaa-bbbb-7ccc-8ddd-00000000001{n}"
        till.sync.apply_page([change(member_id, version=n + 1, phone=f"+861380013800{n}", last_visit_at=visit)], n + 1)
        seen = till.members.get(staff.cashier, member_id).last_visit_at
        assert seen == datetime.fromisoformat(visit)


def test_a_preference_recorded_here_and_sent_back_is_kept_once(till: Till, staff: Staffing) -> None:
    till.sync.apply_page([change(version=3, consent_profile=True)], next_cursor=3)
    till.preferences.add(staff.guide, SERVER_ID, PreferenceKind.SIZE, "L")
    at = "2026-03-18T02:00:00+00:00"
    echoed = {"kind": "size", "value": "L", "source": "staff", "staff_code": "G001", "at": at}
    till.sync.apply_page([change(version=4, consent_profile=True, preferences=[echoed])], next_cursor=4)
    assert [(p.kind, p.value) for p in till.preferences.list(staff.guide, SERVER_ID)] == [(PreferenceKind.SIZE, "L")]


def test_a_page_with_a_nul_in_a_member_id_is_written_like_any_other(till: Till) -> None:
    odd = "0190aaaa-bbbb-7ccc-8ddd-0000000\x00odd"  # ids are any text to the server; SQLite's JSON cuts at NUL
    pref = {
        "kind": "category",
        "value": "生鲜",
        "source": "staff",
        "staff_code": "G001",
        "at": "2026-03-18T02:00:00+00:00",
    }
    till.sync.apply_page([change(odd, version=3, preferences=[pref])], next_cursor=3)
    till.sync.apply_page([change(odd, version=4, preferences=[pref])], next_cursor=4)  # replaces, not duplicates
    with till.db.read() as session:
        rows = session.connection().exec_driver_sql("SELECT member_id FROM preference").fetchall()
    assert rows == [(odd,)] and till.sync.cursor() == 4


def test_only_one_connection_keeps_the_large_page_cache_of_pulled_pages(till: Till) -> None:
    """Each pooled connection that wrote a pulled page used to keep its 64 MiB cache: a till's memory grew by one
    such cache per connection (229 → 293 MB at 1,000,000 members after a push's pull)."""
    for version in range(1, 7):  # more pages than the ordinary pool has connections
        till.sync.apply_page([change(version=version, balance=version)], next_cursor=version)
    pooled = [till.db.engine.raw_connection() for _ in range(5)]  # every connection the ordinary pool keeps
    try:
        sizes = {conn.cursor().execute("PRAGMA cache_size").fetchone()[0] for conn in pooled}
    finally:
        for conn in pooled:
            conn.close()
    assert sizes == {-2000}  # SQLite's default
    with till.db.bulk_write() as session:
        assert till.db.session_connection(session).execute("PRAGMA cache_size").fetchone()[0] == -65536
