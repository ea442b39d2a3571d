"""The scanner is told from a person by keystroke timing: a burst at scanner speed never lands in the focused field
and reaches the lookup; a person's typing reaches the field it was typed in, intact and in order."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLineEdit, QPushButton, QVBoxLayout, QWidget
from pytestqt.qtbot import QtBot

from widgets.scan_detector import ACCEPTS_SCAN, ScanDetector

CODE = "MD1" + "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567" * 4 + "ABCDEFG"  # the shape of a member code (138 characters)


class FakeClock:
    """The detector's timing source, moved by hand: a key every few ms is a scanner, every 100 ms a person."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance_ms(self, ms: float) -> None:
        self.now += ms / 1000


class Counter(QWidget):
    """A form with the lookup input and another field (say the enrol dialog's name), as the main window has."""

    def __init__(self) -> None:
        super().__init__()
        layout = QVBoxLayout(self)
        self.lookup = QLineEdit()
        self.lookup.setObjectName("lookupInput")
        self.other = QLineEdit()
        self.other.setObjectName("nameInput")
        self.button = QPushButton("OK")
        self.returns: list[str] = []
        self.other.returnPressed.connect(lambda: self.returns.append(self.other.text()))
        for widget in (self.lookup, self.other, self.button):
            layout.addWidget(widget)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def detector(qtbot: QtBot, clock: FakeClock) -> Iterator[ScanDetector]:
    app = QApplication.instance()
    assert app is not None
    detector = ScanDetector(clock=clock)
    app.installEventFilter(detector)
    try:
        yield detector
    finally:
        app.removeEventFilter(detector)


@pytest.fixture
def counter(qtbot: QtBot) -> Counter:
    form = Counter()
    qtbot.addWidget(form)
    form.show()
    qtbot.waitExposed(form)
    form.activateWindow()
    return form


def type_at(
    qtbot: QtBot, clock: FakeClock, widget: QWidget, text: str, ms_per_key: float, *, real: bool = False
) -> None:
    for character in text:
        clock.advance_ms(ms_per_key)
        if real:
            qtbot.wait(int(ms_per_key))  # let the event loop run between keys, as it does for a person
        QTest.keyClicks(widget, character)


def press_enter(qtbot: QtBot, clock: FakeClock, widget: QWidget, ms: float) -> None:
    clock.advance_ms(ms)
    QTest.keyClick(widget, Qt.Key.Key_Return)


def test_a_scan_while_the_focus_is_in_another_field_goes_to_the_lookup_only(
    qtbot: QtBot, detector: ScanDetector, counter: Counter, clock: FakeClock
) -> None:
    counter.other.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is counter.other)
    with qtbot.waitSignal(detector.scanned, timeout=1000) as signal:
        type_at(qtbot, clock, counter.other, CODE, 3)
        press_enter(qtbot, clock, counter.other, 3)
    assert signal.args == [CODE]
    qtbot.wait(100)  # past the hold window: nothing is replayed later either
    assert counter.other.text() == ""
    assert counter.returns == []  # the scanner's Enter did not submit the other field
    assert not detector.holding


def test_a_phone_scanned_at_5_ms_a_key_is_a_scan(
    qtbot: QtBot, detector: ScanDetector, counter: Counter, clock: FakeClock
) -> None:
    counter.button.setFocus()
    with qtbot.waitSignal(detector.scanned, timeout=1000) as signal:
        type_at(qtbot, clock, counter.button, "13800138000", 5)
        press_enter(qtbot, clock, counter.button, 5)
    assert signal.args == ["13800138000"]


def test_a_person_typing_in_another_field_keeps_every_key_in_order(
    qtbot: QtBot, detector: ScanDetector, counter: Counter, clock: FakeClock
) -> None:
    counter.other.setFocus()
    seen: list[str] = []
    detector.scanned.connect(seen.append)
    type_at(qtbot, clock, counter.other, "Wang Fang 13800138000", 100, real=True)
    press_enter(qtbot, clock, counter.other, 100)
    qtbot.waitUntil(lambda: not detector.holding)
    assert counter.other.text() == "Wang Fang 13800138000"
    assert counter.returns == ["Wang Fang 13800138000"]  # Enter came after the text, as typed
    assert seen == []


def test_fast_typing_without_the_event_loop_running_is_still_replayed_in_order(
    qtbot: QtBot, detector: ScanDetector, counter: Counter, clock: FakeClock
) -> None:
    """Keys 100 ms apart by the clock are a person even when Qt delivers them back to back (a busy GUI)."""
    counter.other.setFocus()
    seen: list[str] = []
    detector.scanned.connect(seen.append)
    type_at(qtbot, clock, counter.other, "ABCD1234EFGH", 100)
    press_enter(qtbot, clock, counter.other, 100)
    assert counter.other.text() == "ABCD1234EFGH"
    assert counter.returns == ["ABCD1234EFGH"]
    qtbot.wait(60)
    assert seen == []


def test_a_short_fast_burst_with_enter_is_typing_not_a_scan(
    qtbot: QtBot, detector: ScanDetector, counter: Counter, clock: FakeClock
) -> None:
    counter.other.setFocus()
    seen: list[str] = []
    detector.scanned.connect(seen.append)
    type_at(qtbot, clock, counter.other, "1357", 3)
    press_enter(qtbot, clock, counter.other, 3)
    assert counter.other.text() == "1357"
    assert counter.returns == ["1357"]
    qtbot.wait(60)
    assert seen == []


def test_held_keys_are_replayed_when_the_person_stops_typing(
    qtbot: QtBot, detector: ScanDetector, counter: Counter, clock: FakeClock
) -> None:
    counter.other.setFocus()
    type_at(qtbot, clock, counter.other, "Li", 100)
    clock.advance_ms(100)
    qtbot.waitUntil(lambda: counter.other.text() == "Li", timeout=1000)
    assert not detector.holding


def test_keys_in_the_lookup_input_pass_untouched(
    qtbot: QtBot, detector: ScanDetector, counter: Counter, clock: FakeClock
) -> None:
    counter.lookup.setFocus()
    seen: list[str] = []
    detector.scanned.connect(seen.append)
    type_at(qtbot, clock, counter.lookup, CODE, 3)
    assert counter.lookup.text() == CODE  # no hold at all: each key is in the field at once
    assert not detector.holding
    press_enter(qtbot, clock, counter.lookup, 3)
    qtbot.wait(20)
    assert seen == []


def test_a_field_that_takes_scans_gets_the_scan_itself(
    qtbot: QtBot, detector: ScanDetector, counter: Counter, clock: FakeClock
) -> None:
    """A receipt number field whose receipts are scanned: the barcode lands in the field, not in the lookup."""
    counter.other.setProperty(ACCEPTS_SCAN, True)
    counter.other.setFocus()
    seen: list[str] = []
    detector.scanned.connect(seen.append)
    type_at(qtbot, clock, counter.other, "R20260318000123", 3)
    press_enter(qtbot, clock, counter.other, 3)
    assert counter.other.text() == "R20260318000123" and counter.returns == ["R20260318000123"]
    qtbot.wait(60)
    assert seen == []


def test_a_shortcut_key_ends_the_hold_and_keeps_the_order(
    qtbot: QtBot, detector: ScanDetector, counter: Counter, clock: FakeClock
) -> None:
    counter.other.setFocus()
    type_at(qtbot, clock, counter.other, "abc", 3)
    clock.advance_ms(3)
    QTest.keyClick(counter.other, Qt.Key.Key_Backspace)
    assert counter.other.text() == "ab"
