"""The save dialog speaks the screen's language and shows its places whole (issue 15, item 18): Qt's own dialog
takes its words from the qtbase catalogue the app installs ("查找范围：", not "Look in:"), and opens wide enough
that the sidebar's places are not cut."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from PySide6.QtWidgets import QAbstractButton, QApplication, QLabel, QListView, QWidget
from pytestqt.qtbot import QtBot

from tests.gui.conftest import GuiEnv
from tests.gui.helpers import click, show_widget
from ui.i18n import Language, Translations
from ui.save_file import SIDEBAR_WIDTH
from ui.sync_page import SyncPage

ENGLISH_WORD = re.compile(r"[A-Za-z]{2,}")
CHINESE = re.compile(r"[\u4e00-\u9fff]")


def _words(dialog: QWidget) -> list[str]:
    """What the dialog says in its own words: labels, buttons and their tips (not the file names it lists)."""
    texts: list[str] = []
    for widget in dialog.findChildren(QWidget):
        if not widget.isVisibleTo(dialog):
            continue
        if isinstance(widget, QLabel | QAbstractButton):
            texts += [widget.text().replace("&", ""), widget.toolTip()]
    return [text for text in texts if text]


@pytest.fixture
def translations(qapp: QApplication) -> Iterator[Translations]:
    installed = Translations(qapp)
    yield installed
    installed.uninstall()


@pytest.mark.parametrize("language", [Language.ZH_CN, Language.EN])
def test_the_save_dialog_speaks_the_screens_language_and_shows_its_places_whole(
    gui_env: GuiEnv, qtbot: QtBot, translations: Translations, language: Language
) -> None:
    translations.switch(language)
    gui_env.login("M001")
    page = show_widget(qtbot, SyncPage(gui_env.ctx), size=(1366, 760))
    qtbot.waitUntil(lambda: page.day_report.report is not None)
    click(page.day_report.save_pdf_button)
    dialog = page.day_report.save_dialog
    qtbot.waitUntil(dialog.isVisible)
    try:
        words = _words(dialog)
        assert words  # Qt's own dialog here (offscreen has no native one): its words are checked
        wrong = CHINESE if language is Language.EN else ENGLISH_WORD
        assert [text for text in words if wrong.search(text) and "PDF" not in text] == []
        sidebar = dialog.findChild(QListView, "sidebar")
        assert sidebar is not None and sidebar.width() >= SIDEBAR_WIDTH - 20
    finally:
        dialog.reject()
