"""Editing a member (编辑会员) as a manager does it at the counter: the action on the member page (managers only),
the fields filled with what the till holds, the old full number asked before the phone changes, refusals in words
in both languages, and the edit queued for the server."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtWidgets import QApplication, QLabel, QLineEdit, QPushButton, QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from localdb.models import OutboxBody, OutboxItem
from tests.gui.conftest import GuiEnv
from tests.gui.helpers import (
    button_visible,
    child,
    click,
    commit_text,
    press_enter,
    show_widget,
    type_into,
    wait_idle,
)
from ui.i18n import Language, Translations
from ui.member_edit_dialog import MemberEditDialog
from ui.member_page import MemberPage
from widgets.display import WORD_JOINER

NEW_PHONE = "19900001234"


@pytest.fixture
def chinese(qapp: QApplication) -> Iterator[None]:
    translations = Translations(qapp)
    assert translations.switch(Language.ZH_CN)
    yield
    translations.uninstall()


def type_chinese(parent: QWidget, name: str, text: str) -> None:
    """Replace what the field holds with `text` as a Chinese input method commits it."""
    field = child(parent, QLineEdit, name)
    field.setFocus()
    field.selectAll()
    commit_text(field, text)


def edits_queued(env: GuiEnv) -> list[dict[str, object]]:
    with env.till.db.read() as session:
        return list(
            session.scalars(
                select(OutboxBody.body)
                .join(OutboxItem, OutboxItem.seq == OutboxBody.seq)
                .where(OutboxItem.type == "member_edit")
            )
        )


def test_only_a_manager_sees_edit_member_on_the_member_page(gui_env: GuiEnv, qtbot: QtBot) -> None:
    gui_env.login("C001")
    member = gui_env.plain_member()
    page = show_widget(qtbot, MemberPage(gui_env.ctx), size=(1000, 640))
    page.show_member(member.id)
    assert not button_visible(page, "editMemberButton")
    gui_env.login("M001")
    assert button_visible(page, "editMemberButton")
    assert child(page, QPushButton, "editMemberButton").text() == "Edit member"


def test_a_manager_corrects_name_and_phone_after_typing_the_old_number(gui_env: GuiEnv, qtbot: QtBot) -> None:
    gui_env.login("M001")
    member_id, old_phone = gui_env.member_phone(3)
    member = gui_env.member(member_id)
    dialog = show_widget(qtbot, MemberEditDialog(gui_env.ctx, member))
    type_chinese(dialog, "editName", "王改名")
    type_into(dialog, "editPhone", NEW_PHONE)
    type_into(dialog, "editOldPhone", "13000000000")  # not the member's number
    press_enter(dialog)
    wait_idle(qtbot, gui_env.ctx, lambda: bool(child(dialog, QLabel, "errorLabel").text()))
    assert child(dialog, QLabel, "errorLabel").text() == (
        "The old number typed is not this member's: the phone was not changed."
    )
    assert edits_queued(gui_env) == [] and gui_env.member(member_id).name == member.name  # nothing written

    type_into(dialog, "editOldPhone", old_phone)
    with qtbot.waitSignal(gui_env.ctx.hub.member_changed):
        press_enter(dialog)
    qtbot.waitUntil(lambda: dialog.result() == MemberEditDialog.DialogCode.Accepted)

    found = gui_env.till.members.find_by_phone(gui_env.ctx.actor(), NEW_PHONE)
    assert found is not None and (found.id, found.name) == (member_id, "王改名")
    [body] = edits_queued(gui_env)
    assert (body["member_id"], body["name"], body["phone"], body["staff_code"]) == (
        member_id, "王改名", "+86" + NEW_PHONE, "M001"
    )  # fmt: skip


def test_in_chinese_the_dialog_and_its_refusal_are_chinese(gui_env: GuiEnv, qtbot: QtBot, chinese: None) -> None:
    gui_env.login("M001")
    member_id, _old_phone = gui_env.member_phone(4)
    _other_id, taken = gui_env.member_phone(5)
    page = show_widget(qtbot, MemberPage(gui_env.ctx), size=(1000, 640))
    page.show_member(member_id)
    assert child(page, QPushButton, "editMemberButton").text() == "编辑会员"
    dialog = show_widget(qtbot, MemberEditDialog(gui_env.ctx, gui_env.member(member_id)))
    assert dialog.windowTitle() == "编辑会员"
    child(dialog, QLineEdit, "editName").clear()
    click(child(dialog, QPushButton, "confirmButton"))
    wait_idle(qtbot, gui_env.ctx, lambda: bool(child(dialog, QLabel, "errorLabel").text()))
    words = child(dialog, QLabel, "errorLabel").text()
    assert words and not any("a" <= ch.lower() <= "z" for ch in words), words
    type_chinese(dialog, "editName", "王五")
    type_into(dialog, "editPhone", taken)  # another member's phone: refused whatever the old number
    type_into(dialog, "editOldPhone", _old_phone)
    press_enter(dialog)
    said = lambda: child(dialog, QLabel, "errorLabel").text().replace(WORD_JOINER, "")  # noqa: E731 (joiners: no_orphan)
    wait_idle(qtbot, gui_env.ctx, lambda: "会员" in said())
    assert edits_queued(gui_env) == []
