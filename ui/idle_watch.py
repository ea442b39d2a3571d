"""Idle at the counter: nobody has touched the till (key, scan, click, tap, wheel) for a while. Two clocks, each
restarted by any input anywhere in the application:

- `member_idle` after a short while (a minute by default): the window puts the member away, so the previous
  customer's name and balance never greet the next one;
- `lock_idle` after longer (minutes, a setting): the window locks the counter to the PIN pad, as F12 does.

The watch only says when; what is put away or locked is the window's decision (`ui.main_window`).

Thread: GUI thread (an application event filter and two single-shot timers).
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QTimer, Signal

_INPUT_EVENTS = frozenset(
    {
        QEvent.Type.KeyPress,
        QEvent.Type.MouseButtonPress,
        QEvent.Type.TouchBegin,
        QEvent.Type.Wheel,
        QEvent.Type.TabletPress,
    }
)


class IdleWatch(QObject):
    """Install with `app.installEventFilter(watch)`; `start()` arms both clocks."""

    member_idle = Signal()
    lock_idle = Signal()

    def __init__(self, *, member_after_ms: int, lock_after_ms: int, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.member_timer = QTimer(self)
        self.member_timer.setSingleShot(True)
        self.member_timer.timeout.connect(self.member_idle)
        self.lock_timer = QTimer(self)
        self.lock_timer.setSingleShot(True)
        self.lock_timer.timeout.connect(self.lock_idle)
        self.set_intervals(member_after_ms=member_after_ms, lock_after_ms=lock_after_ms)

    def set_intervals(self, *, member_after_ms: int, lock_after_ms: int) -> None:
        self.member_timer.setInterval(member_after_ms)
        self.lock_timer.setInterval(lock_after_ms)

    def start(self) -> None:
        """Someone just did something: both clocks start again."""
        self.member_timer.start()
        self.lock_timer.start()

    def stop(self) -> None:
        self.member_timer.stop()
        self.lock_timer.stop()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in _INPUT_EVENTS and self.member_timer.interval() > 0:
            self.start()
        return False  # only watching: every event goes on to where it was going
