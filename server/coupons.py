"""The chain's coupon templates and the coupons issued from them by a campaign (issue 18; docs/benefits.md).

- **Templates** (`put_template`, `templates`): stored by code as their checked JSON form
  (`loyalty.coupons.CouponTemplate`); writing a template again replaces its terms and keeps what was issued from it.
- **A campaign** (`issue_campaign`): one coupon to each live member the template's audience takes (tiers, segments,
  tags) **who consented to marketing**, and who does not already hold an unused one from it (so running a campaign
  twice issues nobody a second coupon), until the template's budget (a number of coupons, or face value) runs out.
  Each coupon records its campaign, its time and its days of use; the admin log records the campaign's counts. No
  names or phones are read or written.

Not yet: the tills do not receive coupons, nobody can use one, and the rules that issue coupons by themselves
(welcome, birthday, tier upgrade, win-back, referral) are to come.

Thread: the admin command line.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session
from uuid6 import uuid7

from loyalty.clock import store_day, store_zone
from loyalty.coupons import CouponTemplate, valid_window
from server.db import ServerDatabase
from server.member_insight import stored_list
from server.models import AdminLog, Coupon, CouponTemplateRow, Member

_CHUNK = 5_000


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


def templates(session: Session) -> list[tuple[CouponTemplate, int, int]]:
    """Every template with the number and face value of the coupons issued from it, by code."""
    rows = session.scalars(select(CouponTemplateRow).order_by(CouponTemplateRow.code))
    return [(CouponTemplate.from_dict(row.document), row.issued_count, row.issued_cents) for row in rows]


def issue_campaign(db: ServerDatabase, code: str, campaign: str) -> CampaignReport:
    """Issue the template's coupons to its audience (see the module's note), a chunk of members per transaction."""
    now = db.clock()
    today = store_day(now, store_zone())
    issued = holding = no_consent = over_budget = 0
    for session, template, row, members in _audience_chunks(db, code):
        first, last = valid_window(template, today)
        held = set(
            session.scalars(
                select(Coupon.member_id).where(
                    Coupon.template_code == code,
                    Coupon.used_at.is_(None),
                    Coupon.last_day >= today,
                    Coupon.member_id.in_([member_id for member_id, _consent in members]),
                )
            )
        )
        for member_id, consent in members:
            if member_id in held:
                holding += 1
            elif not consent:
                no_consent += 1
            elif not _within_budget(template, row):
                over_budget += 1
            else:
                session.add(Coupon(id=str(uuid7()), template_code=code, member_id=member_id, source="campaign",
                                   campaign=campaign, issued_at=now, first_day=first, last_day=last))  # fmt: skip
                row.issued_count += 1
                row.issued_cents += template.face_cents
                issued += 1
    with db.write() as session:
        detail = f"template={code} campaign={campaign} issued={issued} holding={holding} no_consent={no_consent} "
        session.add(AdminLog(at=now, action="coupon_campaign", detail=detail + f"over_budget={over_budget}"))
    return CampaignReport(issued, holding, no_consent, over_budget)


def _within_budget(template: CouponTemplate, row: CouponTemplateRow) -> bool:
    if template.budget_count is not None and row.issued_count >= template.budget_count:
        return False
    return template.budget_cents is None or row.issued_cents + template.face_cents <= template.budget_cents


def _audience_chunks(
    db: ServerDatabase, code: str
) -> Iterator[tuple[Session, CouponTemplate, CouponTemplateRow, list[tuple[str, bool]]]]:
    """Each chunk of live members the template's audience takes, as (id, marketing consent), in a write
    transaction with the template's row (its counts written with the chunk's coupons)."""
    after = ""
    while True:
        with db.write() as session:
            row = session.get(CouponTemplateRow, code)
            if row is None:
                raise UnknownTemplate(code)
            template = CouponTemplate.from_dict(row.document)
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
                if not template.tags or template.tags.intersection(stored_list(member.tags))
            ]
            yield session, template, row, members


def issued_to(session: Session, member_id: str) -> list[Coupon]:
    """The coupons a member holds, newest first."""
    return list(session.scalars(select(Coupon).where(Coupon.member_id == member_id).order_by(Coupon.issued_at.desc())))
