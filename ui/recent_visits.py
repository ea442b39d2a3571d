"""Part of the preferences page: when the member came. The last visit the server knows of (any store) and the
member's recent purchases: across the chain when the server's purchase history is at hand (fetched when the card
opened, or kept from an earlier fetch: `localdb.chain_history`), else this till's own entries (purchases with their
points, redemptions, reversals) — with "offline, this till's records only" when the server could not be asked.
Each row: the time on the store's clock, the store, what happened (amount, points, money refunded since) and the
purchase's top categories (chain data: shown as the chain's POS wrote them, in either language).

It takes the member, the entries and the history the page gives; it reads nothing itself.

Thread: GUI thread.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Final

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

from localdb.chain_history import ChainHistoryView
from localdb.ledger import EntryView
from localdb.member_view import MemberView
from localdb.models import EntrySync
from protocol.vocabulary import EntryKind
from ui.chain_history import HistoryStatus
from widgets.display import entry_kind_name, local_time_text, points_text, signed_points_text, yuan_text
from widgets.retranslating import Retranslating

#: Rows shown: the server answers the last 20 purchases.
MAX_ROWS: Final = 20
_CATEGORY_SEPARATOR: Final = " · "


@dataclass(frozen=True, slots=True)
class Visits:
    """What the page hands over: the member, this till's entries (newest first) and their top categories, this
    till's store name, the cached chain history and where its fetch stands."""

    member: MemberView | None
    entries: Sequence[EntryView]
    zone: tzinfo
    entries_known: bool = True  # False: the role may not read the ledger (only the last visit shows)
    own_store: str = ""
    own_categories: Mapping[str, tuple[str, ...]] | None = None
    chain: ChainHistoryView | None = None
    status: HistoryStatus | None = None


@dataclass(frozen=True, slots=True)
class _Row:
    at: datetime
    store: str
    entry: EntryView | None  # this till's entry (told by its kind), or None for a chain purchase
    amount_cents: int | None
    points: int
    refunded_cents: int
    categories: tuple[str, ...]


class RecentVisits(Retranslating, QWidget):
    """`lastVisit` (QLabel), `historyNotice` (QLabel: offline, or how old the kept chain history is) and
    `recentVisits` (QListWidget). `show_visits(Visits(...))`."""

    def __init__(self, *, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("recentVisitsPanel")
        self._visits: Visits | None = None
        self._title = QLabel(self)
        self._title.setProperty("tone", "title")
        self.last_visit_label = QLabel(self)
        self.last_visit_label.setObjectName("lastVisit")
        self.notice = QLabel(self)
        self.notice.setObjectName("historyNotice")
        self.notice.setProperty("tone", "muted")
        self.notice.setWordWrap(True)
        self.notice.hide()
        self.list = QListWidget(self)
        self.list.setObjectName("recentVisits")
        self.list.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.list.setWordWrap(True)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self._title)
        column.addWidget(self.last_visit_label)
        column.addWidget(self.notice)
        column.addWidget(self.list, 1)
        self.retranslate()

    def show_visits(self, visits: Visits | None) -> None:
        self._visits = visits
        self._render()

    @property
    def showing_chain(self) -> bool:
        """Whether the rows come from the server's chain history (else from this till's records)."""
        return self._visits is not None and self._visits.chain is not None and self._visits.entries_known

    def _render(self) -> None:
        visits = self._visits
        self.list.clear()
        self.notice.hide()
        if visits is None or visits.member is None:
            self.last_visit_label.clear()
            return
        member, zone = visits.member, visits.zone
        if member.last_visit_at is None:
            self.last_visit_label.setText(self.tr("No visit recorded yet."))
        else:
            last = local_time_text(member.last_visit_at, zone)
            self.last_visit_label.setText(self.tr("Last visit: %1").replace("%1", last))
        if not visits.entries_known:
            return
        rows = self._chain_rows(visits) if visits.chain is not None else self._own_rows(visits)
        for row in rows:
            QListWidgetItem(self._row_text(row, zone), self.list)
        if not rows:
            words = (
                self.tr("No purchases yet.") if visits.chain is not None else self.tr("No purchases at this till yet.")
            )
            QListWidgetItem(words, self.list)
        self._render_notice(visits)

    def _render_notice(self, visits: Visits) -> None:
        if visits.status is not HistoryStatus.OFFLINE:
            return
        if visits.chain is None:
            self.notice.setText(self.tr("Offline: this till's records only"))
        else:
            fetched = local_time_text(visits.chain.fetched_at, visits.zone)
            self.notice.setText(self.tr("Offline: the chain's records as of %1").replace("%1", fetched))
        self.notice.show()

    @staticmethod
    def _own_rows(visits: Visits) -> list[_Row]:
        categories = visits.own_categories or {}
        return [
            _Row(
                entry.created_at,
                visits.own_store,
                entry,
                entry.amount_cents,
                entry.points,
                0,
                categories.get(entry.id, ()),
            )
            for entry in visits.entries[:MAX_ROWS]
        ]

    @staticmethod
    def _chain_rows(visits: Visits) -> list[_Row]:
        """The chain's purchases, and this till's purchases the server has not got yet (pushed at the next sync)."""
        assert visits.chain is not None
        known = {purchase.entry_id for purchase in visits.chain.purchases}
        categories = visits.own_categories or {}
        rows = [
            _Row(p.at, p.store_name or p.store_code, None, p.amount_cents, p.points, p.refunded_cents, p.top_categories)
            for p in visits.chain.purchases
        ]
        rows += [
            _Row(e.created_at, visits.own_store, None, e.amount_cents, e.points, 0, categories.get(e.id, ()))
            for e in visits.entries
            if e.kind is EntryKind.EARN
            and e.sync_state is EntrySync.PENDING
            and e.id not in known
            and e.created_at > _oldest(visits.chain)
        ]
        rows.sort(key=lambda row: row.at, reverse=True)
        return rows[:MAX_ROWS]

    def _row_text(self, row: _Row, zone: tzinfo) -> str:
        parts = [local_time_text(row.at, zone)]
        if row.store:
            parts.append(row.store)
        parts.append(self._entry_words(row))
        if row.refunded_cents:
            parts.append(self.tr("%1 refunded").replace("%1", yuan_text(row.refunded_cents)))
        text = "   ".join(parts)
        if row.categories:
            text += "\n    " + _CATEGORY_SEPARATOR.join(row.categories)  # under the row, indented
        return text

    def _entry_words(self, row: _Row) -> str:
        # A purchase and a redemption are told as what happened at the counter; other kinds by their name.
        points = abs(row.points)  # the plural form follows the number: "1 point", "2 points"
        kind = row.entry.kind if row.entry is not None else EntryKind.EARN
        if kind is EntryKind.EARN:
            words = self.tr("Bought %1, earned %2 point(s)", "", points)
        elif kind is EntryKind.REDEEM:
            words = self.tr("Redeemed %2 point(s) (%1 off)", "", points)
        else:
            words = self.tr("%1: %2 point(s)", "", points)
            return words.replace("%1", entry_kind_name(kind)).replace("%2", signed_points_text(row.points))
        amount = yuan_text(row.amount_cents) if row.amount_cents is not None else ""
        return words.replace("%1", amount).replace("%2", points_text(points))

    def retranslate(self) -> None:
        self._title.setText(self.tr("Recent visits"))
        self._render()


def _oldest(chain: ChainHistoryView) -> datetime:
    """This till's purchases older than the chain's oldest purchase shown are not added (the server's last 20 end
    there); with fewer than 20, every purchase is in it."""
    if len(chain.purchases) < MAX_ROWS or not chain.purchases:
        return datetime.min.replace(tzinfo=chain.fetched_at.tzinfo)
    return chain.purchases[-1].at
