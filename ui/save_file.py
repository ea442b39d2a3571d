"""Asking where to save a file (the day report's PDF, a member code's PNG): one window-modal save dialog, opened
with `open()` so no nested event loop runs, wide enough that its places sidebar is not cut, and in the screen's
language — the native dialog where the platform has one (Windows, macOS), Qt's own elsewhere, whose words come from
the `qtbase` catalogue `ui.i18n` installs.

Thread: GUI thread.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QFileDialog, QSplitter, QWidget

from widgets.retranslating import QT_TRANSLATE_NOOP

DIALOG_SIZE = (960, 600)
SIDEBAR_WIDTH = 220
# The dialog's own labels, worded here: Qt 6.11 says "&Look in:" and "Files of &type:", which the qtbase catalogue
# shipped with PySide6 does not translate yet (it has the older "Look in:"), so a Chinese screen showed English.
_LABELS: dict[QFileDialog.DialogLabel, str] = {
    QFileDialog.DialogLabel.LookIn: QT_TRANSLATE_NOOP("SaveFile", "Look in:"),
    QFileDialog.DialogLabel.FileName: QT_TRANSLATE_NOOP("SaveFile", "File name:"),
    QFileDialog.DialogLabel.FileType: QT_TRANSLATE_NOOP("SaveFile", "Files of type:"),
    QFileDialog.DialogLabel.Accept: QT_TRANSLATE_NOOP("SaveFile", "Save"),
    QFileDialog.DialogLabel.Reject: QT_TRANSLATE_NOOP("SaveFile", "Cancel"),
}


def ask_save_path(
    parent: QWidget, title: str, suggested: Path, name_filter: str, on_chosen: Callable[[Path], Any]
) -> QFileDialog:
    """Open the save dialog; `on_chosen(path)` when the user picks a file (nothing when they cancel)."""
    dialog = QFileDialog(parent, title, str(suggested.parent), name_filter)
    dialog.setObjectName("saveFileDialog")
    dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
    dialog.setFileMode(QFileDialog.FileMode.AnyFile)
    dialog.setDefaultSuffix(suggested.suffix.lstrip("."))
    dialog.selectFile(suggested.name)
    for label, words in _LABELS.items():
        dialog.setLabelText(label, QCoreApplication.translate("SaveFile", words))
    dialog.resize(*DIALOG_SIZE)
    splitter = dialog.findChild(QSplitter, "splitter")  # Qt's own dialog: the places beside the files
    if splitter is not None:
        splitter.setSizes([SIDEBAR_WIDTH, DIALOG_SIZE[0] - SIDEBAR_WIDTH])
    dialog.fileSelected.connect(lambda path: on_chosen(Path(path)))
    dialog.open()
    return dialog
