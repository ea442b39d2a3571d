"""The status bar and the sync page say the same about syncing, from one source (`ui.sync_figures`): the last sync's
time, whoever started it and even before this page was made, and what waits to be sent, right after an award."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from tests.gui.conftest import GuiEnv
from tests.gui.helpers import child, show_widget
from ui.status_bar import TillStatusBar
from ui.sync_page import SyncPage


def test_the_sync_page_and_the_status_bar_agree_on_the_last_sync_and_what_waits(gui_env: GuiEnv, qtbot: QtBot) -> None:
    manager = gui_env.login("M001")
    member_id, _phone = gui_env.member_phone(0)
    gui_env.till.ledger.award(manager, member_id, 12_850, receipt_no="R-FIGURES-1")
    with qtbot.waitSignal(gui_env.ctx.hub.sync_finished, timeout=30_000):
        assert gui_env.ctx.sync.sync_now()  # a background run, before the page exists (an earlier session's, say)

    bar = show_widget(qtbot, TillStatusBar(gui_env.ctx), size=(1100, 40))
    page = show_widget(qtbot, SyncPage(gui_env.ctx), size=(1280, 760))
    run = gui_env.till.sync.last_run()
    assert run is not None and run.finished_at is not None
    shown = run.finished_at.astimezone(gui_env.till.settings.current().zone).strftime("%H:%M")
    assert child(bar, QLabel, "lastSync").text() == f"Last sync {shown}"
    assert page.finished_label.text() == shown
    assert child(page, QLabel, "summaryPushed").text() == "1"
    assert child(page, QLabel, "summaryUnsent").text() == "0"

    gui_env.till.ledger.award(manager, member_id, 3_000, receipt_no="R-FIGURES-2")
    gui_env.ctx.hub.member_changed.emit(member_id)  # as ui.operations announces every write
    assert child(bar, QLabel, "pendingCount").text() == "1 record to send"
    assert child(page, QLabel, "summaryUnsent").text() == "1"
