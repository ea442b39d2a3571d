"""F9 pressed twice on the day-end page runs one sync and shows no error; saving the day report as PDF says where
the file went, the whole path."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from tests.gui.conftest import GuiEnv
from tests.gui.helpers import child, choose_in_save_dialog, click, show_widget
from ui.sync_page import SyncPage


def test_f9_pressed_again_while_the_sync_runs_is_ignored(gui_env: GuiEnv, qtbot: QtBot) -> None:
    gui_env.login("M001")
    page = show_widget(qtbot, SyncPage(gui_env.ctx), size=(1280, 760))
    started: list[bool] = []
    gui_env.ctx.hub.sync_started.connect(lambda: started.append(True))
    with qtbot.waitSignal(gui_env.ctx.hub.sync_finished, timeout=30_000) as finished:
        page.sync_now()  # F9, as the main window passes it on
        page.sync_now()  # F9 again, before the first has finished
        assert not page.error_label.isVisible() and page.error_label.text() == ""
    assert finished.args[0].error is None and started == [True]
    assert page.error_label.text() == "" and page.outcome_label.text() == "Everything is synced."


def test_saving_the_pdf_says_where_it_went(
    gui_env: GuiEnv, qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    gui_env.login("M001")
    page = show_widget(qtbot, SyncPage(gui_env.ctx), size=(1280, 760))
    qtbot.waitUntil(lambda: page.day_report.report is not None)
    chosen = tmp_path / "reports" / "today"  # no suffix typed: the file gets ".pdf"
    chosen.parent.mkdir()
    click(page.day_report.save_pdf_button)
    choose_in_save_dialog(qtbot, page.day_report.save_dialog, chosen)
    saved = chosen.with_suffix(".pdf")
    assert saved.read_bytes().startswith(b"%PDF")
    label = child(page, QLabel, "reportSaved")
    assert label.isVisible() and label.text() == f"Saved to {saved}"

    click(page.day_report.save_pdf_button)
    page.day_report.save_dialog.fileSelected.emit("/proc/nowhere/x.pdf")  # a folder nobody may write in
    assert not label.isVisible()
    assert child(page, QLabel, "reportError").text() == "The PDF could not be saved there. Choose another folder."
