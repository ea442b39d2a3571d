"""Taking a return at the counter (退货) for the member on screen: the receipt number, the store it was sold at (this
till's by default; another store's code for a return of a sale made there), the money refunded in yuan, and the
refund number (the POS's own when it has one; by default "R-" + the receipt + the date and time the dialog opened,
kept while the receipt stays the same, so confirming again is the same refund). Opened from the member page
(Ctrl+R, 退货) by roles that may reverse.

Confirm runs the POS interface's own refund (`PosService.refund_at_counter`: the same planning, idempotency and
answer as POST /pos/v1/refunds), so the points move back exactly as for the POS, and a refund number confirmed twice
refunds once. What it answers:
- refunded: the dialog is accepted with `result_return` (points clawed back, points returned, the new balance), which
  the member page shows in its banner; the hub's `member_changed` is emitted by the operations helper;
- needs a manager (more points than a cashier may move back): the approval button (F8) asks a manager's code and PIN
  (`ApprovalDialog`) and the same refund is sent again with `approver=`;
- another store's sale while the server does not answer: the dialog turns into an offline return. It says so, proposes
  the points to take back (what the money refunded earns this member under the till's rules now, `earn_preview`, the
  award's own count; never above the member's balance), which may be lowered, and writes
  `LedgerService.return_offline` (through `PosService.return_offline_at_counter`, kept under the refund number): a
  manager takes it, the one logged in or one approving with F8. The server reconciles it with the sale later.
- nothing earned on that receipt at that store, more than is left to refund, too few points, a receipt of another
  member, a used refund number: a sentence in the error line (`ui.messages`); nothing is written.

No slip is printed for a return: the slip printer's seam (`ui.slip_printing.entry_slip`) knows awards and redemptions
only; the POS prints the refund's receipt.

Thread: GUI thread; an own store's refund and the offline return are written on the database worker, a return of
another store's sale (which asks the server for the receipt first) runs on a network worker.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFormLayout, QLabel, QLineEdit, QWidget

from localdb.errors import Problem, StoreError
from localdb.member_view import MemberView
from localdb.staff import StaffSession
from loyalty.points import EarnRefused, RedeemRefused
from loyalty.roles import Permission
from protocol.limits import MAX_RECEIPT_LENGTH
from sync.client import SyncError
from ui.context import AppContext
from ui.member_action import MemberActionDialog
from widgets.display import points_text
from widgets.money_input import MoneyInput, parse_points

if TYPE_CHECKING:  # posapi loads the wire schemas (pydantic): not at the window's start
    from posapi.schemas import RefundRequest, RefundResponse
    from posapi.service import CounterRefund, PosService

MAX_STORE_CODE = 32


@dataclass(frozen=True, slots=True)
class ReturnOutcome:
    """What a return did, for the member page's banner."""

    member_id: str
    refunded_cents: int
    points_clawed_back: int  # the earn's points taken back (≥ 0)
    points_returned: int  # a redemption's points given back (≥ 0)
    balance: int | None
    offline: bool  # an offline return of another store's sale, reconciled by the server later


@dataclass(frozen=True, slots=True)
class _Offline:
    """The offline return on screen: the refund it stands for and the most points it may take back."""

    request: RefundRequest
    most: int


class ReturnDialog(MemberActionDialog):
    """`returnReceipt`, `returnStore`, `returnAmount`, `refundNumber`, `returnPoints` (offline only), `returnStatus`,
    `approvalButton` (F8), `confirmButton` (Enter), `errorLabel`. After a return: `result_return`, accepted."""

    def __init__(self, ctx: AppContext, member: MemberView, *, parent: QWidget | None = None) -> None:
        super().__init__(ctx, member, name="returnDialog", permission=Permission.REVERSE,
                         member_line_name="returnMember", with_approval=True, parent=parent)  # fmt: skip
        config = ctx.till.settings.current()
        self._own_store = config.store_code
        self._approval_limit = config.rules.reversal_approval_points
        # The default refund number's time: with the date, so a later return of the same receipt and amount is never
        # taken for a retry of this one (the same number and request are answered, not refunded, again).
        self._opened = ctx.till.clock().astimezone(config.zone).strftime("%y%m%d%H%M%S")
        self._number_typed = False  # the refund number was typed (the POS's): no longer follows the receipt
        self._offline: _Offline | None = None
        self.result_return: ReturnOutcome | None = None

        self._receipt_label, self._store_label = QLabel(self), QLabel(self)
        self._amount_label, self._number_label, self._points_label = QLabel(self), QLabel(self), QLabel(self)
        self.receipt_input = self._line("returnReceipt", MAX_RECEIPT_LENGTH)
        self.store_input = self._line("returnStore", MAX_STORE_CODE)
        self.store_input.setText(self._own_store)
        self.amount_input = MoneyInput(parent=self)
        self.amount_input.setObjectName("returnAmount")
        self.number_input = self._line("refundNumber", MAX_RECEIPT_LENGTH)
        self.points_input = self._line("returnPoints", 12)
        self.points_input.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.points_input.setInputMethodHints(Qt.InputMethodHint.ImhDigitsOnly)
        self.receipt_input.textEdited.connect(self._receipt_edited)
        self.number_input.textEdited.connect(self._number_edited)
        for field in (self.store_input, self.amount_input):
            field.textEdited.connect(self._return_changed)
        self.error_label.clear_when_changed(self.receipt_input, self.store_input, self.amount_input, self.number_input)
        self.points_input.textEdited.connect(self._points_edited)
        self.status_label = QLabel(self)
        self.status_label.setObjectName("returnStatus")
        self.status_label.setWordWrap(True)
        self.status_label.hide()

        self.form = QFormLayout()
        self.form.setLabelAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        self.form.addRow(self._receipt_label, self.receipt_input)
        self.form.addRow(self._store_label, self.store_input)
        self.form.addRow(self._amount_label, self.amount_input)
        self.form.addRow(self._number_label, self.number_input)
        self.form.addRow(self._points_label, self.points_input)
        self.form.setRowVisible(self.points_input, False)
        self.lay_out(self.form, self.status_label)
        self.setMinimumWidth(600)
        self.set_busy(False)
        self.retranslate()
        self.receipt_input.setFocus()

    def _line(self, name: str, length: int) -> QLineEdit:
        field = QLineEdit(self)
        field.setObjectName(name)
        field.setMaxLength(length)
        return field

    def inputs(self) -> Sequence[QWidget]:
        return (self.receipt_input, self.store_input, self.amount_input, self.number_input, self.points_input)

    # -- language --------------------------------------------------------------------------------------------------

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Return"))
        self.heading.setText(self.tr("Take a return: points back for the money refunded"))
        self.member_line.setText(self.member_words())
        self._receipt_label.setText(self.tr("Receipt number"))
        self._store_label.setText(self.tr("Sold at store"))
        self._amount_label.setText(self.tr("Money refunded (yuan)"))
        self._number_label.setText(self.tr("Refund number"))
        self._points_label.setText(self.tr("Points to take back"))
        self.receipt_input.setPlaceholderText(self.tr("as printed on the receipt"))
        self.store_input.setPlaceholderText(self._own_store)
        self._retranslate_status()
        super().retranslate()

    def confirm_words(self) -> str:
        if self.busy:
            return self.tr("Returning…")
        return self.tr("Return offline (Enter)") if self._offline else self.tr("Return (Enter)")

    def _retranslate_status(self) -> None:
        offline = self._offline
        if offline is None:
            self.status_label.clear()
            self.status_label.hide()
            return
        most = offline.most
        proposal = (
            self.tr("What the money refunded earns this member now: %1 point(s), within the balance.", "", most)
            if most
            else self.tr("The member has no points to take back for this money.")
        )
        words = [
            self.tr(
                "The head office's server does not answer, so the sale at store %1 cannot be looked up. The return is "
                "taken offline, approved by a manager: the server matches it with the sale later."
            ).replace("%1", offline.request.store_code or ""),
            proposal.replace("%1", points_text(most)),
        ]
        self.status_label.setText("\n".join(words))
        self.status_label.show()

    # -- the inputs ------------------------------------------------------------------------------------------------

    def _receipt_edited(self, text: str) -> None:
        if not self._number_typed:
            self.number_input.setText(self._default_number(text.strip()))
        self._return_changed()

    def _number_edited(self, text: str) -> None:
        self._number_typed = bool(text.strip())  # emptied: it follows the receipt again
        self._return_changed()

    def _points_edited(self, _text: str) -> None:
        """The offline return's points changed: a refusal about them is over; a cashier still needs a manager, and
        the line keeps saying so, so that F8 asks one (the approval is offered for what the error line says)."""
        if self._offline is not None and not self._ctx.can(Permission.APPROVE):
            self.error_label.show_error(StoreError(Problem.RETURN_NEEDS_MANAGER))
        else:
            self.error_label.clear_error()

    def _default_number(self, receipt: str) -> str:
        if not receipt:
            return ""
        suffix = "-" + self._opened
        return "R-" + receipt[: MAX_RECEIPT_LENGTH - 2 - len(suffix)] + suffix

    def _return_changed(self, *_args: object) -> None:
        """Another return than the one refused, waiting for a manager, or taken offline: start afresh."""
        self.withdraw_approval()
        if self._offline is not None:
            self._offline = None
            self.form.setRowVisible(self.points_input, False)
            self.points_input.clear()
            self._retranslate_status()
            self.confirm_button.setText(self.confirm_words())

    def _read_request(self) -> RefundRequest:
        """The refund as typed; raises the refusal for the field at fault."""
        from posapi.schemas import RefundRequest
        from sync.registration import clean_store_code  # with the first return: it brings the wire's schemas

        receipt = self.receipt_input.text().strip()
        if not receipt:
            raise StoreError(Problem.INVALID_RECEIPT, limit=MAX_RECEIPT_LENGTH)
        store = clean_store_code(self.store_input.text() or self._own_store)
        self.store_input.setText(store)
        cents = self.amount_input.cents()
        number = self.number_input.text().strip() or self._default_number(receipt)
        self.number_input.setText(number)
        return RefundRequest(refund_no=number, receipt_no=receipt, store_code=store, amount_cents=cents)

    # -- returning -------------------------------------------------------------------------------------------------

    def _service(self) -> PosService:
        from posapi.service import PosService

        return PosService(self._ctx.till, lambda: None, self._ctx.client_factory)

    def _member_id(self) -> str:
        assert self._member is not None
        return self._member.id

    def confirm(self) -> None:
        if self._offline is not None:
            self._take_offline(None)
            return
        try:
            request = self._read_request()
        except (StoreError, SyncError, EarnRefused) as refusal:
            self.refuse(refusal)
            return
        self._refund(request, None)

    def _refund(self, request: RefundRequest, approver: StaffSession | None) -> None:
        actor, service, member_id = self._ctx.actor(), self._service(), self._member_id()

        def work() -> CounterRefund:
            return service.refund_at_counter(actor, request, approver=approver, member_id=member_id)

        if request.store_code == self._own_store:
            self.write(work, lambda done: self._answered(request, done))
        else:  # the server is asked for the receipt first: not on the database worker
            self.ask_online(work, lambda done: self._answered(request, done))

    def _answered(self, request: RefundRequest, done: CounterRefund) -> None:
        answer = done.answer
        if answer.status == "refunded":
            self._returned(answer)
        elif answer.status == "nothing_to_refund":
            self.refuse(StoreError(Problem.NOTHING_TO_REFUND))
        elif answer.reason == "server_unreachable":
            self._go_offline(request)
        else:  # approval_required: more points than a cashier may move back
            self.refuse(StoreError(Problem.APPROVAL_REQUIRED, limit=self._approval_limit))
            self.offer_approval(lambda manager: self._refund(request, manager))

    def _go_offline(self, request: RefundRequest) -> None:
        assert request.amount_cents is not None
        member_id = self._member_id()
        try:  # two single reads, on this thread as the other dialogs' reads
            earned = self._ctx.till.ledger.earn_preview(member_id, request.amount_cents)  # as the award counts
            available = self._ctx.till.members.get(self._ctx.actor(), member_id).available_points
        except StoreError as error:
            self.refuse(error)
            return
        most = max(min(earned, available), 0)
        self._offline = _Offline(request, most)
        self.points_input.setText(str(most) if most else "")
        self.form.setRowVisible(self.points_input, True)
        self._retranslate_status()
        self.confirm_button.setText(self.confirm_words())
        self.confirm_button.setEnabled(self.can_confirm())
        self._fit()
        self.points_input.setFocus()
        self.points_input.selectAll()
        if not self._ctx.can(Permission.APPROVE):
            self._needs_manager()

    def _fit(self) -> None:
        """Grow (never shrink) to what the dialog now shows: the offline words, the points, three buttons."""
        hint = self.sizeHint()
        self.resize(max(self.width(), hint.width()), max(self.height(), hint.height()))

    def _needs_manager(self) -> None:
        self.refuse(StoreError(Problem.RETURN_NEEDS_MANAGER))
        self.offer_approval(self._take_offline)
        self._fit()

    def _take_offline(self, approver: StaffSession | None) -> None:
        offline = self._offline
        assert offline is not None
        try:
            points = parse_points(self.points_input.text())
        except RedeemRefused:
            points = 0
        if not 0 < points <= offline.most:
            self.refuse(StoreError(Problem.INVALID_RETURN_POINTS, limit=offline.most))
            return
        if approver is None and not self._ctx.can(Permission.APPROVE):
            self._needs_manager()
            return
        actor, service, member_id = self._ctx.actor(), self._service(), self._member_id()
        self.write(
            lambda: service.return_offline_at_counter(actor, offline.request, member_id, points, approver=approver),
            lambda done: self._returned(done.answer),
        )

    def _returned(self, answer: RefundResponse) -> None:
        self.result_return = ReturnOutcome(
            member_id=answer.member_id or self._member_id(),
            refunded_cents=answer.refunded_cents,
            points_clawed_back=answer.points_clawed_back,
            points_returned=answer.points_returned,
            balance=answer.balance,
            offline=answer.reason == "offline_return",
        )
        self.accept()

    def refused(self, error: Exception) -> None:
        if self.awaiting_approval:
            return
        field: QLineEdit = self.receipt_input
        if isinstance(error, SyncError):
            field = self.store_input
        elif isinstance(error, EarnRefused) or (isinstance(error, StoreError) and error.problem is Problem.OVER_REFUND):
            field = self.amount_input
        elif isinstance(error, StoreError) and error.problem is Problem.REFUND_NO_USED:
            field = self.number_input
        elif self._offline is not None:
            field = self.points_input
        field.setFocus()
        field.selectAll()
