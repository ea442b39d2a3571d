"""In Chinese, the staff read Chinese: every dialog and page, opened in the Chinese catalogue, shows no English
sentence of ours. (The catalogue test checks what lupdate extracts; this catches words lupdate cannot see, such as
a translation looked up under a context held in a variable.)"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import pytest
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QComboBox,
    QGroupBox,
    QLabel,
    QLineEdit,
    QTableWidget,
    QTreeWidget,
    QWidget,
)
from pytestqt.qtbot import QtBot

from tests.gui.conftest import GuiEnv
from tests.gui.helpers import show_widget
from ui.approval_dialog import ApprovalDialog
from ui.award_dialog import AwardDialog
from ui.enrol_dialog import EnrolDialog
from ui.i18n import Language, Translations
from ui.login_dialog import LoginDialog
from ui.main_window import MainWindow
from ui.member_edit_dialog import MemberEditDialog
from ui.printer_dialog import PrinterDialog
from ui.redeem_dialog import RedeemDialog
from ui.reissue_card_dialog import ReissueCardDialog
from ui.return_dialog import ReturnDialog
from ui.reverse_dialog import ReverseDialog

# Two English words in a row: a sentence or label of ours left untranslated. Single words (MemberDesk, English,
# Enter in a key hint) and codes pass.
ENGLISH_WORDS = re.compile(r"[A-Za-z]{2,}[ ,.]+[A-Za-z]{2,}")


def _texts(widget: QWidget) -> Iterator[tuple[str, str]]:
    yield widget.objectName() or type(widget).__name__, widget.windowTitle()
    for child in widget.findChildren(QWidget):
        name = child.objectName() or type(child).__name__
        if isinstance(child, QLabel | QAbstractButton):
            yield name, child.text()
        if isinstance(child, QLineEdit):
            yield name, child.placeholderText()
        if isinstance(child, QGroupBox):
            yield name, child.title()
        if isinstance(child, QComboBox):
            yield from ((name, child.itemText(i)) for i in range(child.count()))
        if isinstance(child, QTableWidget):
            headers = (child.horizontalHeaderItem(i) for i in range(child.columnCount()))
            yield from ((name, header.text()) for header in headers if header is not None)
        if isinstance(child, QTreeWidget):
            header = child.headerItem()
            yield from ((name, header.text(i)) for i in range(child.columnCount()))


def _english(widget: QWidget) -> list[tuple[str, str]]:
    return [(name, text) for name, text in _texts(widget) if ENGLISH_WORDS.search(text)]


@pytest.fixture
def chinese(qapp: QApplication) -> Iterator[None]:
    translations = Translations(qapp)
    assert translations.switch(Language.ZH_CN)
    yield
    translations.uninstall()


def _dialogs(env: GuiEnv) -> dict[str, Callable[[], QWidget]]:
    member = env.plain_member()
    return {
        "award": lambda: AwardDialog(env.ctx, member),
        "redeem": lambda: RedeemDialog(env.ctx, member),
        "reverse": lambda: ReverseDialog(env.ctx, member),
        "return": lambda: ReturnDialog(env.ctx, member),
        "enrol": lambda: EnrolDialog(env.ctx, phone="13900001111"),
        "approval": lambda: ApprovalDialog(env.ctx, "reason"),
        "login": lambda: LoginDialog(env.ctx),
        "edit": lambda: MemberEditDialog(env.ctx, member),
        "reissue card": lambda: ReissueCardDialog(env.ctx, member),
        "printer": lambda: PrinterDialog(env.ctx),
    }


@pytest.mark.parametrize(
    "name", ["award", "redeem", "reverse", "return", "enrol", "approval", "login", "edit", "reissue card", "printer"]
)
def test_each_dialog_speaks_chinese(gui_env: GuiEnv, qtbot: QtBot, chinese: None, name: str) -> None:
    gui_env.login("M001")
    dialog = show_widget(qtbot, _dialogs(gui_env)[name]())
    assert _english(dialog) == []


def test_each_page_of_the_window_speaks_chinese(gui_env: GuiEnv, qtbot: QtBot, qapp: QApplication) -> None:
    gui_env.login("M001")
    translations = Translations(qapp)
    try:
        assert translations.switch(Language.ZH_CN)
        window = show_widget(qtbot, MainWindow(gui_env.ctx, translations))
        window.member_page.show_member(gui_env.plain_member().id)
        for page in (window.lookup_page, window.member_page, window.preferences_page, window.sync_page):
            window.pages.setCurrentWidget(page)
            assert _english(page) == [], page.objectName()
        assert _english(window.status_bar) == []
    finally:
        translations.uninstall()
