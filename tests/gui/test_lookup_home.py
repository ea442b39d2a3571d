"""The empty lookup page between customers (issue 15, item 25): the regulars whose birthday is today, the last
members this till served (a tap or Enter reopens one), and what waits to be sent; gone while candidates show."""

from __future__ import annotations

from datetime import timedelta

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from pytestqt.qtbot import QtBot

from localdb.models import Member
from tests.gui.conftest import GuiEnv
from tests.gui.helpers import show_widget
from ui.lookup_page import LookupPage


def _page(env: GuiEnv, qtbot: QtBot) -> LookupPage:
    env.login("C001")
    page = show_widget(qtbot, LookupPage(env.ctx), size=(1366, 700), active=True)
    page.home.refresh()
    return page


def test_todays_birthdays_and_the_last_members_served_are_listed_and_reopen(gui_env: GuiEnv, qtbot: QtBot) -> None:
    cashier = gui_env.login("C001")
    born_today, _phone = gui_env.member_phone(2)
    with gui_env.till.db.write() as session:
        member = session.get(Member, born_today)
        assert member is not None
        member.birthday = gui_env.till.today().replace(year=1990)
        member.last_visit_at = gui_env.till.clock() - timedelta(days=3)
    served = gui_env.plain_member()
    gui_env.till.ledger.award(cashier, served.id, 88_00)

    page = _page(gui_env, qtbot)
    home = page.home
    assert home.isVisibleTo(page)
    assert born_today in home.birthday_list.member_ids()
    assert home.recent_list.member_ids()[0] == served.id
    assert home.pending_line.text() == "1 record of this till waits to be sent to head office."

    chosen: list[str] = []
    page.member_chosen.connect(chosen.append)
    row = home.recent_list.topLevelItem(0)
    assert row is not None
    home.recent_list.setCurrentItem(row)
    QTest.keyClick(home.recent_list, Qt.Key.Key_Return)
    assert chosen == [served.id]


def test_the_home_lists_give_way_to_the_candidates(gui_env: GuiEnv, qtbot: QtBot) -> None:
    page = _page(gui_env, qtbot)
    _member_id, phone = gui_env.member_phone(0)
    gui_env.till.members.enrol(gui_env.ctx.actor(), phone="1391234" + phone[-4:], name="周晓")  # two share the tail
    page.input.setFocus()
    QTest.keyClicks(page.input, phone[-4:])
    QTest.keyClick(page.input, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: page.candidates.isVisibleTo(page))
    assert not page.home.isVisibleTo(page)
    page.reset()
    assert page.home.isVisibleTo(page) and not page.candidates.isVisibleTo(page)
