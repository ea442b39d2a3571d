"""What a scan does while a dialog is open: `scan_in_dialog` owns that rule (docs/gui.md, "Scans").

A dialog is bound to the member it was opened for, so a scan never changes the member behind it. A scan that is not
a member code fills the dialog's field that takes scans (the award dialog's receipt number, marked `acceptsScan`)
wherever the focus is in that dialog, replacing what that field held. A member code, or any scan in a dialog without
such a field, is refused with a visible notice on the dialog's error line ("Finish or cancel this first"), or in a
tooltip over a dialog that has none. Nothing a person typed in the dialog is touched.

Thread: GUI thread.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QLineEdit, QToolTip, QWidget

from loyalty.member_code import looks_like_member_code
from ui.error_line import ErrorLine
from widgets.scan_detector import ACCEPTS_SCAN


def finish_first_words() -> str:
    return QCoreApplication.translate("DialogScan", "Finish or cancel this first")


def scan_field(dialog: QWidget) -> QLineEdit | None:
    """The dialog's enabled line edit that takes scans, if it has one."""
    for field in dialog.findChildren(QLineEdit):
        if field.property(ACCEPTS_SCAN) and field.isEnabled() and not field.isReadOnly():
            return field
    return None


def scan_in_dialog(dialog: QWidget, text: str) -> bool:
    """Route `text`, scanned while `dialog` is open. True when a field took it; False when it was refused."""
    field = scan_field(dialog)
    if field is not None and not looks_like_member_code(text):
        field.setText(text[: field.maxLength()])  # the focus stays where the cashier is typing
        return True
    line = dialog.findChild(ErrorLine)
    if line is not None:
        line.show_words(finish_first_words)
    else:
        QToolTip.showText(dialog.mapToGlobal(dialog.rect().center()), finish_first_words(), dialog)
    return False
