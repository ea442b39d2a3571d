"""This computer's own settings: declared once, kept across starts, a bad stored value read as the default, and the
window, the language button and the background sync actually using them."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from tests.gui.conftest import GuiEnv
from tests.gui.helpers import show_widget
from ui.app import start_background_sync
from ui.i18n import Language, Translations
from ui.main_window import MainWindow
from ui.settings import (
    ALL_SETTINGS,
    AUTO_SYNC_MINUTES,
    HEALTH_CHECK_SECONDS,
    LANGUAGE,
    POS_PORT,
    WINDOW_GEOMETRY,
    LocalSettings,
)


def _ini(path: Path) -> QSettings:
    return QSettings(str(path), QSettings.Format.IniFormat)


def test_every_setting_is_declared_once_with_words_and_a_usable_default(qapp: QApplication) -> None:
    keys = [setting.key for setting in ALL_SETTINGS]
    assert len(keys) == len(set(keys)) and {LANGUAGE.key, WINDOW_GEOMETRY.key} <= set(keys)
    for setting in ALL_SETTINGS:
        assert setting.words()
        assert setting.parse(setting.default) == setting.default or setting.default == b""


def test_values_are_kept_across_starts_and_a_bad_one_reads_as_the_default(tmp_path: Path, qapp: QApplication) -> None:
    first = LocalSettings(_ini(tmp_path / "memberdesk.ini"))
    assert first.get(LANGUAGE) is Language.ZH_CN and first.get(AUTO_SYNC_MINUTES) == 5
    first.set(LANGUAGE, Language.EN)
    first.set(AUTO_SYNC_MINUTES, 15)
    first.set(WINDOW_GEOMETRY, b"\x01\x02geometry")
    again = LocalSettings(_ini(tmp_path / "memberdesk.ini"))
    assert (again.get(LANGUAGE), again.get(AUTO_SYNC_MINUTES), again.get(WINDOW_GEOMETRY)) == (
        Language.EN, 15, b"\x01\x02geometry"
    )  # fmt: skip

    (tmp_path / "edited.ini").write_text(
        "[ui]\nlanguage=fr\n[sync]\nauto_sync_minutes=soon\nhealth_check_seconds=0\n", encoding="utf-8"
    )
    edited = LocalSettings(_ini(tmp_path / "edited.ini"))
    assert edited.get(LANGUAGE) is Language.ZH_CN  # French is not ours: the default, not a failed start
    assert edited.get(AUTO_SYNC_MINUTES) == 5 and edited.get(HEALTH_CHECK_SECONDS) == 30
    (tmp_path / "ports.ini").write_text("[pos]\nport=80\n", encoding="utf-8")
    assert LocalSettings(_ini(tmp_path / "ports.ini")).get(POS_PORT) == 8765  # a privileged port: the default
    (tmp_path / "off.ini").write_text("[pos]\nport=0\n", encoding="utf-8")
    assert LocalSettings(_ini(tmp_path / "off.ini")).get(POS_PORT) == 0


def test_the_window_keeps_its_language_and_its_place(gui_env: GuiEnv, qtbot: QtBot, qapp: QApplication) -> None:
    gui_env.login("C001")
    translations = Translations(qapp)
    try:
        window = show_widget(qtbot, MainWindow(gui_env.ctx, translations))
        window.language_button.click()
        assert gui_env.ctx.settings.get(LANGUAGE) is Language.EN
        qtbot.waitUntil(window.isMaximized)  # the first start takes the whole screen
        window.showNormal()  # this cashier wants it smaller, at a place of their own
        qtbot.waitUntil(lambda: not window.isMaximized())
        window.setGeometry(20, 30, 1300, 740)
        qtbot.waitUntil(lambda: window.size().width() == 1300)
        window.close()
        assert gui_env.ctx.settings.get(WINDOW_GEOMETRY) != b""

        reopened = show_widget(qtbot, MainWindow(gui_env.ctx, translations))
        assert not reopened.isMaximized()  # (restoreGeometry fits the size to the offscreen 800 x 600 screen)
    finally:
        translations.uninstall()


def test_the_background_sync_runs_at_the_intervals_set(gui_env: GuiEnv, qtbot: QtBot) -> None:
    gui_env.ctx.settings.set(AUTO_SYNC_MINUTES, 7)
    gui_env.ctx.settings.set(HEALTH_CHECK_SECONDS, 45)
    start_background_sync(gui_env.ctx)  # what run_gui does once the window shows
    try:
        assert gui_env.ctx.sync.intervals() == (timedelta(minutes=7), timedelta(seconds=45))
    finally:
        gui_env.ctx.sync.stop_background()
