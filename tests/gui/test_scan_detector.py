"""The scanner is told from a person by keystroke timing: a burst at scanner speed never lands in the focused field
and reaches the lookup; a person's typing reaches the field it was typed in, intact and in order."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLineEdit, QPushButton, QVBoxLayout, QWidget
from pytestqt.qtbot import QtBot

from tests.gui.helpers import ScanClock, enter_at, filtering_app_events, let_time_pass, show_widget, type_at
from widgets.scan_detector import ACCEPTS_SCAN, ScanDetector

CODE = "MD1" + "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567" * 4 + "ABCDEFG"  # the shape of a member code (138 characters)


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
def detector(qtbot: QtBot, scan_clock: ScanClock) -> Iterator[ScanDetector]:  # qtbot: the QApplication first
    detector = ScanDetector(clock=scan_clock)
    with filtering_app_events(detector):
        yield detector


@pytest.fixture
def scans(detector: ScanDetector) -> list[str]:
    """What the detector reported as scans, in order."""
    seen: list[str] = []
    detector.scanned.connect(seen.append)
    return seen


@pytest.fixture
def counter(qtbot: QtBot) -> Counter:
    return show_widget(qtbot, Counter(), active=True)


def test_a_scan_while_the_focus_is_in_another_field_goes_to_the_lookup_only(
    qtbot: QtBot, detector: ScanDetector, counter: Counter, scan_clock: ScanClock
) -> None:
    counter.other.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is counter.other)
    with qtbot.waitSignal(detector.scanned, timeout=1000) as signal:
        type_at(qtbot, scan_clock, counter.other, CODE, 3)
        enter_at(scan_clock, counter.other, 3)
    assert signal.args == [CODE]
    let_time_pass(qtbot, 100)  # past the hold window: nothing is replayed later either
    assert counter.other.text() == ""
    assert counter.returns == []  # the scanner's Enter did not submit the other field
    assert not detector.holding


def test_a_phone_scanned_at_5_ms_a_key_is_a_scan(
    qtbot: QtBot, detector: ScanDetector, counter: Counter, scan_clock: ScanClock
) -> None:
    counter.button.setFocus()
    with qtbot.waitSignal(detector.scanned, timeout=1000) as signal:
        type_at(qtbot, scan_clock, counter.button, "13800138000", 5)
        enter_at(scan_clock, counter.button, 5)
    assert signal.args == ["13800138000"]


def test_a_person_typing_in_another_field_keeps_every_key_in_order(
    qtbot: QtBot, detector: ScanDetector, scans: list[str], counter: Counter, scan_clock: ScanClock
) -> None:
    counter.other.setFocus()
    type_at(qtbot, scan_clock, counter.other, "Wang Fang 13800138000", 100, real=True)
    enter_at(scan_clock, counter.other, 100)
    qtbot.waitUntil(lambda: not detector.holding)
    assert counter.other.text() == "Wang Fang 13800138000"
    assert counter.returns == ["Wang Fang 13800138000"]  # Enter came after the text, as typed
    assert scans == []


def test_fast_typing_without_the_event_loop_running_is_still_replayed_in_order(
    qtbot: QtBot, scans: list[str], counter: Counter, scan_clock: ScanClock
) -> None:
    """Keys 100 ms apart by the clock are a person even when Qt delivers them back to back (a busy GUI)."""
    counter.other.setFocus()
    type_at(qtbot, scan_clock, counter.other, "ABCD1234EFGH", 100)
    enter_at(scan_clock, counter.other, 100)
    assert counter.other.text() == "ABCD1234EFGH"
    assert counter.returns == ["ABCD1234EFGH"]
    let_time_pass(qtbot, 60)  # past the hold window: no scan is reported late (scanned() is queued)
    assert scans == []


def test_a_short_fast_burst_with_enter_is_typing_not_a_scan(
    qtbot: QtBot, scans: list[str], counter: Counter, scan_clock: ScanClock
) -> None:
    counter.other.setFocus()
    type_at(qtbot, scan_clock, counter.other, "1357", 3)
    enter_at(scan_clock, counter.other, 3)
    assert counter.other.text() == "1357"
    assert counter.returns == ["1357"]
    let_time_pass(qtbot, 60)  # past the hold window: no scan is reported late (scanned() is queued)
    assert scans == []


def test_held_keys_are_replayed_when_the_person_stops_typing(
    qtbot: QtBot, detector: ScanDetector, counter: Counter, scan_clock: ScanClock
) -> None:
    counter.other.setFocus()
    type_at(qtbot, scan_clock, counter.other, "Li", 100)
    scan_clock.advance_ms(100)
    qtbot.waitUntil(lambda: counter.other.text() == "Li", timeout=1000)
    assert not detector.holding


def test_keys_in_the_lookup_input_pass_untouched(
    qtbot: QtBot, detector: ScanDetector, scans: list[str], counter: Counter, scan_clock: ScanClock
) -> None:
    counter.lookup.setFocus()
    type_at(qtbot, scan_clock, counter.lookup, CODE, 3)
    assert counter.lookup.text() == CODE  # no hold at all: each key is in the field at once
    assert not detector.holding
    enter_at(scan_clock, counter.lookup, 3)
    let_time_pass(qtbot, 20)  # a scan would be reported through the event loop (queued): none is
    assert scans == []


def test_a_field_that_takes_scans_gets_the_scan_itself(
    qtbot: QtBot, scans: list[str], counter: Counter, scan_clock: ScanClock
) -> None:
    """A receipt number field whose receipts are scanned: the barcode lands in the field, not in the lookup."""
    counter.other.setProperty(ACCEPTS_SCAN, True)
    counter.other.setFocus()
    type_at(qtbot, scan_clock, counter.other, "R20260318000123", 3)
    enter_at(scan_clock, counter.other, 3)
    assert counter.other.text() == "R20260318000123" and counter.returns == ["R20260318000123"]
    let_time_pass(qtbot, 60)  # past the hold window: no scan is reported late (scanned() is queued)
    assert scans == []


def test_a_shortcut_key_ends_the_hold_and_keeps_the_order(
    qtbot: QtBot, detector: ScanDetector, counter: Counter, scan_clock: ScanClock
) -> None:
    counter.other.setFocus()
    type_at(qtbot, scan_clock, counter.other, "abc", 3)
    scan_clock.advance_ms(3)
    QTest.keyClick(counter.other, Qt.Key.Key_Backspace)
    assert counter.other.text() == "ab"


# -- issue 15, items 3 and 4: a scan replaces half-typed text; a key typed just before a scan is not eaten ----------


def test_a_scan_into_half_typed_lookup_text_replaces_it(
    qtbot: QtBot, detector: ScanDetector, counter: Counter, scan_clock: ScanClock
) -> None:
    """ "138" typed by hand, then a card scanned: the lookup gets the card's code, never "138MD1..."."""
    submitted: list[str] = []
    counter.lookup.returnPressed.connect(lambda: submitted.append(counter.lookup.text()))
    counter.lookup.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is counter.lookup)
    type_at(qtbot, scan_clock, counter.lookup, "138", 150, real=True)
    scan_clock.advance_ms(500)
    type_at(qtbot, scan_clock, counter.lookup, CODE, 3)
    enter_at(scan_clock, counter.lookup, 3)
    assert submitted == [CODE]
    assert counter.lookup.text() == CODE


def test_a_scan_into_a_field_that_takes_scans_replaces_its_text(
    qtbot: QtBot, detector: ScanDetector, counter: Counter, scan_clock: ScanClock
) -> None:
    counter.other.setProperty(ACCEPTS_SCAN, True)
    counter.other.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is counter.other)
    type_at(qtbot, scan_clock, counter.other, "R20", 150, real=True)
    scan_clock.advance_ms(500)
    type_at(qtbot, scan_clock, counter.other, "R2026120200017", 3)
    enter_at(scan_clock, counter.other, 3)
    assert counter.returns == ["R2026120200017"]


def test_a_member_code_scanned_into_a_receipt_field_is_taken_out_and_reported(
    qtbot: QtBot, detector: ScanDetector, scans: list[str], counter: Counter, scan_clock: ScanClock
) -> None:
    """The window refuses it aloud; the field keeps what a person typed, and the scanner's Enter confirms nothing."""
    counter.other.setProperty(ACCEPTS_SCAN, True)
    counter.other.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is counter.other)
    type_at(qtbot, scan_clock, counter.other, "R20", 150, real=True)
    scan_clock.advance_ms(500)
    type_at(qtbot, scan_clock, counter.other, CODE, 3)
    enter_at(scan_clock, counter.other, 3)
    qtbot.waitUntil(lambda: scans == [CODE], timeout=1000)
    assert counter.other.text() == "R20"
    assert counter.returns == []


def test_a_digit_typed_just_before_a_receipt_scan_reaches_its_field(
    qtbot: QtBot, detector: ScanDetector, scans: list[str], counter: Counter, scan_clock: ScanClock
) -> None:
    counter.other.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is counter.other)
    type_at(qtbot, scan_clock, counter.other, "5", 100)
    scan_clock.advance_ms(25)  # the scanner starts within the hold window, but at a person's distance
    type_at(qtbot, scan_clock, counter.other, "R2026120200017", 3)
    enter_at(scan_clock, counter.other, 3)
    qtbot.waitUntil(lambda: scans == ["R2026120200017"], timeout=1000)
    assert counter.other.text() == "5"
    assert counter.returns == []


def test_a_digit_typed_just_before_a_member_code_scan_reaches_its_field(
    qtbot: QtBot, detector: ScanDetector, scans: list[str], counter: Counter, scan_clock: ScanClock
) -> None:
    """Even when the person's key is as close as the scanner's own: the code's MD1 prefix says where it starts."""
    counter.other.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is counter.other)
    type_at(qtbot, scan_clock, counter.other, "7", 100)
    type_at(qtbot, scan_clock, counter.other, CODE, 3)
    enter_at(scan_clock, counter.other, 3)
    qtbot.waitUntil(lambda: scans == [CODE], timeout=1000)
    assert counter.other.text() == "7"
