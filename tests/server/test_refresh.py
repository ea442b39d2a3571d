"""The nightly refresh as the chain lives it, on both databases: a loyal gold member who stops coming drifts to
潜力 then 沉睡 and picks up the churn tags, keeps gold for the chain's grace once the year's spend has aged out, then
moves down; a member in grace who buys a little keeps the tier; tags follow the chain's rules document (an edit
takes effect on the next run) and only members who consented to a profile get any; a second run changes nothing;
and a run that finds another under way (another server on the database) writes nothing."""

from __future__ import annotations

import os
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from loyalty.clock import store_zone
from loyalty.insight import DEFAULT_INSIGHT_RULES, Condition, InsightRules
from server import admin
from server.bulk import Bulk
from server.db import ServerDatabase
from server.member_figures import ChainValues, refresh_figures
from server.member_insight import RfmCuts, rfm_cuts
from server.models import Member
from server.refresh import ADVISORY_KEY, RefreshBusy, refresh
from tests.server.conftest import PHONE_A, ServerClock, Till, register

OTHERS = [f"+86139000000{n:02d}" for n in range(9)]


def _member(db: ServerDatabase, member_id: str) -> Member:
    with db.read() as session:
        member = session.scalar(select(Member).where(Member.id == member_id))
        assert member is not None
        return member


def _chain(till: Till, clock: ServerClock) -> str:
    """Nine members who bought a little today and one who spent 10,000 yuan over four visits this month: gold and
    高价值忠诚型, the top fifth of the chain's spend."""
    for phone in OTHERS:
        other = till.enrolled(phone)
        assert [r["status"] for r in till.push_ok(till.entry(other, 10, amount_cents=1_000))] == ["applied"]
    today = clock.now
    clock.now = today - timedelta(days=21)
    member_id = till.enrolled(PHONE_A)
    for days_ago in (20, 12, 6, 1):  # each visit pushed the day it was made, at 11:00 store time
        clock.now = (today - timedelta(days=days_ago)).replace(hour=3, minute=0)
        assert [r["status"] for r in till.push_ok(till.entry(member_id, 2_500))] == ["applied"]
    clock.now = today
    return member_id


def test_a_loyal_member_who_stops_coming_drifts_down_and_keeps_gold_for_the_grace(
    db: ServerDatabase, till: Till, server_clock: ServerClock
) -> None:
    member_id = _chain(till, server_clock)
    refresh(db)
    member = _member(db, member_id)
    assert (member.tier, member.segment) == ("gold", "high_value_loyal")
    assert "churn_risk" not in member.tags and member.tier_below_since is None
    version = member.version
    assert refresh(db).profiles.changed == 0 and refresh(db).figures.changed == 0  # nothing new, no new versions
    assert _member(db, member_id).version == version

    server_clock.advance(days=50)  # last visit 51 days ago
    refresh(db)
    member = _member(db, member_id)
    assert (member.tier, member.segment) == ("gold", "potential") and member.version > version
    assert "churn_risk" in member.tags  # top fifth of spend, not seen for over 45 days

    server_clock.advance(days=50)  # 101 days
    refresh(db)
    member = _member(db, member_id)
    assert member.segment == "dormant" and {"churn_risk", "win_back"} <= set(member.tags)

    server_clock.advance(days=270)  # over a year: the spend has aged out, the grace starts
    refresh(db)
    member = _member(db, member_id)
    assert (member.spend_12m_cents, member.tier) == (0, "gold") and member.tier_below_since == server_clock.now
    server_clock.advance(days=20)
    refresh(db)
    assert _member(db, member_id).tier == "gold"

    # A small purchase in the grace does not reach gold: the member keeps it until the grace ends
    assert [r["status"] for r in till.push_ok(till.entry(member_id, 100, amount_cents=10_000))] == ["applied"]
    member = _member(db, member_id)
    assert (member.tier, member.spend_12m_cents, member.segment) == ("gold", 10_000, "potential")
    assert member.tier_below_since is not None
    server_clock.advance(days=11)  # 31 days since the spend fell below gold
    refresh(db)
    member = _member(db, member_id)
    assert (member.tier, member.tier_below_since) == ("normal", None)


def test_a_return_moves_the_tier_down_at_once(db: ServerDatabase, till: Till) -> None:
    """Grace is for spend that ages out; a reversed purchase never counted."""
    member_id = till.enrolled()
    big = till.entry(member_id, 9_000)
    till.push_ok(big)
    assert _member(db, member_id).tier == "gold"
    till.push_ok(till.entry(member_id, -9_000, "reverse", reverses=big["id"]))
    refresh(db)
    assert _member(db, member_id).tier == "normal"


def test_tags_follow_the_rules_document_and_need_a_profile_consent(
    db: ServerDatabase, till: Till, server_clock: ServerClock
) -> None:
    member_id = _chain(till, server_clock)
    today = server_clock.now
    for days_ago in (1, 2, 3, 4, 5):  # 5 of 9 visits in 90 days at 21:00 store time (13:00 UTC)
        server_clock.now = (today - timedelta(days=days_ago)).replace(hour=13, minute=0)
        assert [r["status"] for r in till.push_ok(till.entry(member_id, 10))] == ["applied"]
    server_clock.now = today
    birthday = (server_clock.now + timedelta(hours=8) + timedelta(days=5)).date().replace(year=1990)
    [enrolled] = till.push_ok(till.enrol(OTHERS[0].replace("139", "137"), birthday=birthday.isoformat()))
    [private] = till.push_ok(till.enrol("+8613600136001", birthday=birthday.isoformat(), consent_profile=False))
    refresh(db)
    assert "night_shopper" in _member(db, member_id).tags
    assert "birthday_soon" in _member(db, enrolled["member"]).tags
    assert _member(db, private["member"]).tags == []  # no consent, no profile

    # The chain decides 5 night visits in 9 are not enough: the next run takes the tag away
    night = next(tag for tag in DEFAULT_INSIGHT_RULES.tags if tag.code == "night_shopper")
    stricter = replace(night, when=(Condition("night_visit_share_pct", ">=", 60),))
    rules = replace(DEFAULT_INSIGHT_RULES, version=2,
                    tags=tuple(stricter if tag is night else tag for tag in DEFAULT_INSIGHT_RULES.tags))  # fmt: skip
    admin.set_insight_rules(db, InsightRules.from_dict(rules.to_dict()))
    version = _member(db, member_id).version
    refresh(db)
    member = _member(db, member_id)
    assert "night_shopper" not in member.tags and member.version > version
    with pytest.raises(admin.AdminError, match="must increase"):
        admin.set_insight_rules(db, rules)


def test_a_refresh_under_way_elsewhere_keeps_a_second_one_out(
    db: ServerDatabase, till: Till, server_clock: ServerClock
) -> None:
    member_id = _chain(till, server_clock)
    version = _member(db, member_id).version
    if db.is_sqlite:
        from fcntl import LOCK_EX, LOCK_NB, flock

        database = db.engine.url.database
        assert database is not None
        fd = os.open(f"{database}-refresh", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            flock(fd, LOCK_EX | LOCK_NB)  # another server process's run
            with pytest.raises(RefreshBusy):
                refresh(db)
        finally:
            os.close(fd)
    else:
        with db.engine.connect() as other:  # another server on the same PostgreSQL
            assert other.exec_driver_sql(f"SELECT pg_try_advisory_lock({ADVISORY_KEY})").scalar()
            with pytest.raises(RefreshBusy):
                refresh(db)
            other.exec_driver_sql(f"SELECT pg_advisory_unlock({ADVISORY_KEY})")
    assert _member(db, member_id).version == version  # the refused run wrote nothing
    refresh(db)
    assert _member(db, member_id).version > version  # once the other run is over, it runs


def _outcome(till: Till, warning_id: int, outcome: str = "called", staff: str = "G001") -> dict[str, Any]:
    body = {"warning_id": warning_id, "outcome": outcome, "staff_code": staff, "at": till.clock.now.isoformat()}
    return till.item("warning_outcome", body)


def test_a_loyal_member_drifting_down_goes_on_the_stores_list_once_and_a_guides_call_closes_it(
    db: ServerDatabase, till: Till, server_clock: ServerClock
) -> None:
    member_id = _chain(till, server_clock)
    refresh(db)
    assert till.get("/v1/warnings").json() == {"warnings": []}  # loyal and coming: nobody to call

    server_clock.advance(days=50)
    report = refresh(db)
    assert report.figures.warned == 1 and report.profiles.warned == 0  # one open warning a member (流失风险 too)
    [warning] = till.get("/v1/warnings").json()["warnings"]
    assert (warning["member_id"], warning["reason"], warning["from_segment"], warning["to_segment"]) == (
        member_id, "left_loyal", "high_value_loyal", "potential"
    )  # fmt: skip
    assert warning["outcome"] is None
    server_clock.advance(days=50)
    assert refresh(db).figures.warned == 0 and len(till.get("/v1/warnings").json()["warnings"]) == 1

    call = _outcome(till, warning["id"])
    assert [r["status"] for r in till.push_ok(call)] == ["applied"]
    assert [r["status"] for r in till.push_ok(call)] == ["duplicate"]  # a lost answer, pushed again: once
    [handled] = till.get("/v1/warnings").json()["warnings"]
    assert (handled["outcome"], handled["handled_by"]) == ("called", "G001")
    results = till.push_ok(_outcome(till, warning["id"] + 1000), _outcome(till, warning["id"], "offer_given", "C001"))
    assert [(r["status"], r.get("reason")) for r in results] == [
        ("rejected", "unknown_warning"),
        ("flagged", "staff_not_allowed"),  # a cashier's call is recorded, and flagged for the manager
    ]
    assert till.get("/v1/warnings").json()["warnings"][0]["outcome"] == "offer_given"  # the latest stands


def test_another_stores_till_does_not_see_or_close_the_warning(
    db: ServerDatabase, till: Till, server_clock: ServerClock, client: TestClient
) -> None:
    _chain(till, server_clock)
    server_clock.advance(days=50)
    refresh(db)
    [warning] = till.get("/v1/warnings").json()["warnings"]
    device_id, token = register(client, db, "S002", "till-2")
    other = Till(client, device_id, token, server_clock)
    assert other.get("/v1/warnings").json() == {"warnings": []}
    [result] = other.push_ok(_outcome(other, warning["id"]))
    assert (result["status"], result["reason"]) == ("rejected", "unknown_warning")


def test_fav_comes_from_the_lines_else_from_the_favourites_guides_recorded(
    db: ServerDatabase, till: Till, server_clock: ServerClock
) -> None:
    """A member whose POS sends no lines gets the categories guides recorded, newest first, a removed one left out;
    once they buy with lines, their spend decides."""
    member_id = till.enrolled(PHONE_A)
    for value in ("零食", "生鲜", "母婴", "酒水"):
        server_clock.advance(minutes=1)
        assert till.push_ok(till.preference(member_id, "add", "category", value))[0]["status"] == "applied"
    assert till.push_ok(till.preference(member_id, "remove", "category", "母婴"))[0]["status"] == "applied"
    assert till.push_ok(till.entry(member_id, 50))[0]["status"] == "applied"  # a sale without lines
    refresh(db)
    assert _member(db, member_id).top_categories == ["酒水", "生鲜", "零食"]

    sale = till.entry(member_id, 90, amount_cents=9_000)
    sale["body"]["lines"] = [
        {"line_no": 1, "sku": "A1", "name": "奶粉", "category": "母婴", "quantity_milli": 1000, "amount_cents": 6_000},
        {"line_no": 2, "sku": "B2", "name": "苹果", "category": "生鲜", "quantity_milli": 1500, "amount_cents": 3_000},
    ]
    assert till.push_ok(sale)[0]["status"] == "applied"
    refresh(db)
    assert _member(db, member_id).top_categories == ["母婴", "生鲜"]


def test_the_rfm_cuts_from_the_figures_pass_equal_the_member_tables(
    db: ServerDatabase, till: Till, server_clock: ServerClock
) -> None:
    _chain(till, server_clock)
    server_clock.advance(days=40)  # the figures move: the cuts must be those after the pass, not before
    values = ChainValues()
    refresh_figures(db, server_clock.now, values=values)
    with db.read() as session:
        assert RfmCuts.of(values) == rfm_cuts(Bulk(session.connection()), server_clock.now)
    assert len(values.spend) == 10 and len(values.recency) == 10


def test_the_refresh_works_out_until_when_the_tier_is_kept_and_the_tills_pull_it(
    db: ServerDatabase, till: Till, server_clock: ServerClock
) -> None:
    """Gold (10,000 yuan in four visits of 2,500): without the oldest it is 7,500, below gold's 8,000, so gold lasts
    until that visit leaves the 12 months, plus the 30 days' grace. A new purchase makes the day unknown until the
    next refresh, which moves it; a member in grace gets the grace's last day; a rules change works every day out
    again."""
    member_id = _chain(till, server_clock)
    oldest = (server_clock.now - timedelta(days=20)).replace(hour=3, minute=0)  # 11:00 in Shanghai
    leaves = oldest.replace(year=oldest.year + 1).astimezone(store_zone()).date()
    refresh(db)
    assert _member(db, member_id).tier_kept_until == leaves + timedelta(days=30)
    pulled = {change["id"]: change for change in till.get("/v1/changes", since=0).json()["changes"]}
    assert pulled[member_id]["tier_kept_until"] == (leaves + timedelta(days=30)).isoformat()
    assert all(change["tier_kept_until"] is None for key, change in pulled.items() if key != member_id)  # 普通

    assert till.push_ok(till.entry(member_id, 500, amount_cents=50_000))[0]["status"] == "applied"
    assert _member(db, member_id).tier_kept_until is None  # not known until the refresh
    refresh(db)
    # 10,500: the two oldest must leave (5,500 < 8,000); the second oldest was 12 days ago
    second = (server_clock.now - timedelta(days=12)).replace(hour=3, minute=0)
    assert _member(db, member_id).tier_kept_until == second.replace(year=second.year + 1).astimezone(
        store_zone()
    ).date() + timedelta(days=30)

    server_clock.advance(days=365)  # everything left: the grace starts at this refresh
    refresh(db)
    member = _member(db, member_id)
    assert member.tier == "gold" and member.tier_below_since == server_clock.now
    assert member.tier_kept_until == server_clock.now.astimezone(store_zone()).date() + timedelta(days=29)

    rules = replace(DEFAULT_INSIGHT_RULES, version=2, tier_grace_days=10)
    admin.set_insight_rules(db, InsightRules.from_dict(rules.to_dict()))
    refresh(db)
    assert _member(db, member_id).tier_kept_until == server_clock.now.astimezone(store_zone()).date() + timedelta(
        days=9
    )
