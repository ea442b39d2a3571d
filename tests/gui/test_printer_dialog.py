"""打印机设置 / Printer settings: a manager's, from the navigation bar; each connection shows its own fields; 保存
checks and keeps them; a bad field is named in words and nothing is saved; 测试打印 prints a test slip off the GUI
thread (through the Dummy-backed printer seam, or a real network printer at a closed port) and says how it went;
both languages; laid out at the till's window sizes."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from slip.escpos_slip import PARTIAL_CUT
from slip.layout import Paper
from slip.model import Slip
from slip.printers import PrinterConfig, PrinterKind
from tests.gui.conftest import GuiEnv
from tests.gui.helpers import click, show_widget, wait_idle
from tests.gui.test_slip_printing import DummyPrinters, closed_port, dummy_seam
from ui.app import application
from ui.i18n import Language, Translations
from ui.main_window import MainWindow
from ui.printer_dialog import PrinterDialog
from ui.settings import PRINT_AFTER_POINTS
from ui.slip_printing import printer_config


@pytest.fixture
def chinese(qapp: QApplication) -> Iterator[None]:
    translations = Translations(qapp)
    assert translations.switch(Language.ZH_CN)
    yield
    translations.uninstall()


def _dialog(env: GuiEnv, qtbot: QtBot) -> PrinterDialog:
    env.login("M001")
    return show_widget(qtbot, PrinterDialog(env.ctx), active=True)


def _choose(dialog: PrinterDialog, kind: PrinterKind) -> None:
    dialog.kind.setCurrentIndex(dialog.kind.findData(kind))


def test_only_a_manager_sees_the_printer_settings(gui_env: GuiEnv, qtbot: QtBot) -> None:
    gui_env.login("C001")
    window = show_widget(qtbot, MainWindow(gui_env.ctx), size=(1366, 768))
    assert not window.printer_button.isVisibleTo(window)
    window.open_printer_settings()
    assert window.printer_dialog is None
    gui_env.login("M001")
    assert window.printer_button.isVisibleTo(window)
    assert window.printer_button.text() == "Printer"
    click(window.printer_button)
    qtbot.waitUntil(lambda: isinstance(QApplication.activeModalWidget(), PrinterDialog))


def test_each_connection_shows_its_fields(gui_env: GuiEnv, qtbot: QtBot) -> None:
    dialog = _dialog(gui_env, qtbot)
    assert dialog.kind.currentData() == PrinterKind.NONE
    assert not dialog.test_button.isEnabled()  # nothing to test without a printer
    for kind, field in ((PrinterKind.USB, dialog.usb_vendor), (PrinterKind.NETWORK, dialog.host),
                        (PrinterKind.SERIAL, dialog.serial_device), (PrinterKind.FILE, dialog.file_path)):  # fmt: skip
        _choose(dialog, kind)
        assert field.isVisibleTo(dialog), kind
        assert dialog.test_button.isEnabled()
    _choose(dialog, PrinterKind.NETWORK)
    assert not dialog.usb_vendor.isVisibleTo(dialog)


def test_save_keeps_the_printer(gui_env: GuiEnv, qtbot: QtBot) -> None:
    dialog = _dialog(gui_env, qtbot)
    _choose(dialog, PrinterKind.NETWORK)
    dialog.host.setText(" 192.168.1.87 ")
    dialog.port.setText("9101")
    dialog.paper.setCurrentIndex(dialog.paper.findData(Paper.MM80))
    dialog.native_qr.setChecked(False)
    assert dialog.print_after.isChecked()  # on by default
    click(dialog.confirm_button)
    assert dialog.result() == PrinterDialog.DialogCode.Accepted
    assert printer_config(gui_env.ctx.settings) == PrinterConfig(
        PrinterKind.NETWORK, host="192.168.1.87", port=9101, paper=Paper.MM80, native_qr=False
    )
    again = show_widget(qtbot, PrinterDialog(gui_env.ctx))  # opens on what was saved
    assert again.kind.currentData() == PrinterKind.NETWORK and again.host.text() == "192.168.1.87"
    assert again.paper.currentData() == Paper.MM80 and not again.native_qr.isChecked()


def test_usb_ids_are_saved_from_hex(gui_env: GuiEnv, qtbot: QtBot) -> None:
    dialog = _dialog(gui_env, qtbot)
    _choose(dialog, PrinterKind.USB)
    dialog.usb_vendor.setText("0x0416")
    dialog.usb_product.setText("5011")
    dialog.print_after.setChecked(False)
    click(dialog.confirm_button)
    config = printer_config(gui_env.ctx.settings)
    assert (config.kind, config.usb_vendor, config.usb_product) == (PrinterKind.USB, 0x0416, 0x5011)
    assert gui_env.ctx.settings.get(PRINT_AFTER_POINTS) is False


def test_a_bad_field_is_named_and_nothing_is_saved(gui_env: GuiEnv, qtbot: QtBot) -> None:
    dialog = _dialog(gui_env, qtbot)
    _choose(dialog, PrinterKind.USB)
    dialog.usb_vendor.setText("xyz")
    dialog.usb_product.setText("5011")
    click(dialog.confirm_button)
    assert dialog.isVisible()
    assert dialog.error_label.text() == "The printer settings are not complete: the USB vendor ID (4 hex digits)."
    assert dialog.usb_vendor.hasFocus()
    assert printer_config(gui_env.ctx.settings).kind is PrinterKind.NONE
    dialog.usb_vendor.setText("0416")  # the error goes with its cause
    assert not dialog.error_label.isVisible()


def test_a_test_print_goes_off_the_gui_thread_and_says_so(gui_env: GuiEnv, qtbot: QtBot) -> None:
    printers: DummyPrinters = dummy_seam(gui_env)
    printer_free = threading.Event()
    printed_on: list[str] = []

    def slow_printer(config: PrinterConfig, slip: Slip) -> None:  # a printer that takes its time
        printed_on.append(threading.current_thread().name)
        assert printer_free.wait(10)
        printers(config, slip)

    gui_env.ctx.print_slip = slow_printer
    dialog = _dialog(gui_env, qtbot)
    _choose(dialog, PrinterKind.NETWORK)
    dialog.host.setText("127.0.0.1")
    click(dialog.test_button)
    qtbot.waitUntil(lambda: bool(printed_on))
    QApplication.processEvents()  # the GUI thread goes on while the printer is asked
    assert dialog.busy and dialog.test_button.text() == "Printing…" and not dialog.test_button.isEnabled()
    assert printed_on[0].startswith("memberdesk-print")
    printer_free.set()
    wait_idle(qtbot, gui_env.ctx, lambda: not dialog.busy)
    assert len(printers.jobs) == 1
    assert printers.slips[0].test and printers.slips[0].staff_code == "M001"
    assert b"TEST PRINT" in printers.jobs[0] and printers.jobs[0].endswith(PARTIAL_CUT)
    assert dialog.status.isVisible() and dialog.test_button.text() == "Test print"
    assert dialog.status.text() == "The test slip was sent to the printer. Check that it came out readable."
    assert printer_config(gui_env.ctx.settings).kind is PrinterKind.NONE  # a test print saves nothing


def test_a_test_print_that_fails_is_said(gui_env: GuiEnv, qtbot: QtBot) -> None:
    dialog = _dialog(gui_env, qtbot)
    _choose(dialog, PrinterKind.NETWORK)
    dialog.host.setText("127.0.0.1")
    dialog.port.setText(str(closed_port()))
    click(dialog.test_button)
    wait_idle(qtbot, gui_env.ctx, lambda: not dialog.busy, timeout=10_000)
    assert dialog.error_label.text() == (
        "The printer refused the connection: check the port, or whether another till is printing."
    )
    assert not dialog.status.isVisible()
    assert dialog.test_button.isEnabled()


def test_the_dialog_in_chinese(gui_env: GuiEnv, qtbot: QtBot, chinese: None) -> None:
    dialog = _dialog(gui_env, qtbot)
    assert dialog.windowTitle() == "打印机设置"
    assert dialog.test_button.text() == "测试打印"
    assert dialog.confirm_button.text() == "保存"
    assert [dialog.kind.itemText(i) for i in range(dialog.kind.count())] == [
        "不使用打印机", "USB", "网络", "串口", "设备文件或共享打印机"
    ]  # fmt: skip
    _choose(dialog, PrinterKind.NETWORK)
    dialog.host.setText("")
    click(dialog.confirm_button)
    assert dialog.error_label.text().replace("\u2060", "") == "打印机设置不完整：打印机地址。"  # no orphan: joiners


@pytest.mark.parametrize("language", [Language.ZH_CN, Language.EN])
@pytest.mark.parametrize("size", [(1366, 768), (1920, 1080)])
def test_the_dialog_fits_the_window(
    gui_env: GuiEnv, qtbot: QtBot, qapp: QApplication, language: Language, size: tuple[int, int], tmp_path: Path
) -> None:
    font, sheet = QFont(qapp.font()), qapp.styleSheet()
    application()  # the app's own stylesheet and font: what decides the sizes
    translations = Translations(qapp)
    translations.switch(language)
    try:
        gui_env.login("M001")
        window = MainWindow(gui_env.ctx, translations)
        qtbot.addWidget(window)
        window.setWindowState(Qt.WindowState.WindowNoState)  # the offscreen screen is smaller than the till's
        window.resize(*size)
        with qtbot.waitExposed(window):
            window.show()
        window.open_printer_settings()
        dialog = window.printer_dialog
        assert dialog is not None
        qtbot.waitExposed(dialog)
        _choose(dialog, PrinterKind.SERIAL)
        QApplication.processEvents()
        hint = dialog.sizeHint()
        assert hint.width() <= size[0] and hint.height() <= size[1] - 60
        for label in (dialog.native_qr, dialog.print_after, dialog.test_button, dialog.confirm_button):
            assert label.width() >= label.sizeHint().width(), label.objectName()  # no text cut off
        dialog.grab().save(str(tmp_path / f"printer_{language.value}_{size[0]}.png"))
    finally:
        translations.uninstall()
        qapp.setStyleSheet(sheet)
        qapp.setFont(font)


def test_a_port_out_of_range_is_named(gui_env: GuiEnv, qtbot: QtBot) -> None:
    dialog = _dialog(gui_env, qtbot)
    _choose(dialog, PrinterKind.NETWORK)
    dialog.host.setText("127.0.0.1")
    for typed in ("", "70000", "0"):
        dialog.port.setText(typed)
        click(dialog.confirm_button)
        assert dialog.error_label.text() == "The printer settings are not complete: the port (1 to 65535).", typed
        assert dialog.port.hasFocus()
    assert printer_config(gui_env.ctx.settings).kind is PrinterKind.NONE
