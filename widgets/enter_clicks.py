"""Enter on a focused push button presses it, everywhere in the app: `EnterPressesButtons` owns that rule.

Qt presses a focused button on Space only; in a dialog, Enter goes to the dialog's default button even while the
focus is on, say, Cancel (most of our buttons are not auto-default, so that Enter in a field confirms). Cashiers
expect Enter to press the button they tabbed to, as in every counter app. The main window installs this filter on
the QApplication *before* the scan detector, so the detector sees a scanner's Enter first and swallows it; a line
edit's Enter is untouched (the filter acts on push buttons only).

Thread: GUI thread only (an application event filter).
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QPushButton

_ENTER_KEYS = frozenset({Qt.Key.Key_Return.value, Qt.Key.Key_Enter.value})
_PLAIN = Qt.KeyboardModifier.NoModifier.value | Qt.KeyboardModifier.KeypadModifier.value


class EnterPressesButtons(QObject):
    """Application event filter: Enter (or the keypad's Enter) on the focused, enabled push button clicks it."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() is not QEvent.Type.KeyPress or not isinstance(watched, QPushButton):
            return False
        assert isinstance(event, QKeyEvent)
        if event.key() not in _ENTER_KEYS or event.modifiers().value & ~_PLAIN or not watched.hasFocus():
            return False
        if not event.isAutoRepeat() and watched.isEnabled():
            watched.click()
        return True  # handled: the dialog's default button is not pressed as well
