"""Offline, the redeem dialog shows the stand-in cap that applies to this cashier now, before Enter: the limits say
how many points are left of it for this member today, and "Use the most" offers no more than that."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QLineEdit, QPushButton
from pytestqt.qtbot import QtBot

from tests.gui.conftest import GuiEnv
from tests.gui.helpers import child, click, show_widget, type_into, wait_idle
from tests.gui.test_redeem import redeem, rich_member
from ui.redeem_dialog import RedeemDialog


def _go_offline(env: GuiEnv, qtbot: QtBot) -> None:
    env.stop_server()
    env.ctx.sync.check_health()
    qtbot.waitUntil(lambda: env.ctx.sync.online is False, timeout=10000)


def test_offline_the_cap_left_is_shown_and_is_the_most_offered(gui_env: GuiEnv, qtbot: QtBot) -> None:
    gui_env.login("C001")
    member = rich_member(gui_env)
    _go_offline(gui_env, qtbot)
    assert redeem(gui_env, qtbot, member, "100", "500").result_entry is not None  # 500 of the 2,000 used today
    member = gui_env.member(member.id)

    dialog = show_widget(qtbot, RedeemDialog(gui_env.ctx, member))
    limits = child(dialog, QLabel, "limitsLabel")
    wait_idle(qtbot, gui_env.ctx, lambda: "Offline:" in limits.text())
    assert "Offline: at most 1,500 more points for this member today without a manager." in limits.text()
    type_into(dialog, "billAmount", "1000")
    assert "Most now: 1,500 points (¥15.00)." in limits.text()
    click(child(dialog, QPushButton, "redeemMaxButton"))
    assert child(dialog, QLineEdit, "redeemPoints").text() == "1500"


def test_online_and_for_a_manager_the_offline_cap_is_not_offered(gui_env: GuiEnv, qtbot: QtBot) -> None:
    gui_env.login("C001")
    member = rich_member(gui_env)
    dialog = show_widget(qtbot, RedeemDialog(gui_env.ctx, member))
    type_into(dialog, "billAmount", "1000")
    wait_idle(qtbot, gui_env.ctx)
    assert "Offline:" not in child(dialog, QLabel, "limitsLabel").text()
    assert "Most now: 50,000 points" in child(dialog, QLabel, "limitsLabel").text()
    dialog.close()

    gui_env.login("M001")
    _go_offline(gui_env, qtbot)
    dialog = show_widget(qtbot, RedeemDialog(gui_env.ctx, member))
    type_into(dialog, "billAmount", "1000")
    wait_idle(qtbot, gui_env.ctx)
    assert "Offline:" not in child(dialog, QLabel, "limitsLabel").text()
