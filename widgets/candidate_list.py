"""The members a phone tail or a name matched, one row each (masked phone, name, tier, points, last visit in the
store's local date), chosen with the arrow keys and Enter, a double-click, or a single tap on a touch screen (a
finger has no double-click). `CandidateList` owns the rows and the choice; it takes member views and emits
`chosen(member_id)`, nothing else.

Thread: GUI thread.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import tzinfo

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QInputDevice, QMouseEvent
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTreeWidget, QTreeWidgetItem, QWidget

from localdb.member_view import MemberView
from widgets.display import local_date_text, points_text
from widgets.retranslating import Retranslating

_ID_ROLE = Qt.ItemDataRole.UserRole
NO_VISIT = "—"
PHONE_COLUMN, POINTS_COLUMN = 0, 3


class CandidateList(Retranslating, QTreeWidget):
    """objectName `candidateList`: `set_candidates(...)`, `step_selection(±1)`, `choose_current()`; `chosen(str)`."""

    chosen = Signal(str)

    def __init__(self, *, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("candidateList")
        self.setColumnCount(5)
        self.setRootIsDecorated(False)
        self.setUniformRowHeights(True)
        self.setAllColumnsShowFocus(True)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        header = self.header()
        header.setObjectName("candidateHeader")
        header.setStretchLastSection(False)
        # The phone keeps its width (never cut: "138****8000"); the other columns share the rest equally, so a wide
        # window spreads them instead of leaving an empty name column between the phone and the rest.
        header.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(PHONE_COLUMN, QHeaderView.ResizeMode.ResizeToContents)  # never cut: "138****8000"
        header.setMinimumSectionSize(96)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        self.itemActivated.connect(self._activated)
        # A finger on the list arrives as mouse events Qt makes from the touch (their device a touch screen), which
        # `mouseReleaseEvent` tells apart; a viewport that took touch events itself would get neither.
        self.viewport().setAttribute(Qt.WidgetAttribute.WA_AcceptTouchEvents, False)
        self.retranslate()

    def set_candidates(self, members: Sequence[MemberView], *, tier_names: Mapping[str, str], zone: tzinfo) -> None:
        """Show these members (in the order given: most recent visitors first) and select the first."""
        self.clear()
        for member in members:
            visit = local_date_text(member.last_visit_at, zone) if member.last_visit_at else NO_VISIT
            tier = tier_names.get(member.tier, member.tier)
            points = points_text(member.available_points)
            item = QTreeWidgetItem([member.phone_masked, member.name, tier, points, visit])
            item.setData(0, _ID_ROLE, member.id)
            item.setTextAlignment(POINTS_COLUMN, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.addTopLevelItem(item)
        first = self.topLevelItem(0)
        if first is not None:
            self.setCurrentItem(first)

    def member_ids(self) -> list[str]:
        items = (self.topLevelItem(row) for row in range(self.topLevelItemCount()))
        return [str(item.data(0, _ID_ROLE)) for item in items if item is not None]

    def current_member_id(self) -> str | None:
        item = self.currentItem()
        return None if item is None else str(item.data(0, _ID_ROLE))

    def step_selection(self, step: int) -> None:
        """Move the selection by `step` rows, staying inside the list (the lookup input forwards its arrows here)."""
        count = self.topLevelItemCount()
        if count == 0:
            return
        current = self.currentItem()
        row = 0 if current is None else self.indexOfTopLevelItem(current) + step
        target = self.topLevelItem(max(0, min(count - 1, row)))
        if target is not None:
            self.setCurrentItem(target)

    def choose_current(self) -> bool:
        """Emit `chosen` for the selected row; False when there is none."""
        member_id = self.current_member_id()
        if member_id is None:
            return False
        self.chosen.emit(member_id)
        return True

    def _activated(self, item: QTreeWidgetItem, _column: int) -> None:
        self.chosen.emit(str(item.data(0, _ID_ROLE)))

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        super().mouseReleaseEvent(event)
        if event.device().type() is not QInputDevice.DeviceType.TouchScreen:
            return  # a mouse: a click selects, a double-click opens
        item = self.itemAt(event.position().toPoint())
        if item is not None:  # a finger: one tap opens
            self.setCurrentItem(item)
            self._activated(item, 0)

    def retranslate(self) -> None:
        self.setHeaderLabels(
            [self.tr("Phone"), self.tr("Name"), self.tr("Tier"), self.tr("Points"), self.tr("Last visit")]
        )
        header_item = self.headerItem()
        if header_item is not None:  # the points' heading over their right-aligned figures
            header_item.setTextAlignment(POINTS_COLUMN, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
