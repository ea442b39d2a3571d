"""Awarding points on a purchase: the amount in yuan (parsed to cents exactly) and the receipt number, a live preview
of the points from the till's rules (the member's tier, birthday month and any bonus ticked), then confirm with
Enter. The ledger writes the entry, its outbox row and its audit row in one transaction; the same receipt earns
once, and the confirm button is disabled while the write is in flight, so Enter pressed twice awards once.

Thread: GUI thread; the award runs on the database worker (`ctx.ops.db`).
"""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from localdb.errors import Problem, StoreError
from localdb.ledger import EntryView, LedgerResult
from localdb.member_view import MemberView
from loyalty.points import EarnProblem, EarnQuote, EarnRefused, earn_points
from loyalty.roles import Permission
from loyalty.rules import UnknownTier
from loyalty.tiers import is_birthday_month
from protocol.wire import MAX_RECEIPT_LENGTH
from ui.context import AppContext
from ui.dialog_parts import GuardedDialog, dialog_buttons, error_label
from ui.messages import describe
from widgets.money_input import MoneyInput
from widgets.retranslating import Retranslating
from widgets.scan_detector import ACCEPTS_SCAN

log = logging.getLogger(__name__)


class AwardDialog(Retranslating, GuardedDialog):
    """`awardAmount`, `receiptNumber`, `bonus_<name>` boxes, `pointsPreview`, `confirmButton` (Enter), `errorLabel`.
    After a successful award: `result_entry` / `result_member`, `ctx.hub.member_changed`, accepted."""

    def __init__(self, ctx: AppContext, member: MemberView, *, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self._member = member
        self._busy = False
        self._error: BaseException | None = None
        self.result_entry: EntryView | None = None
        self.result_member: MemberView | None = None
        self.setObjectName("awardDialog")
        self.setModal(True)
        config = ctx.till.settings.current()
        self._rules = config.rules
        self._birthday_month = is_birthday_month(member.birthday, ctx.till.clock().astimezone(config.zone).date())

        self._heading = QLabel(self)
        self._heading.setProperty("tone", "title")
        self._member_line = QLabel(self)
        self._member_line.setObjectName("awardMember")
        self._member_line.setProperty("tone", "muted")
        self._amount_label = QLabel(self)
        self._receipt_label = QLabel(self)
        self._bonus_label = QLabel(self)

        self.amount_input = MoneyInput(parent=self)
        self.amount_input.setObjectName("awardAmount")
        self.amount_input.textChanged.connect(self._update_preview)
        self.receipt_input = QLineEdit(self)
        self.receipt_input.setObjectName("receiptNumber")
        self.receipt_input.setMaxLength(MAX_RECEIPT_LENGTH)
        self.receipt_input.setProperty(ACCEPTS_SCAN, True)  # a receipt's barcode is scanned straight into it
        self.receipt_input.setInputMethodHints(Qt.InputMethodHint.ImhNoPredictiveText)

        self._bonus_boxes: dict[str, QCheckBox] = {}
        bonus_row = QHBoxLayout()
        for name in sorted(self._rules.bonus_pct):
            box = QCheckBox(self)
            box.setObjectName(f"bonus_{name}")
            box.toggled.connect(self._update_preview)
            self._bonus_boxes[name] = box
            bonus_row.addWidget(box)
        bonus_row.addStretch(1)

        self.preview_label = QLabel(self)
        self.preview_label.setObjectName("pointsPreview")
        self.preview_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._detail_label = QLabel(self)
        self._detail_label.setObjectName("pointsPreviewDetail")
        self._detail_label.setProperty("tone", "muted")
        self._detail_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._detail_label.setWordWrap(True)

        self.error_label = error_label(self)

        buttons = dialog_buttons(self, on_confirm=self._confirm)  # confirm is the default: Enter anywhere awards
        self.cancel_button = buttons.cancel
        self.confirm_button = buttons.confirm

        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        form.addRow(self._amount_label, self.amount_input)
        form.addRow(self._receipt_label, self.receipt_input)
        if self._bonus_boxes:
            form.addRow(self._bonus_label, bonus_row)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 20)
        layout.setSpacing(12)
        layout.addWidget(self._heading)
        layout.addWidget(self._member_line)
        layout.addLayout(form)
        layout.addWidget(self.preview_label)
        layout.addWidget(self._detail_label)
        layout.addWidget(self.error_label)
        layout.addLayout(buttons.row)
        self.setMinimumWidth(460)

        self._allowed = ctx.can(Permission.AWARD)
        if not self._allowed:  # a store guide: the member page hides the action; say why if it is reached anyway
            self._show_error(StoreError(Problem.PERMISSION_DENIED))
        self._set_busy(False)
        self.retranslate()
        self.amount_input.setFocus()

    # -- language --------------------------------------------------------------------------------------------------

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Award points"))
        self._heading.setText(self.tr("Award points on a purchase"))
        self._member_line.setText(self._member_words())
        self._amount_label.setText(self.tr("Purchase (yuan)"))
        self._receipt_label.setText(self.tr("Receipt number"))
        self._bonus_label.setText(self.tr("Bonus"))
        self.receipt_input.setPlaceholderText(self.tr("Scan or type the receipt number"))
        for name, box in self._bonus_boxes.items():
            box.setText(self._bonus_words(name))
        self.cancel_button.setText(self.tr("Cancel"))
        self.confirm_button.setText(self.tr("Saving…") if self._busy else self.tr("Award (Enter)"))
        self._update_preview()
        self._show_error(self._error)

    def _member_words(self) -> str:
        member = self._member
        try:
            tier = self._rules.tier(member.tier).name
        except UnknownTier:
            tier = member.tier
        points = self.tr("%1 points").replace("%1", f"{member.available_points:,}")
        words = f"{member.name} · {member.phone_masked} · {tier} · {points}"
        if self._birthday_month:
            words += " · " + self.tr("birthday month")
        return words

    def _bonus_words(self, name: str) -> str:
        label = self.tr("Own bag") if name == "own_bag" else name
        return self.tr("%1 (+%2 %)").replace("%1", label).replace("%2", str(self._rules.bonus_pct[name]))

    # -- preview ---------------------------------------------------------------------------------------------------

    def _bonuses(self) -> tuple[str, ...]:
        return tuple(name for name, box in self._bonus_boxes.items() if box.isChecked())

    def _quote(self, amount_cents: int) -> EarnQuote:
        """What LedgerService.award will compute for this member (same rules, tier, birthday month, bonuses)."""
        return earn_points(self._rules, amount_cents, self._member.tier, birthday_month=self._birthday_month,
                           bonuses=self._bonuses())  # fmt: skip

    def _update_preview(self) -> None:
        """Live, as the cashier types: the points, or a dash; a malformed amount is explained at once."""
        text = self.amount_input.text().strip()
        try:
            quote = self._quote(self.amount_input.cents())
        except EarnRefused as refusal:
            self.preview_label.setText("—")
            self._detail_label.setText(self.tr("Points are previewed as you type the amount."))
            if text and refusal.problem is not EarnProblem.NOT_POSITIVE and not self._busy:
                self._show_error(refusal)
            elif isinstance(self._error, EarnRefused):
                self._show_error(None)
            return
        if isinstance(self._error, EarnRefused):
            self._show_error(None)
        self.preview_label.setText(self.tr("+%1 points").replace("%1", f"{quote.points:,}"))
        self._detail_label.setText(self._detail_words(quote))

    def _detail_words(self, quote: EarnQuote) -> str:
        parts = [self.tr("%1 base").replace("%1", f"{quote.base_points:,}")]
        if self._birthday_month:
            parts.append(self.tr("birthday month ×%1 %").replace("%1", str(self._rules.birthday_multiplier_pct)))
        if quote.bonus_points:
            parts.append(self.tr("%1 bonus").replace("%1", f"{quote.bonus_points:,}"))
        return " · ".join(parts)

    # -- awarding --------------------------------------------------------------------------------------------------

    def _confirm(self) -> None:
        if self._busy or not self._allowed:
            return  # Enter pressed twice while the first award is being written: one award
        try:
            amount_cents = self.amount_input.cents()
            if self._quote(amount_cents).points <= 0:
                raise StoreError(Problem.NOTHING_TO_AWARD)
        except (EarnRefused, StoreError) as refusal:
            self._show_error(refusal)
            self.amount_input.setFocus()
            self.amount_input.selectAll()
            return
        receipt = self.receipt_input.text().strip() or None
        bonuses = self._bonuses()
        actor = self._ctx.actor()
        ledger = self._ctx.till.ledger
        member_id = self._member.id
        self._show_error(None)
        self._set_busy(True)
        self._ctx.ops.db(
            lambda: ledger.award(actor, member_id, amount_cents, receipt_no=receipt, bonuses=bonuses),
            self._awarded,
            self._refused,
            owner=self,
        )

    def _awarded(self, result: LedgerResult) -> None:
        self.result_entry = result.entry
        self.result_member = result.member
        self._set_busy(False)
        log.info("awarded entry %s", result.entry.id)
        self.accept()

    def _refused(self, error: Exception) -> None:
        self._set_busy(False)
        self._show_error(error)
        if isinstance(error, StoreError) and error.problem is Problem.DUPLICATE_RECEIPT:
            self.receipt_input.setFocus()
            self.receipt_input.selectAll()
        else:
            self.amount_input.setFocus()

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        editable = self._allowed and not busy
        self.confirm_button.setEnabled(editable)
        for widget in (self.amount_input, self.receipt_input, *self._bonus_boxes.values()):
            widget.setEnabled(editable)
        self.confirm_button.setText(self.tr("Saving…") if busy else self.tr("Award (Enter)"))

    def _show_error(self, error: BaseException | None) -> None:
        self._error = error
        self.error_label.setText("" if error is None else describe(error))
        self.error_label.setVisible(error is not None)
