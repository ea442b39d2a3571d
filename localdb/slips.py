"""A slip (`slip.model.Slip`) made from what the till already has after an award, a redemption or a gift: the ledger's
entry and the member as they now stand (`localdb.ledger.LedgerResult`), the till's config (store code, zone) and its
registration's names. The counter's screens and the POS API both make their slips here; words a screen translates
(the tier's name) and the member's signed code (the till has one only when the member showed or fetched it) are
given by the caller.

Thread: any; `SlipFacts.read` reads one row.
"""

from __future__ import annotations

from dataclasses import dataclass

from localdb.ledger import EntryView
from localdb.member_view import MemberView
from localdb.sync_store import SyncStore
from localdb.till_config import TillConfig
from protocol.vocabulary import EntryKind
from slip.model import ExpiringPoints, Slip, SlipLine

#: The entry kinds a slip is printed for: an award (points earned on a purchase), a redemption (a discount) and a
#: gift of the catalogue (points taken for an item).
SLIP_KINDS = frozenset({EntryKind.EARN, EntryKind.REDEEM, EntryKind.GIFT})


@dataclass(frozen=True, slots=True)
class SlipFacts:
    """Who prints: the store and this till as they registered (the store code and device id before then)."""

    store_code: str
    store_name: str
    till_name: str

    @classmethod
    def read(cls, sync: SyncStore, config: TillConfig) -> SlipFacts:
        store_name = sync.store_name() or config.store_code
        till_name = sync.device_name() or config.device_id[-8:]
        return cls(store_code=config.store_code, store_name=store_name, till_name=till_name)


def has_slip(entry: EntryView) -> bool:
    return entry.kind in SLIP_KINDS


def slip_for_entry(
    entry: EntryView,
    member: MemberView,
    *,
    facts: SlipFacts,
    config: TillConfig,
    language: str,
    tier_name: str | None = None,
    member_code: str | None = None,
    lines: tuple[SlipLine, ...] = (),
    expiring: ExpiringPoints | None = None,
) -> Slip:
    """The slip of an award or a redemption (ValueError for another kind: a reversal prints nothing). The time is
    the entry's, so a reprint says when the points moved, not when the paper came out."""
    if not has_slip(entry):
        raise ValueError(f"no slip for a {entry.kind.value} entry")
    earned = entry.kind is EntryKind.EARN
    gift = config.gift(entry.gift_sku) if entry.gift_sku else None
    return Slip(
        store_name=facts.store_name,
        store_code=facts.store_code,
        till_name=facts.till_name,
        printed_at=entry.created_at,
        zone=config.zone,
        staff_code=entry.staff_code,
        language=language,
        receipt_no=entry.receipt_no,
        member_phone_masked=member.phone_masked,
        tier_name=tier_name,
        purchase_cents=entry.amount_cents if earned else None,
        lines=lines,
        points_earned=entry.points if earned else 0,
        points_redeemed=0 if earned else -entry.points,
        discount_cents=0 if earned else entry.amount_cents or 0,
        gift=None if gift is None else gift.name.in_language(language),
        new_balance=member.available_points,
        expiring=expiring,
        member_code=member_code,
    )
