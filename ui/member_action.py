"""`MemberActionDialog`, the frame every action on a member at the counter is built on (award, redeem, reverse,
enrol): a heading, the member line, an `ErrorLine` that words a refusal again on a language change and clears when
an input changes, the button row, one piece of work in flight at a time (the inputs and the confirm button disabled,
Esc refused meanwhile, so Enter pressed twice acts once), and, for the actions a manager may have to allow, the
approval button that asks a manager (`ApprovalDialog`) and retries the refused write with `approver=`.

A dialog supplies what is its own: its inputs (`inputs()`), its words (`retranslate()`, calling this class's too),
what confirming does (`confirm()`), and what a refusal means for its fields (`refused()`).

Thread: GUI thread; writes run on the database worker (`ctx.ops.db`), online checks on a network worker.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import TypeVar

from PySide6.QtCore import QCoreApplication, QObject, Qt
from PySide6.QtWidgets import QLabel, QLayout, QPushButton, QVBoxLayout, QWidget

from localdb.errors import Problem, StoreError
from localdb.ledger import EntryView, LedgerResult
from localdb.member_view import MemberView
from localdb.staff import StaffSession
from loyalty.roles import Permission
from ui.approval_dialog import ApprovalDialog
from ui.context import AppContext
from ui.dialog_parts import GuardedDialog, dialog_buttons, key_for, with_key
from ui.error_line import ErrorLine, Words
from ui.messages import describe
from widgets.display import mark_member_data, points_text
from widgets.retranslating import QT_TRANSLATE_NOOP, Retranslating

log = logging.getLogger(__name__)
T = TypeVar("T")
APPROVAL_KEY = Qt.Key.Key_F8  # 店长审批 in every dialog that offers it


def _tr(text: str) -> str:
    """A word of this frame's (marked with QT_TRANSLATE_NOOP under "MemberActionDialog" where it is used)."""
    return QCoreApplication.translate("MemberActionDialog", text)


class _MemberLinePlurals(QObject):
    """Words with a plural form ("1 point", "2 points"): lupdate sees a plural only in a `self.tr(text, "", n)` call,
    and a `self.tr` in the shared dialog would look under each subclass's name."""

    def points_available(self, points: int) -> str:
        return self.tr("%1 point(s) available", "", points)


_PLURALS = _MemberLinePlurals()


class MemberActionDialog(Retranslating, GuardedDialog):
    """`heading`, `member_line` (objectName as given), `error_label` (`errorLabel`), `cancel_button`,
    `confirm_button` (the default: Enter confirms), `approval_button` (`approvalButton`, hidden until a manager
    is needed; None for actions that never need one), `approval_dialog` while a manager is asked; after a ledger
    action, `result_entry` and `result_member`."""

    def __init__(
        self,
        ctx: AppContext,
        member: MemberView | None,
        *,
        name: str,
        permission: Permission,
        member_line_name: str = "",
        with_approval: bool = False,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self._member = member
        self._busy = False
        self._retry: Callable[[StaffSession], None] | None = None
        self.approval_dialog: ApprovalDialog | None = None
        self.result_entry: EntryView | None = None  # a ledger action's entry, once written
        self.result_member: MemberView | None = None
        self.setObjectName(name)
        self.setModal(True)

        self.heading = QLabel(self)
        self.heading.setProperty("tone", "title")
        self.member_line = QLabel(self)
        mark_member_data(self.member_line)  # the member's name as entered
        if member_line_name:
            self.member_line.setObjectName(member_line_name)
        self.member_line.setProperty("tone", "muted")
        self.member_line.setVisible(member is not None)
        self.error_label = ErrorLine(self)
        buttons = dialog_buttons(
            self, on_confirm=self._confirm_pressed, with_approval=with_approval, on_approval=self._ask_approval
        )
        self.cancel_button = buttons.cancel
        self.confirm_button = buttons.confirm
        self.approval_button: QPushButton | None = buttons.approval
        if self.approval_button is not None:
            key_for(self.approval_button, APPROVAL_KEY)
        self.buttons_row = buttons.row
        self._allowed = ctx.can(permission)
        if not self._allowed:  # the screens hide the action from this role; say why if it is reached anyway
            self.error_label.show_error(StoreError(Problem.PERMISSION_DENIED))

    # -- what a dialog supplies ------------------------------------------------------------------------------------

    def inputs(self) -> Sequence[QWidget]:
        """The fields disabled while work is in flight (and for a role that may not act)."""
        return ()

    def confirm(self) -> None:
        """Confirm pressed (or Enter), nothing in flight and the role allowed: check the input, then act."""
        raise NotImplementedError

    def confirm_words(self) -> str:
        """The confirm button's words, which say when work is in flight."""
        raise NotImplementedError

    def can_confirm(self) -> bool:
        return self._allowed and not self._busy

    def refused(self, error: Exception) -> None:
        """A refusal has been shown: put the focus where the cashier fixes it."""

    def more_words(self, error: Exception) -> Words | None:
        """Words the dialog adds after the refusal's own sentence (None: nothing to add)."""
        return None

    # -- the frame -------------------------------------------------------------------------------------------------

    def lay_out(self, *middle: QWidget | QLayout, stretch: QWidget | None = None) -> QVBoxLayout:
        """Heading, member line, `middle`, error line, buttons; `stretch` takes the height to spare."""
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 20)
        layout.setSpacing(12)
        layout.addWidget(self.heading)
        layout.addWidget(self.member_line)
        for part in middle:
            if isinstance(part, QLayout):
                layout.addLayout(part)
            else:
                layout.addWidget(part, 1 if part is stretch else 0)
        layout.addWidget(self.error_label)
        layout.addLayout(self.buttons_row)
        return layout

    def member_words(self, *extra: str) -> str:
        """The member line: name, masked phone, what the dialog adds, the points available."""
        member = self._member
        if member is None:
            return ""
        points = member.available_points
        available = _PLURALS.points_available(points).replace("%1", points_text(points))
        return " · ".join((member.name, member.phone_masked, *extra, available))

    def retranslate(self) -> None:
        """The words this frame owns; a dialog's own `retranslate` sets its words and then calls this."""
        self.cancel_button.setText(_tr(QT_TRANSLATE_NOOP("MemberActionDialog", "Cancel")))
        if self.approval_button is not None:
            words = _tr(QT_TRANSLATE_NOOP("MemberActionDialog", "Manager approval…"))
            self.approval_button.setText(with_key(words, APPROVAL_KEY))
        self.confirm_button.setText(self.confirm_words())

    # -- work in flight --------------------------------------------------------------------------------------------

    @property
    def busy(self) -> bool:
        return self._busy

    def set_busy(self, busy: bool) -> None:
        self._busy = busy
        editable = self._allowed and not busy
        for field in self.inputs():
            field.setEnabled(editable)
        if self.approval_button is not None:
            self.approval_button.setEnabled(not busy)
        self.confirm_button.setEnabled(self.can_confirm())
        self.confirm_button.setText(self.confirm_words())

    def write(self, work: Callable[[], T], done: Callable[[T], None]) -> None:
        """Run a write on the database worker; `done(result)` on success, `refuse(error)` otherwise."""
        self._start()
        self._ctx.ops.db(work, lambda result: self._finish(done, result), self.refuse, owner=self)

    def ask_online(self, work: Callable[[], T], done: Callable[[T], None]) -> None:
        """Run a network call (e.g. an online authorization) the same way, on a network worker."""
        self._start()
        self._ctx.ops.net(work, lambda result: self._finish(done, result), self.refuse, owner=self)

    def entry_written(self, result: LedgerResult) -> None:
        """A ledger action's `done`: keep the entry and the member as they now stand, and close."""
        self.result_entry, self.result_member = result.entry, result.member
        log.info("%s entry %s written", result.entry.kind.value, result.entry.id)
        self.accept()

    def refuse(self, error: Exception) -> None:
        """Show a refusal (from a worker, or found before anything was sent) and let the dialog place the focus."""
        self.set_busy(False)
        self.error_label.show_error(error, also=self.more_words(error))
        self.refused(error)

    def _start(self) -> None:
        self.error_label.clear_error()
        self.set_busy(True)

    def _finish(self, done: Callable[[T], None], result: T) -> None:
        self.set_busy(False)
        done(result)

    def _confirm_pressed(self) -> None:
        if self._busy or not self._allowed:
            return  # Enter pressed again while the first is in flight: it acts once
        self.confirm()

    # -- a manager's approval --------------------------------------------------------------------------------------

    def offer_approval(self, retry: Callable[[StaffSession], None]) -> None:
        """The refusal shown needs a manager: show the approval button; an approval calls `retry(manager)`."""
        assert self.approval_button is not None, "this action was built without an approval button"
        self._retry = retry
        self.approval_button.show()
        self.approval_button.setFocus()

    def withdraw_approval(self) -> None:
        """What waited for a manager is no longer what is on screen (the input or the choice changed)."""
        self._retry = None
        if self.approval_button is not None:
            self.approval_button.hide()

    @property
    def awaiting_approval(self) -> bool:
        return self._retry is not None

    def _ask_approval(self) -> None:
        error = self.error_label.error
        if self._busy or self._retry is None or error is None:
            return
        dialog = ApprovalDialog(self._ctx, describe(error), parent=self)
        dialog.approved.connect(self._approved_by)
        self.approval_dialog = dialog
        dialog.open()

    def _approved_by(self, manager: StaffSession) -> None:
        retry = self._retry
        if retry is None or self._busy:
            return
        self.withdraw_approval()
        self.error_label.clear_error()
        retry(manager)
