# mypy: disallow-untyped-calls=False
# (pytest-qt's QtBot methods carry no type hints)
"""Logging in at the till: a cashier types the staff code and taps the PIN on the keypad; wrong PINs are refused in
words and clear the PIN; five in a row lock the code; Enter pressed twice checks once; the keypad alone."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QLineEdit, QPushButton
from pytestqt.qtbot import QtBot

from localdb.models import Staff
from localdb.staff import LOCKOUT, MAX_FAILED_LOGINS, StaffSession
from loyalty.roles import Role
from tests.gui.conftest import PINS, GuiEnv
from tests.gui.helpers import child, click, show_widget, wait_idle
from ui.approval_dialog import ApprovalDialog
from ui.login_dialog import LoginDialog
from widgets.keypad import Keypad


def _dialog(gui_env: GuiEnv, qtbot: QtBot) -> LoginDialog:
    # Active: the focus, and so the keypad's target, needs it.
    return show_widget(qtbot, LoginDialog(gui_env.ctx), active=True)


def _tap(qtbot: QtBot, dialog: LoginDialog, keys: str) -> None:
    for key in keys:
        click(child(dialog, QPushButton, f"key{key}"))


def _failed_attempts(gui_env: GuiEnv, code: str) -> int:
    with gui_env.till.db.read() as session:
        staff = session.get(Staff, code)
        assert staff is not None
        return staff.failed_attempts


def _logged_in(gui_env: GuiEnv) -> StaffSession | None:
    return gui_env.ctx.staff


def _locked_until(gui_env: GuiEnv, code: str) -> datetime | None:
    with gui_env.till.db.read() as session:
        staff = session.get(Staff, code)
        assert staff is not None
        return staff.locked_until


def test_a_cashier_logs_in_with_the_keypad(gui_env: GuiEnv, qtbot: QtBot) -> None:
    dialog = _dialog(gui_env, qtbot)
    code = child(dialog, QLineEdit, "staffCode")
    pin = child(dialog, QLineEdit, "pinInput")
    assert pin.echoMode() is QLineEdit.EchoMode.Password
    assert "S001" in dialog.windowTitle() and "旗舰店" in dialog.windowTitle()

    qtbot.keyClicks(code, "c001")  # typed in lowercase: staff codes are uppercase
    assert code.text() == "C001"
    qtbot.keyClick(code, Qt.Key.Key_Return)  # Enter after the code goes on to the PIN, it does not log in
    assert _logged_in(gui_env) is None and not gui_env.ctx.ops.busy()
    assert dialog.error_label.text() == "" and pin.hasFocus()

    with qtbot.waitSignal(gui_env.ctx.hub.staff_changed, timeout=5000) as changed:
        _tap(qtbot, dialog, PINS["C001"])
        assert pin.text() == PINS["C001"] and code.text() == "C001"  # the digits went to the PIN, not the code
        click(child(dialog, QPushButton, "loginButton"))
    assert changed.args[0].code == "C001"
    staff = _logged_in(gui_env)
    assert staff is not None and staff.code == "C001" and staff.role is Role.CASHIER
    assert dialog.result() == QDialog.DialogCode.Accepted


def test_the_keypad_types_into_the_field_that_had_the_focus_last(gui_env: GuiEnv, qtbot: QtBot) -> None:
    dialog = _dialog(gui_env, qtbot)
    code, pin = child(dialog, QLineEdit, "staffCode"), child(dialog, QLineEdit, "pinInput")
    click(code)
    qtbot.keyClicks(code, "M")
    _tap(qtbot, dialog, "001")  # the keypad's buttons do not steal the focus from the code field
    assert code.text() == "M001" and code.hasFocus()
    click(pin)
    _tap(qtbot, dialog, "24699")
    click(child(dialog, QPushButton, "keyBackspace"))
    assert pin.text() == "2469"
    click(child(dialog, QPushButton, "keyClear"))
    assert pin.text() == "" and code.text() == "M001"
    qtbot.keyClicks(pin, "24a68")  # the keyboard works in the same field; letters are not PIN digits
    assert pin.text() == "2468"
    with qtbot.waitSignal(gui_env.ctx.hub.staff_changed, timeout=5000):
        qtbot.keyClick(pin, Qt.Key.Key_Return)
    assert gui_env.ctx.staff is not None and gui_env.ctx.staff.role is Role.MANAGER


def test_a_wrong_pin_is_refused_in_words_and_cleared(gui_env: GuiEnv, qtbot: QtBot) -> None:
    dialog = _dialog(gui_env, qtbot)
    qtbot.keyClicks(child(dialog, QLineEdit, "staffCode"), "G001")
    pin = child(dialog, QLineEdit, "pinInput")
    qtbot.keyClicks(pin, "0000")
    click(child(dialog, QPushButton, "loginButton"))
    qtbot.waitUntil(lambda: dialog.error_label.text() != "", timeout=5000)
    # The tries left before the lockout are said (a staff code is on the badge; the PIN is the secret).
    assert dialog.error_label.text() == "Wrong PIN. Tries left before this staff code is locked for 15 minutes: 4."
    assert pin.text() == "" and gui_env.ctx.staff is None
    assert dialog.isVisible() and dialog.result() != QDialog.DialogCode.Accepted
    assert child(dialog, QPushButton, "loginButton").isEnabled()
    assert _failed_attempts(gui_env, "G001") == 1

    # An unknown code: no count to give, the general answer.
    code = child(dialog, QLineEdit, "staffCode")
    code.clear()
    qtbot.keyClicks(code, "X999")
    qtbot.keyClicks(pin, "1234")
    dialog.error_label.clear()
    qtbot.keyClick(pin, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.error_label.text() != "", timeout=5000)
    assert dialog.error_label.text() == "Wrong staff code or PIN."


def test_a_short_pin_is_refused_before_any_check(gui_env: GuiEnv, qtbot: QtBot) -> None:
    dialog = _dialog(gui_env, qtbot)
    qtbot.keyClicks(child(dialog, QLineEdit, "staffCode"), "C001")
    qtbot.keyClicks(child(dialog, QLineEdit, "pinInput"), "13")
    qtbot.keyClick(child(dialog, QLineEdit, "pinInput"), Qt.Key.Key_Return)
    assert dialog.error_label.text() == "A PIN is 4 to 8 digits."
    assert not gui_env.ctx.ops.busy()
    assert _failed_attempts(gui_env, "C001") == 0  # not counted against the cashier


@pytest.fixture
def machine_in_new_york(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The till's machine runs on another zone than the store's (Asia/Shanghai)."""
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.mark.usefixtures("machine_in_new_york")
def test_five_wrong_pins_lock_the_code_with_the_time(gui_env: GuiEnv, qtbot: QtBot) -> None:
    # The time said is the store's, as on its clocks, not the machine's.
    store = gui_env.till.settings.current().zone
    assert store.utcoffset(datetime.now(UTC)) != datetime.now().astimezone().utcoffset()
    dialog = _dialog(gui_env, qtbot)
    qtbot.keyClicks(child(dialog, QLineEdit, "staffCode"), "C001")
    pin = child(dialog, QLineEdit, "pinInput")
    for _attempt in range(MAX_FAILED_LOGINS):
        qtbot.keyClicks(pin, "9999")
        qtbot.keyClick(pin, Qt.Key.Key_Return)
        wait_idle(qtbot, gui_env.ctx)
    until = _locked_until(gui_env, "C001")
    assert until is not None and until - gui_env.till.clock() > LOCKOUT * 0.9
    message = dialog.error_label.text()
    assert (
        message == f"Too many wrong PINs: this staff code is locked until {until.astimezone(store).strftime('%H:%M')}."
    )
    assert pin.text() == ""

    # Now even the right PIN is refused until then, with the same message.
    qtbot.keyClicks(pin, PINS["C001"])
    dialog.error_label.clear()
    qtbot.keyClick(pin, Qt.Key.Key_Return)
    wait_idle(qtbot, gui_env.ctx)
    assert dialog.error_label.text() == message
    assert gui_env.ctx.staff is None


def test_enter_pressed_twice_checks_the_pin_once(gui_env: GuiEnv, qtbot: QtBot) -> None:
    dialog = _dialog(gui_env, qtbot)
    qtbot.keyClicks(child(dialog, QLineEdit, "staffCode"), "C001")
    pin = child(dialog, QLineEdit, "pinInput")
    qtbot.keyClicks(pin, "9999")
    qtbot.keyClick(pin, Qt.Key.Key_Return)
    assert not child(dialog, QPushButton, "loginButton").isEnabled()  # disabled while the check runs
    qtbot.keyClick(pin, Qt.Key.Key_Return)
    click(child(dialog, QPushButton, "loginButton"))
    wait_idle(qtbot, gui_env.ctx)
    assert _failed_attempts(gui_env, "C001") == 1


def test_the_keypad_alone_emits_what_was_tapped(qtbot: QtBot) -> None:
    keypad = show_widget(qtbot, Keypad())
    digits: list[str] = []
    keypad.digit.connect(digits.append)
    for key in "0123456789":
        button = child(keypad, QPushButton, f"key{key}")
        assert button.focusPolicy() is Qt.FocusPolicy.NoFocus
        assert button.height() >= 48 and button.width() >= 64  # a finger's target
        click(button)
    assert "".join(digits) == "0123456789"
    others = (("keyBackspace", keypad.backspace), ("keyClear", keypad.cleared), ("keyEnter", keypad.entered))
    for name, signal in others:
        with qtbot.waitSignal(signal, timeout=1000):
            click(child(keypad, QPushButton, name))


def test_one_primary_button_and_the_keypad_types_a_whole_staff_code(gui_env: GuiEnv, qtbot: QtBot) -> None:
    dialog = _dialog(gui_env, qtbot)
    primaries = [
        button
        for button in dialog.findChildren(QPushButton)
        if button.isVisible() and (button.property("role") == "primary" or button.objectName() == "loginButton")
    ]
    assert [button.objectName() for button in primaries] == ["loginButton"]  # the keypad's OK is not a second one
    code, pin = child(dialog, QLineEdit, "staffCode"), child(dialog, QLineEdit, "pinInput")
    letters = [key.text() for key in dialog.keypad.letter_keys()]
    assert {"C", "G", "M"} <= set(letters)  # every letter the till's staff codes use
    click(code)
    click(child(dialog, QPushButton, "keyLetterM"))
    _tap(qtbot, dialog, "001")
    assert code.text() == "M001"
    click(child(dialog, QPushButton, "loginButton"))  # from the code on to the PIN
    assert pin.hasFocus() and dialog.error_label.text() == ""
    assert not child(dialog, QPushButton, "keyLetterM").isEnabled()  # a PIN is digits only
    with qtbot.waitSignal(gui_env.ctx.hub.staff_changed, timeout=5000):
        _tap(qtbot, dialog, PINS["M001"])
        click(child(dialog, QPushButton, "loginButton"))
    assert gui_env.ctx.staff is not None and gui_env.ctx.staff.code == "M001"


def test_the_approval_dialog_has_one_primary_button_too(gui_env: GuiEnv, qtbot: QtBot) -> None:
    gui_env.login("C001")
    dialog = show_widget(qtbot, ApprovalDialog(gui_env.ctx, "Over the offline cap."), active=True)
    primaries = [
        button
        for button in dialog.findChildren(QPushButton)
        if button.isVisible() and (button.property("role") == "primary" or button.objectName() == "confirmButton")
    ]
    assert [button.objectName() for button in primaries] == ["confirmButton"]
    assert {"C", "M"} <= {key.text() for key in dialog.keypad.letter_keys()}
