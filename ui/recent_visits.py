"""Part of the preferences page: when the member came. The last visit the server knows of (any store) and this
till's recent entries (purchases with their points, redemptions, reversals), on the store's clock. It takes the
member and the entries the ledger gives; it reads nothing itself.

Thread: GUI thread.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, tzinfo

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, Qt
from PySide6.QtWidgets import QLabel, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

from localdb.ledger import EntryView
from localdb.member_view import MemberView
from protocol.vocabulary import EntryKind
from widgets.money_input import format_yuan
from widgets.retranslating import Retranslating

_CONTEXT = "RecentVisits"
_ENTRY_WORDS = {
    EntryKind.EARN: QT_TRANSLATE_NOOP("RecentVisits", "Bought %1, earned %2 points"),
    EntryKind.REDEEM: QT_TRANSLATE_NOOP("RecentVisits", "Redeemed %2 points (%1 off)"),
    EntryKind.REVERSE: QT_TRANSLATE_NOOP("RecentVisits", "Reversal: %2 points"),
    EntryKind.ADJUST: QT_TRANSLATE_NOOP("RecentVisits", "Adjustment: %2 points"),
}


def _local(moment: datetime, zone: tzinfo) -> str:
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M")


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
            self.last_visit_label.setText(self.tr("Last visit: %1").replace("%1", _local(member.last_visit_at, zone)))
        for entry in self._entries:
            amount = format_yuan(entry.amount_cents) if entry.amount_cents is not None else ""
            plain = entry.kind in (EntryKind.EARN, EntryKind.REDEEM)
            points = str(abs(entry.points)) if plain else f"{entry.points:+d}"
            words = QCoreApplication.translate(_CONTEXT, str(_ENTRY_WORDS[entry.kind]))
            words = words.replace("%1", amount).replace("%2", points)
            QListWidgetItem(f"{_local(entry.created_at, zone)}   {words}", self.list)
        if not self._entries and self._entries_known:
            QListWidgetItem(self.tr("No purchases at this till yet."), self.list)

    def retranslate(self) -> None:
        self._title.setText(self.tr("Recent visits"))
        self._render()
