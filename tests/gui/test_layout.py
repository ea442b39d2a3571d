"""The counter window fits the tills it runs on: with the app's real look (stylesheet and font), a manager logged in
so every button shows, in both languages, the status bar and every button of every page lie inside a 1366 x 768
window and a 1280 x 720 one (a 1366 x 768 screen less its title bar), none squeezed below its own height; the
window opens maximised the first time; on a 1920 x 1080 screen the member's name and balance are set larger; the
preferences page shows more than six whole rows, who recorded each preference by name, and Back in the member
page's corner; a dialog keeps its height when a refusal appears."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QApplication, QLabel, QLineEdit, QPushButton, QWidget
from pytestqt.qtbot import QtBot

from protocol.vocabulary import PreferenceKind
from tests.gui.conftest import GuiEnv
from tests.gui.helpers import child, click, show_widget, type_into
from ui.app import application
from ui.award_dialog import AwardDialog
from ui.i18n import Language, Translations
from ui.login_dialog import LoginDialog
from ui.main_window import MainWindow

ACTIONS = ("awardButton", "redeemButton", "reverseButton", "returnButton", "preferencesButton", "memberCodeButton",
           "editMemberButton", "reissueCardButton", "backButton")  # fmt: skip


@pytest.fixture
def styled(qapp: QApplication) -> Iterator[QApplication]:
    """The app's own stylesheet and font (what decides the sizes), put back as they were after the test."""
    font, sheet = QFont(qapp.font()), qapp.styleSheet()
    application()
    yield qapp
    qapp.setStyleSheet(sheet)
    qapp.setFont(font)


def _window(env: GuiEnv, qtbot: QtBot, size: tuple[int, int], translations: Translations | None) -> MainWindow:
    window = MainWindow(env.ctx, translations)
    qtbot.addWidget(window)
    window.setWindowState(Qt.WindowState.WindowNoState)  # the offscreen screen is smaller than the till's
    window.resize(*size)
    with qtbot.waitExposed(window):
        window.show()
    return window


def _inside(window: MainWindow, widget: QWidget) -> QRect:
    """`widget`'s rectangle in window coordinates; the test fails naming it when it leaves the window."""
    rect = QRect(widget.mapTo(window, widget.rect().topLeft()), widget.size())
    assert window.rect().contains(rect), (widget.objectName() or type(widget).__name__, rect, window.size())
    return rect


def _check_page(qtbot: QtBot, window: MainWindow, page: QWidget) -> None:
    qtbot.waitUntil(lambda: window.pages.currentWidget() is page)
    QApplication.processEvents()
    _inside(window, window.status_bar)
    buttons = [b for b in window.findChildren(QPushButton) if b.isVisible() and b.window() is window]
    assert buttons
    for button in buttons:
        _inside(window, button)
        assert button.height() >= button.minimumSizeHint().height(), (button.objectName(), button.height())


@pytest.mark.parametrize("language", [Language.ZH_CN, Language.EN])
@pytest.mark.parametrize("size", [(1366, 768), (1280, 720)])
def test_every_page_fits_the_window_with_the_status_bar_and_every_button(
    gui_env: GuiEnv, qtbot: QtBot, styled: QApplication, language: Language, size: tuple[int, int]
) -> None:
    translations = Translations(styled)
    try:
        translations.switch(language)
        gui_env.login("M001")  # a manager sees every button
        window = _window(gui_env, qtbot, size, translations)
        assert (window.width(), window.height()) == size  # the pages' minimum sizes did not push the window out
        member_id, _phone = gui_env.member_phone(0)

        window.show_lookup()
        _check_page(qtbot, window, window.lookup_page)

        window.show_member(member_id)
        _check_page(qtbot, window, window.member_page)
        actions = [child(window.member_page, QPushButton, name) for name in ACTIONS]
        assert all(button.isVisible() for button in actions)
        assert len({button.height() for button in actions}) == 1, [(b.objectName(), b.height()) for b in actions]

        window.show_preferences(member_id)
        _check_page(qtbot, window, window.preferences_page)

        window.show_sync()
        _check_page(qtbot, window, window.sync_page)
        assert (window.width(), window.height()) == size
    finally:
        translations.uninstall()


def test_the_window_opens_maximised_the_first_time(gui_env: GuiEnv, qtbot: QtBot) -> None:
    gui_env.login("C001")
    window = MainWindow(gui_env.ctx)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(window.isMaximized)


def test_a_wide_screen_sets_the_name_and_balance_larger(gui_env: GuiEnv, qtbot: QtBot, styled: QApplication) -> None:
    gui_env.login("C001")
    member_id, _phone = gui_env.member_phone(0)
    heights: dict[int, tuple[int, int]] = {}
    for width, height in ((1366, 768), (1920, 1080)):
        window = _window(gui_env, qtbot, (width, height), None)
        window.show_member(member_id)
        QApplication.processEvents()
        name = child(window.member_page, QLabel, "memberName")
        balance = child(window.member_page, QLabel, "pointsBalance")
        heights[width] = (name.fontMetrics().height(), balance.fontMetrics().height())
        window.close()
    assert heights[1920][0] > heights[1366][0] * 1.25 and heights[1920][1] > heights[1366][1] * 1.25, heights


def test_the_preferences_page_shows_whole_rows_the_recorder_by_name_and_back_where_the_member_page_has_it(
    gui_env: GuiEnv, qtbot: QtBot, styled: QApplication
) -> None:
    guide = gui_env.login("G001")
    member_id, _phone = gui_env.member_phone(2)
    gui_env.till.members.set_consent(guide, member_id, profile=True)
    for n in range(12):  # more than the list can show at once
        gui_env.till.preferences.add(guide, member_id, PreferenceKind.CATEGORY, f"category {n}")
    window = _window(gui_env, qtbot, (1366, 768), None)
    window.show_member(member_id)
    QApplication.processEvents()
    back_on_member_page = _inside(window, child(window.member_page, QPushButton, "backButton"))

    window.show_preferences(member_id)
    QApplication.processEvents()
    tree = window.preferences_page.preference_list
    viewport = tree.viewport().rect()
    rows, item = [], tree.topLevelItem(0)
    while item is not None:
        rect = tree.visualItemRect(item)
        if rect.intersects(viewport):
            assert viewport.contains(rect), f"row {item.text(0)!r} is cut: {rect} in {viewport}"
            rows.append(item)
        item = tree.itemBelow(item)
    assert len(rows) > 6, len(rows)
    recorded = [row.text(1) for row in rows if row.text(0).startswith("category ")]
    assert recorded and set(recorded) == {"张导购"}  # the guide's name, not the code G001

    back = _inside(window, child(window.preferences_page, QPushButton, "backButton"))
    assert (back.right(), back.bottom()) == (back_on_member_page.right(), back_on_member_page.bottom())


@pytest.mark.parametrize("language", [Language.ZH_CN, Language.EN])
def test_a_dialog_keeps_its_height_and_its_buttons_in_place_when_a_refusal_appears(
    gui_env: GuiEnv, qtbot: QtBot, styled: QApplication, language: Language
) -> None:
    translations = Translations(styled)
    try:
        translations.switch(language)
        gui_env.login("C001")
        award = show_widget(qtbot, AwardDialog(gui_env.ctx, gui_env.plain_member()))
        confirm = child(award, QPushButton, "confirmButton")
        before = (award.height(), confirm.mapTo(award, confirm.rect().topLeft()))
        type_into(award, "awardAmount", "12a")
        qtbot.waitUntil(lambda: award.error_label.isVisible() and award.error_label.text() != "")
        QApplication.processEvents()
        assert (award.height(), confirm.mapTo(award, confirm.rect().topLeft())) == before

        gui_env.ctx.log_out()
        login = show_widget(qtbot, LoginDialog(gui_env.ctx), active=True)
        height = login.height()
        qtbot.keyClicks(child(login, QLineEdit, "staffCode"), "G001")
        qtbot.keyClicks(child(login, QLineEdit, "pinInput"), "0000")
        click(child(login, QPushButton, "loginButton"))
        qtbot.waitUntil(lambda: login.error_label.text() != "", timeout=5000)
        QApplication.processEvents()
        assert login.height() == height
    finally:
        translations.uninstall()
