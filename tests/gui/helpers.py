"""What the GUI tests do to widgets, written once: find a child by its objectName (with a type check), put a widget on
screen and wait until it is there, type, press keys and click as staff do, wait for the background work a screen
asked for, and let time pass where only time can show that something does not happen. Also the hand-moved clock
and the typing at a chosen speed that the scan detector's tests and the lookup's scan tests share.

Plain functions, so a test reads as the steps at the counter; fixtures (the synced till, the scan clock) live in
conftest.py. Thread: the GUI thread, like the tests that call them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Protocol, TypeVar

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QInputMethodEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QFileDialog, QLabel, QLineEdit, QPushButton, QTableWidget, QWidget
from pytestqt.qtbot import QtBot

from localdb.ledger import EntryView
from ui.award_dialog import AwardDialog
from ui.context import AppContext
from ui.redeem_dialog import RedeemDialog

W = TypeVar("W", bound=QWidget)


# -- finding and showing ---------------------------------------------------------------------------------------------


def child(parent: QWidget, kind: type[W], name: str) -> W:
    """The `kind` widget named `name` inside `parent`; the test fails, naming it, when there is none."""
    found = parent.findChild(kind, name)
    assert found is not None, name
    return found


def button_visible(parent: QWidget, name: str) -> bool:
    """Whether the button `name` shows whenever `parent` does (a role's actions; the page itself may be hidden)."""
    return child(parent, QPushButton, name).isVisibleTo(parent)


def row_texts(table: QTableWidget, row: int) -> list[str]:
    """The texts of one table row, column by column ("" for a cell without an item)."""
    return [
        item.text() if (item := table.item(row, column)) is not None else "" for column in range(table.columnCount())
    ]


def show_widget(qtbot: QtBot, widget: W, *, size: tuple[int, int] | None = None, active: bool = False) -> W:
    """`widget` closed with the test, shown, and on screen; `active`: also the active window (the focus, shortcuts
    and the keypad's target need that)."""
    qtbot.addWidget(widget)
    if size is not None:
        widget.resize(*size)
    with qtbot.waitExposed(widget):  # waits on leaving the block: a bare qtbot.waitExposed(w) waits for nothing
        widget.show()
    if active:
        widget.activateWindow()
        qtbot.waitUntil(widget.isActiveWindow)
    return widget


# -- typing, keys and clicks ----------------------------------------------------------------------------------------


def type_into(parent: QWidget, name: str, text: str) -> None:
    """Focus the line edit `name`, select what it holds and type `text` over it, key by key."""
    field = child(parent, QLineEdit, name)
    field.setFocus()
    field.selectAll()
    QTest.keyClicks(field, text)


def commit_text(widget: QWidget, text: str) -> None:
    """`text` as a Chinese input method delivers it: one committed string (QTest types ASCII keys only)."""
    event = QInputMethodEvent()
    event.setCommitString(text)
    QApplication.sendEvent(widget, event)


def press_key(parent: QWidget, key: Qt.Key) -> None:
    """`key`, wherever the focus inside `parent` is (as on the keyboard)."""
    QTest.keyClick(parent.focusWidget() or parent, key)


def press_enter(parent: QWidget) -> None:
    press_key(parent, Qt.Key.Key_Return)


def click(widget: QWidget) -> None:
    QTest.mouseClick(widget, Qt.MouseButton.LeftButton)


# -- waiting ---------------------------------------------------------------------------------------------------------


def wait_idle(qtbot: QtBot, ctx: AppContext, also: Callable[[], bool] | None = None, *, timeout: int = 5000) -> None:
    """Until every piece of work asked of `ctx.ops` has reported back on the GUI thread (and `also()` holds)."""
    qtbot.waitUntil(lambda: not ctx.ops.busy() and (also is None or also()), timeout=timeout)


def let_time_pass(qtbot: QtBot, ms: int) -> None:
    """Run the event loop for `ms` when there is no condition to wait for: the caller shows that something does NOT
    happen (no write, no replay, no sync), or keeps a pace (a person's keystroke gap). Say which at the call.
    Anything that does happen is waited for with `qtbot.waitUntil` / `waitSignal` instead."""
    qtbot.wait(ms)


def settle(qtbot: QtBot, ctx: AppContext, ms: int) -> None:
    """Let `ms` pass for anything deferred to start, then wait until all background work has reported back: what the
    test asserts next (nothing written, nothing shown) has then not happened at all, not merely not yet."""
    let_time_pass(qtbot, ms)
    wait_idle(qtbot, ctx)


# -- what a dialog wrote, or refused ----------------------------------------------------------------------------------


class WritesAnEntry(Protocol):
    @property
    def result_entry(self) -> EntryView | None: ...


def written(dialog: WritesAnEntry) -> EntryView | None:
    """The entry the dialog wrote, read afresh: it writes it after the test last looked (mypy would keep the
    narrowing of an earlier `assert dialog.result_entry is None`)."""
    return dialog.result_entry


def assert_role_refused(qtbot: QtBot, ctx: AppContext, dialog: AwardDialog | RedeemDialog) -> None:
    """A points dialog opened by a role that may not use it: it says so, its confirm is off, and Enter starts
    nothing."""
    assert child(dialog, QLabel, "errorLabel").text() == "Your role does not allow this."
    assert not child(dialog, QPushButton, "confirmButton").isEnabled()
    QTest.keyClick(dialog, Qt.Key.Key_Return)
    let_time_pass(qtbot, 50)  # Enter on a disabled confirm: no write may start, so there is nothing to wait for
    assert not ctx.ops.busy() and dialog.result_entry is None


# -- scanner timing --------------------------------------------------------------------------------------------------


class ScanClock:
    """The scan detector's timing source, moved by hand: a key every few ms is a scanner, every 100 ms a person."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance_ms(self, ms: float) -> None:
        self.now += ms / 1000


def type_at(
    qtbot: QtBot, clock: ScanClock, widget: QWidget, text: str, ms_per_key: float, *, real: bool = False
) -> None:
    """`text` into `widget`, a key every `ms_per_key` by `clock`; `real`: the event loop also runs that long between
    keys, as it does for a person (otherwise Qt gets the keys back to back, as from a busy GUI)."""
    for character in text:
        clock.advance_ms(ms_per_key)
        if real:
            let_time_pass(qtbot, int(ms_per_key))  # the person's pace is what is tested: no condition to wait for
        QTest.keyClicks(widget, character)


def enter_at(clock: ScanClock, widget: QWidget, ms: float) -> None:
    """Enter into `widget`, `ms` after the last key by `clock` (how a scanner ends its burst)."""
    clock.advance_ms(ms)
    QTest.keyClick(widget, Qt.Key.Key_Return)


@contextmanager
def filtering_app_events(event_filter: QObject) -> Iterator[None]:
    """`event_filter` sees every event of the application for the block's duration (as the main window installs the
    scan detector)."""
    app = QApplication.instance()
    assert app is not None
    app.installEventFilter(event_filter)
    try:
        yield
    finally:
        app.removeEventFilter(event_filter)


def choose_in_save_dialog(qtbot: QtBot, dialog: QFileDialog, path: Path | str) -> None:
    """What a person does in the save dialog the till opened: type the name and press Save."""
    qtbot.waitUntil(dialog.isVisible)
    dialog.selectFile(str(path))
    dialog.accept()
