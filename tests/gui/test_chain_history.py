"""The guide's view of a member's purchases across the chain (preferences page, `ui.recent_visits`) against a real
demo server: another store's purchase shows with that store's name and the purchase's categories, in English and
Chinese; offline the page says it shows this till's records only, or shows the history kept from the last fetch; a
server that never answers leaves the page showing this till's records at once, and the notice after the timeout."""

from __future__ import annotations

import time
from collections.abc import Iterator
from itertools import pairwise

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from localdb.models import ChainHistory
from protocol.vocabulary import EntryKind
from server.models import LedgerEntry, Member
from tests.faultproxy import Fault, FaultProxy
from tests.gui.conftest import GuiEnv
from tests.gui.helpers import show_widget, wait_idle
from ui.chain_history import HistoryStatus
from ui.i18n import Language, Translations
from ui.preferences_page import PreferencesPage


def _rows(page: PreferencesPage) -> list[str]:
    shown = page.visits.list
    return [item.text() for row in range(shown.count()) if (item := shown.item(row)) is not None]


def _shopper_at_the_other_store(env: GuiEnv) -> str:
    """A demo member who consented to a profile, whose latest purchase was made at S002 (滨江店)."""
    assert env.server.db is not None
    with env.server.db.read() as session:
        rows = session.execute(
            select(LedgerEntry.member_id, LedgerEntry.store_code)
            .join(Member, Member.id == LedgerEntry.member_id)
            .where(LedgerEntry.kind == EntryKind.EARN.value, Member.consent_profile.is_(True))
            .order_by(LedgerEntry.member_id, LedgerEntry.created_at.desc())
        ).all()
    latest: dict[str, str] = {}
    for member_id, store in rows:
        latest.setdefault(member_id, store)
    return next(member_id for member_id, store in latest.items() if store == "S002")


def _page(env: GuiEnv, qtbot: QtBot, member_id: str) -> PreferencesPage:
    env.login("G001")
    page = show_widget(qtbot, PreferencesPage(env.ctx), size=(1366, 768))
    page.show_member(member_id)
    return page


def _settled(env: GuiEnv, qtbot: QtBot, member_id: str, status: HistoryStatus, timeout: int = 8000) -> None:
    qtbot.waitUntil(lambda: env.ctx.history.status(member_id) is status, timeout=timeout)
    wait_idle(qtbot, env.ctx)


@pytest.fixture(params=[Language.EN, Language.ZH_CN], ids=["en", "zh"])
def language(request: pytest.FixtureRequest, qapp: QApplication) -> Iterator[Language]:
    translations = Translations(qapp)
    assert translations.switch(request.param)
    yield request.param
    translations.uninstall()


def test_the_guide_sees_another_stores_purchase_with_its_categories(
    gui_env: GuiEnv, qtbot: QtBot, language: Language
) -> None:
    member_id = _shopper_at_the_other_store(gui_env)
    page = _page(gui_env, qtbot, member_id)
    _settled(gui_env, qtbot, member_id, HistoryStatus.FRESH)

    assert page.visits.showing_chain and not page.visits.notice.isVisible()
    history = gui_env.till.history.get(gui_env.ctx.actor(), member_id)
    assert history is not None and history.purchases[0].store_code == "S002"
    newest = _rows(page)[0]
    assert "滨江店" in newest  # the other store, by its name
    assert newest.endswith(" · ".join(history.purchases[0].top_categories)) and history.purchases[0].top_categories
    assert ("消费" if language is Language.ZH_CN else "Bought") in newest
    member = gui_env.member(member_id)
    assert member.top_categories and page.top_categories_label.text() == "  ·  ".join(member.top_categories)


def test_offline_without_a_kept_history_the_page_says_it_shows_this_tills_records(
    gui_env: GuiEnv, qtbot: QtBot, language: Language
) -> None:
    member_id = _shopper_at_the_other_store(gui_env)
    award = gui_env.till.ledger.award(gui_env.login("C001"), member_id, 8_800)
    gui_env.stop_server()
    page = _page(gui_env, qtbot, member_id)
    _settled(gui_env, qtbot, member_id, HistoryStatus.OFFLINE)

    notice = "离线，仅显示本机记录" if language is Language.ZH_CN else "Offline: this till's records only"
    assert page.visits.notice.isVisible() and page.visits.notice.text() == notice
    rows = _rows(page)
    assert len(rows) == 1 and "¥88.00" in rows[0] and "滨江店" not in rows[0] and not page.visits.showing_chain
    assert award.entry.points > 0


def test_offline_the_history_kept_from_the_last_fetch_still_shows(gui_env: GuiEnv, qtbot: QtBot) -> None:
    member_id = _shopper_at_the_other_store(gui_env)
    page = _page(gui_env, qtbot, member_id)
    _settled(gui_env, qtbot, member_id, HistoryStatus.FRESH)
    online = _rows(page)
    gui_env.stop_server()

    gui_env.ctx.history.open(member_id)  # the member's card opened again (`MemberPage`): the server is gone now
    _settled(gui_env, qtbot, member_id, HistoryStatus.OFFLINE)

    assert _rows(page) == online and "滨江店" in online[0]
    assert page.visits.notice.isVisible() and page.visits.notice.text().startswith("Offline: the chain's records as of")


def test_a_server_that_never_answers_leaves_this_tills_records_on_screen_and_the_window_alive(
    gui_env: GuiEnv, qtbot: QtBot
) -> None:
    member_id = _shopper_at_the_other_store(gui_env)
    gui_env.till.ledger.award(gui_env.login("C001"), member_id, 8_800)
    proxy = FaultProxy(int(gui_env.server.url.rstrip("/").rsplit(":", 1)[1]))
    hold = proxy.add(Fault(b"GET /v1/members/", hold=True))
    try:
        gui_env.till.sync.point_at(proxy.url)
        ticks: list[float] = []
        timer = QTimer()
        timer.timeout.connect(lambda: ticks.append(time.monotonic()))
        timer.start(50)
        started = time.monotonic()
        page = _page(gui_env, qtbot, member_id)
        opened = time.monotonic() - started

        assert opened < 1.0  # the page did not wait for the server
        assert gui_env.ctx.history.status(member_id) is HistoryStatus.FETCHING
        assert len(_rows(page)) == 1 and "¥88.00" in _rows(page)[0] and not page.visits.notice.isVisible()
        _settled(gui_env, qtbot, member_id, HistoryStatus.OFFLINE, timeout=10_000)
        timer.stop()

        assert hold.fired == 1 and page.visits.notice.isVisible()
        gaps = [later - earlier for earlier, later in pairwise(ticks)]
        assert len(ticks) > 20 and max(gaps) < 0.5  # the event loop kept running while the request hung
        with gui_env.till.db.read() as session:
            assert session.scalars(select(ChainHistory)).all() == []
    finally:
        proxy.close()


def test_opening_the_member_card_asks_for_the_chain_history_and_shows_the_top_categories(
    gui_env: GuiEnv, qtbot: QtBot
) -> None:
    from ui.member_page import MemberPage

    member_id = _shopper_at_the_other_store(gui_env)
    gui_env.login("C001")
    page = show_widget(qtbot, MemberPage(gui_env.ctx), size=(1366, 768))
    assert gui_env.till.history.get(gui_env.ctx.actor(), member_id) is None
    assert page.show_member(member_id)
    assert gui_env.ctx.history.status(member_id) is HistoryStatus.FETCHING  # asked, not waited for
    _settled(gui_env, qtbot, member_id, HistoryStatus.FRESH)
    assert gui_env.till.history.get(gui_env.ctx.actor(), member_id) is not None
    top = gui_env.member(member_id).top_categories
    assert page.card.top_categories_label.isVisible()
    assert page.card.top_categories_label.text() == "Frequent categories: " + ", ".join(top)
