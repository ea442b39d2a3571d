"""The member screen: the member card and what the staff can do with this member. `MemberPage` owns which member
is shown, keeping the card true (it re-reads on `member_changed` for its member and on `members_reloaded`), and the
action buttons, each shown only to a role that may use it: award (F2), redeem (F3), reverse (F4), a return (退货,
Ctrl+R: every F-key is taken at window level), preferences (F6), the card's QR code, edit the member and reissue a
lost card (managers only), and back to the lookup (Esc). After an award, a redemption, a reversal or a return the
outcome banner shows what moved, and where a slip printer is set the slip prints by itself
(`ui.slip_printing`, on the print worker) and 打印小票 under the banner prints it again; a failed print is said in
words under it and never touches the points, which were committed before the slip was made.

The dialogs belong to their own modules; they are opened window-modal with `open()` so this page never runs a
nested event loop. Reads are single lookups and run on the GUI thread.

Thread: GUI thread.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Protocol

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence, QResizeEvent, QShortcut
from PySide6.QtWidgets import QDialog, QHBoxLayout, QLabel, QPushButton, QSizePolicy, QVBoxLayout, QWidget

from localdb.ledger import EntryView
from localdb.member_view import MemberView
from localdb.preferences import PreferenceView
from localdb.slips import has_slip
from loyalty.roles import Permission
from protocol.vocabulary import EntryKind
from ui.award_dialog import AwardDialog
from ui.context import AppContext
from ui.error_line import ErrorLine
from ui.gift_dialog import GIFT_KEY, GiftDialog
from ui.give_coupon_dialog import GiveCouponDialog
from ui.member_code_dialog import MemberCodeDialog
from ui.member_edit_dialog import MemberEditDialog
from ui.messages import is_refusal
from ui.redeem_dialog import RedeemDialog
from ui.reissue_card_dialog import ReissueCardDialog
from ui.return_dialog import ReturnDialog, ReturnOutcome
from ui.reverse_dialog import ReverseDialog
from ui.slip_printing import entry_slip, print_in_background, printer_set, prints_after_points
from widgets.display import points_text, signed_points_text, yuan_text
from widgets.member_card import MemberCard
from widgets.retranslating import Retranslating

if TYPE_CHECKING:  # posapi.pending loads the wire schemas (pydantic): not at the window's start
    from posapi.pending import SaleOutcome

log = logging.getLogger(__name__)

RETURN_KEY = QKeySequence(Qt.Modifier.CTRL | Qt.Key.Key_R)  # 退货: F1–F12 are the window's, F8 the dialogs'
LARGE_TYPE_WIDTH = 1600  # page width from which the card uses its larger type (a 1920-wide window; 1366 is not)


class MemberDialog(Protocol):
    """How every dialog about the shown member is made: `AwardDialog(ctx, member, parent=page)` and its siblings."""

    def __call__(self, ctx: AppContext, member: MemberView, *, parent: QWidget | None = None) -> QDialog: ...


class MemberPage(Retranslating, QWidget):
    """`show_member(member_id)`; signals `back()` and `preferences_requested(member_id)`."""

    back = Signal()
    preferences_requested = Signal(str)
    # A digit typed on the page (not a scan): the first of a new lookup.
    lookup_typed = Signal(str)

    def __init__(self, ctx: AppContext, *, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("memberPage")
        self._ctx = ctx
        self._member_id: str | None = None
        self._member: MemberView | None = None

        self.card = MemberCard(parent=self)
        # What the last award, redemption or reversal did, in large type, until the next member: the cashier reads
        # the discount to key into the register, the customer sees their new balance.
        self.outcome = QLabel(self)
        self.outcome.setObjectName("outcomeBanner")
        self.outcome.setWordWrap(True)
        self.outcome.hide()
        self._outcome: tuple[EntryView, MemberView] | SaleOutcome | ReturnOutcome | None = None
        self._coupon_cents = 0  # what an award's coupons took off the bill (said with the award's outcome)
        # The outcome's slip: 打印小票 (again), what the printer did, and a failure in words.
        self.print_slip_button = _button("printSlipButton")
        self.print_slip_button.clicked.connect(self.print_slip)
        self.slip_status = QLabel(self)
        self.slip_status.setObjectName("slipStatus")
        self.slip_status.setProperty("tone", "muted")
        self.slip_error = ErrorLine(self, name="slipError")
        self._slip_state: str | None = None  # "printing" / "printed" for the outcome shown; None: nothing said
        self.error_label = ErrorLine()
        self.award_button = _button("awardButton", primary=True)
        self.redeem_button = _button("redeemButton", primary=True)
        self.reverse_button = _button("reverseButton")
        self.return_button = _button("returnButton")
        self.preferences_button = _button("preferencesButton")
        self.member_code_button = _button("memberCodeButton")
        self.edit_button = _button("editMemberButton")
        self.reissue_card_button = _button("reissueCardButton")
        self.back_button = _button("backButton")
        # 发券: a manager gives the member a coupon; under the card, shown when the chain lets managers give some
        self.give_coupon_button = QPushButton(self)
        self.give_coupon_button.setObjectName("giveCouponButton")
        self.give_coupon_button.setAutoDefault(False)
        self.give_coupon_button.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Fixed)  # its words' width
        self.give_coupon_button.clicked.connect(lambda: self._open(GiveCouponDialog))
        # Page shortcuts (a QShortcut, not the button's own: QAbstractButton.setText replaces that with the mnemonic).
        # They work only while this page shows; a key whose button the role does not see does nothing.
        self._shortcuts = {Qt.Key.Key_F2: self.award_button, Qt.Key.Key_F3: self.redeem_button,
                           Qt.Key.Key_F4: self.reverse_button, Qt.Key.Key_F7: self.member_code_button}  # fmt: skip
        for key, button in self._shortcuts.items():
            shortcut = QShortcut(QKeySequence(key), self)
            shortcut.activated.connect(lambda button=button: _press(button))
        QShortcut(RETURN_KEY, self).activated.connect(lambda: _press(self.return_button))
        # F6 and Esc are the main window's shortcuts too (preferences, back): two shortcuts on one key cancel each
        # other, so the page takes these keys only when no window shortcut did (keyPressEvent), e.g. on its own.
        self._keys = {Qt.Key.Key_F6: self.preferences_button, Qt.Key.Key_Escape: self.back_button}
        self._by_permission = (
            (self.award_button, Permission.AWARD),
            (self.redeem_button, Permission.REDEEM),
            (self.reverse_button, Permission.REVERSE),
            (self.return_button, Permission.REVERSE),
            (self.preferences_button, Permission.VIEW_PREFERENCES),
            (self.member_code_button, Permission.LOOKUP),
            (self.edit_button, Permission.EDIT_MEMBER),
            (self.reissue_card_button, Permission.APPROVE),  # a manager's action: a card re-issued revokes the old
        )
        self.award_button.clicked.connect(lambda: self._open(AwardDialog))
        self.redeem_button.clicked.connect(lambda: self._open(RedeemDialog))
        # 兑换礼品 has no button of its own (a tenth would push the column past a 1280 x 720 window): Shift+F3 here, and
        # the redeem dialog's own button, open it.
        QShortcut(GIFT_KEY, self).activated.connect(self.open_gifts)
        self.reverse_button.clicked.connect(lambda: self._open(ReverseDialog))
        self.return_button.clicked.connect(lambda: self._open(ReturnDialog))
        self.member_code_button.clicked.connect(lambda: self._open(MemberCodeDialog))
        self.edit_button.clicked.connect(lambda: self._open(MemberEditDialog))
        self.reissue_card_button.clicked.connect(lambda: self._open(ReissueCardDialog))
        self.preferences_button.clicked.connect(self._preferences)
        self.back_button.clicked.connect(self.back)

        actions = QVBoxLayout()
        actions.setSpacing(6)  # nine buttons for a manager, all full height in a 1280 x 720 window
        for button, _permission in self._by_permission:
            actions.addWidget(button)
        actions.addStretch(1)
        actions.addWidget(self.back_button)
        body = QHBoxLayout()
        body.setSpacing(20)
        card_column = QVBoxLayout()
        card_column.addWidget(self.card)
        card_column.addWidget(self.outcome)
        slip_row = QHBoxLayout()
        slip_row.addWidget(self.print_slip_button)
        slip_row.addWidget(self.slip_status, 1)
        slip_row.addStretch(0)
        slip_row.addWidget(self.give_coupon_button, 0, Qt.AlignmentFlag.AlignRight)
        card_column.addLayout(slip_row)
        card_column.addWidget(self.slip_error)
        card_column.addStretch(1)  # the card keeps its own height: no empty panel under the facts
        body.addLayout(card_column, 1)
        body.addLayout(actions)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 20)
        layout.addWidget(self.error_label)
        layout.addLayout(body, 1)

        ctx.hub.member_changed.connect(self._member_changed)
        ctx.hub.members_reloaded.connect(self.refresh)
        ctx.hub.staff_changed.connect(self._staff_changed)
        self._apply_role()
        self.retranslate()

    # -- the member ----------------------------------------------------------------------------------------------

    @property
    def member(self) -> MemberView | None:
        """The member as last read (None before the first or after a failed read)."""
        return self._member

    def show_member(self, member_id: str) -> bool:
        """Read the member and their preferences and fill the card; False (with the reason shown) when it fails."""
        if member_id != self._member_id:
            self._show_outcome(None)  # the next member: the last one's outcome is not theirs
        self._member_id = member_id
        shown = self.refresh()
        if shown:  # the card opened: the chain's purchase history is asked for now, off this thread
            self._ctx.history.open(member_id)
        return shown

    def refresh(self) -> bool:
        """Re-read the shown member (after a change, a pull or a login)."""
        if self._member_id is None or self._ctx.staff is None:
            return False
        actor = self._ctx.actor()
        try:
            member = self._ctx.till.members.get(actor, self._member_id)
            preferences: list[PreferenceView] = []
            if self._ctx.can(Permission.VIEW_PREFERENCES):
                preferences = self._ctx.till.preferences.list(actor, self._member_id)
            offers = self._ctx.till.coupons.offers(self._member_id)
            expiring = self._ctx.till.expiring.soon(member)
        except Exception as error:  # a refusal is explained; anything else is a bug, logged without the data
            if not is_refusal(error):
                log.error("reading a member failed: %s", type(error).__name__)
            self._member = None
            self.card.clear_member()
            self.error_label.show_error(error)
            self._apply_role()
            return False
        self._member = member
        self.error_label.clear_error()
        config = self._ctx.till.settings.current()
        self.card.show_member(
            member,
            rules=config.rules,
            preferences=preferences,
            today=self._ctx.till.today(),
            zone=config.zone,
            insight=config.insight,
            coupons=[offer.coupon for offer in offers if offer.problem is None],
            expiring=expiring,
        )
        self._apply_role()
        return True

    def _staff_changed(self, staff: object) -> None:
        if staff is None:  # logged out or locked: nothing of this member stays on screen
            self._member_id = self._member = None
            self.card.clear_member()
            self._show_outcome(None)
            self.error_label.clear_error()
            self._apply_role()
        else:
            self._apply_role()
            self.refresh()

    def _member_changed(self, member_id: str) -> None:
        if member_id == self._member_id:
            self.refresh()

    # -- actions -------------------------------------------------------------------------------------------------

    def _apply_role(self) -> None:
        for button, permission in self._by_permission:
            button.setVisible(self._ctx.can(permission))
            button.setEnabled(self._member is not None)
        gives = self._ctx.can(Permission.APPROVE) and bool(self._ctx.till.settings.current().manager_coupons)
        self.give_coupon_button.setVisible(gives)
        self.give_coupon_button.setEnabled(self._member is not None)

    def _open(self, factory: MemberDialog) -> None:
        member = self._member
        if member is None:
            return
        dialog = factory(self._ctx, member, parent=self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)  # a cashier opens hundreds a day
        dialog.finished.connect(lambda _result: self._dialog_done(dialog))
        dialog.open()

    def open_gifts(self) -> None:
        """兑换礼品 for the member shown, when this role may redeem."""
        if self._ctx.can(Permission.REDEEM):
            self._open(GiftDialog)

    def _dialog_done(self, dialog: QDialog) -> None:
        if getattr(dialog, "wants_gifts", False):  # the redeem dialog's 兑换礼品: the member takes a gift instead
            self.open_gifts()
            return
        self.refresh()  # the card is true even if the dialog said nothing
        entry, member = getattr(dialog, "result_entry", None), getattr(dialog, "result_member", None)
        if isinstance(entry, EntryView) and isinstance(member, MemberView) and entry.member_id == self._member_id:
            self._coupon_cents = int(getattr(dialog, "result_coupon_cents", 0) or 0)
            self._show_outcome((entry, member))
            if has_slip(entry) and prints_after_points(self._ctx):
                self.print_slip()
        returned: ReturnOutcome | None = getattr(dialog, "result_return", None)
        if returned is not None and returned.member_id == self._member_id:
            self._show_outcome(returned)
        sale: SaleOutcome | None = getattr(dialog, "result_sale", None)  # the award dialog committed the POS's sale
        if sale is not None:
            self.show_sale_outcome(sale)

    def show_sale_outcome(self, outcome: SaleOutcome) -> None:
        """The POS's sale just committed for this member (F10 or the award dialog): points earned and redeemed, the
        discount to take off at the register, the balance. Another member's outcome is not shown here."""
        if outcome.member_id is not None and outcome.member_id == self._member_id:
            self._show_outcome(outcome)

    def _show_outcome(self, outcome: tuple[EntryView, MemberView] | SaleOutcome | ReturnOutcome | None) -> None:
        if not isinstance(outcome, tuple):
            self._coupon_cents = 0
        self._outcome = outcome
        self.outcome.setVisible(outcome is not None)
        self._slip_state = None
        self.slip_error.clear_error()
        self._retranslate_outcome()
        self.printer_changed()

    # -- the slip --------------------------------------------------------------------------------------------------

    def _entry_outcome(self) -> tuple[EntryView, MemberView] | None:
        """The outcome shown when it is an entry made at this screen (a POS sale's slip is the POS interface's)."""
        return self._outcome if isinstance(self._outcome, tuple) else None

    def printer_changed(self) -> None:
        """The printer settings may have changed: 打印小票 shows for an award's or redemption's outcome when a
        printer is set."""
        outcome = self._entry_outcome()
        can_print = outcome is not None and has_slip(outcome[0]) and printer_set(self._ctx)
        self.print_slip_button.setVisible(can_print)
        self.print_slip_button.setEnabled(self._slip_state != "printing")
        self.slip_status.setVisible(can_print and self._slip_state is not None)

    def print_slip(self) -> None:
        """Print the outcome's slip on the print worker (after the award by itself, or 打印小票 again)."""
        outcome = self._entry_outcome()
        if outcome is None or not has_slip(outcome[0]) or self._slip_state == "printing":
            return
        entry, member = outcome
        self.slip_error.clear_error()
        try:
            slip = entry_slip(self._ctx, entry, member)
        except Exception as error:  # reading the store's names failed: say so; the points are saved regardless
            log.error("making a slip failed: %s", type(error).__name__)
            self._slip_failed(entry.id, error)
            return
        self._set_slip_state("printing")
        print_in_background(self._ctx, slip, lambda _none: self._slip_printed(entry.id),
                            lambda error: self._slip_failed(entry.id, error), owner=self)  # fmt: skip

    def _slip_printed(self, entry_id: str) -> None:
        outcome = self._entry_outcome()
        if outcome is not None and outcome[0].id == entry_id:
            self._set_slip_state("printed")

    def _slip_failed(self, entry_id: str, error: Exception) -> None:
        outcome = self._entry_outcome()
        if outcome is None or outcome[0].id != entry_id:
            return  # the next member is on screen: their banner is not about this slip
        self._set_slip_state(None)
        self.slip_error.show_error(error, also=lambda: self.tr("The points are saved; press Print slip to try again."))

    def _set_slip_state(self, state: str | None) -> None:
        self._slip_state = state
        self.printer_changed()
        self._retranslate_slip()

    def _retranslate_slip(self) -> None:
        if self._slip_state == "printing":
            self.slip_status.setText(self.tr("Printing the slip…"))
        elif self._slip_state == "printed":
            self.slip_status.setText(self.tr("Slip printed."))
        else:
            self.slip_status.clear()

    def _retranslate_outcome(self) -> None:
        if self._outcome is None:
            self.outcome.clear()
            return
        if isinstance(self._outcome, ReturnOutcome):
            self.outcome.setText(self._return_words(self._outcome))
            return
        if not isinstance(self._outcome, tuple):  # the POS's sale (SaleOutcome)
            self.outcome.setText(self._sale_words(self._outcome))
            return
        entry, member = self._outcome
        balance = self.tr("balance %1").replace("%1", points_text(member.available_points))
        moved = self.tr("%1 points").replace("%1", signed_points_text(entry.points))
        if entry.kind is EntryKind.REDEEM:
            off = self.tr("%1 off — take it off at the register").replace("%1", yuan_text(entry.amount_cents or 0))
            self.outcome.setText(f"{off}\n{moved} · {balance}")
        elif entry.kind is EntryKind.REVERSE:
            self.outcome.setText(self.tr("Reversed: %1").replace("%1", f"{moved} · {balance}"))
        elif entry.kind is EntryKind.GIFT:
            self.outcome.setText(self.tr("Gift handed over: %1").replace("%1", f"{moved} · {balance}"))
        elif self._coupon_cents:
            off = self.tr("Coupons: %1 off — take it off at the register").replace("%1", yuan_text(self._coupon_cents))
            self.outcome.setText(f"{off}\n{moved} · {balance}")
        else:
            self.outcome.setText(f"{moved} · {balance}")

    def _sale_words(self, sale: SaleOutcome) -> str:
        """Words such as "+36 points · -500 points · balance 1,234", under "¥5.00 off — take it off at the register"
        when the points paid part of the bill."""
        moved = [self.tr("%1 points").replace("%1", signed_points_text(sale.points_earned))]
        if sale.points_redeemed:
            moved.append(self.tr("%1 points").replace("%1", signed_points_text(-sale.points_redeemed)))
        if sale.balance is not None:
            moved.append(self.tr("balance %1").replace("%1", points_text(sale.balance)))
        line = " · ".join(moved)
        off = sale.discount_cents + sale.coupon_discount_cents  # the points' and the coupons' discounts
        if off:
            return self.tr("%1 off — take it off at the register").replace("%1", yuan_text(off)) + f"\n{line}"
        return line

    def _return_words(self, returned: ReturnOutcome) -> str:
        """Words such as "Returned ¥60.00: -60 points · +20 points · balance 1,234" ("Offline return …" when the
        server reconciles it later)."""
        moved = [self.tr("%1 points").replace("%1", signed_points_text(-returned.points_clawed_back))]
        if returned.points_returned:
            moved.append(self.tr("%1 points").replace("%1", signed_points_text(returned.points_returned)))
        if returned.balance is not None:
            moved.append(self.tr("balance %1").replace("%1", points_text(returned.balance)))
        words = self.tr("Offline return of %1: %2") if returned.offline else self.tr("Returned %1: %2")
        return words.replace("%1", yuan_text(returned.refunded_cents)).replace("%2", " · ".join(moved))

    def _preferences(self) -> None:
        if self._member_id is not None and self._member is not None:
            self.preferences_requested.emit(self._member_id)

    def resizeEvent(self, event: QResizeEvent) -> None:
        # A wide page (a maximised window on a 1920 x 1080 till) gets the card's larger type: the name and the
        # balance read from a step back, and the room is used rather than left empty.
        large = event.size().width() >= LARGE_TYPE_WIDTH
        self.card.set_large(large)
        if (self.property("scale") == "large") != large:  # the action buttons grow with it
            self.setProperty("scale", "large" if large else "normal")
            for button in self.findChildren(QPushButton):
                button.style().unpolish(button)
                button.style().polish(button)
        super().resizeEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        button = self._keys.get(Qt.Key(event.key()))
        if button is not None and not event.modifiers():
            _press(button)
            return
        typed = event.text()
        if len(typed) == 1 and typed.isdigit() and not event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier:
            self.lookup_typed.emit(typed)  # the next customer's phone: a new lookup starts with this digit
            return
        super().keyPressEvent(event)

    # -- language ------------------------------------------------------------------------------------------------

    def retranslate(self) -> None:
        texts = (
            (self.award_button, self.tr("Award points")),
            (self.redeem_button, self.tr("Redeem points")),
            (self.reverse_button, self.tr("Reverse an entry")),
            (self.return_button, self.tr("Return")),
            (self.preferences_button, self.tr("Preferences")),
            (self.member_code_button, self.tr("Member code")),
            (self.edit_button, self.tr("Edit member")),
            (self.reissue_card_button, self.tr("Reissue card")),
            (self.back_button, self.tr("Back to lookup")),
            (self.print_slip_button, self.tr("Print slip")),
            (self.give_coupon_button, self.tr("Give a coupon…")),
        )
        keys = {button: key for key, button in (*self._shortcuts.items(), *self._keys.items())}
        for button, text in texts:
            key = keys.get(button)
            sequence = RETURN_KEY if button is self.return_button else None if key is None else QKeySequence(key)
            shortcut = "" if sequence is None else sequence.toString(QKeySequence.SequenceFormat.NativeText)
            button.setText(f"{text} ({shortcut})" if shortcut else text)
        self._retranslate_outcome()
        self._retranslate_slip()


def _button(name: str, *, primary: bool = False) -> QPushButton:
    button = QPushButton()
    button.setObjectName(name)
    button.setMinimumWidth(200)
    if primary:
        button.setProperty("role", "primary")
    return button


def _press(button: QPushButton) -> None:
    """A key standing for a button: only when the staff can see and use that button."""
    if button.isVisible() and button.isEnabled():
        button.click()
