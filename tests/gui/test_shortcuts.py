"""Keys for the buttons a cashier reaches for most (issue 15, item 31): F7 shows the member code, F3 in the redeem
dialog uses the most, F8 asks a manager when approval is offered, F1 in the enrol dialog opens the member a known
phone belongs to; and Alt+F4 (or the window's close button) asks before closing the till."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QCloseEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLineEdit, QMessageBox, QPushButton
from pytestqt.qtbot import QtBot

from localdb.errors import Problem, StoreError
from tests.gui.conftest import GuiEnv
from tests.gui.helpers import child, show_widget, type_into
from tests.gui.test_redeem import rich_member
from ui.approval_dialog import ApprovalDialog
from ui.enrol_dialog import EnrolDialog
from ui.main_window import MainWindow
from ui.member_code_dialog import MemberCodeDialog
from ui.redeem_dialog import RedeemDialog


def test_f7_on_the_member_page_shows_the_member_code(gui_env: GuiEnv, qtbot: QtBot) -> None:
    gui_env.login("C001")
    window = show_widget(qtbot, MainWindow(gui_env.ctx), active=True)
    member_id, _phone = gui_env.member_phone(0)
    window.show_member(member_id)
    assert child(window.member_page, QPushButton, "memberCodeButton").text().endswith("(F7)")
    QTest.keyClick(window, Qt.Key.Key_F7)
    qtbot.waitUntil(lambda: isinstance(QApplication.activeModalWidget(), MemberCodeDialog))
    dialog = QApplication.activeModalWidget()
    assert isinstance(dialog, MemberCodeDialog)
    dialog.reject()


def test_f3_in_the_redeem_dialog_uses_the_most(gui_env: GuiEnv, qtbot: QtBot) -> None:
    gui_env.login("C001")
    dialog = show_widget(qtbot, RedeemDialog(gui_env.ctx, rich_member(gui_env)), active=True)
    assert child(dialog, QPushButton, "redeemMaxButton").text().endswith("(F3)")
    type_into(dialog, "billAmount", "88.80")
    QTest.keyClick(dialog, Qt.Key.Key_F3)
    assert child(dialog, QLineEdit, "redeemPoints").text() == "4440"


def test_f8_asks_a_manager_when_the_dialog_offers_approval(gui_env: GuiEnv, qtbot: QtBot) -> None:
    gui_env.login("C001")
    dialog = show_widget(qtbot, RedeemDialog(gui_env.ctx, rich_member(gui_env)), active=True)
    QTest.keyClick(dialog, Qt.Key.Key_F8)  # nothing to approve yet: the key does nothing
    assert dialog.findChild(ApprovalDialog) is None
    dialog.error_label.show_error(StoreError(Problem.APPROVAL_REQUIRED))
    dialog.offer_approval(lambda _manager: None)
    assert dialog.approval_button is not None and dialog.approval_button.text().endswith("(F8)")
    QTest.keyClick(dialog, Qt.Key.Key_F8)
    approval = dialog.findChild(ApprovalDialog)
    assert approval is not None
    qtbot.waitUntil(approval.isVisible)
    approval.reject()


def test_f1_in_the_enrol_dialog_opens_the_member_the_phone_belongs_to(gui_env: GuiEnv, qtbot: QtBot) -> None:
    gui_env.login("C001")
    member_id, phone = gui_env.member_phone(3)
    dialog = show_widget(qtbot, EnrolDialog(gui_env.ctx, phone=phone), active=True)
    QTest.keyClicks(dialog.name_input, "Dup")
    QTest.keyClick(dialog.name_input, Qt.Key.Key_Return)
    qtbot.waitUntil(dialog.open_existing_button.isVisible)
    assert dialog.open_existing_button.text().endswith("(F1)")
    with qtbot.waitSignal(dialog.existing_member, timeout=1000) as opened:
        QTest.keyClick(dialog, Qt.Key.Key_F1)
    assert opened.args == [member_id]


def _answer_close_question(qtbot: QtBot, button_name: str, asked: list[str]) -> None:
    tries = [50]  # a second at most: a question that never comes must not be answered in a later test

    def answer() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            tries[0] -= 1
            if tries[0] > 0:
                QTimer.singleShot(20, answer)
            return
        asked.append(box.text())
        child(box, QPushButton, button_name).click()

    QTimer.singleShot(20, answer)


def test_alt_f4_asks_before_closing_the_till(gui_env: GuiEnv, qtbot: QtBot) -> None:
    gui_env.login("C001")
    window = show_widget(qtbot, MainWindow(gui_env.ctx), active=True)
    asked: list[str] = []
    _answer_close_question(qtbot, "keepWorkingButton", asked)
    QTest.keyClick(window, Qt.Key.Key_F4, Qt.KeyboardModifier.AltModifier)
    assert asked == ["Close MemberDesk on this till?"]
    assert window.isVisible() and gui_env.ctx.staff is not None
    window.activateWindow()  # offscreen there is no window manager to give the activation back
    qtbot.waitUntil(window.isActiveWindow)
    _answer_close_question(qtbot, "closeButton", asked)
    QTest.keyClick(window, Qt.Key.Key_F4, Qt.KeyboardModifier.AltModifier)
    assert len(asked) == 2
    qtbot.waitUntil(lambda: not window.isVisible())


class _WindowSystemClose(QCloseEvent):
    """A close request as the window manager sends it for Alt+F4 or the title bar's button (Qt marks those
    spontaneous; offscreen there is no window manager to send one)."""

    def spontaneous(self) -> bool:
        return True


def test_the_window_managers_close_request_asks_too(gui_env: GuiEnv, qtbot: QtBot) -> None:
    gui_env.login("C001")
    window = show_widget(qtbot, MainWindow(gui_env.ctx), active=True)
    asked: list[str] = []
    _answer_close_question(qtbot, "keepWorkingButton", asked)
    request = _WindowSystemClose()
    window.closeEvent(request)
    assert asked == ["Close MemberDesk on this till?"] and not request.isAccepted()
