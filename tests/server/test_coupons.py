"""Coupon templates and campaigns on the server, on both databases: a template is stored, replaced (keeping what
was issued from it) and listed; a campaign issues one coupon to each member its audience takes **who consented to
marketing**, with the template's days of use, never a second one to a member who holds one, and stops at the
budget; the command line refuses a bad template or an unknown code in words."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from loyalty.clock import store_day, store_zone
from loyalty.coupons import BenefitRules, CouponTemplate, InvalidCouponTemplate
from server import cli
from server.coupons import UnknownTemplate, issue_campaign, issued_to, put_template, set_benefit_rules, templates
from server.data_rights import merge_members as admin_merge
from server.db import ServerDatabase
from server.models import AdminLog, Coupon, Member
from server.refresh import refresh
from tests.server.conftest import ServerClock, Till

WIN_BACK: dict[str, Any] = {
    "code": "winback20", "name": {"zh_CN": "唤醒券 20 元", "en": "Welcome back, 20 yuan off"}, "kind": "amount_off",
    "amount_off_cents": 2_000, "min_spend_cents": 10_000, "valid_days": 30, "segments": ["dormant"],
    "budget_cents": 6_000,
}  # fmt: skip
PHONES = [f"+86139001100{n:02d}" for n in range(6)]


def _dormant_chain(db: ServerDatabase, till: Till) -> dict[str, str]:
    """Six members, made 沉睡 by hand: the first four consented to marketing, the last two did not."""
    ids = {phone: till.enrolled(phone) for phone in PHONES}
    with db.write() as session:
        for n, phone in enumerate(PHONES):
            member = session.get(Member, ids[phone])
            assert member is not None
            member.segment, member.consent_marketing = "dormant", n < 4
    return ids


def test_a_campaign_reaches_the_consenting_audience_once_and_within_the_budget(
    db: ServerDatabase, till: Till, server_clock: ServerClock
) -> None:
    ids = _dormant_chain(db, till)
    loyal = till.enrolled("+8613900119999")  # not the audience: 新会员
    template = CouponTemplate.from_dict(WIN_BACK)
    assert put_template(db, template) is True

    report = issue_campaign(db, "winback20", "2026-12 win-back")
    # 6,000 of budget at 2,000 a coupon: three of the four consenting members; the two without consent get none
    assert (report.issued, report.no_consent, report.over_budget, report.holding) == (3, 2, 1, 0)
    today = store_day(server_clock.now, store_zone())
    with db.read() as session:
        coupons = list(session.scalars(select(Coupon)))
        assert {coupon.member_id for coupon in coupons} <= {ids[phone] for phone in PHONES[:4]}
        assert all((c.first_day, c.last_day) == (today, today + timedelta(days=29)) for c in coupons)
        assert all(c.source == "campaign" and c.campaign == "2026-12 win-back" for c in coupons)
        assert issued_to(session, loyal) == []
        [(_stored, count, cents)] = templates(session)
        assert (count, cents) == (3, 6_000)
        logged = session.scalars(select(AdminLog.detail).where(AdminLog.action == "coupon_campaign")).one()
        assert "issued=3" in logged and "+86" not in logged  # counts, no phones

    # More budget: the campaign again reaches the one left out, and nobody twice
    assert put_template(db, CouponTemplate.from_dict(WIN_BACK | {"budget_cents": 20_000})) is False
    again = issue_campaign(db, "winback20", "2026-12 win-back")
    assert (again.issued, again.holding, again.no_consent, again.over_budget) == (1, 3, 2, 0)
    with db.read() as session:
        holders = [c.member_id for c in session.scalars(select(Coupon))]
        assert sorted(holders) == sorted(ids[phone] for phone in PHONES[:4])
        assert templates(session)[0][1:] == (4, 8_000)  # the replaced template kept its count


def test_the_command_line_adds_lists_and_issues_and_refuses_in_words(
    db: ServerDatabase, till: Till, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _dormant_chain(db, till)
    url = db.engine.url.render_as_string(hide_password=False)
    base = ["admin", "--db", url]
    good, bad = tmp_path / "winback.json", tmp_path / "bad.json"
    good.write_text(json.dumps(WIN_BACK, ensure_ascii=False), encoding="utf-8")
    bad.write_text(json.dumps(WIN_BACK | {"percent_off": 10}), encoding="utf-8")
    assert cli.main([*base, "coupon-template", str(bad)]) == 1
    assert "percent_off" in capsys.readouterr().err
    assert cli.main([*base, "coupon-template", str(good)]) == 0
    assert "added" in capsys.readouterr().out
    assert cli.main([*base, "issue-coupons", "nothing", "--campaign", "x"]) == 1
    assert "no coupon template nothing" in capsys.readouterr().err
    assert cli.main([*base, "issue-coupons", "winback20", "--campaign", "December"]) == 0
    assert capsys.readouterr().out.startswith("3 coupons issued")
    assert cli.main([*base, "coupon-templates"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert listed["code"] == "winback20" and listed["issued_count"] == 3


def test_a_merge_hands_the_duplicates_coupons_to_the_member_kept(db: ServerDatabase, till: Till) -> None:
    ids = _dormant_chain(db, till)
    put_template(db, CouponTemplate.from_dict(WIN_BACK))
    assert issue_campaign(db, "winback20", "m").issued == 3
    with db.read() as session:
        holder = session.scalars(select(Coupon.member_id)).first()
    assert holder is not None
    keep = next(member_id for phone, member_id in ids.items() if member_id != holder and phone in PHONES[4:])
    admin_merge(db, keep, holder)
    with db.read() as session:
        assert [coupon.member_id for coupon in issued_to(session, keep)] == [keep]
        assert issued_to(session, holder) == []


BIRTHDAY: dict[str, Any] = {
    "code": "bday", "name": {"zh_CN": "生日 9 折", "en": "Birthday 10 % off"}, "kind": "percent_off",
    "percent_off": 10, "cap_cents": 5_000, "valid_days": 31,
}  # fmt: skip


def test_the_refresh_gives_win_back_coupons_on_entering_dormant_and_birthday_coupons_once_a_year(
    db: ServerDatabase, till: Till, server_clock: ServerClock
) -> None:
    put_template(db, CouponTemplate.from_dict(WIN_BACK | {"budget_cents": None}))
    put_template(db, CouponTemplate.from_dict(BIRTHDAY))
    set_benefit_rules(db, BenefitRules(win_back="winback20", birthday="bday"))
    later = (server_clock.now + timedelta(days=200)).replace(day=15)
    month = store_day(later, store_zone()).month
    buyer = till.enrolled(PHONES[0])
    assert till.push_ok(till.entry(buyer, 50))[0]["status"] == "applied"
    [born] = till.push_ok(till.enrol(PHONES[1], birthday=f"1990-{month:02d}-20"))
    refresh(db)
    assert _coupons(db) == []  # nobody is dormant yet, and it is not the birthday month

    server_clock.now = later  # 200 days without a purchase: both drift to 沉睡
    report = refresh(db).coupons
    assert (report.win_back, report.birthday, report.over_budget) == (2, 1, 0)
    assert sorted(_coupons(db)) == sorted([("winback20", buyer), ("winback20", born["member"]),
                                           ("bday", born["member"])])  # fmt: skip
    again = refresh(db).coupons  # still dormant, still the birthday month: nothing new
    assert (again.win_back, again.birthday) == (0, 0)

    server_clock.now = later + timedelta(days=365)  # a year on, the same month: a new birthday coupon
    assert refresh(db).coupons.birthday == 1
    assert _coupons(db).count(("bday", born["member"])) == 2


def test_benefit_rules_name_templates_that_exist(db: ServerDatabase) -> None:
    with pytest.raises(UnknownTemplate):
        set_benefit_rules(db, BenefitRules(birthday="nothing"))
    with pytest.raises(InvalidCouponTemplate):
        BenefitRules.from_dict({"anniversary": "x"})  # not an event the programme knows


def _coupons(db: ServerDatabase) -> list[tuple[str, str]]:
    with db.read() as session:
        return [(c.template_code, c.member_id) for c in session.scalars(select(Coupon).order_by(Coupon.issued_at))]


def _rules_with(db: ServerDatabase, **events: str) -> None:
    for code in events.values():
        put_template(db, CouponTemplate.from_dict(WIN_BACK | {"code": code, "segments": [], "budget_cents": None}))
    set_benefit_rules(db, BenefitRules.from_dict(events))


def test_a_new_member_gets_the_welcome_coupon_and_a_tier_upgrade_its_own(db: ServerDatabase, till: Till) -> None:
    """The push gives them: a member it enrols gets the welcome coupon (once: a replay gives none), a member a
    purchase lifts to a higher tier gets the tier-upgrade coupon (none to a member already holding one)."""
    _rules_with(db, welcome="hello", tier_upgrade="up")
    enrolment = till.enrol(PHONES[0])
    [applied] = till.push_ok(enrolment)
    member = applied["member"]
    till.push_ok(enrolment)  # the answer was lost: the replay gives nothing more
    till.push_ok(till.entry(member, 2_500, amount_cents=2_500_00))  # ¥2,500: 普通 -> 银卡
    till.push_ok(till.entry(member, 6_000, amount_cents=6_000_00))  # ¥8,500: 银卡 -> 金卡, still holding one
    with db.read() as session:
        held = sorted((coupon.template_code, coupon.campaign) for coupon in issued_to(session, member))
    assert held == [("hello", "welcome"), ("up", "tier_upgrade")]
    page = till.get("/v1/changes", since=0).json()
    [change] = [c for c in page["changes"] if c["id"] == member]
    assert sorted(c["template"]["code"] for c in change["coupons"]) == ["hello", "up"]


def test_both_members_of_a_referral_get_the_coupon_after_the_first_purchase(
    db: ServerDatabase, till: Till, server_clock: ServerClock
) -> None:
    _rules_with(db, referral="friend")
    referrer = till.enrolled(PHONES[0])
    [new] = till.push_ok(till.enrol(PHONES[1], referrer_id=referrer))
    newcomer = new["member"]
    assert refresh(db, server_clock.now).coupons.referral == 0  # no purchase yet
    till.push_ok(till.entry(newcomer, 100))
    assert refresh(db, server_clock.now).coupons.referral == 2
    assert refresh(db, server_clock.now).coupons.referral == 0  # once
    with db.read() as session:
        for member in (referrer, newcomer):
            assert [c.campaign for c in issued_to(session, member)] == ["referral"]
