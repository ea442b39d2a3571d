# mypy: disallow-untyped-calls=False
# (pytest-qt's QtBot methods carry no type hints)
"""Clean failures in the window (issue 14): a full disk during an award is a worded refusal in the dialog's error
line with nothing half-written and nothing logged as a crash; 10,000 characters in the registration dialog are
refused in words; points that are not a whole number are named as such; every storage problem has words in both
languages."""

from __future__ import annotations

import logging
import re
import sqlite3
from collections.abc import Callable
from typing import Any

import pytest
from PySide6.QtWidgets import QApplication, QLabel, QPushButton
from pytestqt.qtbot import QtBot
from sqlalchemy import func, select

from localdb.errors import Problem, StoreError
from localdb.models import AuditRecord, OutboxItem, PointEntry
from localdb.till import Till
from tests.gui.conftest import GuiEnv
from tests.gui.helpers import child, click, press_enter, show_widget, type_into, wait_idle
from tests.gui.test_registration import NewTill, new_till  # noqa: F401 - the fixture
from ui.award_dialog import AwardDialog
from ui.i18n import Language, Translations
from ui.messages import describe, describe_sync_error
from ui.redeem_dialog import RedeemDialog
from ui.registration_dialog import RegistrationDialog

FULL = "The till's disk is full: nothing was saved. Free some space on this computer, then try again."


def _counts(till: Till) -> tuple[int, int, int]:
    with till.db.read() as session:
        return (
            session.scalar(select(func.count()).select_from(PointEntry)) or 0,
            session.scalar(select(func.count()).select_from(OutboxItem)) or 0,
            session.scalar(select(func.count()).select_from(AuditRecord)) or 0,
        )


def _disk_full_at(till: Till, monkeypatch: pytest.MonkeyPatch, starting: str) -> None:
    """The driver answers statements starting with `starting` as SQLite does when the disk is full."""
    dialect = till.db.engine.dialect
    original: Callable[..., None] = dialect.do_execute

    def do_execute(cursor: Any, statement: str, parameters: Any, context: Any = None) -> None:
        if statement.lstrip().upper().startswith(starting):
            raise sqlite3.OperationalError("database or disk is full")
        original(cursor, statement, parameters, context)

    monkeypatch.setattr(dialect, "do_execute", do_execute)


def test_a_full_disk_during_an_award_is_said_in_the_dialog_and_writes_nothing(
    gui_env: GuiEnv, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    gui_env.login("C001")
    member = gui_env.plain_member()
    before = _counts(gui_env.till)
    dialog = show_widget(qtbot, AwardDialog(gui_env.ctx, member))
    type_into(dialog, "awardAmount", "128.50")
    type_into(dialog, "receiptNumber", "R-FULL-1")
    _disk_full_at(gui_env.till, monkeypatch, "INSERT INTO AUDIT")  # the last of the three rows
    caplog.set_level(logging.DEBUG)
    press_enter(dialog)
    error = child(dialog, QLabel, "errorLabel")
    wait_idle(qtbot, gui_env.ctx, lambda: error.text() != "")

    assert error.text() == FULL
    assert dialog.isVisible() and dialog.result_entry is None
    assert child(dialog, QPushButton, "confirmButton").isEnabled()  # the cashier may try again
    assert "Traceback" not in caplog.text and "background work failed" not in caplog.text
    assert "INSERT" not in caplog.text
    monkeypatch.undo()
    assert _counts(gui_env.till) == before  # ledger, outbox and audit: none of the three
    assert gui_env.member(member.id).available_points == member.available_points

    press_enter(dialog)  # space again: the same award goes through
    qtbot.waitUntil(lambda: dialog.result_entry is not None)
    assert _counts(gui_env.till) == (before[0] + 1, before[1] + 1, before[2] + 1)


def test_points_that_are_not_whole_are_named_in_the_redeem_dialog(gui_env: GuiEnv, qtbot: QtBot) -> None:
    gui_env.login("M001")
    member = gui_env.plain_member()
    dialog = show_widget(qtbot, RedeemDialog(gui_env.ctx, member))
    type_into(dialog, "billAmount", "500")
    type_into(dialog, "redeemPoints", "100.5")
    press_enter(dialog)
    error = child(dialog, QLabel, "errorLabel")
    wait_idle(qtbot, gui_env.ctx, lambda: error.text() != "")
    assert error.text() == "Points are whole numbers: enter them without a decimal point."
    assert dialog.result_entry is None


@pytest.mark.parametrize(
    ("field", "words"),
    [
        ("serverUrl", "Not a server address: enter it like https://members.example.com."),
        ("storeCode", "A store code is 1 to 32 letters, digits, - or _ (e.g. S001)."),
        ("enrolmentCode", "Enter the enrolment code from the head office (4 to 32 letters or digits)."),
    ],
)
def test_10000_characters_in_the_registration_dialog_are_refused_in_words(
    new_till: NewTill,  # noqa: F811 - the fixture
    qtbot: QtBot,
    caplog: pytest.LogCaptureFixture,
    field: str,
    words: str,
) -> None:
    dialog = show_widget(qtbot, RegistrationDialog(new_till.ctx))
    values = {"serverUrl": "https://members.example.com", "storeCode": "S001", "enrolmentCode": "ABCD2345"}
    values[field] = {
        "serverUrl": "https://" + "a" * 10_000 + ".example.com",
        "storeCode": "S" * 10_000,  # pasted past the field's check, or set by a script
        "enrolmentCode": "A" * 10_000,
    }[field]
    for name, value in values.items():
        getattr(
            dialog, {"serverUrl": "server_url", "storeCode": "store_code", "enrolmentCode": "enrolment_code"}[name]
        ).setText(value)
    caplog.set_level(logging.DEBUG)
    click(child(dialog, QPushButton, "registerButton"))
    wait_idle(qtbot, new_till.ctx, lambda: dialog.error_label.text() != "", timeout=10_000)
    assert dialog.error_label.text() == words
    assert new_till.ctx.till.sync.registration() is None
    assert "Traceback" not in caplog.text and "background work failed" not in caplog.text
    assert child(dialog, QPushButton, "registerButton").isEnabled()


@pytest.mark.parametrize("problem", list(Problem))
def test_every_store_problem_has_words(problem: Problem) -> None:
    assert describe(StoreError(problem)) != describe(RuntimeError("a bug"))


def test_storage_problems_are_worded_for_the_sync_page_in_both_languages(qapp: QApplication) -> None:
    assert describe_sync_error("storage_full") == (
        "The till's disk is full: the sync stopped, keeping what it had received. Free some space on this computer, "
        "then sync again."
    )
    assert describe_sync_error("storage_failed").startswith("The till's database could not be read or written")
    translations = Translations(qapp)
    try:
        assert translations.switch(Language.ZH_CN)
        for code in ("storage_full", "storage_failed"):
            for words in (describe_sync_error(code), describe(StoreError(Problem(code)))):
                assert not re.search("[A-Za-z]{3,}", words), words
    finally:
        translations.uninstall()
