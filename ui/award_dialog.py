"""Awarding points on a purchase: the amount in yuan (parsed to cents exactly) and the receipt number, a live preview
of the points from the till's rules (the member's tier, birthday month and any bonus ticked), then confirm with
Enter. The ledger writes the entry, its outbox row and its audit row in one transaction; the same receipt earns
once, and the confirm button is disabled while the write is in flight, so Enter pressed twice awards once.

Thread: GUI thread; the award runs on the database worker (`ctx.ops.db`).
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QWidget,
)

from localdb.errors import Problem, StoreError
from localdb.member_view import MemberView
from loyalty.points import EarnProblem, EarnQuote, EarnRefused, earn_points
from loyalty.roles import Permission
from loyalty.tiers import is_birthday_month
from protocol.limits import MAX_RECEIPT_LENGTH
from ui.context import AppContext
from ui.member_action import MemberActionDialog
from widgets.display import points_text, tier_name
from widgets.money_input import MoneyInput
from widgets.scan_detector import ACCEPTS_SCAN


class AwardDialog(MemberActionDialog):
    """`awardAmount`, `receiptNumber`, `bonus_<name>` boxes, `pointsPreview`, `confirmButton` (Enter), `errorLabel`.
    After a successful award: `result_entry` / `result_member`, accepted (and `ctx.hub.member_changed`)."""

    def __init__(self, ctx: AppContext, member: MemberView, *, parent: QWidget | None = None) -> None:
        super().__init__(ctx, member, name="awardDialog", permission=Permission.AWARD, member_line_name="awardMember",
                         parent=parent)  # fmt: skip
        self._rules = ctx.till.settings.current().rules
        self._birthday_month = is_birthday_month(member.birthday, ctx.till.today())

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
        for name in sorted(self._rules.bonus_pct):
            box = QCheckBox(self)
            box.setObjectName(f"bonus_{name}")
            box.toggled.connect(self._update_preview)
            self._bonus_boxes[name] = box
            bonus_row.addWidget(box)
        bonus_row.addStretch(1)
        self.error_label.clear_when_changed(self.receipt_input, *self._bonus_boxes.values())

        self.preview_label = QLabel(self)
        self.preview_label.setObjectName("pointsPreview")
        self.preview_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._detail_label = QLabel(self)
        self._detail_label.setObjectName("pointsPreviewDetail")
        self._detail_label.setProperty("tone", "muted")
        self._detail_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._detail_label.setWordWrap(True)

        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        form.addRow(self._amount_label, self.amount_input)
        form.addRow(self._receipt_label, self.receipt_input)
        if self._bonus_boxes:
            form.addRow(self._bonus_label, bonus_row)
        self.lay_out(form, self.preview_label, self._detail_label)
        self.setMinimumWidth(460)
        self.set_busy(False)
        self.retranslate()
        self.amount_input.setFocus()

    def inputs(self) -> Sequence[QWidget]:
        return (self.amount_input, self.receipt_input, *self._bonus_boxes.values())

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
        self._update_preview()
        super().retranslate()

    def confirm_words(self) -> str:
        return self.tr("Saving…") if self.busy else self.tr("Award (Enter)")

    def _bonus_words(self, name: str) -> str:
        label = self.tr("Own bag") if name == "own_bag" else name
        return self.tr("%1 (+%2 %)").replace("%1", label).replace("%2", str(self._rules.bonus_pct[name]))

    # -- preview ---------------------------------------------------------------------------------------------------

    def _bonuses(self) -> tuple[str, ...]:
        return tuple(name for name, box in self._bonus_boxes.items() if box.isChecked())

    def _quote(self, amount_cents: int) -> EarnQuote:
        """What LedgerService.award will compute for this member (same rules, tier, birthday month, bonuses)."""
        assert self._member is not None
        return earn_points(self._rules, amount_cents, self._member.tier, birthday_month=self._birthday_month,
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
        except EarnRefused as refusal:
            self.preview_label.setText("—")
            self._detail_label.setText(self.tr("Points are previewed as you type the amount."))
            if text and refusal.problem is not EarnProblem.NOT_POSITIVE and not self.busy:
                self.error_label.show_error(refusal)
            elif isinstance(self.error_label.error, EarnRefused):
                self.error_label.clear_error()
            return
        if isinstance(self.error_label.error, EarnRefused):
            self.error_label.clear_error()
        self.preview_label.setText(self.tr("+%1 point(s)", "", quote.points).replace("%1", points_text(quote.points)))
        self._detail_label.setText(self._detail_words(quote))

    def _detail_words(self, quote: EarnQuote) -> str:
        parts = [self.tr("%1 base").replace("%1", points_text(quote.base_points))]
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
        except (EarnRefused, StoreError) as refusal:
            self.refuse(refusal)
            return
        receipt = self.receipt_input.text().strip() or None
        bonuses = self._bonuses()
        actor, ledger = self._ctx.actor(), self._ctx.till.ledger
        assert self._member is not None
        member_id = self._member.id
        self.write(lambda: ledger.award(actor, member_id, amount_cents, receipt_no=receipt, bonuses=bonuses),
                   self.entry_written)  # fmt: skip

    def refused(self, error: Exception) -> None:
        if isinstance(error, StoreError) and error.problem in (Problem.DUPLICATE_RECEIPT, Problem.INVALID_RECEIPT):
            field = self.receipt_input
        else:
            field = self.amount_input
        field.setFocus()
        field.selectAll()
