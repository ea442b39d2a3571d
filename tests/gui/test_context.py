"""The shared GUI plumbing: background work comes back on the GUI thread, refusals become sentences, the till the
GUI tests use is a real synced one."""

from __future__ import annotations

import threading

import pytest
import shiboken6
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from localdb.errors import Problem, StoreError
from loyalty.phone import InvalidPhone, PhoneProblem
from tests.gui.conftest import GuiEnv
from tests.gui.helpers import wait_idle
from ui.messages import describe


def test_database_work_runs_off_the_gui_thread_and_answers_on_it(gui_env: GuiEnv, qtbot: QtBot) -> None:
    gui_thread = threading.current_thread()
    seen: dict[str, object] = {}

    def work() -> int:
        seen["worker"] = threading.current_thread()
        return gui_env.till.status().members

    gui_env.ctx.ops.db(work, lambda members: seen.update(members=members, answered=threading.current_thread()),
                       lambda error: seen.update(error=error))  # fmt: skip
    qtbot.waitUntil(lambda: "members" in seen or "error" in seen)
    assert seen["worker"] is not gui_thread and seen["answered"] is gui_thread
    assert seen["members"] == gui_env.till.status().members > 0


def test_a_refusal_reaches_on_error_as_the_exception(gui_env: GuiEnv, qtbot: QtBot) -> None:
    errors: list[Exception] = []

    def work() -> None:
        raise StoreError(Problem.DUPLICATE_RECEIPT)

    gui_env.ctx.ops.db(work, lambda _none: None, errors.append)
    qtbot.waitUntil(lambda: bool(errors))
    assert describe(errors[0]) == "This receipt has already earned points."


def test_unexpected_errors_say_nothing_was_saved_without_details() -> None:
    assert "nothing was saved" in describe(RuntimeError("secret 13800138000"))
    assert "13800138000" not in describe(RuntimeError("secret 13800138000"))
    assert describe(InvalidPhone(PhoneProblem.WRONG_LENGTH)) == "Not a valid mobile number: it needs 11 digits."


def _unexpected(error: Exception) -> None:
    pytest.fail(f"the write was refused: {error!r}")


def test_a_write_announces_the_members_it_changed_after_its_callback(gui_env: GuiEnv, qtbot: QtBot) -> None:
    """The runner, not the screen, tells the hub what a write changed: once, after the screen's own callback, and
    even when the screen that asked was closed meanwhile. A read announces nothing."""
    cashier = gui_env.login("C001")
    member_id, _phone = gui_env.member_phone(0)
    heard: list[tuple[str, str]] = []
    gui_env.ctx.hub.member_changed.connect(lambda changed: heard.append(("hub", changed)))
    ledger = gui_env.till.ledger

    gui_env.ctx.ops.db(lambda: ledger.award(cashier, member_id, 10_000),
                       lambda result: heard.append(("done", result.entry.member_id)), _unexpected)  # fmt: skip
    wait_idle(qtbot, gui_env.ctx)
    assert heard == [("done", member_id), ("hub", member_id)]

    closed = QWidget()
    gui_env.ctx.ops.db(lambda: ledger.award(cashier, member_id, 20_000), lambda _result: heard.append(("done", "")),
                       _unexpected, owner=closed)  # fmt: skip
    shiboken6.delete(closed)
    wait_idle(qtbot, gui_env.ctx)
    assert heard[2:] == [("hub", member_id)]

    gui_env.ctx.ops.db(lambda: gui_env.till.status().members, lambda _count: None, _unexpected)
    wait_idle(qtbot, gui_env.ctx)
    assert len(heard) == 3
