"""The store guide's preferences page, as a guide (and a cashier) use it: add with Enter, remove with Delete, record
the member's consent, see recent visits; each write lands in the store and the outbox once, refusals in words."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QAbstractButton, QApplication, QMessageBox
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from localdb.errors import Problem, StoreError
from localdb.models import Member, OutboxBody, OutboxItem
from localdb.preferences import PreferenceView
from protocol.vocabulary import PreferenceKind
from tests.gui.conftest import GuiEnv
from tests.gui.helpers import click, commit_text, settle, show_widget, wait_idle
from ui.messages import describe
from ui.preferences_page import PreferencesPage


def _member(env: GuiEnv, *, consent: bool) -> str:
    with env.till.db.read() as session:
        member_id = session.scalar(
            select(Member.id).where(Member.consent_profile.is_(consent)).order_by(Member.id).limit(1)
        )
    assert member_id is not None
    return member_id


def _page(env: GuiEnv, qtbot: QtBot, staff: str, member_id: str) -> PreferencesPage:
    env.login(staff)
    page = show_widget(qtbot, PreferencesPage(env.ctx), size=(1280, 760))
    page.show_member(member_id)
    return page


def _queued(env: GuiEnv, item_type: str, member_id: str) -> list[tuple[dict[str, Any], str | None]]:
    """(body, status) of the outbox items of this type for this member, in order."""
    with env.till.db.read() as session:
        rows = session.execute(
            select(OutboxBody.body, OutboxItem.status)
            .join(OutboxBody, OutboxBody.seq == OutboxItem.seq)
            .where(OutboxItem.type == item_type)
            .order_by(OutboxItem.seq)
        )
        return [(body, status) for body, status in rows if body["member_id"] == member_id]


def _preference_items(env: GuiEnv, member_id: str) -> list[tuple[dict[str, Any], str | None]]:
    return _queued(env, "preference", member_id)


def _stored(env: GuiEnv, member_id: str) -> list[PreferenceView]:
    return env.till.preferences.list(env.ctx.actor(), member_id)


def _shown_values(page: PreferencesPage) -> list[str]:
    tree = page.preference_list
    values = []
    for index in range(tree.topLevelItemCount()):
        group = tree.topLevelItem(index)
        assert group is not None
        values += [child.text(0) for i in range(group.childCount()) if (child := group.child(i)) is not None]
    return values


def _select_value(page: PreferencesPage, value: str) -> None:
    """Select the shown preference with this value, as a guide clicking it would."""
    tree = page.preference_list
    target = next(
        child
        for i in range(tree.topLevelItemCount())
        if (group := tree.topLevelItem(i)) is not None
        for j in range(group.childCount())
        if (child := group.child(j)) is not None and child.text(0) == value
    )
    tree.setFocus()
    tree.setCurrentItem(target)


def _choose_kind(page: PreferencesPage, kind: PreferenceKind) -> None:
    page.kind_input.setCurrentIndex(page.kind_input.findData(kind.value))


def test_a_guide_adds_a_preference_with_enter_and_it_is_stored_and_queued(gui_env: GuiEnv, qtbot: QtBot) -> None:
    member_id = _member(gui_env, consent=True)
    page = _page(gui_env, qtbot, "G001", member_id)
    before = _preference_items(gui_env, member_id)
    assert page.add_button.isVisibleTo(page) and page.focusWidget() is page.value_input
    changed: list[str] = []
    gui_env.ctx.hub.member_changed.connect(changed.append)

    _choose_kind(page, PreferenceKind.SIZE)
    commit_text(page.value_input, "ＸＬ  码")  # full-width letters, as a Chinese input method gives them
    QTest.keyClick(page.value_input, Qt.Key.Key_Return)
    QTest.keyClick(page.value_input, Qt.Key.Key_Return)  # a second Enter while the first is being written
    wait_idle(qtbot, gui_env.ctx, lambda: page.value_input.text() == "")

    stored = [(p.kind, p.value, p.staff_code) for p in _stored(gui_env, member_id)]
    assert stored.count((PreferenceKind.SIZE, "XL 码", "G001")) == 1
    queued = _preference_items(gui_env, member_id)[len(before) :]
    assert [(body["op"], body["kind"], body["value"], status) for body, status in queued] == [
        ("add", "size", "XL 码", None)
    ]
    assert "XL 码" in _shown_values(page) and changed == [member_id]
    assert page.error_label.text() == ""


def test_a_guide_removes_a_preference_with_delete(gui_env: GuiEnv, qtbot: QtBot) -> None:
    member_id = _member(gui_env, consent=True)
    guide = gui_env.login("G001")
    added = gui_env.till.preferences.add(guide, member_id, PreferenceKind.COLOUR, "藏青").preference
    page = _page(gui_env, qtbot, "G001", member_id)
    assert "藏青" in _shown_values(page)

    tree = page.preference_list
    _select_value(page, "藏青")
    assert page.remove_button.isEnabled() and page.kind_input.currentData() == "colour"
    QTest.keyClick(tree, Qt.Key.Key_Delete)
    wait_idle(qtbot, gui_env.ctx, lambda: "藏青" not in _shown_values(page))

    assert added.id not in [p.id for p in _stored(gui_env, member_id)]
    last, _status = _preference_items(gui_env, member_id)[-1]
    assert (last["op"], last["value"], last["staff_code"]) == ("remove", "藏青", "G001")


def test_a_removed_preference_comes_back_with_undo(gui_env: GuiEnv, qtbot: QtBot) -> None:
    """Delete is one key from a slip: the page says what went and puts it back with Undo (or Ctrl+Z)."""
    member_id = _member(gui_env, consent=True)
    added = gui_env.till.preferences.add(gui_env.login("G001"), member_id, PreferenceKind.SIZE, "XL").preference
    page = _page(gui_env, qtbot, "G001", member_id)
    assert not page.undo_bar.isVisibleTo(page)
    _select_value(page, "XL")
    assert page.preference_list.selected_preference() == added.id
    page.remove_preference()
    wait_idle(qtbot, gui_env.ctx, lambda: "XL" not in _shown_values(page))
    assert page.undo_bar.isVisibleTo(page) and "XL" in page.undo_label.text()

    QTest.keySequence(page, QKeySequence(QKeySequence.StandardKey.Undo))
    wait_idle(qtbot, gui_env.ctx, lambda: "XL" in _shown_values(page))
    assert [(p.kind, p.value) for p in _stored(gui_env, member_id) if p.value == "XL"] == [(PreferenceKind.SIZE, "XL")]
    assert [body["op"] for body, _ in _preference_items(gui_env, member_id)][-2:] == ["remove", "add"]
    assert not page.undo_bar.isVisibleTo(page)
    page.undo_remove()  # once only: nothing more is written
    settle(qtbot, gui_env.ctx, 20)
    assert [body["op"] for body, _ in _preference_items(gui_env, member_id)][-2:] == ["remove", "add"]


def test_a_repeat_or_an_empty_value_is_refused_in_words_and_nothing_is_queued(gui_env: GuiEnv, qtbot: QtBot) -> None:
    member_id = _member(gui_env, consent=True)
    gui_env.till.preferences.add(gui_env.login("G001"), member_id, PreferenceKind.STYLE, "通勤")
    page = _page(gui_env, qtbot, "G001", member_id)
    queued = len(_preference_items(gui_env, member_id))

    _choose_kind(page, PreferenceKind.STYLE)
    commit_text(page.value_input, " 通勤 ")
    QTest.keyClick(page.value_input, Qt.Key.Key_Return)
    assert page.error_label.text() == "This preference is already recorded."
    assert page.value_input.text() == " 通勤 "  # the guide's typing is kept

    page.value_input.clear()
    QTest.keyClick(page.value_input, Qt.Key.Key_Return)
    wait_idle(qtbot, gui_env.ctx, lambda: page.error_label.text() != "")
    assert page.error_label.text() == describe(StoreError(Problem.INVALID_PREFERENCE))
    assert len(_preference_items(gui_env, member_id)) == queued
    assert page.add_button.isEnabled()  # ready for the next try


def test_without_consent_the_guide_records_it_first(gui_env: GuiEnv, qtbot: QtBot) -> None:
    member_id = _member(gui_env, consent=False)
    page = _page(gui_env, qtbot, "G001", member_id)
    assert not page.add_button.isEnabled() and not page.value_input.isEnabled()
    assert page.consent_notice.isVisibleTo(page) and page.consent_button.isVisibleTo(page)

    click(page.consent_button)
    wait_idle(qtbot, gui_env.ctx, lambda: page.add_button.isEnabled())

    assert gui_env.member(member_id).consent_profile
    assert not page.consent_button.isVisibleTo(page)
    updates = _queued(gui_env, "member_update", member_id)
    assert [body["changes"] for body, _status in updates] == [{"consent_profile": True}]


def _withdraw_box(page: PreferencesPage, qtbot: QtBot) -> QMessageBox:
    click(page.withdraw_button)
    qtbot.waitUntil(lambda: page.withdraw_box is not None and page.withdraw_box.isVisible())
    assert page.withdraw_box is not None
    return page.withdraw_box


def _box_button(box: QMessageBox, role: QMessageBox.ButtonRole) -> QAbstractButton:
    [button] = [b for b in box.buttons() if box.buttonRole(b) is role]
    return button


def test_a_member_who_withdraws_consent_has_every_preference_and_tag_deleted(gui_env: GuiEnv, qtbot: QtBot) -> None:
    member_id = _member(gui_env, consent=True)
    gui_env.till.preferences.add(gui_env.login("G001"), member_id, PreferenceKind.CATEGORY, "连衣裙")
    with gui_env.till.db.write() as session:
        member = session.get(Member, member_id)
        assert member is not None
        member.tags = ["VIP"]
    page = _page(gui_env, qtbot, "G001", member_id)
    assert page.withdraw_button.isVisibleTo(page) and not page.consent_button.isVisibleTo(page)

    click(_box_button(_withdraw_box(page, qtbot), QMessageBox.ButtonRole.RejectRole))  # asked again: not yet
    settle(qtbot, gui_env.ctx, 50)
    assert gui_env.member(member_id).consent_profile and _stored(gui_env, member_id) and gui_env.member(member_id).tags

    click(_box_button(_withdraw_box(page, qtbot), QMessageBox.ButtonRole.DestructiveRole))
    wait_idle(qtbot, gui_env.ctx, lambda: page.consent_button.isVisibleTo(page))

    member_now = gui_env.member(member_id)
    assert not member_now.consent_profile and not member_now.tags
    assert _stored(gui_env, member_id) == [] and _shown_values(page) == []
    assert not page.add_button.isEnabled() and not page.withdraw_button.isVisibleTo(page)
    updates = _queued(gui_env, "member_update", member_id)
    assert [body["changes"] for body, _status in updates] == [{"consent_profile": False}]


def test_a_cashier_reads_the_preferences_but_cannot_edit(gui_env: GuiEnv, qtbot: QtBot) -> None:
    member_id = _member(gui_env, consent=True)
    gui_env.till.preferences.add(gui_env.login("G001"), member_id, PreferenceKind.CATEGORY, "连衣裙")
    page = _page(gui_env, qtbot, "C001", member_id)

    assert not page.add_button.isVisibleTo(page) and not page.remove_button.isVisibleTo(page)
    assert not page.value_input.isVisibleTo(page) and not page.consent_button.isVisibleTo(page)
    shown = _shown_values(page)
    assert "连衣裙" in shown and len(shown) == len(_stored(gui_env, member_id))
    queued = len(_preference_items(gui_env, member_id))
    page.remove_preference()  # even if asked, nothing is written
    settle(qtbot, gui_env.ctx, 20)
    assert len(_preference_items(gui_env, member_id)) == queued


def test_the_page_shows_who_the_member_is_and_their_recent_visits(gui_env: GuiEnv, qtbot: QtBot) -> None:
    member_id = _member(gui_env, consent=True)
    cashier = gui_env.login("C001")
    award = gui_env.till.ledger.award(cashier, member_id, 12_850)
    with gui_env.till.db.write() as session:  # as the chain's refresh tagged them, and one tag of older data
        row = session.get(Member, member_id)
        assert row is not None
        row.tags = ["churn_risk", "birthday_soon", "VIP"]
    page = _page(gui_env, qtbot, "G001", member_id)

    member = gui_env.member(member_id)
    assert page.name_label.text() == member.name
    visits = [item.text() for i in range(page.visits.list.count()) if (item := page.visits.list.item(i)) is not None]
    local = award.entry.created_at.astimezone(gui_env.till.settings.current().zone).strftime("%Y-%m-%d %H:%M")
    # At once, before the chain's history comes: this till's record, with this store's name
    assert visits == [f"{local}   旗舰店   Bought ¥128.50, earned {award.entry.points} points"]
    assert page.visits.last_visit_label.text() == f"Last visit: {local}"
    # The tags by layer, named by the chain's rules in the screen's language; an unknown one as stored
    assert page.tags_label.text() == "Basic: Birthday soon  ·  Prediction: Churn risk  ·  VIP"


def test_esc_goes_back(gui_env: GuiEnv, qtbot: QtBot) -> None:
    page = _page(gui_env, qtbot, "G001", _member(gui_env, consent=True))
    with qtbot.waitSignal(page.back, timeout=1000):
        QTest.keyClick(page.value_input, Qt.Key.Key_Escape)


def test_logging_out_leaves_nothing_of_the_member_on_screen(gui_env: GuiEnv, qtbot: QtBot) -> None:
    member_id = _member(gui_env, consent=True)
    page = _page(gui_env, qtbot, "G001", member_id)
    assert page.name_label.text() != ""
    gui_env.ctx.log_out()
    assert page.name_label.text() == "" and _shown_values(page) == [] and page.visits.list.count() == 0
    assert page.member_id is None


def test_a_language_change_keeps_what_the_page_shows(gui_env: GuiEnv, qtbot: QtBot) -> None:
    member_id = _member(gui_env, consent=True)
    gui_env.till.preferences.add(gui_env.login("G001"), member_id, PreferenceKind.NOTE, "喜欢周末来")
    page = _page(gui_env, qtbot, "G001", member_id)
    _choose_kind(page, PreferenceKind.NOTE)
    shown = _shown_values(page)

    QApplication.sendEvent(page, QEvent(QEvent.Type.LanguageChange))

    assert _shown_values(page) == shown and "喜欢周末来" in shown
    assert page.kind_input.currentData() == "note" and page.kind_input.count() == len(PreferenceKind)
    assert page.name_label.text() != ""
