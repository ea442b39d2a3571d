"""The sale the POS started that waits for the cashier: the POS puts it (POST /pos/v1/pending), the counter shows
it, the cashier scans the member and confirms, and the POS polls the outcome. One sale at a time; thread-safe, since
the POS's requests, the GUI thread and the worker that confirms all touch it."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from localdb.errors import Problem, StoreError
from localdb.staff import StaffSession
from protocol.wire import SaleLine

#: How many finished sales' outcomes stay for the POS to poll.
_OUTCOMES_KEPT = 64


@dataclass(frozen=True, slots=True)
class PendingSale:
    receipt_no: str
    total_cents: int
    lines: tuple[SaleLine, ...]  # protocol.wire.SaleLine
    points_to_redeem: int  # 0: none asked
    started_at: datetime  # aware UTC


@dataclass(frozen=True, slots=True)
class SaleOutcome:
    receipt_no: str
    member_id: str | None
    points_earned: int
    points_redeemed: int
    discount_cents: int
    balance: int | None  # the member's available points after, None without a member
    coupon_discount_cents: int = 0  # what the coupons the cashier ticked took off (issue 18)


#: Commits a pending sale for a member (None: no member), with the member's coupons the cashier ticked (in order),
#: through the POS commit path and its idempotency.
Confirmer = Callable[[StaffSession, PendingSale, "str | None", "tuple[str, ...]"], SaleOutcome]


class PendingSales:
    """The POS's sale in progress that waits for the cashier (thread-safe)."""

    def __init__(self, confirmer: Confirmer) -> None:
        self._confirmer = confirmer
        self._lock = threading.RLock()
        self._current: PendingSale | None = None
        self._outcomes: OrderedDict[str, SaleOutcome] = OrderedDict()
        self._listeners: list[Callable[[], None]] = []

    def add_listener(self, callback: Callable[[], None]) -> None:
        """`callback` is called (on any thread) whenever `current()` changes."""
        with self._lock:
            self._listeners.append(callback)

    def current(self) -> PendingSale | None:
        with self._lock:
            return self._current

    def put(self, sale: PendingSale) -> None:
        """The POS: POST /pos/v1/pending. A new sale replaces the one waiting (the POS moved on)."""
        with self._lock:
            self._current = sale
            self._outcomes.pop(sale.receipt_no, None)
        self._notify()

    def cancel(self, receipt_no: str) -> None:
        """The POS: DELETE /pos/v1/pending/{receipt_no}. Only that sale is dropped."""
        with self._lock:
            if self._current is None or self._current.receipt_no != receipt_no:
                return
            self._current = None
        self._notify()

    def confirm(self, actor: StaffSession, member_id: str | None, coupon_ids: tuple[str, ...] = ()) -> SaleOutcome:
        """The till (off the GUI thread): commit the current sale for the member on screen (None: no member),
        through the same commit path and idempotency as POST /pos/v1/sales; raises StoreError (NO_PENDING_SALE
        when no sale waits; DUPLICATE_RECEIPT when the POS's number was used for another sale), or for the points
        the POS asked `RedeemRefused` / `sync.authorizer.RefusedOnline` (all put into words by
        `ui.messages.describe`); clears it once committed."""
        with self._lock:
            sale = self._current
        if sale is None:
            raise StoreError(Problem.NO_PENDING_SALE)
        outcome = self._confirmer(actor, sale, member_id, coupon_ids)
        with self._lock:
            self._outcomes[sale.receipt_no] = outcome
            while len(self._outcomes) > _OUTCOMES_KEPT:
                self._outcomes.popitem(last=False)
            changed = self._current is not None and self._current.receipt_no == sale.receipt_no
            if changed:
                self._current = None
        if changed:
            self._notify()
        return outcome

    def outcome(self, receipt_no: str) -> SaleOutcome | None:
        """The POS polls GET /pos/v1/pending/{receipt_no}: the outcome once confirmed, else None."""
        with self._lock:
            return self._outcomes.get(receipt_no)

    def _notify(self) -> None:
        with self._lock:
            listeners = list(self._listeners)
        for callback in listeners:
            callback()
