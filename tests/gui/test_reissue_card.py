"""Reissuing a lost member card at the till (补发会员卡): a manager-only action on the member page; the manager's code
and PIN are checked at the till, the server issues a new serial (the old one revoked) and the new QR code shows at
once; offline, a worded refusal and nothing changes. In English and in Chinese."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtWidgets import QApplication, QLabel, QPushButton
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from localdb.models import Member
from server import chain
from server.models import Member as ServerMember
from tests.gui.conftest import PINS, GuiEnv
from tests.gui.helpers import button_visible, child, click, press_enter, show_widget, type_into, wait_idle
from ui.i18n import Language, Translations
from ui.member_code_dialog import CodeState
from ui.member_page import MemberPage
from ui.reissue_card_dialog import ReissueCardDialog


def _page(env: GuiEnv, qtbot: QtBot, staff: str) -> MemberPage:
    env.login(staff)
    return show_widget(qtbot, MemberPage(env.ctx), size=(1000, 640))


def _server_serial(env: GuiEnv, member_id: str) -> int | None:
    assert env.server.db is not None
    with env.server.db.read() as session:
        return session.scalar(select(ServerMember.card_serial).where(ServerMember.id == member_id))


def _till_serial(env: GuiEnv, member_id: str) -> int | None:
    with env.till.db.read() as session:
        return session.scalar(select(Member.card_serial).where(Member.id == member_id))


def _open_reissue(env: GuiEnv, qtbot: QtBot, member_id: str) -> ReissueCardDialog:
    page = _page(env, qtbot, "M001")
    assert page.show_member(member_id)
    click(child(page, QPushButton, "reissueCardButton"))
    dialog = page.findChild(ReissueCardDialog)
    assert dialog is not None
    qtbot.waitUntil(dialog.isVisible)
    return dialog


def _approve(env: GuiEnv, qtbot: QtBot, dialog: ReissueCardDialog, code: str = "M001") -> None:
    type_into(dialog, "approverCode", code)
    type_into(dialog, "approverPin", PINS[code])
    press_enter(dialog)


@pytest.mark.parametrize("staff", ["C001", "G001"])
def test_only_a_manager_sees_the_reissue_action(gui_env: GuiEnv, qtbot: QtBot, staff: str) -> None:
    page = _page(gui_env, qtbot, staff)
    member_id, _phone = gui_env.member_phone(3)
    assert page.show_member(member_id)
    assert not button_visible(page, "reissueCardButton")


def test_a_manager_reissues_a_lost_card_and_the_new_code_shows_at_once(gui_env: GuiEnv, qtbot: QtBot) -> None:
    member_id, _phone = gui_env.member_phone(4)
    old = _till_serial(gui_env, member_id)
    assert old is not None and _server_serial(gui_env, member_id) == old
    dialog = _open_reissue(gui_env, qtbot, member_id)
    assert child(dialog, QLabel, "reissueExplanation").text().startswith("The member gets a new card code")

    _approve(gui_env, qtbot, dialog)
    qtbot.waitUntil(lambda: dialog.card is not None, timeout=10_000)

    assert dialog.card is not None
    new = _server_serial(gui_env, member_id)
    assert new is not None and new != old and dialog.card.card_serial == new
    assert dialog.panel.state is CodeState.SHOWN and dialog.panel.qr_view.code() == dialog.card.code
    assert gui_env.server.db is not None
    with gui_env.server.db.read() as session:
        assert old in chain.revoked_cards(session) and new not in chain.revoked_cards(session)
    assert "New card issued" in child(dialog, QLabel, "reissueExplanation").text()
    # the sync the dialog started brings this till the new serial
    wait_idle(qtbot, gui_env.ctx, lambda: _till_serial(gui_env, member_id) == new, timeout=15_000)
    assert gui_env.member_code(member_id) == dialog.card.code


def test_offline_the_reissue_is_refused_in_words_and_nothing_changes(gui_env: GuiEnv, qtbot: QtBot) -> None:
    member_id, _phone = gui_env.member_phone(5)
    old = _till_serial(gui_env, member_id)
    gui_env.stop_server()
    dialog = _open_reissue(gui_env, qtbot, member_id)

    _approve(gui_env, qtbot, dialog)
    refusal = child(dialog, QLabel, "errorLabel")
    wait_idle(qtbot, gui_env.ctx, lambda: refusal.text() != "", timeout=10_000)

    assert refusal.text() == (
        "The server cannot be reached, and a card is reissued only online. Nothing was changed: try again when the "
        "till is back online."
    )
    assert dialog.card is None and not dialog.panel.isVisible()
    assert _till_serial(gui_env, member_id) == old
    assert child(dialog, QPushButton, "confirmButton").isEnabled()  # the manager may try again


def test_a_cashiers_code_does_not_approve_a_reissue(gui_env: GuiEnv, qtbot: QtBot) -> None:
    member_id, _phone = gui_env.member_phone(6)
    old = _server_serial(gui_env, member_id)
    dialog = _open_reissue(gui_env, qtbot, member_id)
    _approve(gui_env, qtbot, dialog, "C001")
    refusal = child(dialog, QLabel, "errorLabel")
    wait_idle(qtbot, gui_env.ctx, lambda: refusal.text() != "")
    assert refusal.text() == "Your role does not allow this."
    assert dialog.card is None and _server_serial(gui_env, member_id) == old


@pytest.fixture
def chinese(qapp: QApplication) -> Iterator[None]:
    translations = Translations(qapp)
    assert translations.switch(Language.ZH_CN)
    yield
    translations.uninstall()


def test_in_chinese_the_action_is_bu_fa_hui_yuan_ka(gui_env: GuiEnv, qtbot: QtBot, chinese: None) -> None:
    member_id, _phone = gui_env.member_phone(7)
    page = _page(gui_env, qtbot, "M001")
    assert page.show_member(member_id)
    assert child(page, QPushButton, "reissueCardButton").text() == "补发会员卡"
    gui_env.stop_server()
    dialog = _open_reissue(gui_env, qtbot, member_id)
    _approve(gui_env, qtbot, dialog)
    refusal = child(dialog, QLabel, "errorLabel")
    wait_idle(qtbot, gui_env.ctx, lambda: refusal.text() != "", timeout=10_000)
    assert "服务器" in refusal.text() and "联网" in refusal.text()
