"""The store guide's page about one member: who they are (name, segment, birthday, tags), what they like (the
preferences grouped by kind, `ui.preference_tree`) and when they came (`ui.recent_visits`). Guides and managers
add a preference (kind + value, Enter) and remove one (Delete or the button; Undo or Ctrl+Z puts it back until the
next change); a cashier reads only. Preferences
need the member's consent; a guide who has just asked can record it here, and a member who withdraws it has every
preference and tag about them deleted (asked once more first).

Reads (single indexed SELECTs) run on the GUI thread; every write runs on the database worker through
`ctx.ops.db`, with the controls disabled while it is in flight (Enter pressed twice adds once), and is announced
with `ctx.hub.member_changed`. Thread: GUI thread.
"""

from __future__ import annotations

import logging
import unicodedata
from collections.abc import Callable
from typing import TypeVar

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from localdb.chain_history import ChainHistoryView
from localdb.errors import StoreError
from localdb.ledger import EntryView
from localdb.member_view import MemberView
from localdb.preferences import MAX_VALUE_LENGTH, PreferenceResult, PreferenceView
from localdb.staff import StaffSession
from loyalty.roles import Permission
from loyalty.tiers import is_birthday_month
from protocol.vocabulary import PreferenceKind
from ui.context import AppContext
from ui.error_line import ErrorLine
from ui.preference_tree import PreferenceTree
from ui.recent_visits import RecentVisits, Visits
from widgets.display import (
    PREFERENCE_KINDS,
    birthday_text,
    mark_member_data,
    preference_kind_name,
    segment_name,
    tags_text,
)
from widgets.retranslating import Retranslating
from widgets.whole_rows import WholeRows

log = logging.getLogger(__name__)

T = TypeVar("T")
W = TypeVar("W", bound=QWidget)

RECENT_ENTRIES = 10


def clean_value(text: str) -> str:
    """A preference as the service stores it (NFKC, single spaces), to tell a repeat before writing it."""
    return " ".join(unicodedata.normalize("NFKC", text).split())


def _named(widget: W, name: str) -> W:
    widget.setObjectName(name)
    return widget


class PreferencesPage(Retranslating, QWidget):
    """`show_member(member_id)`; signal `back` (Esc). objectNames: `preferencesPage`, `preferencesMemberName`,
    `preferenceKind`, `preferenceValue`, `addPreferenceButton`, `removePreferenceButton`, `preferenceList`,
    `lastVisit`, `recentVisits`, `consentButton`, `withdrawConsentButton` (its question: `withdraw_box`),
    `errorLabel`."""

    back = Signal()

    def __init__(self, ctx: AppContext, *, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("preferencesPage")
        self._ctx = ctx
        self._member_id: str | None = None
        self._member: MemberView | None = None
        self._preferences: list[PreferenceView] = []
        self._busy = False

        self._title = QLabel(self)
        self._title.setProperty("tone", "title")
        self.name_label = _named(QLabel(self), "preferencesMemberName")
        self.name_label.setProperty("tone", "title")
        self._segment_caption, self.segment_label = QLabel(self), _named(QLabel(self), "preferencesSegment")
        self._birthday_caption, self.birthday_label = QLabel(self), _named(QLabel(self), "preferencesBirthday")
        self._tags_caption, self.tags_label = QLabel(self), _named(QLabel(self), "preferencesTags")
        # The server's top 3 by 12-month spend (pulled with the member, so offline too): chain data as written.
        self._top_caption, self.top_categories_label = QLabel(self), _named(QLabel(self), "preferencesTopCategories")
        for data in (self.name_label, self.tags_label, self.top_categories_label):
            mark_member_data(data)
        self.tags_label.setWordWrap(True)
        self.consent_notice = _named(QLabel(self), "consentNotice")
        self.consent_notice.setProperty("tone", "muted")
        self.consent_notice.setWordWrap(True)
        self.consent_button = _named(QPushButton(self), "consentButton")
        self.consent_button.clicked.connect(self.record_consent)
        self.withdraw_button = _named(QPushButton(self), "withdrawConsentButton")
        self.withdraw_button.setProperty("role", "danger")
        self.withdraw_button.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Fixed)
        self.withdraw_button.clicked.connect(self.ask_withdraw_consent)
        self.withdraw_box: QMessageBox | None = None

        self.preference_list = PreferenceTree(parent=self)
        self.preference_list.currentItemChanged.connect(lambda *_: self._selection_changed())
        self.preference_list.remove_requested.connect(self.remove_preference)
        self._list_frame = WholeRows(self.preference_list, parent=self)  # no row cut in half at the bottom
        self.kind_input = _named(QComboBox(self), "preferenceKind")
        self.value_input = _named(QLineEdit(self), "preferenceValue")
        self.value_input.setMaxLength(MAX_VALUE_LENGTH)
        self.value_input.returnPressed.connect(self.add_preference)
        self.add_button = _named(QPushButton(self), "addPreferenceButton")
        self.add_button.setProperty("role", "primary")
        self.add_button.clicked.connect(self.add_preference)
        self.remove_button = _named(QPushButton(self), "removePreferenceButton")
        self.remove_button.setProperty("role", "danger")
        self.remove_button.clicked.connect(self.remove_preference)
        self.error_label = ErrorLine(self)
        # After a removal: what went, and a way to put it back (Delete is one key away from a slip).
        self.undo_bar = _named(QWidget(self), "undoBar")
        self.undo_label = _named(QLabel(self.undo_bar), "undoLabel")
        self.undo_label.setProperty("tone", "muted")
        self.undo_button = _named(QPushButton(self.undo_bar), "undoButton")
        self.undo_button.clicked.connect(self.undo_remove)
        undo_row = QHBoxLayout(self.undo_bar)
        undo_row.setContentsMargins(0, 0, 0, 0)
        undo_row.addWidget(self.undo_label, 1)
        undo_row.addWidget(self.undo_button)
        self.undo_bar.hide()
        self._removed: PreferenceView | None = None
        QShortcut(QKeySequence(QKeySequence.StandardKey.Undo), self, self.undo_remove)  # Ctrl+Z
        self.error_label.clear_when_changed(self.kind_input, self.value_input)
        self._editor = _named(QWidget(self), "preferenceEditor")
        self.visits = RecentVisits(parent=self)
        self.back_button = _named(QPushButton(self), "backButton")
        self.back_button.setMinimumWidth(200)  # as on the member page, in the same corner
        self.back_button.clicked.connect(self.back)

        self._build_layout()
        hub = ctx.hub
        hub.member_changed.connect(self._member_changed)
        hub.members_reloaded.connect(self.reload)
        ctx.history.changed.connect(self._member_changed)  # the chain history arrived, or could not be fetched
        hub.staff_changed.connect(self._staff_changed)
        self.retranslate()
        self._apply_role()

    def _build_layout(self) -> None:
        header = QHBoxLayout()
        header.addWidget(self._title)
        header.addWidget(self.name_label, 1)
        about = QFormLayout()
        about.setVerticalSpacing(2)  # the room goes to the preferences list
        about.addRow(self._segment_caption, self.segment_label)
        about.addRow(self._birthday_caption, self.birthday_label)
        about.addRow(self._tags_caption, self.tags_label)
        about.addRow(self._top_caption, self.top_categories_label)
        consent = QHBoxLayout()
        consent.addWidget(self.consent_notice, 1)
        consent.addWidget(self.consent_button)
        consent.addWidget(self.withdraw_button, 0, Qt.AlignmentFlag.AlignRight)  # a rare step: not a wide red bar
        edit_row = QHBoxLayout(self._editor)
        edit_row.setContentsMargins(0, 0, 0, 0)
        edit_row.addWidget(self.kind_input)
        edit_row.addWidget(self.value_input, 1)
        edit_row.addWidget(self.add_button)
        edit_row.addWidget(self.remove_button)
        left = QVBoxLayout()
        left.addLayout(header)
        left.addLayout(about)
        left.addLayout(consent)
        left.addWidget(self._list_frame, 1)
        left.addWidget(self._editor)
        left.addWidget(self.undo_bar)
        left.addWidget(self.error_label)
        # Back sits where it is on the member page: the bottom right corner, with the member page's margins.
        right = QVBoxLayout()
        right.addWidget(self.visits, 1)
        right.addWidget(self.back_button, 0, Qt.AlignmentFlag.AlignRight)
        columns = QHBoxLayout(self)
        columns.setContentsMargins(24, 20, 24, 20)
        columns.setSpacing(24)
        columns.addLayout(left, 3)
        columns.addLayout(right, 2)

    # -- what is shown ---------------------------------------------------------------------------------------------

    @property
    def member_id(self) -> str | None:
        return self._member_id

    def show_member(self, member_id: str) -> None:
        """Show this member's profile, preferences and visits; the value box takes the keyboard when it may."""
        self._member_id = member_id
        self.error_label.clear_error()
        self.value_input.clear()
        self._forget_removed()
        if self._ctx.history.status(member_id) is None:  # not come through the member card: ask now
            self._ctx.history.open(member_id)
        self.reload()
        if self.value_input.isEnabled() and self._editor.isVisibleTo(self):
            self.value_input.setFocus()
        else:
            self.preference_list.setFocus()

    def clear(self) -> None:
        """Forget the member (after logout): nothing about them stays on screen."""
        self._member_id = None
        self.error_label.clear_error()
        self.value_input.clear()
        self._forget_removed()
        self.reload()

    def reload(self) -> None:
        """Read the member, their preferences and this till's recent entries again (GUI thread: indexed reads)."""
        staff = self._ctx.staff
        self._member, self._preferences = None, []
        entries: list[EntryView] = []
        categories: dict[str, tuple[str, ...]] = {}
        chain: ChainHistoryView | None = None
        if self._member_id is not None and staff is not None:
            try:
                self._member = self._ctx.till.members.get(staff, self._member_id)
                self._preferences = self._ctx.till.preferences.list(staff, self._member_id)
                if self._ctx.can(Permission.LOOKUP):
                    entries = self._ctx.till.ledger.recent_entries(staff, self._member_id, RECENT_ENTRIES)
                    categories = self._ctx.till.history.own_categories(staff, [entry.id for entry in entries])
                    chain = self._ctx.till.history.get(staff, self._member_id)
            except StoreError as error:
                self._member, self._preferences = None, []
                self.error_label.show_error(error)
        zone = self._ctx.till.settings.current().zone
        if self._member is None:
            self.preference_list.clear_preferences()
        else:
            self.preference_list.show_preferences(self._preferences, zone)
        self._list_frame.fit()
        member_id = self._member_id
        self.visits.show_visits(
            Visits(
                self._member,
                entries,
                zone,
                entries_known=self._ctx.can(Permission.LOOKUP),
                own_store=self._ctx.till.sync.store_name() or self._ctx.till.settings.current().store_code,
                own_categories=categories,
                chain=chain,
                status=None if member_id is None else self._ctx.history.status(member_id),
            )
        )
        self._render_member()
        self._update_controls()

    def _render_member(self) -> None:
        member = self._member
        self.name_label.setText(member.name if member else "")
        self.segment_label.setText(self._segment_text(member.segment) if member else "")
        self.birthday_label.setText(self._birthday_text(member) if member else "")
        insight = self._ctx.till.settings.current().insight
        self.tags_label.setText((tags_text(insight, member.tags) or self.tr("none")) if member else "")
        self.top_categories_label.setText(
            ("  ·  ".join(member.top_categories) or self.tr("not yet known")) if member else ""
        )

    def _segment_text(self, segment: str | None) -> str:
        return segment_name(segment) if segment else self.tr("not yet known")

    def _birthday_text(self, member: MemberView) -> str:
        if member.birthday is None:
            return self.tr("not given")
        text = birthday_text(member.birthday)
        if is_birthday_month(member.birthday, self._ctx.till.today()):
            text = self.tr("%1 (birthday month)").replace("%1", text)
        return text

    # -- editing ---------------------------------------------------------------------------------------------------

    def _can_edit(self) -> bool:
        return self._ctx.can(Permission.EDIT_PREFERENCES)

    def _apply_role(self) -> None:
        self._editor.setVisible(self._can_edit())
        self._update_controls()

    def _update_controls(self) -> None:
        member = self._member
        consented = member is not None and member.consent_profile
        editable = self._can_edit() and member is not None and not self._busy
        for widget in (self.kind_input, self.value_input, self.add_button):
            widget.setEnabled(editable and consented)
        self.remove_button.setEnabled(editable and self.preference_list.selected_preference() is not None)
        asking = member is not None and not consented and self._can_edit()  # only whoever records needs telling
        self.consent_notice.setVisible(asking)
        self.consent_button.setVisible(asking and self._ctx.can(Permission.ENROL))
        self.consent_button.setEnabled(not self._busy)
        # Whoever may record consent may record its withdrawal (the member asks at the counter).
        self.withdraw_button.setVisible(member is not None and consented and self._ctx.can(Permission.ENROL))
        self.withdraw_button.setEnabled(not self._busy)

    def _selection_changed(self) -> None:
        kind = self.preference_list.selected_kind()
        if kind is not None:  # adding next to what the guide is looking at
            self.kind_input.setCurrentIndex(max(self.kind_input.findData(kind.value), 0))
        self._update_controls()

    def add_preference(self) -> None:
        """Record kind + value for the member (Enter in the value box). Refusals are shown; the text stays."""
        if self._busy or self._member is None or not self.add_button.isEnabled():
            return
        self._forget_removed()
        kind = PreferenceKind(self.kind_input.currentData())
        value, member_id, staff = self.value_input.text(), self._member.id, self._ctx.actor()
        if any(p.kind is kind and p.value == clean_value(value) for p in self._preferences):
            self.error_label.show_words(lambda: self.tr("This preference is already recorded."))
            return

        def done(_result: PreferenceResult) -> None:
            self.value_input.clear()
            self._finished_write(member_id)

        self._start_write(lambda: self._ctx.till.preferences.add(staff, member_id, kind, value), done)

    def remove_preference(self) -> None:
        """Remove the selected preference (Delete on the list). The store keeps who removed it and when."""
        preference_id = self.preference_list.selected_preference()
        if self._busy or self._member is None or preference_id is None or not self._can_edit():
            return
        member_id, staff = self._member.id, self._ctx.actor()
        removed = next((p for p in self._preferences if p.id == preference_id), None)

        def done(_changes: object) -> None:
            self._finished_write(member_id)
            self._offer_undo(removed)

        self._start_write(lambda: self._ctx.till.preferences.remove(staff, preference_id), done)

    def _offer_undo(self, removed: PreferenceView | None) -> None:
        self._removed = removed
        self.undo_bar.setVisible(removed is not None)
        self._retranslate_undo()

    def _forget_removed(self) -> None:
        self._removed = None
        self.undo_bar.hide()

    def undo_remove(self) -> None:
        """Put back the preference just removed: recorded again (a new entry; the store keeps both)."""
        removed = self._removed
        if self._busy or removed is None or removed.member_id != self._member_id or not self._can_edit():
            return
        staff = self._ctx.actor()
        self._forget_removed()
        self._start_write(
            lambda: self._ctx.till.preferences.add(staff, removed.member_id, removed.kind, removed.value),
            lambda _: self._finished_write(removed.member_id),
        )

    def _retranslate_undo(self) -> None:
        removed = self._removed
        if removed is None:
            return
        self.undo_label.setText(
            self.tr("Removed: %1 · %2").replace("%1", preference_kind_name(removed.kind)).replace("%2", removed.value)
        )
        self.undo_button.setText(self.tr("Undo"))

    def record_consent(self) -> None:
        """The member has just agreed to have preferences recorded."""
        if self._busy or self._member is None:
            return
        member_id, staff = self._member.id, self._ctx.actor()
        self._start_write(
            lambda: self._ctx.till.members.set_consent(staff, member_id, profile=True),
            lambda _: self._finished_write(member_id),
        )

    def ask_withdraw_consent(self) -> None:
        """The member withdraws their consent: asked once more (window-modal, no nested loop), because every
        preference and tag recorded about them is then deleted, here and at every till after its next sync."""
        if self._busy or self._member is None:
            return
        box = QMessageBox(QMessageBox.Icon.Warning, self.tr("Withdraw consent"), "", parent=self)
        box.setObjectName("withdrawConsentBox")
        box.setText(
            self.tr("%1 no longer agrees to have preferences recorded. Every preference and tag recorded about them "
                    "will be deleted, at this till now and at every till after its next sync.").replace(
                "%1", self._member.name)
        )  # fmt: skip
        confirm = box.addButton(self.tr("Withdraw and delete"), QMessageBox.ButtonRole.DestructiveRole)
        box.addButton(self.tr("Cancel"), QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(QMessageBox.StandardButton.NoButton)
        member_id = self._member.id
        box.buttonClicked.connect(lambda button: self._withdraw_answered(member_id, button is confirm))
        self.withdraw_box = box
        box.open()

    def _withdraw_answered(self, member_id: str, confirmed: bool) -> None:
        self.withdraw_box = None
        if not confirmed or self._busy or member_id != self._member_id:
            return
        staff = self._ctx.actor()
        self._start_write(
            lambda: self._ctx.till.members.set_consent(staff, member_id, profile=False),
            lambda _: self._finished_write(member_id),
        )

    def _start_write(self, work: Callable[[], T], on_done: Callable[[T], None]) -> None:
        self._busy = True
        self.error_label.clear_error()
        self._update_controls()
        self._ctx.ops.db(work, on_done, self._write_failed, owner=self)

    def _finished_write(self, member_id: str) -> None:
        """The write is done; `ops` then tells every page showing the member, this one too, to read it again."""
        self._busy = False
        if member_id == self._member_id and self.value_input.isEnabled():
            self.value_input.setFocus()

    def _write_failed(self, error: Exception) -> None:
        self._busy = False
        self.reload()  # e.g. a preference removed meanwhile: show the store as it is
        self.error_label.show_error(error)

    # -- signals from elsewhere --------------------------------------------------------------------------------------

    def _member_changed(self, member_id: str) -> None:
        if member_id == self._member_id and not self._busy:
            self.reload()

    def _staff_changed(self, staff: StaffSession | None) -> None:
        if staff is None:
            self.clear()
        self._apply_role()

    # -- keys, language, time ----------------------------------------------------------------------------------------

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape:
            self.back.emit()
        else:
            super().keyPressEvent(event)

    def retranslate(self) -> None:
        self._title.setText(self.tr("Preferences"))
        self._retranslate_undo()
        self._segment_caption.setText(self.tr("Segment"))
        self._birthday_caption.setText(self.tr("Birthday"))
        self._tags_caption.setText(self.tr("Tags"))
        self._top_caption.setText(self.tr("Frequent categories"))
        self.consent_notice.setText(self.tr("The member has not agreed to have preferences recorded. Ask them first."))
        self.consent_button.setText(self.tr("Member agrees"))
        self.withdraw_button.setText(self.tr("Withdraw consent"))
        current = self.kind_input.currentData()
        self.kind_input.clear()
        for kind in PREFERENCE_KINDS:
            self.kind_input.addItem(preference_kind_name(kind), kind.value)
        if current is not None:
            self.kind_input.setCurrentIndex(max(self.kind_input.findData(current), 0))
        self.value_input.setPlaceholderText(self.tr("e.g. dresses, size M, navy blue, then Enter"))
        self.add_button.setText(self.tr("Add"))
        self.remove_button.setText(self.tr("Remove (Del)"))
        self.back_button.setText(self.tr("Back (Esc)"))
        self._render_member()
