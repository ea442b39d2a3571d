"""Every scan answers aloud (issue 15, item 28): a member found beeps once and flashes the card's border; a scan
that finds nobody beeps twice; a lookup typed by hand stays silent. The bell is counted, not heard."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from tests.gui.conftest import GuiEnv
from tests.gui.helpers import let_time_pass, show_widget
from ui.main_window import MainWindow
from ui.scan_feedback import FLASH_MS, SECOND_BEEP_MS


@pytest.fixture
def beeps(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    heard: list[int] = []
    monkeypatch.setattr(QApplication, "beep", staticmethod(lambda: heard.append(1)))
    return heard


def _window(env: GuiEnv, qtbot: QtBot) -> MainWindow:
    env.login("C001")
    return show_widget(qtbot, MainWindow(env.ctx), active=True)


def test_a_scan_that_finds_the_member_beeps_once_and_flashes_the_card(
    gui_env: GuiEnv, qtbot: QtBot, beeps: list[int]
) -> None:
    window = _window(gui_env, qtbot)
    member_id, _phone = gui_env.member_phone(2)
    window._route_scan(gui_env.member_code(member_id))  # what the scan detector does with a scan
    qtbot.waitUntil(lambda: window.pages.currentWidget() is window.member_page)
    card = window.member_page.card
    assert beeps == [1] and card.property("flash") is True
    qtbot.waitUntil(lambda: card.property("flash") is False, timeout=FLASH_MS * 5)
    let_time_pass(qtbot, SECOND_BEEP_MS * 2)  # shows no second beep follows
    assert beeps == [1]


def test_a_scan_that_finds_nobody_beeps_twice(gui_env: GuiEnv, qtbot: QtBot, beeps: list[int]) -> None:
    window = _window(gui_env, qtbot)
    window._route_scan("13999999990")
    qtbot.waitUntil(lambda: len(beeps) == 2, timeout=SECOND_BEEP_MS * 10)
    assert window.pages.currentWidget() is window.lookup_page


def test_a_lookup_typed_by_hand_is_silent(gui_env: GuiEnv, qtbot: QtBot, beeps: list[int]) -> None:
    window = _window(gui_env, qtbot)
    _member_id, phone = gui_env.member_phone(3)
    field = window.lookup_page.input
    field.setFocus()
    for key in phone:  # a person's pace: no scan
        QTest.keyClicks(field, key)
        let_time_pass(qtbot, 60)  # slower than a scanner's keys
    QTest.keyClick(field, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.pages.currentWidget() is window.member_page)
    let_time_pass(qtbot, SECOND_BEEP_MS * 2)  # shows nothing beeps
    assert beeps == []
