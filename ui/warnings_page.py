"""需关注会员: the store's members the chain's figures say are drifting away (churn warnings raised by the server's
nightly refresh), for guides and managers to call. Each row: since when, who (name, masked phone), why (a loyal
member who drifted to 潜力 or 沉睡, or a warning tag such as 流失风险, in the chain's words), the suggested action,
and what was done. Selecting a row and pressing 已联系 / 已发券 / 联系不上 records the outcome at once (queued for the
server, exactly once); 打开会员 opens the member (whose card reveals the phone, audited, as elsewhere).

The list is this till's copy of the server's, refreshed by every sync; it is read again when the page is shown and
after a sync. Thread: GUI thread (a local read of at most 500 rows).
"""

from __future__ import annotations

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from localdb.churn_warnings import WarningView
from localdb.errors import StoreError
from loyalty.roles import Permission
from protocol.vocabulary import WarningOutcome, WarningReason
from ui.context import AppContext
from ui.error_line import ErrorLine
from widgets.display import (
    chain_text,
    local_date_text,
    mark_member_data,
    points_text,
    segment_name,
    suggested_actions,
)
from widgets.retranslating import Retranslating

_CONTEXT = "WarningsPage"
_COLUMNS = (
    QT_TRANSLATE_NOOP("WarningsPage", "Since"),
    QT_TRANSLATE_NOOP("WarningsPage", "Member"),
    QT_TRANSLATE_NOOP("WarningsPage", "Phone"),
    QT_TRANSLATE_NOOP("WarningsPage", "Why"),
    QT_TRANSLATE_NOOP("WarningsPage", "Suggested"),
    QT_TRANSLATE_NOOP("WarningsPage", "Done"),
)
_OUTCOMES = {
    WarningOutcome.CALLED: QT_TRANSLATE_NOOP("WarningsPage", "Called"),
    WarningOutcome.OFFER_GIVEN: QT_TRANSLATE_NOOP("WarningsPage", "Offer given"),
    WarningOutcome.NOT_REACHABLE: QT_TRANSLATE_NOOP("WarningsPage", "Not reachable"),
}


def _tr(text: object) -> str:
    """A module-level (QT_TRANSLATE_NOOP) string in the user's language."""
    return QCoreApplication.translate(_CONTEXT, str(text))


class WarningsPage(Retranslating, QWidget):
    """objectName `warningsPage`; `member_chosen(member_id)` when 打开会员 is pressed."""

    member_chosen = Signal(str)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("warningsPage")
        self._ctx = ctx
        self.warnings: list[WarningView] = []
        self.title = QLabel()
        self.title.setObjectName("warningsTitle")
        self.title.setProperty("tone", "title")
        self.hint = QLabel()
        self.hint.setObjectName("warningsHint")
        self.hint.setWordWrap(True)
        self.empty_label = QLabel()
        self.empty_label.setObjectName("warningsEmpty")
        self.empty_label.setWordWrap(True)
        self.table = QTableWidget(0, len(_COLUMNS))
        self.table.setObjectName("warningsTable")
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().hide()
        self.table.setWordWrap(False)  # one line a member: the suggested action takes the width it needs
        header = self.table.horizontalHeader()
        for column in range(len(_COLUMNS)):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)  # the suggested action takes the rest
        mark_member_data(self.table)  # names as entered
        self.outcome_buttons = {outcome: QPushButton() for outcome in WarningOutcome}
        for outcome, button in self.outcome_buttons.items():
            button.setObjectName(f"outcome_{outcome.value}")
            button.clicked.connect(lambda _checked=False, chosen=outcome: self.record(chosen))
        self.open_button = QPushButton()
        self.open_button.setObjectName("openWarningMember")
        self.open_button.clicked.connect(self._open_member)
        self.error_label = ErrorLine()
        self.table.itemSelectionChanged.connect(self._update_buttons)

        buttons = QHBoxLayout()
        buttons.addWidget(self.open_button)
        buttons.addStretch(1)
        for button in self.outcome_buttons.values():
            buttons.addWidget(button)
        page = QVBoxLayout(self)
        page.setContentsMargins(24, 20, 24, 16)
        page.setSpacing(12)
        page.addWidget(self.title)
        page.addWidget(self.hint)
        page.addWidget(self.empty_label)
        page.addWidget(self.table, 1)
        page.addWidget(self.error_label)
        page.addLayout(buttons)
        ctx.hub.sync_finished.connect(lambda *_args: self.reload())
        self.retranslate()

    # -- data ----------------------------------------------------------------------------------------------------

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.reload()

    def reload(self) -> None:
        staff = self._ctx.staff
        self.error_label.clear_error()
        if staff is None or not self._ctx.can(Permission.EDIT_PREFERENCES):
            self.warnings = []
        else:
            try:
                self.warnings = self._ctx.till.warnings.listed(staff)
            except StoreError as error:
                self.warnings = []
                self.error_label.show_error(error)
        self._fill()

    def record(self, outcome: WarningOutcome) -> None:
        """The selected member's outcome, recorded and queued; the row shows it at once."""
        warning = self.selected()
        staff = self._ctx.staff
        if warning is None or staff is None:
            return
        try:
            self._ctx.till.warnings.record(staff, warning.id, outcome)
        except StoreError as error:
            self.error_label.show_error(error)
            return
        self.reload()
        self._select(warning.id)

    def selected(self) -> WarningView | None:
        rows = self.table.selectionModel().selectedRows()
        return self.warnings[rows[0].row()] if rows else None

    def _select(self, warning_id: int) -> None:
        for row, warning in enumerate(self.warnings):
            if warning.id == warning_id:
                self.table.selectRow(row)

    def _open_member(self) -> None:
        warning = self.selected()
        if warning is not None and warning.member_name:
            self.member_chosen.emit(warning.member_id)

    def _fill(self) -> None:
        zone = self._ctx.till.settings.current().zone
        insight = self._ctx.till.settings.current().insight
        self.table.setRowCount(len(self.warnings))
        for row, warning in enumerate(self.warnings):
            reason = self._reason_text(warning)
            segment = warning.to_segment if warning.reason is WarningReason.LEFT_LOYAL else warning.segment
            tags = (warning.tag,) if warning.tag else ()
            actions = suggested_actions(insight, segment, tags, limit=1)
            if warning.reason is WarningReason.POINTS_EXPIRING:
                actions = [self.tr("Remind them to use their points before they expire")]
            done = _tr(_OUTCOMES[warning.outcome]) if warning.outcome else self.tr("Not yet")
            cells = (local_date_text(warning.raised_at, zone), warning.member_name or self.tr("(not on this till yet)"),
                     warning.phone_masked, reason, actions[0] if actions else "", done)  # fmt: skip
            for column, text in enumerate(cells):
                self.table.setItem(row, column, QTableWidgetItem(text))
        self.table.resizeRowsToContents()
        self.empty_label.setVisible(not self.warnings)
        self.table.setVisible(bool(self.warnings))
        self._update_buttons()

    def _reason_text(self, warning: WarningView) -> str:
        if warning.reason is WarningReason.LEFT_LOYAL:
            text = self.tr("Was %1, now %2").replace("%1", segment_name(warning.from_segment))
            return text.replace("%2", segment_name(warning.to_segment))
        if warning.reason is WarningReason.POINTS_EXPIRING:
            if warning.expiring_points <= 0 or warning.expiring_on is None:  # spent or expired since
                return self.tr("Points about to expire")
            text = self.tr("%1 points expire on %2").replace("%1", points_text(warning.expiring_points))
            return text.replace("%2", warning.expiring_on.isoformat())
        tag = self._ctx.till.settings.current().insight.tag(warning.tag or "")
        return self.tr("Tagged %1").replace("%1", chain_text(tag.name) if tag else (warning.tag or ""))

    def _update_buttons(self) -> None:
        chosen = self.selected() is not None
        for button in (*self.outcome_buttons.values(), self.open_button):
            button.setEnabled(chosen)

    # -- language ------------------------------------------------------------------------------------------------

    def retranslate(self) -> None:
        self.title.setText(self.tr("Members to contact"))
        self.hint.setText(
            self.tr(
                "Members the chain's figures say are drifting away, from the nightly refresh. Call them, then record "
                "what happened: it goes to head office with the next sync."
            )
        )
        self.empty_label.setText(self.tr("Nobody to contact. The list comes with each sync."))
        self.table.setHorizontalHeaderLabels([_tr(name) for name in _COLUMNS])
        for outcome, button in self.outcome_buttons.items():
            button.setText(_tr(_OUTCOMES[outcome]))
        self.open_button.setText(self.tr("Open member"))
        self._fill()
