"""The manager's "POS 接口" dialog: what the POS vendor configures to reach this till's local POS interface — the
address and port, whether the interface runs (or why not), and the shared secret, hidden until 显示 is pressed, with
复制 to put it on the clipboard. A manager may choose another port (applied at once: the interface restarts there,
and the choice is kept in this computer's settings).

The secret is shown only here, to a manager, and never written to a log.

Thread: GUI thread; the restart runs on a network worker (`ui.pos_api.PosApi`).
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from loyalty.roles import Permission
from ui.context import AppContext
from ui.pos_api import PosApi, PosState
from widgets.retranslating import Retranslating


class PosSettingsDialog(Retranslating, QDialog):
    """objectNames `posSettingsDialog`, `posApiState` (tone ok / error / muted), `posApiAddress`, `posApiPort`,
    `posApiApplyPort`, `posApiSecret` (a password field until shown), `posApiShowSecret`, `posApiCopySecret`,
    `posApiCopied`, `closeButton`."""

    def __init__(self, ctx: AppContext, api: PosApi, *, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("posSettingsDialog")
        self.setModal(True)
        self._ctx = ctx
        self._api = api
        self._shown = False
        self._copied = False

        self.heading = QLabel(self)
        self.heading.setProperty("tone", "title")
        self.state_label = QLabel(self)
        self.state_label.setObjectName("posApiState")
        self.state_label.setWordWrap(True)
        self.intro = QLabel(self)
        self.intro.setProperty("tone", "muted")
        self.intro.setWordWrap(True)
        self._address_caption = QLabel(self)
        self.address = QLabel(self)
        self.address.setObjectName("posApiAddress")
        self.address.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._port_caption = QLabel(self)
        self.port_input = QSpinBox(self)
        self.port_input.setObjectName("posApiPort")
        self.port_input.setRange(1024, 65535)
        self.port_input.setGroupSeparatorShown(False)
        self.port_input.setMinimumWidth(120)
        self.port_input.setValue(api.port)
        self.apply_button = QPushButton(self)
        self.apply_button.setObjectName("posApiApplyPort")
        self._secret_caption = QLabel(self)
        self.secret_input = QLineEdit(self)
        self.secret_input.setObjectName("posApiSecret")
        self.secret_input.setReadOnly(True)
        self.secret_input.setEchoMode(QLineEdit.EchoMode.Password)
        self.secret_input.setMinimumWidth(360)
        self.show_button = QPushButton(self)
        self.show_button.setObjectName("posApiShowSecret")
        self.copy_button = QPushButton(self)
        self.copy_button.setObjectName("posApiCopySecret")
        self.copied_label = QLabel(self)
        self.copied_label.setObjectName("posApiCopied")
        self.copied_label.setProperty("tone", "ok")
        self.copied_label.hide()
        self.close_button = QPushButton(self)
        self.close_button.setObjectName("closeButton")
        self.close_button.setDefault(True)

        port_row = QHBoxLayout()
        port_row.addWidget(self.port_input)
        port_row.addWidget(self.apply_button)
        port_row.addStretch(1)
        secret_row = QHBoxLayout()
        secret_row.addWidget(self.secret_input, 1)
        secret_row.addWidget(self.show_button)
        secret_row.addWidget(self.copy_button)
        form = QFormLayout()
        form.addRow(self._address_caption, self.address)
        form.addRow(self._port_caption, port_row)
        form.addRow(self._secret_caption, secret_row)
        buttons = QHBoxLayout()
        buttons.addWidget(self.copied_label)
        buttons.addStretch(1)
        buttons.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 20)
        layout.setSpacing(12)
        layout.addWidget(self.heading)
        layout.addWidget(self.state_label)
        layout.addWidget(self.intro)
        layout.addLayout(form)
        layout.addLayout(buttons)
        self.setMinimumWidth(760)

        allowed = ctx.can(Permission.APPROVE)  # the window shows the button to managers only; refused here too
        for widget in (self.port_input, self.apply_button, self.show_button, self.copy_button):
            widget.setEnabled(allowed)
        self.apply_button.clicked.connect(self._apply_port)
        self.show_button.clicked.connect(self._toggle_secret)
        self.copy_button.clicked.connect(self._copy_secret)
        self.close_button.clicked.connect(self.accept)
        api.changed.connect(self._state_changed)
        self.retranslate()

    def _apply_port(self) -> None:
        port = self.port_input.value()
        if port != self._api.port or self._api.trouble:
            self._api.restart(port)

    def _toggle_secret(self) -> None:
        self._shown = not self._shown
        if self._shown:
            self.secret_input.setText(self._api.secret())
        else:
            self.secret_input.clear()
        self.secret_input.setEchoMode(QLineEdit.EchoMode.Normal if self._shown else QLineEdit.EchoMode.Password)
        self.retranslate()

    def _copy_secret(self) -> None:
        clipboard = QApplication.clipboard()
        clipboard.setText(self._api.secret())
        self._copied = True
        self.copied_label.show()
        self.retranslate()

    def _state_changed(self) -> None:
        self.retranslate()

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("POS interface"))
        self.heading.setText(self.tr("POS interface"))
        state = self._api.state
        tone = "ok" if state is PosState.RUNNING else "error" if self._api.trouble else "muted"
        if self.state_label.property("tone") != tone:
            self.state_label.setProperty("tone", tone)
            self.state_label.style().unpolish(self.state_label)
            self.state_label.style().polish(self.state_label)
        self.state_label.setText(self._api.words())
        self.intro.setText(
            self.tr(
                "For the POS vendor: the POS calls this till at the address below, with the shared secret in each "
                "request's header (Authorization: Bearer and the secret)."
            )
        )
        self._address_caption.setText(self.tr("Address"))
        self.address.setText(f"http://127.0.0.1:{self._api.port}/pos/v1")
        self._port_caption.setText(self.tr("Port"))
        self.apply_button.setText(self.tr("Use this port"))
        self.apply_button.setEnabled(self._ctx.can(Permission.APPROVE) and state is not PosState.STARTING)
        self._secret_caption.setText(self.tr("Shared secret"))
        self.secret_input.setPlaceholderText("" if self._shown else self.tr("Hidden: press Show"))
        self.show_button.setText(self.tr("Hide") if self._shown else self.tr("Show"))
        self.copy_button.setText(self.tr("Copy"))
        self.copied_label.setText(self.tr("Copied to the clipboard.") if self._copied else "")
        self.close_button.setText(self.tr("Close"))
