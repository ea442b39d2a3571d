"""Part of the preferences page: when the member came. The last visit the server knows of (any store) and this
till's recent entries (purchases with their points, redemptions, reversals), on the store's clock. It takes the
member and the entries the ledger gives; it reads nothing itself.

Thread: GUI thread.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import tzinfo

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

from localdb.ledger import EntryView
from localdb.member_view import MemberView
from protocol.vocabulary import EntryKind
from widgets.display import entry_kind_name, local_time_text, points_text, signed_points_text, yuan_text
from widgets.retranslating import Retranslating


class RecentVisits(Retranslating, QWidget):
    """`lastVisit` (QLabel) and `recentVisits` (QListWidget). `show_visits(member, entries, zone, entries_known)`:
    `entries_known` False when the role may not read the ledger (then only the last visit shows)."""

    def __init__(self, *, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("recentVisitsPanel")
        self._member: MemberView | None = None
        self._entries: list[EntryView] = []
        self._zone: tzinfo | None = None
        self._entries_known = True
        self._title = QLabel(self)
        self._title.setProperty("tone", "title")
        self.last_visit_label = QLabel(self)
        self.last_visit_label.setObjectName("lastVisit")
        self.list = QListWidget(self)
        self.list.setObjectName("recentVisits")
        self.list.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self._title)
        column.addWidget(self.last_visit_label)
        column.addWidget(self.list, 1)
        self.retranslate()

    def show_visits(
        self, member: MemberView | None, entries: Sequence[EntryView], zone: tzinfo, *, entries_known: bool = True
    ) -> None:
        self._member, self._entries, self._zone, self._entries_known = member, list(entries), zone, entries_known
        self._render()

    def _render(self) -> None:
        member, zone = self._member, self._zone
        self.list.clear()
        if member is None or zone is None:
            self.last_visit_label.clear()
            return
        if member.last_visit_at is None:
            self.last_visit_label.setText(self.tr("No visit recorded yet."))
        else:
            last = local_time_text(member.last_visit_at, zone)
            self.last_visit_label.setText(self.tr("Last visit: %1").replace("%1", last))
        for entry in self._entries:
            QListWidgetItem(f"{local_time_text(entry.created_at, zone)}   {self._entry_words(entry)}", self.list)
        if not self._entries and self._entries_known:
            QListWidgetItem(self.tr("No purchases at this till yet."), self.list)

    def _entry_words(self, entry: EntryView) -> str:
        # A purchase and a redemption are told as what happened at the counter; other kinds by their name.
        points = abs(entry.points)  # the plural form follows the number: "1 point", "2 points"
        if entry.kind is EntryKind.EARN:
            words = self.tr("Bought %1, earned %2 point(s)", "", points)
        elif entry.kind is EntryKind.REDEEM:
            words = self.tr("Redeemed %2 point(s) (%1 off)", "", points)
        else:
            words = self.tr("%1: %2 point(s)", "", points)
            return words.replace("%1", entry_kind_name(entry.kind)).replace("%2", signed_points_text(entry.points))
        amount = yuan_text(entry.amount_cents) if entry.amount_cents is not None else ""
        return words.replace("%1", amount).replace("%2", points_text(points))

    def retranslate(self) -> None:
        self._title.setText(self.tr("Recent visits"))
        self._render()
