"""Telling a keyboard-wedge scanner from a person typing, app-wide: `ScanDetector` owns that decision.

A scanner "types" a member code (138 characters starting ``MD1``) or a phone a few milliseconds per key and ends
with Enter; a person types a key every 100 ms or so. The main window installs the detector on the QApplication, so it
sees every key press before the focused widget does. Letters and digits that may start a scan are held back for a
short window (`max_gap_ms`, 40 ms by default). If the keys keep coming within the window and end with Enter after at
least `min_length` characters, it was a scan: the held keys never reach the widget and `scanned(text)` is emitted
(queued, so the lookup runs outside the key event's delivery). Otherwise the held keys are replayed, in order, to the
widget they were meant for, so a person's typing in, say, the enrol dialog's name field arrives intact. When the focus
is in the lookup input itself the keys go through untouched: the lookup page handles its own Enter. So do they in any
field that takes scans of its own, marked with the dynamic property `acceptsScan` (say a receipt number field that
a receipt's barcode is scanned into): `field.setProperty(ACCEPTS_SCAN, True)`. The detector still times those keys:
when they end as a scan, the field's text is replaced by the scan just before its Enter arrives, so a scan never
lands appended to half-typed text ("138" + a scan is the scan). A member code scanned into such a field other than
the lookup input is taken back out and reported as a scan (the window refuses it while a dialog is open).

A key typed by a person just before a scanner starts can fall inside the burst's window. It is split off and
replayed to its field when the burst's first gap is clearly slower than the scanner's pace, or when the text has a
member code's ``MD1`` prefix after its start (base32 has no ``1``, so ``MD1`` never occurs inside a code).

The timing source is injectable (`clock`, seconds as a float) so tests can type at scanner or human speed exactly.
Known limit: if the GUI thread is blocked for longer than the window while a scanner types, Qt may run the window's
timer before the queued keys; the first part of the code is then replayed as typing and the rest arrives too short
to verify ("scan it again"), which is the safe failure.

Thread: GUI thread only (an application event filter runs where the events are delivered).
"""

from __future__ import annotations

import itertools
import logging
import statistics
import time
from collections.abc import Callable

import shiboken6
from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QLineEdit

log = logging.getLogger(__name__)

DEFAULT_MAX_GAP_MS = 40
DEFAULT_MIN_LENGTH = 8
LOOKUP_INPUT = "lookupInput"
ACCEPTS_SCAN = "acceptsScan"

# The filter sees every event of the application, and a scan is 139 keys: the hot path compares plain ints.
_KEY_PRESS = QEvent.Type.KeyPress
_KEY_RELEASE = QEvent.Type.KeyRelease
_ENTER_KEYS = frozenset({Qt.Key.Key_Return.value, Qt.Key.Key_Enter.value})
# Keys a scanner may press around its characters without ending the burst (it holds Shift for uppercase letters).
_MODIFIER_KEYS = frozenset(
    key.value
    for key in (Qt.Key.Key_Shift, Qt.Key.Key_Control, Qt.Key.Key_Alt, Qt.Key.Key_Meta, Qt.Key.Key_AltGr,
                Qt.Key.Key_CapsLock)
)  # fmt: skip
# Modifiers a scanned character may carry: Shift (uppercase) and the keypad flag (digits from the number pad).
_OTHER_MODIFIERS = ~(Qt.KeyboardModifier.ShiftModifier.value | Qt.KeyboardModifier.KeypadModifier.value)
_CODE_PREFIX = "MD1"
# A leading key is a person's when the gap after it is this many times the scanner's (median) pace, and at least:
_PERSON_GAP_FACTOR = 3
_PERSON_MIN_GAP = 0.010
_SCAN_CHARACTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+")


def _scan_character(event: QKeyEvent) -> str | None:
    """The character a scanner could have sent with this key press (ASCII letter, digit or '+'), else None."""
    text = event.text()
    if text not in _SCAN_CHARACTERS or event.isAutoRepeat():
        return None
    if event.modifiers().value & _OTHER_MODIFIERS:
        return None  # Ctrl+C and friends are commands, never part of a scan
    return text


class ScanDetector(QObject):
    """Application event filter: emits `scanned(text)` for a scanner burst that did not land in the lookup input."""

    scanned = Signal(str)

    def __init__(
        self,
        *,
        clock: Callable[[], float] = time.monotonic,
        max_gap_ms: int = DEFAULT_MAX_GAP_MS,
        min_length: int = DEFAULT_MIN_LENGTH,
        passthrough_name: str = LOOKUP_INPUT,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._clock = clock
        self._max_gap = max_gap_ms / 1000
        self._min_length = min_length
        self._passthrough_name = passthrough_name
        self._held: list[tuple[QObject, QKeyEvent]] = []
        self._text: list[str] = []
        self._times: list[float] = []  # when each character of `_text` was pressed
        self._press_at: list[int] = []  # where each character's press is in `_held`
        self._receiver: QObject | None = None
        # Keys that went straight through to a field that takes scans, timed in case they end as a scan.
        self._seen: list[str] = []
        self._seen_times: list[float] = []
        self._seen_before: list[str] = []  # the field's text before each seen key
        self._seen_field: QObject | None = None
        self._last_key_at = 0.0
        self._replaying = False
        self._swallow_enter_release = False
        self._window = QTimer(self)
        self._window.setSingleShot(True)
        self._window.timeout.connect(self._window_closed)

    # -- the filter ----------------------------------------------------------------------------------------------

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if not isinstance(event, QKeyEvent) or self._replaying or not watched.isWidgetType():
            return False  # not a key; our own replay; or the window-level copy of a key event (the widget gets it next)
        kind = event.type()
        if kind is _KEY_RELEASE:
            return self._on_release(watched, event)
        if kind is not _KEY_PRESS:
            return False  # ShortcutOverride: the shortcut map asks first; a scanned character is no shortcut
        return self._on_press(watched, event)

    def _on_press(self, watched: QObject, event: QKeyEvent) -> bool:
        key = event.key()
        if key in _MODIFIER_KEYS:
            return False
        if not (self._held and watched is self._receiver) and (self._held or self._takes_scans(watched)):
            self.flush()  # the focus moved while keys were held, or this field takes scans itself
            if self._takes_scans(watched):
                return self._observe(watched, event)
        now = self._clock()
        in_burst = bool(self._held) and now - self._last_key_at <= self._max_gap
        if key in _ENTER_KEYS:
            if in_burst and len(self._text) - _person_prefix(self._text, self._times) >= self._min_length:
                self._scan_complete()
                return True
            self.flush()
            return False
        character = _scan_character(event)
        if character is None:
            self.flush()
            return False
        if self._held and not in_burst:
            self.flush()  # the pause was too long for a scanner: what was held was typed by a person
        self._hold(watched, event, character, now)
        return True

    def _takes_scans(self, widget: QObject) -> bool:
        return widget.objectName() == self._passthrough_name or bool(widget.property(ACCEPTS_SCAN))

    def _on_release(self, watched: QObject, event: QKeyEvent) -> bool:
        if self._swallow_enter_release and event.key() in _ENTER_KEYS:
            self._swallow_enter_release = False
            return True
        if self._held and watched is self._receiver and event.key() not in _MODIFIER_KEYS:
            self._held.append((watched, _copy(event)))  # keeps press/release pairs in order for the replay
            return True
        return False

    # -- the burst -----------------------------------------------------------------------------------------------

    def _hold(self, watched: QObject, event: QKeyEvent, character: str, now: float) -> None:
        self._receiver = watched
        self._press_at.append(len(self._held))
        self._held.append((watched, _copy(event)))
        self._text.append(character)
        self._times.append(now)
        self._last_key_at = now
        if not self._window.isActive():  # started once a burst: on timeout it measures the gap since the last key
            self._window.start(max(1, round(self._max_gap * 1000)))

    def _observe(self, watched: QObject, event: QKeyEvent) -> bool:
        """Time a key on its way to a field that takes scans (it goes through). At a scan's Enter the scan replaces
        the field's text and the Enter goes on, except for a member code in a field other than the lookup input
        (say the receipt number): that field gets back what it held before the scan, the Enter is swallowed and
        `scanned` is emitted, so the window refuses it aloud. True when the key is swallowed."""
        now = self._clock()
        fast = watched is self._seen_field and bool(self._seen) and now - self._seen_times[-1] <= self._max_gap
        if event.key() in _ENTER_KEYS:
            start = _person_prefix(self._seen, self._seen_times)
            scan = "".join(self._seen[start:])
            before = self._seen_before[start] if start < len(self._seen_before) else None
            self._forget_seen()
            if not (fast and len(scan) >= self._min_length and isinstance(watched, QLineEdit)):
                return False
            if watched.objectName() == self._passthrough_name or not scan.startswith(_CODE_PREFIX):
                if watched.text() != scan:
                    watched.setText(scan)  # whatever was typed before the scan is replaced, never prefixed to it
                return False
            if before is not None:
                watched.setText(before)  # what a person typed there stays; the scan goes where the window says
            self._scan_complete_with(scan)
            return True
        character = _scan_character(event)
        if character is None:
            self._forget_seen()
            return False
        if not fast:
            self._forget_seen()
        self._seen_field = watched
        self._seen.append(character)
        self._seen_times.append(now)
        self._seen_before.append(watched.text() if isinstance(watched, QLineEdit) else "")
        return False

    def _forget_seen(self) -> None:
        self._seen = []
        self._seen_times = []
        self._seen_before = []
        self._seen_field = None

    def _scan_complete(self) -> None:
        person = _person_prefix(self._text, self._times)
        if person:  # a person's key(s) just before the scanner started: they go to their field, as typed
            receiver_events = self._held[: self._press_at[person]]
            self._held = self._held[self._press_at[person] :]
            self._replay(receiver_events)
        text = "".join(self._text[person:])
        self._reset()
        self._scan_complete_with(text)

    def _scan_complete_with(self, text: str) -> None:
        self._swallow_enter_release = True
        log.debug("scan detected (%d characters)", len(text))  # never the text: it identifies a member
        # Queued: the lookup (and any page change) runs after this key event's delivery has finished.
        QTimer.singleShot(0, self, lambda: self.scanned.emit(text))

    def _window_closed(self) -> None:
        remaining = self._max_gap - (self._clock() - self._last_key_at)
        if self._held and remaining > 0:
            self._window.start(max(1, round(remaining * 1000)))  # the timer ran early by our clock: wait the rest
            return
        self.flush()

    def flush(self) -> None:
        """Replay the held keys to the widget they were meant for (a person typed them)."""
        held = self._held
        self._reset()
        self._replay(held)

    def _replay(self, held: list[tuple[QObject, QKeyEvent]]) -> None:
        if not held:
            return
        self._replaying = True
        try:
            for receiver, event in held:
                if shiboken6.isValid(receiver):  # the dialog may have closed while its keys were held
                    QCoreApplication.sendEvent(receiver, event)
        finally:
            self._replaying = False

    def _reset(self) -> None:
        self._window.stop()
        self._held = []
        self._text = []
        self._times = []
        self._press_at = []
        self._receiver = None

    @property
    def holding(self) -> bool:
        """Whether keys are held back right now (tests and the benchmark wait for this to clear)."""
        return bool(self._held)


def _person_prefix(text: list[str], times: list[float]) -> int:
    """How many leading characters of a burst a person typed before the scanner started (0 or more)."""
    joined = "".join(text)
    code_at = joined.find(_CODE_PREFIX)
    if code_at > 0:
        return code_at  # a member code starts later: what precedes it is no part of it
    gaps = [later - earlier for earlier, later in itertools.pairwise(times)]
    if len(gaps) < 3:
        return 0
    pace = statistics.median(gaps[1:])
    return 1 if gaps[0] >= max(_PERSON_MIN_GAP, _PERSON_GAP_FACTOR * pace) else 0


def _copy(event: QKeyEvent) -> QKeyEvent:
    """Our own copy: Qt deletes the original when its delivery ends."""
    copy = event.clone()
    assert isinstance(copy, QKeyEvent)
    return copy
