"""兑换礼品: the member takes an item of the gift catalogue for its points (issue 18). Opened by Shift+F3 on the member
page, or from the redeem dialog (points are used either way). The list shows each item with
its price and what is left by this till's count, cheapest first; an item not offered today, or dearer than the
member's points, cannot be chosen. Offline the day's stand-in cap applies as to a redemption, and a manager may
approve going over it (F8). An item the count says is gone can still be handed over (the cashier has it in hand):
the server flags it.

Thread: GUI thread; the write runs on the database worker.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QListWidget, QListWidgetItem, QWidget

from localdb.errors import Problem, StoreError
from localdb.gifts import GiftOffer
from localdb.member_view import MemberView
from localdb.staff import StaffSession
from loyalty.roles import Permission
from ui.context import AppContext
from ui.member_action import MemberActionDialog
from widgets.display import chain_text, points_text

GIFT_KEY = QKeySequence(Qt.KeyboardModifier.ShiftModifier | Qt.Key.Key_F3)  # redeem is F3: gifts beside it


class GiftDialog(MemberActionDialog):
    """objectName `giftDialog`; `gift_list` (`giftList`), one row per item, its SKU in the row's user data."""

    def __init__(self, ctx: AppContext, member: MemberView | None, *, parent: QWidget | None = None) -> None:
        super().__init__(ctx, member, name="giftDialog", permission=Permission.REDEEM, member_line_name="giftMember",
                         with_approval=True, parent=parent)  # fmt: skip
        self.offers: list[GiftOffer] = ctx.till.gifts.offers()
        self.gift_list = QListWidget(self)
        self.gift_list.setObjectName("giftList")
        self.gift_list.itemSelectionChanged.connect(lambda: self.confirm_button.setEnabled(self.can_confirm()))
        self.gift_list.itemDoubleClicked.connect(lambda _item: self._confirm_pressed())
        self.lay_out(self.gift_list, stretch=self.gift_list)
        self.setMinimumSize(520, 420)
        self.retranslate()
        self.set_busy(False)
        self.gift_list.setFocus()

    def inputs(self) -> Sequence[QWidget]:
        return (self.gift_list,)

    def can_confirm(self) -> bool:
        return super().can_confirm() and self.chosen() is not None

    def chosen(self) -> GiftOffer | None:
        item = self.gift_list.currentItem()
        if item is None or not item.isSelected():
            return None
        sku = item.data(Qt.ItemDataRole.UserRole)
        return next((offer for offer in self.offers if offer.gift.sku == sku), None)

    def confirm(self) -> None:
        self._write(None)

    def _write(self, approver: StaffSession | None) -> None:
        offer, member = self.chosen(), self._member
        if offer is None or member is None:
            return
        actor, ledger, sku = self._ctx.actor(), self._ctx.till.ledger, offer.gift.sku
        self.write(lambda: ledger.redeem_gift(actor, member.id, sku, approver=approver), self.entry_written)

    def refused(self, error: Exception) -> None:
        self.withdraw_approval()
        if isinstance(error, StoreError) and error.problem is Problem.OVER_OFFLINE_CAP:
            self.offer_approval(self._write)  # a manager's approval hands over the same gift
            return
        self.gift_list.setFocus()

    def confirm_words(self) -> str:
        return self.tr("Saving…") if self.busy else self.tr("Hand over (Enter)")

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Gifts for points"))
        self.heading.setText(self.tr("Choose a gift"))
        self.member_line.setText(self.member_words())
        chosen = self.chosen()
        self.gift_list.clear()
        available = self._member.available_points if self._member is not None else 0
        for offer in self.offers:
            words = self.tr("%1 — %2 points · %3 left").replace("%1", chain_text(offer.gift.name))
            words = words.replace("%2", points_text(offer.gift.points)).replace("%3", points_text(offer.left))
            if offer.problem is not None:
                words += " · " + self.tr("not offered today")
            elif offer.gift.points > available:
                words += " · " + self.tr("not enough points")
            item = QListWidgetItem(words, self.gift_list)
            item.setData(Qt.ItemDataRole.UserRole, offer.gift.sku)
            if offer.problem is not None or offer.gift.points > available:
                item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEnabled & ~Qt.ItemFlag.ItemIsSelectable)
            elif chosen is not None and chosen.gift.sku == offer.gift.sku:
                item.setSelected(True)
                self.gift_list.setCurrentItem(item)
        if not self.offers:
            QListWidgetItem(self.tr("The chain offers no gifts at this store yet."), self.gift_list).setFlags(
                Qt.ItemFlag.NoItemFlags
            )
        super().retranslate()
