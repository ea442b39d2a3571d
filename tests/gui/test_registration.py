# mypy: disallow-untyped-calls=False
# (pytest-qt's QtBot methods carry no type hints)
"""Registering a new till through the dialog, as a manager does on the first start: the server's address, the
store code and the enrolment code, then the first sync with its progress bar, against the real loopback server."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QDialog, QLineEdit, QProgressBar, QPushButton
from pytestqt.qtbot import QtBot
from sqlalchemy import func, select

from localdb.till import Till
from server.models import Device
from server.models import Member as ServerMember
from sync.client import ServerClient
from sync.registration import register_till
from tests.gui.conftest import GuiEnv
from tests.gui.helpers import child, click, show_widget, type_into
from ui.app import build_context
from ui.context import AppContext
from ui.registration_dialog import RegistrationDialog


@dataclass
class NewTill:
    till: Till
    ctx: AppContext
    network_down: bool = False  # the till's sync requests go nowhere while set


@pytest.fixture
def new_till(gui_env: GuiEnv, tmp_path: Path) -> Iterator[NewTill]:
    """A till opened for the first time: no server, no staff, no members. Its sync client can be cut off."""
    till = Till.open(tmp_path / "new-till.sqlite3")
    with socket.create_server(("127.0.0.1", 0)) as closed:
        nowhere = f"http://127.0.0.1:{closed.getsockname()[1]}"  # closed below: connections are refused
    holder: list[NewTill] = []

    def client_factory(url: str, token: str | None) -> ServerClient:
        return ServerClient(nowhere if token is not None and holder[0].network_down else url, token)

    fresh = NewTill(till=till, ctx=build_context(till, client_factory))
    holder.append(fresh)
    try:
        yield fresh
    finally:
        fresh.ctx.sync.shutdown()
        fresh.ctx.ops.shutdown()
        till.close()


def _fill(dialog: RegistrationDialog, url: str, store: str, code: str) -> None:
    type_into(dialog, "serverUrl", url)
    type_into(dialog, "storeCode", store)
    type_into(dialog, "enrolmentCode", code)


def _server_members(gui_env: GuiEnv) -> int:
    assert gui_env.server.db is not None
    with gui_env.server.db.read() as session:
        live = select(func.count()).select_from(ServerMember).where(ServerMember.phone.is_not(None))
        return session.scalar(live) or 0


def _server_devices(gui_env: GuiEnv) -> int:
    assert gui_env.server.db is not None
    with gui_env.server.db.read() as session:
        return session.scalar(select(func.count()).select_from(Device)) or 0


def test_a_new_till_registers_and_its_first_sync_brings_every_member(
    gui_env: GuiEnv, new_till: NewTill, qtbot: QtBot
) -> None:
    ctx = new_till.ctx
    assert ctx.till.sync.registration() is None and ctx.till.staff.count() == 0
    dialog = show_widget(qtbot, RegistrationDialog(ctx))
    progress = dialog.findChild(QProgressBar, "syncProgress")
    assert progress is not None
    seen: list[tuple[str, int, int]] = []
    ctx.hub.sync_progress.connect(lambda phase, done, total: seen.append((phase, done, total)))

    # The event loop must keep turning while the first sync runs: a timer ticks between its start and its end.
    ticks = {"during": 0, "syncing": False}
    ticker = QTimer()
    ticker.timeout.connect(lambda: ticks.update(during=int(ticks["during"]) + ticks["syncing"]))
    ticker.start(5)
    ctx.hub.sync_started.connect(lambda: ticks.update(syncing=True))
    ctx.hub.sync_finished.connect(lambda _report: ticks.update(syncing=False))

    _fill(dialog, gui_env.server.url, "s001", gui_env.server.enrolment_code())
    assert child(dialog, QLineEdit, "storeCode").text() == "S001"
    register = child(dialog, QPushButton, "registerButton")
    with qtbot.waitSignal(ctx.hub.sync_finished, timeout=30_000) as finished:
        click(register)
        assert not register.isEnabled()  # no second registration while the first runs
    ticker.stop()

    assert finished.args[0].error is None
    qtbot.waitUntil(lambda: dialog.result() == QDialog.DialogCode.Accepted, timeout=5000)
    assert progress.maximum() > 0 and progress.value() == progress.maximum()  # 100 %
    assert dialog.phase_label.text() == "Sync complete."
    assert any(phase == "pull" and total > 0 for phase, _done, total in seen)  # a real bar, not only "busy"
    assert int(ticks["during"]) >= 2

    registration = ctx.till.sync.registration()
    assert registration is not None and registration.store_code == "S001"
    assert ctx.till.status().members == _server_members(gui_env) > 0
    assert ctx.till.staff.count() > 0  # the staff came with the config: the login can follow
    assert ctx.till.sync.store_name() == "旗舰店"


def test_a_wrong_enrolment_code_is_refused_and_the_till_stays_unregistered(
    gui_env: GuiEnv, new_till: NewTill, qtbot: QtBot
) -> None:
    ctx = new_till.ctx
    devices = _server_devices(gui_env)
    dialog = show_widget(qtbot, RegistrationDialog(ctx))
    started: list[bool] = []
    ctx.hub.sync_started.connect(lambda: started.append(True))
    _fill(dialog, gui_env.server.url, "S001", "WRONG-CODE-1234")
    qtbot.keyClick(child(dialog, QLineEdit, "enrolmentCode"), Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.error_label.text() != "", timeout=10_000)

    assert dialog.error_label.text() == "The enrolment code is wrong, used or expired."
    assert ctx.till.sync.registration() is None
    assert ctx.till.settings.current().store_code == "LOCAL"
    assert _server_devices(gui_env) == devices and not started
    assert dialog.isVisible() and dialog.result() != QDialog.DialogCode.Accepted
    # Nothing typed is lost: the manager corrects the code and tries again.
    assert child(dialog, QLineEdit, "serverUrl").text() == gui_env.server.url
    assert child(dialog, QLineEdit, "storeCode").text() == "S001"
    assert child(dialog, QLineEdit, "enrolmentCode").isEnabled()
    assert child(dialog, QPushButton, "registerButton").isEnabled()


def test_a_server_that_does_not_answer_says_what_to_do_not_to_work_offline(new_till: NewTill, qtbot: QtBot) -> None:
    dialog = show_widget(qtbot, RegistrationDialog(new_till.ctx))
    with socket.create_server(("127.0.0.1", 0)) as closed:
        nowhere = f"http://127.0.0.1:{closed.getsockname()[1]}"  # closed below: connections are refused
    _fill(dialog, nowhere, "S001", "ABCD2345")
    click(child(dialog, QPushButton, "registerButton"))
    qtbot.waitUntil(lambda: dialog.error_label.text() != "", timeout=30_000)
    assert dialog.error_label.text() == (
        "The server does not answer, so this till is not registered yet and cannot be used. Check the server's "
        "address and this computer's network connection (or ask the head office whether the server is running), "
        "then press Register again."
    )
    assert new_till.ctx.till.sync.registration() is None
    assert child(dialog, QPushButton, "registerButton").isEnabled()
    assert dialog.focusWidget() is child(dialog, QLineEdit, "serverUrl")


def test_plain_http_to_another_machine_is_refused_before_anything_is_sent(new_till: NewTill, qtbot: QtBot) -> None:
    dialog = show_widget(qtbot, RegistrationDialog(new_till.ctx))
    _fill(dialog, "http://10.20.30.40:8000", "S001", "ABCD2345")
    click(child(dialog, QPushButton, "registerButton"))
    qtbot.waitUntil(lambda: dialog.error_label.text() != "", timeout=5000)
    assert dialog.error_label.text().startswith("The server address must start with https://")
    assert new_till.ctx.till.sync.registration() is None

    type_into(dialog, "serverUrl", "members")
    dialog.error_label.clear()
    click(child(dialog, QPushButton, "registerButton"))
    qtbot.waitUntil(lambda: dialog.error_label.text() != "", timeout=5000)
    assert dialog.error_label.text().startswith("Not a server address")


def test_missing_fields_are_named_before_anything_is_sent(new_till: NewTill, qtbot: QtBot) -> None:
    dialog = show_widget(qtbot, RegistrationDialog(new_till.ctx))
    click(child(dialog, QPushButton, "registerButton"))
    assert dialog.error_label.text() == "Enter the server's address."
    _fill(dialog, "http://127.0.0.1:1", "S001", "AB")
    click(child(dialog, QPushButton, "registerButton"))
    assert dialog.error_label.text().startswith("Enter the enrolment code")
    assert not new_till.ctx.ops.busy()


@pytest.mark.slow
def test_a_failed_first_sync_keeps_the_registration_and_retry_only_syncs(
    gui_env: GuiEnv, new_till: NewTill, qtbot: QtBot
) -> None:
    ctx = new_till.ctx
    devices = _server_devices(gui_env)
    dialog = show_widget(qtbot, RegistrationDialog(ctx))
    new_till.network_down = True  # registration gets through, then the network goes (the sync retries, then stops)
    _fill(dialog, gui_env.server.url, "S001", gui_env.server.enrolment_code())
    with qtbot.waitSignal(ctx.hub.sync_finished, timeout=60_000) as failed:
        click(child(dialog, QPushButton, "registerButton"))
    assert failed.args[0].error == "server_unreachable"
    assert dialog.error_label.text() == (
        "The server stopped answering before the first sync finished: this till has no staff or members yet and "
        "cannot be used. Check this computer's network connection, then press Retry sync."
    )
    assert "offline" not in dialog.error_label.text()
    retry = child(dialog, QPushButton, "retryButton")
    assert retry.isVisible() and not child(dialog, QPushButton, "registerButton").isVisible()
    assert dialog.isVisible() and dialog.result() != QDialog.DialogCode.Accepted
    registration = ctx.till.sync.registration()
    assert registration is not None  # kept
    assert ctx.till.status().members == 0

    new_till.network_down = False
    with qtbot.waitSignal(ctx.hub.sync_finished, timeout=30_000) as finished:
        click(retry)
    assert finished.args[0].error is None
    qtbot.waitUntil(lambda: dialog.result() == QDialog.DialogCode.Accepted, timeout=5000)
    after = ctx.till.sync.registration()
    assert after is not None and after.device_id == registration.device_id  # the same device: not registered twice
    assert after.token != registration.token  # the sync that went through rotated its token
    assert _server_devices(gui_env) == devices + 1
    assert ctx.till.status().members == _server_members(gui_env)


def test_a_till_registered_but_never_synced_opens_on_the_retry(
    gui_env: GuiEnv, new_till: NewTill, qtbot: QtBot
) -> None:
    ctx = new_till.ctx
    register_till(ctx.till.sync, server_url=gui_env.server.url, store_code="S001",
                  enrolment_code=gui_env.server.enrolment_code(), device_name="closed before its sync")  # fmt: skip
    dialog = show_widget(qtbot, RegistrationDialog(ctx))
    retry = child(dialog, QPushButton, "retryButton")
    assert retry.isVisible() and not child(dialog, QPushButton, "registerButton").isVisible()
    assert not child(dialog, QLineEdit, "serverUrl").isEnabled()
    assert child(dialog, QLineEdit, "storeCode").text() == "S001"
    with qtbot.waitSignal(ctx.hub.sync_finished, timeout=30_000):
        click(retry)
    qtbot.waitUntil(lambda: dialog.result() == QDialog.DialogCode.Accepted, timeout=5000)
    assert ctx.till.status().members == _server_members(gui_env) and ctx.till.staff.count() > 0
