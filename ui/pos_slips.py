"""The slip of a sale the POS interface committed (through the POS's own call or confirmed at the counter with F10):
printed by the till's slip printer when one is set and slips print after points, as after an award typed at the
counter. `posapi` tells of each sale it wrote on its own thread (`PosService`'s `on_commit`); this object takes it
to the GUI thread with a queued signal, reads what the settings say, and hands the slip to the print worker, which
also reads the sale's lines from the store (never the GUI thread). A failure is logged by its kind only and the sale
stands: the POS has its answer and may print the figures itself.

Thread: GUI thread (the signal may be emitted from any thread).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, Signal

from localdb.slips import SlipFacts
from slip.model import Slip, SlipCoupon, SlipLine
from ui.context import AppContext
from ui.slip_printing import expiring_slip_line, printer_config, printer_set, prints_after_points, slip_language

if TYPE_CHECKING:
    from posapi.schemas import SaleResponse

log = logging.getLogger(__name__)


def _quantity(milli: int) -> int:
    """A line's quantity as the slip prints it: whole pieces; a weighed line counts once."""
    return milli // 1000 if milli % 1000 == 0 and milli >= 1000 else 1


class PosSlips(QObject):
    """`committed.emit(sale)` from any thread: the sale's slip printed when the counter prints slips."""

    committed = Signal(object)

    def __init__(self, ctx: AppContext, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self.committed.connect(self._print, Qt.ConnectionType.QueuedConnection)

    def _print(self, sale: SaleResponse) -> None:
        ctx = self._ctx
        if not (printer_set(ctx) and prints_after_points(ctx)):
            return
        config = printer_config(ctx.settings)
        language = slip_language()
        code = ctx.member_codes.get(sale.member_id) if sale.member_id else None
        staff = ctx.staff.code if ctx.staff is not None else ""
        printer = ctx.print_slip

        def work() -> None:
            printer(config, self.slip_of(sale, till_language=language, member_code=code, staff_code=staff))

        ctx.ops.print_job(work, lambda _none: None, self._failed, owner=self)

    def slip_of(self, sale: SaleResponse, *, till_language: str, member_code: str | None, staff_code: str) -> Slip:
        """The slip of `sale`, with its purchase lines as this till keeps them (read here: on the print worker)."""
        till = self._ctx.till
        config = till.settings.current()
        facts = SlipFacts.read(till.sync, config)
        lines: tuple[SlipLine, ...] = ()
        earns = [entry for entry in till.ledger.earn_for_receipt(sale.receipt_no) if entry.kind.value == "earn"]
        if earns:
            lines = tuple(
                SlipLine(line.name, _quantity(line.quantity_milli), line.amount_cents)
                for line in till.ledger.lines_of(earns[-1].id)
            )
        member = sale.member_id is not None
        return Slip(
            store_name=facts.store_name,
            store_code=facts.store_code,
            till_name=facts.till_name,
            printed_at=till.clock(),
            zone=config.zone,
            staff_code=staff_code,
            language=till_language,
            receipt_no=sale.receipt_no,
            member_phone_masked=sale.slip.phone_masked if member else None,
            purchase_cents=sale.paid_cents + sale.discount_cents + sale.coupon_discount_cents,
            lines=lines,
            coupons=tuple(
                SlipCoupon(coupon.name.get(till_language) or coupon.name.get("zh_CN", ""), coupon.discount_cents)
                for coupon in sale.coupons
            ),
            points_earned=sale.points_earned,
            points_redeemed=sale.points_redeemed,
            discount_cents=sale.discount_cents,
            new_balance=sale.balance if member else None,
            expiring=expiring_slip_line(till.expiring.soon_for(sale.member_id)) if sale.member_id else None,
            member_code=member_code if member else None,
        )

    @staticmethod
    def _failed(error: Exception) -> None:
        log.warning("a POS sale's slip did not print: %s", type(error).__name__)
