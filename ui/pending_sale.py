"""The POS's sale waiting at the counter: `PendingSaleLink` ties `posapi.pending.PendingSales` to the window's
`PendingSaleBar` and to the member on screen. It owns when the bar shows (a sale waits and the staff may award),
what it says, and committing the sale once: F10 for the member on screen, F11 without a member.

The POS's requests change the sale on the API's thread; `PendingSales` calls its listeners there, so the link only
emits a signal, queued to the GUI thread, and reads the sale again there. The commit runs on the database worker
(`ctx.ops.db`), one at a time: a second press while it is in flight does nothing, and once committed the sale is no
longer pending (`PendingSales.confirm` clears it), so a press after that has nothing to confirm either. The award
dialog commits a POS sale through the same `confirm_pending`, so one sale is never awarded twice.

Items on the bar: the sum of the lines' quantities for goods sold by the piece; a weighed line (a quantity with a
fraction, 0.350 kg) counts as one item, since "12.35 件" means nothing to a customer. No lines: no count, only the
total.

Thread: GUI thread; `confirm_pending` runs on the database worker.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, Signal

from localdb.changes import Changes
from localdb.errors import Problem, StoreError
from localdb.staff import StaffSession
from loyalty.roles import Permission
from ui.context import AppContext
from ui.messages import describe
from widgets.pending_sale_bar import PendingSaleBar

if TYPE_CHECKING:  # posapi.pending loads the wire schemas (pydantic): not at the window's start
    from posapi.pending import PendingSale, PendingSales, SaleOutcome
    from protocol.wire import SaleLine

MILLI = 1000


def item_count(lines: Sequence[SaleLine]) -> int | None:
    """How many items the customer is buying: whole quantities add up, a weighed line counts once; None: no lines."""
    if not lines:
        return None
    return sum(line.quantity_milli // MILLI if line.quantity_milli % MILLI == 0 else 1 for line in lines)


@dataclass(frozen=True, slots=True)
class ConfirmedSale:
    """A POS sale committed from the counter; its `changes` tell the screens the member's balance moved."""

    outcome: SaleOutcome

    @property
    def changes(self) -> Changes:
        member_id = self.outcome.member_id
        return Changes() if member_id is None else Changes.of_member(member_id)


def waiting_sale(ctx: AppContext) -> PendingSale | None:
    """The POS's sale waiting for the cashier, if the till has a POS interface and one waits."""
    pending = ctx.pending_sales
    if pending is None:
        return None
    sale = pending.current()
    if sale is None or pending.outcome(sale.receipt_no) is not None:
        return None
    return sale


def confirm_pending(
    pending: PendingSales,
    actor: StaffSession,
    receipt_no: str,
    member_id: str | None,
    coupon_ids: tuple[str, ...] = (),
) -> ConfirmedSale:
    """On the database worker: commit the sale the cashier saw (`receipt_no`) for `member_id` (None: no member).
    When the POS cancelled it or moved on to another sale meanwhile, nothing is committed (NO_PENDING_SALE): the
    cashier confirms only what was on screen."""
    sale = pending.current()
    if sale is None or sale.receipt_no != receipt_no:
        raise StoreError(Problem.NO_PENDING_SALE)
    return ConfirmedSale(pending.confirm(actor, member_id, coupon_ids))


class PendingSaleLink(QObject):
    """`refresh()` after the page or its member changed; `confirm()` (F10) and `confirm_without_member()` (F11).
    `confirmed(SaleOutcome)` on the GUI thread once a sale is committed, `failed(error)` when it was refused."""

    confirmed = Signal(object)
    # A commit refused (the exception): the bar words it; if the sale is gone meanwhile, the window does.
    failed = Signal(object)
    _changed = Signal()  # from any thread: the POS changed the sale

    def __init__(
        self,
        ctx: AppContext,
        pending: PendingSales,
        bar: PendingSaleBar,
        member_on_screen: Callable[[], str | None],
        *,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self._pending = pending
        self._bar = bar
        self._member_on_screen = member_on_screen
        self._busy = False
        self._shown_receipt: str | None = None
        self._changed.connect(self.refresh, Qt.ConnectionType.QueuedConnection)
        pending.add_listener(self._changed.emit)
        bar.confirm_pressed.connect(self.confirm)
        bar.no_member_pressed.connect(self.confirm_without_member)
        ctx.hub.staff_changed.connect(lambda _staff: self.refresh())
        self.refresh()

    @property
    def busy(self) -> bool:
        return self._busy

    def refresh(self) -> None:
        """Show the sale waiting (or hide the bar), with the button that fits the page: 确认积分 with a member."""
        sale = waiting_sale(self._ctx)
        receipt = None if sale is None else sale.receipt_no
        if receipt != self._shown_receipt and not self._busy:
            self._bar.show_note(None)  # another sale: what was said about the last one is not about this one
        self._shown_receipt = receipt
        if sale is not None:
            self._bar.show_sale(item_count(sale.lines), sale.total_cents, sale.points_to_redeem)
            self._bar.set_member_on_screen(self._member_on_screen() is not None)
        self._bar.setVisible(sale is not None and self._ctx.can(Permission.AWARD))

    def confirm(self) -> None:
        """F10: the sale for the member on screen (nothing without one: F11 is the sale without a member)."""
        member_id = self._member_on_screen()
        if member_id is not None:
            self._commit(member_id)

    def confirm_without_member(self) -> None:
        """F11: the sale without a member, offered only while no member is on screen."""
        if self._member_on_screen() is None:
            self._commit(None)

    def _commit(self, member_id: str | None) -> None:
        # The sale on screen, not whatever the POS put since (its change may still be queued to us): the worker
        # commits only that one.
        receipt = self._shown_receipt
        if self._busy or receipt is None or not self._ctx.can(Permission.AWARD) or not self._bar.isVisible():
            return
        self._busy = True
        self._bar.show_note(None)
        self._bar.set_busy(True)
        actor, pending = self._ctx.actor(), self._pending
        self._ctx.ops.db(lambda: confirm_pending(pending, actor, receipt, member_id), self._done, self._failed,
                         owner=self)  # fmt: skip

    def _done(self, result: ConfirmedSale) -> None:
        self._busy = False
        self._bar.set_busy(False)
        self.refresh()
        self.confirmed.emit(result.outcome)

    def _failed(self, error: Exception) -> None:
        self._busy = False
        self._bar.set_busy(False)
        self.refresh()
        self._bar.show_note(lambda: describe(error), error=True)
        self.failed.emit(error)
