"""A member's data rights at the server (PIPL), as the chain administrator's actions: erase a member (`erase`),
merge a duplicate into the member kept (`merge_members`), and export everything held about one member for a
subject-access request (`export`). Erasure and merge leave tombstones in the change feed (`server.changes`) that
every till applies on its next pull (docs/operations.md, "Data rights").

A member is named by id (UUID) or by mobile phone number. Each action is one write transaction with an `AdminLog`
row naming ids only. Refusals raise `server.admin.AdminError`.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from loyalty.phone import InvalidPhone, parse_mobile
from protocol.vocabulary import KIND_RULES, ErrorCode
from server import chain, members
from server.admin import AdminError
from server.db import ServerDatabase
from server.models import (
    AdminLog,
    ConflictingItem,
    ConsentEvent,
    Coupon,
    EntryLines,
    LedgerEntry,
    Member,
    Preference,
)


def _find(session: Session, ref: str) -> Member:
    """The member a reference names: an id (any state), else a live member's phone. Raises AdminError."""
    text = ref.strip()
    member = session.get(Member, text)
    if member is not None:
        return member
    try:
        e164 = parse_mobile(text)
    except InvalidPhone:
        raise AdminError("no member with this id (and it is not a mobile number)", ErrorCode.UNKNOWN_MEMBER) from None
    member = members.find_by_phone(session, e164)
    if member is None:
        raise AdminError("no member with this id or phone", ErrorCode.UNKNOWN_MEMBER)
    return member


def _live(session: Session, ref: str, what: str) -> Member:
    member = _find(session, ref)
    if member.deleted:
        raise AdminError(f"{what}: the member was erased already", ErrorCode.MEMBER_ERASED)
    if member.merged_into is not None:
        raise AdminError(f"{what}: the member was merged into {member.merged_into}", ErrorCode.UNKNOWN_MEMBER)
    return member


def erase(db: ServerDatabase, ref: str) -> str:
    """Erase a member at their request: name, phone, birthday, gender, card, tags, every preference and any
    conflicting replay kept about them gone; the ledger keeps its figures under the member's id, and what they
    bought stays with those entries (their purchase lines), tied to an id nothing personal points to any more.
    Returns the id. Tills drop the member on their next pull."""
    with db.write() as session:
        member = _live(session, ref, "delete-member")
        member_id = member.id
        members.delete(session, db, member_id)
        _forget_conflicting_items(session, member_id)
        session.add(AdminLog(at=db.clock(), action="delete_member", detail=f"member={member_id}"))
    return member_id


def _forget_conflicting_items(session: Session, member_id: str) -> None:
    """Replays kept for inspection (`conflicting_item`) whose body names the member with personal details."""
    kinds = ("enrol", "member_edit", "preference")
    for item in session.scalars(select(ConflictingItem).where(ConflictingItem.type.in_(kinds))).all():
        if isinstance(item.body, dict) and item.body.get("member_id") == member_id:
            session.delete(item)


def merge_members(db: ServerDatabase, keep_ref: str, gone_ref: str) -> tuple[str, str]:
    """Merge the duplicate `gone` into `keep`: its ledger, preferences and balance move over, `gone` becomes a
    tombstone pointing at `keep`. Returns (kept id, gone id). Tills move the gone member's rows on their next pull
    and find the kept member by the gone one's phone or card."""
    with db.write() as session:
        keep = _live(session, keep_ref, "merge-members KEEP")
        gone = _live(session, gone_ref, "merge-members GONE")
        if keep.id == gone.id:
            raise AdminError("merge-members: KEEP and GONE are the same member")
        keep_id, gone_id = keep.id, gone.id
        members.merge(session, db, gone_id, keep_id)
        session.add(AdminLog(at=db.clock(), action="merge_members", detail=f"keep={keep_id} gone={gone_id}"))
    return keep_id, gone_id


def record_consent(
    session: Session, member_id: str, changes: dict[str, bool], staff_code: str | None, device_id: str | None,
    at: datetime,
) -> None:  # fmt: skip
    """Add the consent history rows for one change (enrolment, a till's consent change)."""
    for field, value in changes.items():
        session.add(
            ConsentEvent(member_id=member_id, field=field, value=value, staff_code=staff_code, device_id=device_id,
                         at=at)
        )  # fmt: skip


def _time(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _day(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def export(db: ServerDatabase, ref: str) -> dict[str, Any]:
    """Everything the server holds about one member (a subject-access request), as JSON-ready data: the member row,
    preferences (removed ones too, with when), tags, ledger, visits, coupons, cards and the consent history. Members
    merged into this one contribute their consent history and appear under `merged_from`."""
    with db.read() as session:
        member = _find(session, ref)
        merged_from = list(session.scalars(select(Member.id).where(Member.merged_into == member.id)))
        ids = [member.id, *merged_from]
        revoked = set(chain.revoked_cards(session))
        preferences = session.scalars(
            select(Preference).where(Preference.member_id == member.id).order_by(Preference.id)
        ).all()
        ledger = session.scalars(
            select(LedgerEntry).where(LedgerEntry.member_id == member.id).order_by(LedgerEntry.received_at)
        ).all()
        bought: dict[str, list[dict[str, Any]]] = {
            entry_id: lines  # a refund's lines are those given back
            for entry_id, lines in session.execute(
                select(EntryLines.entry_id, EntryLines.lines)
                .join(LedgerEntry, LedgerEntry.id == EntryLines.entry_id)
                .where(LedgerEntry.member_id == member.id)
            )
        }
        consents = session.scalars(
            select(ConsentEvent).where(ConsentEvent.member_id.in_(ids)).order_by(ConsentEvent.at, ConsentEvent.id)
        ).all()
        visit_kinds = {kind.value for kind, rule in KIND_RULES.items() if rule.visit}
        return {
            "member": {
                "id": member.id, "phone": member.phone, "name": member.name, "gender": member.gender,
                "birthday": _day(member.birthday), "tier": member.tier, "spend_12m_cents": member.spend_12m_cents,
                "balance": member.balance, "segment": member.segment, "consent_marketing": member.consent_marketing,
                "consent_profile": member.consent_profile, "home_store": member.home_store,
                "last_visit_at": _time(member.last_visit_at), "visits_90d": member.visits_90d,
                "created_at": _time(member.created_at), "updated_at": _time(member.updated_at),
                "deleted": member.deleted, "merged_into": member.merged_into,
            },
            "merged_from": merged_from,
            "preferences": [
                {"kind": p.kind, "value": p.value, "source": p.source, "staff_code": p.staff_code,
                 "created_at": _time(p.created_at), "removed_at": _time(p.removed_at)}
                for p in preferences
            ],
            "tags": list(member.tags or []),
            "ledger": [
                {"id": e.id, "kind": e.kind, "points": e.points, "amount_cents": e.amount_cents,
                 "receipt_no": e.receipt_no, "store_code": e.store_code, "staff_code": e.staff_code,
                 "created_at": _time(e.created_at), "received_at": _time(e.received_at), "reverses": e.reverses,
                 "refund_of": e.refund_of, "status": e.status, "reason": e.reason, "lines": bought.get(e.id, [])}
                for e in ledger
            ],
            "visits": [
                {"at": _time(e.created_at), "store_code": e.store_code, "kind": e.kind,
                 "amount_cents": e.amount_cents}
                for e in ledger
                if e.kind in visit_kinds
            ],
            "coupons": [
                {"template": c.template_code, "source": c.source, "campaign": c.campaign, "staff_code": c.staff_code,
                 "issued_at": _time(c.issued_at), "first_day": _day(c.first_day), "last_day": _day(c.last_day),
                 "used_at": _time(c.used_at), "used_store": c.used_store}
                for c in session.scalars(select(Coupon).where(Coupon.member_id == member.id).order_by(Coupon.issued_at))
            ],
            "cards": []
            if member.card_serial is None
            else [{"serial": member.card_serial, "revoked": member.card_serial in revoked}],
            "consent_history": [
                {"field": c.field, "value": c.value, "staff_code": c.staff_code, "device_id": c.device_id,
                 "at": _time(c.at), "member_id": c.member_id}
                for c in consents
            ],
        }  # fmt: skip


def forget_preferences(session: Session, member_ids: list[str]) -> None:
    """Delete every preference row of these members (erasure, consent withdrawn): nothing of them is kept."""
    if member_ids:
        session.execute(delete(Preference).where(Preference.member_id.in_(member_ids)))
