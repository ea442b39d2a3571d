"""After an award, a redemption or a reversal the member page keeps what it did on screen in large type until the
next member (issue 15, item 27): the points moved and the new balance, and for a redemption the discount the
cashier must take off at the register."""

from __future__ import annotations

from PySide6.QtWidgets import QApplication, QDialog
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from localdb.models import Member
from tests.gui.conftest import GuiEnv
from tests.gui.helpers import click, press_enter, show_widget, type_into, wait_idle
from ui.member_page import MemberPage


def _page(env: GuiEnv, qtbot: QtBot, member_id: str) -> MemberPage:
    page = show_widget(qtbot, MemberPage(env.ctx), size=(1366, 700), active=True)
    page.show_member(member_id)
    return page


def _dialog(qtbot: QtBot) -> QDialog:
    qtbot.waitUntil(lambda: isinstance(QApplication.activeModalWidget(), QDialog))
    dialog = QApplication.activeModalWidget()
    assert isinstance(dialog, QDialog)
    return dialog


def _rich_member(env: GuiEnv) -> str:
    with env.till.db.read() as session:
        return session.scalars(select(Member.id).order_by(Member.balance_synced.desc(), Member.id).limit(1)).one()


def test_an_award_leaves_the_points_and_the_balance_on_screen_until_the_next_member(
    gui_env: GuiEnv, qtbot: QtBot
) -> None:
    gui_env.login("C001")
    member = gui_env.plain_member()
    page = _page(gui_env, qtbot, member.id)
    assert not page.outcome.isVisibleTo(page)

    click(page.award_button)
    dialog = _dialog(qtbot)
    type_into(dialog, "awardAmount", "270")
    press_enter(dialog)
    qtbot.waitUntil(lambda: page.outcome.isVisibleTo(page))
    balance = gui_env.member(member.id).available_points
    assert page.outcome.text() == f"+270 points · balance {balance:,}"

    other = gui_env.member_phone(3)[0]
    page.show_member(other)  # the next customer: not theirs
    assert not page.outcome.isVisibleTo(page) and page.outcome.text() == ""


def test_a_redemption_says_the_discount_to_take_off_at_the_register(gui_env: GuiEnv, qtbot: QtBot) -> None:
    gui_env.login("C001")
    member_id = _rich_member(gui_env)
    page = _page(gui_env, qtbot, member_id)
    click(page.redeem_button)
    dialog = _dialog(qtbot)
    type_into(dialog, "billAmount", "500")
    type_into(dialog, "redeemPoints", "1000")
    press_enter(dialog)
    wait_idle(qtbot, gui_env.ctx, lambda: page.outcome.isVisibleTo(page))
    balance = gui_env.member(member_id).available_points
    assert page.outcome.text() == f"¥10.00 off — take it off at the register\n-1,000 points · balance {balance:,}"


def test_a_dialog_closed_without_writing_shows_no_outcome(gui_env: GuiEnv, qtbot: QtBot) -> None:
    gui_env.login("C001")
    page = _page(gui_env, qtbot, gui_env.plain_member().id)
    click(page.award_button)
    _dialog(qtbot).reject()
    qtbot.waitUntil(lambda: QApplication.activeModalWidget() is None)
    assert not page.outcome.isVisibleTo(page)
