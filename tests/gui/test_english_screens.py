"""In English, an English-speaking manager reads English: switched from Chinese in the running window, every
visible label, button, header and title of every page and dialog shows no Chinese character of ours (the sync
phase line, the tier names, the segment). Member data stays as it was entered: a widget that shows it carries the
`memberData` property (widgets/display.py MEMBER_DATA) and is left out of the walk."""

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
    QListWidget,
    QTableWidget,
    QTreeWidget,
    QWidget,
)
from pytestqt.qtbot import QtBot

from tests.gui.conftest import GuiEnv
from tests.gui.helpers import click, show_widget, wait_idle
from ui.approval_dialog import ApprovalDialog
from ui.award_dialog import AwardDialog
from ui.enrol_dialog import EnrolDialog
from ui.i18n import Language, Translations
from ui.login_dialog import LoginDialog
from ui.main_window import MainWindow
from ui.member_code_dialog import MemberCodeDialog
from ui.member_edit_dialog import MemberEditDialog
from ui.printer_dialog import PrinterDialog
from ui.redeem_dialog import RedeemDialog
from ui.registration_dialog import RegistrationDialog
from ui.reissue_card_dialog import ReissueCardDialog
from ui.return_dialog import ReturnDialog
from ui.reverse_dialog import ReverseDialog
from widgets.display import MEMBER_DATA

CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]")


def _member_data(widget: QWidget) -> bool:
    at: QWidget | None = widget
    while at is not None:
        if at.property(MEMBER_DATA):
            return True
        at = at.parentWidget()
    return False


def _texts(root: QWidget) -> Iterator[tuple[str, str]]:
    yield root.objectName() or type(root).__name__, root.windowTitle()
    for widget in root.findChildren(QWidget):
        if not widget.isVisible() or _member_data(widget):
            continue
        name = widget.objectName() or type(widget).__name__
        if isinstance(widget, QLabel | QAbstractButton):
            yield name, widget.text()
        if isinstance(widget, QLineEdit):
            yield name, widget.placeholderText()
        if isinstance(widget, QGroupBox):
            yield name, widget.title()
        if isinstance(widget, QComboBox):
            yield from ((name, widget.itemText(i)) for i in range(widget.count()))
        if isinstance(widget, QTableWidget):
            headers = (widget.horizontalHeaderItem(i) for i in range(widget.columnCount()))
            yield from ((name, header.text()) for header in headers if header is not None)
        if isinstance(widget, QTreeWidget):
            header = widget.headerItem()
            yield from ((name, header.text(i)) for i in range(widget.columnCount()))


def chinese_on_screen(root: QWidget, *, data: tuple[str, ...] = ()) -> list[tuple[str, str]]:
    """(objectName, text) of each visible text of `root` with a Chinese character, member data apart (and the
    `data` strings, such as the store's name in a window title)."""
    found = []
    for name, text in _texts(root):
        if name == "languageButton":
            continue  # names the other language in that language, on purpose: "中文"
        for entered in data:
            text = text.replace(entered, "")
        if CJK.search(text):
            found.append((name, text))
    return found


@pytest.fixture
def english(qapp: QApplication) -> Iterator[Translations]:
    translations = Translations(qapp)
    assert translations.switch(Language.EN)
    yield translations
    translations.uninstall()


def test_every_page_reads_english_after_switching_from_chinese(
    gui_env: GuiEnv, qtbot: QtBot, qapp: QApplication
) -> None:
    manager = gui_env.login("M001")
    member = gui_env.plain_member()
    gui_env.till.ledger.award(manager, member.id, 100)  # one point, not yet synced: "1 point", pending on the card
    translations = Translations(qapp)
    try:
        assert translations.switch(Language.ZH_CN)
        window = show_widget(qtbot, MainWindow(gui_env.ctx, translations), size=(1366, 768))
        window.show_sync()
        with qtbot.waitSignal(gui_env.ctx.hub.sync_finished, timeout=30_000):
            click(window.sync_page.sync_button)  # the phase line says 完成。 in Chinese
        wait_idle(qtbot, gui_env.ctx)
        gui_env.till.ledger.award(manager, member.id, 100)
        window.language_button.click()
        qtbot.waitUntil(lambda: window.lookup_nav.text().startswith("Lookup"))
        found = {"sync": chinese_on_screen(window.sync_page)}
        window.show_member(member.id)
        wait_idle(qtbot, gui_env.ctx)
        found["member"] = chinese_on_screen(window.member_page)
        window.show_preferences(member.id)
        wait_idle(qtbot, gui_env.ctx)
        found["preferences"] = chinese_on_screen(window.preferences_page)
        visits = window.preferences_page.findChild(QListWidget, "recentVisits")
        assert visits is not None
        said = [visits.item(row).text() for row in range(visits.count())]
        assert any(text.endswith("earned 1 point") for text in said), said  # one point, not "1 points"
        window.show_lookup()
        found["lookup"] = chinese_on_screen(window.lookup_page)
        found["window"] = chinese_on_screen(window)  # the navigation and the status bar
        assert {page: texts for page, texts in found.items() if texts} == {}
    finally:
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
        "member code": lambda: MemberCodeDialog(env.ctx, member),
        "registration": lambda: RegistrationDialog(env.ctx),
    }


@pytest.mark.parametrize(
    "name",
    [
        "award",
        "redeem",
        "reverse",
        "return",
        "enrol",
        "approval",
        "login",
        "edit",
        "reissue card",
        "member code",
        "registration",
        "printer",
    ],
)
def test_each_dialog_reads_english(gui_env: GuiEnv, qtbot: QtBot, english: Translations, name: str) -> None:
    gui_env.login("M001")
    dialog = show_widget(qtbot, _dialogs(gui_env)[name]())
    wait_idle(qtbot, gui_env.ctx)
    assert chinese_on_screen(dialog, data=(gui_env.till.sync.store_name() or "",)) == []
