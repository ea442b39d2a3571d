"""The POS sale bar fits the tills it runs on and reads well: with the app's real look, in both languages, at 1280 x
720 (the smallest window), 1366 x 768 and 1920 x 1080, the bar, its words and its button lie inside the window, none
squeezed below its own size, and every styled label on it keeps WCAG AA contrast measured from the pixels; the error
tone too. The same for the manager's POS interface dialog."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QApplication, QLabel, QPushButton, QWidget
from pytestqt.qtbot import QtBot

from localdb.errors import Problem, StoreError
from posapi.pending import PendingSales
from tests.gui.conftest import GuiEnv
from tests.gui.contrast import unreadable
from tests.gui.helpers import show_widget
from tests.gui.test_pending_sale import LedgerConfirmer, put_from_the_api_thread, sale
from tests.gui.test_pos_api import SECRET, Starter
from ui.app import application
from ui.i18n import Language, Translations
from ui.main_window import MainWindow
from ui.messages import describe
from ui.pos_api import PosApi, PosBackend
from ui.pos_settings_dialog import PosSettingsDialog


@pytest.fixture
def styled(qapp: QApplication) -> Iterator[QApplication]:
    """The app's own stylesheet and font (what decides the sizes), put back as they were after the test."""
    font, sheet = QFont(qapp.font()), qapp.styleSheet()
    application()
    yield qapp
    qapp.setStyleSheet(sheet)
    qapp.setFont(font)


def _inside(window: QWidget, widget: QWidget) -> QRect:
    rect = QRect(widget.mapTo(window, widget.rect().topLeft()), widget.size())
    assert window.rect().contains(rect), (widget.objectName(), rect, window.size())
    return rect


def _whole(window: QWidget, root: QWidget) -> None:
    """Every visible label and button of `root` inside the window and shown at its full size (nothing cut off)."""
    widgets: list[QLabel | QPushButton] = [*root.findChildren(QLabel), *root.findChildren(QPushButton)]
    for widget in widgets:
        if not widget.isVisible():
            continue
        _inside(window, widget)
        hint = widget.minimumSizeHint()
        wraps = isinstance(widget, QLabel) and widget.wordWrap()
        assert widget.height() >= hint.height(), (widget.objectName(), widget.height(), hint.height())
        if not wraps:
            assert widget.width() >= widget.sizeHint().width(), (widget.objectName(), widget.text())


@pytest.mark.parametrize("language", [Language.ZH_CN, Language.EN])
@pytest.mark.parametrize("size", [(1280, 720), (1366, 768), (1920, 1080)])
def test_the_bar_fits_and_reads_well(
    gui_env: GuiEnv, qtbot: QtBot, styled: QApplication, language: Language, size: tuple[int, int]
) -> None:
    translations = Translations(styled)
    try:
        translations.switch(language)
        pending = PendingSales(LedgerConfirmer(gui_env.till))
        gui_env.ctx.pending_sales = pending
        gui_env.login("M001")  # a manager: every nav button shows beside the bar
        window = MainWindow(gui_env.ctx, translations)
        qtbot.addWidget(window)
        window.setWindowState(Qt.WindowState.WindowNoState)
        window.resize(*size)
        with qtbot.waitExposed(window):
            window.show()
        put_from_the_api_thread(pending, sale())
        bar = window.pending_bar
        qtbot.waitUntil(bar.isVisible)
        QApplication.processEvents()
        assert (window.width(), window.height()) == size
        _inside(window, window.status_bar)
        _whole(window, bar)
        assert unreadable(bar) == []

        window.show_member(gui_env.plain_member().id)  # 确认积分 in place of 无会员结账
        QApplication.processEvents()
        _whole(window, bar)
        for button in window.member_page.findChildren(QPushButton):
            if button.isVisible():
                _inside(window, button)  # the bar's height did not push the member page's buttons out
        assert unreadable(bar) == []

        error = StoreError(Problem.DUPLICATE_RECEIPT)
        bar.show_note(lambda: describe(error), error=True)  # a refusal in the error tone
        QApplication.processEvents()
        _whole(window, bar)
        assert unreadable(bar) == []
    finally:
        translations.uninstall()


@pytest.mark.parametrize("language", [Language.ZH_CN, Language.EN])
def test_the_pos_dialog_fits_and_reads_well(
    gui_env: GuiEnv, qtbot: QtBot, styled: QApplication, language: Language
) -> None:
    translations = Translations(styled)
    try:
        translations.switch(language)
        gui_env.login("M001")
        pending = PendingSales(LedgerConfirmer(gui_env.till))
        api = PosApi(gui_env.ctx, PosBackend(start=Starter(), secret=lambda: SECRET, pending=pending))
        dialog = show_widget(qtbot, PosSettingsDialog(gui_env.ctx, api))
        QApplication.processEvents()
        _whole(dialog, dialog)
        assert unreadable(dialog) == []
    finally:
        translations.uninstall()
