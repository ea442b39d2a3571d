"""While the server answers, the till syncs by itself every few minutes, off the GUI thread; when it does not, the
till says offline and keeps its work queued."""

from __future__ import annotations

from datetime import timedelta

from pytestqt.qtbot import QtBot

from tests.gui.conftest import GuiEnv
from tests.gui.helpers import let_time_pass


def test_the_till_sends_its_points_by_itself_while_online(gui_env: GuiEnv, qtbot: QtBot) -> None:
    cashier = gui_env.login("C001")
    member_id, _phone = gui_env.member_phone(3)
    gui_env.till.ledger.award(cashier, member_id, 8_800, receipt_no="R-BACKGROUND-1")
    assert gui_env.till.sync.count_unsent() == 1
    online: list[bool] = []
    gui_env.ctx.hub.online_changed.connect(online.append)
    gui_env.ctx.sync.start_background(sync_every=timedelta(milliseconds=300), check_every=timedelta(seconds=60))
    qtbot.waitUntil(lambda: gui_env.till.sync.count_unsent() == 0, timeout=20_000)
    assert online[:1] == [True]
    gui_env.ctx.sync.stop_background()


SYNC_EVERY = timedelta(milliseconds=200)


def test_offline_the_timer_does_not_sync_and_the_work_stays_queued(gui_env: GuiEnv, qtbot: QtBot) -> None:
    cashier = gui_env.login("C001")
    member_id, _phone = gui_env.member_phone(4)
    gui_env.till.ledger.award(cashier, member_id, 8_800, receipt_no="R-BACKGROUND-2")
    gui_env.stop_server()
    started: list[bool] = []
    gui_env.ctx.hub.sync_started.connect(lambda: started.append(True))
    with qtbot.waitSignal(gui_env.ctx.hub.online_changed, timeout=20_000) as went:
        gui_env.ctx.sync.start_background(sync_every=SYNC_EVERY, check_every=timedelta(seconds=60))
    assert went.args == [False]
    # Four sync ticks: none may start while the server is known to be away. A start that does not happen has no
    # signal to wait for, so four periods of the timer go by.
    let_time_pass(qtbot, 4 * SYNC_EVERY // timedelta(milliseconds=1))
    assert started == [] and gui_env.till.sync.count_unsent() == 1
    gui_env.ctx.sync.stop_background()
