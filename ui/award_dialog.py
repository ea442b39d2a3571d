"""Awarding points on a purchase: the amount in yuan (parsed to cents exactly) and the receipt number, a live preview
of the points from the till's rules (the member's tier, birthday month and any bonus ticked), then confirm with
Enter. The ledger writes the entry, its outbox row and its audit row in one transaction; the same receipt earns
once, and the confirm button is disabled while the write is in flight, so Enter pressed twice awards once.

While the POS has a sale waiting (`ui.pending_sale`), the dialog is that sale's: the amount and the receipt come
from the POS (read-only: no re-typing), the bonus boxes are not offered (the POS's commit takes none), and confirming
commits the POS's sale for this member through `PendingSales.confirm`, so the POS gets its outcome and the sale is
never awarded twice. Without a POS sale the amount is typed by hand, as always.

Thread: GUI thread; the award runs on the database worker (`ctx.ops.db`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QWidget,
)

from localdb.errors import Problem, StoreError
from localdb.ledger import LedgerResult
from localdb.member_view import MemberView
from loyalty.coupons import CouponRefused
from loyalty.points import EarnProblem, EarnQuote, EarnRefused, earn_points
from loyalty.roles import Permission
from loyalty.tiers import is_birthday_month
from protocol.limits import MAX_RECEIPT_LENGTH
from ui.context import AppContext
from ui.member_action import MemberActionDialog
from ui.pending_sale import ConfirmedSale, confirm_pending, item_count, waiting_sale
from widgets.display import chain_text, points_text, tier_name, yuan_text
from widgets.money_input import MoneyInput
from widgets.scan_detector import ACCEPTS_SCAN

if TYPE_CHECKING:  # posapi.pending loads the wire schemas (pydantic): not at the window's start
    from posapi.pending import SaleOutcome


class AwardDialog(MemberActionDialog):
    """`awardAmount`, `receiptNumber`, `bonus_<name>` boxes, `pointsPreview`, `confirmButton` (Enter), `errorLabel`.
    After a successful award: `result_entry` / `result_member`, accepted (and `ctx.hub.member_changed`); after the
    POS's sale is committed instead: `result_sale` (its `SaleOutcome`). `posSaleNote` says the sale is the POS's."""

    def __init__(self, ctx: AppContext, member: MemberView, *, parent: QWidget | None = None) -> None:
        super().__init__(ctx, member, name="awardDialog", permission=Permission.AWARD, member_line_name="awardMember",
                         parent=parent)  # fmt: skip
        self._rules = ctx.till.settings.current().rules
        self._birthday_month = is_birthday_month(member.birthday, ctx.till.today())
        self._pos_sale = waiting_sale(ctx)  # the POS's sale waiting: this dialog commits it (None: typed by hand)
        self.result_sale: SaleOutcome | None = None

        self._amount_label = QLabel(self)
        self._receipt_label = QLabel(self)
        self._bonus_label = QLabel(self)
        self.amount_input = MoneyInput(parent=self)
        self.amount_input.setObjectName("awardAmount")
        self.amount_input.textChanged.connect(self._amount_changed)
        self.receipt_input = QLineEdit(self)
        self.receipt_input.setObjectName("receiptNumber")
        self.receipt_input.setMaxLength(MAX_RECEIPT_LENGTH)
        self.receipt_input.setProperty(ACCEPTS_SCAN, True)  # a receipt's barcode is scanned straight into it
        self.receipt_input.setInputMethodHints(Qt.InputMethodHint.ImhNoPredictiveText)

        self._bonus_boxes: dict[str, QCheckBox] = {}
        bonus_row = QHBoxLayout()
        # The POS's commit takes no bonus: with its sale waiting none is offered, so the preview promises none.
        for name in sorted(self._rules.bonus_pct) if self._pos_sale is None else ():
            box = QCheckBox(self)
            box.setObjectName(f"bonus_{name}")
            box.toggled.connect(self._update_preview)
            self._bonus_boxes[name] = box
            bonus_row.addWidget(box)
        bonus_row.addStretch(1)
        # The member's coupons usable here today, ticked to go on this bill before the points (issue 18); on the
        # POS's sale waiting too, which commits with them.
        self.offers = ctx.till.coupons.offers(member.id)
        self.result_coupon_cents = 0
        self.coupon_list = QListWidget(self)
        self.coupon_list.setObjectName("awardCoupons")
        for offer in self.offers:
            item = QListWidgetItem(self.coupon_list)
            item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            item.setData(Qt.ItemDataRole.UserRole, offer.coupon.id)
        self.coupon_list.setMaximumHeight(24 * max(len(self.offers), 1) + 8)
        self.coupon_list.itemChanged.connect(lambda _item: self._coupons_changed())
        self._coupon_label = QLabel(self)
        self.error_label.clear_when_changed(self.receipt_input, *self._bonus_boxes.values())

        self.preview_label = QLabel(self)
        self.preview_label.setObjectName("pointsPreview")
        self.preview_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._detail_label = QLabel(self)
        self._detail_label.setObjectName("pointsPreviewDetail")
        self._detail_label.setProperty("tone", "muted")
        self._detail_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._detail_label.setWordWrap(True)

        self.pos_note = QLabel(self)
        self.pos_note.setObjectName("posSaleNote")
        self.pos_note.setProperty("tone", "muted")
        self.pos_note.setWordWrap(True)
        self.pos_note.setVisible(self._pos_sale is not None)
        if self._pos_sale is not None:
            self.amount_input.set_cents(self._pos_sale.total_cents)
            self.receipt_input.setText(self._pos_sale.receipt_no)
            for field in (self.amount_input, self.receipt_input):
                field.setReadOnly(True)

        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        form.addRow(self._amount_label, self.amount_input)
        form.addRow(self._receipt_label, self.receipt_input)
        if self._bonus_boxes:
            form.addRow(self._bonus_label, bonus_row)
        else:
            self._bonus_label.hide()  # in no layout: shown, it would sit over the heading
        if self.offers:
            form.addRow(self._coupon_label, self.coupon_list)
        else:
            self._coupon_label.hide()
            self.coupon_list.hide()
        self.lay_out(self.pos_note, form, self.preview_label, self._detail_label)
        self.setMinimumWidth(460)
        self.set_busy(False)
        self.retranslate()
        self.amount_input.setFocus()

    def inputs(self) -> Sequence[QWidget]:
        return (self.amount_input, self.receipt_input, *self._bonus_boxes.values(), self.coupon_list)

    # -- language --------------------------------------------------------------------------------------------------

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Award points"))
        self.heading.setText(self.tr("Award points on a purchase"))
        birthday = (self.tr("birthday month"),) if self._birthday_month else ()
        assert self._member is not None
        self.member_line.setText(self.member_words(tier_name(self._rules, self._member.tier), *birthday))
        self._amount_label.setText(self.tr("Purchase (yuan)"))
        self._receipt_label.setText(self.tr("Receipt number"))
        self._bonus_label.setText(self.tr("Bonus"))
        self.receipt_input.setPlaceholderText(self.tr("Scan or type the receipt number"))
        for name, box in self._bonus_boxes.items():
            box.setText(self._bonus_words(name))
        self._coupon_label.setText(self.tr("Coupons"))
        held = self.tr("%1 (until %2)")
        for row, offer in enumerate(self.offers):
            words = held.replace("%1", chain_text(offer.coupon.template.name))
            self.coupon_list.item(row).setText(words.replace("%2", offer.coupon.last_day.isoformat()))
        self._update_preview()
        self._retranslate_pos_note()
        super().retranslate()

    def _retranslate_pos_note(self) -> None:
        sale = self._pos_sale
        if sale is None:
            return
        items = item_count(sale.lines)
        if items is None:
            words = self.tr("The POS's sale waiting: the points go to it, and the POS is told.")
        else:
            words = self.tr("The POS's sale waiting (%n item(s)): the points go to it, and the POS is told.", "", items)
        if sale.points_to_redeem:
            redeem = self.tr("The POS asks to redeem %1 points too.").replace("%1", points_text(sale.points_to_redeem))
            words = f"{words} {redeem}"
        self.pos_note.setText(words)

    def confirm_words(self) -> str:
        return self.tr("Saving…") if self.busy else self.tr("Award (Enter)")

    def _bonus_words(self, name: str) -> str:
        label = self.tr("Own bag") if name == "own_bag" else name
        return self.tr("%1 (+%2 %)").replace("%1", label).replace("%2", str(self._rules.bonus_pct[name]))

    # -- preview ---------------------------------------------------------------------------------------------------

    def _bonuses(self) -> tuple[str, ...]:
        return tuple(name for name, box in self._bonus_boxes.items() if box.isChecked())

    def _coupon_ids(self) -> list[str]:
        """The ticked coupons, in the list's order (soonest to expire first)."""
        items = [self.coupon_list.item(row) for row in range(self.coupon_list.count())]
        ticked = [item for item in items if item.checkState() is Qt.CheckState.Checked]
        return [str(item.data(Qt.ItemDataRole.UserRole)) for item in ticked]

    def _coupon_cents(self, amount_cents: int) -> int:
        """What the ticked coupons take off this amount, as LedgerService.award will (raises CouponRefused)."""
        ids = self._coupon_ids()
        if not ids or self._member is None:
            return 0
        return sum(use.discount_cents for use in self._ctx.till.coupons.plan(self._member.id, ids, amount_cents))

    def _coupons_changed(self) -> None:
        self.error_label.clear_error()
        self._update_preview()

    def _quote(self, amount_cents: int) -> EarnQuote:
        """What LedgerService.award will compute for this member (same rules, tier, birthday month, bonuses), on what
        is left after the ticked coupons."""
        assert self._member is not None
        paid = amount_cents - self._coupon_cents(amount_cents) if amount_cents > 0 else amount_cents
        return earn_points(self._rules, paid, self._member.tier, birthday_month=self._birthday_month,
                           bonuses=self._bonuses())  # fmt: skip

    def _amount_changed(self) -> None:
        """A new amount: whatever was said about the old one no longer holds; the preview speaks for this one."""
        self.error_label.clear_error()
        self._update_preview()

    def _update_preview(self) -> None:
        """Live, as the cashier types: the points, or a dash; a malformed amount is explained at once."""
        text = self.amount_input.text().strip()
        try:
            quote = self._quote(self.amount_input.cents())
        except CouponRefused as refusal:  # a ticked coupon that may not go on this amount
            self.preview_label.setText("—")
            self._detail_label.setText("")
            if text and not self.busy:
                self.error_label.show_error(refusal)
            return
        except EarnRefused as refusal:
            self.preview_label.setText("—")
            self._detail_label.setText(self.tr("Points are previewed as you type the amount."))
            if text and refusal.problem is not EarnProblem.NOT_POSITIVE and not self.busy:
                self.error_label.show_error(refusal)
            elif isinstance(self.error_label.error, EarnRefused):
                self.error_label.clear_error()
            return
        if isinstance(self.error_label.error, EarnRefused | CouponRefused):
            self.error_label.clear_error()
        self.preview_label.setText(self.tr("+%1 point(s)", "", quote.points).replace("%1", points_text(quote.points)))
        self._detail_label.setText(self._detail_words(quote))

    def _detail_words(self, quote: EarnQuote) -> str:
        parts = [self.tr("%1 base").replace("%1", points_text(quote.base_points))]
        off = self._coupon_cents(self.amount_input.cents()) if self._coupon_ids() else 0
        if off:
            parts.insert(0, self.tr("coupons %1 off").replace("%1", yuan_text(off)))
        if self._birthday_month:
            parts.append(self.tr("birthday month ×%1 %").replace("%1", str(self._rules.birthday_multiplier_pct)))
        if quote.bonus_points:
            parts.append(self.tr("%1 bonus").replace("%1", points_text(quote.bonus_points)))
        return " · ".join(parts)

    # -- awarding --------------------------------------------------------------------------------------------------

    def confirm(self) -> None:
        try:
            amount_cents = self.amount_input.cents()
            if self._quote(amount_cents).points <= 0:
                raise StoreError(Problem.NOTHING_TO_AWARD)
        except (EarnRefused, StoreError, CouponRefused) as refusal:
            self.refuse(refusal)
            return
        coupon_ids, online = self._coupon_ids(), self._ctx.sync.online is True
        receipt = self.receipt_input.text().strip() or None
        bonuses = self._bonuses()
        actor, ledger = self._ctx.actor(), self._ctx.till.ledger
        assert self._member is not None
        member_id = self._member.id
        pending, sale = self._ctx.pending_sales, self._pos_sale
        if pending is not None and sale is not None:
            receipt_no, ticked = sale.receipt_no, tuple(coupon_ids)
            self.write(lambda: confirm_pending(pending, actor, receipt_no, member_id, ticked), self._sale_committed)
            return
        self.write(lambda: ledger.award(actor, member_id, amount_cents, receipt_no=receipt, bonuses=bonuses,
                                        coupon_ids=coupon_ids, online=online), self._awarded)  # fmt: skip

    def _awarded(self, result: LedgerResult) -> None:
        self.result_coupon_cents = result.coupon_cents  # to take off at the register, said on the member page
        self.entry_written(result)

    def _sale_committed(self, result: ConfirmedSale) -> None:
        self.result_sale = result.outcome
        self.accept()

    def refused(self, error: Exception) -> None:
        if isinstance(error, StoreError) and error.problem in (Problem.DUPLICATE_RECEIPT, Problem.INVALID_RECEIPT):
            field = self.receipt_input
        else:
            field = self.amount_input
        field.setFocus()
        field.selectAll()
