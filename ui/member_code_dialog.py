"""A member's card code (the signed QR): `MemberCodePanel` fetches it from the server, checks it with this till's
key and shows it with print and save-as-PNG; `MemberCodeDialog` is the panel for a member on the member page. The
enrolment dialog shows the same panel once the new member has reached the server.

Only the server signs member codes, so the code is fetched each time (`sync.member_codes` on `ctx.ops.net`, a
short timeout) and never stored. When the server does not answer, or does not know the member yet (an enrolment
not synced), the panel says so in plain words; the member can always be found by phone.

Thread: GUI thread; the fetch runs on a network worker (`ctx.ops.net`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from enum import Enum, auto
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QStandardPaths, Qt, Signal
from PySide6.QtGui import QPaintDevice
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from localdb.errors import Problem, StoreError
from localdb.member_view import MemberView
from loyalty.member_code import InvalidMemberCode
from protocol.vocabulary import ErrorCode
from sync.client import ServerBusy, ServerUnreachable, SyncError
from sync.engine import SyncReport
from sync.member_codes import fetch_member_code
from ui.context import AppContext
from ui.messages import describe
from ui.save_file import ask_save_path
from widgets.display import join_sentences, mark_member_data, no_orphan
from widgets.qr_view import QrView
from widgets.retranslating import Retranslating

if TYPE_CHECKING:
    from protocol.wire import IssuedMemberCode

log = logging.getLogger(__name__)

DEFAULT_PNG_NAME = "member-code.png"  # no phone digits or name in a file name: files get copied around


class CodeState(Enum):
    """What the panel shows; each state has its one sentence (retranslated on a language change)."""

    EMPTY = auto()
    SYNCING = auto()  # the enrolment is being sent to the server
    FETCHING = auto()
    SHOWN = auto()
    AFTER_NEXT_SYNC = auto()  # the server does not know the member yet, or could not be asked after an enrolment
    UNAVAILABLE = auto()  # the server could not be asked (offline, refused)
    NO_CARD = auto()  # the member's card is revoked


class MemberCodePanel(Retranslating, QWidget):
    """objectName `memberCodePanel`: the `qrView`, a `codeStatus` line, `printButton` and `savePngButton` (enabled
    once a code is shown). Signal `code_shown(member_id)`: the member the shown code is for (a merge's survivor)."""

    code_shown = Signal(str)

    def __init__(self, ctx: AppContext, *, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("memberCodePanel")
        self._ctx = ctx
        self._state = CodeState.EMPTY
        self._error: BaseException | None = None
        self._caption = ""
        self._printer: QPrinter | None = None
        self._offline_state = CodeState.UNAVAILABLE
        self._current_id: Callable[[], str] | None = None
        self._waiting_sync = False
        self._restart_sync = False
        self._stopped = False
        self.code_member_id: str | None = None

        self.qr_view = QrView(parent=self)
        self.qr_view.setMinimumSize(self.qr_view.sizeHint())  # 6 px a module: a phone reads it off the screen
        self.status_label = QLabel(self)
        self.status_label.setObjectName("codeStatus")
        self.status_label.setWordWrap(True)
        self.status_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.print_button = QPushButton(self)
        self.print_button.setObjectName("printButton")
        self.print_button.setAutoDefault(False)
        self.print_button.clicked.connect(self._print)
        self.save_button = QPushButton(self)
        self.save_button.setObjectName("savePngButton")
        self.save_button.setAutoDefault(False)
        self.save_button.clicked.connect(self._ask_and_save)

        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.print_button)
        buttons.addWidget(self.save_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(10)
        layout.addWidget(self.qr_view, 1)
        layout.addWidget(self.status_label)
        layout.addLayout(buttons)
        self.retranslate()

    # -- state -----------------------------------------------------------------------------------------------------

    @property
    def state(self) -> CodeState:
        return self._state

    def set_member(self, member: MemberView) -> None:
        """Whose code this is: the printed caption (name and masked phone, never the full phone)."""
        self._caption = f"{member.name} · {member.phone_masked}"

    def set_state(self, state: CodeState, error: BaseException | None = None) -> None:
        """Show `state`'s sentence, after the reason `error` gives (in words from ui.messages) if any."""
        self._state = state
        self._error = error
        if state is not CodeState.SHOWN:
            self.qr_view.clear()
            self.code_member_id = None
        shown = state is CodeState.SHOWN
        coming = state in (CodeState.SYNCING, CodeState.FETCHING)
        self.print_button.setEnabled(shown)
        self.save_button.setEnabled(shown)
        for widget in (self.qr_view, self.print_button, self.save_button):
            widget.setVisible(shown or coming)  # no empty frame where no code will come
        self._show_status()

    def fetch(self, member_id: str, *, offline_state: CodeState = CodeState.UNAVAILABLE) -> None:
        """Ask the server for the member's code (on a network worker) and show it; `offline_state` is what to say
        when the server does not answer."""
        self._offline_state = offline_state
        self.set_state(CodeState.FETCHING)
        ctx = self._ctx
        staff_code = ctx.staff.code if ctx.staff is not None else None  # for the server's audit of codes handed out
        ctx.ops.net(lambda: fetch_member_code(ctx.server_client(), member_id, staff_code=staff_code), self._fetched,
                    self._failed, owner=self)  # fmt: skip

    def _fetched(self, answer: IssuedMemberCode) -> None:
        if answer.code is None or answer.member_id is None:
            if answer.reason == ErrorCode.NO_VALID_CARD.value:
                self.set_state(CodeState.NO_CARD)
            else:  # unknown_member: an enrolment the server has not been sent yet
                self.set_state(CodeState.AFTER_NEXT_SYNC)
            return
        try:
            # The code must be one this chain's tills accept before a member carries it away.
            self._ctx.till.members.find_by_code(self._ctx.actor(), answer.code)
        except InvalidMemberCode as refusal:
            log.warning("the server's member code does not verify at this till: %s", refusal.problem.value)
            self.set_state(CodeState.UNAVAILABLE, refusal)
            return
        except StoreError as refusal:
            if refusal.problem is not Problem.NO_MEMBER_CODE_KEY:  # no key yet: nothing to check it with
                self.set_state(CodeState.UNAVAILABLE, refusal)
                return
        self.show_code(answer.code, answer.member_id)

    def fetch_after_sync(self, member_id: str, *, current_id: Callable[[], str]) -> None:
        """For a member just enrolled here: the server signs only for members it knows, so sync first (which pushes
        the enrolment), then fetch the code of `current_id()` (the member's id after the sync, which may have merged
        the enrolment into a member the server already had). Unless the till knows it is online, a quick question
        first (the code call's short timeout), so an offline till says at once that the code comes after the next
        sync instead of waiting out the sync's patient retries."""
        self._current_id = current_id
        self.set_state(CodeState.SYNCING)
        if self._ctx.sync.online is True:
            self._start_sync()
            return
        ctx = self._ctx
        ctx.ops.net(lambda: fetch_member_code(ctx.server_client(), member_id), lambda _answer: self._start_sync(),
                    self._not_now, owner=self)  # fmt: skip

    def _not_now(self, error: Exception) -> None:
        self.set_state(CodeState.AFTER_NEXT_SYNC, error)

    def _start_sync(self) -> None:
        if self._stopped:
            return  # closed while the server was asked: the background sync will send the member
        self._ctx.hub.sync_finished.connect(self._sync_finished)
        self._waiting_sync = True
        # A run already going may have started before the enrolment was written: wait for it, then run ours.
        self._restart_sync = not self._ctx.sync.sync_now()

    def _sync_finished(self, report: SyncReport) -> None:
        if not self._waiting_sync:
            return
        if self._restart_sync:
            self._restart_sync = not self._ctx.sync.sync_now()
            return
        self.stop_waiting()
        if report.error is not None:
            self.set_state(CodeState.AFTER_NEXT_SYNC, SyncError(report.error, code=report.error))
        elif self._current_id is not None:
            self.fetch(self._current_id(), offline_state=CodeState.AFTER_NEXT_SYNC)

    def stop_waiting(self) -> None:
        if self._waiting_sync:
            self._waiting_sync = False
            self._ctx.hub.sync_finished.disconnect(self._sync_finished)

    def stop(self) -> None:
        """The dialog closes: wait for no sync (a sync running goes on and sends the member all the same)."""
        self._stopped = True
        self.stop_waiting()

    def _failed(self, error: Exception) -> None:
        offline = isinstance(error, ServerUnreachable | ServerBusy)
        self.set_state(self._offline_state if offline else CodeState.UNAVAILABLE, error)

    def show_code(self, code: str, member_id: str) -> None:
        try:
            self.qr_view.set_code(code)
        except ValueError as refusal:  # not QR alphanumeric: not a code from our server
            self.set_state(CodeState.UNAVAILABLE, refusal)
            return
        self.set_state(CodeState.SHOWN)
        self._ctx.member_codes[member_id] = code  # a slip printed for this member carries it (memory only)
        self.code_member_id = member_id
        self.code_shown.emit(member_id)

    # -- words -----------------------------------------------------------------------------------------------------

    def retranslate(self) -> None:
        self.print_button.setText(self.tr("Print"))
        self.save_button.setText(self.tr("Save as PNG"))
        self.qr_view.set_placeholder(self._placeholder())
        self._show_status()

    def _placeholder(self) -> str:
        return self.tr("Getting the code…") if self._state in (CodeState.SYNCING, CodeState.FETCHING) else ""

    def _sentence(self) -> str:
        found_by_phone = self.tr("Meanwhile the member can be found by phone.")
        sentences = {
            CodeState.EMPTY: "",
            CodeState.SYNCING: self.tr("Sending the new member to the server…"),
            CodeState.FETCHING: self.tr("Getting the card code from the server…"),
            CodeState.SHOWN: self.tr("Scan this code at any of our tills to find the member at once."),
            CodeState.AFTER_NEXT_SYNC: join_sentences(self.tr("The card code will be ready after the next sync."),
                                                      found_by_phone),
            CodeState.UNAVAILABLE: join_sentences(self.tr("The card code cannot be shown now."), found_by_phone),
            CodeState.NO_CARD: join_sentences(self.tr("This member's card was revoked: there is no code to show."),
                                              found_by_phone),
        }  # fmt: skip
        return sentences[self._state]

    def _show_status(self) -> None:
        words = self._sentence()
        if self._error is not None:
            words = join_sentences(describe(self._error), words)
        self.status_label.setText(no_orphan(words))
        if self._state in (CodeState.UNAVAILABLE, CodeState.NO_CARD):
            tone = "error"
        else:  # after an enrolment a missing code is no failure: the member is saved, the code comes later
            tone = "ok" if self._state is CodeState.SHOWN else "muted"
        self.status_label.setProperty("tone", tone)
        self.status_label.style().unpolish(self.status_label)
        self.status_label.style().polish(self.status_label)
        self.qr_view.set_placeholder(self._placeholder())

    # -- print and PNG ---------------------------------------------------------------------------------------------

    @property
    def printer(self) -> QPrinter:
        """The printer the print button uses (kept, so the chosen printer and settings stay for the next print)."""
        if self._printer is None:
            self._printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        return self._printer

    def _print(self) -> None:
        if self._state is not CodeState.SHOWN:
            return
        dialog = QPrintDialog(self.printer, self)
        dialog.setWindowTitle(self.tr("Print the member code"))
        if dialog.exec() == QDialog.DialogCode.Accepted and not self.print_to(self.printer):
            self._show_problem(self.tr("The printer could not be started. Check it and try again."))

    def print_to(self, printer: QPaintDevice) -> bool:
        """One page: a title, the code and whose it is. False when the printer could not be started."""
        hint = self.tr("Show this code at the till to collect and use points.")
        return self.qr_view.print_page(printer, self.tr("Member code"), [self._caption, hint])

    def _ask_and_save(self) -> None:
        if self._state is not CodeState.SHOWN:
            return
        folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.PicturesLocation)
        self.save_dialog = ask_save_path(
            self,
            self.tr("Save the member code"),
            Path(folder) / DEFAULT_PNG_NAME,
            self.tr("PNG image (*.png)"),
            self.save_png,
        )

    def save_png(self, path: Path | str) -> Path | None:
        """Save the shown code as PNG (".png" added when the name has no suffix); the path, or None when it could
        not be written (the panel says so)."""
        target = Path(path)
        if not target.suffix:
            target = target.with_suffix(".png")
        try:
            saved = self.qr_view.save_png(target)
        except (OSError, ValueError):
            self._show_problem(self.tr("The PNG could not be saved there. Choose another folder."))
            return None
        self.status_label.setText(self.tr("Saved as %1.").replace("%1", saved.name))
        return saved

    def _show_problem(self, words: str) -> None:
        self.status_label.setText(words)
        self.status_label.setProperty("tone", "error")
        self.status_label.style().unpolish(self.status_label)
        self.status_label.style().polish(self.status_label)


class MemberCodeDialog(Retranslating, QDialog):
    """A member's card code from the member page: fetched from the server when the dialog opens. `panel` (with
    `qrView`, `printButton`, `savePngButton`, `codeStatus`), `closeButton`."""

    def __init__(self, ctx: AppContext, member: MemberView, *, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("memberCodeDialog")
        self.setModal(True)
        self._member = member
        self._heading = QLabel(self)
        self._heading.setProperty("tone", "title")
        self._member_line = QLabel(f"{member.name} · {member.phone_masked}", self)
        self._member_line.setObjectName("memberCodeMember")
        mark_member_data(self._member_line)
        self._member_line.setProperty("tone", "muted")
        self.panel = MemberCodePanel(ctx, parent=self)
        self.panel.set_member(member)
        self.close_button = QPushButton(self)
        self.close_button.setObjectName("closeButton")
        self.close_button.setDefault(True)
        self.close_button.clicked.connect(self.accept)

        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 20)
        layout.setSpacing(12)
        layout.addWidget(self._heading)
        layout.addWidget(self._member_line)
        layout.addWidget(self.panel, 1)
        layout.addLayout(buttons)
        self.setMinimumWidth(420)
        self.retranslate()
        self.panel.fetch(member.id)

    def save_png(self, path: Path | str) -> Path | None:
        return self.panel.save_png(path)

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Member code"))
        self._heading.setText(self.tr("Member code"))
        self.close_button.setText(self.tr("Close"))
