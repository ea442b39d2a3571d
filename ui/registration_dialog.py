"""Till registration on first start: the server's address, the store code and the one-time enrolment code the
head office gave the manager; then the first sync, which brings the staff, the rules and the whole member set, with
a progress bar. The registration is kept even when the first sync fails: "Retry" only syncs again.

Thread: GUI thread. Registration runs on the network pool (`ctx.ops.net`); the sync runs on the sync controller's
own thread and reports through the hub, so the window keeps repainting through a first sync of a million members.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QLocale, QRegularExpression, Qt
from PySide6.QtGui import QRegularExpressionValidator
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from protocol.wire import RegisterResponse
from sync.client import SyncError
from sync.engine import Phase, SyncReport
from sync.registration import register_till
from ui.context import AppContext
from ui.dialog_parts import uppercase_as_typed
from ui.error_line import ErrorLine, Words
from ui.messages import describe_sync_error
from widgets.retranslating import Retranslating

log = logging.getLogger(__name__)

_STORE_CODE = QRegularExpression(r"[A-Za-z0-9_-]{0,32}")
_ENROLMENT_CODE = QRegularExpression(r"[A-Za-z0-9 -]{0,40}")


def _enrolment_code(text: str) -> str:
    """The code as the server compares it: spaces and hyphens (written to help reading it out) do not count."""
    return text.strip().upper().replace(" ", "").replace("-", "")


class RegistrationDialog(Retranslating, QDialog):
    """`serverUrl`, `storeCode`, `enrolmentCode`, `registerButton`, `syncProgress`, `errorLabel`, `retryButton`.
    Accepted when the first sync has run to the end."""

    def __init__(self, ctx: AppContext, *, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self._registering = False
        self._syncing = False
        self._phase: tuple[str, int, int] | None = None  # the last progress, to retranslate it
        self._failure: str | None = None  # the error code of the last sync that did not finish
        self.setObjectName("registrationDialog")
        self.setModal(True)

        self._heading = QLabel(self)
        self._heading.setProperty("tone", "title")
        self._intro = QLabel(self)
        self._intro.setWordWrap(True)
        self._intro.setProperty("tone", "muted")

        self.server_url = QLineEdit(self)
        self.server_url.setObjectName("serverUrl")
        self.server_url.setInputMethodHints(Qt.InputMethodHint.ImhUrlCharactersOnly)
        self.store_code = QLineEdit(self)
        self.store_code.setObjectName("storeCode")
        self.store_code.setValidator(QRegularExpressionValidator(_STORE_CODE, self.store_code))
        uppercase_as_typed(self.store_code)
        self.enrolment_code = QLineEdit(self)
        self.enrolment_code.setObjectName("enrolmentCode")
        self.enrolment_code.setValidator(QRegularExpressionValidator(_ENROLMENT_CODE, self.enrolment_code))
        uppercase_as_typed(self.enrolment_code)
        self.server_url.returnPressed.connect(self.store_code.setFocus)
        self.store_code.returnPressed.connect(self.enrolment_code.setFocus)
        self.enrolment_code.returnPressed.connect(self._register)
        self._url_label, self._store_label, self._code_label = QLabel(self), QLabel(self), QLabel(self)

        self.phase_label = QLabel(self)
        self.phase_label.setObjectName("syncPhase")
        self.phase_label.setWordWrap(True)
        self.sync_progress = QProgressBar(self)
        self.sync_progress.setObjectName("syncProgress")
        self.sync_progress.setRange(0, 100)
        self.sync_progress.setValue(0)
        self.sync_progress.setVisible(False)

        self.error_label = ErrorLine(self)

        self.register_button = QPushButton(self)
        self.register_button.setObjectName("registerButton")
        self.register_button.setAutoDefault(False)  # Enter is handled by the fields (one press, one registration)
        self.register_button.clicked.connect(self._register)
        self.retry_button = QPushButton(self)
        self.retry_button.setObjectName("retryButton")
        self.retry_button.setProperty("role", "primary")
        self.retry_button.setAutoDefault(False)
        self.retry_button.clicked.connect(self._start_sync)
        self.retry_button.setVisible(False)
        self.cancel_button = QPushButton(self)
        self.cancel_button.setObjectName("cancelButton")
        self.cancel_button.setAutoDefault(False)
        self.cancel_button.clicked.connect(self.reject)

        self.error_label.clear_when_changed(self.server_url, self.store_code, self.enrolment_code)

        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        form.addRow(self._url_label, self.server_url)
        form.addRow(self._store_label, self.store_code)
        form.addRow(self._code_label, self.enrolment_code)
        buttons = QHBoxLayout()
        buttons.addWidget(self.cancel_button)
        buttons.addStretch(1)
        buttons.addWidget(self.retry_button)
        buttons.addWidget(self.register_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 20)
        layout.setSpacing(12)
        layout.addWidget(self._heading)
        layout.addWidget(self._intro)
        layout.addLayout(form)
        layout.addWidget(self.phase_label)
        layout.addWidget(self.sync_progress)
        layout.addWidget(self.error_label)
        layout.addStretch(1)
        layout.addLayout(buttons)
        self.setMinimumWidth(520)

        ctx.hub.sync_progress.connect(self._on_progress)
        ctx.hub.sync_finished.connect(self._on_finished)
        self.retranslate()
        registration = ctx.till.sync.registration()
        if registration is not None:  # registered before, but the first sync did not finish: only sync again
            self.server_url.setText(registration.server_url)
            self.store_code.setText(registration.store_code)
            self._show_registered()
            self.retry_button.setVisible(True)

    # -- language --------------------------------------------------------------------------------------------------

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("MemberDesk — register this till"))
        self._heading.setText(self.tr("Register this till"))
        self._intro.setText(
            self.tr("Enter the member server's address, this store's code and the one-time enrolment code from the "
                    "head office. The till then downloads the staff, the points rules and the members.")
        )  # fmt: skip
        self._url_label.setText(self.tr("Server address"))
        self._store_label.setText(self.tr("Store code"))
        self._code_label.setText(self.tr("Enrolment code"))
        self.server_url.setPlaceholderText("https://members.example.com")
        self.store_code.setPlaceholderText(self.tr("e.g. S001"))
        self.enrolment_code.setPlaceholderText(self.tr("from the head office, used once"))
        self.register_button.setText(self.tr("Register"))
        self.retry_button.setText(self.tr("Retry sync"))
        self.cancel_button.setText(self.tr("Cancel"))
        if self._registering:
            self.phase_label.setText(self.tr("Registering this till…"))
        elif self._failure is not None:
            self._show_failure_phase()
        elif self._phase is not None:
            self._show_phase(*self._phase)

    # -- registering -----------------------------------------------------------------------------------------------

    def _register(self) -> None:
        if self._registering or self._syncing or self._ctx.till.sync.registration() is not None:
            return  # a second Enter, or already registered (then only "Retry sync" applies)
        url, store = self.server_url.text().strip(), self.store_code.text().strip().upper()
        code = _enrolment_code(self.enrolment_code.text())
        if not url:
            self._refuse(lambda: self.tr("Enter the server's address."), self.server_url)
            return
        if not store:
            self._refuse(lambda: self.tr("Enter this store's code."), self.store_code)
            return
        if not 4 <= len(code) <= 32:
            self._refuse(
                lambda: self.tr("Enter the enrolment code from the head office (4 to 32 letters or digits)."),
                self.enrolment_code,
            )
            return
        self._registering = True
        self.error_label.clear_error()
        self._set_fields_enabled(False)
        self.register_button.setEnabled(False)
        self.phase_label.setText(self.tr("Registering this till…"))
        sync_store, client_factory = self._ctx.till.sync, self._ctx.client_factory

        def work() -> RegisterResponse:
            return register_till(sync_store, server_url=url, store_code=store, enrolment_code=code,
                                 client_factory=client_factory)  # fmt: skip

        self._ctx.ops.net(work, self._registered, self._register_refused, owner=self)

    def _registered(self, _answer: RegisterResponse) -> None:
        self._registering = False
        log.info("till registered; starting the first sync")
        self._show_registered()
        self._start_sync()

    def _register_refused(self, error: Exception) -> None:
        self._registering = False
        self.phase_label.clear()
        self._set_fields_enabled(True)
        self.register_button.setEnabled(True)
        if isinstance(error, SyncError) and error.code == "server_unreachable":
            # Not "work goes on offline": an unregistered till does nothing. Say what to check and what to press.
            self.error_label.show_words(lambda: self.tr(
                "The server does not answer, so this till is not registered yet and cannot be used. Check the "
                "server's address and this computer's network connection (or ask the head office whether the "
                "server is running), then press Register again."
            ))  # fmt: skip
        else:
            self.error_label.show_error(error)
        self._field_for(error).setFocus()  # the field the refusal is about, to correct it

    def _field_for(self, error: Exception) -> QLineEdit:
        code = error.code if isinstance(error, SyncError) else None
        if code in ("bad_server_url", "insecure_server", "server_unreachable"):
            return self.server_url
        if code in ("bad_store_code", "unknown_store"):
            return self.store_code
        return self.enrolment_code

    def _show_registered(self) -> None:
        self._set_fields_enabled(False)
        self.register_button.setVisible(False)

    # -- the first sync --------------------------------------------------------------------------------------------

    def _start_sync(self) -> None:
        if self._syncing:
            return
        self._syncing = True
        self._failure = None
        self.error_label.clear_error()
        self.retry_button.setVisible(False)
        self.sync_progress.setVisible(True)
        self.sync_progress.setRange(0, 0)  # busy until the server says how much there is
        self._on_progress(Phase.CONNECT.value, 0, -1)
        # False when a background run is already going: its progress and end come through the hub all the same.
        self._ctx.sync.sync_now()

    def _on_progress(self, phase: str, done: int, total: int) -> None:
        if not self._syncing:
            return
        self._phase = (phase, done, total)
        if phase == Phase.DONE.value:
            self.sync_progress.setRange(0, 100)
            self.sync_progress.setValue(100)
        elif total > 0:
            self.sync_progress.setRange(0, total)
            self.sync_progress.setValue(min(done, total))
        else:
            self.sync_progress.setRange(0, 0)
        self._show_phase(phase, done, total)

    def _show_phase(self, phase: str, done: int, total: int) -> None:
        locale = QLocale()
        if phase == Phase.CONNECT.value:
            text = self.tr("Connecting to the server…")
        elif phase == Phase.PUSH.value:
            text = self.tr("Sending this till's records: %1 / %2")
        elif phase == Phase.PULL.value and total > 0:
            text = self.tr("Received %1 / %2 members")
        elif phase == Phase.PULL.value:
            text = self.tr("Receiving members: %1 so far")
        else:
            text = self.tr("Sync complete.")
        self.phase_label.setText(text.replace("%1", locale.toString(done)).replace("%2", locale.toString(total)))

    def _on_finished(self, report: SyncReport) -> None:
        if not self._syncing:
            return
        self._syncing = False
        if report.error is None:
            self.sync_progress.setRange(0, 100)
            self.sync_progress.setValue(100)
            self.accept()
            return
        self._failure = report.error
        self.sync_progress.setRange(0, 100)
        self.sync_progress.setValue(0)
        self._show_failure(report.error)
        self.retry_button.setVisible(True)
        self.retry_button.setFocus()

    def _show_failure(self, code: str) -> None:
        self._show_failure_phase()
        if code == "server_unreachable":
            # Not "work goes on offline": without the first sync there are no staff to log in and no members.
            self.error_label.show_words(lambda: self.tr(
                "The server stopped answering before the first sync finished: this till has no staff or members "
                "yet and cannot be used. Check this computer's network connection, then press Retry sync."
            ))  # fmt: skip
        else:
            self.error_label.show_words(lambda: describe_sync_error(code))

    def _show_failure_phase(self) -> None:
        self.phase_label.setText(self.tr("The till is registered, but the first sync did not finish."))

    def reject(self) -> None:
        if self._syncing:
            self._ctx.sync.cancel()  # the pull resumes from its cursor next time: nothing is lost
        super().reject()

    # -- helpers ---------------------------------------------------------------------------------------------------

    def _refuse(self, message: Words, field: QLineEdit) -> None:
        self.error_label.show_words(message)
        field.setFocus()

    def _set_fields_enabled(self, enabled: bool) -> None:
        for field in (self.server_url, self.store_code, self.enrolment_code):
            field.setEnabled(enabled)
