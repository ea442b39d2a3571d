"""需关注会员 at the counter, against the real demo server: a guide sees the store's churn warnings (not another
store's) after a sync, with why in the chain's words and the suggested action, in both languages; records that the
member was called, which shows at once and reaches the server exactly once with the next sync; opens the member;
a cashier has no such page."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from server.models import ChurnWarning, Member
from sync.engine import SyncEngine
from tests.gui.conftest import GuiEnv
from tests.gui.helpers import click, row_texts, show_widget
from ui.i18n import Language, Translations
from ui.warnings_page import WarningsPage


def _raise(env: GuiEnv, member_id: str, store: str, **columns: object) -> int:
    assert env.server.db is not None
    with env.server.db.write() as session:
        raised = datetime(2026, 11, 30, 2, 30, tzinfo=UTC)
        warning = ChurnWarning(member_id=member_id, store_code=store, raised_at=raised, **columns)
        session.add(warning)
        session.flush()
        return warning.id


def _fresh_list(env: GuiEnv) -> None:
    assert env.server.db is not None
    with env.server.db.write() as session:  # the demo's own refresh raised some: this test sets its own
        for warning in session.scalars(select(ChurnWarning)):
            session.delete(warning)


def _page(env: GuiEnv, qtbot: QtBot) -> WarningsPage:
    env.login("G001")
    return show_widget(qtbot, WarningsPage(env.ctx), size=(1366, 700))


def test_a_guide_sees_the_stores_list_records_a_call_and_it_reaches_the_server_once(
    gui_env: GuiEnv, qtbot: QtBot
) -> None:
    _fresh_list(gui_env)
    gui_env.login("G001")
    loyal, tagged = gui_env.plain_member(0), gui_env.plain_member(1)
    drifted = _raise(gui_env, loyal.id, "S001", reason="left_loyal", from_segment="high_value_loyal",
                     to_segment="dormant")  # fmt: skip
    _raise(gui_env, tagged.id, "S001", reason="tag", tag="churn_risk")
    _raise(gui_env, gui_env.plain_member(2).id, "S002", reason="tag", tag="churn_risk")  # another store's
    assert SyncEngine(gui_env.till.sync).run().ok
    page = _page(gui_env, qtbot)

    assert page.table.rowCount() == 2 and page.empty_label.isHidden()
    rows = {row_texts(page.table, row)[1]: row_texts(page.table, row) for row in range(2)}
    assert rows[loyal.name][2] == loyal.phone_masked and loyal.phone_masked.count("*") == 4  # masked
    assert rows[loyal.name][3] == "Was High-value loyal, now Dormant, to win back"
    assert rows[loyal.name][4] == "Dormant: give a win-back coupon and suggest their usual categories"
    assert rows[tagged.name][3] == "Tagged Churn risk"
    assert rows[tagged.name][4] == "Churn risk: call this week and offer a personal coupon"
    assert rows[loyal.name][5] == "Not yet"

    page.table.selectRow([w.id for w in page.warnings].index(drifted))
    click(page.outcome_buttons[next(iter(page.outcome_buttons))])  # 已联系
    row = [w.id for w in page.warnings].index(drifted)
    assert row_texts(page.table, row)[5] == "Called"
    assert SyncEngine(gui_env.till.sync).run().ok
    assert SyncEngine(gui_env.till.sync).run().ok  # nothing is sent twice
    assert gui_env.server.db is not None
    with gui_env.server.db.read() as session:
        stored = session.get(ChurnWarning, drifted)
        assert stored is not None and (stored.outcome, stored.handled_by) == ("called", "G001")
    page.reload()
    assert row_texts(page.table, [w.id for w in page.warnings].index(drifted))[5] == "Called"  # the server's now

    with qtbot.waitSignal(page.member_chosen) as chosen:
        click(page.open_button)
    assert chosen.args == [loyal.id]


def test_the_list_speaks_chinese_on_a_chinese_screen(gui_env: GuiEnv, qtbot: QtBot, qapp: QApplication) -> None:
    _fresh_list(gui_env)
    gui_env.login("G001")
    _raise(gui_env, gui_env.plain_member(0).id, "S001", reason="tag", tag="churn_risk")
    assert SyncEngine(gui_env.till.sync).run().ok
    translations = Translations(qapp)
    try:
        translations.switch(Language.ZH_CN)
        page = _page(gui_env, qtbot)
        member_name = row_texts(page.table, 0)[1]
        words = " ".join(cell for n, cell in enumerate(row_texts(page.table, 0)) if n not in (1, 2))
        assert "新增标签：流失风险" in words and "未处理" in words and "本周内电话回访" in words
        assert not re.search("[A-Za-z]", words.replace(member_name, ""))
        assert page.title.text() == "需关注会员"
    finally:
        translations.uninstall()


@pytest.mark.parametrize("staff", ["C001"])
def test_a_cashier_has_no_contact_list(gui_env: GuiEnv, qtbot: QtBot, staff: str) -> None:
    gui_env.login(staff)
    page = show_widget(qtbot, WarningsPage(gui_env.ctx), size=(1000, 600))
    assert page.warnings == [] and not page.empty_label.isHidden()


def test_a_member_whose_points_are_about_to_expire_is_listed_with_how_many_and_when(
    gui_env: GuiEnv, qtbot: QtBot, qapp: QApplication
) -> None:
    _fresh_list(gui_env)
    gui_env.login("G001")
    member = gui_env.plain_member(3)
    day = gui_env.till.today() + timedelta(days=12)
    assert gui_env.server.db is not None
    with gui_env.server.db.write() as session:  # as the server's nightly refresh leaves the member
        row = session.get(Member, member.id)
        assert row is not None
        row.expiring_points, row.expiring_on, row.version = 1_200, day, gui_env.server.db.next_version(session)
    _raise(gui_env, member.id, "S001", reason="points_expiring")
    assert SyncEngine(gui_env.till.sync).run().ok
    page = _page(gui_env, qtbot)
    (texts,) = [row_texts(page.table, row) for row in range(page.table.rowCount())]
    assert texts[3] == f"1,200 points expire on {day.isoformat()}"
    assert texts[4] == "Remind them to use their points before they expire"
    translations = Translations(qapp)
    try:
        translations.switch(Language.ZH_CN)
        qapp.processEvents()
        page.reload()
        (texts,) = [row_texts(page.table, row) for row in range(page.table.rowCount())]
        assert texts[3] == f"1,200 积分将于 {day.isoformat()} 过期" and texts[4] == "提醒会员在积分过期前使用"
    finally:
        translations.uninstall()
