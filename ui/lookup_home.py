"""What the empty lookup page shows between customers (issue 15, item 25): members whose birthday is today and who
came in the last months (to greet them, or offer the birthday points), the last members this till served (one tap
or Enter reopens one: the customer who comes back for a forgotten receipt), and how many records wait to be sent
to head office. Each list is a `CandidateList`; a choice is `member_chosen(member_id)`.

Reads are single indexed SELECTs on the GUI thread, made when the page is shown or a member changes.

Thread: GUI thread.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from localdb.member_view import MemberView
from loyalty.roles import Permission
from ui.context import AppContext
from widgets.candidate_list import CandidateList
from widgets.retranslating import Retranslating


class LookupHome(Retranslating, QWidget):
    """objectName `lookupHome`: `birthdayList`, `recentList` (CandidateLists), `pendingLine`; `refresh()`."""

    member_chosen = Signal(str)

    def __init__(self, ctx: AppContext, *, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("lookupHome")
        self._ctx = ctx
        self._pending = 0
        self.birthday_title, self.recent_title = QLabel(self), QLabel(self)
        for title in (self.birthday_title, self.recent_title):
            title.setProperty("tone", "section")
        self.birthday_list = self._list("birthdayList")
        self.recent_list = self._list("recentList")
        self.birthday_none, self.recent_none = QLabel(self), QLabel(self)
        for label in (self.birthday_none, self.recent_none):
            label.setProperty("tone", "muted")
        self.pending_line = QLabel(self)
        self.pending_line.setObjectName("pendingLine")
        self.pending_line.setProperty("tone", "muted")

        page = QVBoxLayout(self)
        page.setContentsMargins(0, 8, 0, 0)
        page.addWidget(self.pending_line)
        columns = QHBoxLayout()
        columns.setSpacing(24)
        page.addLayout(columns, 1)
        for title, listing, none in (
            (self.birthday_title, self.birthday_list, self.birthday_none),
            (self.recent_title, self.recent_list, self.recent_none),
        ):
            column = QVBoxLayout()
            column.addWidget(title)
            column.addWidget(listing, 1)
            column.addWidget(none)
            column.addStretch(0)
            columns.addLayout(column, 1)
        self.retranslate()

    def _list(self, name: str) -> CandidateList:
        listing = CandidateList(parent=self)
        listing.setObjectName(name)
        listing.chosen.connect(self.member_chosen)
        return listing

    def refresh(self) -> None:
        """Read the lists again (nobody logged in: nothing shows)."""
        staff = self._ctx.staff
        birthdays: list[MemberView] = []
        served: list[MemberView] = []
        if staff is not None and self._ctx.can(Permission.LOOKUP):
            members = self._ctx.till.members
            birthdays = members.birthdays_today(staff, self._ctx.till.today())
            served = members.recently_served(staff)
        self._pending = self._ctx.till.sync.count_unsent() if staff is not None else 0
        config = self._ctx.till.settings.current()
        tier_names = {tier.code: tier.name for tier in config.rules.tiers}
        for listing, none, members_shown in (
            (self.birthday_list, self.birthday_none, birthdays),
            (self.recent_list, self.recent_none, served),
        ):
            listing.set_candidates(members_shown, tier_names=tier_names, zone=config.zone)
            listing.clearSelection()  # nothing chosen until someone picks: Enter in the input is the lookup's
            listing.setVisible(bool(members_shown))
            none.setVisible(not members_shown)
        self._retranslate_pending()

    def _retranslate_pending(self) -> None:
        if self._pending:
            waiting = self.tr("%n record(s) of this till wait to be sent to head office.", "", self._pending)
            self.pending_line.setText(waiting)
        else:
            self.pending_line.setText(self.tr("Everything this till recorded has been sent to head office."))

    def retranslate(self) -> None:
        self.birthday_title.setText(self.tr("Birthday today"))
        self.recent_title.setText(self.tr("Served here lately"))
        self.birthday_none.setText(self.tr("No regular customer has a birthday today."))
        self.recent_none.setText(self.tr("Nobody served at this till yet."))
        self._retranslate_pending()
