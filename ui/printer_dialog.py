"""打印机设置 / Printer settings (managers, from the navigation bar): which printer prints this till's slips — none,
USB (vendor and product IDs), network (address and port), serial (port and speed) or a device file / shared printer
path — the paper (58 or 80 mm), whether the printer draws QR codes itself, and whether a slip prints after each award
and redemption. 测试打印 prints a test slip with the settings as they stand in the dialog, off the GUI thread, and
says how it went; 保存 checks the settings and keeps them in this computer's settings file.

Thread: GUI thread; the test print on the print worker (`ctx.ops.print_job`).
"""

from __future__ import annotations

from typing import TypeVar

from PySide6.QtCore import QRegularExpression, Qt
from PySide6.QtGui import QRegularExpressionValidator
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from loyalty.roles import Permission
from slip.layout import Paper
from slip.printers import BAUDRATES, PrinterConfig, PrinterKind, PrintFailed, PrintProblem, parse_usb_id, usb_id_text
from ui.context import AppContext
from ui.dialog_parts import GuardedDialog, dialog_buttons
from ui.error_line import ErrorLine
from ui.settings import PRINT_AFTER_POINTS
from ui.slip_printing import print_in_background, printer_config, save_printer_config, trial_slip
from widgets.retranslating import Retranslating

W = TypeVar("W", bound=QWidget)
FORM_SPACING = 16  # between the label column and the fields, the same in the connection's page and the form
_KINDS = (PrinterKind.NONE, PrinterKind.USB, PrinterKind.NETWORK, PrinterKind.SERIAL, PrinterKind.FILE)


class PrinterDialog(Retranslating, GuardedDialog):
    """objectNames: `printerDialog`, `printerKind`, `usbVendor`, `usbProduct`, `printerHost`, `printerPort`,
    `serialDevice`, `serialBaudrate`, `filePath`, `paperWidth`, `nativeQr`, `printAfterPoints`, `testPrintButton`,
    `printerStatus` (what the test print did), `errorLabel`, `cancelButton`, `confirmButton` (保存)."""

    def __init__(self, ctx: AppContext, *, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self._testing = False
        self.setObjectName("printerDialog")
        self.setModal(True)
        saved = printer_config(ctx.settings)

        self.heading = QLabel(self)
        self.heading.setProperty("tone", "title")
        self.kind = _named(QComboBox(self), "printerKind")
        for kind in _KINDS:
            self.kind.addItem("", kind)
        self.usb_vendor = _named(QLineEdit(usb_id_text(saved.usb_vendor), self), "usbVendor")
        self.usb_product = _named(QLineEdit(usb_id_text(saved.usb_product), self), "usbProduct")
        for field in (self.usb_vendor, self.usb_product):
            field.setMaxLength(6)
            field.setPlaceholderText("0416")
        self.host = _named(QLineEdit(saved.host, self), "printerHost")
        self.host.setMaxLength(253)
        self.host.setPlaceholderText("192.168.1.87")
        self.port = _named(QLineEdit(str(saved.port), self), "printerPort")
        self.port.setMaxLength(5)
        self.port.setValidator(QRegularExpressionValidator(QRegularExpression("[0-9]{0,5}"), self.port))
        self.serial_device = _named(QLineEdit(saved.serial_device, self), "serialDevice")
        self.serial_device.setPlaceholderText("COM3  /dev/ttyUSB0")
        self.baudrate = _named(QComboBox(self), "serialBaudrate")
        for rate in BAUDRATES:
            self.baudrate.addItem(str(rate), rate)
        self.baudrate.setCurrentIndex(max(0, self.baudrate.findData(saved.baudrate)))
        self.file_path = _named(QLineEdit(saved.file_path, self), "filePath")
        self.file_path.setPlaceholderText("/dev/usb/lp0  \\\\TILL1\\receipt")
        self.paper = _named(QComboBox(self), "paperWidth")
        for paper in Paper:
            self.paper.addItem(f"{paper.value} mm", paper)
        self.paper.setCurrentIndex(self.paper.findData(saved.paper))
        self.native_qr = _named(QCheckBox(self), "nativeQr")
        self.native_qr.setChecked(saved.native_qr)
        self._native_qr_hint = QLabel(self)
        self._native_qr_hint.setWordWrap(True)
        self._native_qr_hint.setProperty("tone", "muted")
        self.print_after = _named(QCheckBox(self), "printAfterPoints")
        self.print_after.setChecked(ctx.settings.get(PRINT_AFTER_POINTS))

        # One page of connection fields per kind; the kind's box turns the pages.
        self._labels: dict[str, QLabel] = {}
        self.pages = QStackedWidget(self)
        self._none_words = QLabel(self)
        self._none_words.setWordWrap(True)
        self._none_words.setProperty("tone", "muted")
        self.pages.addWidget(self._none_words)
        self.pages.addWidget(self._page(("usb_vendor", self.usb_vendor), ("usb_product", self.usb_product)))
        self.pages.addWidget(self._page(("host", self.host), ("port", self.port)))
        self.pages.addWidget(self._page(("serial_device", self.serial_device), ("baudrate", self.baudrate)))
        self.pages.addWidget(self._page(("file_path", self.file_path)))
        self.kind.currentIndexChanged.connect(self._kind_changed)

        self.status = _named(QLabel(self), "printerStatus")
        self.status.setWordWrap(True)
        self.status.setProperty("tone", "ok")
        self.status.hide()
        self.error_label = ErrorLine(self)
        self.test_button = _named(QPushButton(self), "testPrintButton")
        self.test_button.setAutoDefault(False)
        self.test_button.clicked.connect(self.test_print)
        buttons = dialog_buttons(self, on_confirm=self.save)
        self.cancel_button, self.confirm_button = buttons.cancel, buttons.confirm
        buttons.row.insertWidget(0, self.test_button)
        for field in (self.usb_vendor, self.usb_product, self.host, self.port, self.serial_device, self.file_path):
            field.textChanged.connect(self._changed)
        for box in (self.kind, self.baudrate, self.paper):
            box.currentIndexChanged.connect(self._changed)
        self.native_qr.toggled.connect(self._changed)

        form = QFormLayout()
        form.setHorizontalSpacing(FORM_SPACING)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        self._kind_label, self._paper_label = QLabel(self), QLabel(self)
        form.addRow(self._kind_label, self.kind)
        form.addRow(self.pages)
        form.addRow(self._paper_label, self.paper)
        form.addRow(self.native_qr)
        form.addRow(self._native_qr_hint)
        form.addRow(self.print_after)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 20)
        layout.setSpacing(12)
        layout.addWidget(self.heading)
        layout.addLayout(form)
        layout.addWidget(self.status)
        layout.addWidget(self.error_label)
        layout.addLayout(buttons.row)
        self.setMinimumWidth(520)

        self.kind.setCurrentIndex(_KINDS.index(saved.kind))
        self._kind_changed()
        self._allowed = ctx.can(Permission.APPROVE)  # a manager's setting, like the other till-wide ones
        self.retranslate()
        self._apply_busy()

    def _page(self, *rows: tuple[str, QWidget]) -> QWidget:
        page = QWidget(self)
        form = QFormLayout(page)
        form.setContentsMargins(0, 0, 0, 0)
        form.setHorizontalSpacing(FORM_SPACING)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        for name, field in rows:
            label = QLabel(page)
            self._labels[name] = label
            form.addRow(label, field)
        return page

    # -- what the fields say -----------------------------------------------------------------------------------

    def config(self) -> PrinterConfig:
        """The printer the fields describe; raises PrintFailed(BAD_SETTING, setting) for a field that cannot be."""
        kind = PrinterKind(self.kind.currentData())
        vendor = product = 0
        if kind is PrinterKind.USB:
            vendor = _usb_id(self.usb_vendor.text(), "usb_vendor")
            product = _usb_id(self.usb_product.text(), "usb_product")
        config = PrinterConfig(
            kind=kind,
            usb_vendor=vendor,
            usb_product=product,
            host=self.host.text().strip(),
            port=int(self.port.text() or "0"),
            serial_device=self.serial_device.text().strip(),
            baudrate=int(self.baudrate.currentData()),
            file_path=self.file_path.text().strip(),
            paper=Paper(self.paper.currentData()),
            native_qr=self.native_qr.isChecked(),
        )
        config.check()
        return config

    def _kind_changed(self) -> None:
        self.pages.setCurrentIndex(self.kind.currentIndex())
        set_up = PrinterKind(self.kind.currentData()) is not PrinterKind.NONE
        for widget in (self.paper, self.native_qr, self.print_after, self.test_button):
            widget.setEnabled(set_up and not self._testing)

    def _changed(self, *_args: object) -> None:
        """Whatever was said about the settings before no longer holds once one changes."""
        self.error_label.clear_error()
        self.status.hide()

    # -- saving and the test print ---------------------------------------------------------------------------

    def save(self) -> None:
        if self._testing or not self._allowed:
            return
        try:
            config = self.config()
        except PrintFailed as refusal:
            self._refuse(refusal)
            return
        save_printer_config(self._ctx.settings, config, print_after_points=self.print_after.isChecked())
        self.accept()

    def test_print(self) -> None:
        if self._testing or not self._allowed:
            return
        try:
            config = self.config()
            if not config.is_set:
                raise PrintFailed(PrintProblem.NOT_SET)
        except PrintFailed as refusal:
            self._refuse(refusal)
            return
        self._changed()
        self._testing = True
        self._apply_busy()
        print_in_background(self._ctx, trial_slip(self._ctx), self._printed, self._print_failed, config=config,
                            owner=self)  # fmt: skip

    @property
    def busy(self) -> bool:
        """A test print is in flight (the idle lock waits for it; Esc is refused meanwhile)."""
        return self._testing

    def _printed(self, _result: None) -> None:
        self._testing = False
        self._apply_busy()
        self.status.show()
        self._retranslate_status()

    def _print_failed(self, error: Exception) -> None:
        self._testing = False
        self._apply_busy()
        self.error_label.show_error(error)

    def _refuse(self, refusal: PrintFailed) -> None:
        self.status.hide()
        self.error_label.show_error(refusal)
        field = {
            "usb_vendor": self.usb_vendor,
            "usb_product": self.usb_product,
            "host": self.host,
            "port": self.port,
            "serial_device": self.serial_device,
            "file_path": self.file_path,
        }.get(refusal.setting or "")
        if field is not None:
            field.setFocus()

    def _apply_busy(self) -> None:
        self._busy = self._testing  # GuardedDialog: no Esc while the printer is being asked
        self.confirm_button.setEnabled(self._allowed and not self._testing)
        self.kind.setEnabled(self._allowed and not self._testing)
        self._kind_changed()
        if not self._allowed:
            self.test_button.setEnabled(False)
        self._retranslate_test_button()

    # -- words -------------------------------------------------------------------------------------------------

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Printer settings"))
        self.heading.setText(self.tr("Slip printer"))
        self._kind_label.setText(self.tr("Connection"))
        kinds = {
            PrinterKind.NONE: self.tr("No printer"),
            PrinterKind.USB: self.tr("USB"),
            PrinterKind.NETWORK: self.tr("Network"),
            PrinterKind.SERIAL: self.tr("Serial port"),
            PrinterKind.FILE: self.tr("Device file or shared printer"),
        }
        for index, kind in enumerate(_KINDS):
            self.kind.setItemText(index, kinds[kind])
        self._none_words.setText(self.tr("No slip is printed. Choose how this till's receipt printer is connected."))
        words = {
            "usb_vendor": self.tr("Vendor ID (hex)"),
            "usb_product": self.tr("Product ID (hex)"),
            "host": self.tr("Address"),
            "port": self.tr("Port"),
            "serial_device": self.tr("Serial port"),
            "baudrate": self.tr("Speed (baud)"),
            "file_path": self.tr("Path"),
        }
        for name, label in self._labels.items():
            label.setText(words[name])
        self._paper_label.setText(self.tr("Paper width"))
        labels = [self._kind_label, self._paper_label, *self._labels.values()]
        widest = max(label.sizeHint().width() for label in labels)
        for label in labels:  # one label column across the connection's page and the rest of the form
            label.setMinimumWidth(widest)
        self.native_qr.setText(self.tr("The printer draws QR codes itself"))
        self._native_qr_hint.setText(self.tr("Untick this if the QR on a test slip comes out as text or not at all."))
        self.print_after.setText(self.tr("Print a slip after each award and redemption"))
        self.cancel_button.setText(self.tr("Cancel"))
        self.confirm_button.setText(self.tr("Save"))
        self._retranslate_test_button()
        self._retranslate_status()

    def _retranslate_test_button(self) -> None:
        self.test_button.setText(self.tr("Printing…") if self._testing else self.tr("Test print"))

    def _retranslate_status(self) -> None:
        self.status.setText(self.tr("The test slip was sent to the printer. Check that it came out readable."))


def _named(widget: W, name: str) -> W:
    widget.setObjectName(name)
    return widget


def _usb_id(text: str, setting: str) -> int:
    try:
        return parse_usb_id(text)
    except ValueError:
        raise PrintFailed(PrintProblem.BAD_SETTING, setting) from None
