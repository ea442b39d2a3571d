"""The chain's coupon templates and the coupons issued from them by a campaign (issue 18; docs/benefits.md).

- **Templates** (`put_template`, `templates`): stored by code as their checked JSON form
  (`loyalty.coupons.CouponTemplate`); writing a template again replaces its terms and keeps what was issued from it.
- **A campaign** (`issue_campaign`): one coupon to each live member the template's audience takes (tiers, segments,
  tags) **who consented to marketing**, and who does not already hold an unused one from it (so running a campaign
  twice issues nobody a second coupon), until the template's budget (a number of coupons, or face value) runs out.
  Each coupon records its campaign, its time and its days of use; the admin log records the campaign's counts. No
  names or phones are read or written.

- **By rule, nightly** (`issue_by_rules`, from the refresh): the chain's benefit rules (`set-benefit-rules`) name a
  template for a member who has just become 沉睡唤醒型 (win-back) and one for each member's birthday month (once a
  year), and both members of a referral once the member brought in has made a first purchase (`reward_referrals`).
- **By rule, as the push applies** (`give_for_events`): the welcome coupon to a member the push enrols, the
  tier-upgrade coupon to a member a purchase lifts to a higher tier.

Every member given a coupon gets a new version: the tills pull the member with their coupons
(`server.changes`), and use them (`server.coupon_uses`).

Thread: the admin command line.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session
from uuid6 import uuid7

from loyalty.clock import store_day, store_zone
from loyalty.coupons import BenefitRules, CouponTemplate, valid_window
from protocol.vocabulary import EntryKind
from server import chain
from server.bulk import read_date
from server.db import ServerDatabase
from server.member_chunks import live_member_chunks
from server.member_insight import stored_list
from server.members import resolve
from server.models import AdminLog, Coupon, CouponTemplateRow, LedgerEntry, Member

_CHUNK = 5_000
_EVER = datetime(2000, 1, 1, tzinfo=UTC)  # before any coupon: "issued since then" is "ever issued"


class UnknownTemplate(LookupError):
    """No coupon template has this code."""


@dataclass(frozen=True, slots=True)
class CampaignReport:
    issued: int  # coupons issued now
    holding: int  # members of the audience who already hold an unused one (not issued again)
    no_consent: int  # members of the audience without marketing consent (not issued)
    over_budget: int  # members left out because the budget ran out


def put_template(db: ServerDatabase, template: CouponTemplate) -> bool:
    """Store the template (replacing the terms of one with its code); True when it is new."""
    now = db.clock()
    with db.write() as session:
        row = session.get(CouponTemplateRow, template.code)
        new = row is None
        if row is None:
            row = CouponTemplateRow(code=template.code, created_at=now, issued_count=0, issued_cents=0)
            session.add(row)
        row.document, row.updated_at = template.to_dict(), now
        session.add(AdminLog(at=now, action="coupon_template", detail=f"code={template.code} new={new}"))
    return new


def set_benefit_rules(db: ServerDatabase, rules: BenefitRules) -> None:
    """Put the benefit rules in force; every template they name must exist (raises `UnknownTemplate`)."""
    now = db.clock()
    with db.write() as session:
        for code in rules.codes():
            if session.get(CouponTemplateRow, code) is None:
                raise UnknownTemplate(code)
        chain.set_benefit_rules(session, rules)
        session.add(AdminLog(at=now, action="set_benefit_rules", detail=json.dumps(rules.to_dict())))


def templates(session: Session) -> list[tuple[CouponTemplate, int, int]]:
    """Every template with the number and face value of the coupons issued from it, by code."""
    rows = session.scalars(select(CouponTemplateRow).order_by(CouponTemplateRow.code))
    return [(CouponTemplate.from_dict(row.document), row.issued_count, row.issued_cents) for row in rows]


def issue_campaign(db: ServerDatabase, code: str, campaign: str) -> CampaignReport:
    """Issue the template's coupons to its audience (see the module's note), a chunk of members per transaction."""
    now = db.clock()
    today = store_day(now, store_zone())
    issued = holding = no_consent = over_budget = 0
    for session, row, template, members in _audience_chunks(db, code):
        days = valid_window(template, today)
        held = _holders(session, code, [member_id for member_id, _consent in members], today)
        given: list[str] = []
        for member_id, consent in members:
            if member_id in held:
                holding += 1
            elif not consent:
                no_consent += 1
            elif not _give(session, template, row, member_id, now, days, "campaign", campaign):
                over_budget += 1
            else:
                given.append(member_id)
        _new_versions(db, session, given, now)
        issued += len(given)
    with db.write() as session:
        detail = f"template={code} campaign={campaign} issued={issued} holding={holding} no_consent={no_consent} "
        session.add(AdminLog(at=now, action="coupon_campaign", detail=detail + f"over_budget={over_budget}"))
    return CampaignReport(issued, holding, no_consent, over_budget)


def _template(session: Session, code: str) -> tuple[CouponTemplateRow, CouponTemplate]:
    """The template's row (its counts) and terms; raises `UnknownTemplate`."""
    row = session.get(CouponTemplateRow, code)
    if row is None:
        raise UnknownTemplate(code)
    return row, CouponTemplate.from_dict(row.document)


def _holders(
    session: Session, code: str, member_ids: Sequence[str], today: date, *, since: datetime | None = None
) -> set[str]:
    """Those of the members who hold a coupon of the template: unused and not expired by `today`, or (`since`) any
    issued since then."""
    query = select(Coupon.member_id).where(Coupon.template_code == code, Coupon.member_id.in_(member_ids))
    if since is None:
        query = query.where(Coupon.used_at.is_(None), Coupon.last_day >= today)
    else:
        query = query.where(Coupon.issued_at >= since)
    return set(session.scalars(query))


def _give(
    session: Session,
    template: CouponTemplate,
    row: CouponTemplateRow,
    member_id: str,
    now: datetime,
    days: tuple[date, date],
    source: str,
    campaign: str,
) -> bool:
    """One coupon of the template to the member, counted against its budget; False when the budget is spent."""
    if not within_budget(template, row):
        return False
    session.add(Coupon(id=str(uuid7()), template_code=row.code, member_id=member_id, source=source,
                       campaign=campaign, issued_at=now, first_day=days[0], last_day=days[1]))  # fmt: skip
    row.issued_count += 1
    row.issued_cents += template.face_cents
    return True


@dataclass(frozen=True, slots=True)
class RuleReport:
    win_back: int = 0  # coupons issued to members who have just become 沉睡唤醒型
    birthday: int = 0  # birthday coupons issued (once a year each)
    referral: int = 0  # referral coupons issued (two for each referral whose new member bought something)
    over_budget: int = 0  # members the rules would have given one to, left out by a spent budget


def issue_by_rules(db: ServerDatabase, now: datetime, entered_dormant: Sequence[str]) -> RuleReport:
    """The nightly refresh's coupons (`loyalty.coupons.BenefitRules`): a win-back coupon to each member who has just
    become 沉睡唤醒型 (`entered_dormant`, the figures pass's finding) and holds no unused one; a birthday coupon to
    each live member in their birthday month (the chain's calendar) who got none from the template this year.
    These are the programme's own benefits, not marketing: no consent is asked (a campaign asks it). A template
    the rules name that is missing issues nothing (and is said in the admin log)."""
    with db.read() as session:
        rules = chain.benefit_rules(session)
        missing = [code for code in rules.codes() if session.get(CouponTemplateRow, code) is None]
    if missing:
        with db.write() as session:
            session.add(AdminLog(at=now, action="coupon_rule", detail=f"missing templates={','.join(missing)}"))
    today = store_day(now, store_zone())
    win_back = birthday = over_budget = 0
    if rules.win_back is not None and rules.win_back not in missing:
        for start in range(0, len(entered_dormant), _CHUNK):
            with db.write() as session:
                ids = entered_dormant[start : start + _CHUNK]
                done = _issue_rule(db, session, rules.win_back, "win_back", ids, now, today)
            win_back, over_budget = win_back + done[0], over_budget + done[1]
    if rules.birthday is not None and rules.birthday not in missing:
        year_start = datetime.combine(date(today.year, 1, 1), time.min, tzinfo=store_zone())
        for session, _bulk, rows in live_member_chunks(db, "birthday", where="birthday IS NOT NULL"):
            born = [
                member_id for member_id, day in rows if (born_on := read_date(day)) and born_on.month == today.month
            ]
            done = _issue_rule(db, session, rules.birthday, "birthday", born, now, today, since=year_start)
            birthday, over_budget = birthday + done[0], over_budget + done[1]
    return RuleReport(win_back, birthday, over_budget)


def _issue_rule(
    db: ServerDatabase,
    session: Session,
    code: str,
    event: str,
    member_ids: Sequence[str],
    now: datetime,
    today: date,
    *,
    since: datetime | None = None,
) -> tuple[int, int]:
    """The rule's coupon to each of the members who holds none (`_holders`); the numbers issued and left out by the
    budget."""
    if not member_ids:
        return 0, 0
    row, template = _template(session, code)
    held = _holders(session, code, member_ids, today, since=since)
    days = valid_window(template, today)
    given: list[str] = []
    over = 0
    for member_id in member_ids:
        if member_id in held:
            continue
        if _give(session, template, row, member_id, now, days, "rule", event):
            given.append(member_id)
        else:
            over += 1
    _new_versions(db, session, given, now)
    return len(given), over


def _new_versions(db: ServerDatabase, session: Session, member_ids: Sequence[str], now: datetime) -> None:
    """The members who were given a coupon change: each gets a new version, so every till pulls their coupons."""
    if not member_ids:
        return
    first = db.reserve_versions(session, len(member_ids))
    session.flush()
    session.execute(
        update(Member),
        [{"id": member_id, "version": first + n, "updated_at": now} for n, member_id in enumerate(member_ids)],
    )


def within_budget(template: CouponTemplate, row: CouponTemplateRow, count: int = 1) -> bool:
    """Whether `count` more coupons of the template fit its budget."""
    if template.budget_count is not None and row.issued_count + count > template.budget_count:
        return False
    return template.budget_cents is None or row.issued_cents + count * template.face_cents <= template.budget_cents


def _audience_chunks(
    db: ServerDatabase, code: str
) -> Iterator[tuple[Session, CouponTemplateRow, CouponTemplate, list[tuple[str, bool]]]]:
    """Each chunk of live members the template's audience takes (`CouponTemplate.takes`), as (id, marketing
    consent), in a write transaction with the template's row (its counts written with the chunk's coupons). The
    query already keeps to the template's tiers and segments, so a campaign for 沉睡 members reads only those."""
    after = ""
    while True:
        with db.write() as session:
            row, template = _template(session, code)
            query = (
                select(Member.id, Member.consent_marketing, Member.tier, Member.segment, Member.tags)
                .where(Member.id > after, ~Member.deleted, Member.merged_into.is_(None))
                .order_by(Member.id)
                .limit(_CHUNK)
            )
            if template.tiers:
                query = query.where(Member.tier.in_(sorted(template.tiers)))
            if template.segments:
                query = query.where(Member.segment.in_(sorted(template.segments)))
            rows = session.execute(query).all()
            if not rows:
                return
            after = rows[-1].id
            members = [
                (member.id, bool(member.consent_marketing))
                for member in rows
                if template.takes(tier=member.tier, segment=member.segment, tags=stored_list(member.tags))
            ]
            yield session, row, template, members


def manager_templates(session: Session) -> list[dict[str, Any]]:
    """The templates the benefit rules let a store manager give at the till, as their documents (for the config)."""
    codes = chain.benefit_rules(session).manager_templates
    if not codes:
        return []
    rows = session.scalars(select(CouponTemplateRow).where(CouponTemplateRow.code.in_(codes))).all()
    return [row.document for row in sorted(rows, key=lambda row: codes.index(row.code))]


def issued_to(session: Session, member_id: str) -> list[Coupon]:
    """The coupons a member holds, newest first."""
    return list(session.scalars(select(Coupon).where(Coupon.member_id == member_id).order_by(Coupon.issued_at.desc())))


def give_for_events(session: Session, events: Sequence[tuple[str, str]], now: datetime) -> int:
    """The benefit rules' coupons for what a push did, (member id, event) with event "welcome" or "tier_upgrade", in
    the push's transaction (the members get their new version from the push itself). A welcome coupon goes once per
    member ever; a tier-upgrade coupon not to a member who holds an unused one. Returns how many were given."""
    rules = chain.benefit_rules(session)
    today = store_day(now, store_zone())
    given = 0
    for event, code in (("welcome", rules.welcome), ("tier_upgrade", rules.tier_upgrade)):
        member_ids = sorted({member_id for member_id, happened in events if happened == event})
        if code is None or not member_ids or session.get(CouponTemplateRow, code) is None:
            continue
        row, template = _template(session, code)
        since = _EVER if event == "welcome" else None
        held = _holders(session, code, member_ids, today, since=since)
        days = valid_window(template, today)
        given += sum(
            _give(session, template, row, member_id, now, days, "rule", event)
            for member_id in member_ids
            if member_id not in held
        )
    return given


def reward_referrals(db: ServerDatabase, now: datetime) -> int:
    """Nightly: for each member brought in by another (`member.referred_by`) who has made a first purchase, the
    benefit rules' referral coupon to both (each counted against the budget; a member left out by it is tried again
    the next night), and the referral is done. Returns the coupons given."""
    with db.read() as session:
        code = chain.benefit_rules(session).referral
        if code is None or session.get(CouponTemplateRow, code) is None:
            return 0
    today = store_day(now, store_zone())
    given = 0
    with db.write() as session:
        bought = (
            select(Member.id, Member.referred_by)
            .where(Member.referred_by.is_not(None), ~Member.deleted, Member.merged_into.is_(None))
            .where(select(LedgerEntry.id).where(LedgerEntry.member_id == Member.id,
                                                 LedgerEntry.kind == EntryKind.EARN.value).exists())
        )  # fmt: skip
        row, template = _template(session, code)
        days = valid_window(template, today)
        rewarded: list[str] = []
        for member_id, referrer_id in session.execute(bought).all():
            referrer = resolve(session, str(referrer_id))
            pair = [member_id] if referrer is None else [member_id, referrer.id]
            if not within_budget(template, row, len(pair)):
                break  # the budget ran out: this pair (and the rest) wait for more budget
            for one in pair:
                _give(session, template, row, one, now, days, "rule", "referral")
            given += len(pair)
            rewarded.extend(pair)
            session.execute(update(Member).where(Member.id == member_id).values(referred_by=None))
        _new_versions(db, session, sorted(set(rewarded)), now)
    return given
