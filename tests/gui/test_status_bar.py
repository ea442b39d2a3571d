"""The till's status bar as staff read it: online or offline after a health check, what waits to be sent after an
award and after a sync, the clock warning, who is logged in at which store."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from tests.gui.conftest import GuiEnv
from tests.gui.helpers import child, show_widget
from ui.status_bar import TillStatusBar


def _bar(gui_env: GuiEnv, qtbot: QtBot) -> TillStatusBar:
    return show_widget(qtbot, TillStatusBar(gui_env.ctx), size=(1100, 40))


def test_online_after_a_health_check_and_offline_when_the_server_goes(gui_env: GuiEnv, qtbot: QtBot) -> None:
    bar = _bar(gui_env, qtbot)
    online = child(bar, QLabel, "statusOnline")
    assert online.property("state") == "unknown"

    with qtbot.waitSignal(gui_env.ctx.hub.online_changed, timeout=10_000):
        gui_env.ctx.sync.check_health()
    assert online.text() == "Online" and online.property("state") == "online"

    gui_env.stop_server()
    with qtbot.waitSignal(gui_env.ctx.hub.online_changed, timeout=10_000):
        gui_env.ctx.sync.check_health()
    assert online.text() == "Offline" and online.property("state") == "offline"


def test_the_pending_count_follows_an_award_and_the_sync_that_sends_it(gui_env: GuiEnv, qtbot: QtBot) -> None:
    bar = _bar(gui_env, qtbot)
    pending = child(bar, QLabel, "pendingCount")
    assert gui_env.till.sync.count_unsent() == 0 and pending.text() == "All sent"

    cashier = gui_env.login("C001")
    member_id, _phone = gui_env.member_phone(0)
    gui_env.till.ledger.award(cashier, member_id, 12_850, receipt_no="R-STATUS-1")
    gui_env.ctx.hub.member_changed.emit(member_id)
    assert pending.text() == "1 record to send"

    last_sync = child(bar, QLabel, "lastSync")
    with qtbot.waitSignal(gui_env.ctx.hub.sync_finished, timeout=30_000) as finished:
        assert gui_env.ctx.sync.sync_now()
        assert last_sync.text() == "Syncing…"
    assert finished.args[0].error is None
    assert gui_env.till.sync.count_unsent() == 0 and pending.text() == "All sent"
    run = gui_env.till.sync.last_run()
    assert run is not None and run.finished_at is not None and run.error is None
    shown = run.finished_at.astimezone(gui_env.till.settings.current().zone).strftime("%H:%M")
    assert last_sync.text() == f"Last sync {shown}"


def test_the_clock_warning_shows_only_beyond_five_minutes(gui_env: GuiEnv, qtbot: QtBot) -> None:
    bar = _bar(gui_env, qtbot)
    skew = child(bar, QLabel, "clockSkew")
    assert not skew.isVisible()

    gui_env.ctx.hub.clock_skew_changed.emit(600)
    assert skew.isVisible() and skew.text() == "Clock 10 min ahead of the server"
    gui_env.ctx.hub.clock_skew_changed.emit(-600)
    assert skew.isVisible() and skew.text() == "Clock 10 min behind the server"
    gui_env.ctx.hub.clock_skew_changed.emit(120)
    assert not skew.isVisible()


def test_staff_and_store_are_named(gui_env: GuiEnv, qtbot: QtBot) -> None:
    bar = _bar(gui_env, qtbot)
    staff, store = child(bar, QLabel, "staffLabel"), child(bar, QLabel, "storeLabel")
    assert staff.text() == "Not logged in"
    assert store.text() == "S001 旗舰店"

    gui_env.login("M001")
    assert staff.text() == "王店长 · Manager"
    gui_env.login("G001")
    assert staff.text() == "张导购 · Store guide"
    gui_env.ctx.log_out()
    assert staff.text() == "Not logged in"
