"""A member code's QR, painted crisp at any size: `QrView` renders the code once with qrcode + Pillow
(`loyalty.member_code.render_qr_png`, one pixel per module, with the 4-module quiet zone) and scales that matrix by
a whole number of pixels per module, without smoothing, so a scanner or a phone camera reads it off the screen.
`image()` is the code alone with its quiet zone (for print and PNG), like Electrum's qrcodewidget's own grab.

The widget takes a code text and shows it; fetching codes is the screens' business.

Thread: GUI thread.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QByteArray, QRect, QSize, Qt
from PySide6.QtGui import QColor, QFont, QImage, QImageWriter, QPaintDevice, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from loyalty.member_code import render_qr_png
from widgets.retranslating import Retranslating

QUIET_ZONE = 4  # modules of white around the code, as ISO/IEC 18004 asks
PRINTED_CODE_MM = 50  # the printed code's side, quiet zone included: a phone or a scanner reads it at arm's length
PNG_MODULE_PIXELS = 10  # a saved PNG: 490 px for a member code (version 6: 41 modules + the quiet zone)
_MIN_MODULE_PIXELS = 3  # below this a phone camera struggles


class QrView(Retranslating, QWidget):
    """objectName `qrView`. `set_code(text)` (ValueError when the text cannot be a QR alphanumeric code), `clear()`,
    `code()`, `image(module_pixels)`, `save_png(path)` (OSError when the file cannot be written), `print_page`."""

    def __init__(self, *, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("qrView")
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # takes the focus after an enrolment: Enter does nothing
        self._code: str | None = None
        self._matrix: QImage | None = None  # one pixel per module, quiet zone included
        self._placeholder: str | None = None  # the screen's words for the empty view; ours otherwise
        self.retranslate()

    # -- the code ------------------------------------------------------------------------------------------------

    def set_code(self, text: str) -> None:
        """Show this code. Raises ValueError (and keeps what was shown) when it is not QR alphanumeric text."""
        png = render_qr_png(text, box_size=1, border=QUIET_ZONE)
        matrix = QImage.fromData(png)
        if matrix.isNull():
            raise ValueError("the QR image could not be read back")
        self._code = text
        self._matrix = matrix.convertToFormat(QImage.Format.Format_Grayscale8)
        self.updateGeometry()
        self.update()

    def clear(self) -> None:
        self._code = None
        self._matrix = None
        self.update()

    def code(self) -> str | None:
        return self._code

    def modules(self) -> int:
        """The side of the code in modules, quiet zone included (0 when nothing is shown)."""
        return 0 if self._matrix is None else self._matrix.width()

    def set_placeholder(self, text: str | None) -> None:
        """What the empty view says (the screen translates it); None for the default."""
        self._placeholder = text
        self.update()

    def image(self, module_pixels: int = PNG_MODULE_PIXELS) -> QImage:
        """The code alone with its quiet zone, `module_pixels` pixels a module, black on white. ValueError when
        nothing is shown."""
        if self._matrix is None:
            raise ValueError("no code is shown")
        side = self._matrix.width() * max(1, module_pixels)
        return self._matrix.scaled(
            side, side, Qt.AspectRatioMode.IgnoreAspectRatio, Qt.TransformationMode.FastTransformation
        )

    def save_png(self, path: Path | str, module_pixels: int = PNG_MODULE_PIXELS) -> Path:
        """Write `image()` as PNG to `path`; returns the path. OSError when it cannot be written."""
        target = Path(path)
        writer = QImageWriter(str(target), QByteArray(b"png"))
        if not writer.write(self.image(module_pixels)):
            raise OSError(f"the PNG could not be written: {writer.errorString()}")
        return target

    def print_page(self, printer: QPaintDevice, title: str, lines: Sequence[str] = ()) -> bool:
        """One page on a printer (or any paint device: a PDF writer, an image): `title`, the code (PRINTED_CODE_MM
        wide with its quiet zone, whole device pixels a module, so it prints crisp) and `lines` under it, centred.
        False when the printer could not be started or nothing is shown."""
        if self._matrix is None:
            return False
        painter = QPainter()
        if not painter.begin(printer):
            return False
        try:
            dpi = printer.logicalDpiX()
            page = QRect(0, 0, printer.width(), printer.height())  # the paintable area, in device pixels
            module_pixels = max(1, round(PRINTED_CODE_MM / 25.4 * dpi) // self.modules())
            y = self._print_line(painter, page, 0, title, 18, bold=True)
            side = self.modules() * module_pixels
            painter.drawImage(QRect((page.width() - side) // 2, y, side, side), self.image(module_pixels))
            y += side + dpi // 12
            for size, line in enumerate(lines):
                y = self._print_line(painter, page, y, line, 12 if size == 0 else 10)
        finally:
            painter.end()
        return True

    def _print_line(self, painter: QPainter, page: QRect, y: int, text: str, points: int, *, bold: bool = False) -> int:
        font = QFont(self.font())
        font.setPointSize(points)
        font.setBold(bold)
        painter.setFont(font)
        height = painter.fontMetrics().height()
        painter.drawText(QRect(page.left(), y, page.width(), height), Qt.AlignmentFlag.AlignHCenter, text)
        return y + height + height // 2

    # -- painting ------------------------------------------------------------------------------------------------

    def module_pixels(self) -> int:
        """Whole pixels a module takes at the widget's current size."""
        modules = self.modules()
        if modules == 0:
            return 0
        return max(1, min(self.width(), self.height()) // modules)

    def code_rect(self) -> QRect:
        """Where the code (with its quiet zone) is painted, centred."""
        side = self.modules() * self.module_pixels()
        return QRect((self.width() - side) // 2, (self.height() - side) // 2, side, side)

    def paintEvent(self, _event: QPaintEvent) -> None:
        painter = QPainter(self)
        try:
            if self._matrix is None:
                self._paint_placeholder(painter)
                return
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)
            painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
            painter.drawImage(self.code_rect(), self._matrix)
        finally:
            painter.end()

    def _paint_placeholder(self, painter: QPainter) -> None:
        rect = self.rect().adjusted(8, 8, -8, -8)
        side = min(rect.width(), rect.height())
        square = QRect(rect.center().x() - side // 2, rect.center().y() - side // 2, side, side)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        pen = QPen(QColor("#9aa5b1"))
        pen.setStyle(Qt.PenStyle.DashLine)
        pen.setWidth(2)
        painter.setPen(pen)
        painter.drawRoundedRect(square, 8, 8)
        painter.setPen(self.palette().color(self.foregroundRole()))
        painter.drawText(square.adjusted(12, 12, -12, -12), Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                         self._placeholder if self._placeholder is not None else self.tr("No code yet"))  # fmt: skip

    # -- size ----------------------------------------------------------------------------------------------------

    def sizeHint(self) -> QSize:
        side = max(self.modules(), 49) * 6  # a member code at 6 px a module: 294 px
        return QSize(side, side)

    def minimumSizeHint(self) -> QSize:
        side = max(self.modules(), 49) * _MIN_MODULE_PIXELS
        return QSize(side, side)

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        return width

    # -- language ------------------------------------------------------------------------------------------------

    def retranslate(self) -> None:
        self.setAccessibleName(self.tr("Member code"))
        self.update()
