"""会员看板 at the till, against the real demo server: after a sync the page shows the store's figures as the server
computed them, with their "as of" time, and the chain's on request, over each window; the segment and tier charts
count every member; the page speaks Chinese on a Chinese screen; it saves as a PDF; before any board it says so."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from PySide6.QtCharts import QBarSeries, QLineSeries
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from localdb.till_config import ensure_sync_state
from sync.engine import SyncEngine
from tests.gui.conftest import GuiEnv
from tests.gui.helpers import show_widget
from tests.gui.test_layout import _window, styled  # noqa: F401  (the app's real look)
from ui.board_page import BoardPage, _short
from ui.i18n import Language, Translations
from widgets.display import segment_name, yuan_text


def _bar_total(page: BoardPage, chart_name: str) -> int:
    chart = page.segment_chart if chart_name == "segments" else page.tier_chart
    [series] = chart.series()
    assert isinstance(series, QBarSeries)
    [bars] = series.barSets()
    return int(sum(bars.at(n) for n in range(bars.count())))


def test_the_board_shows_the_servers_figures_for_the_store_and_the_chain(
    gui_env: GuiEnv, qtbot: QtBot, tmp_path: Path
) -> None:
    cashier = gui_env.login("C001")
    member = gui_env.plain_member(0)
    gui_env.till.ledger.award(cashier, member.id, 12_345, receipt_no="B-1")
    assert SyncEngine(gui_env.till.sync).run().ok
    document = gui_env.till.sync.board()
    assert document is not None
    gui_env.login("G001")
    page = show_widget(qtbot, BoardPage(gui_env.ctx), size=(1366, 680))

    store = document["store"]
    today = store["windows"]["today"]
    assert today["active_members"] >= 1 and today["member_sales_cents"] >= 12_345  # today's award is in it
    assert page.values["Active"].text() == f"{today['active_members']:,}"
    assert page.values["MemberTicket"].text() == yuan_text(today["member_avg_ticket_cents"])
    rate = today["repurchase_rate_pct"]
    assert page.values["Repurchase"].text() == ("—" if rate is None else f"{rate} %")
    assert page.as_of.text().startswith("As of ")
    assert _bar_total(page, "segments") == sum(store["segments"].values())
    assert _bar_total(page, "tiers") == sum(store["tiers"].values())

    page.period.setCurrentIndex(2)  # 30 days
    page.scope.setCurrentIndex(1)  # the whole chain
    chain_month = document["chain"]["windows"]["30d"]
    assert page.values["Active"].text() == f"{chain_month['active_members']:,}"
    assert chain_month["active_members"] >= today["active_members"]
    # the demo's birthday and win-back coupons were issued today: used / issued (usage rate)
    assert chain_month["coupons_issued"] > 0
    rate = chain_month["coupon_usage_rate_pct"]
    assert page.values["Coupons"].text() == (
        f"{chain_month['coupons_used']:,} / {chain_month['coupons_issued']:,} ({'—' if rate is None else f'{rate} %'})"
    )
    assert _bar_total(page, "segments") == sum(document["chain"]["segments"].values())

    saved = page.save_as(tmp_path / "board")
    assert saved == tmp_path / "board.pdf" and saved.read_bytes().startswith(b"%PDF") and saved.stat().st_size > 5_000


def test_the_trend_draws_each_segments_share_on_each_kept_day(gui_env: GuiEnv, qtbot: QtBot) -> None:
    """The demo server worked out its past 90 days from the ledger: a line per segment, a point per day, each the
    segment's share of that day's members; the lines of a day add up to all the members."""
    assert SyncEngine(gui_env.till.sync).run().ok
    document = gui_env.till.sync.board()
    assert document is not None
    history = document["store"]["segment_history"]
    assert len(history) >= 60  # the demo's past days and tonight's refresh
    assert history[-1]["segments"] == document["store"]["segments"]  # tonight's mix is the mix now
    gui_env.login("M001")
    page = show_widget(qtbot, BoardPage(gui_env.ctx), size=(1366, 680))
    lines = page.trend_chart.series()
    assert all(isinstance(line, QLineSeries) for line in lines)
    by_name = {line.name(): line for line in lines if isinstance(line, QLineSeries)}
    codes = {code for row in history for code in row["segments"]}
    assert len(by_name) == len(codes) and all(line.count() == len(history) for line in by_name.values())
    for n, row in enumerate(history):
        total = sum(row["segments"].values())
        assert sum(line.at(n).y() for line in by_name.values()) == pytest.approx(100.0)
        dormant = by_name[_short(segment_name("dormant"))].at(n).y()
        assert dormant == pytest.approx(100.0 * row["segments"].get("dormant", 0) / total)
    assert page.trend_view.height() >= 200  # readable under the figures at 1366 x 768


def test_the_board_speaks_chinese_and_says_when_there_is_none(
    gui_env: GuiEnv, qtbot: QtBot, qapp: QApplication
) -> None:
    translations = Translations(qapp)
    try:
        translations.switch(Language.ZH_CN)
        gui_env.login("M001")
        with gui_env.till.db.write() as session:  # a till that has not synced since boards came
            ensure_sync_state(session).board = None
        page = show_widget(qtbot, BoardPage(gui_env.ctx), size=(1366, 680))
        assert not page.empty_label.isHidden() and "下次同步" in page.empty_label.text()
        assert page.values["Active"].text() == "—" and not page.save_button.isEnabled()
        assert SyncEngine(gui_env.till.sync).run().ok
        page.reload()
        assert page.empty_label.isHidden() and page.as_of.text().startswith("数据截至")
        words = " ".join(label.text() for label in page.captions.values()) + page.title.text()
        assert "复购率" in words and "会员看板" in words and not re.search("[A-Za-z]", words)
        assert page.segment_chart.title() == "分群构成" and page.tier_chart.title() == "等级分布"
        assert page.trend_chart.title().startswith("近90天分群趋势")
        assert all(not re.search("[A-Za-z]", line.name()) for line in page.trend_chart.series())
    finally:
        translations.uninstall()


@pytest.mark.parametrize("language", [Language.ZH_CN, Language.EN])
def test_the_trend_keeps_room_for_its_axis_labels_at_1366_x_768(
    gui_env: GuiEnv,
    qtbot: QtBot,
    styled: QApplication,  # noqa: F811
    language: Language,
) -> None:
    """Under the ten figures the trend takes the height left; below ~230 px its value axis elides 0 / 50 / 100 to
    "…" (a coupon row added without taking room elsewhere did that once)."""
    translations = Translations(styled)
    try:
        translations.switch(language)
        gui_env.login("G001")
        assert SyncEngine(gui_env.till.sync).run().ok
        window = _window(gui_env, qtbot, (1366, 768), translations)
        window.show_board()
        qtbot.waitUntil(lambda: window.board_page.document is not None)
        QApplication.processEvents()
        assert window.board_page.trend_view.height() >= 230, window.board_page.trend_view.height()
    finally:
        translations.uninstall()
