"""Figures read one way everywhere: points and money with thousands separators in the refusals a cashier reads
(the card said "98,593" while a refusal said "98593": tests/gui/test_redeem.py and test_award.py hold the refusals)
and in the sync page's progress line."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from sync.engine import Phase
from tests.gui.conftest import GuiEnv
from tests.gui.helpers import child, show_widget
from ui.sync_page import SyncPage


def test_the_sync_progress_line_writes_counts_with_separators(gui_env: GuiEnv, qtbot: QtBot) -> None:
    gui_env.login("M001")
    page = show_widget(qtbot, SyncPage(gui_env.ctx), size=(1280, 760))
    gui_env.ctx.hub.sync_progress.emit(Phase.PULL.value, 12_345, 1_000_000)
    assert child(page, QLabel, "syncPhase").text() == "Receiving member changes: 12,345 of 1,000,000"
