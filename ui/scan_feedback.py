"""What a scan sounds and looks like (issue 15, item 28): a cashier looking at the customer, not the screen, must
know the scan landed. A member found: one short beep and a flash of the member card's border. Not found: two beeps,
a distinct pattern (the error line says what). Only scans get it; typing does not beep.

The sound is the platform's own bell (`QApplication.beep()`: Windows' message beep, X11's bell): QtMultimedia would
need the system's PulseAudio library, which the project's own files cannot install (docs/gui.md).

Thread: GUI thread.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QApplication, QWidget

FLASH_MS = 400
SECOND_BEEP_MS = 160


def _repolish(widget: QWidget) -> None:
    style = widget.style()
    style.unpolish(widget)
    style.polish(widget)
    widget.update()


class ScanFeedback(QObject):
    """`scanned()` arms it; then `found(card)` or `not_found()` answers the scan once. `beep` is injectable."""

    def __init__(self, *, beep: Callable[[], None] | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._sound = beep
        self._armed = False

    def _beep(self) -> None:
        (self._sound or QApplication.beep)()

    def scanned(self) -> None:
        self._armed = True

    def found(self, card: QWidget) -> None:
        if not self._take():
            return
        self._beep()
        card.setProperty("flash", True)
        _repolish(card)
        QTimer.singleShot(FLASH_MS, card, lambda: self._unflash(card))

    def not_found(self) -> None:
        if not self._take():
            return
        self._beep()
        QTimer.singleShot(SECOND_BEEP_MS, self, self._beep)

    def _take(self) -> bool:
        armed, self._armed = self._armed, False
        return armed

    @staticmethod
    def _unflash(card: QWidget) -> None:
        card.setProperty("flash", False)
        _repolish(card)
