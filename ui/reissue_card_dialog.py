"""Re-issuing a lost member card from the member page (补发会员卡), a manager's action: the manager confirms with
their staff code and PIN (`ui.staff_pin_form`, checked by `StaffService.approver` on the database worker), then the
server is asked for the new card (`sync.cards.reissue_card` on a network worker; the server checks the manager's
code again and revokes the old card) and the new card's QR code is shown at once in a `MemberCodePanel` (print,
save as PNG). A sync is started afterwards so this till holds the new serial and the revocation straight away.

Online only: when the server cannot be reached the dialog says so in words and nothing changes; the manager can try
again from the same dialog.

Thread: GUI thread; the PIN check on the database worker, the server's answer on a network worker.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QDialog, QLabel, QVBoxLayout, QWidget

from localdb.member_view import MemberView
from localdb.staff import StaffSession
from protocol.vocabulary import ErrorCode
from sync.cards import reissue_card
from sync.client import Refused, ServerBusy, ServerUnreachable
from ui.context import AppContext
from ui.dialog_parts import dialog_buttons
from ui.error_line import ErrorLine
from ui.member_code_dialog import MemberCodePanel
from ui.staff_pin_form import StaffPinForm
from widgets.display import mark_member_data
from widgets.retranslating import Retranslating

if TYPE_CHECKING:
    from protocol.wire import CardReissueResponse

log = logging.getLogger(__name__)


class ReissueCardDialog(Retranslating, QDialog):
    """objectName `reissueCardDialog`: `reissueExplanation`, the manager's `approverCode` and `approverPin` with the
    keypad, `confirmButton`, `cancelButton`, `errorLabel`; once issued, the new card's `panel` (`memberCodePanel`).
    Signal `reissued(member_id)` when the server has issued the new card."""

    reissued = Signal(str)

    def __init__(self, ctx: AppContext, member: MemberView, *, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("reissueCardDialog")
        self.setModal(True)
        self._ctx = ctx
        self._member = member
        self._asking = False
        self.card: CardReissueResponse | None = None

        self._heading = QLabel(self)
        self._heading.setProperty("tone", "title")
        self._member_line = QLabel(f"{member.name} · {member.phone_masked}", self)
        mark_member_data(self._member_line)
        self._member_line.setProperty("tone", "muted")
        self.explanation = QLabel(self)
        self.explanation.setObjectName("reissueExplanation")
        self.explanation.setWordWrap(True)
        self.error_label = ErrorLine(self)
        self.form = StaffPinForm(
            ctx.ops,
            self.error_label,
            check=ctx.till.staff.approver,
            code_name="approverCode",
            pin_name="approverPin",
            missing_code=lambda: self.tr("Enter the manager's staff code."),
            letters=ctx.till.staff.code_letters(),
            parent=self,
        )
        self.form.verified.connect(self._approved)
        self.form.busy_changed.connect(self._show_busy)
        self.code_input, self.pin_input = self.form.code_input, self.form.pin_input
        self.panel = MemberCodePanel(ctx, parent=self)
        self.panel.set_member(member)
        self.panel.hide()

        buttons = dialog_buttons(self, on_confirm=self.form.advance, confirm_default=False)
        self.cancel_button = buttons.cancel
        self.confirm_button = buttons.confirm

        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 20)
        layout.setSpacing(12)
        layout.addWidget(self._heading)
        layout.addWidget(self._member_line)
        layout.addWidget(self.explanation)
        layout.addWidget(self.form, 1)
        layout.addWidget(self.panel, 1)
        layout.addWidget(self.error_label)
        layout.addLayout(buttons.row)
        self.setMinimumWidth(440)
        self.retranslate()
        self.code_input.setFocus()

    # -- the steps -------------------------------------------------------------------------------------------------

    def _approved(self, manager: StaffSession) -> None:
        """The manager's code and PIN passed at this till: ask the server for the new card."""
        self._asking = True
        self._show_busy(True)
        self.explanation.setText(self.tr("Asking the server for the new card…"))
        ctx, member_id, approver = self._ctx, self._member.id, manager.code
        ctx.ops.net(lambda: reissue_card(ctx.server_client(), member_id, approver), self._issued, self._refused,
                    owner=self)  # fmt: skip

    def _issued(self, card: CardReissueResponse) -> None:
        self._asking = False
        self.card = card
        self.form.hide()
        self.confirm_button.hide()
        self.error_label.clear_error()
        self.panel.show()
        self.panel.show_code(card.code, card.member_id)
        self.retranslate()
        self.reissued.emit(card.member_id)
        self._ctx.sync.sync_now()  # this till takes the new serial and the old card's revocation at once

    def _refused(self, error: Exception) -> None:
        """Nothing changed at the server: say why, and let the manager try again."""
        self._asking = False
        self._show_busy(False)
        self.retranslate()
        if isinstance(error, ServerUnreachable | ServerBusy):
            self.error_label.show_words(
                lambda: self.tr(
                    "The server cannot be reached, and a card is reissued only online. Nothing was "
                    "changed: try again when the till is back online."
                )
            )
        elif isinstance(error, Refused) and error.code == ErrorCode.APPROVER_NOT_MANAGER.value:
            self.error_label.show_words(
                lambda: self.tr("The server does not accept this manager for this store. Nothing was changed.")
            )
        elif isinstance(error, Refused) and error.code == ErrorCode.UNKNOWN_MEMBER.value:
            self.error_label.show_words(
                lambda: self.tr("The server does not know this member yet: sync first, then try again.")
            )
        else:
            log.info("card reissue refused: %s", type(error).__name__)  # no member data
            self.error_label.show_error(error)
        self.code_input.setFocus()

    def _show_busy(self, busy: bool) -> None:
        self.confirm_button.setEnabled(not busy and not self._asking)
        self.cancel_button.setEnabled(not self._asking)

    # -- language --------------------------------------------------------------------------------------------------

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Reissue card"))
        self._heading.setText(self.tr("Reissue the member's card"))
        self.form.code_label.setText(self.tr("Manager code"))
        self.form.pin_label.setText(self.tr("PIN"))
        self.code_input.setPlaceholderText(self.tr("e.g. M001"))
        self.pin_input.setPlaceholderText(self.tr("4 to 8 digits"))
        self.confirm_button.setText(self.tr("Reissue"))
        if self.card is not None:
            self.explanation.setText(
                self.tr(
                    "New card issued. The old card stops working at each till when it next syncs; this till "
                    "is syncing now."
                )
            )
            self.cancel_button.setText(self.tr("Close"))
        elif not self._asking:
            self.explanation.setText(
                self.tr(
                    "The member gets a new card code and the old card stops working at every till. A manager "
                    "confirms with their code and PIN; the till must be online."
                )
            )
            self.cancel_button.setText(self.tr("Cancel"))
