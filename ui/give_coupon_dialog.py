"""发券: a store manager gives the member a coupon at the till (issue 18), from the templates the chain lets managers
give, within the chain's daily limit (the dialog says how many are left today). The coupon shows on the card at once
and goes to the server with the next sync.

Thread: GUI thread; the write runs on the database worker.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QListWidget, QListWidgetItem, QWidget

from localdb.member_view import MemberView
from loyalty.coupons import CouponKind, CouponTemplate, HeldCoupon
from loyalty.roles import Permission
from ui.context import AppContext
from ui.member_action import MemberActionDialog
from widgets.display import chain_text, points_text, yuan_text


class GiveCouponDialog(MemberActionDialog):
    """objectName `giveCouponDialog`; `template_list` (`couponTemplateList`), one row per template, its code in the
    row's user data; `limit_label` (`couponLimit`); after a coupon is given, `given`."""

    def __init__(self, ctx: AppContext, member: MemberView | None, *, parent: QWidget | None = None) -> None:
        super().__init__(ctx, member, name="giveCouponDialog", permission=Permission.APPROVE,
                         member_line_name="giveCouponMember", parent=parent)  # fmt: skip
        config = ctx.till.settings.current()
        self.templates: tuple[CouponTemplate, ...] = config.manager_coupons
        self._limit = config.manager_daily_limit
        self._given_today = ctx.till.coupons.given_today()
        self.given: HeldCoupon | None = None
        self.template_list = QListWidget(self)
        self.template_list.setObjectName("couponTemplateList")
        self.template_list.itemSelectionChanged.connect(lambda: self.confirm_button.setEnabled(self.can_confirm()))
        self.template_list.itemDoubleClicked.connect(lambda _item: self._confirm_pressed())
        self.limit_label = QLabel(self)
        self.limit_label.setObjectName("couponLimit")
        self.limit_label.setProperty("tone", "muted")
        self.lay_out(self.template_list, self.limit_label, stretch=self.template_list)
        self.setMinimumSize(520, 380)
        self.retranslate()
        self.set_busy(False)
        self.template_list.setFocus()

    def inputs(self) -> Sequence[QWidget]:
        return (self.template_list,)

    def can_confirm(self) -> bool:
        return super().can_confirm() and self.chosen() is not None and self._given_today < self._limit

    def chosen(self) -> CouponTemplate | None:
        item = self.template_list.currentItem()
        if item is None or not item.isSelected():
            return None
        code = item.data(Qt.ItemDataRole.UserRole)
        return next((template for template in self.templates if template.code == code), None)

    def confirm(self) -> None:
        template, member = self.chosen(), self._member
        if template is None or member is None:
            return
        actor, coupons, code = self._ctx.actor(), self._ctx.till.coupons, template.code
        self.write(lambda: coupons.give(actor, member.id, code), self._done)

    def _done(self, coupon: HeldCoupon) -> None:
        self.given = coupon
        self.accept()

    def refused(self, error: Exception) -> None:
        self.template_list.setFocus()

    def confirm_words(self) -> str:
        return self.tr("Saving…") if self.busy else self.tr("Give (Enter)")

    def _terms(self, template: CouponTemplate) -> str:
        if template.kind is CouponKind.AMOUNT_OFF:
            terms = self.tr("%1 off").replace("%1", yuan_text(template.amount_off_cents))
        elif template.kind is CouponKind.PERCENT_OFF:
            terms = self.tr("%1 % off").replace("%1", str(template.percent_off))
        else:
            terms = self.tr("a gift")
        if template.min_spend_cents:
            terms += self.tr(", on %1 or more").replace("%1", yuan_text(template.min_spend_cents))
        return terms

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Give a coupon"))
        self.heading.setText(self.tr("Give the member a coupon"))
        self.member_line.setText(self.member_words())
        chosen = self.chosen()
        self.template_list.clear()
        for template in self.templates:
            words = f"{chain_text(template.name)} — {self._terms(template)}"
            item = QListWidgetItem(words, self.template_list)
            item.setData(Qt.ItemDataRole.UserRole, template.code)
            if chosen is not None and chosen.code == template.code:
                item.setSelected(True)
                self.template_list.setCurrentItem(item)
        left = max(self._limit - self._given_today, 0)
        self.limit_label.setText(
            self.tr("Coupons managers may still give at this till today: %1 of %2")
            .replace("%1", points_text(left))
            .replace("%2", points_text(self._limit))
        )
        super().retranslate()
