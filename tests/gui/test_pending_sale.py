"""The POS's sale waiting at the counter (issue 16): the bar across the window shows it as soon as the POS puts it
(from the API's thread), with the items and the total in both languages; F10 commits it once for the member on
screen, F11 without a member; a member scanned after the sale started attaches to it; a refusal is worded; the award
dialog opened anyway takes the amount and receipt from the POS and commits through the POS's sale, never twice.

The POS's commit path is `posapi`'s; here `PendingSales` gets a confirmer that writes through the real ledger (an
award with the lines, or a sale without a member), and counts its calls."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLabel, QLineEdit, QPushButton
from pytestqt.qtbot import QtBot

from localdb.staff import StaffSession
from localdb.till import Till
from posapi.pending import PendingSale, PendingSales, SaleOutcome
from protocol.vocabulary import EntryKind
from protocol.wire import SaleLine
from tests.gui.conftest import GuiEnv
from tests.gui.helpers import child, press_enter, settle, show_widget, wait_idle
from ui.award_dialog import AwardDialog
from ui.i18n import Language, Translations
from ui.main_window import MainWindow
from ui.pending_sale import item_count


class LedgerConfirmer:
    """The POS's commit, reduced to the ledger: an award with the sale's lines for a member, a sale without one."""

    def __init__(self, till: Till) -> None:
        self.till = till
        self.calls: list[tuple[str, str | None]] = []
        self.gate: threading.Event | None = None  # set: the commit waits for it (a slow disk)

    def __call__(
        self, actor: StaffSession, sale: PendingSale, member_id: str | None, coupon_ids: tuple[str, ...] = ()
    ) -> SaleOutcome:
        self.calls.append((sale.receipt_no, member_id))
        if self.gate is not None:
            self.gate.wait(10)
        if member_id is None:
            self.till.ledger.record_sale(actor, sale.receipt_no, sale.total_cents, sale.lines)
            return SaleOutcome(sale.receipt_no, None, 0, 0, 0, None)
        result = self.till.ledger.award(actor, member_id, sale.total_cents, receipt_no=sale.receipt_no,
                                        lines=sale.lines)  # fmt: skip
        return SaleOutcome(sale.receipt_no, member_id, result.entry.points, 0, 0, result.member.available_points)


def _line(no: int, name: str, category: str, quantity_milli: int, cents: int) -> SaleLine:
    return SaleLine(line_no=no, sku=f"SKU{no}", name=name, category=category, quantity_milli=quantity_milli,
                    amount_cents=cents)  # fmt: skip


def sale(receipt_no: str = "R-1001") -> PendingSale:
    """12 items for ¥356.00: 2 + 9 pieces and one weighed line (0.35 kg counts as one item)."""
    lines = (
        _line(1, "牛奶", "fresh food", 2000, 10_000),
        _line(2, "车厘子", "fresh food", 350, 5_600),
        _line(3, "纸巾", "household", 9000, 20_000),
    )
    return PendingSale(receipt_no=receipt_no, total_cents=35_600, lines=lines, points_to_redeem=0,
                       started_at=datetime(2026, 12, 2, 8, 0, tzinfo=UTC))  # fmt: skip


@pytest.fixture
def confirmer(gui_env: GuiEnv) -> LedgerConfirmer:
    return LedgerConfirmer(gui_env.till)


@pytest.fixture
def pending(gui_env: GuiEnv, confirmer: LedgerConfirmer) -> Iterator[PendingSales]:
    sales = PendingSales(confirmer)
    gui_env.ctx.pending_sales = sales
    yield sales
    if confirmer.gate is not None:
        confirmer.gate.set()


def put_from_the_api_thread(pending: PendingSales, waiting: PendingSale) -> None:
    thread = threading.Thread(target=pending.put, args=(waiting,))
    thread.start()
    thread.join()


def _window(env: GuiEnv, qtbot: QtBot, code: str = "C001") -> MainWindow:
    env.login(code)
    return show_widget(qtbot, MainWindow(env.ctx), size=(1366, 768), active=True)


def _visible(button: QPushButton) -> bool:
    return button.isVisibleTo(button.window())


def test_items_count_pieces_and_a_weighed_line_once() -> None:
    assert item_count(sale().lines) == 12
    assert item_count(()) is None


def test_the_bar_appears_when_the_pos_puts_a_sale_and_goes_when_it_cancels(
    gui_env: GuiEnv, qtbot: QtBot, pending: PendingSales
) -> None:
    window = _window(gui_env, qtbot)
    bar = window.pending_bar
    assert not bar.isVisible()
    put_from_the_api_thread(pending, sale())
    qtbot.waitUntil(bar.isVisible)
    assert bar.summary.text() == "POS sale waiting: 12 items ¥356.00"
    assert _visible(bar.no_member_button) and not _visible(bar.confirm_button)  # nobody on screen: 无会员结账
    assert bar.no_member_button.text() == "Sale without member (F11)"
    assert bar.note.text() == "Scan the member's code or type the phone to earn points."

    threading.Thread(target=pending.cancel, args=("R-1001",)).start()
    qtbot.waitUntil(lambda: not bar.isVisible())


def test_the_bar_speaks_chinese(gui_env: GuiEnv, qtbot: QtBot, pending: PendingSales, qapp: QApplication) -> None:
    translations = Translations(qapp)
    try:
        translations.switch(Language.ZH_CN)
        window = _window(gui_env, qtbot)
        put_from_the_api_thread(pending, sale())
        qtbot.waitUntil(window.pending_bar.isVisible)
        assert window.pending_bar.summary.text() == "收银机待结算：12 件 ¥356.00"
        assert window.pending_bar.no_member_button.text() == "无会员结账 (F11)"
        window.show_member(gui_env.plain_member().id)
        assert window.pending_bar.confirm_button.text() == "确认积分 (F10)"
    finally:
        translations.uninstall()


def test_f10_with_a_member_on_screen_commits_the_sale_once(
    gui_env: GuiEnv, qtbot: QtBot, pending: PendingSales, confirmer: LedgerConfirmer
) -> None:
    window = _window(gui_env, qtbot)
    member = gui_env.plain_member()
    window.show_member(member.id)
    put_from_the_api_thread(pending, sale())
    bar = window.pending_bar
    qtbot.waitUntil(bar.isVisible)
    assert _visible(bar.confirm_button) and not _visible(bar.no_member_button)
    assert bar.confirm_button.text() == "Confirm points (F10)"

    QTest.keyClick(window, Qt.Key.Key_F10)
    QTest.keyClick(window, Qt.Key.Key_F10)  # pressed again while the first is in flight
    wait_idle(qtbot, gui_env.ctx, lambda: not bar.isVisible())
    QTest.keyClick(window, Qt.Key.Key_F10)  # and after: nothing waits any more
    settle(qtbot, gui_env.ctx, 100)

    assert confirmer.calls == [("R-1001", member.id)]
    earns = gui_env.entries(member.id, EntryKind.EARN)
    assert [(entry.receipt_no, entry.amount_cents) for entry in earns] == [("R-1001", 35_600)]
    assert len(gui_env.till.ledger.lines_of(earns[0].id)) == 3
    balance = gui_env.member(member.id).available_points
    assert window.member_page.outcome.isVisible()
    assert window.member_page.outcome.text() == f"+356 points · balance {balance:,}"
    assert pending.current() is None and pending.outcome("R-1001") is not None  # the POS gets its answer


def test_a_second_press_while_the_commit_is_slow_does_nothing(
    gui_env: GuiEnv, qtbot: QtBot, pending: PendingSales, confirmer: LedgerConfirmer, monkeypatch: pytest.MonkeyPatch
) -> None:
    confirmer.gate = threading.Event()
    asked: list[object] = []
    run_on_worker = gui_env.ctx.ops.db

    def counted(*args: Any, **kwargs: Any) -> None:
        if "PendingSaleLink" in getattr(args[0], "__qualname__", ""):  # not the card's history, kept meanwhile
            asked.append(args)
        run_on_worker(*args, **kwargs)

    monkeypatch.setattr(gui_env.ctx.ops, "db", counted)
    window = _window(gui_env, qtbot)
    member = gui_env.plain_member()
    window.show_member(member.id)
    put_from_the_api_thread(pending, sale())
    qtbot.waitUntil(window.pending_bar.isVisible)
    QTest.keyClick(window, Qt.Key.Key_F10)
    qtbot.waitUntil(lambda: len(confirmer.calls) == 1)  # the commit has started and waits on the disk
    assert not window.pending_bar.confirm_button.isEnabled()
    assert window.pending_bar.confirm_button.text() == "Confirming… (F10)"
    window.pending_bar.confirm_button.click()  # disabled: a click does nothing either
    QTest.keyClick(window, Qt.Key.Key_F10)
    confirmer.gate.set()
    wait_idle(qtbot, gui_env.ctx, lambda: not window.pending_bar.isVisible())
    assert confirmer.calls == [("R-1001", member.id)]
    assert len(asked) == 1  # one commit asked of the worker, not one per press
    assert len(gui_env.entries(member.id, EntryKind.EARN)) == 1


def test_without_a_member_f11_records_a_sale_without_one(
    gui_env: GuiEnv, qtbot: QtBot, pending: PendingSales, confirmer: LedgerConfirmer
) -> None:
    window = _window(gui_env, qtbot)
    put_from_the_api_thread(pending, sale("R-2002"))
    qtbot.waitUntil(window.pending_bar.isVisible)
    QTest.keyClick(window, Qt.Key.Key_F10)  # F10 is for a member: nobody is on screen, nothing happens
    settle(qtbot, gui_env.ctx, 100)
    assert confirmer.calls == []

    QTest.keyClick(window, Qt.Key.Key_F11)
    wait_idle(qtbot, gui_env.ctx, lambda: not window.pending_bar.isVisible())
    assert confirmer.calls == [("R-2002", None)]
    assert window.status_bar.currentMessage() == "Sale without member recorded (receipt R-2002)."
    assert pending.outcome("R-2002") == SaleOutcome("R-2002", None, 0, 0, 0, None)


def test_f11_does_nothing_with_a_member_on_screen(
    gui_env: GuiEnv, qtbot: QtBot, pending: PendingSales, confirmer: LedgerConfirmer
) -> None:
    window = _window(gui_env, qtbot)
    window.show_member(gui_env.plain_member().id)
    put_from_the_api_thread(pending, sale())
    qtbot.waitUntil(window.pending_bar.isVisible)
    QTest.keyClick(window, Qt.Key.Key_F11)  # the member on screen would lose their points
    settle(qtbot, gui_env.ctx, 100)
    assert confirmer.calls == [] and pending.current() is not None


def test_a_member_scanned_after_the_sale_started_attaches_to_it(
    gui_env: GuiEnv, qtbot: QtBot, pending: PendingSales, confirmer: LedgerConfirmer
) -> None:
    window = _window(gui_env, qtbot)
    put_from_the_api_thread(pending, sale())
    qtbot.waitUntil(window.pending_bar.isVisible)
    assert _visible(window.pending_bar.no_member_button)

    member = gui_env.plain_member()
    gui_env.ctx.hub.scanned.emit(gui_env.member_code(member.id))  # the scanner, as the window routes it
    qtbot.waitUntil(lambda: window.pages.currentWidget() is window.member_page)
    assert window.pending_bar.isVisible()  # the bar stays, now offering 确认积分
    assert _visible(window.pending_bar.confirm_button) and not _visible(window.pending_bar.no_member_button)
    QTest.keyClick(window, Qt.Key.Key_F10)
    wait_idle(qtbot, gui_env.ctx, lambda: not window.pending_bar.isVisible())
    assert confirmer.calls == [("R-1001", member.id)]

    window.show_lookup()  # back on the lookup: no member on screen, and F10 there is not the last member's
    put_from_the_api_thread(pending, sale("R-1002"))
    qtbot.waitUntil(window.pending_bar.isVisible)
    assert _visible(window.pending_bar.no_member_button)


def test_a_refused_commit_is_worded_and_the_sale_still_waits(
    gui_env: GuiEnv, qtbot: QtBot, pending: PendingSales
) -> None:
    window = _window(gui_env, qtbot)
    member = gui_env.plain_member()
    gui_env.till.ledger.award(gui_env.ctx.actor(), member.id, 1_000, receipt_no="R-1001")  # typed by hand before
    window.show_member(member.id)
    put_from_the_api_thread(pending, sale())
    qtbot.waitUntil(window.pending_bar.isVisible)
    QTest.keyClick(window, Qt.Key.Key_F10)
    note = window.pending_bar.note
    wait_idle(qtbot, gui_env.ctx, lambda: note.text() == "This receipt has already earned points.")
    assert note.isVisible() and note.property("tone") == "error"
    assert window.pending_bar.isVisible() and window.pending_bar.confirm_button.isEnabled()
    assert len(gui_env.entries(member.id, EntryKind.EARN)) == 1  # the one typed by hand, nothing more


def test_a_sale_the_pos_replaced_before_the_bar_heard_is_not_committed(
    gui_env: GuiEnv, qtbot: QtBot, pending: PendingSales, confirmer: LedgerConfirmer
) -> None:
    window = _window(gui_env, qtbot)
    window.show_member(gui_env.plain_member().id)
    put_from_the_api_thread(pending, sale())
    qtbot.waitUntil(window.pending_bar.isVisible)
    pending.put(sale("R-9999"))  # the POS moved on; the bar's refresh is queued behind the key press below
    QTest.keyClick(window, Qt.Key.Key_F10)  # the cashier confirmed R-1001, the sale on screen
    note = window.pending_bar.note
    wait_idle(qtbot, gui_env.ctx, lambda: note.isVisible())
    assert confirmer.calls == []  # not R-9999, which the cashier never saw
    assert note.text().startswith("The POS no longer has a sale waiting")
    assert pending.current() == sale("R-9999") and window.pending_bar.isVisible()


def test_the_award_dialog_takes_the_pos_sale_and_commits_it_there(
    gui_env: GuiEnv, qtbot: QtBot, pending: PendingSales, confirmer: LedgerConfirmer
) -> None:
    window = _window(gui_env, qtbot)
    member = gui_env.plain_member()
    window.show_member(member.id)
    put_from_the_api_thread(pending, sale())
    qtbot.waitUntil(window.pending_bar.isVisible)

    window.member_page.award_button.click()
    qtbot.waitUntil(lambda: isinstance(QApplication.activeModalWidget(), AwardDialog))
    dialog = QApplication.activeModalWidget()
    assert isinstance(dialog, AwardDialog)
    amount, receipt = child(dialog, QLineEdit, "awardAmount"), child(dialog, QLineEdit, "receiptNumber")
    assert (amount.text(), receipt.text()) == ("356.00", "R-1001")  # no re-typing
    assert amount.isReadOnly() and receipt.isReadOnly()
    assert child(dialog, QLabel, "pointsPreview").text() == "+356 points"
    assert child(dialog, QLabel, "posSaleNote").text() == (
        "The POS's sale waiting (12 items): the points go to it, and the POS is told."
    )
    QTest.keyClick(dialog, Qt.Key.Key_F10)  # the window's key does not reach past the dialog
    press_enter(dialog)
    wait_idle(qtbot, gui_env.ctx, lambda: QApplication.activeModalWidget() is None)

    assert confirmer.calls == [("R-1001", member.id)]
    assert len(gui_env.entries(member.id, EntryKind.EARN)) == 1
    qtbot.waitUntil(lambda: not window.pending_bar.isVisible())
    balance = gui_env.member(member.id).available_points
    assert window.member_page.outcome.text() == f"+356 points · balance {balance:,}"
    QTest.keyClick(window, Qt.Key.Key_F10)
    settle(qtbot, gui_env.ctx, 100)
    assert len(confirmer.calls) == 1


def test_without_a_pos_sale_the_award_dialog_is_typed_by_hand(gui_env: GuiEnv, qtbot: QtBot) -> None:
    gui_env.login("C001")
    dialog = show_widget(qtbot, AwardDialog(gui_env.ctx, gui_env.plain_member()))
    amount = child(dialog, QLineEdit, "awardAmount")
    assert amount.text() == "" and not amount.isReadOnly()
    assert not child(dialog, QLabel, "posSaleNote").isVisible()


def test_a_guide_does_not_see_the_pos_sale(gui_env: GuiEnv, qtbot: QtBot, pending: PendingSales) -> None:
    window = _window(gui_env, qtbot, "G001")
    put_from_the_api_thread(pending, sale())
    settle(qtbot, gui_env.ctx, 100)
    assert not window.pending_bar.isVisible()
    assert pending.current() is not None
