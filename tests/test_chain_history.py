"""The till's cache of chain purchase histories (`localdb.chain_history`): kept and read back, bounded to the most
recently fetched members, dropped for a member the server erased or merged; and the member's top categories as the
pull writes them (an old server sends none)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from localdb.chain_history import MAX_MEMBERS
from localdb.till import Till
from tests.conftest import FakeClock, Staffing
from tests.test_sync_store import change

KEEP = "0190aaaa-bbbb-7ccc-8ddd-000000000001"
SURVIVOR = "0190aaaa-bbbb-7ccc-8ddd-000000000002"


def answer(member_id: str, *stores: str) -> dict[str, Any]:
    return {
        "member_id": member_id,
        "purchases": [
            {"entry_id": f"e{n}", "at": datetime(2026, 3, 1, n, tzinfo=UTC).isoformat(), "store_code": store,
             "store_name": {"S002": "滨江店"}.get(store), "receipt_no": None, "amount_cents": 1_000 * (n + 1),
             "points": 10, "refunded_cents": 0, "top_categories": ["生鲜", "母婴"]}
            for n, store in enumerate(stores)
        ],
    }  # fmt: skip


def test_an_answer_is_kept_and_read_back(till: Till, staff: Staffing) -> None:
    assert till.history.get(staff.guide, KEEP) is None
    kept = till.history.keep(staff.guide, KEEP, answer(KEEP, "S002", "S001"))
    read = till.history.get(staff.guide, KEEP)
    assert read == kept and read is not None
    assert [(p.store_name, p.amount_cents, p.top_categories) for p in read.purchases] == [
        ("滨江店", 1_000, ("生鲜", "母婴")), (None, 2_000, ("生鲜", "母婴"))
    ]  # fmt: skip
    till.history.keep(staff.guide, KEEP, answer(KEEP))  # the next answer replaces it
    assert till.history.get(staff.guide, KEEP).purchases == ()  # type: ignore[union-attr]


def test_the_cache_keeps_the_most_recently_fetched_members_only(till: Till, staff: Staffing, clock: FakeClock) -> None:
    ids = [f"member-{n:04d}" for n in range(MAX_MEMBERS + 3)]
    for member_id in ids:
        till.history.keep(staff.guide, member_id, answer(member_id, "S001"))
        clock.advance(seconds=1)
    assert till.history.count() == MAX_MEMBERS
    assert [till.history.get(staff.guide, member_id) is None for member_id in ids[:4]] == [True, True, True, False]


def test_an_erased_or_merged_members_history_goes_with_the_pull(till: Till, staff: Staffing) -> None:
    till.sync.apply_page([change(KEEP, version=1), change(SURVIVOR, version=2, phone="+8613900139000")], 2)
    for member_id in (KEEP, SURVIVOR):
        till.history.keep(staff.guide, member_id, answer(member_id, "S001"))
    till.sync.apply_page([{"id": KEEP, "version": 3, "deleted": False, "merged_into": SURVIVOR}], 3)
    assert till.history.get(staff.guide, KEEP) is None and till.history.get(staff.guide, SURVIVOR) is None
    till.history.keep(staff.guide, SURVIVOR, answer(SURVIVOR, "S001"))
    till.sync.apply_page([{"id": SURVIVOR, "version": 4, "deleted": True, "merged_into": None}], 4)
    assert till.history.count() == 0


def test_the_pull_writes_the_top_categories_and_an_old_server_sends_none(till: Till, staff: Staffing) -> None:
    till.sync.apply_page([change(KEEP, version=1, top_categories=["母婴", "生鲜", "美妆"])], 1)
    assert till.members.get(staff.guide, KEEP).top_categories == ("母婴", "生鲜", "美妆")
    till.sync.apply_page([change(KEEP, version=2)], 2)  # a server from before issue 16: no such field
    assert till.members.get(staff.guide, KEEP).top_categories == ()


def test_a_withdrawn_profile_consent_forgets_the_top_categories(till: Till, staff: Staffing) -> None:
    till.sync.apply_page([change(KEEP, version=1, consent_profile=True, top_categories=["母婴"])], 1)
    till.members.set_consent(staff.guide, KEEP, profile=False)
    assert till.members.get(staff.guide, KEEP).top_categories == ()
