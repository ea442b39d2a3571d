"""The counter window as staff meet it: the README's run command opens it logged in as the demo cashier; each role
sees what it may use; F-keys move between the screens; a scan lands on the lookup from anywhere; logging out
locks the counter; the language switches without a restart."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QDialog, QLabel, QLineEdit, QPushButton
from pytestqt.qtbot import QtBot

import main
from tests.gui.conftest import GuiEnv
from tests.gui.helpers import button_visible, child, let_time_pass, show_widget
from ui.i18n import Language, Translations
from ui.login_dialog import LoginDialog
from ui.main_window import MainWindow


def _window(env: GuiEnv, qtbot: QtBot, staff: str, translations: Translations | None = None) -> MainWindow:
    env.login(staff)
    return show_widget(qtbot, MainWindow(env.ctx, translations), active=True)  # shortcuts reach the active window only


def test_the_run_command_opens_the_window_logged_in_as_the_demo_cashier(
    tmp_path: Path, qapp: QApplication, capsys: object
) -> None:
    seen: dict[str, object] = {}

    def look_and_close() -> None:
        windows = [w for w in qapp.topLevelWidgets() if isinstance(w, MainWindow) and w.isVisible()]
        if not windows:
            QTimer.singleShot(100, look_and_close)
            return
        window = windows[0]
        seen["staff"] = window._ctx.staff
        seen["lookup"] = window.pages.currentWidget() is window.lookup_page
        # Closing the last window ends exec(); an extra quit() would leave Qt's posted Quit behind, which ends every
        # later test's event loop (qtbot.wait / waitUntil / waitSignal) before it processes anything.
        window.close()

    QTimer.singleShot(100, look_and_close)
    assert main.main(["--db", str(tmp_path / "demo" / "till.sqlite3"), "demo", "--members", "30"]) == 0
    staff = seen["staff"]
    assert getattr(staff, "code", None) == "C001" and seen["lookup"] is True


def test_a_cashier_sees_the_counter_actions_but_not_the_managers(gui_env: GuiEnv, qtbot: QtBot) -> None:
    window = _window(gui_env, qtbot, "C001")
    assert button_visible(window, "enrolButton") and not button_visible(window, "syncNavButton")
    member_id, _phone = gui_env.member_phone(0)
    window.show_member(member_id)
    assert button_visible(window, "awardButton") and button_visible(window, "redeemButton")


def test_a_guide_cannot_award_or_redeem(gui_env: GuiEnv, qtbot: QtBot) -> None:
    window = _window(gui_env, qtbot, "G001")
    member_id, _phone = gui_env.member_phone(1)
    window.show_member(member_id)
    assert not button_visible(window, "awardButton") and not button_visible(window, "redeemButton")
    assert button_visible(window, "preferencesNavButton") and not button_visible(window, "syncNavButton")


def test_a_manager_reaches_the_day_end_with_f9(gui_env: GuiEnv, qtbot: QtBot) -> None:
    window = _window(gui_env, qtbot, "M001")
    qtbot.keyClick(window, Qt.Key.Key_F9)
    assert window.pages.currentWidget() is window.sync_page
    qtbot.keyClick(window, Qt.Key.Key_F1)
    assert window.pages.currentWidget() is window.lookup_page


def test_a_scan_on_another_screen_lands_on_the_lookup_and_opens_the_member(gui_env: GuiEnv, qtbot: QtBot) -> None:
    window = _window(gui_env, qtbot, "M001")
    qtbot.keyClick(window, Qt.Key.Key_F9)
    member_id, _phone = gui_env.member_phone(2)
    gui_env.ctx.hub.scanned.emit(gui_env.member_code(member_id))
    qtbot.waitUntil(lambda: window.pages.currentWidget() is window.member_page)
    assert window.member_page.findChild(QLineEdit, "lookupInput") is None  # the card, not the search, is showing
    assert window._current_member == member_id


def test_logging_out_forgets_the_staff_and_asks_who_is_next(gui_env: GuiEnv, qtbot: QtBot) -> None:
    window = _window(gui_env, qtbot, "C001")
    member_id, _phone = gui_env.member_phone(0)
    window.show_member(member_id)
    qtbot.keyClick(window, Qt.Key.Key_F12)
    assert gui_env.ctx.staff is None
    assert window.pages.currentWidget() is window.lookup_page
    dialogs = [w for w in window.findChildren(LoginDialog) if w.isVisible()]
    assert len(dialogs) == 1


def test_the_language_switches_without_a_restart(gui_env: GuiEnv, qtbot: QtBot, qapp: QApplication) -> None:
    translations = Translations(qapp)
    translations.switch(Language.ZH_CN)
    try:
        window = _window(gui_env, qtbot, "C001", translations)
        chinese = window.lookup_nav.text()
        window.language_button.click()  # Qt posts LanguageChange to every window: it arrives with the event loop
        qtbot.waitUntil(lambda: window.lookup_nav.text().startswith("Lookup"))
        assert window.language_button.text() == "中文"
        window.language_button.click()
        qtbot.waitUntil(lambda: window.lookup_nav.text() == chinese)
        assert chinese != "Lookup\nF1" and window.language_button.text() == "English"
    finally:
        translations.uninstall()


def test_a_scan_while_a_dialog_is_open_does_not_change_the_member_behind_it(gui_env: GuiEnv, qtbot: QtBot) -> None:
    window = _window(gui_env, qtbot, "C001")
    first, _phone = gui_env.member_phone(0)
    other, _phone = gui_env.member_phone(1)
    window.show_member(first)
    child(window.member_page, QPushButton, "awardButton").click()
    qtbot.waitUntil(lambda: QApplication.activeModalWidget() is not None)
    window.scan_detector.scanned.emit(gui_env.member_code(other))
    let_time_pass(qtbot, 50)  # the scan must not open the other member, now or a moment later: no event to wait for
    assert window.pages.currentWidget() is window.member_page and window._current_member == first
    dialog = QApplication.activeModalWidget()
    assert isinstance(dialog, QDialog)
    dialog.reject()
    window.scan_detector.scanned.emit(gui_env.member_code(other))
    qtbot.waitUntil(lambda: window._current_member == other)


# -- issue 15: scans in dialogs (item 4) and F5 after "no member found" (item 8) --------------------------------------


def _award_dialog_open(env: GuiEnv, qtbot: QtBot) -> tuple[MainWindow, QDialog]:
    window = _window(env, qtbot, "C001")
    first, _phone = env.member_phone(0)
    window.show_member(first)
    child(window.member_page, QPushButton, "awardButton").click()
    qtbot.waitUntil(lambda: isinstance(QApplication.activeModalWidget(), QDialog))
    dialog = QApplication.activeModalWidget()
    assert isinstance(dialog, QDialog)
    return window, dialog


def test_a_receipt_scanned_while_typing_the_amount_fills_the_receipt_field(gui_env: GuiEnv, qtbot: QtBot) -> None:
    window, dialog = _award_dialog_open(gui_env, qtbot)
    amount = child(dialog, QLineEdit, "awardAmount")
    amount.setFocus()
    QTest.keyClicks(amount, "88")
    qtbot.waitUntil(lambda: amount.text() == "88")  # held for the scan window, then replayed: a person typed it
    window.scan_detector.scanned.emit("R2026120200017")
    receipt = child(dialog, QLineEdit, "receiptNumber")
    qtbot.waitUntil(lambda: receipt.text() == "R2026120200017")
    assert amount.text() == "88"  # what the cashier typed stays
    assert dialog.isVisible()  # the scanner's Enter did not confirm the award


def test_a_member_code_scanned_in_a_dialog_is_refused_with_a_notice(gui_env: GuiEnv, qtbot: QtBot) -> None:
    window, dialog = _award_dialog_open(gui_env, qtbot)
    other, _phone = gui_env.member_phone(1)
    receipt = child(dialog, QLineEdit, "receiptNumber")
    window.scan_detector.scanned.emit(gui_env.member_code(other))
    error = child(dialog, QLabel, "errorLabel")
    qtbot.waitUntil(error.isVisible)
    assert error.text() == "Finish or cancel this first"
    assert receipt.text() == ""  # a member code is no receipt number


def test_a_member_code_scanned_into_the_receipt_field_is_refused_and_confirms_nothing(
    gui_env: GuiEnv, qtbot: QtBot
) -> None:
    window, dialog = _award_dialog_open(gui_env, qtbot)
    other, _phone = gui_env.member_phone(1)
    receipt = child(dialog, QLineEdit, "receiptNumber")
    receipt.setFocus()
    qtbot.waitUntil(receipt.hasFocus)
    QTest.keyClicks(receipt, gui_env.member_code(other))  # at machine speed: a scanner
    QTest.keyClick(receipt, Qt.Key.Key_Return)
    error = child(dialog, QLabel, "errorLabel")
    qtbot.waitUntil(error.isVisible)
    assert error.text() == "Finish or cancel this first"
    assert receipt.text() == "" and dialog.isVisible()
    assert window._current_member != other


def test_f5_after_no_member_for_a_phone_enrols_that_phone(gui_env: GuiEnv, qtbot: QtBot) -> None:
    window = _window(gui_env, qtbot, "C001")
    phone = "13900001111"
    assert gui_env.till.members.find_by_phone(gui_env.ctx.actor(), phone) is None
    lookup = child(window.lookup_page, QLineEdit, "lookupInput")
    lookup.setText("139 0000 1111")
    QTest.keyClick(lookup, Qt.Key.Key_Return)
    qtbot.keyClick(window, Qt.Key.Key_F5)
    qtbot.waitUntil(lambda: isinstance(QApplication.activeModalWidget(), QDialog))
    dialog = QApplication.activeModalWidget()
    assert isinstance(dialog, QDialog)
    assert child(dialog, QLineEdit, "enrolPhone").text() == "13900001111"
    dialog.reject()


# -- issue 15, item 7: Enter presses the focused button ---------------------------------------------------------------


def test_enter_on_a_focused_button_presses_it(gui_env: GuiEnv, qtbot: QtBot) -> None:
    window = _window(gui_env, qtbot, "C001")
    member_id, _phone = gui_env.member_phone(0)
    window.show_member(member_id)
    entries_before = len(gui_env.entries(member_id))
    award = child(window.member_page, QPushButton, "awardButton")
    award.setFocus()
    qtbot.waitUntil(award.hasFocus)
    QTest.keyClick(award, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: isinstance(QApplication.activeModalWidget(), QDialog))
    dialog = QApplication.activeModalWidget()
    assert isinstance(dialog, QDialog)
    QTest.keyClicks(child(dialog, QLineEdit, "awardAmount"), "100")
    cancel = child(dialog, QPushButton, "cancelButton")
    cancel.setFocus()
    qtbot.waitUntil(cancel.hasFocus)
    QTest.keyClick(cancel, Qt.Key.Key_Enter, Qt.KeyboardModifier.KeypadModifier)  # Enter on Cancel cancels
    qtbot.waitUntil(lambda: not dialog.isVisible())
    assert dialog.result() == QDialog.DialogCode.Rejected
    assert len(gui_env.entries(member_id)) == entries_before  # nothing was awarded


def test_a_scanners_enter_on_a_focused_button_is_the_scans_not_a_press(gui_env: GuiEnv, qtbot: QtBot) -> None:
    """The scan detector sees a scanner's Enter before the Enter-presses-buttons filter does."""
    window = _window(gui_env, qtbot, "C001")
    first, _phone = gui_env.member_phone(0)
    other, _phone = gui_env.member_phone(1)
    window.show_member(first)
    award = child(window.member_page, QPushButton, "awardButton")
    award.setFocus()
    qtbot.waitUntil(award.hasFocus)
    QTest.keyClicks(award, gui_env.member_code(other))  # at machine speed: a scanner
    QTest.keyClick(award, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window._current_member == other)
    assert QApplication.activeModalWidget() is None  # the award dialog was not opened by the scanner's Enter


def test_a_digit_typed_on_the_member_page_starts_a_new_lookup(gui_env: GuiEnv, qtbot: QtBot) -> None:
    """The next customer's phone typed while the last one's card shows: the lookup takes over from the first digit,
    and the card is put away (issue 15, item 29)."""
    window = _window(gui_env, qtbot, "C001")
    member_id, phone = gui_env.member_phone(2)
    window.show_member(member_id)
    window.member_page.setFocus()
    QTest.keyClicks(window.member_page, "1")
    qtbot.waitUntil(lambda: window.pages.currentWidget() is window.lookup_page)
    field = window.lookup_page.input
    assert field.text() == "1" and not field.hasSelectedText() and window._current_member is None
    QTest.keyClicks(field, phone[1:])
    assert field.text() == phone
