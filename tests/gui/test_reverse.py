"""Reversing a mistaken entry as a cashier does it: the member's recent entries, the arrow keys, Enter; a manager's
code and PIN where the rules ask for one. The reversal is a new entry pointing at the original, and the balance
returns to what it was."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QLabel, QLineEdit, QPushButton, QTableWidget
from pytestqt.qtbot import QtBot

from localdb.member_view import MemberView
from protocol.vocabulary import EntryKind
from tests.gui.conftest import PINS, GuiEnv
from tests.gui.helpers import (
    child,
    click,
    press_enter,
    press_key,
    row_texts,
    show_widget,
    type_into,
    wait_idle,
    written,
)
from ui.reverse_dialog import ReverseDialog


def open_dialog(env: GuiEnv, qtbot: QtBot, member: MemberView) -> ReverseDialog:
    """The reverse dialog for the member as it is now (the test has written entries since it was read)."""
    return show_widget(qtbot, ReverseDialog(env.ctx, env.member(member.id)))


def test_a_cashier_reverses_the_last_award(gui_env: GuiEnv, qtbot: QtBot) -> None:
    cashier = gui_env.login("C001")
    member = gui_env.plain_member()
    start = member.available_points
    award = gui_env.till.ledger.award(cashier, member.id, 12850, receipt_no="R-0318-0007").entry
    assert gui_env.member(member.id).available_points == start + 128

    dialog = open_dialog(gui_env, qtbot, member)
    table = child(dialog, QTableWidget, "entryList")
    zone = gui_env.till.settings.current().zone
    local = award.created_at.astimezone(zone).strftime("%Y-%m-%d %H:%M")
    assert row_texts(table, 0) == [local, "Earned", "+128", "¥128.50", "R-0318-0007", "Not synced yet"]
    assert child(dialog, QLabel, "reverseSummary").text() == "Reversing takes 128 points off the member's balance."
    with qtbot.waitSignal(gui_env.ctx.hub.member_changed):
        press_enter(dialog)
    qtbot.waitUntil(lambda: dialog.result() == ReverseDialog.DialogCode.Accepted)

    reversal = dialog.result_entry
    assert reversal is not None
    assert (reversal.kind, reversal.points, reversal.reverses, reversal.staff_code) == (
        EntryKind.REVERSE, -128, award.id, "C001"
    )  # fmt: skip
    assert [e.id for e in gui_env.entries(member.id)][:2] == [reversal.id, award.id]
    assert gui_env.member(member.id).available_points == start

    again = open_dialog(gui_env, qtbot, member)  # both listed now, neither can be picked
    table = child(again, QTableWidget, "entryList")
    assert row_texts(table, 0)[1] == "Reversal" and row_texts(table, 1)[5] == "Reversed · Not synced yet"
    assert again.selected_entry() is None and not child(again, QPushButton, "confirmButton").isEnabled()


def test_the_arrow_keys_pick_an_older_entry(gui_env: GuiEnv, qtbot: QtBot) -> None:
    cashier = gui_env.login("C001")
    member = gui_env.plain_member()
    start = member.available_points
    older = gui_env.till.ledger.award(cashier, member.id, 3000).entry
    newer = gui_env.till.ledger.award(cashier, member.id, 7000).entry
    dialog = open_dialog(gui_env, qtbot, member)
    assert dialog.selected_entry() == newer
    press_key(dialog, Qt.Key.Key_Down)
    assert dialog.selected_entry() == older
    press_enter(dialog)
    qtbot.waitUntil(lambda: dialog.result_entry is not None)
    assert dialog.result_entry is not None and dialog.result_entry.reverses == older.id
    assert gui_env.member(member.id).available_points == start + 70


def test_reversing_a_redemption_gives_the_points_back(gui_env: GuiEnv, qtbot: QtBot) -> None:
    cashier = gui_env.login("C001")
    member = gui_env.plain_member()
    start = member.available_points
    spent = gui_env.till.ledger.redeem(cashier, member.id, 200, bill_cents=10_000).entry
    dialog = open_dialog(gui_env, qtbot, member)
    assert dialog.selected_entry() == spent
    assert child(dialog, QLabel, "reverseSummary").text() == "Reversing gives 200 points back to the member."
    press_enter(dialog)
    qtbot.waitUntil(lambda: dialog.result_entry is not None)
    assert gui_env.member(member.id).available_points == start


def test_a_large_entry_needs_a_manager_to_reverse(gui_env: GuiEnv, qtbot: QtBot) -> None:
    cashier = gui_env.login("C001")
    member = gui_env.plain_member()
    start = member.available_points
    big = gui_env.till.ledger.award(cashier, member.id, 60_000).entry  # 600 points: above the 500 a cashier may undo
    dialog = open_dialog(gui_env, qtbot, member)
    press_enter(dialog)
    error = child(dialog, QLabel, "errorLabel")
    wait_idle(qtbot, gui_env.ctx, lambda: error.text() != "")
    assert error.text() == "Entries of more than 500 points need a manager's approval to reverse."
    assert dialog.result_entry is None and len(gui_env.entries(member.id)) == 1

    click(child(dialog, QPushButton, "approvalButton"))
    manager = dialog.approval_dialog
    assert manager is not None
    type_into(manager, "approverCode", "m001")  # typed in lowercase: read as M001
    press_enter(manager)  # Enter after the code moves on to the PIN
    assert manager.focusWidget() is child(manager, QLineEdit, "approverPin")
    QTest.keyClicks(child(manager, QLineEdit, "approverPin"), PINS["M001"])
    press_enter(manager)
    qtbot.waitUntil(lambda: dialog.result_entry is not None)
    reversal = written(dialog)
    assert reversal is not None and (reversal.reverses, reversal.approved_by) == (big.id, "M001")
    assert gui_env.member(member.id).available_points == start


def test_a_wrong_manager_pin_reverses_nothing(gui_env: GuiEnv, qtbot: QtBot) -> None:
    cashier = gui_env.login("C001")
    member = gui_env.plain_member()
    gui_env.till.ledger.award(cashier, member.id, 60_000)
    dialog = open_dialog(gui_env, qtbot, member)
    press_enter(dialog)
    qtbot.waitUntil(lambda: child(dialog, QPushButton, "approvalButton").isVisible())
    click(child(dialog, QPushButton, "approvalButton"))
    manager = dialog.approval_dialog
    assert manager is not None
    type_into(manager, "approverCode", "M001")
    type_into(manager, "approverPin", "0000")
    click(child(manager, QPushButton, "confirmButton"))
    error = child(manager, QLabel, "errorLabel")
    wait_idle(qtbot, gui_env.ctx, lambda: error.text() != "")
    assert error.text() == "Wrong PIN. Tries left before this staff code is locked for 15 minutes: 4."
    assert manager.approver is None and dialog.result_entry is None
    assert len(gui_env.entries(member.id)) == 1
