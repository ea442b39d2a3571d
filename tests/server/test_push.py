"""`POST /v1/push`: each item applied once for ever, in order; replays answered with the first result; conflicting
replays refused and kept; a bad item rejected without blocking the rest; gaps in till_seq raise an alarm."""

from __future__ import annotations

import hashlib
import json
import threading
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from uuid6 import uuid7

from protocol.limits import MAX_PUSH_ITEMS
from protocol.vocabulary import ItemStatus
from protocol.wire import PushResponse, PushResult
from server.db import ServerDatabase
from server.models import ConflictingItem, LedgerEntry, Member, Preference, PushedItem, SeqAlarm
from server.push import ItemAnswer, answer_json, body_hash
from tests.server.conftest import PHONE_A, PHONE_B, ServerClock, Till


def _member(db: ServerDatabase, member_id: str) -> Member:
    with db.read() as session:
        member = session.get(Member, member_id)
        assert member is not None
        session.expunge(member)  # keeps its loaded state after the read's rollback
        return member


def _count(db: ServerDatabase, table: Any) -> int:
    with db.read() as session:
        return int(session.scalar(select(func.count()).select_from(table)) or 0)


def test_enrol_then_earn_is_applied_with_the_new_version(db: ServerDatabase, till: Till) -> None:
    enrol = till.enrol(PHONE_A)
    earn = till.entry(enrol["id"], 120, amount_cents=12_000)
    first, second = till.push_ok(enrol, earn)
    assert first == {**first, "id": enrol["id"], "status": "applied", "member": enrol["id"]}
    assert second["status"] == "applied" and second["member"] == enrol["id"]
    assert second["member_version"] > first["member_version"]
    member = _member(db, enrol["id"])
    assert (member.balance, member.spend_12m_cents, member.version) == (120, 12_000, second["member_version"])
    assert member.phone == PHONE_A and member.home_store == "S001" and member.card_serial is not None
    assert member.last_visit_at is not None and member.visits_90d == 1


def test_a_replay_returns_the_first_result_and_changes_nothing(db: ServerDatabase, till: Till) -> None:
    member_id = till.enrolled()
    earn = till.entry(member_id, 50)
    [first] = till.push_ok(earn)
    before = (_member(db, member_id).balance, _count(db, LedgerEntry), _member(db, member_id).version)
    [again] = till.push_ok(earn)
    assert again["status"] == "duplicate"
    assert again["first_status"] == "applied"
    assert (again["member"], again["member_version"]) == (first["member"], first["member_version"])
    assert (_member(db, member_id).balance, _count(db, LedgerEntry), _member(db, member_id).version) == before


def test_a_replayed_rejection_stays_rejected(till: Till) -> None:
    bad = till.entry(str(uuid7()), 10)  # no such member
    [first] = till.push_ok(bad)
    assert (first["status"], first["reason"]) == ("rejected", "unknown_member")
    [again] = till.push_ok(bad)
    assert (again["status"], again["first_status"], again["reason"]) == ("duplicate", "rejected", "unknown_member")


def test_same_id_other_body_is_409_nothing_applied_and_kept(db: ServerDatabase, till: Till) -> None:
    member_id = till.enrolled()
    earn = till.entry(member_id, 50)
    till.push_ok(earn)
    forged = {**earn, "body": {**earn["body"], "points": 5000, "amount_cents": 500_000}}
    innocent = till.entry(member_id, 7)
    answer = till.push(innocent, forged)
    assert answer.status_code == 409
    detail = answer.json()["detail"]
    assert detail["code"] == "id_conflict" and detail["ids"] == [earn["id"]]
    assert _member(db, member_id).balance == 50  # neither the forged nor the innocent item was applied
    with db.read() as session:
        assert session.get(PushedItem, innocent["id"]) is None
        [kept] = session.scalars(select(ConflictingItem)).all()
        assert (kept.item_id, kept.body["points"]) == (earn["id"], 5000)


def test_an_invalid_body_is_rejected_without_blocking_the_rest(db: ServerDatabase, till: Till) -> None:
    member_id = till.enrolled()
    broken = till.entry(member_id, 10)
    broken["body"]["kind"] = "jackpot"  # no such kind
    no_phone = till.enrol("12345")
    good = till.entry(member_id, 30)
    results = till.push_ok(broken, no_phone, good)
    assert [(r["status"], r.get("reason")) for r in results] == [
        ("rejected", "invalid_body"),
        ("rejected", "invalid_phone"),
        ("applied", None),
    ]
    assert _member(db, member_id).balance == 30
    assert _count(db, PushedItem) == 4  # the enrolment and all three, rejected ones too


def test_any_text_is_an_id_once_even_with_a_nul_in_it(db: ServerDatabase, till: Till) -> None:
    if not db.is_sqlite:
        pytest.skip("PostgreSQL text cannot hold NUL at all")
    odd = till.item("point_entry", {"not": "a body"}, item_id="a\x00b")  # the batch's ids go to SQLite as JSON
    assert [r["status"] for r in till.push_ok(odd)] == ["rejected"]
    [again] = till.push_ok(odd)
    assert (again["status"], again["first_status"]) == ("duplicate", "rejected")
    assert _count(db, PushedItem) == 1


def test_ids_with_quotes_backslashes_and_any_script_are_found_again(db: ServerDatabase, till: Till) -> None:
    """A batch's ids travel to the database as one JSON array: each must come back out of it as the same text."""
    ids = ['say "hi"', "back\\slash", "会员\u2028行", "tab\tand\x01", "\U0001f600"]
    odd = [till.item("point_entry", {"not": "a body"}, item_id=item_id) for item_id in ids]
    assert [r["status"] for r in till.push_ok(*odd)] == ["rejected"] * len(ids)
    again = till.push_ok(*odd)
    assert [(r["id"], r["status"], r["first_status"]) for r in again] == [(i, "duplicate", "rejected") for i in ids]
    assert _count(db, PushedItem) == len(ids)


def test_a_malformed_request_is_400_and_a_big_batch_413(till: Till) -> None:
    answer = till.client.post("/v1/push", json={"items": [{"id": "x"}]}, headers=till.headers)
    assert answer.status_code == 400
    assert answer.json()["detail"]["field"].startswith("body.items.0")
    too_many = [till.entry(str(uuid7()), 1) for _ in range(MAX_PUSH_ITEMS + 1)]
    answer = till.push(*too_many)
    assert answer.status_code == 413 and answer.json()["detail"]["code"] == "batch_too_large"


def test_a_gap_in_till_seq_raises_an_alarm(db: ServerDatabase, till: Till) -> None:
    member_id = till.enrolled()  # seq 1
    till.push_ok(till.entry(member_id, 1, seq=2), till.entry(member_id, 1, seq=5), till.entry(member_id, 1, seq=6))
    with db.read() as session:
        [alarm] = session.scalars(select(SeqAlarm)).all()
    assert (alarm.device_id, alarm.expected, alarm.received) == (till.device_id, 3, 5)


def test_an_offline_enrolment_of_a_known_phone_merges(db: ServerDatabase, till: Till) -> None:
    survivor = till.enrolled(PHONE_A)
    till.push_ok(till.entry(survivor, 100))
    local = till.enrol(" 138-0013-8000 ")  # same number, typed otherwise, made offline at another till
    earn = till.entry(local["id"], 40)
    merged, landed = till.push_ok(local, earn)
    assert (merged["status"], merged["member"]) == ("merged", survivor)
    assert (landed["status"], landed["member"]) == ("applied", survivor)
    assert _member(db, survivor).balance == 140
    tombstone = _member(db, local["id"])
    assert (tombstone.phone, tombstone.merged_into) == (None, survivor)
    [later] = till.push_ok(till.entry(local["id"], -20, "redeem"))  # a later push naming the local id
    assert later["member"] == survivor and _member(db, survivor).balance == 120


def test_an_overdrawing_redemption_is_applied_and_flagged(db: ServerDatabase, till: Till) -> None:
    member_id = till.enrolled()
    till.push_ok(till.entry(member_id, 100))
    [result] = till.push_ok(till.entry(member_id, -300, "redeem"))
    assert (result["status"], result["reason"]) == ("flagged", "overdrawn")
    assert _member(db, member_id).balance == -200
    with db.read() as session:
        assert session.scalar(select(LedgerEntry.status).where(LedgerEntry.points == -300)) == "flagged"


def test_sign_rules(till: Till) -> None:
    member_id = till.enrolled()
    results = till.push_ok(
        till.entry(member_id, -5, "earn", amount_cents=100),
        till.entry(member_id, 5, "redeem"),
        till.entry(member_id, 5, "adjust"),
        till.entry(member_id, 5, "adjust", approved_by="M001"),
    )
    assert [(r["status"], r.get("reason")) for r in results] == [
        ("rejected", "rule_violation"),
        ("rejected", "rule_violation"),
        ("rejected", "rule_violation"),
        ("applied", None),
    ]


def test_reversal_rules(db: ServerDatabase, till: Till) -> None:
    member_id = till.enrolled(PHONE_A)
    other_id = till.enrolled(PHONE_B)
    earn = till.entry(member_id, 80)
    other = till.entry(other_id, 10)
    till.push_ok(earn, other)
    results = till.push_ok(
        till.entry(member_id, -80, "reverse", reverses=str(uuid7())),  # unknown entry
        till.entry(member_id, -10, "reverse", reverses=other["id"]),  # another member's entry
        till.entry(member_id, -79, "reverse", reverses=earn["id"]),  # not the exact opposite
        till.entry(member_id, -80, "reverse", reverses=earn["id"]),  # a second reversal
    )
    # A reversal naming another figure than the entry's undoes exactly what was applied, flagged (it was made at
    # the counter: recorded, never dropped); a second reversal of the same entry cannot be honoured at all.
    assert [(r["status"], r.get("reason")) for r in results] == [
        ("rejected", "unknown_entry"),
        ("rejected", "unknown_entry"),
        ("flagged", "points_over_rule"),
        ("rejected", "already_reversed"),
    ]
    member = _member(db, member_id)
    assert (member.balance, member.spend_12m_cents, member.visits_90d) == (0, 0, 0)


def test_an_earn_and_its_reversal_in_one_batch(db: ServerDatabase, till: Till) -> None:
    member_id = till.enrolled()
    earn = till.entry(member_id, 20)
    results = till.push_ok(earn, till.entry(member_id, -20, "reverse", reverses=earn["id"]))
    assert [r["status"] for r in results] == ["applied", "applied"]
    assert _member(db, member_id).balance == 0


def test_tier_follows_twelve_months_of_spend(db: ServerDatabase, till: Till, server_clock: ServerClock) -> None:
    member_id = till.enrolled()
    old = server_clock.now - timedelta(days=400)
    till.push_ok(till.entry(member_id, 5000, amount_cents=500_000, created_at=old))  # outside the window
    assert _member(db, member_id).tier == "normal"
    till.push_ok(till.entry(member_id, 2000, amount_cents=200_000))
    member = _member(db, member_id)
    assert (member.tier, member.spend_12m_cents, member.balance) == ("silver", 200_000, 7000)
    big = till.entry(member_id, 6000, amount_cents=600_000)
    till.push_ok(big)
    assert _member(db, member_id).tier == "gold"
    till.push_ok(till.entry(member_id, -6000, "reverse", reverses=big["id"]))
    assert _member(db, member_id).tier == "silver"  # a reversed purchase does not count


def test_preferences_and_consent(db: ServerDatabase, till: Till) -> None:
    member_id = till.enrolled()
    update = till.item("member_update", {"member_id": member_id, "changes": {"consent_profile": True},
                                         "staff_code": "G001", "at": till.clock.now.isoformat()})  # fmt: skip
    results = till.push_ok(
        update,
        till.preference(member_id, "add", "size", "M"),
        till.preference(member_id, "add", "colour", "红"),
        till.preference(member_id, "remove", "size", "M"),
    )
    assert [r["status"] for r in results] == ["applied"] * 4
    assert results[-1]["member_version"] == _member(db, member_id).version
    assert _member(db, member_id).consent_profile is True
    with db.read() as session:
        live = session.execute(select(Preference.kind, Preference.value).where(Preference.removed_at.is_(None))).all()
    assert [tuple(row) for row in live] == [("colour", "红")]
    bad = till.item("member_update", {"member_id": member_id, "changes": {"balance": True}, "staff_code": "G001",
                                      "at": till.clock.now.isoformat()})  # fmt: skip
    assert till.push_ok(bad)[0]["reason"] == "invalid_body"


def test_numbers_the_database_cannot_hold_are_refused_not_a_crash(db: ServerDatabase, till: Till) -> None:
    member_id = till.enrolled()
    huge = till.entry(member_id, 2**70, amount_cents=1)
    long_receipt = till.entry(member_id, 1)
    long_receipt["body"]["receipt_no"] = "R" * 65
    results = till.push_ok(huge, long_receipt)
    assert [r["reason"] for r in results] == ["invalid_body", "invalid_body"]
    answer = till.push(till.entry(member_id, 1, seq=2**63))
    assert answer.status_code == 400 and answer.json()["detail"]["field"] == "body.items.0.till_seq"
    assert _member(db, member_id).balance == 0


def _live_preferences(db: ServerDatabase, member_id: str) -> list[tuple[str, str]]:
    with db.read() as session:
        rows = session.execute(
            select(Preference.kind, Preference.value)
            .where(Preference.member_id == member_id, Preference.removed_at.is_(None))
            .order_by(Preference.id)
        ).all()
    return [(row[0], row[1]) for row in rows]


def test_stored_preferences_are_removed_and_added_again_across_batches(db: ServerDatabase, till: Till) -> None:
    member_id = till.enrolled()
    till.push_ok(till.preference(member_id, "add", "size", "M"), till.preference(member_id, "add", "colour", "红"))
    results = till.push_ok(
        till.preference(member_id, "add", "size", "M"),  # already live: nothing new
        till.preference(member_id, "remove", "size", "M"),  # the stored row is removed
        till.preference(member_id, "remove", "size", "M"),  # nothing left to remove
        till.preference(member_id, "add", "size", "M"),  # a new row
        till.preference(member_id, "remove", "colour", "红"),
    )
    assert [r["status"] for r in results] == ["applied"] * 5
    assert _live_preferences(db, member_id) == [("size", "M")]
    with db.read() as session:
        assert session.scalar(select(func.count()).select_from(Preference)) == 3
    assert _member(db, member_id).version == results[-1]["member_version"]


def test_a_batch_over_many_members_writes_each_once_with_every_item_counted(db: ServerDatabase, till: Till) -> None:
    phones = [f"+86138{n:08d}" for n in range(1, 21)]
    ids = [r["member"] for r in till.push_ok(*(till.enrol(phone) for phone in phones))]
    items = [till.entry(ids[n % 20], 1 + n, amount_cents=100 * (1 + n)) for n in range(200)]
    items.append(till.entry(ids[0], -100_000, "redeem", amount_cents=0))  # overdraws: applied and flagged
    results = till.push_ok(*items)
    assert [r["status"] for r in results] == ["applied"] * 200 + ["flagged"]
    versions = [r["member_version"] for r in results]
    assert versions == sorted(versions) and len(set(versions)) == len(versions)
    for n, member_id in enumerate(ids):
        member = _member(db, member_id)
        mine = [r for r in results if r["member"] == member_id]
        assert member.version == max(r["member_version"] for r in mine)
        points = sum(1 + k for k in range(200) if k % 20 == n)
        assert member.balance == points - (100_000 if n == 0 else 0)
        assert member.spend_12m_cents == 100 * points and member.visits_90d == 10
    with db.read() as session:
        assert session.scalar(select(func.count()).select_from(LedgerEntry)) == 201
        assert session.scalar(select(func.count()).select_from(PushedItem)) == 221
    again = till.push_ok(*items)  # a replay: the first answers, nothing changes
    assert [r["status"] for r in again] == ["duplicate"] * 201
    assert [r["member_version"] for r in again] == versions
    assert _member(db, ids[0]).version == max(r["member_version"] for r in results if r["member"] == ids[0])


CANONICAL_BODIES: list[dict[str, Any]] = [
    {"z": 1, "a": None, "m": [True, False, "x"], "n": {"b": -(2**63), "a": 2**63 - 1}},
    {"name": '张伟 \u2028 "quoted" \\ \n\t\u0001 \U0001f600', "tags": ["会员", ""], "é": "e"},
    {"big": 2**70, "small": -(2**64)},  # beyond 64 bits: orjson refuses, json writes them
    {"f": 1e16, "g": -0.0, "h": 0.1},
]


@pytest.mark.parametrize("body", CANONICAL_BODIES)
def test_the_body_hash_is_the_sha256_of_the_sorted_compact_json(body: dict[str, Any]) -> None:
    canonical = json.dumps({"type": "point_entry", "body": body}, sort_keys=True, separators=(",", ":"),
                           ensure_ascii=False)  # fmt: skip
    assert body_hash("point_entry", body) == hashlib.sha256(canonical.encode("utf-8")).hexdigest()
    reordered = dict(reversed(list(body.items())))
    assert body_hash("point_entry", reordered) == body_hash("point_entry", body)


def test_bodies_that_differ_only_in_nan_infinity_or_null_hash_apart() -> None:
    digests = {body_hash("point_entry", {"x": value}) for value in (float("nan"), float("inf"), float("-inf"), None)}
    assert len(digests) == 4


def test_the_answer_is_written_as_the_wire_schema_writes_it() -> None:
    answers = [
        ItemAnswer("e1", ItemStatus.APPLIED, None, "m1", 7),
        ItemAnswer("e2", ItemStatus.FLAGGED, "overdrawn", "m1", 8),
        ItemAnswer("e3", ItemStatus.DUPLICATE, "invalid_body", None, None, ItemStatus.REJECTED),
        ItemAnswer("会员-4", ItemStatus.MERGED, None, "m2", 2**53),
    ]
    expected = PushResponse(results=[PushResult(**{f: getattr(a, f) for f in a.__slots__}) for a in answers])
    assert answer_json(answers) == expected.model_dump_json().encode("utf-8")


def test_a_batch_that_fails_to_commit_leaves_no_trace_in_the_next_ones(
    db: ServerDatabase, till: Till, monkeypatch: pytest.MonkeyPatch
) -> None:
    member_id = till.enrolled()
    till.push_ok(till.entry(member_id, 10, amount_cents=1000))  # the member's 12-month window is now cached

    def broken(*_args: Any, **_kwargs: Any) -> None:
        raise RuntimeError("disk full")

    with monkeypatch.context() as patch:
        patch.setattr("server.push.Bulk.insert", broken)
        with pytest.raises(RuntimeError):
            till.push(till.entry(member_id, 20, amount_cents=2000))
    [result] = till.push_ok(till.entry(member_id, 40, amount_cents=4000))
    assert result["status"] == "applied"
    member = _member(db, member_id)
    assert (member.balance, member.spend_12m_cents) == (50, 5000)  # the failed batch's 2,000 cents counted nowhere
    assert _count(db, LedgerEntry) == 2


def test_a_batch_sent_after_another_waits_for_it_and_is_applied_second(db: ServerDatabase, till: Till) -> None:
    member_id = till.enrolled()  # seq 1
    first = [till.entry(member_id, 10), till.entry(member_id, 20)]  # seq 2, 3
    second = [till.entry(member_id, 30), till.entry(member_id, 40)]  # seq 4, 5: sent first, naming seq 3
    answers: list[Any] = []
    waiting = threading.Thread(
        target=lambda: answers.append(
            till.client.post(
                "/v1/push", json={"items": second, "after_seq": 3, "after_id": first[-1]["id"]}, headers=till.headers
            )
        )
    )
    waiting.start()
    waiting.join(0.3)
    assert waiting.is_alive() and _count(db, LedgerEntry) == 0  # holding on, nothing applied

    assert [r["status"] for r in till.push_ok(*first)] == ["applied", "applied"]
    waiting.join(10)
    [answer] = answers
    assert answer.status_code == 200 and [r["status"] for r in answer.json()["results"]] == ["applied", "applied"]
    assert _member(db, member_id).balance == 100
    with db.read() as session:
        assert session.scalars(select(SeqAlarm)).all() == []  # applied in till_seq order: no gap was ever seen


def test_a_batch_whose_predecessor_never_arrives_is_refused_unapplied(
    db: ServerDatabase, till: Till, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("server.push.ORDER_WAIT_SECONDS", 0.2)
    member_id = till.enrolled()  # seq 1
    lost = till.entry(member_id, 10)  # seq 2: lost on its way
    late = till.entry(member_id, 30)  # seq 3
    answer = till.client.post("/v1/push", json={"items": [late], "after_seq": 2, "after_id": lost["id"]},
                              headers=till.headers)  # fmt: skip
    assert answer.status_code == 409 and answer.json()["detail"]["code"] == "out_of_order"
    # A till restored from a backup: its till_seqs are ones the server has seen, but the item named is new.
    answer = till.client.post("/v1/push", json={"items": [late], "after_seq": 1, "after_id": lost["id"]},
                              headers=till.headers)  # fmt: skip
    assert answer.status_code == 409 and answer.json()["detail"]["code"] == "out_of_order"
    assert _count(db, LedgerEntry) == 0 and _count(db, PushedItem) == 1  # only the enrolment

    [again] = till.push_ok(late)  # pushed again without after_seq (a new run): applied, the gap is an alarm
    assert again["status"] == "applied"


def test_a_time_without_its_utc_offset_is_refused(db: ServerDatabase, till: Till) -> None:
    member_id = till.enrolled()
    item = till.entry(member_id, 10)
    naive = item["created_at"][:19]  # 2026-11-23T10:00:00, no offset
    answer = till.push({**item, "created_at": naive})
    assert answer.status_code == 400 and answer.json()["detail"]["field"] == "body.items.0.created_at"
    [result] = till.push_ok({**item, "body": {**item["body"], "created_at": naive}})
    assert (result["status"], result["reason"]) == ("rejected", "invalid_body")
    assert _count(db, LedgerEntry) == 0
