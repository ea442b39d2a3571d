"""Starting the counter app: the QApplication, its language and stylesheet, the context every screen gets, then
registration (a till that has no server yet), login, and the main window, with the local POS interface started
when the window opens and stopped when the app quits (`ui.pos_api`).

Thread: GUI thread.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence
from datetime import timedelta
from typing import TYPE_CHECKING

from PySide6.QtCore import QTimer
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QApplication, QDialog

from localdb.staff import StaffSession
from localdb.till import Till
from sync.client import ServerClient
from sync.qt_adapter import SyncController
from ui import messages
from ui.assets import stylesheet
from ui.context import AppContext, ClientFactory
from ui.hub import AppHub
from ui.i18n import Language, Translations
from ui.operations import Operations
from ui.settings import AUTO_SYNC_MINUTES, HEALTH_CHECK_SECONDS, LANGUAGE, LocalSettings

if TYPE_CHECKING:
    from ui.main_window import MainWindow
    from ui.pos_api import PosApi

log = logging.getLogger(__name__)

#: How long after the window is shown the background health checks and syncs begin. The first check's thread
#: imports the HTTP client (httpx, pydantic: a tenth of a second of Python), and run beside the window's first paint
#: it took turns with it for the interpreter: the lookup screen appeared ~40 ms later (bench/cold_start.py).
BACKGROUND_START_DELAY_MS = 500


def build_context(
    till: Till, client_factory: ClientFactory = ServerClient, *, settings: LocalSettings | None = None
) -> AppContext:
    """The services and signal plumbing the screens share (needs a QApplication to exist)."""
    hub = AppHub()
    ops = Operations(hub)
    controller = SyncController(till.sync, client_factory, clock=till.clock)
    controller.started.connect(hub.sync_started)
    controller.progress.connect(hub.sync_progress)
    controller.finished.connect(hub.sync_finished)
    controller.online_changed.connect(hub.online_changed)
    controller.clock_skew.connect(hub.clock_skew_changed)
    controller.finished.connect(lambda _report: hub.members_reloaded.emit())
    messages.show_times_in(lambda: till.settings.current().zone)
    return AppContext(till=till, hub=hub, ops=ops, sync=controller, settings=settings or LocalSettings(),
                      client_factory=client_factory)  # fmt: skip


def start_background_sync(ctx: AppContext) -> None:
    """Check the server and sync in the background, as often as this computer's settings say."""
    ctx.sync.start_background(
        sync_every=timedelta(minutes=ctx.settings.get(AUTO_SYNC_MINUTES)),
        check_every=timedelta(seconds=ctx.settings.get(HEALTH_CHECK_SECONDS)),
    )


def load_pos_interface(ctx: AppContext, window: MainWindow, port: int | None, serving: list[PosApi]) -> None:
    """Start the till's POS interface beside the shown window: `posapi` (FastAPI, uvicorn, the wire schemas: a few
    tenths of a second of imports) is loaded on a network worker, then the window is given it and it starts
    serving on `port` (None: the port in this computer's settings). If it cannot be loaded, the till works on
    without it and the log says why."""

    def load() -> None:
        import posapi.app
        import posapi.service
        import posapi.serving  # noqa: F401

    def loaded(_none: None) -> None:
        from ui.pos_api import PosApi, posapi_backend

        api = PosApi(ctx, posapi_backend(ctx), port=port)
        serving.append(api)
        window.attach_pos(api)
        api.start()

    ctx.ops.net(load, loaded, lambda error: log.error("the POS interface could not be loaded: %s", error), owner=window)


def application(argv: Sequence[str] = ()) -> QApplication:
    """The one QApplication, with our look: the stylesheet and a font that has the Chinese glyphs."""
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication([sys.argv[0], *argv])
    app.setApplicationName("MemberDesk")
    app.setOrganizationName("MemberDesk")
    font = QFont()
    font.setFamilies(["Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC", "sans-serif"])
    font.setPointSize(12)
    app.setFont(font)
    app.setStyleSheet(stylesheet())
    return app


def run_gui(
    till: Till,
    *,
    language: Language | None = None,
    staff: StaffSession | None = None,
    background_sync: bool = True,
    pos_port: int | None = None,
) -> int:
    """Show the window until it is closed: register first when the till has no server, then log in unless `staff`
    (the demo's cashier) is already logged in. `language` for this run (else the one last chosen in the window).
    The POS interface serves on `pos_port` for this run (0: not at all; None: the port in this computer's
    settings). Returns the exit code."""
    from ui.login_dialog import LoginDialog
    from ui.main_window import MainWindow

    app = application()
    ctx = build_context(till)
    translations = Translations(app)
    translations.switch(language or ctx.settings.get(LANGUAGE))
    serving: list[PosApi] = []  # the POS interface, once loaded: stopped on quit
    pos_timer = QTimer()
    pos_timer.setSingleShot(True)
    try:
        # Not registered, or registered but never synced (no staff to log in yet): registration finishes the job.
        needs_setup = till.sync.registration() is None or till.staff.count() == 0
        if needs_setup:
            from ui.registration_dialog import RegistrationDialog  # with the wire schemas: only a new till needs it

            if RegistrationDialog(ctx).exec() != QDialog.DialogCode.Accepted:
                return 1
        if staff is not None:
            ctx.log_in(staff)
        elif LoginDialog(ctx).exec() != QDialog.DialogCode.Accepted:
            return 1
        window = MainWindow(ctx, translations)
        window.show()
        if pos_port != 0:  # a timer of ours, stopped on the way out: it must not fire after the workers are gone
            pos_timer.timeout.connect(lambda: load_pos_interface(ctx, window, pos_port, serving))
            pos_timer.start(BACKGROUND_START_DELAY_MS)
        if background_sync:
            QTimer.singleShot(BACKGROUND_START_DELAY_MS, lambda: start_background_sync(ctx))
        return app.exec()
    finally:
        pos_timer.stop()
        for pos_api in serving:
            pos_api.stop()
        ctx.sync.shutdown()
        ctx.ops.shutdown()
        translations.uninstall()
