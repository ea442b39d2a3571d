"""Redeeming points as a cashier does it: the bill, the points (or their value), Enter; authorized online by the real
loopback server when it answers, written offline under the stand-in cap when it does not, and over the cap only with
a manager's code and PIN. Refusals are shown in words and write nothing."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QLabel, QLineEdit, QPushButton
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from localdb.errors import Problem, StoreError
from localdb.member_view import MemberView
from localdb.models import Member
from protocol.vocabulary import EntryKind
from server.models import Reservation
from sync.authorizer import RedemptionAuthorizer, Verdict
from tests.gui.conftest import PINS, GuiEnv
from tests.gui.helpers import assert_role_refused, child, click, press_enter, show_widget, type_into, wait_idle, written
from ui.redeem_dialog import RedeemDialog


def rich_member(env: GuiEnv, rank: int = 0) -> MemberView:
    """One of the members with the most points (at the server and at the till alike: nothing pending yet)."""
    with env.till.db.read() as session:
        member_id = session.scalars(
            select(Member.id).order_by(Member.balance_synced.desc(), Member.id).offset(rank).limit(1)
        ).one()
    member = env.member(member_id)
    assert member.available_points >= 5000 and member.pending_points == 0
    return member


def redemptions(env: GuiEnv, member_id: str) -> list[str]:
    return [entry.id for entry in env.entries(member_id, EntryKind.REDEEM)]


def redeem(env: GuiEnv, qtbot: QtBot, member: MemberView, bill: str, points: str) -> RedeemDialog:
    """Type the bill and the points, press Enter, wait until the dialog has an answer (written or refused)."""
    dialog = show_widget(qtbot, RedeemDialog(env.ctx, member))
    type_into(dialog, "billAmount", bill)
    type_into(dialog, "redeemPoints", points)
    press_enter(dialog)
    error = child(dialog, QLabel, "errorLabel")
    wait_idle(qtbot, env.ctx, lambda: dialog.result_entry is not None or error.text() != "")
    return dialog


def test_online_redemption_is_held_at_the_server_under_the_entry_id(gui_env: GuiEnv, qtbot: QtBot) -> None:
    gui_env.login("C001")
    member = rich_member(gui_env)
    with qtbot.waitSignal(gui_env.ctx.hub.member_changed) as changed:
        dialog = redeem(gui_env, qtbot, member, "100", "500")
    assert changed.args == [member.id]
    entry = dialog.result_entry
    assert entry is not None, child(dialog, QLabel, "errorLabel").text()
    assert dialog.result() == RedeemDialog.DialogCode.Accepted
    assert (entry.points, entry.amount_cents, entry.offline, entry.approved_by) == (-500, 500, False, None)
    assert redemptions(gui_env, member.id) == [entry.id]
    assert gui_env.member(member.id).available_points == member.available_points - 500
    assert gui_env.server.db is not None
    with gui_env.server.db.read() as session:
        hold = session.get(Reservation, entry.id)
        assert hold is not None and (hold.member_id, hold.points, hold.consumed_at) == (member.id, 500, None)


def test_points_and_yuan_move_together_and_the_limits_are_explained(gui_env: GuiEnv, qtbot: QtBot) -> None:
    gui_env.login("C001")
    member = rich_member(gui_env)
    dialog = show_widget(qtbot, RedeemDialog(gui_env.ctx, member))
    limits = child(dialog, QLabel, "limitsLabel")
    assert "At least 100 points at a time." in limits.text()
    assert f"Available: {member.available_points:,} points." in limits.text()
    type_into(dialog, "billAmount", "88.80")
    assert "This bill takes at most 4,440 points (50 % of it)." in limits.text()
    assert "Most now: 4,440 points (¥44.40)." in limits.text()
    type_into(dialog, "redeemYuan", "12.34")
    assert child(dialog, QLineEdit, "redeemPoints").text() == "1234"
    type_into(dialog, "redeemPoints", "250")
    assert child(dialog, QLineEdit, "redeemYuan").text() == "2.50"
    click(child(dialog, QPushButton, "redeemMaxButton"))
    assert child(dialog, QLineEdit, "redeemPoints").text() == "4440"
    assert child(dialog, QLineEdit, "redeemYuan").text() == "44.40"


def test_without_the_server_the_till_redeems_offline(gui_env: GuiEnv, qtbot: QtBot) -> None:
    gui_env.login("C001")
    member = rich_member(gui_env)
    gui_env.stop_server()
    dialog = redeem(gui_env, qtbot, member, "100", "500")
    entry = dialog.result_entry
    assert entry is not None, child(dialog, QLabel, "errorLabel").text()
    assert (entry.points, entry.offline, entry.approved_by) == (-500, True, None)
    assert dialog.authorization is not None and dialog.authorization.verdict is Verdict.UNAVAILABLE
    assert dialog.authorization.entry_id == entry.id
    assert gui_env.member(member.id).available_points == member.available_points - 500


def test_over_the_offline_cap_a_cashier_needs_a_manager(gui_env: GuiEnv, qtbot: QtBot) -> None:
    gui_env.login("C001")
    member = rich_member(gui_env)
    gui_env.stop_server()
    dialog = redeem(gui_env, qtbot, member, "100", "2500")
    assert child(dialog, QLabel, "errorLabel").text() == (
        "Offline, at most 2,000 more points can be redeemed for this member today; a manager must approve more."
    )
    assert dialog.result_entry is None and redemptions(gui_env, member.id) == []
    approval = child(dialog, QPushButton, "approvalButton")
    assert approval.isVisible()

    click(approval)
    manager = dialog.approval_dialog
    assert manager is not None and manager.isVisible()
    type_into(manager, "approverCode", "C001")  # a cashier cannot approve
    type_into(manager, "approverPin", PINS["C001"])
    press_enter(manager)
    refusal = child(manager, QLabel, "errorLabel")
    wait_idle(qtbot, gui_env.ctx, lambda: refusal.text() != "")
    assert refusal.text() == "Your role does not allow this."
    assert redemptions(gui_env, member.id) == []

    type_into(manager, "approverCode", "M001")
    type_into(manager, "approverPin", PINS["M001"])
    press_enter(manager)
    qtbot.waitUntil(lambda: dialog.result_entry is not None)
    entry = written(dialog)
    assert entry is not None and (entry.points, entry.offline, entry.approved_by) == (-2500, True, "M001")
    assert entry.staff_code == "C001"
    assert redemptions(gui_env, member.id) == [entry.id]
    assert gui_env.member(member.id).available_points == member.available_points - 2500


def test_a_manager_at_the_till_redeems_over_the_cap_alone(gui_env: GuiEnv, qtbot: QtBot) -> None:
    gui_env.login("M001")
    member = rich_member(gui_env)
    gui_env.stop_server()
    dialog = redeem(gui_env, qtbot, member, "100", "2500")
    entry = dialog.result_entry
    assert entry is not None and (entry.offline, entry.approved_by) == (True, "M001")


@pytest.mark.parametrize(
    ("bill", "points", "message"),
    [
        ("100", "50", "At least 100 points must be redeemed at a time."),
        ("100", "5100", "Points can pay only part of this bill: at most 5,000 points."),
        ("", "500", "Enter the bill amount first."),
        ("100", "", "Enter the points to redeem."),
        ("100", "abc", "Enter the points to redeem."),
        ("10x", "500", "Enter the amount in yuan, with at most two decimals."),
    ],
)
def test_redemptions_the_rules_refuse_are_explained(
    gui_env: GuiEnv, qtbot: QtBot, bill: str, points: str, message: str
) -> None:
    gui_env.login("C001")
    member = rich_member(gui_env)
    dialog = redeem(gui_env, qtbot, member, bill, points)
    assert child(dialog, QLabel, "errorLabel").text() == message
    assert dialog.isVisible() and dialog.result_entry is None
    assert redemptions(gui_env, member.id) == []
    assert child(dialog, QPushButton, "confirmButton").isEnabled()


def test_more_than_the_balance_is_refused(gui_env: GuiEnv, qtbot: QtBot) -> None:
    gui_env.login("C001")
    member = rich_member(gui_env)
    too_many = member.available_points + 100
    dialog = redeem(gui_env, qtbot, member, str(too_many), str(too_many))  # the bill's share allows it; the balance not
    assert (
        child(dialog, QLabel, "errorLabel").text() == f"Not enough points: {member.available_points:,} available."
    )  # separators, as on the card
    assert redemptions(gui_env, member.id) == []


def test_the_server_refuses_points_already_spent_elsewhere(gui_env: GuiEnv, qtbot: QtBot) -> None:
    gui_env.login("C001")
    member = rich_member(gui_env)
    # Another till holds all but 100 of the member's points at the server; this till has not heard of it.
    other_till = RedemptionAuthorizer(gui_env.till.sync)
    assert other_till.authorize(member.id, member.available_points - 100, 0).verdict is Verdict.APPROVED
    dialog = redeem(gui_env, qtbot, member, "100", "500")
    assert child(dialog, QLabel, "errorLabel").text() == (
        "The server refused: only 100 points are available for this member now. Nothing was redeemed."
    )
    assert dialog.result_entry is None and redemptions(gui_env, member.id) == []
    assert gui_env.member(member.id).available_points == member.available_points


def test_a_guide_cannot_redeem(gui_env: GuiEnv, qtbot: QtBot) -> None:
    guide = gui_env.login("G001")
    member = rich_member(gui_env)
    assert_role_refused(qtbot, gui_env.ctx, show_widget(qtbot, RedeemDialog(gui_env.ctx, member)))
    with pytest.raises(StoreError) as refused:
        gui_env.till.ledger.redeem(guide, member.id, 500, bill_cents=10_000)
    assert refused.value.problem is Problem.PERMISSION_DENIED
    assert redemptions(gui_env, member.id) == []
