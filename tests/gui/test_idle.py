"""An untouched counter (issue 15, item 30): after a while the member is put away, so the last customer's name and
balance never greet the next one; after longer the counter locks to the PIN pad. Any key, scan or click starts the
clocks again, and an open dialog is not pulled from under the cashier. The intervals are shortened for the test
(the shipped ones are a minute and ten minutes: ui/settings.py)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QDialog
from pytestqt.qtbot import QtBot
from sqlalchemy import func, select

from localdb.models import OutboxItem
from tests.gui.conftest import GuiEnv
from tests.gui.helpers import click, let_time_pass, show_widget
from ui.login_dialog import LoginDialog
from ui.main_window import MainWindow
from ui.settings import IDLE_LOCK_MINUTES, MEMBER_IDLE_SECONDS


def _window(env: GuiEnv, qtbot: QtBot, *, member_ms: int, lock_ms: int) -> MainWindow:
    env.login("C001")
    window = show_widget(qtbot, MainWindow(env.ctx), active=True)
    window.idle_watch.set_intervals(member_after_ms=member_ms, lock_after_ms=lock_ms)
    window.idle_watch.start()
    return window


def _on_member_page(env: GuiEnv, window: MainWindow) -> str:
    member_id, phone = env.member_phone(0)
    QTest.keyClicks(window.lookup_page.input, phone)
    QTest.keyClick(window.lookup_page.input, Qt.Key.Key_Return)
    return member_id


def _outbox(env: GuiEnv) -> int:
    with env.till.db.read() as session:
        return session.scalar(select(func.count()).select_from(OutboxItem)) or 0


def test_the_shipped_clocks_are_a_minute_and_ten_minutes(gui_env: GuiEnv, qtbot: QtBot) -> None:
    window = show_widget(qtbot, MainWindow(gui_env.ctx))
    assert (MEMBER_IDLE_SECONDS.default, IDLE_LOCK_MINUTES.default) == (60, 10)
    assert window.idle_watch.member_timer.interval() == 60_000
    assert window.idle_watch.lock_timer.interval() == 600_000


def test_an_untouched_member_page_goes_back_to_an_empty_lookup(gui_env: GuiEnv, qtbot: QtBot) -> None:
    window = _window(gui_env, qtbot, member_ms=400, lock_ms=60_000)
    _on_member_page(gui_env, window)
    qtbot.waitUntil(lambda: window.pages.currentWidget() is window.member_page)

    for _ in range(6):  # a cashier still working: every key starts the clock again
        let_time_pass(qtbot, 150)  # less than the idle time between keys
        QTest.keyClick(window.member_page, Qt.Key.Key_Control)
    assert window.pages.currentWidget() is window.member_page

    qtbot.waitUntil(lambda: window.pages.currentWidget() is window.lookup_page, timeout=3000)
    assert window.lookup_page.input.text() == ""
    assert gui_env.ctx.staff is not None  # put away, not locked


def test_an_open_dialog_is_not_pulled_away_by_the_member_clock(gui_env: GuiEnv, qtbot: QtBot) -> None:
    window = _window(gui_env, qtbot, member_ms=200, lock_ms=60_000)
    _on_member_page(gui_env, window)
    qtbot.waitUntil(lambda: window.pages.currentWidget() is window.member_page)
    click(window.member_page.award_button)
    qtbot.waitUntil(lambda: isinstance(QApplication.activeModalWidget(), QDialog))
    let_time_pass(qtbot, 600)  # three idle periods with the award dialog open: nothing moves
    assert window.pages.currentWidget() is window.member_page
    dialog = QApplication.activeModalWidget()
    assert isinstance(dialog, QDialog) and dialog.isVisible()
    dialog.reject()


def test_an_untouched_counter_locks_closing_an_idle_dialog_and_saving_nothing(gui_env: GuiEnv, qtbot: QtBot) -> None:
    window = _window(gui_env, qtbot, member_ms=60_000, lock_ms=1_000)
    _on_member_page(gui_env, window)
    qtbot.waitUntil(lambda: window.pages.currentWidget() is window.member_page)
    queued = _outbox(gui_env)
    click(window.member_page.award_button)
    qtbot.waitUntil(lambda: isinstance(QApplication.activeModalWidget(), QDialog))
    award = QApplication.activeModalWidget()
    assert isinstance(award, QDialog)
    closed: list[int] = []
    award.finished.connect(closed.append)

    qtbot.waitUntil(lambda: gui_env.ctx.staff is None, timeout=5000)
    qtbot.waitUntil(lambda: isinstance(QApplication.activeModalWidget(), LoginDialog))
    assert closed == [QDialog.DialogCode.Rejected]  # the half-filled award was dropped, not saved
    assert window.pages.currentWidget() is window.lookup_page
    assert _outbox(gui_env) == queued
