"""Part of the preferences page: the member's preferences grouped by kind (categories, sizes, colours, styles,
tags, notes; an empty kind says so), with who recorded each and when, on the store's clock. It takes the list the
service gives and emits `remove_requested` on Delete; it reads and writes nothing itself.

Thread: GUI thread.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import tzinfo

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTreeWidget, QTreeWidgetItem, QWidget

from localdb.preferences import PreferenceView
from protocol.vocabulary import PreferenceKind
from widgets.display import PREFERENCE_KINDS, local_date_text, preference_kind_name
from widgets.retranslating import Retranslating

_PREFERENCE_ID = Qt.ItemDataRole.UserRole
_KIND = Qt.ItemDataRole.UserRole + 1


class PreferenceTree(Retranslating, QTreeWidget):
    """objectName `preferenceList`. `show_preferences(items, zone)`; `selected_preference()` (an id or None) and
    `selected_kind()`; signal `remove_requested` (Delete or Backspace on the list)."""

    remove_requested = Signal()

    def __init__(self, *, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("preferenceList")
        self.setColumnCount(3)
        self.setRootIsDecorated(False)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.header().setStretchLastSection(False)
        self.header().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self._items: list[PreferenceView] = []
        self._zone: tzinfo | None = None
        self._shown = False
        self.retranslate()

    def show_preferences(self, items: Sequence[PreferenceView], zone: tzinfo) -> None:
        """Show these (the service's order: newest first within a kind), keeping the selection where it can."""
        self._items, self._zone, self._shown = list(items), zone, True
        self._render()

    def clear_preferences(self) -> None:
        self._items, self._shown = [], False
        self._render()

    def selected_preference(self) -> int | None:
        item = self.currentItem()
        value = item.data(0, _PREFERENCE_ID) if item is not None else None
        return int(value) if value is not None else None

    def selected_kind(self) -> PreferenceKind | None:
        item = self.currentItem()
        value = item.data(0, _KIND) if item is not None else None
        return PreferenceKind(value) if value else None

    def _render(self) -> None:
        selected = self.selected_preference()
        self.clear()
        if not self._shown or self._zone is None:
            return
        grouped: dict[PreferenceKind, list[PreferenceView]] = {kind: [] for kind in PREFERENCE_KINDS}
        for preference in self._items:
            grouped.setdefault(preference.kind, []).append(preference)
        for kind, items in grouped.items():
            group = QTreeWidgetItem(self, [self._group_text(kind, len(items)), "", ""])
            group.setData(0, _KIND, kind.value)
            font = group.font(0)
            font.setBold(True)
            group.setFont(0, font)
            for preference in items:
                when = local_date_text(preference.created_at, self._zone)
                child = QTreeWidgetItem(group, [preference.value, self._source_text(preference), when])
                child.setData(0, _PREFERENCE_ID, preference.id)
                child.setData(0, _KIND, kind.value)
                if preference.id == selected:
                    self.setCurrentItem(child)
        self.expandAll()
        for column in (1, 2):
            self.resizeColumnToContents(column)

    def _group_text(self, kind: PreferenceKind, count: int) -> str:
        if count == 0:
            return self.tr("%1: none yet").replace("%1", preference_kind_name(kind))
        return self.tr("%1 (%2)").replace("%1", preference_kind_name(kind)).replace("%2", str(count))

    def _source_text(self, preference: PreferenceView) -> str:
        if preference.source == "purchases":
            return self.tr("from purchases")
        return preference.staff_name or preference.staff_code or ""  # a name the guide knows; the code if unknown

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace):
            self.remove_requested.emit()
            event.accept()
            return
        super().keyPressEvent(event)

    def retranslate(self) -> None:
        self.setHeaderLabels([self.tr("Preference"), self.tr("Recorded by"), self.tr("When")])
        self._render()
