"""`WholeRows`: holds one item view and gives it only as much height as shows whole rows, so the last row on screen
is never cut in half (the rest of the room stays empty below it). A view with fewer rows than fit is unaffected.

Thread: GUI thread.
"""

from __future__ import annotations

from PySide6.QtCore import QSize
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QAbstractItemView, QSizePolicy, QTreeView, QWidget


class WholeRows(QWidget):
    """`WholeRows(view, parent=...)`: put this in the layout where the view would go; `view` becomes its child."""

    def __init__(self, view: QAbstractItemView, *, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.view = view
        view.setParent(self)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def row_height(self) -> int:
        """The height of one row (all rows of the views used here are one line of the same font)."""
        model = self.view.model()
        if model is not None and model.rowCount() > 0:
            height = self.view.sizeHintForRow(0)
            if height > 0:
                return height
        return self.view.fontMetrics().height() + 8

    def _chrome(self) -> int:
        """What the view needs besides its rows: the frame and, for a tree, its header."""
        view = self.view
        header = view.header().sizeHint().height() if isinstance(view, QTreeView) and not view.isHeaderHidden() else 0
        return 2 * view.frameWidth() + header

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.fit()

    def fit(self) -> None:
        """Lay the view out again (after its rows or font changed)."""
        room = self.height() - self._chrome()
        rows = max(room // self.row_height(), 1)
        self.view.setGeometry(0, 0, self.width(), min(self.height(), self._chrome() + rows * self.row_height()))

    def sizeHint(self) -> QSize:
        return self.view.sizeHint()

    def minimumSizeHint(self) -> QSize:
        return self.view.minimumSizeHint()
