"""A return at the counter (退货) as the cashier takes it: the receipt, the store, the money refunded, Enter. It goes
through the POS interface's own refund (`PosService.refund_at_counter`), so the points move back as for the POS:
this store's receipt from the till's ledger, another store's from the server, and, the server down, an offline
return a manager takes, which the server reconciles with the sale once the till syncs."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLabel, QLineEdit, QPushButton, QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from localdb.models import PointEntry
from loyalty.points import refund_points
from protocol.vocabulary import EntryKind
from server.embedded import EmbeddedServer
from server.models import LedgerEntry
from sync.engine import SyncEngine
from tests.gui.conftest import PINS, GuiEnv
from tests.gui.contrast import styled, styled_labels, unreadable
from tests.gui.helpers import child, click, press_enter, show_widget, type_into, wait_idle
from ui.i18n import Language, Translations
from ui.member_page import MemberPage
from ui.return_dialog import ReturnDialog

OTHER_STORE = "S002"
__all__ = ["styled"]  # a fixture, used by name


def open_dialog(env: GuiEnv, qtbot: QtBot, member_id: str) -> ReturnDialog:
    return show_widget(qtbot, ReturnDialog(env.ctx, env.member(member_id)), active=True)


def fill(dialog: ReturnDialog, receipt: str, yuan: str, *, store: str | None = None, number: str | None = None) -> None:
    type_into(dialog, "returnReceipt", receipt)
    if store is not None:
        type_into(dialog, "returnStore", store)
    type_into(dialog, "returnAmount", yuan)
    if number is not None:
        type_into(dialog, "refundNumber", number)


def error_text(env: GuiEnv, qtbot: QtBot, dialog: QWidget) -> str:
    error = child(dialog, QLabel, "errorLabel")
    wait_idle(qtbot, env.ctx, lambda: error.text() != "")
    return error.text()


def approve(dialog: ReturnDialog, pin: str) -> None:
    click(child(dialog, QPushButton, "approvalButton"))
    manager = dialog.approval_dialog
    assert manager is not None
    type_into(manager, "approverCode", "M001")
    type_into(manager, "approverPin", pin)
    click(child(manager, QPushButton, "confirmButton"))


def other_store_sale(env: GuiEnv) -> LedgerEntry:
    """A demo purchase at the other store, as the server holds it (the till never saw it)."""
    found = env.server.other_store_receipt()
    assert found is not None
    store, receipt = found
    assert env.server.db is not None
    with env.server.db.read() as session:
        sale = session.scalars(
            select(LedgerEntry).where(
                LedgerEntry.store_code == store, LedgerEntry.receipt_no == receipt, LedgerEntry.kind == "earn"
            )
        ).one()
        session.expunge(sale)
    assert store == OTHER_STORE and sale.amount_cents is not None
    return sale


def refunds(env: GuiEnv, member_id: str) -> list[PointEntry]:
    with env.till.db.read() as session:
        rows = session.scalars(
            select(PointEntry).where(
                PointEntry.member_id == member_id,
                PointEntry.kind.in_((EntryKind.REFUND.value, EntryKind.ADJUST.value)),
            )
        ).all()
        for row in rows:
            session.expunge(row)
        return list(rows)


def test_a_part_of_this_stores_sale_comes_back_from_the_member_page(gui_env: GuiEnv, qtbot: QtBot) -> None:
    cashier = gui_env.login("C001")
    member = gui_env.plain_member()
    start = member.available_points
    sale = gui_env.till.ledger.award(cashier, member.id, 10_000, receipt_no="0001-0318-0042").entry  # 100 points
    page = show_widget(qtbot, MemberPage(gui_env.ctx), active=True)
    page.show_member(member.id)
    assert child(page, QPushButton, "returnButton").text() == "Return (Ctrl+R)"
    QTest.keyClick(page, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    dialog = page.findChild(ReturnDialog)
    assert dialog is not None
    qtbot.waitUntil(dialog.isVisible)
    assert child(dialog, QLineEdit, "returnStore").text() == "S001"  # this till's store unless told otherwise
    type_into(dialog, "returnReceipt", "0001-0318-0042")
    number = child(dialog, QLineEdit, "refundNumber").text()
    assert number.startswith("R-0001-0318-0042-")  # made for it, kept while the receipt stays
    type_into(dialog, "returnAmount", "40")
    with qtbot.waitSignal(gui_env.ctx.hub.member_changed):
        press_enter(dialog)
    qtbot.waitUntil(lambda: dialog.result_return is not None)
    outcome = dialog.result_return
    assert outcome is not None
    assert (outcome.points_clawed_back, outcome.points_returned, outcome.balance) == (40, 0, start + 60)
    (refund,) = refunds(gui_env, member.id)
    assert (refund.points, refund.amount_cents, refund.refund_of, refund.receipt_no) == (-40, 4_000, sale.id, number)
    banner = child(page, QLabel, "outcomeBanner")
    qtbot.waitUntil(banner.isVisible)
    assert banner.text() == f"Returned ¥40.00: -40 points · balance {start + 60:,}"
    assert gui_env.member(member.id).available_points == start + 60


def test_another_stores_sale_is_refunded_against_the_servers_receipt(gui_env: GuiEnv, qtbot: QtBot) -> None:
    gui_env.login("C001")
    sale = other_store_sale(gui_env)
    assert sale.receipt_no is not None and sale.amount_cents is not None
    start = gui_env.member(sale.member_id).available_points
    half = sale.amount_cents // 2
    dialog = open_dialog(gui_env, qtbot, sale.member_id)
    fill(dialog, sale.receipt_no, f"{half // 100}.{half % 100:02d}", store="s002")  # read as S002
    press_enter(dialog)
    wait_idle(qtbot, gui_env.ctx, lambda: dialog.result_return is not None, timeout=10_000)
    outcome = dialog.result_return
    assert outcome is not None and not outcome.offline
    clawed = -refund_points(sale.points, sale.amount_cents, 0, half)
    assert outcome.points_clawed_back == clawed > 0
    earn_refund = [row for row in refunds(gui_env, sale.member_id) if row.refund_of == sale.id]
    assert [(row.points, row.amount_cents) for row in earn_refund] == [(-clawed, half)]
    assert gui_env.member(sale.member_id).available_points == start - clawed + outcome.points_returned


def test_the_server_down_a_manager_takes_the_return_offline_and_the_sync_reconciles_it(
    gui_env: GuiEnv, qtbot: QtBot
) -> None:
    gui_env.login("C001")
    sale = other_store_sale(gui_env)
    assert sale.receipt_no is not None
    member = gui_env.member(sale.member_id)
    gui_env.stop_server()
    dialog = open_dialog(gui_env, qtbot, member.id)
    fill(dialog, sale.receipt_no, "50", store=OTHER_STORE)
    press_enter(dialog)
    status = child(dialog, QLabel, "returnStatus")
    assert error_text(gui_env, qtbot, dialog) == (
        "Without the server, only a manager may take a return of another store's sale."
    )
    assert status.isVisible() and "does not answer" in status.text()
    proposed = min(gui_env.till.ledger.earn_preview(member.id, 5_000), member.available_points)
    points = child(dialog, QLineEdit, "returnPoints")
    assert points.isVisible() and points.text() == str(proposed) and proposed > 1
    type_into(dialog, "returnPoints", str(proposed + 1))  # never more than the money earns
    press_enter(dialog)
    assert error_text(gui_env, qtbot, dialog).startswith(f"Take back at least 1 point and at most {proposed}")
    type_into(dialog, "returnPoints", str(proposed - 1))  # the manager lowers it, and approves at once (F8)
    assert error_text(gui_env, qtbot, dialog).startswith("Without the server, only a manager")
    assert child(dialog, QPushButton, "approvalButton").isVisible()
    approve(dialog, PINS["M001"])
    wait_idle(qtbot, gui_env.ctx, lambda: dialog.result_return is not None)
    outcome = dialog.result_return
    assert outcome is not None and outcome.offline
    assert (outcome.points_clawed_back, outcome.refunded_cents) == (proposed - 1, 5_000)
    (adjust,) = refunds(gui_env, member.id)
    assert (adjust.kind, adjust.points, adjust.amount_cents, adjust.approved_by) == (
        EntryKind.ADJUST.value, 1 - proposed, 5_000, "M001"
    )  # fmt: skip
    assert (adjust.ref_store_code, adjust.ref_receipt_no) == (OTHER_STORE, sale.receipt_no)

    # The server back: the sync sends the return and the server matches it with the sale it holds.
    server = EmbeddedServer(gui_env.server.path).start()
    gui_env.server = server  # stopped with the test
    gui_env.till.sync.point_at(server.url)
    assert SyncEngine(gui_env.till.sync).run().ok
    assert server.db is not None
    with server.db.read() as session:
        held = session.get(LedgerEntry, adjust.id)
        assert held is not None and held.reconciled_with == sale.id


def test_a_manager_takes_the_offline_return_without_asking_another(gui_env: GuiEnv, qtbot: QtBot) -> None:
    gui_env.login("M001")
    sale = other_store_sale(gui_env)
    assert sale.receipt_no is not None
    gui_env.stop_server()
    dialog = open_dialog(gui_env, qtbot, sale.member_id)
    fill(dialog, sale.receipt_no, "20", store=OTHER_STORE)
    press_enter(dialog)
    points = child(dialog, QLineEdit, "returnPoints")
    wait_idle(qtbot, gui_env.ctx, points.isVisible)
    assert not child(dialog, QPushButton, "approvalButton").isVisible()
    assert child(dialog, QPushButton, "confirmButton").text() == "Return offline (Enter)"
    press_enter(dialog)
    wait_idle(qtbot, gui_env.ctx, lambda: dialog.result_return is not None)
    (adjust,) = refunds(gui_env, sale.member_id)
    assert (adjust.approved_by, adjust.points) == ("M001", -int(points.text()))


def test_more_points_than_a_cashier_may_move_need_a_manager(gui_env: GuiEnv, qtbot: QtBot) -> None:
    cashier = gui_env.login("C001")
    member = gui_env.plain_member()
    start = member.available_points
    gui_env.till.ledger.award(cashier, member.id, 60_000, receipt_no="0001-0318-0050")  # 600 points
    dialog = open_dialog(gui_env, qtbot, member.id)
    fill(dialog, "0001-0318-0050", "600")
    press_enter(dialog)
    assert error_text(gui_env, qtbot, dialog) == "Entries of more than 500 points need a manager's approval to reverse."
    assert refunds(gui_env, member.id) == []

    approve(dialog, "0000")  # a wrong PIN: refused, nothing written
    manager = dialog.approval_dialog
    assert manager is not None
    assert error_text(gui_env, qtbot, manager) == (
        "Wrong PIN. Tries left before this staff code is locked for 15 minutes: 4."
    )
    assert dialog.result_return is None and refunds(gui_env, member.id) == []
    manager.reject()

    approve(dialog, PINS["M001"])
    wait_idle(qtbot, gui_env.ctx, lambda: dialog.result_return is not None)
    (refund,) = refunds(gui_env, member.id)
    assert (refund.points, refund.approved_by, refund.staff_code) == (-600, "M001", "C001")
    assert gui_env.member(member.id).available_points == start


def test_the_same_refund_number_again_refunds_once(gui_env: GuiEnv, qtbot: QtBot) -> None:
    cashier = gui_env.login("C001")
    member = gui_env.plain_member()
    start = member.available_points
    gui_env.till.ledger.award(cashier, member.id, 10_000, receipt_no="0001-0318-0060")
    first = open_dialog(gui_env, qtbot, member.id)
    fill(first, "0001-0318-0060", "30", number="POS-R-77")
    press_enter(first)
    wait_idle(qtbot, gui_env.ctx, lambda: first.result_return is not None)

    again = open_dialog(gui_env, qtbot, member.id)  # the POS's refund confirmed a second time
    fill(again, "0001-0318-0060", "30", number="POS-R-77")
    press_enter(again)
    wait_idle(qtbot, gui_env.ctx, lambda: again.result_return is not None)
    assert again.result_return == first.result_return
    assert len(refunds(gui_env, member.id)) == 1
    assert gui_env.member(member.id).available_points == start + 70

    other = open_dialog(gui_env, qtbot, member.id)  # the same number for another refund: refused
    fill(other, "0001-0318-0060", "10", number="POS-R-77")
    press_enter(other)
    assert error_text(gui_env, qtbot, other) == (
        "This refund number was used for another refund: nothing was refunded. Give this one a new number."
    )
    assert other.focusWidget() is child(other, QLineEdit, "refundNumber")
    assert len(refunds(gui_env, member.id)) == 1


def test_refusals_are_sentences_and_write_nothing(gui_env: GuiEnv, qtbot: QtBot) -> None:
    cashier = gui_env.login("C001")
    member = gui_env.plain_member()
    other_member = gui_env.member(gui_env.member_phone(3)[0])
    assert other_member.id != member.id
    gui_env.till.ledger.award(cashier, member.id, 10_000, receipt_no="0001-0318-0070")
    gui_env.till.ledger.award(cashier, other_member.id, 5_000, receipt_no="0001-0318-0071")
    dialog = open_dialog(gui_env, qtbot, member.id)
    cases = [
        ("", "10", None, "Enter the receipt number, of at most 64 characters."),
        ("0001-0318-0070", "", None, "Enter an amount above zero."),
        ("0001-0318-0070", "10", "S 1", "A store code is 1 to 32 letters, digits, - or _ (e.g. S001)."),
        ("0001-0318-9999", "10", None, "No member earned points with this receipt at that store: there are no "
         "points to give back. Check the receipt number and the store."),
        ("0001-0318-0070", "120", None, "That is more than this sale has left to refund (¥100.00 at most). Nothing "
         "was refunded."),
        ("0001-0318-0071", "10", None, "This receipt earned points for another member: nothing was refunded. Open "
         "that member to do it."),
    ]  # fmt: skip
    for receipt, yuan, store, words in cases:
        for name, text in (("returnReceipt", receipt), ("returnStore", store or "S001"), ("returnAmount", yuan)):
            child(dialog, QLineEdit, name).clear()
            type_into(dialog, name, text)
        press_enter(dialog)
        assert error_text(gui_env, qtbot, dialog) == words
        assert dialog.result_return is None
    assert refunds(gui_env, member.id) == [] and refunds(gui_env, other_member.id) == []


def test_a_return_for_a_member_without_points_to_take(gui_env: GuiEnv, qtbot: QtBot) -> None:
    """Taken offline, the points proposed are never more than the member holds."""
    gui_env.login("M001")
    sale = other_store_sale(gui_env)
    assert sale.receipt_no is not None
    member = gui_env.member(sale.member_id)
    gui_env.stop_server()
    dialog = open_dialog(gui_env, qtbot, member.id)
    fill(dialog, sale.receipt_no, "99999", store=OTHER_STORE)  # earns far more than anyone holds
    press_enter(dialog)
    points = child(dialog, QLineEdit, "returnPoints")
    wait_idle(qtbot, gui_env.ctx, points.isVisible)
    assert int(points.text()) == member.available_points


def test_the_offline_return_reads_whole_in_chinese_on_a_1366_x_768_till(
    gui_env: GuiEnv, qtbot: QtBot, styled: QApplication
) -> None:
    """Every part showing (the offline words, the points, the manager's button, a refusal): the dialog fits the
    screen, each button shows all its words, and each styled sentence reads at WCAG AA on its background."""
    translations = Translations(styled)
    try:
        assert translations.switch(Language.ZH_CN)
        gui_env.login("C001")
        sale = other_store_sale(gui_env)
        assert sale.receipt_no is not None
        gui_env.stop_server()
        dialog = open_dialog(gui_env, qtbot, sale.member_id)
        fill(dialog, sale.receipt_no, "50", store=OTHER_STORE)
        press_enter(dialog)
        error = error_text(gui_env, qtbot, dialog)
        assert error.replace("\u2060", "") == "无法连接总部时，其他门店销售的退货只能由店长办理。"  # no orphan
        status = child(dialog, QLabel, "returnStatus")
        assert status.text().startswith("无法连接总部")
        assert dialog.width() <= 1366 and dialog.height() <= 768
        for button in dialog.findChildren(QPushButton):
            if button.isVisible():
                assert button.width() >= button.sizeHint().width(), button.text()
        assert {"returnStatus", "errorLabel"} <= {label.objectName() for label in styled_labels(dialog)}
        assert unreadable(dialog) == []
    finally:
        translations.uninstall()


def test_only_roles_that_may_reverse_see_the_return(gui_env: GuiEnv, qtbot: QtBot) -> None:
    member_id, _phone = gui_env.member_phone(0)
    page = show_widget(qtbot, MemberPage(gui_env.ctx), active=True)
    for code, shown in (("G001", False), ("C001", True), ("M001", True)):
        gui_env.login(code)
        page.show_member(member_id)
        assert child(page, QPushButton, "returnButton").isVisible() is shown, code
    gui_env.login("G001")
    QTest.keyClick(page, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)  # the key does nothing for a guide
    assert page.findChild(ReturnDialog) is None
