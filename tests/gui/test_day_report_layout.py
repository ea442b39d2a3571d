"""The day report as a manager reads it at the till and on paper: it fits the page without a sideways scrollbar at
1366 x 768 and 1920 x 1080 in both languages; it names the store and the till by name, not by the till's UUID; the
sentence about the staff table shows only with the table; on paper no label runs into its number; a report read
again after a sync keeps the manager's place; and after a sync the focus goes back to the sync button, not into
the date box (where the next digit would change the day)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QTextCursor, QTextDocument, QTextTable
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from tests.gui.conftest import PINS, GuiEnv
from tests.gui.helpers import click, show_widget, wait_idle
from tests.gui.test_layout import _window, styled  # noqa: F401  (the app's real look)
from tests.posapi.conftest import TEN_OFF, hold
from ui.day_report_view import DayReportView
from ui.i18n import Language, Translations
from ui.main_window import MainWindow

SYNC_TIMEOUT_MS = 30_000
A4_TEXT_WIDTH_PT = 510  # 210 mm less the 15 mm margins each side, in points


def _busy_day(env: GuiEnv) -> None:
    """A day with entries by two members of staff, so the staff table is there, at its widest."""
    manager = env.login("M001")
    cashier = env.till.staff.login("C001", PINS["C001"])
    member = env.plain_member()
    award = env.till.ledger.award(cashier, member.id, 1_234_500, receipt_no="R20261202-0001")
    env.till.ledger.redeem(cashier, member.id, 200, bill_cents=15_000)
    env.till.ledger.reverse(manager, award.entry.id, approver=manager)
    second = env.till.ledger.award(manager, member.id, 39_900, receipt_no="R20261202-0002")
    env.till.ledger.refund(manager, [(second.entry.id, 9_900, None)])  # a return: the widest row has refunds too
    env.till.ledger.record_sale(cashier, "R20261202-0003", 30_000)  # a sale without a member
    hold(env.till, member.id, ("c-ten", TEN_OFF))
    env.till.ledger.sale(cashier, "R20261202-0004", 10_000, None, member_id=member.id, coupon_ids=["c-ten"])


def _tables(document: QTextDocument) -> Iterator[QTextTable]:
    """Every table of the document, in order."""
    seen: set[int] = set()
    block = document.begin()
    while block.isValid():
        cursor = QTextCursor(document)
        cursor.setPosition(block.position())
        table = cursor.currentTable()
        if table is not None and table.firstPosition() not in seen:
            seen.add(table.firstPosition())
            yield table
        block = block.next()


@pytest.mark.parametrize("language", [Language.ZH_CN, Language.EN])
@pytest.mark.parametrize("size", [(1366, 768), (1920, 1080)])
def test_the_report_fits_without_a_side_scrollbar_and_names_the_store_and_till(
    gui_env: GuiEnv,
    qtbot: QtBot,
    styled: QApplication,  # noqa: F811
    language: Language,
    size: tuple[int, int],
) -> None:
    translations = Translations(styled)
    try:
        translations.switch(language)
        _busy_day(gui_env)
        window = _window(gui_env, qtbot, size, translations)
        window.show_sync()
        view = window.sync_page.day_report
        qtbot.waitUntil(lambda: view.report is not None and view.report.staff != ())
        QApplication.processEvents()
        assert view.browser.horizontalScrollBar().maximum() == 0
        text = view.browser.toPlainText()
        device_id = gui_env.till.settings.current().device_id
        assert "S001 旗舰店" in text and "gui test till" in text  # the name the till registered under
        assert device_id not in text and device_id[9:] not in text
    finally:
        translations.uninstall()


def test_the_sentence_about_the_staff_table_shows_only_with_the_table(gui_env: GuiEnv, qtbot: QtBot) -> None:
    gui_env.login("M001")
    view = show_widget(qtbot, DayReportView(gui_env.ctx), size=(1000, 600))
    view.refresh()
    qtbot.waitUntil(lambda: view.report is not None)
    empty = view.browser.toPlainText()
    assert "No points entries" in empty and "see below" not in empty and "count (points)" not in empty

    _busy_day(gui_env)
    view.refresh()
    qtbot.waitUntil(lambda: view.report is not None and view.report.staff != ())
    busy = view.browser.toPlainText()
    assert "see below" in busy
    # ¥390.00 of members' purchases against ¥300.00 without a member
    assert "Sales without a member: 1 (¥300.00). Members' share of sales: 56 %." in busy
    assert "Coupons used: 1 (¥10.00 off)." in busy


def test_an_empty_day_is_said_in_chinese_on_a_chinese_screen(gui_env: GuiEnv, qtbot: QtBot, qapp: QApplication) -> None:
    translations = Translations(qapp)
    try:
        translations.switch(Language.ZH_CN)
        gui_env.login("M001")
        view = show_widget(qtbot, DayReportView(gui_env.ctx), size=(1000, 600))
        view.refresh()
        qtbot.waitUntil(lambda: view.report is not None)
        text = view.browser.toPlainText()
        assert "当日没有积分记录，也没有新会员。" in text and "No points entries" not in text
        _busy_day(gui_env)
        view.refresh()
        qtbot.waitUntil(lambda: view.report is not None and view.report.staff != ())
        assert "用券 1 张（共优惠 ¥10.00）。" in view.browser.toPlainText()
    finally:
        translations.uninstall()


def test_on_paper_no_label_runs_into_its_number(gui_env: GuiEnv, qtbot: QtBot) -> None:
    _busy_day(gui_env)
    view = show_widget(qtbot, DayReportView(gui_env.ctx), size=(1000, 600))
    view.refresh()
    qtbot.waitUntil(lambda: view.report is not None and view.report.staff != ())
    paper = view.paper_document()
    try:
        paper.setTextWidth(A4_TEXT_WIDTH_PT)
        layout = paper.documentLayout()
        gap = paper.defaultFont().pointSizeF() / 2  # at least half a letter of white between them
        checked = 0
        for table in _tables(paper):
            for row in range(table.rows()):
                label, number = table.cellAt(row, 0), table.cellAt(row, 1)  # the name or label, its first number
                label_block, number_block = label.firstCursorPosition().block(), number.firstCursorPosition().block()
                label_line, number_line = label_block.layout().lineAt(0), number_block.layout().lineAt(0)
                label_right = layout.blockBoundingRect(label_block).left() + label_line.naturalTextRect().right()
                number_left = layout.blockBoundingRect(number_block).left() + number_line.naturalTextRect().left()
                assert number_left - label_right >= gap, (label_block.text(), number_block.text())
                checked += 1
        assert checked >= 4 + 4  # the staff rows (and total) and the four rows about the server
    finally:
        paper.deleteLater()


def test_reading_the_report_again_keeps_the_managers_place(gui_env: GuiEnv, qtbot: QtBot) -> None:
    _busy_day(gui_env)
    view = show_widget(qtbot, DayReportView(gui_env.ctx), size=(900, 220))
    view.refresh()
    qtbot.waitUntil(lambda: view.report is not None and view.report.staff != ())
    bar = view.browser.verticalScrollBar()
    qtbot.waitUntil(lambda: bar.maximum() > 0)
    bar.setValue(bar.maximum())
    place = bar.value()
    old = view.report
    view.refresh()  # what the sync page does after every sync
    qtbot.waitUntil(lambda: view.report is not old)
    QApplication.processEvents()
    assert bar.value() == place > 0


def test_after_a_sync_the_focus_is_on_the_sync_button_not_in_the_date_box(gui_env: GuiEnv, qtbot: QtBot) -> None:
    gui_env.login("M001")
    window = show_widget(qtbot, MainWindow(gui_env.ctx), active=True)
    qtbot.keyClick(window, Qt.Key.Key_F9)
    page = window.sync_page
    qtbot.waitUntil(page.sync_button.hasFocus)
    with qtbot.waitSignal(gui_env.ctx.hub.sync_finished, timeout=SYNC_TIMEOUT_MS):
        click(page.sync_button)
    wait_idle(qtbot, gui_env.ctx)
    focused: QWidget | None = QApplication.focusWidget()
    assert focused is page.sync_button, focused.objectName() if focused is not None else None


def test_a_sync_does_not_move_the_report_on_the_page(
    gui_env: GuiEnv,
    qtbot: QtBot,
    styled: QApplication,  # noqa: F811
) -> None:
    gui_env.login("M001")
    window = _window(gui_env, qtbot, (1366, 768), None)
    window.show_sync()
    page = window.sync_page
    wait_idle(qtbot, gui_env.ctx)
    QApplication.processEvents()
    before = page.day_report.mapTo(window, page.day_report.rect().topLeft())
    with qtbot.waitSignal(gui_env.ctx.hub.sync_finished, timeout=SYNC_TIMEOUT_MS):
        click(page.sync_button)
    wait_idle(qtbot, gui_env.ctx)
    QApplication.processEvents()
    assert page.day_report.mapTo(window, page.day_report.rect().topLeft()) == before
