"""Reversing a mistaken entry as a cashier does it: the member's recent entries, the arrow keys, Enter; a manager's
code and PIN where the rules ask for one. The reversal is a new entry pointing at the original, and the balance
returns to what it was."""

from __future__ import annotations

from typing import TypeVar

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QLabel, QLineEdit, QPushButton, QTableWidget, QWidget
from pytestqt.qtbot import QtBot

from localdb.ledger import EntryView
from localdb.member_view import MemberView
from protocol.vocabulary import EntryKind
from tests.gui.conftest import PINS, GuiEnv
from tests.gui.test_award import plain_member
from ui.reverse_dialog import ReverseDialog

W = TypeVar("W", bound=QWidget)


def written(dialog: ReverseDialog) -> EntryView | None:
    """The reversal the dialog wrote (read afresh: the dialog writes it after the test looked)."""
    return dialog.result_entry


def child(dialog: QWidget, kind: type[W], name: str) -> W:
    found = dialog.findChild(kind, name)
    assert found is not None, name
    return found


def press(widget: QWidget, key: Qt.Key) -> None:
    QTest.keyClick(widget.focusWidget() or widget, key)


def open_dialog(env: GuiEnv, qtbot: QtBot, member: MemberView) -> ReverseDialog:
    dialog = ReverseDialog(env.ctx, env.till.members.get(env.ctx.actor(), member.id))
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def entries(env: GuiEnv, member_id: str) -> list[EntryView]:
    return env.till.ledger.recent_entries(env.ctx.actor(), member_id, limit=100)


def available(env: GuiEnv, member_id: str) -> int:
    return env.till.members.get(env.ctx.actor(), member_id).available_points


def row_texts(table: QTableWidget, row: int) -> list[str]:
    return [table.item(row, column).text() for column in range(table.columnCount())]  # type: ignore[union-attr]


def test_a_cashier_reverses_the_last_award(gui_env: GuiEnv, qtbot: QtBot) -> None:
    cashier = gui_env.login("C001")
    member = plain_member(gui_env)
    start = member.available_points
    award = gui_env.till.ledger.award(cashier, member.id, 12850, receipt_no="R-0318-0007").entry
    assert available(gui_env, member.id) == start + 128

    dialog = open_dialog(gui_env, qtbot, member)
    table = child(dialog, QTableWidget, "entryList")
    zone = gui_env.till.settings.current().zone
    local = award.created_at.astimezone(zone).strftime("%Y-%m-%d %H:%M")
    assert row_texts(table, 0) == [local, "Earned", "+128", "¥128.50", "R-0318-0007", "Not synced yet"]
    assert child(dialog, QLabel, "reverseSummary").text() == "Reversing takes 128 points off the member's balance."
    with qtbot.waitSignal(gui_env.ctx.hub.member_changed):
        press(dialog, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.result() == ReverseDialog.DialogCode.Accepted)

    reversal = dialog.result_entry
    assert reversal is not None
    assert (reversal.kind, reversal.points, reversal.reverses, reversal.staff_code) == (
        EntryKind.REVERSE, -128, award.id, "C001"
    )  # fmt: skip
    assert [e.id for e in entries(gui_env, member.id)][:2] == [reversal.id, award.id]
    assert available(gui_env, member.id) == start

    again = open_dialog(gui_env, qtbot, member)  # both listed now, neither can be picked
    table = child(again, QTableWidget, "entryList")
    assert row_texts(table, 0)[1] == "Reversal" and row_texts(table, 1)[5] == "Reversed · Not synced yet"
    assert again.selected_entry() is None and not child(again, QPushButton, "confirmButton").isEnabled()


def test_the_arrow_keys_pick_an_older_entry(gui_env: GuiEnv, qtbot: QtBot) -> None:
    cashier = gui_env.login("C001")
    member = plain_member(gui_env)
    start = member.available_points
    older = gui_env.till.ledger.award(cashier, member.id, 3000).entry
    newer = gui_env.till.ledger.award(cashier, member.id, 7000).entry
    dialog = open_dialog(gui_env, qtbot, member)
    assert dialog.selected_entry() == newer
    press(dialog, Qt.Key.Key_Down)
    assert dialog.selected_entry() == older
    press(dialog, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.result_entry is not None)
    assert dialog.result_entry is not None and dialog.result_entry.reverses == older.id
    assert available(gui_env, member.id) == start + 70


def test_reversing_a_redemption_gives_the_points_back(gui_env: GuiEnv, qtbot: QtBot) -> None:
    cashier = gui_env.login("C001")
    member = plain_member(gui_env)
    start = member.available_points
    spent = gui_env.till.ledger.redeem(cashier, member.id, 200, bill_cents=10_000).entry
    dialog = open_dialog(gui_env, qtbot, member)
    assert dialog.selected_entry() == spent
    assert child(dialog, QLabel, "reverseSummary").text() == "Reversing gives 200 points back to the member."
    press(dialog, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.result_entry is not None)
    assert available(gui_env, member.id) == start


def test_a_large_entry_needs_a_manager_to_reverse(gui_env: GuiEnv, qtbot: QtBot) -> None:
    cashier = gui_env.login("C001")
    member = plain_member(gui_env)
    start = member.available_points
    big = gui_env.till.ledger.award(cashier, member.id, 60_000).entry  # 600 points: above the 500 a cashier may undo
    dialog = open_dialog(gui_env, qtbot, member)
    press(dialog, Qt.Key.Key_Return)
    error = child(dialog, QLabel, "errorLabel")
    qtbot.waitUntil(lambda: error.text() != "" and not gui_env.ctx.ops.busy())
    assert error.text() == "Entries of more than 500 points need a manager's approval to reverse."
    assert dialog.result_entry is None and len(entries(gui_env, member.id)) == 1

    QTest.mouseClick(child(dialog, QPushButton, "approvalButton"), Qt.MouseButton.LeftButton)
    manager = dialog.approval_dialog
    assert manager is not None
    child(manager, QLineEdit, "approverCode").setFocus()
    QTest.keyClicks(child(manager, QLineEdit, "approverCode"), "m001")  # typed in lowercase: read as M001
    press(manager, Qt.Key.Key_Return)  # Enter after the code moves on to the PIN
    assert manager.focusWidget() is child(manager, QLineEdit, "approverPin")
    QTest.keyClicks(child(manager, QLineEdit, "approverPin"), PINS["M001"])
    press(manager, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.result_entry is not None)
    reversal = written(dialog)
    assert reversal is not None and (reversal.reverses, reversal.approved_by) == (big.id, "M001")
    assert available(gui_env, member.id) == start


def test_a_wrong_manager_pin_reverses_nothing(gui_env: GuiEnv, qtbot: QtBot) -> None:
    cashier = gui_env.login("C001")
    member = plain_member(gui_env)
    gui_env.till.ledger.award(cashier, member.id, 60_000)
    dialog = open_dialog(gui_env, qtbot, member)
    press(dialog, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: child(dialog, QPushButton, "approvalButton").isVisible())
    QTest.mouseClick(child(dialog, QPushButton, "approvalButton"), Qt.MouseButton.LeftButton)
    manager = dialog.approval_dialog
    assert manager is not None
    QTest.keyClicks(child(manager, QLineEdit, "approverCode"), "M001")
    QTest.keyClicks(child(manager, QLineEdit, "approverPin"), "0000")
    QTest.mouseClick(child(manager, QPushButton, "confirmButton"), Qt.MouseButton.LeftButton)
    error = child(manager, QLabel, "errorLabel")
    qtbot.waitUntil(lambda: error.text() != "" and not gui_env.ctx.ops.busy())
    assert error.text() == "Wrong staff code or PIN."
    assert manager.approver is None and dialog.result_entry is None
    assert len(entries(gui_env, member.id)) == 1
