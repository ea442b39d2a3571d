"""The till's POS interface as the counter runs it (issue 16): started when the window opens and stopped on quit, a
port another program holds is a worded warning in the status bar while the till works on, and the manager's
"POS 接口" dialog shows the address, the state and the shared secret (hidden until 显示, 复制 to the clipboard) and
moves the interface to another port.

`posapi`'s server is stood in for by a starter that records what it was given (the real one is `posapi.service`'s
`start_pos_api`); the port check is real: a socket of the test's listens on the port."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest
from PySide6.QtWidgets import QApplication, QLabel, QLineEdit, QPushButton, QSpinBox
from pytestqt.qtbot import QtBot

from localdb.staff import StaffSession
from localdb.till import Till
from posapi.pending import PendingSale, PendingSales, SaleOutcome
from tests.gui.conftest import GuiEnv
from tests.gui.helpers import child, click, show_widget, wait_idle
from ui.main_window import MainWindow
from ui.pos_api import PosApi, PosBackend, PosHandle, PosState
from ui.pos_settings_dialog import PosSettingsDialog
from ui.settings import POS_PORT

SECRET = "s3cr3t-for-the-pos-vendor-0123456789abcdef"


class FakeServer:
    def __init__(self, port: int) -> None:
        self.port = port
        self.stopped = False

    def stop(self) -> None:
        self.stopped = True


class Starter:
    def __init__(self, *, fails: bool = False) -> None:
        self.servers: list[FakeServer] = []
        self.fails = fails

    def __call__(self, till: Till, port: int, secret: str, pending: PendingSales) -> PosHandle:
        assert secret == SECRET
        if self.fails:
            raise RuntimeError("the server would not start")
        server = FakeServer(port)
        self.servers.append(server)
        return server


def _no_commit(actor: StaffSession, sale: PendingSale, member_id: str | None, coupons: tuple[str, ...]) -> SaleOutcome:
    raise AssertionError("nothing is committed here")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def starter() -> Starter:
    return Starter()


@pytest.fixture
def api(gui_env: GuiEnv, starter: Starter) -> Iterator[PosApi]:
    gui_env.ctx.settings.set(POS_PORT, free_port())
    pending = PendingSales(_no_commit)
    gui_env.ctx.pending_sales = pending
    pos_api = PosApi(gui_env.ctx, PosBackend(start=starter, secret=lambda: SECRET, pending=pending))
    yield pos_api
    pos_api.stop()


def _window(env: GuiEnv, qtbot: QtBot, api: PosApi, code: str = "M001") -> MainWindow:
    env.login(code)
    window = show_widget(qtbot, MainWindow(env.ctx, pos_api=api), size=(1366, 768), active=True)
    api.start()
    return window


def test_the_interface_starts_with_the_window_and_stops_on_quit(
    gui_env: GuiEnv, qtbot: QtBot, api: PosApi, starter: Starter
) -> None:
    window = _window(gui_env, qtbot, api)
    wait_idle(qtbot, gui_env.ctx, lambda: api.state is PosState.RUNNING)
    assert [server.port for server in starter.servers] == [gui_env.ctx.settings.get(POS_PORT)]
    assert not window.pos_warning.isVisible()
    api.start()  # started already: not twice
    wait_idle(qtbot, gui_env.ctx)
    assert len(starter.servers) == 1
    api.stop()
    assert starter.servers[0].stopped and api.state is PosState.STOPPED


def test_a_port_in_use_is_a_warning_and_the_till_works_on(
    gui_env: GuiEnv, qtbot: QtBot, api: PosApi, starter: Starter
) -> None:
    with socket.socket() as other_program:
        other_program.bind(("127.0.0.1", 0))
        other_program.listen()
        port = int(other_program.getsockname()[1])
        gui_env.ctx.settings.set(POS_PORT, port)
        window = _window(gui_env, qtbot, api, "C001")
        wait_idle(qtbot, gui_env.ctx, lambda: api.state is PosState.PORT_IN_USE)
    assert starter.servers == []
    warning = window.pos_warning
    assert warning.isVisible() and warning.property("tone") == "error"
    assert warning.text() == (
        f"The POS interface did not start: port {port} is used by another program. The till works on; type amounts "
        "by hand, or ask a manager to choose another port."
    )
    member_id, _phone = gui_env.member_phone(0)
    window.show_member(member_id)  # the till works on
    assert window.member_page.award_button.isEnabled()


def test_a_server_that_fails_to_start_is_worded(gui_env: GuiEnv, qtbot: QtBot) -> None:
    pending = PendingSales(_no_commit)
    gui_env.ctx.pending_sales = pending
    gui_env.ctx.settings.set(POS_PORT, free_port())
    api = PosApi(gui_env.ctx, PosBackend(start=Starter(fails=True), secret=lambda: SECRET, pending=pending))
    window = _window(gui_env, qtbot, api, "C001")
    wait_idle(qtbot, gui_env.ctx, lambda: api.state is PosState.FAILED)
    assert window.pos_warning.isVisible()
    assert window.pos_warning.text().startswith("The POS interface did not start. The till works on")


def test_only_a_manager_sees_the_pos_settings(gui_env: GuiEnv, qtbot: QtBot, api: PosApi) -> None:
    window = _window(gui_env, qtbot, api, "C001")
    assert not window.pos_button.isVisible()
    window.open_pos_settings()
    assert window.pos_settings_dialog is None
    gui_env.login("M001")
    assert window.pos_button.isVisible() and window.pos_button.text() == "POS interface"


def test_the_manager_dialog_shows_the_address_and_the_secret_on_request(
    gui_env: GuiEnv, qtbot: QtBot, api: PosApi, qapp: QApplication
) -> None:
    window = _window(gui_env, qtbot, api)
    wait_idle(qtbot, gui_env.ctx, lambda: api.state is PosState.RUNNING)
    click(window.pos_button)
    qtbot.waitUntil(lambda: isinstance(QApplication.activeModalWidget(), PosSettingsDialog))
    dialog = window.pos_settings_dialog
    assert dialog is not None
    port = api.port
    assert child(dialog, QLabel, "posApiAddress").text() == f"http://127.0.0.1:{port}/pos/v1"
    assert child(dialog, QLabel, "posApiState").text() == f"The POS interface is running on 127.0.0.1, port {port}."
    secret = child(dialog, QLineEdit, "posApiSecret")
    assert secret.text() == "" and secret.echoMode() is QLineEdit.EchoMode.Password  # not even in the widget
    show = child(dialog, QPushButton, "posApiShowSecret")
    assert show.text() == "Show"
    click(show)
    assert secret.text() == SECRET and secret.echoMode() is QLineEdit.EchoMode.Normal
    assert show.text() == "Hide"
    click(show)
    assert secret.text() == ""
    click(child(dialog, QPushButton, "posApiCopySecret"))
    assert qapp.clipboard().text() == SECRET
    assert child(dialog, QLabel, "posApiCopied").text() == "Copied to the clipboard."
    dialog.reject()


def test_the_manager_moves_the_interface_to_another_port(
    gui_env: GuiEnv, qtbot: QtBot, api: PosApi, starter: Starter
) -> None:
    window = _window(gui_env, qtbot, api)
    wait_idle(qtbot, gui_env.ctx, lambda: api.state is PosState.RUNNING)
    window.open_pos_settings()
    dialog = window.pos_settings_dialog
    assert dialog is not None
    new_port = free_port()
    child(dialog, QSpinBox, "posApiPort").setValue(new_port)
    click(child(dialog, QPushButton, "posApiApplyPort"))
    wait_idle(qtbot, gui_env.ctx, lambda: api.state is PosState.RUNNING and api.port == new_port)
    assert [server.port for server in starter.servers][-1] == new_port
    assert starter.servers[0].stopped  # the old port is let go
    assert gui_env.ctx.settings.get(POS_PORT) == new_port  # and kept for the next start
    assert child(dialog, QLabel, "posApiAddress").text() == f"http://127.0.0.1:{new_port}/pos/v1"
    dialog.reject()
